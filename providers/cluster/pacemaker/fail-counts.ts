/**
 * Resources kept off a node by a past failure. A failed start sets the resource's fail count on
 * that node to INFINITY (pacemaker's start-failure-is-fatal), and so does reaching its
 * migration-threshold: from then on pacemaker never places it there again until the failure is
 * cleaned up — a two-node cluster has silently lost its failover. Found live: ldirectord's start
 * timed out once on the second director during the converge, and when the first was destroyed
 * the group came up there without ldirectord. Such a ban is drift (`read` shows it, with the node
 * and the failed operation), and the repair is `pcs resource cleanup` of that resource on that node.
 */
import type { CibState } from "./cib";

/** A resource of the set banned from a node. */
export interface Ban {
  resource: string;
  node: string;
  /** The operation that failed (empty when pacemaker did not record it). */
  operation: string;
}

/** Pacemaker's score for "infinite", which a numeric fail count can also reach. */
const SCORE_INFINITY = 1_000_000;

/** Whether a fail count bans its resource from the node. */
function bans(value: string): boolean {
  return /^\+?INFINITY$/i.test(value) || Number(value) >= SCORE_INFINITY;
}

/** The resources among `ids` that a fail count bans from a node, one entry per resource and node. */
export function bansOf(cib: CibState, ids: readonly string[]): Ban[] {
  const found = new Map<string, Ban>();
  for (const f of cib.failCounts) {
    if (!ids.includes(f.resource) || !bans(f.value)) continue;
    const key = `${f.resource}\n${f.node}`;
    if (!found.has(key)) found.set(key, { resource: f.resource, node: f.node, operation: f.operation });
  }
  return [...found.values()];
}

/** A ban as a drift line. */
export function banLine(b: Ban): string {
  const op = b.operation === "" ? "" : ` (its ${b.operation} failed)`;
  return `${b.resource} on ${b.node}: banned by a failure${op} → cleaned up`;
}

/** The pcs command that lifts a ban. */
export function cleanupArgv(b: Ban): string[] {
  return ["pcs", "resource", "cleanup", b.resource, `node=${b.node}`];
}
