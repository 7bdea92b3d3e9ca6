/** Shared helpers of the lab model tests: rejected configs, explicit nodes and networks. */
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

/** Asserts that a problem is reported at `path`, with `problem` in its text and `fix` in its fix. */
export function expectRejected(
  raw: LabConfigInput | unknown,
  path: string,
  problem: string,
  fix: string,
): string {
  const lines = problemsOf(raw);
  const line = lines.find((l) => l.startsWith(`${path}: `) && l.includes(problem));
  if (line === undefined) {
    throw new Error(`no problem at ${path} mentioning ${JSON.stringify(problem)}; got:\n${lines.join("\n")}`);
  }
  const [, fixText] = line.split(". Fix: ");
  expect(fixText).toBeDefined();
  expect(fixText).toContain(fix);
  return line;
}

type NodeEntry = NonNullable<LabConfigInput["nodes"]>[number];

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
