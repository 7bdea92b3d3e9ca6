/**
 * Drift of pacemaker resources: the live CIB (cib.ts) read into the structures of pcs-resource.ts
 * and compared with the wanted ones. A difference is reported as `<where>: <live> → <wanted>`
 * (`(none)` for a missing value); no difference means as configured.
 *
 * What counts: every wanted attribute, meta attribute and operation setting must be live with the
 * wanted value. Live values that are not wanted are pacemaker's or the operator's (the agent's
 * default operations, target-role), not drift, except the names the caller manages
 * ({@link Managed}): those must be absent when not wanted.
 *
 * Constraints of a set of resources (colocation, order, location rules, simple locations) are
 * compared by id: a wanted one missing or different, or one of the set's that is not wanted, is
 * drift; the operator's `cli-…` constraints (pcs resource move/ban) never are. Pacemaker's
 * defaults read as written out (a colocation without a score is INFINITY, an order without kind
 * Mandatory and symmetrical, a rule without boolean-op `and`; `+INFINITY` is `INFINITY`).
 */
import type { CibLocation, CibLocationRule, CibPrimitive, CibState } from "./cib";
import type { PcsConstraints } from "./constraint-commands";
import {
  ruleWords,
  type PcsClone,
  type PcsColocation,
  type PcsGroup,
  type PcsLocation,
  type PcsLocationRule,
  type PcsOrder,
  type PcsOrderKind,
  type PcsResource,
} from "./pcs-resource";

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
      ...(o.options !== undefined ? { options: o.options } : {}),
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
 * operation of that name; only the settings the wanted one has are compared: interval, timeout,
 * and each of its other attributes, `<id>.op.<name>.<attribute>`).
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
      ...recordDrift(where, op.options ?? {}, found.options ?? {}),
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

// ---- clones ------------------------------------------------------------------------------------

/** A clone as read from the CIB: `resource` absent when the clone holds no primitive (a group). */
export type LiveClone = Omit<PcsClone, "resource"> & { resource?: PcsResource };

/** How a live clone differs from the wanted one. */
export interface CloneDrift {
  /** Why the clone must be made again (no primitive in it, another primitive id or agent); empty when not. */
  rebuild: string[];
  /** The differences of the cloned primitive's settings (updated in place; empty while `rebuild` is not). */
  settings: string[];
  /** The differences of the clone's own meta attributes. */
  meta: string[];
}

/** The clone `id` of the CIB, or `undefined` when the CIB has no such clone. */
export function cloneOfCib(cib: CibState, id: string): LiveClone | undefined {
  const clone = cib.clones.find((c) => c.id === id);
  if (clone === undefined) return undefined;
  const primitive = cib.primitives.find((p) => p.id === clone.primitive && p.clone === id);
  return { id, meta: clone.meta, ...(primitive !== undefined ? { resource: resourceOfCib(primitive) } : {}) };
}

/** How a live clone differs from the wanted one; the clone's meta is compared with `managedMeta` managed. */
export function cloneDrift(want: PcsClone, live: LiveClone, managedMeta: readonly string[] = []): CloneDrift {
  const resource = live.resource;
  const rebuild =
    resource === undefined || resource.id !== want.resource.id
      ? [change(`${want.id}.resource`, resource?.id, want.resource.id)]
      : resource.agent !== want.resource.agent
        ? [change(`${want.resource.id}.agent`, resource.agent, want.resource.agent)]
        : [];
  return {
    rebuild,
    settings: rebuild.length > 0 || resource === undefined ? [] : resourceDrift(want.resource, resource),
    meta: recordDrift(`${want.id}.meta`, want.meta, live.meta, managedMeta),
  };
}

// ---- constraints of a set of resources ---------------------------------------------------------

/** A set's constraints as the CIB holds them, and the id of every one (to remove them). */
export interface LiveConstraints {
  constraints: PcsConstraints;
  ids: string[];
}

/** `+INFINITY` is `INFINITY`. */
const score = (value: string): string => (value === "+INFINITY" ? "INFINITY" : value);

/** The values pacemaker reads as true. */
const TRUE_VALUES: readonly string[] = ["true", "yes", "on", "1", "y"];

/** A rule of the CIB as a {@link PcsLocationRule} (pacemaker's defaults written out). */
export function ruleOfCib(r: CibLocationRule): PcsLocationRule {
  return {
    id: r.id,
    rsc: r.rsc,
    score: score(r.score ?? ""),
    booleanOp: r.booleanOp === "or" ? "or" : "and",
    expressions: r.expressions.map((e) => ({
      attribute: e.attribute,
      operation: e.operation,
      ...(e.type !== undefined ? { type: e.type } : {}),
      ...(e.value !== undefined ? { value: e.value } : {}),
    })),
  };
}

/**
 * The constraints of the resources `rscs` in the CIB — every simple location, rule, colocation and
 * order that names one of them, and any whose id is one of `wantedIds` — without the operator's
 * (`cli-…`).
 */
export function constraintsOfCib(
  cib: CibState,
  rscs: readonly string[],
  wantedIds: readonly string[] = [],
): LiveConstraints {
  const ours = (id: string, ...refs: string[]): boolean =>
    !id.startsWith("cli-") && (wantedIds.includes(id) || refs.some((r) => rscs.includes(r)));
  const c = cib.constraints;
  const locations = c.locations.filter((l) => ours(l.id, l.rsc));
  const rules = c.rules.filter((r) => ours(r.id, r.rsc));
  const colocations = c.colocations.filter((x) => ours(x.id, x.rsc, x.withRsc));
  const orders = c.orders.filter((o) => ours(o.id, o.first, o.then));
  return {
    constraints: {
      locations: locations.map((l) => ({ rsc: l.rsc, node: l.node, score: l.score })),
      rules: rules.map(ruleOfCib),
      colocations: colocations.map((x) => ({
        id: x.id,
        rsc: x.rsc,
        withRsc: x.withRsc,
        score: score(x.score ?? "INFINITY"),
      })),
      orders: orders.map((o) => ({
        id: o.id,
        first: o.first,
        then: o.then,
        kind: (o.kind ?? "Mandatory") as PcsOrderKind,
        symmetrical: o.symmetrical === undefined || TRUE_VALUES.includes(o.symmetrical.toLowerCase()),
      })),
    },
    ids: [...locations, ...rules, ...colocations, ...orders]
      .map((x) => x.id)
      .filter((id, i, all) => all.indexOf(id) === i),
  };
}

/** A rule as one line: `score=<score> <expression words>`. */
export function ruleText(r: Pick<PcsLocationRule, "score" | "booleanOp" | "expressions">): string {
  return [`score=${r.score}`, ...ruleWords(r)].join(" ");
}

/** A colocation as one line: `<rsc> with <with-rsc> score=<score>`. */
export function colocationText(c: PcsColocation): string {
  return `${c.rsc} with ${c.withRsc} score=${c.score}`;
}

/** An order as one line: `<first> then <then> kind=<kind> symmetrical=<bool>`. */
export function orderText(o: PcsOrder): string {
  return `${o.first} then ${o.then} kind=${o.kind} symmetrical=${String(o.symmetrical)}`;
}

/** The differences of constraints keyed by id, each as one line of text. */
function byIdDrift(
  want: readonly { id: string; text: string }[],
  live: readonly { id: string; text: string }[],
): string[] {
  const textOf = (list: readonly { id: string; text: string }[], id: string): string | undefined => {
    const found = list.filter((x) => x.id === id).map((x) => x.text);
    return found.length > 0 ? found.join(" ; ") : undefined;
  };
  const ids = [...want, ...live].map((x) => x.id).filter((id, i, all) => all.indexOf(id) === i);
  return ids.flatMap((id) => {
    const w = textOf(want, id);
    const l = textOf(live, id);
    return w === l ? [] : [change(id, l, w)];
  });
}

/**
 * The differences of a set's live constraints ({@link constraintsOfCib}) from the wanted ones:
 * simple locations by resource and node ({@link locationDrift}); rules, colocations and orders by
 * id, as one line each. A live rule expression's type counts only where the wanted one has a type.
 */
export function constraintsDrift(want: PcsConstraints, live: PcsConstraints): string[] {
  const rscs = [...want.locations, ...live.locations]
    .map((l) => l.rsc)
    .filter((rsc, i, all) => all.indexOf(rsc) === i);
  const wantedRule = (id: string) => want.rules.find((r) => r.id === id);
  const liveRules = live.rules.map((r) => ({
    ...r,
    expressions: r.expressions.map((e, i) =>
      wantedRule(r.id)?.expressions[i]?.type === undefined ? { ...e, type: undefined } : e,
    ),
  }));
  return [
    ...rscs.flatMap((rsc) =>
      locationDrift(
        want.locations.filter((l) => l.rsc === rsc),
        live.locations.filter((l) => l.rsc === rsc),
      ),
    ),
    ...byIdDrift(
      want.rules.map((r) => ({ id: r.id, text: `${r.rsc} ${ruleText(r)}` })),
      liveRules.map((r) => ({ id: r.id, text: `${r.rsc} ${ruleText(r)}` })),
    ),
    ...byIdDrift(
      want.colocations.map((c) => ({ id: c.id, text: colocationText(c) })),
      live.colocations.map((c) => ({ id: c.id, text: colocationText(c) })),
    ),
    ...byIdDrift(
      want.orders.map((o) => ({ id: o.id, text: orderText(o) })),
      live.orders.map((o) => ({ id: o.id, text: orderText(o) })),
    ),
  ];
}
