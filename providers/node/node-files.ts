/**
 * NodeFiles: the files the node's seed writes at its first boot (/etc/hosts, root's authorised keys
 * and key pair: providers/node/cloud-init.ts `seedFiles`), kept on the running node over SSH. A
 * change of them — a node added to the lab's hosts table, a reserved name, a key — is written to
 * the node in place, as the first boot would have written it: the seed ISO is rewritten beside it
 * (CloudInitDisk) and the VM is never replaced or restarted for it.
 *
 * Each file is written only when its content, mode or owner differ (atomically: a temporary file
 * renamed over it), so the create on a freshly booted node finds them written and changes nothing.
 * `read` compares the files on the node with the rendered ones (`filesCurrent: false` when one
 * was edited or removed out of band); a node that cannot be reached reports nothing (NodeReady
 * says so). The delete leaves the files: they go with the node.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress } from "../exec/host-exec";
import { explained, onNode, orIfUnreachable, SCRIPT_FAIL, sshEndpointField } from "../exec/node-exec";
import { labKind } from "../core/kind";
import { seedFileFields } from "./cloud-init-disk";
import { seedFiles, type SeedFile } from "./cloud-init";
import { shellQuote } from "../exec/ssh";

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    ...seedFileFields(),
    /** Desired: every file on the node is the rendered one (drift when one was edited or removed). */
    filesCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a NodeFiles, as its schema takes them (fields with a default are optional). */
export type NodeFilesInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a NodeFiles. */
export interface NodeFilesOutputs {
  /** The files it keeps, in order. */
  paths: string[];
}

/** A file's place and attributes, without its content. */
export type FileSpec = Pick<SeedFile, "path" | "owner" | "permissions">;

/** A mode as `stat -c %a` prints it: `0644` → `644`. */
export function statMode(permissions: string): string {
  return Number.parseInt(permissions, 8).toString(8);
}

/**
 * The script that writes `files`, their contents as base64 lines on stdin in the same order: each
 * one whose content, mode or owner differ is written beside the old one and renamed over it, and
 * its path printed; the others are left alone.
 */
export function applyScript(files: readonly FileSpec[]): string {
  const puts = files.map(
    (f) => `put ${shellQuote(f.path)} ${statMode(f.permissions)} ${shellQuote(f.owner)}`,
  );
  return `${SCRIPT_FAIL}
tmp=""
trap 'rm -f "$tmp"' EXIT
put() {
  local path=$1 mode=$2 owner=$3 line
  IFS= read -r line || fail "no content for $path on stdin. Fix: run pulumi up again"
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.kvmlab.XXXXXX")
  printf '%s' "$line" | base64 -d >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c '%a %U:%G' "$path")" = "$mode $owner" ]; then
    rm -f "$tmp"
  else
    chown "$owner" "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$path"
    echo "$path"
  fi
  tmp=""
}
${puts.join("\n")}`;
}

/** The probe `read` runs: per file, `<sha256> <mode> <owner:group> <path>`, or `missing <path>`. */
export function stateScript(files: readonly Pick<FileSpec, "path">[]): string {
  return `for f in ${files.map((f) => shellQuote(f.path)).join(" ")}; do
  if [ -f "$f" ]; then
    printf '%s %s %s\\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c '%a %U:%G' "$f")" "$f"
  else
    printf 'missing %s\\n' "$f"
  fi
done`;
}

/** One file as the probe found it (no sha256 when it is missing). */
export interface FileState {
  path: string;
  sha256?: string;
  mode?: string;
  owner?: string;
}

/** Parses the output of {@link stateScript}. */
export function parseFileStates(stdout: string): FileState[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const missing = /^missing (.+)$/.exec(line);
      if (missing) return { path: missing[1] ?? "" };
      const [sha256 = "", mode = "", owner = "", ...rest] = line.split(" ");
      return { path: rest.join(" "), sha256, mode, owner };
    });
}

/** The paths of `files` that the node does not hold as rendered (missing, other content, mode or owner). */
export function staleFiles(files: readonly SeedFile[], found: readonly FileState[]): string[] {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  return files
    .filter((f) => {
      const s = found.find((x) => x.path === f.path);
      return (
        s === undefined ||
        s.sha256 !== sha(f.content) ||
        s.mode !== statMode(f.permissions) ||
        s.owner !== f.owner
      );
    })
    .map((f) => f.path);
}

async function apply(inputs: Inputs): Promise<NodeFilesOutputs> {
  const files = seedFiles(inputs);
  const stdin = files.map((f) => Buffer.from(f.content, "utf8").toString("base64")).join("\n");
  const { stdout } = await onNode(inputs.node, inputs.sshPrivateKey, (run) =>
    explained(inputs.node.address, () =>
      run(applyScript(files), {
        stdin: `${stdin}\n`,
        sensitive: [inputs.rootPrivateKey],
        timeoutSeconds: 60,
      }),
    ),
  );
  const written = stdout.split("\n").filter((line) => line.trim() !== "");
  if (written.length > 0) progress(`${inputs.node.address}: wrote ${written.join(", ")}`);
  return { paths: files.map((f) => f.path) };
}

/** The NodeFiles provider. */
export const nodeFilesProvider = defineProvider({
  kind: "NodeFiles",
  // The files carry root's private key: rendered with a placeholder (a key change is an input change).
  render: (inputs) => {
    const files = seedFiles({ ...inputs, rootPrivateKey: "(secret)" });
    return { files, apply: applyScript(files), state: stateScript(files) };
  },
  schema,
  async create(inputs) {
    const outs = await apply(inputs);
    return { id: `${inputs.node.address}:seed-files`, outs };
  },
  async read(_id, olds) {
    const files = seedFiles(olds);
    return orIfUnreachable(async () => {
      const { stdout } = await onNode(olds.node, olds.sshPrivateKey, (run) =>
        run(stateScript(files), { timeoutSeconds: 30 }),
      );
      return { filesCurrent: staleFiles(files, parseFileStates(stdout)).length === 0 };
    }, {});
  },
  async update(_id, _olds, news) {
    return apply(news);
  },
});

/** The seed's files, kept on a running node. */
export const NodeFiles = labKind<NodeFilesInputs, NodeFilesOutputs>(nodeFilesProvider, {
  outputs: { paths: true },
  secretInputs: ["sshPrivateKey", "rootPrivateKey"],
});
export type NodeFiles = InstanceType<typeof NodeFiles>;
