/** Checks of the nodes, the reserved /etc/hosts entries, and the uniqueness of addresses and host names. */
import { cidrContains, parseIpv4 } from "../ipv4";
import { FIRST_NODE_HOST_OFFSET, KVM_HOST } from "../defaults";
import { LAB_DOMAIN_NAME, isHostLabel, isMac } from "../patterns";
import { Problems, type Problem } from "../problems";
import { clusterMembers } from "../queries";
import type { LabSpec } from "../types";
import {
  QUOTED,
  checkHostAddress,
  checkHostLabel,
  duplicateFields,
  duplicates,
  exampleLabName,
  hostRange,
  networkInfos,
} from "./common";

/** The most cluster members a lab has (corosync 3 / pacemaker clusters are supported up to 32 nodes). */
export const MAX_CLUSTER_MEMBERS = 32;

/** Nodes: count, names, domain names, addresses, MACs, host names, sizes. */
export function checkNodes(spec: LabSpec): Problem[] {
  const out = new Problems();
  const infos = networkInfos(spec);
  const members = clusterMembers(spec.nodes).length;
  // A load-balancer lab says it as a director pair (spec/validate/lb.ts).
  out.need(
    members >= 2 || spec.loadBalancer !== undefined,
    "nodes",
    `a cluster needs at least 2 nodes, found ${members}${members < spec.nodes.length ? " cluster members (real servers do not count)" : ""}`,
    "define at least two nodes (or leave nodes out for the seed's node01/node02)",
  );
  out.need(
    members <= MAX_CLUSTER_MEMBERS,
    "nodes",
    `a cluster of this lab holds at most ${MAX_CLUSTER_MEMBERS} members (corosync's supported size), found ${members}`,
    `define at most ${MAX_CLUSTER_MEMBERS} cluster members (real servers do not count)`,
  );
  spec.nodes.forEach((node, i) => {
    const p = `nodes[${i}]`;
    // A name that fits this entry: the seed names its nodes node01, node02, …
    const example = `node${String(i + 1).padStart(2, "0")}`;
    out.add(...checkHostLabel(`${p}.name`, node.name, "node name", example));
    out.need(
      node.name !== KVM_HOST,
      `${p}.name`,
      `${QUOTED(node.name)} is the name iscsi.host gives the KVM host`,
      `give the node another name (e.g. ${example})`,
    );
    out.need(
      LAB_DOMAIN_NAME.test(node.domainName),
      `${p}.domainName`,
      `${QUOTED(node.domainName)} is not a valid libvirt domain name`,
      `use up to 200 letters, digits, '-', '_' or '.', a letter, digit or '_' first (e.g. ${exampleLabName(spec)}-${example}), or leave domainName out`,
    );
    out.need(
      node.diskGiB >= spec.image.sizeGiB,
      `${p}.diskGiB`,
      `disk of ${node.diskGiB} GiB is smaller than the base image (image.sizeGiB = ${spec.image.sizeGiB})`,
      `set diskGiB to at least ${spec.image.sizeGiB}`,
    );
    for (const iface of node.interfaces) {
      const info = infos.get(iface.network);
      if (!info) continue;
      const ap = `${p}.addresses.${iface.network}`;
      if (iface.address === "") {
        out.add({
          path: ap,
          problem: `node ${node.name} has no address on network ${iface.network}: the derived one (host part ${FIRST_NODE_HOST_OFFSET + i}) lies outside ${info.net.cidr}`,
          fix: `add addresses.${iface.network}: ${hostRange(info)}`,
        });
      } else {
        out.add(...checkHostAddress(ap, iface.address, info, "address"));
      }
      const mp = `${p}.macs.${iface.network}`;
      if (!isMac(iface.mac)) {
        out.add({
          path: mp,
          problem: `${QUOTED(iface.mac)} is not a MAC address`,
          fix: "write six hex octets separated by ':' (e.g. 52:54:00:12:34:56), or leave it out to derive one",
        });
      } else {
        out.need(
          (parseInt(iface.mac.slice(0, 2), 16) & 1) === 0,
          mp,
          `${iface.mac} is a multicast MAC address`,
          "use a unicast MAC (even first octet), e.g. in QEMU's 52:54:00 prefix",
        );
      }
      out.need(
        !isHostLabel(node.name) || isHostLabel(iface.hostname),
        `${p}.name`,
        `host name ${QUOTED(iface.hostname)} on network ${iface.network} is not a valid host label (over 63 characters)`,
        `shorten the node name to at most 62 characters (e.g. ${example})`,
      );
    }
  });
  out.add(
    ...duplicateFields(spec.nodes, "nodes", [
      ["name", "node name", "give every node a unique name"],
      ["domainName", "libvirt domain name", "give every node a unique domainName (or leave it out)"],
    ]),
  );
  const macs = spec.nodes.flatMap((n, i) =>
    n.interfaces.map((f) => ({ mac: f.mac, path: `nodes[${i}].macs.${f.network}` })),
  );
  out.add(
    ...duplicates(
      macs,
      (m) => m.mac,
      (k) => macs[k].path,
      "MAC address",
      "give every NIC its own MAC address (or leave macs out to derive them)",
    ),
  );
  return out.list;
}

/** Every address and host name that goes into /etc/hosts or onto a NIC must be unique. */
export function checkAddressConflicts(spec: LabSpec): Problem[] {
  const claims: { address: string; path: string }[] = [];
  spec.nodes.forEach((n, i) =>
    n.interfaces.forEach((f) =>
      claims.push({ address: f.address, path: `nodes[${i}].addresses.${f.network}` }),
    ),
  );
  spec.reservedHosts.forEach((r, i) =>
    claims.push({ address: r.address, path: `reservedHosts[${i}].address` }),
  );
  spec.services.forEach((g, i) =>
    g.resources.forEach((r, j) => {
      if (r.kind === "ip")
        claims.push({ address: r.address, path: `services[${i}].resources[${j}].address` });
    }),
  );
  // Host names of a node (node01, node01m, node01h), once each, then the reserved ones.
  const uniqueNames: { name: string; path: string }[] = [];
  spec.nodes.forEach((n, i) =>
    [...new Set(n.interfaces.map((f) => f.hostname))].forEach((name) =>
      uniqueNames.push({ name, path: `nodes[${i}].name` }),
    ),
  );
  spec.reservedHosts.forEach((r, i) =>
    uniqueNames.push({ name: r.hostname, path: `reservedHosts[${i}].hostname` }),
  );
  return [
    ...duplicates(
      claims,
      (c) => (parseIpv4(c.address) === undefined ? "" : c.address),
      (k) => claims[k].path,
      "address",
      "give every node NIC, reserved host and service IP its own address",
    ),
    ...duplicates(
      uniqueNames,
      (n) => n.name,
      (k) => uniqueNames[k].path,
      "host name",
      "rename the node or reserved host so that every /etc/hosts name is unique",
    ),
  ];
}

/** Reserved /etc/hosts entries: valid host names and host addresses of a lab network. */
export function checkReservedHosts(spec: LabSpec): Problem[] {
  const out = new Problems();
  const infos = [...networkInfos(spec).values()];
  spec.reservedHosts.forEach((r, i) => {
    const p = `reservedHosts[${i}]`;
    out.add(...checkHostLabel(`${p}.hostname`, r.hostname, "host name", "node03"));
    const info = infos.find((n) => n.cidr && cidrContains(n.cidr, r.address));
    if (info) out.add(...checkHostAddress(`${p}.address`, r.address, info, "reserved address"));
    else {
      out.add({
        path: `${p}.address`,
        problem: `${QUOTED(r.address)} is not an address on any lab network`,
        fix: `use a host address inside one of ${spec.networks.map((n) => n.cidr).join(", ")}`,
      });
    }
  });
  return out.list;
}
