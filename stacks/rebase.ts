/**
 * Moving a lab description's addresses from one set of networks to another: promotion gives the
 * target environment address ranges of its own, and every address the description names (node
 * addresses, VIPs, the fence address, ping targets, reserved hosts, …) follows its network there,
 * keeping its host number (192.168.7.99 on 192.168.7.0/24 → 192.168.27.99 on 192.168.27.0/24).
 */
import { addressAt, cidrContains, formatIpv4, parseCidr, parseIpv4, type Ipv4Cidr } from "../spec/ipv4";

/** One network's move: from the source's range to the target's. */
export interface NetworkMove {
  from: string;
  to: string;
}

/** An address, alone or with a prefix length (`/24`) or a port (`:80`) after it. */
const ADDRESS_TEXT = /^(\d{1,3}(?:\.\d{1,3}){3})((?:\/\d{1,2}|:\d{1,5})?)$/;

/** `text` moved into the target range of the move whose source range holds it; else unchanged. */
function moveAddress(text: string, moves: readonly (readonly [Ipv4Cidr, Ipv4Cidr])[]): string {
  const m = ADDRESS_TEXT.exec(text);
  const address = m === null ? undefined : parseIpv4(m[1]);
  if (m === null || address === undefined) return text;
  const move = moves.find(([from]) => cidrContains(from, address));
  const moved = move === undefined ? undefined : addressAt(move[1], address - move[0].network);
  return moved === undefined ? text : `${formatIpv4(moved)}${m[2]}`;
}

function moveAll(value: unknown, moves: readonly (readonly [Ipv4Cidr, Ipv4Cidr])[]): unknown {
  if (typeof value === "string") return moveAddress(value, moves);
  if (Array.isArray(value)) return value.map((v) => moveAll(v, moves));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, moveAll(v, moves)]));
  }
  return value;
}

/**
 * `value` with every string that is an address inside one of the moves' source ranges (alone, or
 * followed by `/prefix` or `:port`) moved to the same host number of that move's target range.
 * Other strings, keys and other values are left as they are; so is an address whose host number
 * the target range cannot hold (the lab's validation then names it).
 */
export function rebaseAddresses<T>(value: T, moves: readonly NetworkMove[]): T {
  const parsed = moves.flatMap((m) => {
    const from = parseCidr(m.from);
    const to = parseCidr(m.to);
    return from === undefined || to === undefined ? [] : [[from, to] as const];
  });
  return moveAll(value, parsed) as T;
}
