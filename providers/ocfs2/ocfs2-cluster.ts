/**
 * Ocfs2Cluster: seed 003's shared-disk file system on the lab's nodes — the o2cb cluster
 * (cluster.conf identical on every node, /etc/default/o2cb with the timeouts, o2cb online and
 * enabled at boot) and the OCFS2 volume on a LUN of the iSCSI target (formatted once, never
 * reformatted; a volume in local mode switched to cluster mode keeping its data; slots grown when
 * needed), mounted on every node through fstab.
 *
 * One resource for the cluster and its volume, so the order of a change is explicit: a node that
 * leaves is unmounted and stopped first; then cluster.conf goes to every node and each registers
 * it online (the mounted nodes stay mounted); then the volume is checked on one node; then every
 * node mounts it. A node's o2cb number never changes while it stays (a diff that would renumber
 * fails the preview with the fix).
 *
 * `read` probes every node and reports each difference as a line of `drift` (cluster.conf's hash,
 * o2cb online, the live timeouts, /etc/default/o2cb, the debconf answers, the sysctl file and the
 * live kernel settings, o2cb enabled at boot, the fstab line, the mount's type, options and UUID,
 * the volume's label, UUID, slots and mode); `up` converges them: a drifted mount is mounted again
 * where nothing uses it. A volume of another UUID on the LUN is refused with the fix, never adopted
 * nor re-labelled.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { labKind } from "../core/kind";
import { progress } from "../exec/host-exec";
import {
  explained,
  firstOf,
  onNode,
  orIfUnreachable,
  removeOnEach,
  sshEndpointField,
} from "../exec/node-exec";
import {
  nodesByNumber,
  renderClusterConf,
  renderO2cbDefaults,
  renderOcfs2Fstab,
  type O2cbCluster,
} from "./o2cb-files";
import { mountScript, nodeConfigScript, removeNodeScript, stateScript, volumeScript } from "./o2cb-scripts";
import { nodeDrift, parseNodeState, volumeDrift, type NodeState } from "./o2cb-state";

/** How long one node's steps may take (o2cb's start under TCG, mkfs of a few GiB). */
const STEP_TIMEOUT_SECONDS = 300;

const schema = () => {
  const node = z.object({
    /** The node's host name (its cluster.conf name). */
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "name must be a host name"),
    number: z.number().int().min(0).max(254),
    /** Interconnect address. */
    address: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, "address must be an IPv4 address"),
    /** Where the program reaches the node. */
    access: sshEndpointField(),
  });
  return z.object({
    nodes: z.array(node).min(1, "nodes: the cluster needs its nodes"),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    clusterName: z.string().regex(/^[A-Za-z0-9]{1,16}$/, "clusterName must be up to 16 letters and digits"),
    port: z.number().int().min(1).max(65535),
    heartbeatDeadThreshold: z.number().int().min(7, "heartbeatDeadThreshold must be at least 7"),
    idleTimeoutMs: z.number().int().min(5000, "idleTimeoutMs must be at least 5000"),
    keepaliveDelayMs: z.number().int().min(1000, "keepaliveDelayMs must be at least 1000"),
    reconnectDelayMs: z.number().int().min(2000, "reconnectDelayMs must be at least 2000"),
    /** The LUN's stable device on every node. */
    device: z.string().regex(/^\/dev\/[^\s"'\\]+$/, "device must be a /dev path"),
    label: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,63}$/, "label must be up to 63 letters, digits, '.', '_' or '-'"),
    slots: z.number().int().min(1).max(255),
    mountPoint: z
      .string()
      .regex(/^\/[^\s"'\\]*[^\s"'\\/]$/, "mountPoint must be an absolute path without spaces"),
    mountOptions: z.array(z.string().regex(/^[A-Za-z0-9=._/:+-]+$/, "must be one mount option")),
    /** Desired: no drift (read lists what differs, one line each). */
    drift: z.array(z.string()).default([]),
  });
};
type Inputs = z.output<ReturnType<typeof schema>>;
type Node = Inputs["nodes"][number];

/** Inputs of an Ocfs2Cluster, as its schema takes them (fields with a default are optional). */
export type Ocfs2ClusterInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of an Ocfs2Cluster. */
export interface Ocfs2ClusterOutputs {
  /** The volume's UUID (the same on every node's mount). */
  uuid: string;
}

/** The o2cb model of the inputs. */
export function o2cbCluster(inputs: Inputs): O2cbCluster {
  return {
    clusterName: inputs.clusterName,
    port: inputs.port,
    nodes: inputs.nodes.map(({ name, number, address }) => ({ name, number, address })),
    heartbeatDeadThreshold: inputs.heartbeatDeadThreshold,
    idleTimeoutMs: inputs.idleTimeoutMs,
    keepaliveDelayMs: inputs.keepaliveDelayMs,
    reconnectDelayMs: inputs.reconnectDelayMs,
  };
}

/** The volume's mount of the inputs. */
function mountOf(inputs: Inputs) {
  return { device: inputs.device, mountPoint: inputs.mountPoint, mountOptions: inputs.mountOptions };
}

/** Every script and file the kind renders (its rendering digest covers them all). */
export function renderAll(inputs: Inputs): Record<string, unknown> {
  const c = o2cbCluster(inputs);
  return {
    clusterConf: renderClusterConf(c),
    defaults: renderO2cbDefaults(c),
    fstab: renderOcfs2Fstab(mountOf(inputs)),
    config: inputs.nodes.map((n) => nodeConfigScript(c, n, inputs.mountPoint)),
    volume: volumeScript(inputs, inputs.clusterName, inputs.mountPoint),
    mount: mountScript(mountOf(inputs)),
    state: stateScript(inputs.clusterName, inputs),
    remove: removeNodeScript(inputs.clusterName, inputs.mountPoint, "pulumi up again"),
    destroy: removeNodeScript(inputs.clusterName, inputs.mountPoint, "pulumi destroy again"),
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Runs a script on a node, failures explained with the node's name. */
function onEach(inputs: Pick<Inputs, "sshPrivateKey">, node: Node, script: string) {
  return onNode(node.access, inputs.sshPrivateKey, (run) =>
    explained(`${node.name} (${node.access.address})`, () =>
      run(script, { timeoutSeconds: STEP_TIMEOUT_SECONDS }),
    ),
  );
}

/** Kept nodes whose number would change (o2cb numbers are stable while a node stays). */
export function renumbered(olds: Pick<Inputs, "nodes">, news: Pick<Inputs, "nodes">): string[] {
  return news.nodes.flatMap((n) => {
    const old = olds.nodes.find((o) => o.name === n.name);
    return old !== undefined && old.number !== n.number ? [`${n.name}: ${old.number} → ${n.number}`] : [];
  });
}

/**
 * Brings the cluster and the volume to `inputs`; `leaving` are unmounted and stopped first.
 * `recorded`: the volume's UUID as stored (an update): a volume of another UUID on the LUN is refused.
 */
async function converge(
  inputs: Inputs,
  leaving: readonly Node[],
  recorded?: string,
): Promise<Ocfs2ClusterOutputs> {
  await removeOnEach(
    leaving,
    (n) => `ocfs2 on ${n.name}`,
    (n) => onEach(inputs, n, removeNodeScript(inputs.clusterName, inputs.mountPoint, "pulumi up again")),
  );
  const c = o2cbCluster(inputs);
  const nodes = nodesByNumber(inputs.nodes) as Node[];
  for (const node of nodes) await onEach(inputs, node, nodeConfigScript(c, node, inputs.mountPoint));
  progress(`ocfs2: o2cb cluster ${inputs.clusterName} online on ${nodes.map((n) => n.name).join(", ")}`);
  const first = firstOf(nodes, "nodes: the cluster needs its nodes");
  const { stdout } = await onEach(
    inputs,
    first,
    volumeScript({ ...inputs, uuid: recorded }, inputs.clusterName, inputs.mountPoint),
  );
  const lines = stdout.split("\n");
  const uuid =
    lines
      .find((l) => l.startsWith("uuid="))
      ?.slice("uuid=".length)
      .trim() ?? "";
  for (const l of lines.filter((x) => x.startsWith("volume=")))
    progress(`ocfs2: ${inputs.label}: ${l.slice(7)}`);
  for (const node of nodes) await onEach(inputs, node, mountScript(mountOf(inputs)));
  progress(`ocfs2: ${inputs.label} mounted on ${inputs.mountPoint} on ${nodes.length} nodes`);
  return { uuid };
}

/** The Ocfs2Cluster provider. */
export const ocfs2ClusterProvider = defineProvider<ReturnType<typeof schema>, Ocfs2ClusterOutputs>({
  kind: "Ocfs2Cluster",
  schema,
  render: renderAll,
  // Another LUN, cluster or label is another volume: a new one (the old one's data stays on its LUN).
  forceNew: ["device", "clusterName", "label"],
  deleteBeforeReplace: true,
  check(inputs) {
    const failures: { property: string; reason: string }[] = [];
    const seen = (key: "name" | "number") =>
      inputs.nodes.map((n) => n[key]).filter((v, i, all) => all.indexOf(v) !== i);
    for (const dup of seen("name"))
      failures.push({ property: "nodes", reason: `nodes: ${dup} is listed twice` });
    for (const dup of seen("number"))
      failures.push({ property: "nodes", reason: `nodes: node number ${dup} is given twice` });
    if (inputs.slots < inputs.nodes.length)
      failures.push({
        property: "slots",
        reason: `slots: ${inputs.slots} slots cannot hold ${inputs.nodes.length} nodes`,
      });
    return failures;
  },
  // Not a difference of its own: a change that would renumber a node that stays fails the preview.
  diff(olds, news) {
    const moved = renumbered(olds, news);
    if (moved.length > 0) {
      throw new Error(
        `o2cb node numbers would change (${moved.join(", ")}). Fix: write each node's number in ocfs2.nodes ({name, number}) as it is now: a node's number is stable while it stays`,
      );
    }
    return [];
  },
  async create(inputs) {
    const outs = await converge(inputs, []);
    return { id: `${inputs.clusterName}:${inputs.label}`, outs };
  },
  async read(_id, olds) {
    const c = o2cbCluster(olds);
    const wanted = {
      cluster: c,
      confHash: sha256(renderClusterConf(c)),
      mount: mountOf(olds),
      label: olds.label,
      slots: olds.slots,
      uuid: olds.uuid ?? "",
    };
    const states: [Node, NodeState | undefined][] = [];
    for (const node of nodesByNumber(olds.nodes) as Node[]) {
      const st = await orIfUnreachable(async () => {
        const { stdout } = await onNode(node.access, olds.sshPrivateKey, (run) =>
          run(stateScript(olds.clusterName, olds), { timeoutSeconds: 60 }),
        );
        return parseNodeState(stdout);
      }, undefined);
      states.push([node, st]);
    }
    const drift = states.flatMap(([node, st]) =>
      st === undefined ? [`${node.name}: unreachable`] : nodeDrift(node.name, st, wanted),
    );
    const seen = states.find(([, st]) => st !== undefined)?.[1];
    if (seen !== undefined) drift.push(...volumeDrift(seen, wanted));
    return { drift };
  },
  async update(_id, olds, news) {
    const leaving = olds.nodes.filter((o) => !news.nodes.some((n) => n.name === o.name));
    return converge(news, leaving, olds.uuid);
  },
  async delete(_id, olds) {
    await removeOnEach(
      olds.nodes,
      (n) => `ocfs2 on ${n.name}`,
      (n) => onEach(olds, n, removeNodeScript(olds.clusterName, olds.mountPoint, "pulumi destroy again")),
    );
  },
});

/** The o2cb cluster and its OCFS2 volume, mounted on every node. */
export const Ocfs2Cluster = labKind<Ocfs2ClusterInputs, Ocfs2ClusterOutputs>(ocfs2ClusterProvider, {
  outputs: { uuid: true },
  secretInputs: ["sshPrivateKey"],
});
export type Ocfs2Cluster = InstanceType<typeof Ocfs2Cluster>;
