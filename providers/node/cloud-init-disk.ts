/**
 * CloudInitDisk: a node's NoCloud seed ISO (volume label `cidata`) in `<stateDir>/seeds/`, made
 * with genisoimage from the rendered meta-data, user-data and network-config
 * (providers/node/cloud-init.ts). user-data holds root's shared private key and the node's own
 * host key: the documents travel on stdin (never on a command line), the ISO is mode 0600, and
 * only its path and instance id are kept in state. A changed seed is rewritten in place (its path,
 * which the domain boots with, never changes: the VM is not touched) with a new instance id, which
 * cloud-init applies at the node's next start; the seed's files reach the running node at once
 * through NodeFiles. `read` compares the sha256 of each document in the ISO with the rendered one
 * (`contentCurrent: false` when one differs; the update writes the ISO again).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { labKind } from "../core/kind";
import { instanceId, renderCloudInitSeed, type CloudInitSeed } from "./cloud-init";
import { shellQuote } from "../exec/ssh";

/**
 * The inputs the seed's files are made of (providers/node/cloud-init.ts `seedFiles`), shared with
 * NodeFiles, which keeps those files on the running node.
 */
export const seedFileFields = () => ({
  hosts: z.array(z.object({ address: z.string(), names: z.array(z.string()) })),
  /** Public keys authorised for root. */
  authorizedKeys: z.array(z.string()).min(1, "at least the program's key must be authorised"),
  /** Root's own key pair, the same on every node (password-less root SSH between nodes). */
  rootPublicKey: z.string().min(1, "rootPublicKey is required"),
  rootPrivateKey: z.string().min(1, "rootPrivateKey is required"),
});

/**
 * The inputs the seed's system settings are made of (host name, NICs, time servers), shared with
 * NodeFiles, which reads them back on the running node.
 */
export const nodeShapeFields = () => ({
  hostname: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "hostname must be a host name"),
  interfaces: z
    .array(
      z.object({
        /** Name the guest gives the NIC (`lab-svc`, `lab-mgt`, `lab-hb`). */
        name: z.string().optional(),
        mac: z.string(),
        address: z.string(),
        prefix: z.number().int(),
        /** Default gateway through this NIC (only on NAT networks). */
        gateway: z.string().optional(),
      }),
    )
    .min(1, "a node needs at least one interface"),
  /** chrony servers; none: chrony runs without a source (the node keeps the VM's clock). */
  timeServers: z.array(z.string()),
});

const schema = () =>
  z.object({
    host: hostField(),
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "name must be a plain file name"),
    ...nodeShapeFields(),
    ...seedFileFields(),
    /** The node's own SSH host key pair (ed25519, OpenSSH forms): sshd presents it from the first boot. */
    hostPublicKey: z.string().startsWith("ssh-ed25519 ", "hostPublicKey must be an ed25519 public key"),
    hostPrivateKey: z.string().min(1, "hostPrivateKey is required"),
    /** Desired: the ISO holds the rendered documents (drift when one differs). */
    contentCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a CloudInitDisk, as its schema takes them. */
export type CloudInitDiskInputs = z.input<ReturnType<typeof schema>>;

/** One NIC of a node as cloud-init configures it (matched by MAC). */
export type CloudInitInterface = CloudInitDiskInputs["interfaces"][number];

/** One /etc/hosts line. */
export type HostsEntry = CloudInitDiskInputs["hosts"][number];

/** Outputs of a CloudInitDisk. */
export interface CloudInitDiskOutputs {
  /** Path of the seed ISO on the host. */
  path: string;
  /** cloud-init instance id of the seed (a new one is applied at the node's next boot). */
  instanceId: string;
}

/** Where the seed ISO lives. */
export function seedPath(inputs: Pick<Inputs, "host" | "name">): string {
  return `${inputs.host.stateDir}/seeds/${inputs.name}`;
}

/**
 * The script that builds the ISO from three base64 lines on stdin (meta-data, user-data,
 * network-config). The ISO is built beside the old one and renamed over it when complete; a
 * failure leaves the old one and no partial file.
 */
export function seedIsoScript(path: string): string {
  const p = shellQuote(path);
  return `tmp=${p}.tmp
dir=$(mktemp -d)
trap 'rm -rf "$dir" "$tmp"' EXIT
chmod 0700 "$dir"
for f in meta-data user-data network-config; do IFS= read -r line; printf '%s' "$line" | base64 -d >"$dir/$f"; done
mkdir -p "$(dirname ${p})"
( umask 077; genisoimage -quiet -output "$tmp" -volid cidata -joliet -rock "$dir/meta-data" "$dir/user-data" "$dir/network-config" )
chmod 0600 "$tmp"
mv -f "$tmp" ${p}`;
}

/** The seed's documents, in the order the ISO script reads them from stdin. */
const SEED_DOCUMENTS = ["meta-data", "user-data", "network-config"] as const;

/**
 * The probe of `read`: `gone` when the ISO is missing or empty; else the sha256 of each document
 * in it (`<sha256> <name>`), extracted with isoinfo (part of genisoimage). Only digests leave the
 * host: user-data holds private keys.
 */
export function seedContentScript(path: string): string {
  return `iso=${shellQuote(path)}
[ -s "$iso" ] || { echo gone; exit 0; }
command -v isoinfo >/dev/null || { echo no-isoinfo; exit 0; }
for f in ${SEED_DOCUMENTS.join(" ")}; do
  printf '%s %s\\n' "$(isoinfo -R -i "$iso" -x "/$f" 2>/dev/null | sha256sum | cut -d' ' -f1)" "$f"
done`;
}

/** The documents whose digest in the probe's output is not that of the rendered one. */
export function staleDocuments(seed: CloudInitSeed, stdout: string): string[] {
  const found = new Map(
    stdout
      .split("\n")
      .map((line) => line.trim().split(" "))
      .map(([sha = "", name = ""]) => [name, sha]),
  );
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  return SEED_DOCUMENTS.filter((name) => found.get(name) !== sha(seed[name]));
}

async function write(inputs: Inputs): Promise<CloudInitDiskOutputs> {
  const docs = renderCloudInitSeed(inputs);
  const path = seedPath(inputs);
  progress(`seed ${inputs.name}: cloud-init for ${inputs.hostname}`);
  const stdin = [docs["meta-data"], docs["user-data"], docs["network-config"]]
    .map((d) => Buffer.from(d, "utf8").toString("base64"))
    .join("\n");
  await runOnHost(seedIsoScript(path), {
    stdin: `${stdin}\n`,
    sensitive: [inputs.rootPrivateKey, inputs.hostPrivateKey],
    timeoutSeconds: 60,
  });
  return {
    path,
    instanceId: instanceId({
      hostname: inputs.hostname,
      documents: [docs["user-data"], docs["network-config"]],
    }),
  };
}

/** The CloudInitDisk provider. */
export const cloudInitDiskProvider = defineProvider({
  kind: "CloudInitDisk",
  // The documents carry private keys: rendered with placeholders (a key change is an input change).
  render: (inputs) => ({
    seed: renderCloudInitSeed({ ...inputs, rootPrivateKey: "(secret)", hostPrivateKey: "(secret)" }),
    script: seedIsoScript(seedPath(inputs)),
    read: seedContentScript(seedPath(inputs)),
  }),
  schema,
  forceNew: ["host", "name"],
  async create(inputs) {
    const outs = await write(inputs);
    return { id: outs.path, outs };
  },
  async read(_id, olds) {
    const { stdout } = await runOnHost(seedContentScript(seedPath(olds)));
    if (stdout.trim() === "gone") return undefined;
    // Without isoinfo the documents cannot be compared: only that the ISO is there.
    if (stdout.trim() === "no-isoinfo") return {};
    return { contentCurrent: staleDocuments(renderCloudInitSeed(olds), stdout).length === 0 };
  },
  async update(_id, _olds, news) {
    return write(news);
  },
  async delete(_id, olds) {
    await runOnHost(`rm -f ${shellQuote(seedPath(olds))}`);
  },
});

/** A node's cloud-init seed ISO. */
export const CloudInitDisk = labKind<CloudInitDiskInputs, CloudInitDiskOutputs>(cloudInitDiskProvider, {
  outputs: { path: true, instanceId: true },
  secretInputs: ["rootPrivateKey", "hostPrivateKey"],
});
export type CloudInitDisk = InstanceType<typeof CloudInitDisk>;
