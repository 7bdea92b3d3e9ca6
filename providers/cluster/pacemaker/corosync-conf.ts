/**
 * Parser of /etc/corosync/corosync.conf (corosync 3, as pcs 0.11 writes it with `pcs cluster
 * setup`): nested `name {` … `}` sections holding `key: value` lines, one item per line, `#`
 * comments on lines of their own (corosync.conf(5): "Empty lines and lines starting with #
 * character are ignored").
 *
 * Shapes worth knowing:
 * - A value runs from the first `:` to the end of the line, so IPv6 addresses and values holding
 *   `:` survive (`ring0_addr: fe80::1`).
 * - Sections repeat (`node` in `nodelist`, `interface` in `totem`): {@link CorosyncSection.sections}
 *   keeps every occurrence in file order. A repeated key keeps its last value, as corosync does.
 * - pcs writes one `ringN_addr` per knet link (link N), `name` and `nodeid` per node; with exactly
 *   two nodes (and no quorum device) it writes `two_node: 1` in `quorum` by itself.
 */

/** One section of corosync.conf (the file itself is the unnamed top section). */
export interface CorosyncSection {
  /** `key: value` items of this section. */
  values: Record<string, string>;
  /** Sub-sections by name, each name's occurrences in file order. */
  sections: Record<string, CorosyncSection[]>;
}

/** A `nodelist.node` entry. */
export interface CorosyncNode {
  /** `name`, or `ring0_addr` when the node has no name. */
  name: string;
  nodeid: number;
  /** ring0_addr, ring1_addr, … (link 0 first). */
  addrs: string[];
}

/** What the providers read from corosync.conf. */
export interface CorosyncConf {
  /** totem.cluster_name. */
  clusterName?: string;
  /** totem.cluster_uuid (pcs ≥ 0.11.3 writes one unless set up with --no-cluster-uuid). */
  clusterUuid?: string;
  /** totem.transport (`knet`, `udpu`, `udp`). */
  transport?: string;
  /** totem.token in ms. */
  token?: number;
  nodes: CorosyncNode[];
  /** quorum.two_node is 1. */
  twoNode: boolean;
  /** The whole file. */
  raw: CorosyncSection;
}

/** A section while it is being read. */
interface OpenSection {
  name: string;
  line: number;
  values: [string, string][];
  sections: [string, CorosyncSection][];
}

function closeSection(open: OpenSection): CorosyncSection {
  const names = open.sections.map(([name]) => name).filter((name, i, all) => all.indexOf(name) === i);
  // fromEntries defines own properties, so no key of the file can reach the prototype.
  return {
    values: Object.fromEntries(open.values),
    sections: Object.fromEntries(
      names.map((name) => [name, open.sections.filter(([n]) => n === name).map(([, s]) => s)]),
    ),
  };
}

/** Parses the text of a corosync.conf into nested sections; throws naming the line it cannot read. */
export function parseCorosyncSections(text: string): CorosyncSection {
  const stack: OpenSection[] = [{ name: "", line: 0, values: [], sections: [] }];
  text.split("\n").forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const top = stack[stack.length - 1];
    const open = /^([^\s{}:#][^{}:]*?)\s*\{$/.exec(line);
    if (open?.[1] !== undefined) {
      stack.push({ name: open[1], line: lineNo, values: [], sections: [] });
      return;
    }
    if (line === "}") {
      if (stack.length === 1) throw new Error(`corosync.conf line ${lineNo}: "}" closes no section`);
      const done = stack.pop() as OpenSection;
      stack[stack.length - 1]?.sections.push([done.name, closeSection(done)]);
      return;
    }
    const item = /^([^\s{}:#][^\s{}:]*)\s*:\s*(.*)$/.exec(line);
    if (item?.[1] !== undefined && item[2] !== undefined && top !== undefined) {
      top.values.push([item[1], item[2].trim()]);
      return;
    }
    throw new Error(
      `corosync.conf line ${lineNo}: ${JSON.stringify(line)} is neither "key: value", "name {" nor "}"`,
    );
  });
  if (stack.length > 1) {
    const unclosed = stack[stack.length - 1] as OpenSection;
    throw new Error(`corosync.conf line ${unclosed.line}: section "${unclosed.name}" is never closed`);
  }
  return closeSection(stack[0] as OpenSection);
}

/** A whole-number value, or `undefined`. */
function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Parses corosync.conf: cluster name and UUID, transport, token, the node list (name, nodeid, one
 * address per link) and two_node, plus the whole file as {@link CorosyncConf.raw}. Throws when the
 * file does not parse or a node has no valid nodeid (knet requires one).
 */
export function parseCorosyncConf(text: string): CorosyncConf {
  const raw = parseCorosyncSections(text);
  const totem = raw.sections["totem"]?.[0]?.values ?? {};
  const quorum = raw.sections["quorum"]?.[0]?.values ?? {};
  const nodes = (raw.sections["nodelist"]?.[0]?.sections["node"] ?? []).map((node, i): CorosyncNode => {
    const v = node.values;
    const nodeid = integer(v["nodeid"]);
    if (nodeid === undefined) {
      throw new Error(
        `corosync.conf: nodelist node ${i + 1} (${v["name"] ?? v["ring0_addr"] ?? "unnamed"}) has no valid nodeid`,
      );
    }
    const rings = Object.keys(v)
      .map((key) => /^ring(\d+)_addr$/.exec(key)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    return {
      name: v["name"] ?? v["ring0_addr"] ?? "",
      nodeid,
      addrs: rings.map((n) => v[`ring${n}_addr`] ?? ""),
    };
  });
  const token = integer(totem["token"]);
  return {
    ...(totem["cluster_name"] !== undefined ? { clusterName: totem["cluster_name"] } : {}),
    ...(totem["cluster_uuid"] !== undefined ? { clusterUuid: totem["cluster_uuid"] } : {}),
    ...(totem["transport"] !== undefined ? { transport: totem["transport"] } : {}),
    ...(token !== undefined ? { token } : {}),
    nodes,
    twoNode: quorum["two_node"] === "1",
    raw,
  };
}
