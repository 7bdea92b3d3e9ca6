/** Checks of the lab name and the lab networks. */
import { cidrContains, cidrsOverlap, firstHost, formatCidr, formatIpv4, parseCidr, parseIpv4 } from "../ipv4";
import { BRIDGE_NAME, LIBVIRT_NAME } from "../patterns";
import { Problems, type Problem } from "../problems";
import type { LabSpec, NetworkRole } from "../types";
import { QUOTED, checkHostLabel, duplicateFields } from "./common";

/** Lab name: a host label (it prefixes libvirt domains, networks and bridges). */
export function checkLabName(spec: LabSpec): Problem[] {
  return checkHostLabel("name", spec.name, "lab name", "halab");
}

/** Networks: names, CIDRs (well-formed, not overlapping), roles, bridges, gateways. */
export function checkNetworks(spec: LabSpec): Problem[] {
  const out = new Problems();
  const parsed = spec.networks.map((n) => parseCidr(n.cidr));
  spec.networks.forEach((net, i) => {
    const p = `networks[${i}]`;
    out.add(...checkHostLabel(`${p}.name`, net.name, "network name", net.role));
    const c = parsed[i];
    if (!c) {
      out.add({
        path: `${p}.cidr`,
        problem: `${QUOTED(net.cidr)} is not an IPv4 network in CIDR notation`,
        fix: "write it as a.b.c.d/nn with the host bits zero (e.g. 192.168.7.0/24)",
      });
      return;
    }
    out.need(
      c.address === c.network,
      `${p}.cidr`,
      `${net.cidr} has host bits set`,
      `write the network address: ${formatCidr(c)}`,
    );
    out.need(
      c.prefix <= 30 && c.prefix >= 8,
      `${p}.cidr`,
      `prefix length /${c.prefix} of ${net.cidr} is out of range for a lab network`,
      "use a prefix length between /8 and /30 (e.g. /24)",
    );
    for (let j = 0; j < i; j++) {
      const other = parsed[j];
      out.need(
        !(other && cidrsOverlap(c, other)),
        `${p}.cidr`,
        `${net.cidr} overlaps networks[${j}].cidr (${spec.networks[j].cidr})`,
        "give every network its own, non-overlapping address range (e.g. 192.168.7.0/24, 192.168.8.0/24, 192.168.9.0/24)",
      );
    }
    out.need(
      BRIDGE_NAME.test(net.bridge),
      `${p}.bridge`,
      `bridge name ${QUOTED(net.bridge)} is ${net.bridge.length > 15 ? `${net.bridge.length} characters long (the kernel allows 15)` : "not a valid interface name"}`,
      "use at most 15 letters, digits, '-', '_' or '.', or leave bridge out to derive one from the lab name",
    );
    out.need(
      LIBVIRT_NAME.test(net.libvirtName),
      `${p}.name`,
      `libvirt network name ${QUOTED(net.libvirtName)} is not valid`,
      "use a shorter network name of letters, digits and hyphens",
    );
    const gw = parseIpv4(net.gateway);
    out.need(
      gw !== undefined && cidrContains(c, gw) && gw !== c.network && gw !== c.broadcast,
      `${p}.gateway`,
      `gateway ${QUOTED(net.gateway)} is not a host address of ${net.cidr}`,
      `use a host address inside ${formatCidr(c)}, usually the first one (${formatIpv4(firstHost(c))}), or leave gateway out`,
    );
  });
  out.add(
    ...duplicateFields(spec.networks, "networks", [
      ["name", "network name", "give every network a unique name"],
      ["role", "network role", "give each role (service, management, heartbeat) to at most one network"],
      ["bridge", "bridge name", "give every network its own bridge, or leave bridge out to derive one"],
    ]),
  );
  const examples: Record<NetworkRole, string> = {
    service: "{name: service, role: service, cidr: 192.168.7.0/24}",
    management: "{name: management, role: management, cidr: 192.168.8.0/24}",
    heartbeat: "{name: heartbeat, role: heartbeat, cidr: 192.168.9.0/24}",
  };
  for (const role of ["service", "management"] as const) {
    out.need(
      spec.networks.some((n) => n.role === role),
      "networks",
      `no network has role ${role}`,
      `add a network such as ${examples[role]}`,
    );
  }
  return out.list;
}
