/**
 * Checks of seed 003's OCFS2 file system: the kernel that has its modules, the o2cb cluster (name,
 * nodes that are the lab's host names with stable numbers, an interconnect network they are all
 * on, timeouts within o2cb's minimums), the LUN it lives on (one of the target's, used by nothing
 * else), slots for every node, the mount point and options, and the one cluster stack per node.
 */
import { isHostLabel, MOUNT_OPTIONS } from "../patterns";
import { Problems, type Problem } from "../problems";
import { nodeRole } from "../queries";
import type { LabSpec, Ocfs2Spec } from "../types";
import { QUOTED, duplicateFields } from "./common";
import { checkLabPath } from "./paths";

/** o2cb's cluster name: up to 16 letters and digits (ocfs2.cluster.conf(5)). */
export const O2CB_CLUSTER_NAME = /^[A-Za-z0-9]{1,16}$/;

/** An OCFS2 volume label: under 64 bytes; kept to characters safe on a command line and in fstab. */
export const OCFS2_LABEL = /^[A-Za-z0-9_.-]{1,63}$/;

/** The most node slots an OCFS2 volume has (tunefs.ocfs2 -N). */
export const MAX_OCFS2_SLOTS = 255;

/** The highest o2cb node number. */
export const MAX_O2CB_NODE_NUMBER = 254;

/**
 * o2cb's minimums (/etc/init.d/o2cb of ocfs2-tools 1.8.7: MIN_HEARTBEAT_THRESHOLD and friends), with
 * the path under `ocfs2` and the seed's value.
 */
export const O2CB_MINIMUMS: readonly (readonly [
  keyof Pick<Ocfs2Spec, "heartbeatDeadThreshold" | "idleTimeoutMs" | "keepaliveDelayMs" | "reconnectDelayMs">,
  number,
  number,
])[] = [
  ["heartbeatDeadThreshold", 7, 31],
  ["idleTimeoutMs", 5000, 30000],
  ["keepaliveDelayMs", 1000, 2000],
  ["reconnectDelayMs", 2000, 2000],
];

/**
 * The lab's maximums of the same settings: 10 minutes each (a dead node found after 301 disk
 * heartbeats of 2 s), far above any lab's need — a larger value is a typo that would leave a dead
 * node holding its locks for hours.
 */
export const O2CB_MAXIMUMS: Readonly<Record<(typeof O2CB_MINIMUMS)[number][0], number>> = {
  heartbeatDeadThreshold: 301,
  idleTimeoutMs: 600000,
  keepaliveDelayMs: 600000,
  reconnectDelayMs: 600000,
};

/** The kernel: a built image needs the generic kernel, the cloud one has no OCFS2. */
function checkKernel(spec: LabSpec): Problem[] {
  const out = new Problems();
  out.need(
    spec.image.source !== "build" || spec.image.kernel === "generic",
    "image.kernel",
    "the cloud kernel (linux-image-cloud-amd64) is built without OCFS2: no ocfs2, ocfs2_stack_o2cb, ocfs2_dlm, ocfs2_dlmfs or ocfs2_nodemanager module",
    "set image.kernel: generic (linux-image-amd64; a new image for this lab, the other labs keep theirs)",
  );
  return out.list;
}

/** One cluster stack per node: no pacemaker cluster beside o2cb. */
function checkOneStack(spec: LabSpec): Problem[] {
  const out = new Problems();
  out.need(
    spec.layers !== "cluster",
    "layers",
    "the lab would run pacemaker (with fence_virsh STONITH) beside o2cb on the same nodes: two fencing systems acting on one node, each unaware of the other (o2cb reboots a node that loses its disk heartbeat or the interconnect)",
    "set layers: storage (the OCFS2 lab is the iSCSI target and the o2cb cluster; no pacemaker cluster), or remove the ocfs2 section",
  );
  return out.list;
}

/** The cluster's nodes: lab nodes that are cluster members, host names, stable unique numbers. */
function checkNodes(spec: LabSpec, o: Ocfs2Spec): Problem[] {
  const out = new Problems();
  out.need(
    o.nodes.length > 0,
    "ocfs2.nodes",
    "the o2cb cluster has no node",
    "list the nodes that mount the volume (default: every cluster member), or remove the ocfs2 section",
  );
  o.nodes.forEach((n, i) => {
    const node = spec.nodes.find((x) => x.name === n.name);
    if (node === undefined) {
      out.add({
        path: `ocfs2.nodes[${i}]`,
        problem: `no node named ${QUOTED(n.name)}`,
        fix: `use one of ${spec.nodes.map((x) => x.name).join(", ")}`,
      });
      return;
    }
    out.need(
      isHostLabel(n.name),
      `ocfs2.nodes[${i}]`,
      `${QUOTED(n.name)} is not a host name: o2cb finds the local node by matching the host name`,
      "name the node with lowercase letters, digits and '-' (e.g. vm-host03)",
    );
    out.need(
      nodeRole(node) === "member",
      `ocfs2.nodes[${i}]`,
      `${n.name} is a real server: it has no shared storage`,
      "list cluster members only",
    );
    out.need(
      Number.isInteger(n.number) && n.number >= 0 && n.number <= MAX_O2CB_NODE_NUMBER,
      `ocfs2.nodes[${i}].number`,
      `node number ${n.number} is out of range`,
      `use a number from 0 to ${MAX_O2CB_NODE_NUMBER}`,
    );
    out.need(
      n.address !== "",
      `ocfs2.nodes[${i}]`,
      `${n.name} has no address on the interconnect network ${QUOTED(o.network)}`,
      `give nodes[${spec.nodes.indexOf(node)}].addresses.${o.network}, or set ocfs2.network to a network every node is on`,
    );
  });
  out.add(
    ...duplicateFields(o.nodes, "ocfs2.nodes", [
      ["name", "o2cb node", "list each node once"],
      [
        "number",
        "o2cb node number",
        "give every node its own number (a node added later takes the next free one: the others keep theirs)",
      ],
    ]),
  );
  return out.list;
}

/** The o2cb settings: cluster name, network, timeouts with their minimums. */
function checkO2cb(spec: LabSpec, o: Ocfs2Spec): Problem[] {
  const out = new Problems();
  out.need(
    O2CB_CLUSTER_NAME.test(o.clusterName),
    "ocfs2.clusterName",
    `${QUOTED(o.clusterName)} is not an o2cb cluster name`,
    "use up to 16 letters and digits (seed: ocfs2)",
  );
  out.need(
    spec.networks.some((n) => n.name === o.network),
    "ocfs2.network",
    `no network named ${QUOTED(o.network)}`,
    `use one of ${spec.networks.map((n) => n.name).join(", ")} (a private interconnect: the heartbeat network)`,
  );
  for (const [field, min, seed] of O2CB_MINIMUMS) {
    out.need(
      o[field] >= min,
      `ocfs2.${field}`,
      `${o[field]} is below o2cb's minimum of ${min}`,
      `set at least ${min} (seed: ${seed}), or leave it out`,
    );
    out.need(
      o[field] <= O2CB_MAXIMUMS[field],
      `ocfs2.${field}`,
      `${o[field]} is above the lab's maximum of ${O2CB_MAXIMUMS[field]}`,
      `set at most ${O2CB_MAXIMUMS[field]} (seed: ${seed}), or leave it out`,
    );
  }
  out.need(
    o.keepaliveDelayMs < o.idleTimeoutMs,
    "ocfs2.keepaliveDelayMs",
    `the keepalive delay (${o.keepaliveDelayMs} ms) is not below the idle timeout (${o.idleTimeoutMs} ms): an idle connection would be dropped before its keepalive`,
    "keep keepaliveDelayMs below idleTimeoutMs (seed: 2000 and 30000)",
  );
  return out.list;
}

/** The LUN, the slots, the label, the mount. */
function checkVolume(spec: LabSpec, o: Ocfs2Spec): Problem[] {
  const out = new Problems();
  if (!spec.iscsi.enabled) {
    out.add({
      path: "iscsi.enabled",
      problem: "the OCFS2 volume lives on a LUN of the iSCSI target, but the target is disabled",
      fix: "set iscsi.enabled: true (and give the volume its LUN in iscsi.luns)",
    });
  } else {
    const ids = spec.iscsi.luns.map((l) => l.id);
    out.need(
      ids.includes(o.lun),
      "ocfs2.lun",
      `the iSCSI target has no LUN ${o.lun}`,
      `add a LUN for the volume to iscsi.luns (e.g. {id: ${o.lun}, file: ocfs2.img, sizeMiB: 2048}), or use one of ${ids.join(", ")}`,
    );
    out.need(
      spec.iscsi.luns.find((l) => l.id === o.lun)?.purpose !== "quorum",
      "ocfs2.lun",
      `LUN ${o.lun} is the quorum LUN: a file system on it would destroy the quorum disk`,
      `give the volume a LUN of its own with purpose data (e.g. {id: ${Math.max(...ids) + 1}, file: ocfs2.img, sizeMiB: 2048})`,
    );
  }
  spec.services.forEach((g, i) =>
    g.resources.forEach((r, j) => {
      out.need(
        r.kind !== "iscsi-filesystem" || r.lun !== o.lun,
        "ocfs2.lun",
        `LUN ${o.lun} is also service group ${g.name}'s file system (services[${i}].resources[${j}]): two file systems on one disk destroy each other`,
        "give the OCFS2 volume a LUN of its own",
      );
    }),
  );
  out.need(
    Number.isInteger(o.slots) && o.slots >= 1 && o.slots <= MAX_OCFS2_SLOTS,
    "ocfs2.slots",
    `${o.slots} node slots is out of range`,
    `use 1 to ${MAX_OCFS2_SLOTS} (seed: 4)`,
  );
  out.need(
    o.slots >= o.nodes.length,
    "ocfs2.slots",
    `${o.slots} node slots cannot hold ${o.nodes.length} nodes mounting at once`,
    `set ocfs2.slots to at least ${o.nodes.length} (seed: 4, room for a node added later)`,
  );
  out.need(
    OCFS2_LABEL.test(o.label),
    "ocfs2.label",
    `${QUOTED(o.label)} is not a volume label`,
    "use up to 63 letters, digits, '.', '_' and '-'",
  );
  out.add(...checkLabPath("ocfs2.mountPoint", o.mountPoint, "mount point", "mount", "/srv/ocfs2"));
  o.mountOptions.forEach((opt, i) => {
    out.need(
      MOUNT_OPTIONS.test(opt) && !opt.includes(","),
      `ocfs2.mountOptions[${i}]`,
      `${QUOTED(opt)} is not one mount option`,
      "write one option per entry (e.g. noatime)",
    );
  });
  return out.list;
}

/** Seed 003's OCFS2 file system, when the lab has an `ocfs2` section. */
export function checkOcfs2(spec: LabSpec): Problem[] {
  const o = spec.ocfs2;
  if (o === undefined) return [];
  return [
    ...checkKernel(spec),
    ...checkOneStack(spec),
    ...checkNodes(spec, o),
    ...checkO2cb(spec, o),
    ...checkVolume(spec, o),
  ];
}
