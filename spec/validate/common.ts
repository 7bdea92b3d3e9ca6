/**
 * Helpers shared by the checks of spec/validate: name and path checks, duplicate detection, and
 * the lab networks with their parsed CIDRs for address checks.
 */
import { DEFAULT_LAB_NAME } from "../defaults";
import { cidrContains, formatIpv4, parseCidr, parseIpv4 } from "../ipv4";
import type { Ipv4Cidr } from "../ipv4";
import { isHostLabel, isResourceId } from "../patterns";
import type { Problem } from "../problems";
import { networkWithRole } from "../queries";
import type { LabSpec, NetworkRole, NetworkSpec } from "../types";

/** A value as it appears in a problem: JSON-quoted. */
export const QUOTED = (s: string): string => JSON.stringify(s);

/** The lab's name for an example in a fix (`<lab>-node01`): the default one when the lab's is invalid. */
export function exampleLabName(spec: LabSpec): string {
  return isHostLabel(spec.name) ? spec.name : DEFAULT_LAB_NAME;
}

/**
 * A check of one value: `(path, value, what, example)` → a problem when `ok(value)` is false, else
 * none; `example` is a value that fits this very field (a lab name for `name`, a node name for
 * `nodes[0].name`), given in the fix.
 */
type ValueCheck = (path: string, value: string, what: string, example: string) => Problem[];

/** Makes a {@link ValueCheck} from a predicate, the problem's wording (`is not …`) and the fix's rule. */
function valueCheck(
  ok: (value: string) => boolean,
  isNot: (what: string) => string,
  rule: string,
): ValueCheck {
  return (path, value, what, example) =>
    ok(value) ? [] : [{ path, problem: `${QUOTED(value)} ${isNot(what)}`, fix: `${rule} (e.g. ${example})` }];
}

/** A problem for a name that is not an RFC 1123 host label, or none. */
export const checkHostLabel: ValueCheck = valueCheck(
  isHostLabel,
  (what) => `is not a valid ${what} (an RFC 1123 host label)`,
  "use 1–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
);

/** A problem for a name that is not a cluster resource id, or none. */
export const checkResourceId: ValueCheck = valueCheck(
  isResourceId,
  (what) => `is not a valid ${what}`,
  "use 1–63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
);

/** Reports every later occurrence of a value already seen, pointing at the first one. */
export function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  path: (index: number) => string,
  what: string,
  fix: string,
): Problem[] {
  const seen = new Map<string, number>();
  const out: Problem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === "") return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else out.push({ path: path(i), problem: `duplicate ${what} ${QUOTED(k)} (also at ${path(first)})`, fix });
  });
  return out;
}

/**
 * {@link duplicates} of several fields of the entries of a list field of the spec (e.g. `networks`),
 * field by field, each given as `[field, what, fix]`.
 */
export function duplicateFields<T>(
  items: readonly T[],
  list: string,
  fields: readonly (readonly [keyof T & string, string, string])[],
): Problem[] {
  return fields.flatMap(([field, what, fix]) =>
    duplicates(
      items,
      (item) => String(item[field]),
      (i) => `${list}[${i}].${field}`,
      what,
      fix,
    ),
  );
}

/** A lab network with its index in `networks` and, when its CIDR is well-formed, the parsed CIDR. */
export interface NetworkInfo {
  net: NetworkSpec;
  index: number;
  cidr?: Ipv4Cidr;
}

/** The lab networks by name (the first of each name), with their parsed CIDRs. */
export function networkInfos(spec: LabSpec): Map<string, NetworkInfo> {
  const m = new Map<string, NetworkInfo>();
  spec.networks.forEach((net, index) => {
    if (!m.has(net.name)) m.set(net.name, { net, index, cidr: parseCidr(net.cidr) });
  });
  return m;
}

/** The first lab network with a role, with its index and parsed CIDR, or undefined. */
export function networkByRole(spec: LabSpec, role: NetworkRole): NetworkInfo | undefined {
  const net = networkWithRole(spec.networks, role);
  if (net === undefined) return undefined;
  return { net, index: spec.networks.indexOf(net), cidr: parseCidr(net.cidr) };
}

/** The usable host addresses of a network, as a fix names them (`an address in a–b …`). */
export function hostRange(info: NetworkInfo): string {
  if (!info.cidr) return `an address inside ${info.net.cidr}`;
  const c = info.cidr;
  const gw = parseIpv4(info.net.gateway);
  const last = gw === c.broadcast - 1 ? c.broadcast - 2 : c.broadcast - 1;
  const first = gw === c.network + 1 ? c.network + 2 : c.network + 1;
  const gwInside = gw !== undefined && gw > first && gw < last;
  return `an address in ${formatIpv4(first)}–${formatIpv4(last)}${gwInside ? ` other than the gateway ${info.net.gateway}` : ""}`;
}

/**
 * Problems of one address that must be a host address of a network: malformed, outside the network,
 * the network or broadcast address, or (unless `allowGateway`) the network's gateway (the host).
 */
export function checkHostAddress(
  path: string,
  address: string,
  info: NetworkInfo,
  what: string,
  allowGateway = false,
): Problem[] {
  const a = parseIpv4(address);
  const where = `network ${info.net.name} (${info.net.cidr})`;
  if (a === undefined) {
    return [
      {
        path,
        problem: `${what} ${QUOTED(address)} is not an IPv4 address`,
        fix: `write a dotted-quad IPv4 address: ${hostRange(info)}`,
      },
    ];
  }
  const c = info.cidr;
  if (!c) return []; // the CIDR itself is reported elsewhere
  const fix = `use ${hostRange(info)}`;
  if (!cidrContains(c, a)) return [{ path, problem: `${what} ${address} is outside ${where}`, fix }];
  if (a === c.network)
    return [{ path, problem: `${what} ${address} is the network address of ${where}`, fix }];
  if (a === c.broadcast)
    return [{ path, problem: `${what} ${address} is the broadcast address of ${where}`, fix }];
  if (!allowGateway && address === info.net.gateway) {
    return [{ path, problem: `${what} ${address} is the gateway (the KVM host's address) of ${where}`, fix }];
  }
  return [];
}
