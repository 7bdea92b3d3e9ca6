/**
 * The pacemaker CIB as the cluster kinds read it: on a session already open (`cibOf`), or from the
 * first member that answers with one (`firstMemberCib`: a member down, or with pacemaker stopped,
 * is skipped — what `read` needs after a fence).
 */
import { firstAnswer, onNode, parseSections, type Runner } from "../../exec/node-exec";
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
