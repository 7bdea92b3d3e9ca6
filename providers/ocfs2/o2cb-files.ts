/**
 * The files of an o2cb cluster node, rendered from the model (pure; golden-tested):
 *
 * - `/etc/ocfs2/cluster.conf` exactly as ocfs2-tools 1.8.7's `o2cb_ctl`/`o2cb` write it, so the
 *   tools rewriting it (`o2cb add-node`) keep it byte for byte: a `cluster:` stanza, then one
 *   `node:` stanza per node (in node-number order), each attribute on a tab-indented line, every
 *   stanza followed by a blank line. The tools store their stanzas in glib hash tables and print
 *   them in the tables' order, which for glib 2.74 (Debian 12) and the tools' insertion order is
 *   the one below: `name, heartbeat_mode, node_count` and `cluster, number, ip_port, ip_address,
 *   name`.
 * - `/etc/default/o2cb` as `/etc/init.d/o2cb configure` writes it (seed 003's answers: load on
 *   boot, stack o2cb, the cluster to start, the four timeouts).
 * - the fstab line of the volume: `_netdev`, and mounted only after the iSCSI login and the o2cb
 *   cluster (`x-systemd.requires=` orders and binds the mount unit to both), so a reboot brings it
 *   back unaided.
 * - the sysctl drop-in of o2cb's self-fencing: o2cb resets a node it fences (or panics it, with its
 *   `fence_method` panic), and a panicked node — or one hit by an oops — reboots 30 s later
 *   instead of hanging.
 */
import { Problems } from "../../spec/problems";

/** One node of the o2cb cluster. */
export interface O2cbNode {
  /** Host name of the node (o2cb finds the local node by it). */
  name: string;
  /** o2cb node number (0–254). */
  number: number;
  /** Interconnect address. */
  address: string;
}

/** The o2cb cluster: name, interconnect port, nodes, timeouts. */
export interface O2cbCluster {
  clusterName: string;
  port: number;
  nodes: readonly O2cbNode[];
  heartbeatDeadThreshold: number;
  idleTimeoutMs: number;
  keepaliveDelayMs: number;
  reconnectDelayMs: number;
}

/** The volume's fstab entry. */
export interface Ocfs2Mount {
  /** The LUN's stable device (`/dev/disk/by-path/…`). */
  device: string;
  mountPoint: string;
  /** Extra mount options. */
  mountOptions: readonly string[];
}

/** Where the files go on a node. */
export const CLUSTER_CONF_PATH = "/etc/ocfs2/cluster.conf";
export const O2CB_DEFAULTS_PATH = "/etc/default/o2cb";
export const OCFS2_SYSCTL_PATH = "/etc/sysctl.d/60-kvmlab-ocfs2.conf";

/** The units a mount of the volume needs: the iSCSI login at boot, then the o2cb cluster. */
export const OCFS2_MOUNT_REQUIRES: readonly string[] = ["open-iscsi.service", "o2cb.service"];

const NAME = /^[A-Za-z0-9]{1,16}$/;
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const PATH = /^\/[^\s"'\\]+$/;
const OPTION = /^[A-Za-z0-9=._/:+-]+$/;

/** Throws naming every field that cannot go into the files. */
function checkCluster(c: O2cbCluster): void {
  const out = new Problems();
  out.need(
    NAME.test(c.clusterName),
    "clusterName",
    `${JSON.stringify(c.clusterName)} is not an o2cb cluster name`,
    "use up to 16 letters and digits",
  );
  out.need(
    Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535,
    "port",
    `${c.port} is not a port`,
    "use 1–65535 (seed: 7777)",
  );
  out.need(c.nodes.length > 0, "nodes", "no node", "give the cluster its nodes");
  c.nodes.forEach((n, i) => {
    out.need(
      HOST.test(n.name),
      `nodes[${i}].name`,
      `${JSON.stringify(n.name)} is not a host name`,
      "use the node's host name",
    );
    out.need(
      Number.isInteger(n.number) && n.number >= 0 && n.number <= 254,
      `nodes[${i}].number`,
      `${n.number} is not a node number`,
      "use 0–254",
    );
    out.need(
      IPV4.test(n.address),
      `nodes[${i}].address`,
      `${JSON.stringify(n.address)} is not an IPv4 address`,
      "use the node's interconnect address",
    );
  });
  for (const [field, min] of [
    ["heartbeatDeadThreshold", 7],
    ["idleTimeoutMs", 5000],
    ["keepaliveDelayMs", 1000],
    ["reconnectDelayMs", 2000],
  ] as const) {
    out.need(
      Number.isInteger(c[field]) && c[field] >= min,
      field,
      `${c[field]} is below o2cb's minimum ${min}`,
      `use at least ${min}`,
    );
  }
  out.throwIfAny("o2cb files");
}

/** The nodes in node-number order (the order the file lists them). */
export function nodesByNumber(nodes: readonly O2cbNode[]): O2cbNode[] {
  return [...nodes].sort((a, b) => a.number - b.number);
}

/** `/etc/ocfs2/cluster.conf`, as o2cb_ctl of ocfs2-tools 1.8.7 writes it (local heartbeat). */
export function renderClusterConf(c: O2cbCluster): string {
  checkCluster(c);
  const stanza = (name: string, attrs: readonly (readonly [string, string | number])[]) =>
    `${name}:\n${attrs.map(([k, v]) => `\t${k} = ${v}\n`).join("")}\n`;
  return [
    stanza("cluster", [
      ["name", c.clusterName],
      ["heartbeat_mode", "local"],
      ["node_count", c.nodes.length],
    ]),
    ...nodesByNumber(c.nodes).map((n) =>
      stanza("node", [
        ["cluster", c.clusterName],
        ["number", n.number],
        ["ip_port", c.port],
        ["ip_address", n.address],
        ["name", n.name],
      ]),
    ),
  ].join("");
}

/** `/etc/default/o2cb`, as `/etc/init.d/o2cb configure` writes it (seed 003's answers). */
export function renderO2cbDefaults(c: O2cbCluster): string {
  checkCluster(c);
  return `#
# This is a configuration file for automatic startup of the O2CB
# driver.  It is generated by running /etc/init.d/o2cb configure.
# On Debian based systems the preferred method is running
# 'dpkg-reconfigure ocfs2-tools'.
#

# O2CB_ENABLED: 'true' means to load the driver on boot.
O2CB_ENABLED=true

# O2CB_STACK: The name of the cluster stack backing O2CB.
O2CB_STACK=o2cb

# O2CB_BOOTCLUSTER: If not empty, the name of a cluster to start.
O2CB_BOOTCLUSTER=${c.clusterName}

# O2CB_HEARTBEAT_THRESHOLD: Iterations before a node is considered dead.
O2CB_HEARTBEAT_THRESHOLD=${c.heartbeatDeadThreshold}

# O2CB_IDLE_TIMEOUT_MS: Time in ms before a network connection is considered dead.
O2CB_IDLE_TIMEOUT_MS=${c.idleTimeoutMs}

# O2CB_KEEPALIVE_DELAY_MS: Max time in ms before a keepalive packet is sent
O2CB_KEEPALIVE_DELAY_MS=${c.keepaliveDelayMs}

# O2CB_RECONNECT_DELAY_MS: Min time in ms between connection attempts
O2CB_RECONNECT_DELAY_MS=${c.reconnectDelayMs}

`;
}

/**
 * The debconf answers matching {@link renderO2cbDefaults}: ocfs2-tools' postinst rewrites
 * /etc/default/o2cb from them on an upgrade or reconfigure, which then keeps the lab's values.
 */
export function renderO2cbDebconf(c: O2cbCluster): string {
  checkCluster(c);
  return (
    [
      "ocfs2-tools ocfs2-tools/init boolean true",
      `ocfs2-tools ocfs2-tools/clustername string ${c.clusterName}`,
      `ocfs2-tools ocfs2-tools/heartbeat_threshold string ${c.heartbeatDeadThreshold}`,
      `ocfs2-tools ocfs2-tools/idle_timeout string ${c.idleTimeoutMs}`,
      `ocfs2-tools ocfs2-tools/keepalive_delay string ${c.keepaliveDelayMs}`,
      `ocfs2-tools ocfs2-tools/reconnect_delay string ${c.reconnectDelayMs}`,
    ].join("\n") + "\n"
  );
}

/** The kernel settings of an o2cb node and their values (see {@link renderOcfs2Sysctl}). */
export const OCFS2_SYSCTLS: readonly (readonly [string, string])[] = [
  ["kernel.panic", "30"],
  ["kernel.panic_on_oops", "1"],
];

/** The sysctl drop-in of an o2cb node: a node that panics (o2cb's panic fencing, an oops) reboots after 30 s. */
export function renderOcfs2Sysctl(): string {
  return `# kvm-ha-lab: a node that panics (o2cb fencing with fence_method panic, an oops) reboots instead of hanging.
${OCFS2_SYSCTLS.map(([key, value]) => `${key} = ${value}`).join("\n")}
`;
}

/** The volume's mount options in fstab: `_netdev`, the ordering after iSCSI and o2cb, the extra ones. */
export function ocfs2MountOptions(m: Pick<Ocfs2Mount, "mountOptions">): string {
  return ["_netdev", ...OCFS2_MOUNT_REQUIRES.map((u) => `x-systemd.requires=${u}`), ...m.mountOptions].join(
    ",",
  );
}

/** Options only fstab and mount(8) read: a live mount never lists them. */
const FSTAB_ONLY_OPTION =
  /^(defaults|auto|noauto|nofail|user|users|nouser|owner|group|_netdev|x-.*|comment=.*)$/;

/**
 * The options a live mount of the volume must show: `rw` (unless `ro` is configured),
 * `heartbeat=local` (the cluster's local heartbeat) and the extra options a mount lists (not those
 * only fstab reads).
 */
export function liveMountOptions(m: Pick<Ocfs2Mount, "mountOptions">): string[] {
  const extra = m.mountOptions.filter((o) => !FSTAB_ONLY_OPTION.test(o));
  return [...new Set([...(extra.includes("ro") ? [] : ["rw"]), "heartbeat=local", ...extra])];
}

/** The fstab line of the volume. */
export function renderOcfs2Fstab(m: Ocfs2Mount): string {
  const out = new Problems();
  out.need(
    PATH.test(m.device),
    "device",
    `${JSON.stringify(m.device)} is not a device path`,
    "use the LUN's /dev/disk/by-path device",
  );
  out.need(
    PATH.test(m.mountPoint) && m.mountPoint !== "/",
    "mountPoint",
    `${JSON.stringify(m.mountPoint)} is not a mount point`,
    "use an absolute path without spaces",
  );
  m.mountOptions.forEach((o, i) =>
    out.need(
      OPTION.test(o),
      `mountOptions[${i}]`,
      `${JSON.stringify(o)} is not one mount option`,
      "one option per entry",
    ),
  );
  out.throwIfAny("ocfs2 fstab line");
  return `${m.device} ${m.mountPoint} ocfs2 ${ocfs2MountOptions(m)} 0 0`;
}
