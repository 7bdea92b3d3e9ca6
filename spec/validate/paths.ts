/**
 * Checks of the paths the lab mounts, owns or writes on the KVM host and the nodes: each one a
 * plain absolute path ({@link isLabPath}), none a system directory or inside one, and no two of the
 * nodes' directories on top of each other.
 */
import { KVM_HOST } from "../defaults";
import { isLabPath } from "../patterns";
import { Problems, type Problem } from "../problems";
import type { LabSpec } from "../types";
import { QUOTED } from "./common";

/**
 * Directories of the system itself: the lab neither mounts over them nor takes them as its own
 * (a GlusterFS mount on /etc would hide the node's configuration; a state directory of /tmp would
 * be chmod-ed 0711).
 */
export const SYSTEM_DIRECTORIES: readonly string[] = [
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var",
  "/var/backups",
  "/var/cache",
  "/var/lib",
  "/var/local",
  "/var/lock",
  "/var/log",
  "/var/mail",
  "/var/opt",
  "/var/run",
  "/var/spool",
  "/var/tmp",
];

/**
 * System trees: nothing of the lab is mounted or kept anywhere inside them (the installed system,
 * its configuration, the kernel's file systems, the run-time tmpfs). A file the lab writes may go
 * under /etc (the fence key's default is /etc/cluster/fence_virsh_key), not under the others.
 */
export const SYSTEM_TREES: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
];

/** What the lab does with a path: mounts a file system on it, keeps a directory there, or writes a file. */
export type PathUse = "mount" | "directory" | "file";

/** Why a system directory cannot take each use. */
const TAKEOVER: Readonly<Record<PathUse, string>> = {
  mount: "mounting over it would hide the system's own files",
  directory: "the lab would take it over as its own",
  file: "a file cannot be written over it",
};

/** True when `path` is `dir` or lies inside it. */
export function within(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** True when one of two paths is, or lies inside, the other. */
export function overlaps(a: string, b: string): boolean {
  return within(a, b) || within(b, a);
}

/** The parent directory of an absolute path (`/etc/cluster/key` → `/etc/cluster`, `/x` → `/`). */
function parent(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/**
 * Problems of one path the lab uses on the host or a node, or none: not a plain absolute path, a
 * system directory, inside a system tree, or (a file) written straight into a system directory.
 * `example` is a value that fits this field, for the fix.
 */
export function checkLabPath(
  path: string,
  value: string,
  what: string,
  use: PathUse,
  example: string,
): Problem[] {
  const fix = `use a ${use === "file" ? "file in a directory" : "directory"} of the lab's own (e.g. ${example})`;
  if (SYSTEM_DIRECTORIES.includes(value)) {
    return [{ path, problem: `${value} is a system directory: ${TAKEOVER[use]}`, fix }];
  }
  if (!isLabPath(value)) {
    return [
      {
        path,
        problem: `${QUOTED(value)} is not a usable ${what}`,
        fix: `write an absolute path of plain names (letters, digits, '.', '_', '+', '-') without spaces, quotes, '..' or a trailing '/' (e.g. ${example})`,
      },
    ];
  }
  const trees = use === "file" ? SYSTEM_TREES.filter((t) => t !== "/etc") : SYSTEM_TREES;
  const tree = trees.find((t) => within(value, t));
  if (tree !== undefined) {
    return [{ path, problem: `${value} lies inside the system directory ${tree}`, fix }];
  }
  if (use === "file" && SYSTEM_DIRECTORIES.includes(parent(value))) {
    return [
      {
        path,
        problem: `${value} would be written straight into the system directory ${parent(value)}`,
        fix,
      },
    ];
  }
  return [];
}

/** A directory the lab mounts or keeps on the nodes: the field, what it is, and whose it is. */
interface Claim {
  dir: string;
  path: string;
  what: string;
  /** A feature (`gluster`, `ocfs2`, `iscsi`) or the index of a service group. */
  owner: string | number;
  /** A value of the field that keeps clear of the others, for the fix. */
  example: string;
}

/** The directories the lab mounts or keeps on the nodes, features first, then the service groups'. */
function nodeDirectories(spec: LabSpec): Claim[] {
  const g = spec.gluster;
  const claims: Claim[] = [];
  const claim = (dir: string, path: string, what: string, owner: string | number, example: string) =>
    claims.push({ dir, path, what, owner, example });
  if (g.enabled) {
    claim(g.brickPath, "gluster.brickPath", "brick directory", "gluster", "/glvol00");
    claim(g.mountPoint, "gluster.mountPoint", "GlusterFS mount point", "gluster", "/gldata00");
  }
  if (spec.ocfs2 !== undefined) {
    claim(spec.ocfs2.mountPoint, "ocfs2.mountPoint", "OCFS2 mount point", "ocfs2", "/srv/ocfs2");
  }
  if (spec.iscsi.enabled && spec.iscsi.host !== KVM_HOST) {
    claim(spec.iscsi.directory, "iscsi.directory", "LUN directory", "iscsi", "/srv/tgtd");
  }
  spec.services.forEach((s, i) =>
    s.resources.forEach((r, j) => {
      const rp = `services[${i}].resources[${j}]`;
      if (r.kind === "gluster-mount" || r.kind === "iscsi-filesystem") {
        claim(r.mountPoint, `${rp}.mountPoint`, "mount point", i, `/srv/${s.name}`);
      } else if (r.kind === "postgresql") {
        claim(r.dataDir, `${rp}.dataDir`, "data directory", i, `/var/lib/postgresql/${s.name}`);
      }
    }),
  );
  return claims;
}

/**
 * True when two claims may overlap: claims of one owner (a group's own mounts and data directories
 * are checked in spec/validate/services.ts), and a group's use of the lab's GlusterFS mount point
 * when the group itself mounts the lab's volume there (the default: its database lives inside).
 */
function mayOverlap(spec: LabSpec, a: Claim, b: Claim): boolean {
  if (a.owner === b.owner) return true;
  const volumeMount = [a, b].find((c) => c.path === "gluster.mountPoint");
  const other = volumeMount === a ? b : a;
  if (volumeMount === undefined || typeof other.owner !== "number") return false;
  return spec.services[other.owner].resources.some(
    (r) => r.kind === "gluster-mount" && r.volume === spec.gluster.volume && r.mountPoint === volumeMount.dir,
  );
}

/**
 * The nodes' directories apart: no brick, mount point or data directory of one feature or service
 * group on, inside or over another's (two groups mounting on one directory would unmount each
 * other's file system; a database inside a brick would bypass GlusterFS).
 */
export function checkNodeDirectories(spec: LabSpec): Problem[] {
  const out = new Problems();
  const claims = nodeDirectories(spec).filter((c) => isLabPath(c.dir) && !SYSTEM_DIRECTORIES.includes(c.dir));
  claims.forEach((b, j) => {
    const a = claims.slice(0, j).find((x) => overlaps(x.dir, b.dir) && !mayOverlap(spec, x, b));
    if (a === undefined) return;
    const relation = b.dir === a.dir ? "is also" : within(b.dir, a.dir) ? "lies inside" : "contains";
    out.add({
      path: b.path,
      problem: `${b.what} ${b.dir} ${relation} the ${a.what} ${a.dir} (${a.path})`,
      fix: `give it a directory apart from ${a.dir} (e.g. ${b.example})`,
    });
  });
  return out.list;
}
