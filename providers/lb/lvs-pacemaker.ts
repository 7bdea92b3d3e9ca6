/**
 * LvsPacemaker: seed 002's pacemaker resources on the LVS directors (director-pacemaker.ts) — the
 * group GrpBalancer (VIPcheck, the VIP, ldirectord), the ping clone, the location rule on the ping
 * score, the colocation and the order — made, read, repaired and deleted as one resource set
 * (providers/cluster/pacemaker/resource-set.ts) on the first director that can be reached (the
 * other holds the same CIB: one destroyed or being fenced is skipped). It comes after the
 * LvsDirector resources: pcs refuses an agent it cannot find (ocf:kvmlab:VIPcheck is ours), and
 * ldirectord must find its ldirectord.cf on whichever director it starts.
 *
 * `read` takes the CIB of the first director that answers and reports, each as a desired-true
 * input that reads false when it does not hold: the group with other members, settings or meta
 * (`groupAsConfigured`), the ping clone missing or changed (`clonesAsConfigured`), a constraint
 * missing, changed or added on these resources (`constraintsAsConfigured`: the operator's `cli-…`
 * constraints of `pcs resource move` excepted), a resource disabled (`enabled`), a resource
 * banned from a director by a past failure (`failuresCleared`: fail-counts.ts); every
 * difference as a line in `drift`. Nothing of the set in the CIB reads as gone. No director
 * answering with a CIB (the cluster down or destroyed) reads as `verified: false`: an update that
 * converges the set against the live CIB (after the cluster's own update in the same run).
 * `update` repairs with the fewest commands (resource-set.ts).
 */
import { z } from "zod";
import { formatProblem, Problems } from "../../spec/problems";
import { defineProvider } from "../core/base";
import { labKind } from "../core/kind";
import { progress } from "../exec/host-exec";
import { explained, firstOf, isUnreachable, onNode, sshEndpointField } from "../exec/node-exec";
import { firstMemberCib, removeFromCib } from "../cluster/pacemaker/cib-reader";
import { resourceDeleteArgv } from "../cluster/pacemaker/group-commands";
import {
  convergeResourceSet,
  driftLines,
  resourceSetCreateArgv,
  resourceSetDrift,
  resourceSetState,
} from "../cluster/pacemaker/resource-set";
import {
  checkDirectorPacemaker,
  directorResourceSet,
  DIRECTOR_IDS,
  type DirectorPacemaker,
} from "./director-pacemaker";

const schema = () =>
  z.object({
    /** The directors (the cluster members), as the program reaches them; the first one converges. */
    nodes: z.array(sshEndpointField()).min(1, "nodes: the resources need the directors"),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** The floating IP. */
    vip: z.string().min(1),
    /** Its prefix length on the service network. */
    cidrNetmask: z.number().int(),
    /** Hosts the ping clone checks. */
    pingTargets: z.array(z.string()).min(1, "pingTargets: the ping clone needs a host to ping"),
    /** Desired: the group with the wanted members, settings and meta. */
    groupAsConfigured: z.boolean().default(true),
    /** Desired: the ping clone as configured. */
    clonesAsConfigured: z.boolean().default(true),
    /** Desired: the constraints as configured. */
    constraintsAsConfigured: z.boolean().default(true),
    /** Desired: no resource of the set disabled. */
    enabled: z.boolean().default(true),
    /** Desired: no resource of the set banned from a director by a past failure. */
    failuresCleared: z.boolean().default(true),
    /** Desired: a director answered with a CIB to check the set against. */
    verified: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of an LvsPacemaker, as its schema takes them (fields with a default are optional). */
export type LvsPacemakerInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of an LvsPacemaker. */
export interface LvsPacemakerOutputs {
  /** The group's id in the CIB. */
  groupId: string;
  /** What the last read found different from the config, one line each (empty: as configured). */
  drift: string[];
}

/** The renderer's input of a resource's inputs. */
export function directorPacemakerOf(
  inputs: Pick<Inputs, "vip" | "cidrNetmask" | "pingTargets">,
): DirectorPacemaker {
  return { vip: inputs.vip, cidrNetmask: inputs.cidrNetmask, pingTargets: inputs.pingTargets };
}

/**
 * Converges the set on the first director that can be reached (one down — destroyed, fenced — is
 * skipped: the other holds the same CIB); fails with the last director's error when none can.
 */
async function converge(inputs: Inputs): Promise<LvsPacemakerOutputs> {
  const want = directorResourceSet(directorPacemakerOf(inputs));
  firstOf(inputs.nodes, "nodes: the resources need the directors");
  let found: string[] | undefined;
  for (const [i, node] of inputs.nodes.entries()) {
    try {
      found = await onNode(node, inputs.sshPrivateKey, (run) =>
        explained(node.address, () => convergeResourceSet(run, want)),
      );
      break;
    } catch (err) {
      if (!isUnreachable(err) || i === inputs.nodes.length - 1) throw err;
      progress(
        `lb: ${node.address} is unreachable; the pacemaker resources are converged on the next director`,
      );
    }
  }
  if (found !== undefined && found.length > 0) {
    progress(
      `lb: pacemaker resources of ${want.group.id} converged (${found.length} difference(s): ${found.join("; ")})`,
    );
  }
  return { groupId: want.group.id, drift: [] };
}

/** The LvsPacemaker provider. */
export const lvsPacemakerProvider = defineProvider<ReturnType<typeof schema>, LvsPacemakerOutputs>({
  kind: "LvsPacemaker",
  schema,
  render: (inputs) => ({ create: resourceSetCreateArgv(directorResourceSet(directorPacemakerOf(inputs))) }),
  check(inputs) {
    const problems = new Problems();
    checkDirectorPacemaker(problems, directorPacemakerOf(inputs));
    return problems.list.map((p) => ({ property: p.path, reason: formatProblem(p) }));
  },
  async create(inputs) {
    return { id: DIRECTOR_IDS.group, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    const want = directorResourceSet(directorPacemakerOf(olds));
    const cib = await firstMemberCib(olds.nodes, olds.sshPrivateKey);
    // No director answers with a CIB (the cluster down or destroyed): not verified, an update.
    if (cib === undefined) return { verified: false };
    const drift = resourceSetDrift(want, cib);
    if (drift.absent) return undefined;
    return { ...resourceSetState(drift), drift: driftLines(want, drift), verified: true };
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    // The group first (it is colocated with and ordered after the clone).
    await removeFromCib({
      what: `lb: pacemaker resources of ${DIRECTOR_IDS.group}`,
      nodes: olds.nodes,
      privateKey: olds.sshPrivateKey,
      ids: [DIRECTOR_IDS.group, DIRECTOR_IDS.pingClone],
      argvOf: resourceDeleteArgv,
    });
  },
});

/** Seed 002's pacemaker resources on the directors. */
export const LvsPacemaker = labKind<LvsPacemakerInputs, LvsPacemakerOutputs>(lvsPacemakerProvider, {
  outputs: { groupId: true, drift: true },
  secretInputs: ["sshPrivateKey"],
});
/** An LvsPacemaker resource. */
export type LvsPacemaker = InstanceType<typeof LvsPacemaker>;
