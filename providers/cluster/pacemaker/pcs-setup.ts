/**
 * Cluster setup and options of the pacemaker flavour (seed 004, Debian 12: pcs 0.11.5, pacemaker
 * 2.1.5, corosync 3.1.7 with knet), as argv arrays the caller quotes and runs as root on a node.
 *
 * Naming: the cluster knows a node by its host name on link 0 (`node01h`, the name the seed's
 * cluster.conf used); {@link pcsNodeName} gives it.
 *
 * Syntax facts relied on:
 * - `pcs cluster setup <name> (<node> [addr=<address>]...)... [transport knet|udp|udpu …]
 *   [totem <options>] [quorum <options>] [--enable] …`: nodes get nodeid 1, 2, … in the order
 *   given; the quorum options pcs accepts are auto_tie_breaker, last_man_standing,
 *   last_man_standing_window and wait_for_all only — two_node is not one of them, pcs writes
 *   `two_node: 1` itself when the cluster has exactly two nodes. Since pcs 0.11.3 setup also
 *   writes a cluster UUID (kept here: PcsCluster reports it).
 * - `pcs property set <name>=<value>...`, `pcs property unset <name>...` (pcs refuses the read-only
 *   properties of cib.ts CIB_READONLY_PROPERTIES); `pcs resource defaults update <name>=<value>...`
 *   (an empty value removes the default).
 */
import { parseIpv4 } from "../../../spec/ipv4";
import { COROSYNC_CLUSTER_NAME, HOST_NAME, OPTION_NAME } from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import type { ClusterMember, ClusterSettings } from "../../core/endpoints";
import { PCS } from "./pcs-resource";
import { checkOptions, checkWritable, quoted } from "./pcs-validate";

/** The members as {@link pcsClusterSetup} reads them. */
export type PcsSetupMember = Pick<ClusterMember, "name" | "nodeId" | "linkAddresses" | "linkHostnames">;

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

/** Records the problems of the cluster-wide settings and the member count. */
function checkSettings(problems: Problems, settings: ClusterSettings, memberCount: number): void {
  problems.need(
    COROSYNC_CLUSTER_NAME.test(settings.name),
    "name",
    `${quoted(settings.name)} is not a cluster name`,
    "use up to 32 letters, digits, '_', '.' or '-' (e.g. cluster01)",
  );
  problems.need(
    ["knet", "udpu", "udp"].includes(settings.transport),
    "transport",
    `${quoted(settings.transport)} is not a corosync 3 transport`,
    "use knet",
  );
  problems.need(
    Number.isInteger(settings.tokenMs) && settings.tokenMs >= 1,
    "tokenMs",
    `${settings.tokenMs} is not a whole number of milliseconds ≥ 1`,
    "use e.g. 20000 (seed 001, tuned to GlusterFS timeouts)",
  );
  problems.need(memberCount > 0, "members", "the cluster has no member", "give at least one member");
  problems.need(
    settings.twoNode === (memberCount === 2),
    "twoNode",
    settings.twoNode
      ? `two_node needs exactly two members, there are ${memberCount}`
      : "pcs writes two_node: 1 for every two-member cluster and cannot leave it out",
    settings.twoNode ? "set twoNode false, or define exactly two nodes" : "set twoNode true",
  );
}

/** Records the problems of the members' link addresses and names. */
function checkLinks(problems: Problems, transport: string, members: readonly PcsSetupMember[]): void {
  const linkCount = members[0]?.linkAddresses.length ?? 0;
  const maxLinks = transport === "knet" ? 8 : 1;
  const names: string[] = [];
  const addresses: string[] = [];
  for (const m of members) {
    const f = `members.${m.name}`;
    problems.need(
      m.linkAddresses.length >= 1 && m.linkAddresses.length <= maxLinks,
      `${f}.linkAddresses`,
      `${m.linkAddresses.length} link addresses, ${transport} takes 1 to ${maxLinks}`,
      transport === "knet" ? "list 1 to 8 networks in cluster.links" : "use one link, or knet",
    );
    problems.need(
      m.linkAddresses.length === linkCount,
      `${f}.linkAddresses`,
      `pcs needs the same number of addresses on every node (${linkCount} on the first, ${m.linkAddresses.length} here)`,
      "give every member an address on every cluster link",
    );
    const name = m.linkHostnames[0] ?? "";
    problems.need(
      HOST_NAME.test(name),
      `${f}.linkHostnames[0]`,
      `${quoted(name)} is not a host name`,
      "give the member's host name on link 0 (e.g. node01h)",
    );
    problems.need(
      !names.includes(name),
      `${f}.linkHostnames[0]`,
      `${quoted(name)} is used twice`,
      "give every member its own name",
    );
    names.push(name);
    m.linkAddresses.forEach((a, k) => {
      problems.need(
        parseIpv4(a) !== undefined,
        `${f}.linkAddresses[${k}]`,
        `${quoted(a)} is not an IPv4 address`,
        "give the member's address on that cluster network",
      );
      problems.need(
        !addresses.includes(a),
        `${f}.linkAddresses[${k}]`,
        `${quoted(a)} is used twice`,
        "give every link address once",
      );
      addresses.push(a);
    });
  }
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
  const problems = new Problems();
  checkSettings(problems, settings, members.length);
  const sorted = [...members].sort((a, b) => a.nodeId - b.nodeId);
  sorted.forEach((m, i) => {
    problems.need(
      m.nodeId === i + 1,
      `members.${m.name}.nodeId`,
      `pcs numbers nodes 1…${members.length} in order, but the node ids are ${sorted.map((s) => s.nodeId).join(", ")}`,
      "number the members 1, 2, … without gaps",
    );
  });
  checkLinks(problems, settings.transport, members);
  problems.throwIfAny("pcs cluster setup");
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
  const problems = new Problems();
  checkOptions(problems, "properties", properties, false);
  checkWritable(problems, "properties", Object.keys(properties));
  problems.throwIfAny("pcs property set");
  return [PCS, "property", "set", ...Object.entries(properties).map(([k, v]) => `${k}=${v}`)];
}

/** `pcs property unset <name>...`. */
export function pcsPropertyUnset(names: readonly string[]): string[] {
  const problems = new Problems();
  problems.need(
    names.length > 0,
    "names",
    "there is nothing to unset",
    "leave the command out when nothing is to be unset",
  );
  names.forEach((name, i) => {
    problems.need(
      OPTION_NAME.test(name),
      `names[${i}]`,
      `${quoted(name)} is not a property name`,
      "use a pacemaker property name (e.g. stonith-timeout)",
    );
  });
  checkWritable(problems, "names", names);
  problems.throwIfAny("pcs property unset");
  return [PCS, "property", "unset", ...names];
}

/** `pcs resource defaults update <name>=<value>...`; an empty value removes that default. */
export function pcsResourceDefaultsUpdate(defaults: Readonly<Record<string, string>>): string[] {
  const problems = new Problems();
  checkOptions(problems, "resourceDefaults", defaults, true);
  problems.throwIfAny("pcs resource defaults update");
  return [PCS, "resource", "defaults", "update", ...Object.entries(defaults).map(([k, v]) => `${k}=${v}`)];
}
