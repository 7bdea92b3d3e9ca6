/**
 * A pacemaker group with the clones it depends on and the constraints between them, as one
 * structure (seed 002's directors: VIPcheck, the VIP and ldirectord in a group; a ping clone; a
 * location rule on the ping score; the group colocated with and ordered after the clone): the
 * commands that create it, its drift read from the CIB, and the fewest commands that repair it.
 * The argv come from pcs-resource.ts and constraint-commands.ts, the comparisons from
 * pcs-drift.ts; {@link convergeResourceSet} runs the plan on a node.
 *
 * Creation order: the clones (they may start at once), the group's members created disabled, the
 * group's own meta, the constraints, then the members enabled in one CIB update — so the group
 * never starts before the constraints that say where it may run exist — and the group's fail
 * history cleared (pacemaker keeps it across a delete: an old failure would ban the new group).
 *
 * Repair: a group whose members differ (missing, added, reordered, another agent) is stopped,
 * deleted and created again ({@link groupRebuildRemoval}); a clone holding another primitive is
 * deleted and created again; other settings are updated in place (`pcs resource update`, `pcs
 * resource meta`); constraints that differ are all removed and added again (the operator's
 * `cli-…` ones are not touched); disabled resources of the set are enabled; a resource a past
 * failure bans from a node is cleaned up there (fail-counts.ts).
 */
import { Problems } from "../../../spec/problems";
import type { Runner } from "../../exec/node-exec";
import { runCommands } from "../../exec/node-exec";
import type { CibState } from "./cib";
import { cibOf } from "./cib-reader";
import { banLine, bansOf, cleanupArgv, type Ban } from "./fail-counts";
import { checkConstraints, constraintsArgv, GROUP_META, type PcsConstraints } from "./constraint-commands";
import { groupRebuildRemoval, resourceDeleteScript } from "./group-commands";
import {
  cloneCreateArgv,
  constraintRemoveArgv,
  enableArgv,
  groupMemberCreateArgv,
  groupStartArgv,
  metaArgv,
  PCS,
  updateArgv,
  type PcsClone,
  type PcsGroup,
} from "./pcs-resource";
import {
  cloneDrift,
  cloneOfCib,
  constraintsDrift,
  constraintsOfCib,
  groupDrift,
  groupOfCib,
  type CloneDrift,
  type GroupDrift,
} from "./pcs-drift";
import { checkCibId } from "./pcs-validate";

/** A group, the clones it depends on, and the constraints of both. */
export interface PcsResourceSet {
  /** The group: members in start order. */
  group: PcsGroup;
  /** The clones, created before the group. */
  clones: PcsClone[];
  /** Every constraint of the set. */
  constraints: PcsConstraints;
}

/** How long the commands of a converge may take on a slow (TCG) cluster. */
export const SET_COMMAND_SECONDS = 900;

/** The ids of a set's resources: the group, its members, the clones and their primitives. */
export function resourceSetIds(set: PcsResourceSet): string[] {
  return [
    set.group.id,
    ...set.group.members.map((m) => m.id),
    ...set.clones.flatMap((c) => [c.id, c.resource.id]),
  ];
}

/** The ids of a set's rule, colocation and order constraints. */
function constraintIds(c: PcsConstraints): string[] {
  return [...c.rules, ...c.colocations, ...c.orders].map((x) => x.id);
}

/**
 * Checks a set: every resource and constraint id a valid CIB id, no id used twice, the group not
 * empty, the constraints well formed ({@link checkConstraints}). Throws one error listing every
 * problem.
 */
export function checkResourceSet(set: PcsResourceSet): void {
  const problems = new Problems();
  const ids = [...resourceSetIds(set), ...constraintIds(set.constraints)];
  ids.forEach((id, i) => {
    checkCibId(
      problems,
      `ids[${i}]`,
      id,
      "start with a letter or '_', then letters, digits, '_', '.' or '-'",
    );
    problems.need(
      ids.indexOf(id) === i,
      `ids[${i}]`,
      `${JSON.stringify(id)} is used twice`,
      "give every resource and constraint its own id",
    );
  });
  problems.need(
    set.group.members.length > 0,
    "group.members",
    "the group has no member",
    "give it at least one",
  );
  checkConstraints(problems, "constraints", set.constraints);
  problems.throwIfAny(`pacemaker resources of group ${set.group.id}`);
}

/** How the live set differs from the wanted one. */
export interface ResourceSetDrift {
  /** Nothing of the set is in the CIB: no group, no clone, no constraint. */
  absent: boolean;
  /** The group's differences; `undefined` when the CIB has no such group. */
  group: GroupDrift | undefined;
  /** Each wanted clone with its differences (`drift` undefined: the CIB has no such clone). */
  clones: { want: PcsClone; drift: CloneDrift | undefined }[];
  /** The constraints' differences. */
  constraints: string[];
  /** The ids of the set's constraints in the CIB (removed before they are added again). */
  liveConstraintIds: string[];
  /** The set's resources whose target-role is Stopped. */
  disabled: string[];
  /** The set's resources a past failure keeps off a node (fail-counts.ts). */
  banned: Ban[];
}

/** The set in `cib` compared with `want`. */
export function resourceSetDrift(want: PcsResourceSet, cib: CibState): ResourceSetDrift {
  const liveGroup = groupOfCib(cib, want.group.id);
  const clones = want.clones.map((c) => {
    const live = cloneOfCib(cib, c.id);
    return { want: c, drift: live === undefined ? undefined : cloneDrift(c, live) };
  });
  const ids = resourceSetIds(want);
  const live = constraintsOfCib(cib, ids, constraintIds(want.constraints));
  const stopped = (meta: Readonly<Record<string, string>>) => meta["target-role"] === "Stopped";
  const disabled = [
    ...cib.groups.filter((g) => g.id === want.group.id && stopped(g.meta)).map((g) => g.id),
    ...cib.clones.filter((c) => ids.includes(c.id) && stopped(c.meta)).map((c) => c.id),
    ...cib.primitives.filter((p) => ids.includes(p.id) && stopped(p.meta)).map((p) => p.id),
  ];
  return {
    absent: liveGroup === undefined && clones.every((c) => c.drift === undefined) && live.ids.length === 0,
    group: liveGroup === undefined ? undefined : groupDrift(want.group, liveGroup, GROUP_META),
    clones,
    constraints: constraintsDrift(want.constraints, live.constraints),
    liveConstraintIds: live.ids,
    disabled,
    banned: bansOf(cib, ids),
  };
}

/** The drift of a set that is not in the CIB at all. */
export function absentDrift(want: PcsResourceSet): ResourceSetDrift {
  return {
    absent: true,
    group: undefined,
    clones: want.clones.map((c) => ({ want: c, drift: undefined })),
    constraints: constraintsDrift(want.constraints, {
      locations: [],
      rules: [],
      colocations: [],
      orders: [],
    }),
    liveConstraintIds: [],
    disabled: [],
    banned: [],
  };
}

/** Whether the group must be deleted and created again. */
const groupRebuilt = (d: ResourceSetDrift): boolean => (d.group?.rebuild.length ?? 0) > 0;

/** The clones that must be deleted and created again. */
const clonesRebuilt = (d: ResourceSetDrift): PcsClone[] =>
  d.clones.filter((c) => (c.drift?.rebuild.length ?? 0) > 0).map((c) => c.want);

/** Every difference of the set, one line each (empty: as configured). */
export function driftLines(want: PcsResourceSet, d: ResourceSetDrift): string[] {
  return [
    ...(d.group === undefined
      ? [`${want.group.id}: (none) → ${want.group.members.map((m) => m.id).join(" ")}`]
      : [...d.group.rebuild, ...d.group.settings, ...d.group.meta]),
    ...d.clones.flatMap(({ want: c, drift }) =>
      drift === undefined
        ? [`${c.id}: (none) → ${c.resource.id}`]
        : [...drift.rebuild, ...drift.settings, ...drift.meta],
    ),
    ...d.constraints,
    ...d.disabled.map((id) => `${id}.meta.target-role: Stopped → (none)`),
    ...d.banned.map(banLine),
  ];
}

/** What `read` reports of a set: each part as configured or not. */
export interface ResourceSetState {
  /** The group is there with the wanted members, settings and meta. */
  groupAsConfigured: boolean;
  /** Every clone is there with the wanted primitive, settings and meta. */
  clonesAsConfigured: boolean;
  /** The set's constraints are the wanted ones. */
  constraintsAsConfigured: boolean;
  /** No resource of the set is disabled. */
  enabled: boolean;
  /** No resource of the set is banned from a node by a past failure. */
  failuresCleared: boolean;
}

/** {@link ResourceSetState} of a drift. */
export function resourceSetState(d: ResourceSetDrift): ResourceSetState {
  const g = d.group;
  return {
    groupAsConfigured:
      g !== undefined && g.rebuild.length === 0 && g.settings.length === 0 && g.meta.length === 0,
    clonesAsConfigured: d.clones.every(
      ({ drift }) =>
        drift !== undefined &&
        drift.rebuild.length === 0 &&
        drift.settings.length === 0 &&
        drift.meta.length === 0,
    ),
    constraintsAsConfigured: d.constraints.length === 0,
    enabled: d.disabled.length === 0,
    failuresCleared: d.banned.length === 0,
  };
}

/**
 * What must go before a repair, as one script: the group stopped and deleted when its members
 * differ, clones holding another primitive deleted; `undefined` when nothing must. The CIB is read
 * again after it (pcs also deletes the constraints that name what it deletes).
 */
export function resourceSetRemoval(want: PcsResourceSet, d: ResourceSetDrift): string | undefined {
  const parts = [
    ...(groupRebuilt(d) ? [groupRebuildRemoval(want.group.id)] : []),
    ...(clonesRebuilt(d).length > 0 ? [resourceDeleteScript(clonesRebuilt(d).map((c) => c.id))] : []),
  ];
  return parts.length > 0 ? ["set -e", ...parts].join("\n") : undefined;
}

/**
 * The commands that turn the set of drift `d` (read after {@link resourceSetRemoval}) into the
 * wanted one, in creation order (see the module's doc); none when it is as configured.
 */
export function resourceSetRepair(want: PcsResourceSet, d: ResourceSetDrift): string[][] {
  checkResourceSet(want);
  const clones = d.clones.flatMap(({ want: c, drift }) => {
    if (drift === undefined || drift.rebuild.length > 0) return [cloneCreateArgv(c)];
    return [
      ...(drift.settings.length > 0 ? [updateArgv(c.resource)] : []),
      ...(drift.meta.length > 0 ? [metaArgv(c.id, c.meta)] : []),
    ];
  });
  const created = d.group === undefined || d.group.rebuild.length > 0;
  const meta = (stale: readonly string[]) =>
    Object.keys(want.group.meta).length + stale.length > 0
      ? [metaArgv(want.group.id, want.group.meta, stale)]
      : [];
  const group = created
    ? [...groupMemberCreateArgv(want.group), ...meta([])]
    : [
        ...(d.group?.update ?? []).map((m) => updateArgv(m)),
        ...((d.group?.meta.length ?? 0) > 0
          ? meta(GROUP_META.filter((name) => want.group.meta[name] === undefined))
          : []),
      ];
  const constraints =
    d.constraints.length > 0
      ? [
          ...(d.liveConstraintIds.length > 0 ? [constraintRemoveArgv(d.liveConstraintIds)] : []),
          ...constraintsArgv(want.constraints),
        ]
      : [];
  const memberIds = want.group.members.map((m) => m.id);
  const disabled = d.disabled.filter((id) => !created || !memberIds.includes(id));
  return [
    ...clones,
    ...group,
    ...constraints,
    ...(created ? [...groupStartArgv(want.group, true), [PCS, "resource", "cleanup", want.group.id]] : []),
    ...(disabled.length > 0 ? [enableArgv(disabled)] : []),
    ...d.banned.map(cleanupArgv),
  ];
}

/** The commands that create the whole set on a cluster that has none of it. */
export function resourceSetCreateArgv(want: PcsResourceSet): string[][] {
  return resourceSetRepair(want, absentDrift(want));
}

/**
 * The `pcs resource update` of each member of `want` whose settings differ in `cib`, when the
 * members are otherwise as configured (pacemaker then restarts only that member and those after
 * it in the group); `undefined` when the group must be built again or is not in the CIB.
 */
export function memberUpdateArgv(
  want: PcsGroup,
  cib: CibState,
  managedMeta: readonly string[] = GROUP_META,
): string[][] | undefined {
  const live = groupOfCib(cib, want.id);
  if (live === undefined) return undefined;
  const drift = groupDrift(want, live, managedMeta);
  return drift.rebuild.length > 0 ? undefined : drift.update.map((m) => updateArgv(m));
}

/** The members of group `id` in `cib` whose target-role is Stopped. */
export function disabledMembers(cib: CibState, id: string): string[] {
  return cib.primitives.filter((p) => p.group === id && p.meta["target-role"] === "Stopped").map((p) => p.id);
}

/**
 * Converges the set on a node whose session `run` is: reads the CIB, runs the removal a rebuild
 * needs and reads it again, then runs the repair as one batch. Returns the drift found at first
 * (empty: nothing was done).
 */
export async function convergeResourceSet(run: Runner, want: PcsResourceSet): Promise<string[]> {
  checkResourceSet(want);
  let drift = resourceSetDrift(want, await cibOf(run));
  const found = driftLines(want, drift);
  const removal = resourceSetRemoval(want, drift);
  if (removal !== undefined) {
    await run(removal, { timeoutSeconds: 660 });
    drift = resourceSetDrift(want, await cibOf(run));
  }
  await runCommands(run, resourceSetRepair(want, drift), { timeoutSeconds: SET_COMMAND_SECONDS });
  return found;
}
