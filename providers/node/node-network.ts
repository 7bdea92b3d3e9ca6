/**
 * A node's live network against its rendered network-config (providers/node/cloud-init.ts
 * `renderNetworkConfig`): the probe fragment (`ip -o link`, `ip -o -4 addr`, the default routes),
 * its parser, and the plan that compares them and repairs what can be repaired over the running
 * management connection.
 *
 * Compared: each NIC found by its MAC under its rendered name and up, its static address on it,
 * and the default routes (exactly one per NIC with a gateway). Other addresses on an interface are
 * no drift: the cluster adds its virtual addresses there.
 *
 * Repaired in place: a NIC that is down is set up, a missing address is added, default routes are
 * added or removed, a NIC under another name is renamed. Renaming the interface the program
 * reaches the node through would cut that connection: it is not done; nor can a missing NIC be
 * made. Both are problems whose fix is a restart of the node (cloud-init's renderer names the
 * NICs by MAC at every boot).
 */
import type { CloudInitInterface } from "./cloud-init-disk";
import { shellJoin } from "../exec/ssh";

/** The probe fragment: three sections, `links`, `addresses` and `routes`. */
export const NETWORK_PROBE = `echo "== links"
ip -o link show 2>/dev/null || true
echo "== addresses"
ip -o -4 addr show 2>/dev/null || true
echo "== routes"
ip -4 route show default 2>/dev/null || true`;

/** A link as `ip -o link show` prints it. */
export interface LiveLink {
  name: string;
  mac: string;
  up: boolean;
}

/** A node's network as the probe found it. */
export interface LiveNetwork {
  links: LiveLink[];
  /** IPv4 addresses (`address/prefix`) per interface name. */
  addresses: Record<string, string[]>;
  /** Default routes: gateway and interface. */
  defaults: { via: string; dev: string }[];
}

/** Parses the three sections of {@link NETWORK_PROBE}. */
export function parseNetwork(sections: Record<string, string[]>): LiveNetwork {
  const links: LiveLink[] = [];
  for (const line of sections.links ?? []) {
    const m = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>.*link\/ether ([0-9a-f:]{17})/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
      links.push({ name: m[1], mac: m[3], up: m[2].split(",").includes("UP") });
    }
  }
  const addresses: Record<string, string[]> = {};
  for (const line of sections.addresses ?? []) {
    const m = /^\d+: (\S+)\s+inet (\S+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) (addresses[m[1]] ??= []).push(m[2]);
  }
  const defaults: LiveNetwork["defaults"] = [];
  for (const line of sections.routes ?? []) {
    const m = /^default via (\S+) dev (\S+)/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) defaults.push({ via: m[1], dev: m[2] });
  }
  return { links, addresses, defaults };
}

/** What {@link planNetwork} found and what the update does about it. */
export interface NetworkPlan {
  /** Each difference, in words (empty: the network is as rendered). */
  differences: string[];
  /** Shell commands that repair what can be repaired in place, in order. */
  commands: string[];
  /** Differences that cannot be repaired over the management connection, each with its fix. */
  problems: string[];
}

/**
 * Compares the live network with the rendered NICs. `managementAddress` is the address the
 * program reaches the node on: its interface is never renamed (that would cut the connection).
 */
export function planNetwork(
  interfaces: readonly CloudInitInterface[],
  live: LiveNetwork,
  managementAddress: string,
): NetworkPlan {
  const plan: NetworkPlan = { differences: [], commands: [], problems: [] };
  const restart =
    "Fix: restart the node (virsh reboot, or `npm run lab -- up` after a `virsh destroy`): cloud-init names its NICs by MAC at boot";
  for (const nic of interfaces) {
    const name = nic.name ?? nic.mac;
    const link = live.links.find((l) => l.mac === nic.mac);
    const cidr = `${nic.address}/${nic.prefix}`;
    if (link === undefined) {
      plan.differences.push(`no interface has MAC ${nic.mac} (${name})`);
      plan.problems.push(`no interface has MAC ${nic.mac} (${name}). ${restart}`);
      continue;
    }
    if (link.name !== name) {
      plan.differences.push(`the NIC with MAC ${nic.mac} is ${link.name}, not ${name}`);
      if (nic.address === managementAddress) {
        plan.problems.push(
          `the management NIC (MAC ${nic.mac}) is ${link.name}, not ${name}; renaming it would cut the connection. ${restart}`,
        );
        continue;
      }
      plan.commands.push(
        `ip link set dev ${link.name} down`,
        `ip link set dev ${link.name} name ${name}`,
        `ip link set dev ${name} up`,
      );
    } else if (!link.up) {
      plan.differences.push(`${name} is down`);
      plan.commands.push(`ip link set dev ${name} up`);
    }
    if (!(live.addresses[link.name] ?? []).includes(cidr)) {
      plan.differences.push(`${name} lacks ${cidr}`);
      plan.commands.push(shellJoin(["ip", "addr", "add", cidr, "dev", name]));
    }
  }
  const wanted = interfaces.flatMap((nic) =>
    nic.gateway !== undefined ? [{ via: nic.gateway, dev: nic.name ?? nic.mac }] : [],
  );
  const same = (a: { via: string; dev: string }, b: { via: string; dev: string }) =>
    a.via === b.via && a.dev === b.dev;
  for (const route of live.defaults) {
    if (!wanted.some((w) => same(w, route))) {
      plan.differences.push(`a default route via ${route.via} on ${route.dev}`);
      plan.commands.push(shellJoin(["ip", "route", "del", "default", "via", route.via, "dev", route.dev]));
    }
  }
  for (const route of wanted) {
    if (!live.defaults.some((d) => same(d, route))) {
      plan.differences.push(`no default route via ${route.via} on ${route.dev}`);
      plan.commands.push(shellJoin(["ip", "route", "add", "default", "via", route.via, "dev", route.dev]));
    }
  }
  return plan;
}
