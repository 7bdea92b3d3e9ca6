/**
 * Checks of seed 002's load balancer and of the node roles it brings: real servers stand outside
 * the cluster, the cluster members are the director pair, the VIP is a free address of the service
 * network, the image holds what the real servers and directors run, and the seed's lab-only
 * cluster properties need an explicit opt-in.
 */
import { parseIpv4 } from "../ipv4";
import { CONTROL_CHARACTER, isPagePath } from "../patterns";
import { Problems, type Problem } from "../problems";
import { clusterMembers, nodeRole } from "../queries";
import type { LabConfig } from "../schema";
import type { LabSpec, LoadBalancerSpec, NodeSpec } from "../types";
import { QUOTED, checkHostAddress, duplicates, networkInfos } from "./common";

/** The director's own sorry page: `127.0.0.1:<port>`. */
const LOOPBACK_FALLBACK = /^127\.0\.0\.1:([0-9]{1,5})$/;

/** Packages the load balancer needs in a built image, and what for (the lab's list lacks them). */
export const LOAD_BALANCER_PACKAGES: readonly (readonly [string, string])[] = [
  ["lighttpd", "the real servers' web service and the directors' sorry page"],
  ["iputils-arping", "the VIPcheck agent's duplicate-address probe"],
];

/** Real servers named where only cluster members belong (failover domains), or configured as one. */
function checkRealServersOutsideCluster(spec: LabSpec): Problem[] {
  const out = new Problems();
  const members = clusterMembers(spec.nodes).map((n) => n.name);
  const real = spec.nodes.filter((n) => nodeRole(n) === "real-server").map((n) => n.name);
  spec.services.forEach((g, i) =>
    g.domain.nodes.forEach((name, k) => {
      out.need(
        !real.includes(name),
        `services[${i}].domain.nodes[${k}]`,
        `${name} is a real server, not a cluster member: no service group can run there`,
        `list cluster members only (${members.join(", ")})`,
      );
    }),
  );
  return out.list;
}

/** The VIP: a host address of its network that no node, reserved host or service group uses. */
function checkVip(spec: LabSpec, lb: LoadBalancerSpec): Problem[] {
  const info = networkInfos(spec).get(lb.network);
  if (!info) return []; // no service network: reported by checkNetworks
  const path = "loadBalancer.vip";
  const own = checkHostAddress(path, lb.vip, info, "VIP");
  if (own.length > 0) return own;
  const out = new Problems();
  const fix = `use a free address of network ${info.net.name} (seed 002: .55), not one of a node, a reserved host or a service group`;
  spec.nodes.forEach((node, i) =>
    node.interfaces.forEach((nic) => {
      out.need(
        nic.address !== lb.vip,
        path,
        `VIP ${lb.vip} is node ${node.name}'s own address (nodes[${i}].addresses.${nic.network})`,
        fix,
      );
    }),
  );
  spec.reservedHosts.forEach((r, i) => {
    out.need(
      r.address !== lb.vip,
      path,
      `VIP ${lb.vip} is reserved for ${r.hostname} (reservedHosts[${i}])`,
      fix,
    );
  });
  spec.services.forEach((g, i) =>
    g.resources.forEach((r, j) => {
      out.need(
        r.kind !== "ip" || r.address !== lb.vip,
        path,
        `VIP ${lb.vip} is also service group ${g.name}'s IP (services[${i}].resources[${j}])`,
        fix,
      );
    }),
  );
  return out.list;
}

/** ldirectord's values that go into its file: the check page, the receive text, the fallback, the ping targets. */
function checkSettings(lb: LoadBalancerSpec, directors: readonly NodeSpec[]): Problem[] {
  const out = new Problems();
  out.need(
    lb.protocol === "tcp",
    "loadBalancer.protocol",
    `a ${lb.protocol} virtual service forwards datagrams, but the real servers' web service (${lb.web}) answers on TCP only`,
    "set protocol: tcp, or leave it out",
  );
  out.need(
    isPagePath(lb.request),
    "loadBalancer.request",
    `${QUOTED(lb.request)} is not a page path under the web root`,
    "use a relative path of letters, digits, '.', '_', '~', '-' and '/' (seed 002: haCheker/haCheck.html)",
  );
  if (lb.receive.includes('"') || CONTROL_CHARACTER.test(lb.receive)) {
    out.add({
      path: "loadBalancer.receive",
      problem: `${QUOTED(lb.receive)} holds a double quote or a control character (ldirectord reads the value between double quotes)`,
      fix: "write a one-line phrase without double quotes (seed 002: up and running)",
    });
  } else {
    // The real servers' check page holds the receive text itself: the expression must match it.
    let matches = false;
    try {
      matches = new RegExp(lb.receive).test(lb.receive);
    } catch {
      matches = false;
    }
    out.need(
      matches,
      "loadBalancer.receive",
      `${QUOTED(lb.receive)} does not match itself as a regular expression, and the check page holds exactly this text`,
      "use a plain phrase that matches itself (seed 002: up and running)",
    );
  }
  const fallback = LOOPBACK_FALLBACK.exec(lb.fallback);
  const fallbackPort = fallback ? Number(fallback[1]) : 0;
  out.need(
    fallbackPort >= 1 && fallbackPort <= 65535,
    "loadBalancer.fallback",
    `${QUOTED(lb.fallback)} is not the director's own sorry page`,
    "use 127.0.0.1:<port> (seed 002: 127.0.0.1:80): each director serves the sorry page itself",
  );
  lb.pingTargets.forEach((target, k) => {
    const p = `loadBalancer.pingTargets[${k}]`;
    if (parseIpv4(target) === undefined) {
      out.add({
        path: p,
        problem: `${QUOTED(target)} is not an IPv4 address`,
        fix: "list addresses the directors must reach to hold the VIP (default: the service network's gateway)",
      });
    } else {
      out.need(
        target !== lb.vip,
        p,
        `ping target ${target} is the VIP itself: the director holding it always reaches it`,
        "ping an address outside the director pair, e.g. the service network's gateway",
      );
      const director = directors.find((d) => d.interfaces.some((nic) => nic.address === target));
      if (director !== undefined) {
        out.add({
          path: p,
          problem: `ping target ${target} is director ${director.name}'s own address: it always reaches itself`,
          fix: "ping an address outside the director pair, e.g. the service network's gateway",
        });
      }
    }
  });
  out.add(
    ...duplicates(
      lb.pingTargets,
      (t) => t,
      (k) => `loadBalancer.pingTargets[${k}]`,
      "ping target",
      "list every address once",
    ),
  );
  return out.list;
}

/** The director pair, the real servers, the cluster flavour and the image. */
function checkParts(spec: LabSpec): Problem[] {
  const out = new Problems();
  const members = clusterMembers(spec.nodes).length;
  const reals = spec.nodes.length - members;
  out.need(
    members >= 2,
    "nodes",
    `the load balancer needs a director pair: at least 2 cluster members, found ${members}`,
    "add nodes without role (or with role: member) to be the directors; real servers do not count",
  );
  out.need(
    reals >= 1,
    "nodes",
    "the load balancer has no real server to send clients to",
    "give the web servers role: real-server (seed 002: fe1 and fe2)",
  );
  out.need(
    spec.cluster.stack === "pacemaker",
    "cluster.stack",
    "the directors run ldirectord under pacemaker (seed 002); the cman flavour does not model them",
    "set cluster.stack: pacemaker, or remove loadBalancer",
  );
  if (spec.image.source === "build") {
    const missing = LOAD_BALANCER_PACKAGES.filter(([pkg]) => !spec.image.extraPackages.includes(pkg));
    if (missing.length > 0) {
      out.add({
        path: "image.extraPackages",
        problem: `the load balancer needs ${missing.map(([pkg, why]) => `${pkg} (${why})`).join(" and ")} in the image`,
        fix: `add ${missing.map(([pkg]) => pkg).join(", ")} to image.extraPackages (the image is keyed by its content: other labs keep theirs)`,
      });
    }
  }
  return out.list;
}

/** Seed 002's stonith-enabled=false and no-quorum-policy=ignore only with `cluster.allowNoStonith`. */
function checkLabOnlyProperties(spec: LabSpec): Problem[] {
  const out = new Problems();
  if (spec.cluster.allowNoStonith === true) return out.list;
  const props = spec.cluster.properties;
  out.need(
    props["stonith-enabled"] !== "false",
    "cluster.properties.stonith-enabled",
    "stonith-enabled=false (seed 002's lab setting) leaves the director pair unfenced: after a split brain both directors hold the VIP and answer ARP for it",
    "leave stonith-enabled out (true, fenced by fence_virsh), or for a throwaway lab set cluster.allowNoStonith: true",
  );
  out.need(
    props["no-quorum-policy"] !== "ignore",
    "cluster.properties.no-quorum-policy",
    "no-quorum-policy=ignore (seed 002's lab setting) lets a director without quorum keep the VIP",
    "leave no-quorum-policy out (stop: two_node keeps the surviving director quorate), or for a throwaway lab set cluster.allowNoStonith: true",
  );
  return out.list;
}

/**
 * The load balancer and the node roles: real servers need a load balancer to serve and stay out of
 * failover domains; a load balancer needs a director pair, a real server, a free VIP on the service
 * network, valid ldirectord values, pacemaker, its packages in the image, and the opt-in for the
 * seed's lab-only properties.
 */
export function checkLoadBalancer(spec: LabSpec): Problem[] {
  const out = new Problems();
  out.add(...checkRealServersOutsideCluster(spec));
  const lb = spec.loadBalancer;
  if (lb === undefined) {
    spec.nodes.forEach((node, i) => {
      out.need(
        nodeRole(node) !== "real-server",
        `nodes[${i}].role`,
        `node ${node.name} is a real server, but the lab has no load balancer in front of it`,
        "add a loadBalancer section (e.g. loadBalancer: {vip: <a free address of the service network>}), or remove role: real-server",
      );
    });
    return out.list;
  }
  out.add(
    ...checkParts(spec),
    ...checkVip(spec, lb),
    ...checkSettings(lb, clusterMembers(spec.nodes)),
    ...checkLabOnlyProperties(spec),
  );
  return out.list;
}

/** What only the user's config shows: a failover-domain priority given to a real server. */
export function checkRoleConfig(config: LabConfig): Problem[] {
  const out = new Problems();
  (config.nodes ?? []).forEach((node, i) => {
    out.need(
      node.role !== "real-server" || node.priority === undefined,
      `nodes[${i}].priority`,
      `node ${node.name} is a real server: it is in no failover domain`,
      "remove priority (it orders cluster members only)",
    );
  });
  return out.list;
}
