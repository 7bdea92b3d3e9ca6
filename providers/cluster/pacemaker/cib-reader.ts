/**
 * The pacemaker CIB as the cluster kinds read it: on a session already open (`cibOf`), or from the
 * first member that answers with one (`firstMemberCib`: a member down, or with pacemaker stopped,
 * is skipped — what `read` needs after a fence).
 */
import { progress } from "../../exec/host-exec";
import {
  explained,
  firstAnswer,
  onNode,
  parseSections,
  runCommands,
  type Runner,
} from "../../exec/node-exec";
import { parseCib, type CibState } from "./cib";
import type { SshEndpoint } from "../../core/endpoints";

/** The CIB over an open session (fails when pacemaker does not answer there). */
export async function cibOf(run: Runner): Promise<CibState> {
  return parseCib((await run("cibadmin --query", { timeoutSeconds: 60 })).stdout);
}

/** The CIB over an open session, or `undefined` when pacemaker does not answer there (stopped). */
export async function cibIfAnswering(run: Runner): Promise<CibState | undefined> {
  const state = (await run('echo "== cib"; cibadmin --query 2>/dev/null || true', { timeoutSeconds: 60 }))
    .stdout;
  const cibText = (parseSections(state).cib ?? []).join("\n").trim();
  return cibText.startsWith("<") ? parseCib(cibText) : undefined;
}

/** The CIB of the first member that has one, or `undefined` when none answers. */
export async function firstMemberCib(
  nodes: SshEndpoint[],
  privateKey: string,
): Promise<CibState | undefined> {
  return firstAnswer(nodes, (node) => onNode(node, privateKey, cibIfAnswering));
}

/** Whether the CIB holds a resource (primitive, fence device, group or clone) of this id. */
export function cibHolds(cib: CibState, id: string): boolean {
  return [...cib.primitives, ...cib.groups, ...cib.clones].some((r) => r.id === id);
}

/** What {@link removeFromCib} removes, and how. */
export interface CibRemoval {
  /** What the messages call it (`STONITH kvmhost01`, `service group service01`). */
  what: string;
  /** The members, tried in order. */
  nodes: SshEndpoint[];
  privateKey: string;
  /** The resource ids, in deletion order. */
  ids: readonly string[];
  /** The pcs argv deleting one id (pcs also deletes the constraints that name it). */
  argvOf: (id: string) => string[];
}

/**
 * Removes resources from the CIB, checked: on the first member whose pacemaker answers, each id the
 * CIB holds is deleted (pcs's failure fails the delete with its words), and the CIB read again must
 * hold none of them. Members reached with pacemaker answering on none fail the delete: the
 * resources would come back with the cluster. No member reachable at all: they go with the
 * cluster's nodes (said as progress).
 */
export async function removeFromCib(r: CibRemoval): Promise<void> {
  let reached = false;
  const removed = await firstAnswer(r.nodes, (node) =>
    onNode(node, r.privateKey, (run) =>
      explained(node.address, async () => {
        reached = true;
        const before = await cibIfAnswering(run);
        if (before === undefined) return undefined;
        const held = r.ids.filter((id) => cibHolds(before, id));
        if (held.length === 0) return true;
        await runCommands(run, held.map(r.argvOf), { timeoutSeconds: 300 });
        const after = await cibIfAnswering(run);
        const left = after === undefined ? held : held.filter((id) => cibHolds(after, id));
        if (left.length > 0) {
          throw new Error(
            `${r.argvOf(left[0]).join(" ")} succeeded, but the CIB ${after === undefined ? "could not be read after it" : `still holds ${left.join(", ")}`}. ` +
              "Fix: see pcs status on a node, then run pulumi destroy again",
          );
        }
        return true;
      }),
    ),
  );
  if (removed !== undefined) return;
  if (reached) {
    throw new Error(
      `${r.what}: pacemaker answers on no member, so it cannot be removed from the CIB. ` +
        "Fix: start the cluster (pcs cluster start --all on a node), then run pulumi destroy again",
    );
  }
  progress(`${r.what}: no member reachable at delete: it goes with the cluster's nodes`);
}
