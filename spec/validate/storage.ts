/** Checks of the shared storage: the iSCSI target and the GlusterFS volume. */
import { DEFAULT_STATE_ROOT, KVM_HOST, defaultIscsiDirectory } from "../defaults";
import { CONTROL_CHARACTER, GLUSTER_OPTION, GLUSTER_VOLUME, IQN, LUN_FILE, isDevicePath } from "../patterns";
import { Problems, type Problem } from "../problems";
import { clusterMembers } from "../queries";
import type { LabSpec } from "../types";
import { QUOTED, duplicateFields, exampleLabName } from "./common";
import { checkLabPath, overlaps } from "./paths";

/** iSCSI target: where it runs, IQN, LUNs. */
export function checkIscsi(spec: LabSpec): Problem[] {
  const out = new Problems();
  const t = spec.iscsi;
  if (!t.enabled) return out.list;
  out.need(
    t.host === KVM_HOST || spec.nodes.some((n) => n.name === t.host),
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
  // The default directory is the state directory's (and the cluster name's) problem, reported there.
  if (t.directory !== defaultIscsiDirectory(spec.host.stateDir, spec.cluster.name)) {
    const example = defaultIscsiDirectory(`${DEFAULT_STATE_ROOT}/${exampleLabName(spec)}`, "cluster01");
    out.add(...checkLabPath("iscsi.directory", t.directory, "LUN directory", "directory", example));
  }
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

/** The nodes' own block devices: the root disk (virtio vda) and the cloud-init seed (IDE cdrom hdc, sr0). */
const NODE_OWN_DEVICE = /^\/dev\/(vda[0-9]*|hdc|sr0|cdrom)$/;

/** The brick's own block device: a device path, not the node's root disk or seed. */
function checkBrickDevice(device: string): Problem[] {
  const out = new Problems();
  const fix = "use an extra disk of the nodes (e.g. /dev/vdb), or leave brickDevice out";
  if (!isDevicePath(device)) {
    out.add({ path: "gluster.brickDevice", problem: `${QUOTED(device)} is not a device path`, fix });
  } else {
    out.need(
      !NODE_OWN_DEVICE.test(device),
      "gluster.brickDevice",
      `${device} is the node's own ${device.startsWith("/dev/vda") ? "root disk" : "cloud-init seed"}: the brick would take it over`,
      fix,
    );
  }
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
  // The replica counts that fit: divisors of the brick count, at least 2 (a replica volume).
  const fitting = Array.from({ length: n }, (_, k) => k + 1).filter((d) => d >= 2 && n % d === 0);
  const choose =
    fitting.length > 0
      ? `set gluster.replica to ${fitting.join(" or ")}`
      : "add cluster members (a replica volume needs at least 2), or set gluster.enabled: false";
  if (g.replica > n) {
    out.add({
      path: "gluster.replica",
      problem: `replica ${g.replica} needs ${g.replica} bricks but there are only ${n} nodes (one brick each)`,
      fix: fitting.length > 0 ? `${choose}, or add nodes` : choose,
    });
  } else {
    out.need(
      n % g.replica === 0,
      "gluster.replica",
      `${n} bricks (one per node) are not a multiple of replica ${g.replica}`,
      choose,
    );
  }
  out.need(
    !g.arbiter || g.replica === 3,
    "gluster.arbiter",
    `an arbiter needs replica 3 (two data bricks and the arbiter), but replica is ${g.replica}`,
    "set gluster.replica: 3 (with 3 nodes), or gluster.arbiter: false",
  );
  out.add(...checkLabPath("gluster.brickPath", g.brickPath, "brick directory", "directory", "/glvol00"));
  out.add(...checkLabPath("gluster.mountPoint", g.mountPoint, "mount point", "mount", "/gldata00"));
  out.need(
    !overlaps(g.brickPath, g.mountPoint),
    "gluster.mountPoint",
    `mount point ${g.mountPoint} and brick directory ${g.brickPath} overlap`,
    "keep the brick (e.g. /glvol00) and the mount point (e.g. /gldata00) apart",
  );
  if (g.brickDevice !== undefined) out.add(...checkBrickDevice(g.brickDevice));
  Object.entries(g.options).forEach(([name, value]) => {
    const op = `gluster.options.${name}`;
    out.need(
      GLUSTER_OPTION.test(name),
      op,
      `${QUOTED(name)} is not a volume option name`,
      "write <translator>.<option> (e.g. performance.cache-size)",
    );
    out.need(
      value !== "" && !CONTROL_CHARACTER.test(value),
      op,
      `${QUOTED(value)} is not a one-line value`,
      "give a value on one line (e.g. 64MB), or leave the option out",
    );
  });
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
