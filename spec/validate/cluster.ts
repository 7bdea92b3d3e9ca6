/** Checks of the cluster (quorum, corosync links, transport, properties) and its fence devices. */
import { DEFAULT_FENCE_IDENTITY_FILE } from "../defaults";
import { CONTROL_CHARACTER, LAB_USER_NAME, OPTION_NAME } from "../patterns";
import { Problems, type Problem } from "../problems";
import { clusterMembers, hasSharedData } from "../queries";
import type { LabSpec } from "../types";
import {
  QUOTED,
  checkHostAddress,
  checkHostLabel,
  duplicateFields,
  duplicates,
  networkByRole,
} from "./common";
import { checkLabPath } from "./paths";

/** pcs `name=value` options (properties, resource defaults): option names, one-line non-empty values. */
function checkOptions(
  field: string,
  options: Readonly<Record<string, string>>,
  exampleName: string,
  exampleValue: string,
): Problem[] {
  const out = new Problems();
  for (const [name, value] of Object.entries(options)) {
    out.need(
      OPTION_NAME.test(name),
      `${field}.${name}`,
      `${QUOTED(name)} is not an option name`,
      `use letters, digits, '-' and '_', starting with a letter (e.g. ${exampleName})`,
    );
    out.need(
      value !== "" && !CONTROL_CHARACTER.test(value),
      `${field}.${name}`,
      `${QUOTED(value)} is not a one-line value`,
      `give a value on one line (e.g. ${exampleName}: ${exampleValue}), or leave the option out`,
    );
  }
  return out.list;
}

/** Cluster: quorum (two_node), links, transport, properties, STONITH against shared data. */
export function checkCluster(spec: LabSpec): Problem[] {
  const out = new Problems();
  const c = spec.cluster;
  const n = clusterMembers(spec.nodes).length;
  out.add(...checkHostLabel("cluster.name", c.name, "cluster name", "cluster01"));
  // cman's cluster.conf takes 15 characters, corosync 3's cluster_name (through pcs) 32.
  const longest = c.stack === "cman" ? 15 : 32;
  out.need(
    c.name.length <= longest,
    "cluster.name",
    `${c.stack} allows cluster names of at most ${longest} characters, ${QUOTED(c.name)} has ${c.name.length}`,
    "use a shorter name (e.g. cluster01)",
  );
  out.add(...checkOptions("cluster.properties", c.properties, "no-quorum-policy", "stop"));
  out.add(...checkOptions("cluster.resourceDefaults", c.resourceDefaults, "resource-stickiness", "100"));
  out.need(
    n !== 2 || c.twoNode,
    "cluster.twoNode",
    "a two-node cluster loses quorum when one node fails unless two_node is set",
    "set cluster.twoNode: true, or add a third node",
  );
  out.need(
    n === 2 || !c.twoNode,
    "cluster.twoNode",
    `two_node is only valid with exactly 2 nodes, there are ${n}`,
    "set cluster.twoNode: false (quorum then needs a majority of the nodes)",
  );
  out.need(
    c.links.length > 0,
    "cluster.links",
    "the cluster has no corosync link",
    "list at least one network, heartbeat first (e.g. [heartbeat, management])",
  );
  const names = spec.networks.map((net) => net.name);
  c.links.forEach((l, i) => {
    out.need(
      names.includes(l),
      `cluster.links[${i}]`,
      `no network named ${QUOTED(l)}`,
      `use one of ${names.join(", ")}`,
    );
  });
  out.add(
    ...duplicates(
      c.links,
      (l) => l,
      (i) => `cluster.links[${i}]`,
      "link network",
      "list every network at most once",
    ),
  );
  const mgmt = networkByRole(spec, "management");
  if (mgmt && c.links.length > 0 && c.links.every((l) => l === mgmt.net.name)) {
    out.add({
      path: "cluster.links",
      problem: `the only corosync link is the management network ${mgmt.net.name}, which fencing also uses: a lost heartbeat would leave no path to fence`,
      fix: "put a heartbeat (or service) network first in cluster.links",
    });
  }
  if (c.stack === "cman") {
    out.need(
      c.transport !== "knet",
      "cluster.transport",
      "knet is corosync 3 only; cman (corosync 1) cannot use it",
      "set cluster.transport to udpu or udp",
    );
    out.need(
      c.links.length <= 2,
      "cluster.links",
      `cman supports at most 2 rings, ${c.links.length} links are listed`,
      "list at most 2 networks",
    );
  } else {
    out.need(
      c.transport === "knet" || c.links.length <= 1,
      "cluster.transport",
      `corosync 3 supports only one link with transport ${c.transport}`,
      "set cluster.transport: knet, or list a single network in cluster.links",
    );
    out.need(
      c.links.length <= 8,
      "cluster.links",
      "knet supports at most 8 links",
      "list at most 8 networks",
    );
  }
  const stonith = c.properties["stonith-enabled"];
  out.need(
    stonith === "true" || stonith === "false",
    "cluster.properties.stonith-enabled",
    `${QUOTED(stonith)} is not a boolean`,
    "set it to true or false",
  );
  const nqp = c.properties["no-quorum-policy"];
  out.need(
    ["stop", "freeze", "ignore", "demote", "suicide"].includes(nqp),
    "cluster.properties.no-quorum-policy",
    `${QUOTED(nqp)} is not a no-quorum-policy`,
    "use stop (default), freeze, ignore, demote or suicide",
  );
  if (stonith === "false" && !c.allowNoStonithWithSharedData) {
    const shared = spec.services.findIndex(hasSharedData);
    if (shared >= 0) {
      out.add({
        path: "cluster.properties.stonith-enabled",
        problem: `STONITH is disabled while service group ${spec.services[shared].name} (services[${shared}]) holds shared data: a split brain would corrupt it`,
        fix: "set stonith-enabled to true and keep a fence device, or for a throwaway lab set cluster.allowNoStonithWithSharedData: true",
      });
    }
  }
  out.need(
    stonith !== "true" || spec.fencing.length > 0,
    "fencing",
    "STONITH is enabled but no fence device is defined",
    "add a fence device (e.g. {name: kvmhost01}) or leave fencing out for the default one",
  );
  return out.list;
}

/** Fence devices: names, addresses on the management network, key path. */
export function checkFencing(spec: LabSpec): Problem[] {
  const out = new Problems();
  const mgmt = networkByRole(spec, "management");
  spec.fencing.forEach((f, i) => {
    const p = `fencing[${i}]`;
    out.add(...checkHostLabel(`${p}.name`, f.name, "fence device name", "kvmhost01"));
    if (mgmt) out.add(...checkHostAddress(`${p}.ipaddr`, f.ipaddr, mgmt, "fence address", true));
    const node = spec.nodes.find((n) => n.interfaces.some((nic) => nic.address === f.ipaddr));
    if (node !== undefined) {
      out.add({
        path: `${p}.ipaddr`,
        problem: `fence address ${f.ipaddr} is node ${node.name}'s own address: fence_virsh must reach the KVM host`,
        fix: `use the KVM host's address (e.g. ${spec.host.address}), or leave ipaddr out`,
      });
    }
    out.need(
      LAB_USER_NAME.test(f.login),
      `${p}.login`,
      `${QUOTED(f.login)} is not a user name`,
      "use e.g. root",
    );
    out.add(
      ...checkLabPath(`${p}.identityFile`, f.identityFile, "key path", "file", DEFAULT_FENCE_IDENTITY_FILE),
    );
  });
  out.add(
    ...duplicateFields(spec.fencing, "fencing", [
      ["name", "fence device name", "give every fence device a unique name"],
    ]),
  );
  return out.list;
}
