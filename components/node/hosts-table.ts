/**
 * The lab's /etc/hosts table (seeds 000/003): every node's name on every network, plus the names
 * reserved for nodes that do not exist yet. Names always map to real addresses, never 127.0.0.1.
 */
import type { LabSpec } from "../../spec/types";
import type { HostsEntry } from "../../providers/node/cloud-init-disk";

/** The /etc/hosts lines of a lab, one per address, in node then network order, reserved last. */
export function hostsTable(spec: Pick<LabSpec, "nodes" | "reservedHosts">): HostsEntry[] {
  const byAddress = new Map<string, string[]>();
  const add = (address: string, hostname: string): void => {
    const names = byAddress.get(address) ?? [];
    if (!names.includes(hostname)) names.push(hostname);
    byAddress.set(address, names);
  };
  for (const node of spec.nodes) for (const nic of node.interfaces) add(nic.address, nic.hostname);
  for (const reserved of spec.reservedHosts) add(reserved.address, reserved.hostname);
  return [...byAddress].map(([address, names]) => ({ address, names }));
}
