/**
 * Parser of `ip -j -4 addr show` (iproute2 6.1): a JSON list of links, each with `ifname`,
 * `operstate` and `addr_info` entries (`family`, `local`, `prefixlen`, `label`); a link without an
 * IPv4 address is an empty object.
 */
import { z } from "zod";

/** One IPv4 address of a node. */
export interface NodeAddress {
  /** Interface name (`enp0s2`, `lo`). */
  ifname: string;
  /** `UP`, `DOWN`, `UNKNOWN` (loopback). */
  operstate: string;
  /** The address, without prefix. */
  address: string;
  prefixlen: number;
}

function schema() {
  return z.array(
    z.object({
      // `ip -4` prints a link without an IPv4 address as `{}`.
      ifname: z.string().optional(),
      operstate: z.string().optional(),
      addr_info: z
        .array(
          z.object({ family: z.string().optional(), local: z.string(), prefixlen: z.number() }).passthrough(),
        )
        .optional(),
    }),
  );
}

/** Every IPv4 address of `ip -j -4 addr show`; throws when the text is not that JSON. */
export function parseIpAddresses(text: string): NodeAddress[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim() === "" ? "[]" : text);
  } catch (err) {
    throw new Error(`ip -j addr printed no JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema().safeParse(raw);
  if (!parsed.success) throw new Error(`ip -j addr: unexpected shape (${parsed.error.issues[0]?.message})`);
  return parsed.data.flatMap((link) =>
    (link.addr_info ?? [])
      .filter((a) => a.family === undefined || a.family === "inet")
      .map((a) => ({
        ifname: link.ifname ?? "",
        operstate: link.operstate ?? "UNKNOWN",
        address: a.local,
        prefixlen: a.prefixlen,
      })),
  );
}
