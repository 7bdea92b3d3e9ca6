/**
 * Gathering the live facts of a lab: the probes of operator/status/probes.ts run on the KVM host
 * (the host runner, in the lab's network namespace where scripts/lab.sh runs this) and on the nodes
 * (the SSH runner, as root with the program's key), all read-only, the nodes in parallel, with short
 * timeouts so that a dead node costs seconds, not minutes. operator/status/assemble.ts turns the
 * answers into facts.
 */
import { tgtControlPort } from "../../components/storage/iscsi-target";
import { runOnHost } from "../../providers/exec/host-exec";
import { nodeTarget, parseSections } from "../../providers/exec/node-exec";
import { errorMessage, withSession } from "../../providers/exec/ssh";
import { clusterMembers, managementAddress } from "../../spec/queries";
import type { LabSpec } from "../../spec/types";
import type { StackOutputs } from "../outputs";
import {
  clusterFacts,
  domainState,
  glusterFacts,
  iscsiFacts,
  nodeFacts,
  sectionText,
  type ProbeAnswer,
} from "./assemble";
import { skippedDrift } from "./drift";
import type { LabFacts } from "./facts";
import {
  clusterProbeScript,
  domainSection,
  glusterProbeScript,
  hostProbeScript,
  nodeProbeScript,
} from "./probes";

/** Seconds one probe may take, and the SSH connection. */
const PROBE_SECONDS = 60;
const CONNECT_SECONDS = 8;

/** How the probes reach the machines (tests give their own). */
export interface GatherOptions {
  /** Runs a script on the KVM host; returns its stdout. */
  runHost?: (script: string) => Promise<string>;
  /** Runs a script as root on the node at `address` with the private key; returns its stdout. */
  runNode?: (address: string, privateKey: string, script: string) => Promise<string>;
  /** The nodes' host keys by address (`query known-hosts`), pinned by the default node runner. */
  hostKeys?: Readonly<Record<string, string>>;
  /** The clock. */
  now?: () => Date;
}

async function hostRunner(script: string): Promise<string> {
  return (await runOnHost(script, { timeoutSeconds: PROBE_SECONDS })).stdout;
}

/** Runs probes on the nodes, each node's host key pinned when `hostKeys` has it. */
const nodeRunner =
  (hostKeys: Readonly<Record<string, string>> = {}) =>
  async (address: string, privateKey: string, script: string): Promise<string> => {
    const hostKey = hostKeys[address];
    const target = {
      ...nodeTarget(
        { address, port: 22, user: "root", ...(hostKey !== undefined ? { hostKey } : {}) },
        privateKey,
      ),
      connectTimeoutSeconds: CONNECT_SECONDS,
    };
    return withSession(
      target,
      async (session) => (await session.run(script, { timeoutSeconds: PROBE_SECONDS })).stdout,
      {
        retries: 1,
        retryDelayMs: 500,
      },
    );
  };

/** Runs a probe; its sections, or why it did not answer. */
async function probe(run: () => Promise<string>): Promise<ProbeAnswer> {
  try {
    return { sections: parseSections(await run()) };
  } catch (err) {
    return { error: errorMessage(err).split("\n")[0] ?? "no answer" };
  }
}

/** Node name → the address the program reaches it at (the outputs, else the spec). */
function addressesOf(spec: LabSpec, outputs: StackOutputs): Record<string, string> {
  return Object.fromEntries(
    spec.nodes.map((n) => [n.name, outputs.nodeAddresses[n.name] ?? managementAddress(n, spec.networks)]),
  );
}

/** The first member whose probe answered, and that answer's runner. */
function firstAnswering(spec: LabSpec, answers: Readonly<Record<string, ProbeAnswer>>): string | undefined {
  return clusterMembers(spec.nodes).find((m) => answers[m.name]?.sections !== undefined)?.name;
}

/** Every fact of the lab `status` shows; the drift is left skipped (the caller runs the preview). */
export async function gatherFacts(
  spec: LabSpec,
  outputs: StackOutputs,
  privateKey: string,
  stack: string,
  opts: GatherOptions = {},
): Promise<LabFacts> {
  const runHost = opts.runHost ?? hostRunner;
  const runNode = opts.runNode ?? nodeRunner(opts.hostKeys);
  const now = opts.now ?? (() => new Date());
  const started = now();
  const storage = spec.layers !== "substrate";
  const iscsiOnHost = storage && spec.iscsi.enabled && spec.iscsi.host === "kvmhost";
  const iscsiNode = storage && spec.iscsi.enabled && !iscsiOnHost ? spec.iscsi.host : undefined;
  const addresses = addressesOf(spec, outputs);
  const domains = spec.nodes.map((n) => outputs.domainNames[n.name] ?? n.domainName);

  const [host, ...nodeAnswers] = await Promise.all([
    probe(() =>
      runHost(hostProbeScript(spec, domains, iscsiOnHost ? tgtControlPort(spec.iscsi.iqn) : undefined)),
    ),
    ...spec.nodes.map((n) =>
      probe(() =>
        runNode(addresses[n.name], privateKey, nodeProbeScript(n.name === iscsiNode ? 0 : undefined)),
      ),
    ),
  ]);
  const answers = Object.fromEntries(spec.nodes.map((n, i) => [n.name, nodeAnswers[i]]));
  const nodes = spec.nodes.map((n, i) => {
    const facts = nodeFacts(n, domainState(sectionText(host, domainSection(i))), answers[n.name]);
    return { ...facts, domain: domains[i] };
  });

  const first = firstAnswering(spec, answers);
  const onFirst = (script: string) =>
    first === undefined
      ? Promise.resolve(undefined)
      : probe(() => runNode(addresses[first], privateKey, script));
  const withGluster = storage && spec.gluster.enabled;
  const withCluster = spec.layers === "cluster";
  const [glusterProbe, clusterProbe] = await Promise.all([
    withGluster ? onFirst(glusterProbeScript(spec.gluster.volume)) : Promise.resolve(undefined),
    withCluster ? onFirst(clusterProbeScript()) : Promise.resolve(undefined),
  ]);

  const target = outputs.storage.iscsi;
  const iscsi =
    storage && spec.iscsi.enabled
      ? iscsiFacts(
          spec,
          {
            iqn: target?.iqn ?? spec.iscsi.iqn,
            portal:
              target?.portal ?? `${iscsiNode !== undefined ? addresses[iscsiNode] : spec.host.address}:3260`,
            where: iscsiNode ?? "the KVM host",
          },
          iscsiNode !== undefined ? sectionText(answers[iscsiNode], "tgt") : sectionText(host, "tgt"),
          answers,
        )
      : undefined;
  return {
    stack,
    lab: spec.name,
    layers: spec.layers,
    gatheredAt: started.toISOString(),
    seconds: Math.round((now().getTime() - started.getTime()) / 100) / 10,
    nodes,
    ...(iscsi !== undefined ? { iscsi } : {}),
    ...(withGluster ? { gluster: glusterFacts(spec, first, glusterProbe, answers) } : {}),
    ...(withCluster ? { cluster: clusterFacts(spec, first, clusterProbe, answers) } : {}),
    drift: skippedDrift("not asked"),
  };
}

/**
 * Where each service group runs (lab node names), asked of the first member that answers; undefined
 * when no member answers or the lab has no cluster.
 */
export async function gatherGroupNodes(
  spec: LabSpec,
  outputs: StackOutputs,
  privateKey: string,
  opts: GatherOptions = {},
): Promise<Record<string, string | undefined> | undefined> {
  if (spec.layers !== "cluster") return undefined;
  const runNode = opts.runNode ?? nodeRunner(opts.hostKeys);
  const addresses = addressesOf(spec, outputs);
  for (const m of clusterMembers(spec.nodes)) {
    const answer = await probe(() => runNode(addresses[m.name], privateKey, clusterProbeScript()));
    if (answer.sections === undefined) continue;
    const facts = clusterFacts(spec, m.name, answer, {});
    if (facts.quorum === undefined) continue;
    return Object.fromEntries(facts.groups.map((g) => [g.name, g.node]));
  }
  return undefined;
}
