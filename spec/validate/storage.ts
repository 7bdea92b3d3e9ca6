/** Checks of the shared storage: the iSCSI target and the GlusterFS volume. */
import { DEVICE_PATH, GLUSTER_VOLUME, IQN, LUN_FILE } from "../patterns";
import { Problems, type Problem } from "../problems";
import { clusterMembers } from "../queries";
import type { LabSpec } from "../types";
import { QUOTED, checkAbsolutePath, duplicateFields } from "./common";

/** iSCSI target: where it runs, IQN, LUNs. */
export function checkIscsi(spec: LabSpec): Problem[] {
  const out = new Problems();
  const t = spec.iscsi;
  if (!t.enabled) return out.list;
  out.need(
    t.host === "kvmhost" || spec.nodes.some((n) => n.name === t.host),
    "iscsi.host",
    `${QUOTED(t.host)} is neither kvmhost nor a node`,
    `use kvmhost or one of the node names (${spec.nodes.map((n) => n.name).join(", ")})`,
  );
  out.need(
    IQN.test(t.iqn),
    "iscsi.iqn",
    `${QUOTED(t.iqn)} is not an iSCSI qualified name`,
    "write iqn.YYYY-MM.<reversed domain>:<name> in lowercase (e.g. iqn.2011-08.com.example.kvmhost:tgt01)",
  );
  out.add(...checkAbsolutePath("iscsi.directory", t.directory, "LUN directory"));
  out.need(
    t.luns.length > 0,
    "iscsi.luns",
    "the target has no LUNs",
    "add at least one LUN (e.g. {file: volume01.img, sizeMiB: 100, purpose: quorum}) or set iscsi.enabled: false",
  );
  t.luns.forEach((l, i) => {
    out.need(
      LUN_FILE.test(l.file) && l.file !== "." && l.file !== "..",
      `iscsi.luns[${i}].file`,
      `${QUOTED(l.file)} is not a plain file name`,
      "use a file name without '/' (e.g. volume01.img); the file lives in iscsi.directory",
    );
  });
  out.add(
    ...duplicateFields(t.luns, "iscsi.luns", [
      ["id", "LUN id", "give every LUN its own id (1, 2, …)"],
      ["file", "LUN file", "give every LUN its own backing file"],
    ]),
  );
  return out.list;
}

/** True when a service group mounts the lab's GlusterFS volume. */
function mountsGluster(spec: LabSpec): boolean {
  return spec.services.some((s) =>
    s.resources.some((r) => r.kind === "gluster-mount" && r.volume === spec.gluster.volume),
  );
}

/** GlusterFS: replica layout against the node count, paths, network, who mounts it. */
export function checkGluster(spec: LabSpec): Problem[] {
  const out = new Problems();
  const g = spec.gluster;
  if (!g.enabled) return out.list;
  // Bricks live on the cluster members only.
  const n = clusterMembers(spec.nodes).length;
  out.need(
    GLUSTER_VOLUME.test(g.volume),
    "gluster.volume",
    `${QUOTED(g.volume)} is not a valid volume name`,
    "use letters, digits, '-' and '_' only (e.g. data00)",
  );
  if (g.replica > n) {
    out.add({
      path: "gluster.replica",
      problem: `replica ${g.replica} needs ${g.replica} bricks but there are only ${n} nodes (one brick each)`,
      fix: `set gluster.replica to at most ${n}, or add nodes`,
    });
  } else {
    out.need(
      n % g.replica === 0,
      "gluster.replica",
      `${n} bricks (one per node) are not a multiple of replica ${g.replica}`,
      `set gluster.replica to ${n} or to a divisor of ${n}`,
    );
  }
  out.need(
    !g.arbiter || g.replica === 3,
    "gluster.arbiter",
    `an arbiter needs replica 3 (two data bricks and the arbiter), but replica is ${g.replica}`,
    "set gluster.replica: 3 (with 3 nodes), or gluster.arbiter: false",
  );
  out.add(...checkAbsolutePath("gluster.brickPath", g.brickPath, "brick directory"));
  out.add(...checkAbsolutePath("gluster.mountPoint", g.mountPoint, "mount point"));
  const under = (a: string, b: string): boolean => a === b || a.startsWith(`${b}/`);
  out.need(
    !under(g.brickPath, g.mountPoint) && !under(g.mountPoint, g.brickPath),
    "gluster.mountPoint",
    `mount point ${g.mountPoint} and brick directory ${g.brickPath} overlap`,
    "keep the brick (e.g. /glvol00) and the mount point (e.g. /gldata00) apart",
  );
  if (g.brickDevice !== undefined) {
    out.need(
      DEVICE_PATH.test(g.brickDevice),
      "gluster.brickDevice",
      `${QUOTED(g.brickDevice)} is not a device path`,
      "use a block device under /dev (e.g. /dev/vdb), or leave brickDevice out",
    );
  }
  out.need(
    spec.networks.some((net) => net.name === g.network),
    "gluster.network",
    `no network named ${QUOTED(g.network)}`,
    `use one of ${spec.networks.map((net) => net.name).join(", ")} (the seed uses the management network)`,
  );
  const byService = mountsGluster(spec);
  // Service groups are only built with the cluster layer.
  out.need(
    !(g.mountBy === "all" && byService && spec.layers === "cluster"),
    "gluster.mountBy",
    `mountBy is all but a service group also mounts ${g.volume}`,
    "set gluster.mountBy: service, or remove the gluster-mount resource",
  );
  out.need(
    g.mountBy !== "service" || byService,
    "gluster.mountBy",
    `mountBy is service but no service group has a gluster-mount of ${g.volume}`,
    "add a {kind: gluster-mount} resource to a service group, or set gluster.mountBy: all",
  );
  return out.list;
}
