/**
 * Pacemaker resources as structures: what the builders (stonith-commands.ts, group-commands.ts,
 * constraint-commands.ts) want in the CIB. The pcs argv is made from a structure here, and only
 * here; pcs-drift.ts compares a structure with the same structure read from the live CIB.
 *
 * Syntax relied on (pcs 0.11):
 * - `pcs resource create <id> <class:provider:type> [<name>=<value>...] [op <action> <name>=<value>...]...
 *   [meta <name>=<value>...] [--group <group>] [--disabled]`; `pcs stonith create <id> <type> …`
 *   takes the fence agent without its `stonith:` class.
 * - `pcs resource|stonith update <id> …` with the same words; an empty value (`name=`) removes an
 *   attribute.
 * - `pcs resource meta <id> <name>=<value>...` (an empty value removes it),
 *   `pcs resource enable|disable <id>...`, `pcs constraint location <rsc> prefers|avoids <node>[=<score>]...`.
 * - An operation takes any attribute pcs 0.11 knows (pcs/lib/cib/resource/const.py
 *   OPERATION_ATTRIBUTES: `start-delay`, `on-fail`, `interval-origin`, `record-pending`, `enabled`,
 *   `role`, …), written into the CIB's `<op>` as given.
 * - `pcs resource create … clone [<clone id>] [<clone meta>...]`: the clone is named
 *   `<id>-clone` unless an id is given.
 * - `pcs constraint colocation add <rsc> with <with-rsc> score=<score> id=<id>`;
 *   `pcs constraint order <first> then <then> kind=<kind> symmetrical=true|false id=<id>` (pcs
 *   refuses an order between members of one group: the group's member order is that order);
 *   `pcs constraint location <rsc> rule constraint-id=<id> score=<score> <expression>` with the
 *   options before the expression, which is `defined|not_defined <attribute>` or `<attribute>
 *   lt|gt|lte|gte|eq|ne [string|integer|number|version] <value>`, joined by `and` or `or`;
 *   `pcs constraint remove <id>...`.
 */

/** The pcs binary. */
export const PCS = "pcs";

/** The resource class of fence devices: their agent is `stonith:<type>` (`stonith:fence_virsh`). */
export const STONITH_CLASS = "stonith";

/**
 * An operation with explicit settings: `op <name> [interval=<interval>] [timeout=<timeout>]
 * [<attribute>=<value>...]`.
 */
export interface PcsOperation {
  /** Action: `start`, `stop`, `monitor`, … */
  name: string;
  /** As pcs is given it (`30s`); absent: the agent's default. */
  interval?: string;
  /** As pcs is given it (`180s`); absent: the agent's default. */
  timeout?: string;
  /**
   * Its other attributes, named as pcs and the CIB's `<op>` name them (`start-delay`, `on-fail`,
   * `record-pending`, …), in the order pcs is given them; absent or empty: none.
   */
  options?: Record<string, string>;
}

/** A primitive resource or fence device as pcs creates it and the CIB holds it. */
export interface PcsResource {
  /** CIB id (`service01-ip`, `kvmhost01`). */
  id: string;
  /** `class:provider:type` (`ocf:heartbeat:IPaddr2`), or `class:type` (`stonith:fence_virsh`). */
  agent: string;
  /** Instance attributes (agent parameters), in the order pcs is given them. */
  attributes: Record<string, string>;
  /** Meta attributes set with the resource (target-role is left to enable/disable). */
  meta: Record<string, string>;
  /** The operations with explicit settings, in the order pcs is given them. */
  operations: PcsOperation[];
}

/** A group: primitives that start in member order, stop in reverse and run on one node. */
export interface PcsGroup {
  /** CIB id (`service01`). */
  id: string;
  /** Members in start order. */
  members: PcsResource[];
  /** Meta attributes of the group itself (`resource-stickiness`), set after the members are created. */
  meta: Record<string, string>;
}

/** A location constraint: `rsc` prefers `node` with `score`, or avoids it (`-INFINITY`). */
export interface PcsLocation {
  rsc: string;
  /** Cluster node name (`node01h`). */
  node: string;
  /** As pacemaker writes it: `200`, `INFINITY`, `-INFINITY`. */
  score: string;
}

/** The score of an avoided node. */
export const AVOID_SCORE = "-INFINITY";

/** A clone: one primitive run on every node that may run it (`pcs resource create … clone`). */
export interface PcsClone {
  /** CIB id of the clone (pcs's default: {@link defaultCloneId}). */
  id: string;
  /** The cloned primitive. */
  resource: PcsResource;
  /** Meta attributes of the clone itself (`interleave`, `clone-max`, …), in the order pcs is given them. */
  meta: Record<string, string>;
}

/** A colocation constraint: `rsc` runs where `withRsc` runs (`score` INFINITY: only there). */
export interface PcsColocation {
  /** Constraint id. */
  id: string;
  rsc: string;
  withRsc: string;
  /** As pacemaker writes it: `INFINITY`, `-INFINITY`, `100`. */
  score: string;
}

/** The kinds of an order constraint (pacemaker's default: Mandatory). */
export type PcsOrderKind = "Mandatory" | "Optional" | "Serialize";

/** An order constraint: `then` starts after `first` (and, when `symmetrical`, stops before it). */
export interface PcsOrder {
  /** Constraint id. */
  id: string;
  first: string;
  then: string;
  kind: PcsOrderKind;
  /** Whether the reverse order holds for stops too (pacemaker's default: true). */
  symmetrical: boolean;
}

/** The operations of a rule expression that take no value. */
export const UNARY_RULE_OPERATIONS: readonly string[] = ["defined", "not_defined"];

/**
 * One expression of a rule, on a node attribute: `defined|not_defined <attribute>`, or
 * `<attribute> lt|gt|lte|gte|eq|ne [<type>] <value>`.
 */
export interface PcsRuleExpression {
  /** The node attribute (`pingd_score`). */
  attribute: string;
  /** `defined`, `not_defined`, `lt`, `gt`, `lte`, `gte`, `eq`, `ne`. */
  operation: string;
  /** How the values compare: `string`, `integer`, `number`, `version` (absent: pacemaker's default). */
  type?: string;
  /** The value compared with (absent for `defined`/`not_defined`). */
  value?: string;
}

/**
 * A location constraint with one rule: `rsc` gets `score` on every node where the rule holds
 * (`-INFINITY`: it may not run there).
 */
export interface PcsLocationRule {
  /** Constraint id (pcs names the rule `<id>-rule`). */
  id: string;
  rsc: string;
  /** As pacemaker writes it: `INFINITY`, `-INFINITY`, `100`. */
  score: string;
  /** How the expressions combine. */
  booleanOp: "and" | "or";
  /** The expressions, in order. */
  expressions: PcsRuleExpression[];
}

/** True when the resource is a fence device (class {@link STONITH_CLASS}). */
export function isStonith(resource: Pick<PcsResource, "agent">): boolean {
  return resource.agent.startsWith(`${STONITH_CLASS}:`);
}

/** `name=value` words of a record, in its order. */
function pairs(values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).map(([name, value]) => `${name}=${value}`);
}

/**
 * The words after a resource's id and agent: its attributes, `name=` for each of `remove`, one
 * `op <name> [interval=…] [timeout=…] [<attribute>=…]...` per operation, and `meta <name>=<value>...`
 * when it has meta.
 */
function settingWords(resource: PcsResource, remove: readonly string[]): string[] {
  const ops = resource.operations.flatMap((op) => [
    "op",
    op.name,
    ...(op.interval !== undefined ? [`interval=${op.interval}`] : []),
    ...(op.timeout !== undefined ? [`timeout=${op.timeout}`] : []),
    ...pairs(op.options ?? {}),
  ]);
  const meta = Object.keys(resource.meta).length > 0 ? ["meta", ...pairs(resource.meta)] : [];
  return [...pairs(resource.attributes), ...remove.map((name) => `${name}=`), ...ops, ...meta];
}

/**
 * The create argv of a resource: `pcs stonith create <id> <type> …` for a fence device, else
 * `pcs resource create <id> <agent> … [--group <group>] [--disabled]`.
 */
export function createArgv(
  resource: PcsResource,
  placement: { group?: string; disabled?: boolean } = {},
): string[] {
  const words = settingWords(resource, []);
  if (isStonith(resource)) {
    return [
      PCS,
      STONITH_CLASS,
      "create",
      resource.id,
      resource.agent.slice(STONITH_CLASS.length + 1),
      ...words,
    ];
  }
  return [
    PCS,
    "resource",
    "create",
    resource.id,
    resource.agent,
    ...words,
    ...(placement.group !== undefined ? ["--group", placement.group] : []),
    ...(placement.disabled === true ? ["--disabled"] : []),
  ];
}

/**
 * `pcs stonith|resource update <id> …`: every wanted attribute, operation and meta attribute, and
 * `name=` (removes it) for each attribute of `remove`.
 */
export function updateArgv(resource: PcsResource, remove: readonly string[] = []): string[] {
  const kind = isStonith(resource) ? STONITH_CLASS : "resource";
  return [PCS, kind, "update", resource.id, ...settingWords(resource, remove)];
}

/**
 * The commands that create a group, in order:
 *
 * 1. `pcs resource create <id> <agent> <options> --group <group> --disabled` per member, in start
 *    order (the group starts its members in that order and stops them in reverse);
 * 2. `pcs resource disable <group>` unless the group starts by itself (`autostart` false, seed 001:
 *    the operator enables it);
 * 3. `pcs resource enable <id>...`, all members in one CIB update.
 *
 * Why `--disabled` and then `enable`: on a running cluster each `create` is live at once, so
 * without it the VIP would start before the file system exists. And the members must not stay
 * disabled: `pcs resource enable <group>` only clears the group's own target-role
 * (pcs/lib/cib/resource/common.py find_resources_to_enable), so a member left disabled would keep
 * the group down after the operator enabled it. The group's own meta is set by {@link metaArgv}.
 */
export function groupCreateArgv(group: PcsGroup, autostart: boolean): string[][] {
  return [...groupMemberCreateArgv(group), ...groupStartArgv(group, autostart)];
}

/** The first part of {@link groupCreateArgv}: each member created disabled in the group, in start order. */
export function groupMemberCreateArgv(group: PcsGroup): string[][] {
  return group.members.map((m) => createArgv(m, { group: group.id, disabled: true }));
}

/**
 * The second part of {@link groupCreateArgv}: `pcs resource disable <group>` unless the group starts
 * by itself, then every member enabled in one CIB update (constraints that must hold before the
 * group may start go between the two parts).
 */
export function groupStartArgv(group: PcsGroup, autostart: boolean): string[][] {
  return [
    ...(autostart ? [] : [[PCS, "resource", "disable", group.id]]),
    enableArgv(group.members.map((m) => m.id)),
  ];
}

/** `pcs resource enable <id>...`: clears their target-role in one CIB update. */
export function enableArgv(ids: readonly string[]): string[] {
  return [PCS, "resource", "enable", ...ids];
}

/** The id pcs gives the clone of `rsc` when it is given none: `<rsc>-clone`. */
export function defaultCloneId(rsc: string): string {
  return `${rsc}-clone`;
}

/**
 * `pcs resource create <primitive> … clone [<clone id>] [<meta>...]`: the primitive with its
 * settings, cloned; the clone's id only when it is not pcs's default ({@link defaultCloneId}).
 */
export function cloneCreateArgv(clone: PcsClone): string[] {
  const id = clone.id === defaultCloneId(clone.resource.id) ? [] : [clone.id];
  return [...createArgv(clone.resource), "clone", ...id, ...pairs(clone.meta)];
}

/** `pcs constraint colocation add <rsc> with <with-rsc> score=<score> id=<id>`. */
export function colocationArgv(c: PcsColocation): string[] {
  return [PCS, "constraint", "colocation", "add", c.rsc, "with", c.withRsc, `score=${c.score}`, `id=${c.id}`];
}

/** `pcs constraint order <first> then <then> kind=<kind> symmetrical=true|false id=<id>`. */
export function orderArgv(o: PcsOrder): string[] {
  return [
    PCS,
    "constraint",
    "order",
    o.first,
    "then",
    o.then,
    `kind=${o.kind}`,
    `symmetrical=${String(o.symmetrical)}`,
    `id=${o.id}`,
  ];
}

/** The words of a rule's expressions as pcs takes them, joined by its boolean operator. */
export function ruleWords(rule: Pick<PcsLocationRule, "booleanOp" | "expressions">): string[] {
  return rule.expressions.flatMap((e, i) => [
    ...(i > 0 ? [rule.booleanOp] : []),
    ...(UNARY_RULE_OPERATIONS.includes(e.operation)
      ? [e.operation, e.attribute]
      : [e.attribute, e.operation, ...(e.type !== undefined ? [e.type] : []), e.value ?? ""]),
  ]);
}

/**
 * `pcs constraint location <rsc> rule constraint-id=<id> score=<score> <expression>`: the options
 * first (pcs reads them only before the expression), then {@link ruleWords}.
 */
export function locationRuleArgv(r: PcsLocationRule): string[] {
  return [
    PCS,
    "constraint",
    "location",
    r.rsc,
    "rule",
    `constraint-id=${r.id}`,
    `score=${r.score}`,
    ...ruleWords(r),
  ];
}

/** `pcs constraint remove <id>...`. */
export function constraintRemoveArgv(ids: readonly string[]): string[] {
  return [PCS, "constraint", "remove", ...ids];
}

/** `pcs resource meta <id> <name>=<value>...`, with `name=` (removes it) for each name of `remove`. */
export function metaArgv(
  id: string,
  meta: Readonly<Record<string, string>>,
  remove: readonly string[] = [],
): string[] {
  return [PCS, "resource", "meta", id, ...pairs(meta), ...remove.map((name) => `${name}=`)];
}

/**
 * The location constraints of `rsc`: `pcs constraint location <rsc> prefers <node>=<score>...` for
 * the preferred nodes, then `pcs constraint location <rsc> avoids <node>...` for the avoided ones
 * ({@link AVOID_SCORE}); a command only when it has nodes.
 */
export function locationArgv(rsc: string, locations: readonly PcsLocation[]): string[][] {
  const prefers = locations.filter((l) => l.score !== AVOID_SCORE).map((l) => `${l.node}=${l.score}`);
  const avoids = locations.filter((l) => l.score === AVOID_SCORE).map((l) => l.node);
  return [
    ...(prefers.length > 0 ? [[PCS, "constraint", "location", rsc, "prefers", ...prefers]] : []),
    ...(avoids.length > 0 ? [[PCS, "constraint", "location", rsc, "avoids", ...avoids]] : []),
  ];
}
