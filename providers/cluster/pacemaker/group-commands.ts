/**
 * A service group of the lab (seed 001's service01) as a pacemaker group: its members in start
 * order — VIP (IPaddr2), the shared file system (Filesystem), PostgreSQL (pgsql) — as structures
 * ({@link groupResources}), which groupCreateArgv (pcs-resource.ts) turns into pcs commands.
 *
 * Syntax facts relied on: `pcs resource create <id> <standard:provider:type> [options] --group
 * <group> [--disabled]`; `pcs resource enable|disable <id>...`. Agents: ocf:heartbeat:IPaddr2 (ip,
 * cidr_netmask), ocf:heartbeat:Filesystem (device, directory, fstype, options; glusterfs is a
 * network file system to it), ocf:heartbeat:pgsql (pgctl, psql, pgdata, config, pgport — not `port`).
 */
import {
  ARGUMENT_PATH,
  CIB_ID,
  GLUSTER_VOLUME_ARGUMENT,
  isHostNameOrIpv4,
  MOUNT_OPTIONS,
} from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import type { ServiceGroupSpec, ServiceResourceSpec } from "../../../spec/types";
import { shellJoin, shellQuote } from "../../exec/ssh";
import { checkServiceAddress, lunDeviceOf } from "../service-checks";
import type { PcsGroup, PcsOperation, PcsResource } from "./pcs-resource";
import { checkCibId, isPort, quoted } from "./pcs-validate";

/** PostgreSQL 15's binaries on Debian 12 (postgresql-15). */
export const POSTGRESQL_BIN_DIR = "/usr/lib/postgresql/15/bin";

/** The server a node mounts the GlusterFS volume from (its own glusterd, seed 001). */
export const DEFAULT_GLUSTER_SERVER = "localhost";

/** PostgreSQL's socket directory on Debian (and in the lab's postgresql.conf). */
export const POSTGRESQL_SOCKET_DIR = "/var/run/postgresql";

/**
 * PostgreSQL's options when pacemaker starts it. After a crash (every failover) PostgreSQL first
 * fsyncs each file of its data directory; on GlusterFS under TCG that took minutes (found live:
 * `postgres: startup` for over 2 min before replaying any WAL). One syncfs per file system does the
 * same job; the data written by the fenced node is what reached the bricks either way.
 */
export const POSTGRESQL_START_OPTIONS = "-c recovery_init_sync_method=syncfs";

/** Agents of the service resources. */
export const RESOURCE_AGENTS: Readonly<Record<ServiceResourceSpec["kind"], string>> = {
  ip: "ocf:heartbeat:IPaddr2",
  "gluster-mount": "ocf:heartbeat:Filesystem",
  "iscsi-filesystem": "ocf:heartbeat:Filesystem",
  postgresql: "ocf:heartbeat:pgsql",
};

/**
 * Operation timeouts per resource kind. Measured under TCG: PostgreSQL's crash recovery on
 * GlusterFS after a failover took longer than the agent's default 120 s start; and on a loaded host
 * the agents' default monitors (IPaddr2's 20 s, pgsql's 60 s) timed out together during a drill,
 * so pacemaker restarted the whole group in place (a cut of the service with no fault behind it).
 * Every monitor therefore gets a timeout well above what a busy TCG guest needs; the intervals stay
 * the agents' defaults, so a real failure is seen as soon as before.
 */
export const RESOURCE_OPERATIONS: Readonly<Record<ServiceResourceSpec["kind"], readonly PcsOperation[]>> = {
  ip: [{ name: "monitor", interval: "10s", timeout: "60s" }],
  "gluster-mount": [
    { name: "start", timeout: "180s" },
    { name: "stop", timeout: "180s" },
    { name: "monitor", interval: "20s", timeout: "120s" },
  ],
  "iscsi-filesystem": [
    { name: "start", timeout: "180s" },
    { name: "stop", timeout: "180s" },
    { name: "monitor", interval: "20s", timeout: "120s" },
  ],
  postgresql: [
    { name: "start", timeout: "600s" },
    { name: "stop", timeout: "300s" },
    { name: "monitor", interval: "30s", timeout: "120s" },
  ],
};

/** What {@link groupResources} needs beyond the group. */
export interface PcsGroupContext {
  /** iSCSI LUN number → device path on the nodes (for `iscsi-filesystem` resources). */
  lunDevices?: Readonly<Record<string, string>>;
  /** Server of `gluster-mount` resources (default {@link DEFAULT_GLUSTER_SERVER}). */
  glusterServer?: string;
  /** `mount -o` options of `gluster-mount` resources (e.g. the seed's log options); none when absent. */
  glusterMountOptions?: string;
  /** Directory of pg_ctl and psql (default {@link POSTGRESQL_BIN_DIR}). */
  postgresqlBinDir?: string;
}

/**
 * The CIB id of a group's resource: `<group>-<resource name>`, or the name itself when it already
 * starts with `<group>-` (the defaults name resources `service01-ip`, `service01-fs`, …).
 */
export function pcsResourceId(group: string, resource: Pick<ServiceResourceSpec, "name">): string {
  return resource.name.startsWith(`${group}-`) ? resource.name : `${group}-${resource.name}`;
}

/** Records a problem when `path` is not an absolute path pcs can take as an argument. */
function checkPath(problems: Problems, path: string, field: string, fix: string): void {
  problems.need(
    ARGUMENT_PATH.test(path),
    field,
    `${quoted(path)} is not an absolute path without blanks`,
    fix,
  );
}

/** The agent attributes of a `gluster-mount` resource (validated into `problems`). */
function glusterAttributes(
  problems: Problems,
  r: Extract<ServiceResourceSpec, { kind: "gluster-mount" }>,
  field: string,
  ctx: PcsGroupContext,
): Record<string, string> {
  const server = ctx.glusterServer ?? DEFAULT_GLUSTER_SERVER;
  const mountOptions = ctx.glusterMountOptions ?? "";
  problems.need(
    GLUSTER_VOLUME_ARGUMENT.test(r.volume),
    `${field}.volume`,
    `${quoted(r.volume)} is not a gluster volume name`,
    "use e.g. data00",
  );
  problems.need(
    isHostNameOrIpv4(server),
    "ctx.glusterServer",
    `${quoted(server)} is not a host name or IPv4 address`,
    "use localhost",
  );
  problems.need(
    mountOptions === "" || MOUNT_OPTIONS.test(mountOptions),
    "ctx.glusterMountOptions",
    `${quoted(mountOptions)} is not a comma-separated option list`,
    "use e.g. log-level=WARNING,log-file=/var/log/gluster.log",
  );
  checkPath(problems, r.mountPoint, `${field}.mountPoint`, "use e.g. /gldata00");
  return {
    device: `${server}:/${r.volume}`,
    directory: r.mountPoint,
    fstype: "glusterfs",
    ...(mountOptions !== "" ? { options: mountOptions } : {}),
  };
}

/** The agent attributes of one resource (validated into `problems`). */
function resourceAttributes(
  problems: Problems,
  r: ServiceResourceSpec,
  field: string,
  ctx: PcsGroupContext,
): Record<string, string> {
  switch (r.kind) {
    case "ip":
      checkServiceAddress(problems, field, r.address);
      problems.need(
        Number.isInteger(r.cidrNetmask) && r.cidrNetmask >= 1 && r.cidrNetmask <= 32,
        `${field}.cidrNetmask`,
        `${r.cidrNetmask} is not a prefix length`,
        "use 1…32 (the service network's prefix, e.g. 24)",
      );
      // IPaddr2 finds the NIC from the routing table; rgmanager's monitor_link has no equivalent.
      return { ip: r.address, cidr_netmask: String(r.cidrNetmask) };
    case "gluster-mount":
      return glusterAttributes(problems, r, field, ctx);
    case "iscsi-filesystem": {
      const device = lunDeviceOf(problems, field, r.lun, ctx.lunDevices ?? {});
      if (device !== undefined) {
        checkPath(
          problems,
          device,
          `${field}.lun`,
          "pass the LUN's /dev/disk/by-path device in ctx.lunDevices",
        );
      }
      problems.need(
        r.fsType === "ext4" || r.fsType === "xfs",
        `${field}.fsType`,
        `${quoted(r.fsType)} is not a modelled file system`,
        "use ext4 or xfs",
      );
      checkPath(problems, r.mountPoint, `${field}.mountPoint`, "use e.g. /shared00");
      return { device: device ?? "", directory: r.mountPoint, fstype: r.fsType };
    }
    case "postgresql": {
      const bin = ctx.postgresqlBinDir ?? POSTGRESQL_BIN_DIR;
      checkPath(problems, bin, `${field}.ctx.postgresqlBinDir`, `use ${POSTGRESQL_BIN_DIR}`);
      checkPath(problems, r.dataDir, `${field}.dataDir`, "use e.g. /gldata00/pgsql");
      problems.need(isPort(r.port), `${field}.port`, `${r.port} is not a TCP port`, "use e.g. 5432");
      return {
        pgctl: `${bin}/pg_ctl`,
        psql: `${bin}/psql`,
        pgdata: r.dataDir,
        config: `${r.dataDir}/postgresql.conf`,
        pgport: String(r.port),
        // The data's postgresql.conf names its socket directory (pg-init.ts); the agent refuses
        // to start ("not configured") unless it is told the same one.
        socketdir: POSTGRESQL_SOCKET_DIR,
        start_opt: POSTGRESQL_START_OPTIONS,
      };
    }
  }
}

/**
 * The service group as a {@link PcsGroup}: one member per resource in start order (id
 * {@link pcsResourceId}, agent {@link RESOURCE_AGENTS}, the agent's attributes, the
 * {@link RESOURCE_OPERATIONS}), and `resource-stickiness` as the group's meta when the spec has a
 * stickiness. Throws one error listing every problem of the group.
 */
export function groupResources(group: ServiceGroupSpec, ctx: PcsGroupContext = {}): PcsGroup {
  const problems = new Problems();
  checkCibId(
    problems,
    "name",
    group.name,
    "start with a letter or '_', then letters, digits, '_', '.' or '-' (e.g. service01)",
  );
  problems.need(
    group.resources.length > 0,
    "resources",
    "the group has no resource",
    "give the group at least one resource",
  );
  const ids = group.resources.map((r) => pcsResourceId(group.name, r));
  const members = group.resources.map((r, i): PcsResource => {
    const field = `resources[${i}]`;
    const id = ids[i] ?? "";
    problems.need(
      CIB_ID.test(id),
      `${field}.name`,
      `the resource id ${quoted(id)} is not a valid CIB id`,
      "use letters, digits, '_', '.' and '-' in resource names",
    );
    problems.need(
      ids.indexOf(id) === i,
      `${field}.name`,
      `the resource id ${quoted(id)} is used twice`,
      "give every resource its own name",
    );
    problems.need(
      id !== group.name,
      `${field}.name`,
      "the resource id equals the group id",
      "give the resource another name",
    );
    return {
      id,
      agent: RESOURCE_AGENTS[r.kind],
      attributes: resourceAttributes(problems, r, field, ctx),
      meta: {},
      operations: RESOURCE_OPERATIONS[r.kind].map((op) => ({ ...op })),
    };
  });
  problems.throwIfAny(`pcs service group ${group.name}`);
  return {
    id: group.name,
    members,
    meta: group.stickiness !== undefined ? { "resource-stickiness": String(group.stickiness) } : {},
  };
}

/** How long a group may take to stop before it is deleted to be built again. */
export const GROUP_STOP_WAIT_SECONDS = 300;

/**
 * What runs before a group is built again: the group stopped, waiting until it is
 * (`--wait`, so nothing it held — a mount, a VIP — stays active on another node), then deleted
 * with the constraints that name it.
 */
export function groupRebuildRemoval(id: string): string {
  const group = shellQuote(id);
  return `pcs resource disable ${group} --wait=${GROUP_STOP_WAIT_SECONDS} >/dev/null\npcs resource delete ${group} --force >/dev/null`;
}

/**
 * `pcs resource delete <id> --force`: a group, clone or primitive out of the CIB with the
 * constraints that name it, without waiting for it to stop (pacemaker stops what it no longer has).
 */
export function resourceDeleteArgv(id: string): string[] {
  return ["pcs", "resource", "delete", id, "--force"];
}

/**
 * Deletes resources (groups, clones, primitives) the caller found in the CIB, with the constraints
 * that name them; a failure fails the script.
 */
export function resourceDeleteScript(ids: readonly string[]): string {
  return ids.map((id) => `${shellJoin(resourceDeleteArgv(id))} >/dev/null`).join("\n");
}
