/**
 * Checks of the TCP ports the description gives (PostgreSQL, the o2cb interconnect, the load
 * balancer's web service and sorry page): none on a port a daemon of the same nodes already holds
 * (sshd, pcsd, corosync, glusterd and its bricks, the iSCSI target), none twice on one machine; the
 * KVM host's sshd port likewise beside the target it runs.
 */
import { Problems, type Problem } from "../problems";
import { KVM_HOST } from "../defaults";
import { clusterMembers, realServers } from "../queries";
import type { LabSpec } from "../types";

/** A range of ports held on some nodes: by a daemon of the lab, or by a field of the description. */
interface PortUse {
  first: number;
  last: number;
  /** Who holds it: `sshd`, or a field's service (`PostgreSQL (services[0].resources[2].port)`). */
  what: string;
  /** The names of the nodes it is held on. */
  nodes: readonly string[];
  /** The field that gives it, when the description does. */
  path?: string;
  /** Uses of one service (ldirectord's check of the real servers' web port) may share a port. */
  service?: string;
  /** Where a free port is looked for first, for the fix. */
  example?: number;
}

/** The seed's corosync ports (mcastport 5405 and the one below it, which udp/udpu also use). */
const COROSYNC_PORTS = [5404, 5405] as const;
/** glusterd's management ports, and the range its brick processes take ports from. */
const GLUSTERD_PORTS = [24007, 24008] as const;
const GLUSTER_BRICK_PORTS = [49152, 60999] as const;

/** The ports the nodes' own daemons listen on, as this lab runs them. */
function daemonPorts(spec: LabSpec): PortUse[] {
  const all = spec.nodes.map((n) => n.name);
  const members = clusterMembers(spec.nodes).map((n) => n.name);
  const uses: PortUse[] = [{ first: 22, last: 22, what: "sshd", nodes: all }];
  if (spec.layers === "cluster") {
    if (spec.cluster.stack === "pacemaker")
      uses.push({ first: 2224, last: 2224, what: "pcsd", nodes: members });
    uses.push({ first: COROSYNC_PORTS[0], last: COROSYNC_PORTS[1], what: "corosync", nodes: members });
  }
  if (spec.layers !== "substrate" && spec.gluster.enabled) {
    uses.push(
      { first: GLUSTERD_PORTS[0], last: GLUSTERD_PORTS[1], what: "glusterd", nodes: members },
      {
        first: GLUSTER_BRICK_PORTS[0],
        last: GLUSTER_BRICK_PORTS[1],
        what: "the GlusterFS bricks",
        nodes: members,
      },
    );
  }
  // The iSCSI target on the KVM host (named KVM_HOST here, a name no node may have) or on a node.
  if (spec.layers !== "substrate" && spec.iscsi.enabled) {
    uses.push({ first: 3260, last: 3260, what: "the iSCSI target", nodes: [spec.iscsi.host] });
  }
  return uses;
}

/** The ports the description gives, each on the nodes (or the KVM host, {@link KVM_HOST}) that listen on it. */
function givenPorts(spec: LabSpec): PortUse[] {
  const members = clusterMembers(spec.nodes).map((n) => n.name);
  const uses: PortUse[] = [];
  const give = (
    port: number,
    what: string,
    nodes: readonly string[],
    path: string,
    example: number,
    service?: string,
  ) =>
    uses.push({
      first: port,
      last: port,
      what: `${what} (${path})`,
      nodes,
      path,
      example,
      ...(service ? { service } : {}),
    });
  give(spec.host.sshPort, "the KVM host's sshd", [KVM_HOST], "host.sshPort", 22);
  spec.services.forEach((g, i) =>
    g.resources.forEach((r, j) => {
      if (r.kind !== "postgresql") return;
      // A restricted group runs on its domain's nodes only, another one on any member.
      const nodes = g.domain.restricted ? g.domain.nodes : members;
      give(r.port, "PostgreSQL", nodes, `services[${i}].resources[${j}].port`, 5432);
    }),
  );
  const o = spec.ocfs2;
  if (o !== undefined)
    give(
      o.port,
      "the o2cb interconnect",
      o.nodes.map((n) => n.name),
      "ocfs2.port",
      7777,
    );
  const lb = spec.loadBalancer;
  if (lb !== undefined) {
    const reals = realServers(spec.nodes).map((n) => n.name);
    give(lb.port, "the real servers' web service", reals, "loadBalancer.port", 80, "web");
    // A check port equal to the service port is that port (checked at loadBalancer.port).
    if (lb.checkPort !== lb.port) {
      give(lb.checkPort, "the real servers' check page", reals, "loadBalancer.checkPort", 80, "web");
    }
    const fallback = /:([0-9]+)$/.exec(lb.fallback);
    if (fallback)
      give(Number(fallback[1]), "the directors' sorry page", members, "loadBalancer.fallback", 80);
  }
  return uses;
}

/** True when two port uses hold a common port on a common node. */
function clash(a: PortUse, b: PortUse): boolean {
  return a.first <= b.last && b.first <= a.last && a.nodes.some((n) => b.nodes.includes(n));
}

/** The first port from `start` up that no use holds on the nodes of `use`. */
function freePort(use: PortUse, start: number, held: readonly PortUse[]): number {
  let port = start;
  while (held.some((h) => h !== use && clash({ ...use, first: port, last: port }, h))) port++;
  return port;
}

/** Every port the description gives: free of the nodes' daemons and of each other on their nodes. */
export function checkPorts(spec: LabSpec): Problem[] {
  const out = new Problems();
  const daemons = daemonPorts(spec);
  const given = givenPorts(spec);
  const held = [...daemons, ...given];
  given.forEach((use, k) => {
    const other = [...daemons, ...given.slice(0, k)].find(
      (h) => clash(use, h) && (use.service === undefined || h.service !== use.service),
    );
    if (other === undefined || use.path === undefined) return;
    const example = freePort(use, use.example ?? use.first, held);
    const fallback = use.path === "loadBalancer.fallback";
    out.add({
      path: use.path,
      problem: `port ${use.first} is already taken by ${other.what}${other.first === other.last ? "" : ` (${other.first}–${other.last})`}`,
      fix: `use a port no other service there takes (e.g. ${fallback ? `127.0.0.1:${example}` : example})`,
    });
  });
  return out.list;
}
