/**
 * Parser of `corosync-cmapctl -m stats stats.knet.` (corosync 3.1, knet transport): the stats map
 * has a key `stats.knet.node<ID>.link<N>.connected (u8) = 0|1` per node and link, as seen from the
 * node that answers (its own entry is its loopback link). Other keys of the prefix are ignored.
 */

/** Node id → link number → connected, as one node sees its peers. */
export type KnetLinks = Record<number, Record<number, boolean>>;

const CONNECTED = /^stats\.knet\.node(\d+)\.link(\d+)\.connected \(u8\) = (\d+)$/;

/** The `connected` flags of the knet stats; `{}` when corosync does not run (no output). */
export function parseKnetLinks(text: string): KnetLinks {
  const links: KnetLinks = {};
  for (const line of text.split("\n")) {
    const m = CONNECTED.exec(line.trim());
    if (m === null) continue;
    const node = Number(m[1]);
    links[node] = { ...(links[node] ?? {}), [Number(m[2])]: m[3] !== "0" };
  }
  return links;
}
