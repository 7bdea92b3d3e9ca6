/**
 * pcs 0.11 command lines (Debian 12: pcs 0.11.5, pacemaker 2.1.5, corosync 3.1.7 with knet,
 * resource-agents and fence-agents 4.12), as argv arrays for the pacemaker flavour of the lab
 * (seed 004). Pure builders: each validates its input and throws one Error naming the field, the
 * problem and the fix; the caller quotes the argv (providers/exec/ssh.ts shellJoin) and runs it as root
 * on a node.
 *
 * No argv carries a secret. The only secret pcs needs is the `hacluster` password of `pcs host
 * auth`, and it travels on stdin ({@link pcsHostAuth}, {@link pcsPasswordStdin}).
 *
 * Naming: the cluster knows a node by its host name on link 0 (`node01h`, the name the seed's
 * cluster.conf used); {@link pcsNodeName} gives it. Specs and failover domains name members by
 * their node names (`node01`); the builders that need cluster names take a map member name →
 * cluster node name.
 *
 * Syntax facts relied on (checked against pcs, pacemaker, fence-agents and resource-agents
 * sources; the header of test/parse-pacemaker.test.ts says where each came from):
 * - `pcs host auth (<host> [addr=<address>[:<port>]])... [-u <user>] [-p <password>]`; without
 *   `-p`, pcs reads the password as one line from stdin when stdin is not a terminal.
 * - `pcs cluster setup <name> (<node> [addr=<address>]...)... [transport knet|udp|udpu …]
 *   [totem <options>] [quorum <options>] [--enable] …`: nodes get nodeid 1, 2, … in the order
 *   given; the quorum options pcs accepts are auto_tie_breaker, last_man_standing,
 *   last_man_standing_window and wait_for_all only — two_node is not one of them, pcs writes
 *   `two_node: 1` itself when the cluster has exactly two nodes. Since pcs 0.11.3 setup also
 *   writes a cluster UUID (kept here: PcsCluster reports it).
 * - `pcs property set <name>=<value>...`, `pcs property unset <name>...` (pcs refuses the read-only
 *   properties {@link CIB_READONLY_PROPERTIES}); `pcs resource defaults update <name>=<value>...`
 *   (an empty value removes the default).
 * - `pcs stonith create <id> <agent> [options]`: pcs rejects `action=` (deprecated, "use
 *   pcmk_off_action, pcmk_reboot_action"); fence agents name their parameters `ip`, `username`,
 *   `plug` (the old `ipaddr`, `login`, `port` are deprecated aliases), pacemaker fills `plug` from
 *   `pcmk_host_map="node:port;node:port"`.
 * - `pcs resource create <id> <standard:provider:type> [options] --group <group> [--disabled]`;
 *   `pcs resource enable|disable <id>...`; `pcs resource meta <id> <name>=<value>`;
 *   `pcs constraint location <rsc> prefers|avoids <node>[=<score>]...`.
 * - Agents: ocf:heartbeat:IPaddr2 (ip, cidr_netmask), ocf:heartbeat:Filesystem (device,
 *   directory, fstype, options; glusterfs is a network file system to it), ocf:heartbeat:pgsql
 *   (pgctl, psql, pgdata, config, pgport — not `port`).
 */
import { parseIpv4 } from "../../../spec/ipv4";
import type { FenceDeviceSpec, ServiceGroupSpec, ServiceResourceSpec } from "../../../spec/types";
import { CIB_READONLY_PROPERTIES } from "./cib";
import type { ClusterMember, ClusterSettings } from "../../core/kind";

/** The pcs binary. */
export const PCS = "pcs";

/** The user pcsd authenticates (`pcs host auth -u`). */
export const HACLUSTER_USER = "hacluster";

/** PostgreSQL 15's binaries on Debian 12 (postgresql-15). */
export const POSTGRESQL_BIN_DIR = "/usr/lib/postgresql/15/bin";

/** The server a node mounts the GlusterFS volume from (its own glusterd, seed 001). */
export const DEFAULT_GLUSTER_SERVER = "localhost";

/**
 * Operation timeouts per resource kind (`op …` after the options). Measured under TCG: PostgreSQL's
 * crash recovery on GlusterFS after a failover took longer than the agent's default 120 s start.
 */
export const RESOURCE_OPERATIONS: Readonly<Record<ServiceResourceSpec["kind"], readonly string[]>> = {
  ip: [],
  "gluster-mount": ["op", "start", "timeout=180s", "op", "stop", "timeout=180s"],
  "iscsi-filesystem": ["op", "start", "timeout=180s", "op", "stop", "timeout=180s"],
  postgresql: [
    "op",
    "start",
    "timeout=600s",
    "op",
    "stop",
    "timeout=300s",
    "op",
    "monitor",
    "interval=30s",
    "timeout=60s",
  ],
};

/** Timeouts of the fence device (the host's fence shell answers slowly when TCG guests load it). */
export const STONITH_TIMEOUTS: readonly string[] = ["pcmk_monitor_timeout=120s", "pcmk_reboot_timeout=300s"];

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

/** The members as {@link pcsClusterSetup} reads them. */
export type PcsSetupMember = Pick<ClusterMember, "name" | "nodeId" | "linkAddresses" | "linkHostnames">;

/** What {@link pcsGroupResources} needs beyond the group. */
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

// ---------------------------------------------------------------------------------------------
// Validation

/** A host name (letters, digits, '-', dots between labels). */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** A CIB id as pcs accepts it: an XML name without ':' (a letter or '_' first). */
const CIB_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** A cluster name: corosync's cluster_name (pcs warns above 32 characters for GFS2/DLM). */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** A property or meta-attribute name. */
const OPTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A libvirt domain name usable in pcmk_host_map (no ':', ';', ',' or blanks: its separators). */
const DOMAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
/** A Unix user name. */
const USER_NAME = /^[a-z_][a-z0-9_-]*$/;
/** An absolute path without blanks, quotes or control characters (and not `/`). */
const ABSOLUTE_PATH = /^\/[^\s"'\\]+$/;
/** A gluster volume name. */
const VOLUME = /^[A-Za-z0-9_.-]+$/;
/** A comma-separated mount option list. */
const MOUNT_OPTIONS = /^[A-Za-z0-9=,._/:+-]+$/;

const quoted = (value: unknown): string => JSON.stringify(value);
const isHost = (text: string): boolean => parseIpv4(text) !== undefined || HOST_NAME.test(text);
const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
/** A value pcs can take in `name=value`: no control characters (newlines would split a script). */
const isCleanValue = (text: string): boolean => !/\p{Cc}/u.test(text);

/**
 * A problem collector: `need(ok, field, problem, fix)` records a problem when `ok` is false;
 * `done()` throws one error listing every problem, each with its field and fix.
 */
function checker(what: string): {
  need: (ok: boolean, field: string, problem: string, fix: string) => void;
  done: () => void;
} {
  const problems: string[] = [];
  return {
    need(ok, field, problem, fix) {
      if (!ok) problems.push(`${field}: ${problem}. Fix: ${fix}`);
    },
    done() {
      if (problems.length === 1) throw new Error(`${what}: ${problems[0]}`);
      if (problems.length > 1) throw new Error(`${what}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    },
  };
}

type Need = ReturnType<typeof checker>["need"];

/** Checks `name=value` options (properties, resource defaults). */
function checkOptions(
  need: Need,
  field: string,
  options: Readonly<Record<string, string>>,
  allowEmptyValues: boolean,
): void {
  const entries = Object.entries(options);
  need(
    entries.length > 0,
    field,
    "there is nothing to set",
    "leave the command out when there is nothing to set",
  );
  for (const [name, value] of entries) {
    need(
      OPTION_NAME.test(name),
      `${field}.${name}`,
      `${quoted(name)} is not an option name`,
      "use letters, digits, '-' and '_', starting with a letter (e.g. no-quorum-policy)",
    );
    need(
      typeof value === "string" && isCleanValue(value),
      `${field}.${name}`,
      `${quoted(value)} is not a one-line string`,
      "give the value as a string without control characters",
    );
    if (!allowEmptyValues) {
      need(
        value !== "",
        `${field}.${name}`,
        "the value is empty, which would remove the option",
        "give a value, or remove the option with its unset command",
      );
    }
  }
}

/** Checks property names against pacemaker's read-only ones. */
function checkWritable(need: Need, field: string, names: readonly string[]): void {
  for (const name of names) {
    need(
      !CIB_READONLY_PROPERTIES.includes(name),
      `${field}.${name}`,
      "pacemaker maintains this property itself and pcs refuses to change it",
      `leave it out (read-only: ${CIB_READONLY_PROPERTIES.join(", ")})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// pcsd authentication

/**
 * `pcs host auth <host> [addr=<address>]... -u hacluster`: authenticates this node's pcs to pcsd
 * on every host, as `hacluster`.
 *
 * The password is deliberately not in the argv: `-p <password>` would show in `ps` and
 * /proc/<pid>/cmdline of the pcs process, and an environment variable expanded into `-p
 * "$PCS_PASSWORD"` ends up in the same place. Without `-p`, pcs 0.11 (run as root) reads the
 * password with one `input()` from stdin when stdin is not a terminal (pcs/utils.py
 * get_terminal_password → get_terminal_input, after printing `Password: ` to stdout). So the
 * caller runs this argv with {@link pcsPasswordStdin}`(password)` as its stdin, over the SSH
 * channel's stdin, which never touches argv, environment or disk.
 *
 * `addrs` (host → address) tells pcs where pcsd listens when the host name must not be resolved.
 */
export function pcsHostAuth(
  hostnames: readonly string[],
  addrs: Readonly<Record<string, string>> = {},
): string[] {
  const { need, done } = checker("pcs host auth");
  need(hostnames.length > 0, "hostnames", "no host is given", "list the cluster nodes' host names");
  hostnames.forEach((host, i) => {
    need(
      HOST_NAME.test(host),
      `hostnames[${i}]`,
      `${quoted(host)} is not a host name`,
      "use the nodes' host names on link 0 (e.g. node01h)",
    );
    need(
      hostnames.indexOf(host) === i,
      `hostnames[${i}]`,
      `${quoted(host)} is listed twice`,
      "list every host once",
    );
  });
  for (const [host, addr] of Object.entries(addrs)) {
    need(
      hostnames.includes(host),
      `addrs.${host}`,
      "the address belongs to no listed host",
      `key the addresses by the listed hosts (${hostnames.join(", ") || "none"})`,
    );
    need(
      isHost(addr),
      `addrs.${host}`,
      `${quoted(addr)} is neither an IPv4 address nor a host name`,
      "give the address pcsd listens on (port 2224)",
    );
  }
  done();
  return [
    PCS,
    "host",
    "auth",
    ...hostnames.flatMap((host) => {
      const addr = addrs[host];
      return addr !== undefined ? [host, `addr=${addr}`] : [host];
    }),
    "-u",
    HACLUSTER_USER,
  ];
}

/**
 * The stdin of {@link pcsHostAuth}: the password and a newline (pcs reads exactly one line).
 * Throws when the password cannot travel as one line; the error never contains the password.
 */
export function pcsPasswordStdin(password: string): string {
  const { need, done } = checker("pcs host auth password");
  need(password.length > 0, "haclusterPassword", "the password is empty", "generate a non-empty password");
  need(
    !/[\r\n]/.test(password),
    "haclusterPassword",
    "the password contains a line break, and pcs reads one line",
    "use a password without line breaks (the lab generates alphanumeric ones)",
  );
  done();
  return `${password}\n`;
}

// ---------------------------------------------------------------------------------------------
// Cluster setup and options

/** The name the cluster knows a member by: its host name on link 0 (`node01h`). */
export function pcsNodeName(member: Pick<ClusterMember, "name" | "linkHostnames">): string {
  const name = member.linkHostnames[0];
  if (name === undefined) {
    throw new Error(
      `pcs node name: members.${member.name}.linkHostnames: the member has no host name on link 0. ` +
        "Fix: list at least one network in cluster.links",
    );
  }
  return name;
}

/**
 * `pcs cluster setup <name> <node> addr=<link 0> addr=<link 1> … transport <transport> totem
 * token=<ms> [--enable]`: corosync.conf for every member, one knet link per cluster link.
 *
 * Members are written in nodeid order; pcs numbers nodes 1, 2, … in that order, so the node ids
 * must be exactly 1…n. two_node is not passed (pcs rejects it as a quorum option and writes it
 * itself for exactly two nodes), so `twoNode` must say what pcs will do. `startAtBoot` adds
 * `--enable`. The cluster is not started here (`pcs cluster start --all` does that).
 */
export function pcsClusterSetup(settings: ClusterSettings, members: readonly PcsSetupMember[]): string[] {
  const { need, done } = checker("pcs cluster setup");
  need(
    CLUSTER_NAME.test(settings.name),
    "name",
    `${quoted(settings.name)} is not a cluster name`,
    "use up to 32 letters, digits, '_', '.' or '-' (e.g. cluster01)",
  );
  need(
    ["knet", "udpu", "udp"].includes(settings.transport),
    "transport",
    `${quoted(settings.transport)} is not a corosync 3 transport`,
    "use knet",
  );
  need(
    Number.isInteger(settings.tokenMs) && settings.tokenMs >= 1,
    "tokenMs",
    `${settings.tokenMs} is not a whole number of milliseconds ≥ 1`,
    "use e.g. 20000 (seed 001, tuned to GlusterFS timeouts)",
  );
  need(members.length > 0, "members", "the cluster has no member", "give at least one member");
  need(
    settings.twoNode === (members.length === 2),
    "twoNode",
    settings.twoNode
      ? `two_node needs exactly two members, there are ${members.length}`
      : "pcs writes two_node: 1 for every two-member cluster and cannot leave it out",
    settings.twoNode ? "set twoNode false, or define exactly two nodes" : "set twoNode true",
  );
  const sorted = [...members].sort((a, b) => a.nodeId - b.nodeId);
  sorted.forEach((m, i) => {
    need(
      m.nodeId === i + 1,
      `members.${m.name}.nodeId`,
      `pcs numbers nodes 1…${members.length} in order, but the node ids are ${sorted.map((s) => s.nodeId).join(", ")}`,
      "number the members 1, 2, … without gaps",
    );
  });
  const linkCount = members[0]?.linkAddresses.length ?? 0;
  const maxLinks = settings.transport === "knet" ? 8 : 1;
  const names: string[] = [];
  const addresses: string[] = [];
  for (const m of members) {
    const f = `members.${m.name}`;
    need(
      m.linkAddresses.length >= 1 && m.linkAddresses.length <= maxLinks,
      `${f}.linkAddresses`,
      `${m.linkAddresses.length} link addresses, ${settings.transport} takes 1 to ${maxLinks}`,
      settings.transport === "knet" ? "list 1 to 8 networks in cluster.links" : "use one link, or knet",
    );
    need(
      m.linkAddresses.length === linkCount,
      `${f}.linkAddresses`,
      `pcs needs the same number of addresses on every node (${linkCount} on the first, ${m.linkAddresses.length} here)`,
      "give every member an address on every cluster link",
    );
    const name = m.linkHostnames[0] ?? "";
    need(
      HOST_NAME.test(name),
      `${f}.linkHostnames[0]`,
      `${quoted(name)} is not a host name`,
      "give the member's host name on link 0 (e.g. node01h)",
    );
    need(
      !names.includes(name),
      `${f}.linkHostnames[0]`,
      `${quoted(name)} is used twice`,
      "give every member its own name",
    );
    names.push(name);
    m.linkAddresses.forEach((a, k) => {
      need(
        parseIpv4(a) !== undefined,
        `${f}.linkAddresses[${k}]`,
        `${quoted(a)} is not an IPv4 address`,
        "give the member's address on that cluster network",
      );
      need(
        !addresses.includes(a),
        `${f}.linkAddresses[${k}]`,
        `${quoted(a)} is used twice`,
        "give every link address once",
      );
      addresses.push(a);
    });
  }
  done();
  return [
    PCS,
    "cluster",
    "setup",
    settings.name,
    ...sorted.flatMap((m) => [pcsNodeName(m), ...m.linkAddresses.map((a) => `addr=${a}`)]),
    "transport",
    settings.transport,
    "totem",
    `token=${settings.tokenMs}`,
    ...(settings.startAtBoot ? ["--enable"] : []),
  ];
}

/** `pcs property set <name>=<value>...` (in the given order). */
export function pcsPropertySet(properties: Readonly<Record<string, string>>): string[] {
  const { need, done } = checker("pcs property set");
  checkOptions(need, "properties", properties, false);
  checkWritable(need, "properties", Object.keys(properties));
  done();
  return [PCS, "property", "set", ...Object.entries(properties).map(([k, v]) => `${k}=${v}`)];
}

/** `pcs property unset <name>...`. */
export function pcsPropertyUnset(names: readonly string[]): string[] {
  const { need, done } = checker("pcs property unset");
  need(
    names.length > 0,
    "names",
    "there is nothing to unset",
    "leave the command out when nothing is to be unset",
  );
  names.forEach((name, i) => {
    need(
      OPTION_NAME.test(name),
      `names[${i}]`,
      `${quoted(name)} is not a property name`,
      "use a pacemaker property name (e.g. stonith-timeout)",
    );
  });
  checkWritable(need, "names", names);
  done();
  return [PCS, "property", "unset", ...names];
}

/** `pcs resource defaults update <name>=<value>...`; an empty value removes that default. */
export function pcsResourceDefaultsUpdate(defaults: Readonly<Record<string, string>>): string[] {
  const { need, done } = checker("pcs resource defaults update");
  checkOptions(need, "resourceDefaults", defaults, true);
  done();
  return [PCS, "resource", "defaults", "update", ...Object.entries(defaults).map(([k, v]) => `${k}=${v}`)];
}

// ---------------------------------------------------------------------------------------------
// Fencing

/**
 * `pcs stonith create <name> fence_virsh ip=<host> username=<login> identity_file=<key>
 * [ipport=<port>] pcmk_host_map=<node>:<domain>;… [pcmk_reboot_action=off]`.
 *
 * `hostMap` is member name → libvirt domain (the fence_virsh plug), `clusterNodeNames` member name →
 * cluster node name (`node01h`); the map is written in `hostMap` order. The action is not passed
 * as `action=` (pcs rejects it): `reboot` is pacemaker's default, `off` becomes
 * `pcmk_reboot_action=off` so this device powers a node off whenever the cluster asks for a reboot.
 * `ipport` is the host's sshd port, when it is not 22 (FenceDeviceSpec does not carry it).
 */
export function pcsStonithCreate(
  device: FenceDeviceSpec,
  hostMap: Readonly<Record<string, string>>,
  clusterNodeNames: Readonly<Record<string, string>>,
  options: { ipport?: number } = {},
): string[] {
  const { need, done } = checker(`pcs stonith create ${device.name}`);
  need(
    CIB_ID.test(device.name),
    "name",
    `${quoted(device.name)} is not a valid CIB id`,
    "start with a letter or '_', then letters, digits, '_', '.' or '-' (e.g. kvmhost01)",
  );
  need(device.agent === "fence_virsh", "agent", `${quoted(device.agent)} is not modelled`, "use fence_virsh");
  need(
    isHost(device.ipaddr),
    "ipaddr",
    `${quoted(device.ipaddr)} is neither an IPv4 address nor a host name`,
    "give the KVM host's management address (e.g. 192.168.8.1)",
  );
  need(USER_NAME.test(device.login), "login", `${quoted(device.login)} is not a user name`, "use e.g. root");
  need(
    ABSOLUTE_PATH.test(device.identityFile),
    "identityFile",
    `${quoted(device.identityFile)} is not an absolute path without blanks`,
    "use e.g. /etc/cluster/fence_virsh_key",
  );
  need(
    device.action === "reboot" || device.action === "off",
    "action",
    `${quoted(device.action)} is not a fence action`,
    "use reboot or off",
  );
  if (options.ipport !== undefined) {
    need(
      isPort(options.ipport),
      "ipport",
      `${options.ipport} is not a TCP port`,
      "use 1…65535 (the host's sshd port)",
    );
  }
  const entries = Object.entries(hostMap);
  need(
    entries.length > 0,
    "hostMap",
    "the device fences no node",
    "map every cluster member to its libvirt domain",
  );
  for (const [member, domain] of entries) {
    const nodeName = clusterNodeNames[member];
    need(
      nodeName !== undefined && HOST_NAME.test(nodeName),
      `clusterNodeNames.${member}`,
      nodeName === undefined ? "no cluster node name is given" : `${quoted(nodeName)} is not a host name`,
      "give every member's name on link 0 (e.g. node01h)",
    );
    need(
      DOMAIN_NAME.test(domain),
      `hostMap.${member}`,
      `${quoted(domain)} cannot stand in pcmk_host_map (':', ';', ',' and blanks separate its entries)`,
      "use a libvirt domain name of letters, digits, '_', '.', '+' and '-'",
    );
  }
  done();
  const map = entries.map(([member, domain]) => `${clusterNodeNames[member]}:${domain}`).join(";");
  return [
    PCS,
    "stonith",
    "create",
    device.name,
    device.agent,
    `ip=${device.ipaddr}`,
    `username=${device.login}`,
    `identity_file=${device.identityFile}`,
    ...(options.ipport !== undefined ? [`ipport=${options.ipport}`] : []),
    `pcmk_host_map=${map}`,
    ...(device.action === "off" ? ["pcmk_reboot_action=off"] : []),
    ...STONITH_TIMEOUTS,
  ];
}

// ---------------------------------------------------------------------------------------------
// Service groups

/**
 * The CIB id of a group's resource: `<group>-<resource name>`, or the name itself when it already
 * starts with `<group>-` (the defaults name resources `service01-ip`, `service01-fs`, …).
 */
export function pcsResourceId(group: string, resource: Pick<ServiceResourceSpec, "name">): string {
  return resource.name.startsWith(`${group}-`) ? resource.name : `${group}-${resource.name}`;
}

/** The agent options of one resource (validated into `need`). */
function resourceOptions(need: Need, r: ServiceResourceSpec, field: string, ctx: PcsGroupContext): string[] {
  const absolute = (path: string, key: string, fix: string): void =>
    need(
      ABSOLUTE_PATH.test(path) && path !== "/",
      `${field}.${key}`,
      `${quoted(path)} is not an absolute path without blanks`,
      fix,
    );
  switch (r.kind) {
    case "ip":
      need(
        parseIpv4(r.address) !== undefined,
        `${field}.address`,
        `${quoted(r.address)} is not an IPv4 address`,
        "give the service address without a prefix (e.g. 192.168.7.99)",
      );
      need(
        Number.isInteger(r.cidrNetmask) && r.cidrNetmask >= 1 && r.cidrNetmask <= 32,
        `${field}.cidrNetmask`,
        `${r.cidrNetmask} is not a prefix length`,
        "use 1…32 (the service network's prefix, e.g. 24)",
      );
      // IPaddr2 finds the NIC from the routing table; rgmanager's monitor_link has no equivalent.
      return [`ip=${r.address}`, `cidr_netmask=${r.cidrNetmask}`];
    case "gluster-mount": {
      const server = ctx.glusterServer ?? DEFAULT_GLUSTER_SERVER;
      const mountOptions = ctx.glusterMountOptions ?? "";
      need(
        VOLUME.test(r.volume),
        `${field}.volume`,
        `${quoted(r.volume)} is not a gluster volume name`,
        "use e.g. data00",
      );
      need(
        isHost(server),
        "ctx.glusterServer",
        `${quoted(server)} is not a host name or IPv4 address`,
        "use localhost",
      );
      need(
        mountOptions === "" || MOUNT_OPTIONS.test(mountOptions),
        "ctx.glusterMountOptions",
        `${quoted(mountOptions)} is not a comma-separated option list`,
        "use e.g. log-level=WARNING,log-file=/var/log/gluster.log",
      );
      absolute(r.mountPoint, "mountPoint", "use e.g. /gldata00");
      return [
        `device=${server}:/${r.volume}`,
        `directory=${r.mountPoint}`,
        "fstype=glusterfs",
        ...(mountOptions !== "" ? [`options=${mountOptions}`] : []),
      ];
    }
    case "iscsi-filesystem": {
      const lunDevices = ctx.lunDevices ?? {};
      const device = lunDevices[String(r.lun)];
      need(
        device !== undefined,
        `${field}.lun`,
        `no device is known for iSCSI LUN ${r.lun} (lunDevices has ${Object.keys(lunDevices).join(", ") || "none"})`,
        "use a LUN of the lab's iSCSI target (iscsi.luns), with iSCSI enabled",
      );
      if (device !== undefined) {
        absolute(device, "lun", "pass the LUN's /dev/disk/by-path device in ctx.lunDevices");
      }
      need(
        r.fsType === "ext4" || r.fsType === "xfs",
        `${field}.fsType`,
        `${quoted(r.fsType)} is not a modelled file system`,
        "use ext4 or xfs",
      );
      absolute(r.mountPoint, "mountPoint", "use e.g. /shared00");
      return [`device=${device ?? ""}`, `directory=${r.mountPoint}`, `fstype=${r.fsType}`];
    }
    case "postgresql": {
      const bin = ctx.postgresqlBinDir ?? POSTGRESQL_BIN_DIR;
      absolute(bin, "ctx.postgresqlBinDir", `use ${POSTGRESQL_BIN_DIR}`);
      absolute(r.dataDir, "dataDir", "use e.g. /gldata00/pgsql");
      need(isPort(r.port), `${field}.port`, `${r.port} is not a TCP port`, "use e.g. 5432");
      return [
        `pgctl=${bin}/pg_ctl`,
        `psql=${bin}/psql`,
        `pgdata=${r.dataDir}`,
        `config=${r.dataDir}/postgresql.conf`,
        `pgport=${r.port}`,
        // The data's postgresql.conf names its socket directory (render/pg-init.ts); the agent
        // refuses to start ("not configured") unless it is told the same one.
        `socketdir=${POSTGRESQL_SOCKET_DIR}`,
        `start_opt=${POSTGRESQL_START_OPTIONS}`,
      ];
    }
  }
}

/**
 * The commands that create a service group, in order:
 *
 * 1. `pcs resource create <id> <agent> <options> --group <group> --disabled` per resource, in start
 *    order (the group starts its members in that order and stops them in reverse);
 * 2. `pcs resource disable <group>` when the group does not start by itself (`autostart` false,
 *    seed 001: the operator enables it);
 * 3. `pcs resource enable <id>...`, all members in one CIB update.
 *
 * Why `--disabled` and then `enable`: on a running cluster each `create` is live at once, so
 * without it the VIP would start before the file system exists. And the members must not stay
 * disabled: `pcs resource enable <group>` only clears the group's own target-role
 * (pcs/lib/cib/resource/common.py find_resources_to_enable), so a member left disabled would keep
 * the group down after the operator enabled it.
 */
export function pcsGroupResources(group: ServiceGroupSpec, ctx: PcsGroupContext = {}): string[][] {
  const { need, done } = checker(`pcs service group ${group.name}`);
  need(
    CIB_ID.test(group.name),
    "name",
    `${quoted(group.name)} is not a valid CIB id`,
    "start with a letter or '_', then letters, digits, '_', '.' or '-' (e.g. service01)",
  );
  need(
    group.resources.length > 0,
    "resources",
    "the group has no resource",
    "give the group at least one resource",
  );
  const ids = group.resources.map((r) => pcsResourceId(group.name, r));
  const creates = group.resources.map((r, i) => {
    const field = `resources[${i}]`;
    const id = ids[i] ?? "";
    need(
      CIB_ID.test(id),
      `${field}.name`,
      `the resource id ${quoted(id)} is not a valid CIB id`,
      "use letters, digits, '_', '.' and '-' in resource names",
    );
    need(
      ids.indexOf(id) === i,
      `${field}.name`,
      `the resource id ${quoted(id)} is used twice`,
      "give every resource its own name",
    );
    need(
      id !== group.name,
      `${field}.name`,
      "the resource id equals the group id",
      "give the resource another name",
    );
    const options = resourceOptions(need, r, field, ctx);
    return [
      PCS,
      "resource",
      "create",
      id,
      RESOURCE_AGENTS[r.kind],
      ...options,
      ...RESOURCE_OPERATIONS[r.kind],
      "--group",
      group.name,
      "--disabled",
    ];
  });
  done();
  return [
    ...creates,
    ...(group.autostart ? [] : [[PCS, "resource", "disable", group.name]]),
    [PCS, "resource", "enable", ...ids],
  ];
}

/**
 * `pcs resource meta <group> resource-stickiness=<n>`, or `undefined` when the group keeps the
 * cluster's default stickiness.
 */
export function pcsGroupStickiness(
  group: Pick<ServiceGroupSpec, "name" | "stickiness">,
): string[] | undefined {
  if (group.stickiness === undefined) return undefined;
  const { need, done } = checker(`pcs resource meta ${group.name}`);
  need(
    CIB_ID.test(group.name),
    "name",
    `${quoted(group.name)} is not a valid CIB id`,
    "use the service group's name (e.g. service01)",
  );
  need(
    Number.isInteger(group.stickiness) && group.stickiness >= 0,
    "stickiness",
    `${group.stickiness} is not a whole number ≥ 0`,
    "use e.g. 100 (higher than the location score steps of 100 keeps the group where it runs)",
  );
  done();
  return [PCS, "resource", "meta", group.name, `resource-stickiness=${group.stickiness}`];
}

/**
 * The location constraints of a failover domain (rgmanager's failoverdomain, seed 001):
 *
 * - `pcs constraint location <group> prefers <node>=<score>...`: the domain's nodes in priority
 *   order score 100 × (count − position), so the first node scores highest (two nodes: 200, 100)
 *   and a freshly enabled group starts there (the seed's test expects node01). Scores follow the
 *   list whether or not the domain is `ordered`; whether the group moves back when a better node
 *   returns is a matter of stickiness ({@link pcsGroupStickiness}).
 * - `restricted`: `pcs constraint location <group> avoids <node>...` (score -INFINITY) for every
 *   other cluster node; nothing when the domain holds every node.
 *
 * `nodeHostnames` maps every cluster member's name to its cluster node name (`node01` →
 * `node01h`).
 */
export function pcsLocationPrefers(
  group: string,
  domain: Pick<ServiceGroupSpec["domain"], "nodes" | "restricted">,
  nodeHostnames: Readonly<Record<string, string>>,
): string[][] {
  const { need, done } = checker(`pcs constraint location ${group}`);
  need(
    CIB_ID.test(group),
    "group",
    `${quoted(group)} is not a valid CIB id`,
    "use the service group's name (e.g. service01)",
  );
  need(
    domain.nodes.length > 0,
    "domain.nodes",
    "the domain has no node",
    "list the nodes the group may run on",
  );
  domain.nodes.forEach((node, i) => {
    const host = nodeHostnames[node];
    need(
      host !== undefined,
      `domain.nodes[${i}]`,
      `${quoted(node)} is not a cluster member`,
      `use member names: ${Object.keys(nodeHostnames).join(", ") || "(none given)"}`,
    );
    need(
      domain.nodes.indexOf(node) === i,
      `domain.nodes[${i}]`,
      `${quoted(node)} is listed twice`,
      "list every node once",
    );
  });
  for (const [member, host] of Object.entries(nodeHostnames)) {
    need(
      HOST_NAME.test(host),
      `nodeHostnames.${member}`,
      `${quoted(host)} is not a host name`,
      "give the member's name on link 0 (e.g. node01h)",
    );
  }
  done();
  const count = domain.nodes.length;
  const prefers = domain.nodes.map((node, i) => `${nodeHostnames[node]}=${(count - i) * 100}`);
  const others = Object.entries(nodeHostnames)
    .filter(([member]) => !domain.nodes.includes(member))
    .map(([, host]) => host);
  return [
    [PCS, "constraint", "location", group, "prefers", ...prefers],
    ...(domain.restricted && others.length > 0
      ? [[PCS, "constraint", "location", group, "avoids", ...others]]
      : []),
  ];
}
