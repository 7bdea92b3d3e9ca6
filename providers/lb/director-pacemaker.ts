/**
 * Seed 002's pacemaker resources on the LVS directors, as one resource set
 * (providers/cluster/pacemaker/resource-set.ts), with the seed's names:
 *
 * - the group `GrpBalancer`, in the seed's order: `VIPCHK1` (our ocf:kvmlab:VIPcheck: refuses to
 *   start while the VIP answers elsewhere), `LB_VIP` (ocf:heartbeat:IPaddr2, the floating IP),
 *   `LDIRECTOR1` (ocf:heartbeat:ldirectord with the seed's operations: monitor 30 s / timeout 60 s
 *   / restart, start delayed 5 s, stop on-fail=block; start and stop given 120 s instead of the
 *   seed's 60 s, see {@link LDIRECTORD_START_STOP_TIMEOUT}). The seed's orders VIPCHK1 → LB_VIP →
 *   LDIRECTOR1 are the group's member order: pcs 0.11 refuses an order constraint between members
 *   of one group ("Cannot create an order constraint for resources in the same group"), and a
 *   group already starts its members in order and stops them in reverse.
 * - the clone `PINGD-clone` of `PINGD` (ocf:pacemaker:ping: host_list = the gateway, multiplier
 *   100, the node attribute `pingd_score`, the seed's operations), on every director;
 * - a location rule keeping the group off a director whose `pingd_score` is undefined or below 1
 *   (the gateway unreachable: 0 × 100), the group colocated with the ping clone (INFINITY,
 *   `GrpBalancer-with-PINGD`) and ordered after it, not symmetrically (`order-PINGD-then-GrpBalancer`,
 *   kind Mandatory: the seed's `score=INFINITY` on an order is deprecated in pacemaker 2).
 *
 * The seed's `default-resource-stickiness=INFINITY` (no failback) is the cluster's resource
 * default `resource-stickiness` (pacemaker 2 has no such property), not set here.
 */
import { parseIpv4 } from "../../spec/ipv4";
import { HOST_NAME } from "../../spec/patterns";
import { Problems } from "../../spec/problems";
import { attributeBelowRule } from "../cluster/pacemaker/constraint-commands";
import { RESOURCE_OPERATIONS } from "../cluster/pacemaker/group-commands";
import type { PcsResource } from "../cluster/pacemaker/pcs-resource";
import { checkResourceSet, type PcsResourceSet } from "../cluster/pacemaker/resource-set";
import { DIRECTOR_IDS, PING_ATTRIBUTE } from "./director-ids";
import { LDIRECTORD_CF_PATH } from "./ldirectord-cf";
import { VIPCHECK_AGENT } from "./vipcheck-agent";

export { DIRECTOR_IDS, PING_ATTRIBUTE };

/**
 * ldirectord's start and stop timeout. The seed gives 60 s; under TCG on a busy host ldirectord's
 * start took longer than that on a director, and so did its stop on the other — a stop that times
 * out blocks the group (the seed's on-fail=block) or, where on-fail is not allowed, fences the
 * director (found live in the load-balancer e2e).
 */
export const LDIRECTORD_START_STOP_TIMEOUT = "120s";

/** The ping clone's score per reachable target (seed: `multiplier=100`). */
export const PING_MULTIPLIER = 100;

/** What the directors' resources are made from. */
export interface DirectorPacemaker {
  /** The floating IP (seed 002's FIP). */
  vip: string;
  /** Its prefix length on the service network (24). */
  cidrNetmask: number;
  /** Hosts the ping clone checks (the service network's gateway). */
  pingTargets: string[];
}

/** Records every problem of the input. */
export function checkDirectorPacemaker(problems: Problems, p: DirectorPacemaker): void {
  problems.need(
    parseIpv4(p.vip) !== undefined,
    "vip",
    `${JSON.stringify(p.vip)} is not an IPv4 address`,
    "use the load balancer's VIP (seed 002: 192.168.5.55)",
  );
  problems.need(
    Number.isInteger(p.cidrNetmask) && p.cidrNetmask >= 1 && p.cidrNetmask <= 32,
    "cidrNetmask",
    `${p.cidrNetmask} is not a prefix length`,
    "use the service network's prefix length (e.g. 24)",
  );
  problems.need(
    p.pingTargets.length > 0,
    "pingTargets",
    "there is no host to ping",
    "give the service network's gateway (loadBalancer.pingTargets)",
  );
  p.pingTargets.forEach((t, i) => {
    problems.need(
      parseIpv4(t) !== undefined || HOST_NAME.test(t),
      `pingTargets[${i}]`,
      `${JSON.stringify(t)} is not an IPv4 address or host name`,
      "use e.g. 192.168.5.1",
    );
  });
}

/** `VIPCHK1`: refuses to start while the VIP answers elsewhere. */
function vipcheck(p: DirectorPacemaker): PcsResource {
  return {
    id: DIRECTOR_IDS.vipcheck,
    agent: VIPCHECK_AGENT,
    attributes: { target_ip: p.vip },
    meta: {},
    operations: [],
  };
}

/**
 * `LB_VIP`: the floating IP (IPaddr2 finds the NIC from the routing table), monitored as a service
 * group's VIP is (its default 20 s monitor timed out on a busy TCG host).
 */
function vip(p: DirectorPacemaker): PcsResource {
  return {
    id: DIRECTOR_IDS.vip,
    agent: "ocf:heartbeat:IPaddr2",
    attributes: { ip: p.vip, cidr_netmask: String(p.cidrNetmask) },
    meta: {},
    operations: RESOURCE_OPERATIONS.ip.map((op) => ({ ...op })),
  };
}

/** `LDIRECTOR1`: ldirectord with the seed's operations. */
function ldirectord(): PcsResource {
  return {
    id: DIRECTOR_IDS.ldirectord,
    agent: "ocf:heartbeat:ldirectord",
    attributes: { configfile: LDIRECTORD_CF_PATH },
    meta: {},
    operations: [
      { name: "monitor", interval: "30s", timeout: "60s", options: { "on-fail": "restart" } },
      {
        name: "start",
        interval: "0s",
        timeout: LDIRECTORD_START_STOP_TIMEOUT,
        options: { "start-delay": "5s", "on-fail": "restart" },
      },
      {
        name: "stop",
        interval: "0s",
        timeout: LDIRECTORD_START_STOP_TIMEOUT,
        options: { "on-fail": "block" },
      },
    ],
  };
}

/** `PINGD`: the gateway's reachability as the node attribute {@link PING_ATTRIBUTE}, with the seed's operations. */
function ping(p: DirectorPacemaker): PcsResource {
  return {
    id: DIRECTOR_IDS.ping,
    agent: "ocf:pacemaker:ping",
    attributes: {
      host_list: p.pingTargets.join(" "),
      multiplier: String(PING_MULTIPLIER),
      name: PING_ATTRIBUTE,
    },
    meta: {},
    operations: [
      { name: "monitor", interval: "10s", timeout: "30s", options: { "on-fail": "restart" } },
      { name: "start", interval: "0s", timeout: "60s", options: { "on-fail": "restart" } },
      { name: "stop", interval: "0s", timeout: "60s", options: { "on-fail": "ignore" } },
    ],
  };
}

/** The directors' resource set (see the module's doc). Throws one error listing every problem. */
export function directorResourceSet(p: DirectorPacemaker): PcsResourceSet {
  const problems = new Problems();
  checkDirectorPacemaker(problems, p);
  problems.throwIfAny("pacemaker resources of the LVS directors");
  const ids = DIRECTOR_IDS;
  const set: PcsResourceSet = {
    group: { id: ids.group, members: [vipcheck(p), vip(p), ldirectord()], meta: {} },
    clones: [{ id: ids.pingClone, resource: ping(p), meta: {} }],
    constraints: {
      locations: [],
      rules: [
        attributeBelowRule({ id: ids.connectivity, rsc: ids.group, attribute: PING_ATTRIBUTE, minimum: 1 }),
      ],
      colocations: [{ id: ids.colocation, rsc: ids.group, withRsc: ids.pingClone, score: "INFINITY" }],
      orders: [
        { id: ids.order, first: ids.pingClone, then: ids.group, kind: "Mandatory", symmetrical: false },
      ],
    },
  };
  checkResourceSet(set);
  return set;
}
