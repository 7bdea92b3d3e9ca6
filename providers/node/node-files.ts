/**
 * NodeFiles: what the node's seed sets up at its first boot, kept on the running node over SSH:
 * the seed's files (/etc/hosts, root's authorised keys and key pair: providers/node/cloud-init.ts
 * `seedFiles`) and /root/.ssh's mode, the host name, the network (NICs by MAC, addresses, default
 * routes), chrony, sshd's login settings, the units the image keeps off at boot, cloud-init's
 * result with the seed's marker, and on a node of the built image (`labImage`) the root fstab line
 * and datasource file the image fixes. A change of the files — a node added to the lab's hosts table, a
 * reserved name, a key — is written to the node in place, as the first boot would have written
 * it: the seed ISO is rewritten beside it (CloudInitDisk) and the VM is never replaced or
 * restarted for it.
 *
 * Each file is written only when its content, mode or owner differ (atomically: a temporary file
 * renamed over it), so the create on a freshly booted node finds them written and changes nothing.
 * `read` runs one probe (providers/node/first-boot-probe.ts) and reports each part that differs
 * from the seed in a desired field (`filesCurrent`, `hostnameCurrent`, `networkCurrent`,
 * `timeSyncCurrent`, `sshdCurrent`, `bootStatesCurrent`, `imageFilesCurrent`, `cloudInitDone`); a node that cannot be
 * reached reports nothing (NodeReady says so). The update repairs each in place
 * (providers/node/first-boot-repair.ts), except what cannot be repaired over the management
 * connection (a NIC to rename or missing) or by a script (cloud-init errors): the update fails
 * with the fix. The delete leaves everything: it goes with the node.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress } from "../exec/host-exec";
import {
  explained,
  onNode,
  orIfUnreachable,
  SCRIPT_FAIL,
  sshEndpointField,
  type Runner,
} from "../exec/node-exec";
import { labKind } from "../core/kind";
import { nodeShapeFields, seedFileFields } from "./cloud-init-disk";
import { seedFiles, type SeedFile } from "./cloud-init";
import { shellQuote } from "../exec/ssh";
import {
  firstBootDrift,
  firstBootProbe,
  parseFirstBoot,
  statMode,
  type FirstBootDesired,
  type FirstBootDrift,
} from "./first-boot-probe";
import { repairScript, type FirstBootRepairs } from "./first-boot-repair";
import { IMAGE_DATASOURCE, IMAGE_FSTAB } from "../image/image-build-script";

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    ...seedFileFields(),
    ...nodeShapeFields(),
    /**
     * Units the image leaves disabled at boot that nothing in the lab enables on this node
     * (pacemaker and corosync are the cluster's on a member, tgt the target's on its node).
     */
    offAtBoot: z.array(z.string().regex(/^[A-Za-z0-9@._-]+$/, "offAtBoot: unit names")).default([]),
    /** The node boots the lab's built image: the root fstab line and datasource file it fixes are kept. */
    labImage: z.boolean().default(false),
    /** Desired: every file on the node and /root/.ssh are as rendered (drift when one was edited or removed). */
    filesCurrent: z.boolean().default(true),
    /** Desired: the running host name and /etc/hostname are `hostname`. */
    hostnameCurrent: z.boolean().default(true),
    /** Desired: the NICs (by MAC), their addresses and the default routes are as rendered. */
    networkCurrent: z.boolean().default(true),
    /** Desired: chrony's servers are `timeServers`, chrony enabled and running. */
    timeSyncCurrent: z.boolean().default(true),
    /** Desired: sshd refuses passwords and lets root in by key. */
    sshdCurrent: z.boolean().default(true),
    /** Desired: no unit of `offAtBoot` is enabled at boot. */
    bootStatesCurrent: z.boolean().default(true),
    /** Desired (`labImage`): /etc/fstab's root line and cloud-init's datasource file as the image has them. */
    imageFilesCurrent: z.boolean().default(true),
    /** Desired: cloud-init finished without error and the seed's marker is there. */
    cloudInitDone: z.boolean().default(true),
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

/** What the seed renders for the node, as the probe compares it. */
function desiredOf(inputs: Inputs): FirstBootDesired {
  return {
    files: seedFiles(inputs),
    hostname: inputs.hostname,
    interfaces: inputs.interfaces,
    timeServers: inputs.timeServers,
    offAtBoot: inputs.offAtBoot,
    labImage: inputs.labImage,
    managementAddress: inputs.node.address,
  };
}

/** The repairs for what the probe found (the files are written by {@link applyScript}). */
export function repairsOf(
  inputs: Pick<Inputs, "hostname" | "timeServers">,
  drift: FirstBootDrift,
): FirstBootRepairs {
  return {
    sshDir: drift.sshDirStale,
    ...(drift.hostnameStale ? { hostname: inputs.hostname } : {}),
    network: drift.network.commands,
    ...(drift.timeSyncStale ? { timeServers: inputs.timeServers } : {}),
    sshd: drift.sshdStale,
    disable: drift.enabledOffUnits,
    // The marker is the seed's last step: made again once cloud-init finished without error.
    marker: drift.cloudInit === "ok" && drift.markerMissing,
    imageFiles: drift.imageFilesStale,
  };
}

/** What the update cannot repair, each with its fix. */
export function unrepairable(hostname: string, drift: FirstBootDrift): string[] {
  const problems = [...drift.network.problems];
  if (drift.cloudInit === "error") {
    problems.push(
      "cloud-init reported errors. Fix: read /var/log/cloud-init.log on the node for the cause and correct it, " +
        "then restart the node (cloud-init runs again at boot) and run pulumi up again",
    );
  }
  if (drift.cloudInit === "running") {
    problems.push(
      "cloud-init has not finished. Fix: wait for it (cloud-init status --wait on the node), then run pulumi up again",
    );
  }
  return problems.map((p) => `${hostname}: ${p}`);
}

async function probe(run: Runner, inputs: Inputs): Promise<FirstBootDrift> {
  const desired = desiredOf(inputs);
  const { stdout } = await run(firstBootProbe(desired), { timeoutSeconds: 60 });
  return firstBootDrift(desired, parseFirstBoot(stdout));
}

async function converge(inputs: Inputs): Promise<NodeFilesOutputs> {
  const files = seedFiles(inputs);
  const stdin = files.map((f) => Buffer.from(f.content, "utf8").toString("base64")).join("\n");
  const address = inputs.node.address;
  const problems = await onNode(inputs.node, inputs.sshPrivateKey, (run) =>
    explained(address, async () => {
      const drift = await probe(run, inputs);
      const { stdout } = await run(applyScript(files), {
        stdin: `${stdin}\n`,
        sensitive: [inputs.rootPrivateKey],
        timeoutSeconds: 60,
      });
      const written = stdout.split("\n").filter((line) => line.trim() !== "");
      if (written.length > 0) progress(`${address}: wrote ${written.join(", ")}`);
      const repair = repairScript(repairsOf(inputs, drift));
      if (repair !== "") {
        const repaired = await run(repair, { timeoutSeconds: 120 });
        for (const line of repaired.stdout.split("\n").filter((l) => l.trim() !== "")) {
          progress(`${inputs.hostname}: ${line}`);
        }
      }
      return unrepairable(inputs.hostname, drift);
    }),
  );
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { paths: files.map((f) => f.path) };
}

/** The NodeFiles provider. */
export const nodeFilesProvider = defineProvider({
  kind: "NodeFiles",
  // The files carry root's private key: rendered with a placeholder (a key change is an input change).
  render: (inputs) => {
    const files = seedFiles({ ...inputs, rootPrivateKey: "(secret)" });
    const desired = { ...desiredOf(inputs), files };
    return {
      files,
      apply: applyScript(files),
      probe: firstBootProbe(desired),
      // Every repair, as if everything had drifted.
      repair: repairScript({
        sshDir: true,
        hostname: inputs.hostname,
        timeServers: inputs.timeServers,
        sshd: true,
        disable: inputs.offAtBoot,
        marker: true,
        imageFiles: inputs.labImage ? [IMAGE_FSTAB.path, IMAGE_DATASOURCE.path] : [],
      }),
    };
  },
  schema,
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: `${inputs.node.address}:seed-files`, outs };
  },
  async read(_id, olds) {
    return orIfUnreachable(async () => {
      const drift = await onNode(olds.node, olds.sshPrivateKey, (run) => probe(run, olds));
      return {
        filesCurrent: drift.staleFiles.length === 0 && !drift.sshDirStale,
        hostnameCurrent: !drift.hostnameStale,
        networkCurrent: drift.network.differences.length === 0,
        timeSyncCurrent: !drift.timeSyncStale,
        sshdCurrent: !drift.sshdStale,
        bootStatesCurrent: drift.enabledOffUnits.length === 0,
        imageFilesCurrent: drift.imageFilesStale.length === 0,
        cloudInitDone: drift.cloudInit === "ok" && !drift.markerMissing,
      };
    }, {});
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
});

/** What the node's seed sets up, kept on a running node. */
export const NodeFiles = labKind<NodeFilesInputs, NodeFilesOutputs>(nodeFilesProvider, {
  outputs: { paths: true },
  secretInputs: ["sshPrivateKey", "rootPrivateKey"],
});
export type NodeFiles = InstanceType<typeof NodeFiles>;
