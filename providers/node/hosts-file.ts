/**
 * /etc/hosts of a lab node (seeds 000/003): the loopback lines, then every lab name on its real
 * address. A node's own names never map to 127.0.1.1 (or any loopback address): corosync and
 * GlusterFS resolve them and must find the cluster networks (seed 003).
 */
import type { HostsEntry } from "./cloud-init-disk";
import { parseIpv4 } from "../../spec/ipv4";

/** Lines every node's /etc/hosts starts with (loopback names only, never a lab name). */
export const LOOPBACK_HOSTS: readonly HostsEntry[] = [
  { address: "127.0.0.1", names: ["localhost"] },
  { address: "::1", names: ["localhost", "ip6-localhost", "ip6-loopback"] },
];

/** First line of the file: who writes it. */
export const HOSTS_FILE_HEADER = "# /etc/hosts of a kvm-ha-lab node, written by cloud-init; do not edit.";

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// An array, not a Set: module-level Sets do not survive Pulumi's serialisation of a provider.
const RESERVED_NAMES: readonly string[] = LOOPBACK_HOSTS.flatMap((e) => e.names);

/** The lab entries checked and merged per address, sorted by address (numerically). */
function labLines(entries: readonly HostsEntry[]): { address: string; names: string[] }[] {
  const byAddress = new Map<number, { address: string; names: string[] }>();
  const addressOfName = new Map<string, string>();
  for (const entry of entries) {
    const value = parseIpv4(entry.address);
    if (value === undefined) throw new Error(`hosts entry: "${entry.address}" is not an IPv4 address`);
    if (value >>> 24 === 127) {
      throw new Error(`hosts entry ${entry.address}: lab names must not map to a loopback address`);
    }
    if (entry.names.length === 0) throw new Error(`hosts entry ${entry.address}: no names`);
    const line = byAddress.get(value) ?? { address: entry.address, names: [] };
    for (const name of entry.names) {
      if (!HOST_NAME.test(name))
        throw new Error(`hosts entry ${entry.address}: "${name}" is not a host name`);
      if (RESERVED_NAMES.includes(name))
        throw new Error(`hosts entry ${entry.address}: "${name}" is reserved`);
      const known = addressOfName.get(name);
      if (known !== undefined && known !== entry.address) {
        throw new Error(`hosts entry: "${name}" maps to both ${known} and ${entry.address}`);
      }
      addressOfName.set(name, entry.address);
      if (!line.names.includes(name)) line.names.push(name);
    }
    byAddress.set(value, line);
  }
  return [...byAddress].sort(([a], [b]) => a - b).map(([, line]) => line);
}

/**
 * Renders /etc/hosts: a header, the loopback lines, then one line per lab address (`address<TAB>names`),
 * sorted by address so the output does not depend on the order of `entries`; names keep their order.
 * Entries for the same address are merged. Throws on a malformed or loopback address, a malformed
 * or reserved name (`localhost`, …), or a name given two addresses.
 */
export function renderHostsFile(entries: readonly HostsEntry[]): string {
  const lines = [...LOOPBACK_HOSTS, ...labLines(entries)].map((e) => `${e.address}\t${e.names.join(" ")}`);
  return [HOSTS_FILE_HEADER, ...lines, ""].join("\n");
}
