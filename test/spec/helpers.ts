/**
 * Shared helpers of the lab model tests: rejected configs and their fixes, a change written over a
 * lab, explicit nodes and networks.
 */
import { LabSpecError, parseLabSpec } from "../../spec";
import type { LabConfigInput, LabSpec } from "../../spec";

/** Problem lines of a rejected config (throws if the config is accepted). */
export function problemsOf(raw: unknown): string[] {
  try {
    parseLabSpec(raw);
  } catch (e) {
    if (e instanceof LabSpecError) {
      const lines = e.message.split("\n");
      expect(lines.slice(1)).toHaveLength(e.problems.length);
      return lines.slice(1);
    }
    throw e;
  }
  throw new Error("expected the lab configuration to be rejected, but it was accepted");
}

/**
 * The problem line of a rejected config at `path` that `matches`, failing the test (with every
 * problem found) when there is none.
 */
function problemAt(raw: unknown, path: string, what: string, matches: (line: string) => boolean): string {
  const lines = problemsOf(raw);
  const line = lines.find((l) => l.startsWith(`${path}: `) && matches(l));
  if (line === undefined) throw new Error(`no problem at ${path} ${what}; got:\n${lines.join("\n")}`);
  return line;
}

/** The fix of a problem line (`… Fix: <fix>`), or undefined when the line has none. */
const fixOf = (line: string): string | undefined => line.split(". Fix: ")[1];

/** Asserts that a problem is reported at `path`, with `problem` in its text and `fix` in its fix. */
export function expectRejected(
  raw: LabConfigInput | unknown,
  path: string,
  problem: string,
  fix: string,
): string {
  const line = problemAt(raw, path, `mentioning ${JSON.stringify(problem)}`, (l) => l.includes(problem));
  expect(fixOf(line)).toBeDefined();
  expect(fixOf(line)).toContain(fix);
  return line;
}

/** Asserts that a problem is reported at `path` whose fix (after "Fix:") contains `fix`; returns its line. */
export function expectFix(raw: LabConfigInput | unknown, path: string, fix: string): string {
  return problemAt(raw, path, `with a fix mentioning ${JSON.stringify(fix)}`, (l) =>
    (fixOf(l) ?? "").includes(fix),
  );
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A lab description with a change written over it: objects are merged key by key (a change to
 * `gluster.mountPoint` keeps the other `gluster` fields), anything else — arrays included — is
 * replaced. Neither argument is modified.
 */
export function labWith(base: unknown, change: unknown): unknown {
  if (!isPlain(base) || !isPlain(change)) return change === undefined ? base : change;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(change)) out[key] = labWith(base[key], value);
  return out;
}

/** A `nodes` entry with its addresses written out (the lab model derives those an entry leaves out). */
type NodeEntry = NonNullable<LabConfigInput["nodes"]>[number] & { addresses: Record<string, string> };

/**
 * Explicit nodes on the default networks, `n` of them at .121, .122, … (as a user writes the
 * seed's nodes out); `fields` adds fields to the node at an index (`{ 1: { memoryMiB: 1536 } }`).
 */
export function nodes(n: number, fields: Record<number, Partial<NodeEntry>> = {}): NodeEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `node0${i + 1}`,
    ...fields[i],
    addresses: {
      service: `192.168.7.${121 + i}`,
      management: `192.168.8.${121 + i}`,
      heartbeat: `192.168.9.${121 + i}`,
    },
  }));
}

/** The default three networks (service, management, heartbeat) with the given CIDRs. */
export const nets = (cidrs: [string, string, string]) => [
  { name: "service", role: "service" as const, cidr: cidrs[0] },
  { name: "management", role: "management" as const, cidr: cidrs[1] },
  { name: "heartbeat", role: "heartbeat" as const, cidr: cidrs[2] },
];

/** A node's interface on a network (by node index), failing the test when it has none. */
export function iface(spec: LabSpec, node: number, network: string) {
  const f = spec.nodes[node].interfaces.find((x) => x.network === network);
  if (!f) throw new Error(`no interface on ${network}`);
  return f;
}
