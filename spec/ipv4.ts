/**
 * Small, pure IPv4 and CIDR helpers (IPv4 only). Addresses are handled as unsigned 32-bit numbers.
 * Every parser returns `undefined` on malformed input instead of throwing, so validation can
 * collect all problems before reporting them.
 */

/** A parsed IPv4 network in CIDR notation. */
export interface Ipv4Cidr {
  /** The address as written (may have host bits set; see {@link Ipv4Cidr.network}). */
  address: number;
  /** Prefix length, 0–32. */
  prefix: number;
  /** Network address (address with the host bits cleared). */
  network: number;
  /** Broadcast address (address with the host bits set). */
  broadcast: number;
}

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** Parses dotted-quad IPv4 (`192.168.7.121`) into an unsigned 32-bit number; `undefined` if malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/** Formats an unsigned 32-bit number as dotted-quad IPv4. */
export function formatIpv4(value: number): string {
  const v = value >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

/** The netmask of a prefix length as an unsigned 32-bit number (`24` → 255.255.255.0). */
export function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Dotted-quad netmask of a prefix length (`24` → `255.255.255.0`). */
export function prefixToNetmask(prefix: number): string {
  return formatIpv4(prefixToMask(prefix));
}

/** Parses `a.b.c.d/nn`; `undefined` if malformed. Host bits may be set (check `address === network`). */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return undefined;
  const address = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (address === undefined || prefix > 32 || String(prefix) !== m[2]) return undefined;
  const mask = prefixToMask(prefix);
  const network = (address & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  return { address, prefix, network, broadcast };
}

/** Canonical text of a network (`192.168.7.0/24`). */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** True when `address` (a number or dotted quad) lies inside `cidr`, network and broadcast included. */
export function cidrContains(cidr: Ipv4Cidr, address: number | string): boolean {
  const a = typeof address === "string" ? parseIpv4(address) : address;
  return a !== undefined && (a & prefixToMask(cidr.prefix)) >>> 0 === cidr.network;
}

/** True when two networks share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}

/** First usable host address (network + 1); for /31 and /32 the network address itself. */
export function firstHost(cidr: Ipv4Cidr): number {
  return cidr.prefix >= 31 ? cidr.network : (cidr.network + 1) >>> 0;
}

/** Broadcast address of a network. */
export function broadcastAddress(cidr: Ipv4Cidr): number {
  return cidr.broadcast;
}

/**
 * The address `offset` places after the network address (`192.168.7.0/24`, 121 → 192.168.7.121),
 * or `undefined` when it falls outside the network.
 */
export function addressAt(cidr: Ipv4Cidr, offset: number): number | undefined {
  const a = cidr.network + offset;
  return a >= cidr.network && a <= cidr.broadcast ? a >>> 0 : undefined;
}
