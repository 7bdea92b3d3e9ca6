/**
 * Drift of pacemaker resources: the live CIB (cib.ts) read into the structures of pcs-resource.ts
 * and compared with the wanted ones. A difference is reported as `<where>: <live> → <wanted>`
 * (`(none)` for a missing value); no difference means as configured.
 *
 * What counts: every wanted attribute, meta attribute and operation setting must be live with the
 * wanted value. Live values that are not wanted are pacemaker's or the operator's (the agent's
 * default operations, target-role), not drift, except the names the caller manages
 * ({@link Managed}): those must be absent when not wanted.
 */
import type { CibLocation, CibPrimitive, CibState } from "./cib";
import type { PcsGroup, PcsLocation, PcsResource } from "./pcs-resource";

/** Names a comparison owns beyond the wanted ones: set live but not wanted is drift. */
export interface Managed {
  /** Instance attribute names. */
  attributes?: readonly string[];
  /** Meta attribute names. */
  meta?: readonly string[];
}

/** How a live group differs from the wanted one. */
export interface GroupDrift {
  /** Why the group must be built again (members missing, added, reordered or of another agent); empty when not. */
  rebuild: string[];
  /** The wanted members whose attributes, meta or operations differ, in start order (empty while `rebuild` is not). */
  update: PcsResource[];
  /** The differences of those members. */
  settings: string[];
  /** The differences of the group's own meta attributes. */
  meta: string[];
}

/** A CIB primitive as a {@link PcsResource} (agent `class:provider:type`, every live operation). */
export function resourceOfCib(p: CibPrimitive): PcsResource {
  return {
    id: p.id,
    agent: [p.class, p.provider, p.type].filter(Boolean).join(":"),
    attributes: p.instanceAttributes,
    meta: p.meta,
    operations: p.operations.map((o) => ({
      name: o.name,
      interval: o.interval,
      ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    })),
  };
}

/** The group `id` of the CIB as a {@link PcsGroup}, or `undefined` when the CIB has no such group. */
export function groupOfCib(cib: CibState, id: string): PcsGroup | undefined {
  const group = cib.groups.find((g) => g.id === id);
  if (group === undefined) return undefined;
  const members = group.members.flatMap((member) =>
    cib.primitives.filter((p) => p.id === member).slice(0, 1),
  );
  return { id, members: members.map(resourceOfCib), meta: group.meta };
}

/**
 * The location constraints of `rsc` in the CIB, with their ids (to remove them), without the
 * operator's (`cli-…`: pcs resource move/ban).
 */
export function locationsOfCib(cib: CibState, rsc: string): CibLocation[] {
  return cib.constraints.locations.filter((l) => l.rsc === rsc && !l.id.startsWith("cli-"));
}

/** The managed names set in `live` but not in `want`: what an update removes. */
export function staleNames(
  want: Readonly<Record<string, string>>,
  live: Readonly<Record<string, string>>,
  managed: readonly string[] = [],
): string[] {
  return managed.filter((name) => live[name] !== undefined && want[name] === undefined);
}

const change = (where: string, live: string | undefined, want: string | undefined): string =>
  `${where}: ${live ?? "(none)"} → ${want ?? "(none)"}`;

/** The differences of a name/value record: wanted values not live, managed names not wanted. */
function recordDrift(
  where: string,
  want: Readonly<Record<string, string>>,
  live: Readonly<Record<string, string>>,
  managed: readonly string[] = [],
): string[] {
  return [
    ...Object.entries(want)
      .filter(([name, value]) => live[name] !== value)
      .map(([name, value]) => change(`${where}.${name}`, live[name], value)),
    ...staleNames(want, live, managed).map((name) => change(`${where}.${name}`, live[name], undefined)),
  ];
}

/**
 * The differences of a live resource from the wanted one: the agent, the attributes and meta
 * attributes ({@link recordDrift}), and every wanted operation's settings (the first live
 * operation of that name; only the settings the wanted one has are compared).
 */
export function resourceDrift(want: PcsResource, live: PcsResource, managed: Managed = {}): string[] {
  const ops = want.operations.flatMap((op) => {
    const where = `${want.id}.op.${op.name}`;
    const found = live.operations.find((o) => o.name === op.name);
    if (found === undefined) return [change(where, undefined, op.name)];
    return [
      ...(op.interval !== undefined && found.interval !== op.interval
        ? [change(`${where}.interval`, found.interval, op.interval)]
        : []),
      ...(op.timeout !== undefined && found.timeout !== op.timeout
        ? [change(`${where}.timeout`, found.timeout, op.timeout)]
        : []),
    ];
  });
  return [
    ...(want.agent !== live.agent ? [change(`${want.id}.agent`, live.agent, want.agent)] : []),
    ...recordDrift(`${want.id}.attributes`, want.attributes, live.attributes, managed.attributes),
    ...recordDrift(`${want.id}.meta`, want.meta, live.meta, managed.meta),
    ...ops,
  ];
}

/**
 * How a live group differs from the wanted one: other member ids (or order) or agents mean the
 * group is built again; other member settings mean those members are updated in place; the
 * group's meta is compared with `managedMeta` managed.
 */
export function groupDrift(want: PcsGroup, live: PcsGroup, managedMeta: readonly string[] = []): GroupDrift {
  const ids = (g: PcsGroup): string => g.members.map((m) => m.id).join(" ");
  const rebuild =
    ids(want) !== ids(live)
      ? [change(`${want.id}.members`, ids(live) || undefined, ids(want))]
      : want.members.flatMap((m, i) => {
          const agent = live.members[i]?.agent;
          return agent === m.agent ? [] : [change(`${m.id}.agent`, agent, m.agent)];
        });
  const members =
    rebuild.length > 0
      ? []
      : want.members.map((m, i) => ({ member: m, differences: resourceDrift(m, live.members[i] ?? m) }));
  const changed = members.filter((m) => m.differences.length > 0);
  return {
    rebuild,
    update: changed.map((m) => m.member),
    settings: changed.flatMap((m) => m.differences),
    meta: recordDrift(`${want.id}.meta`, want.meta, live.meta, managedMeta),
  };
}

/**
 * The differences of a resource's live location constraints from the wanted ones, by node (a later
 * constraint on the same node wins; `+INFINITY` is `INFINITY`).
 */
export function locationDrift(want: readonly PcsLocation[], live: readonly PcsLocation[]): string[] {
  const byNode = (ls: readonly PcsLocation[]): Record<string, string> =>
    Object.fromEntries(ls.map((l) => [l.node, l.score === "+INFINITY" ? "INFINITY" : l.score]));
  const wanted = byNode(want);
  const found = byNode(live);
  const where = (node: string): string => `${want[0]?.rsc ?? live[0]?.rsc ?? ""}@${node}`;
  return [
    ...Object.entries(wanted)
      .filter(([node, score]) => found[node] !== score)
      .map(([node, score]) => change(where(node), found[node], score)),
    ...Object.keys(found)
      .filter((node) => wanted[node] === undefined)
      .map((node) => change(where(node), found[node], undefined)),
  ];
}
