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
 */

/** The pcs binary. */
export const PCS = "pcs";

/** The resource class of fence devices: their agent is `stonith:<type>` (`stonith:fence_virsh`). */
export const STONITH_CLASS = "stonith";

/** An operation with explicit settings: `op <name> [interval=<interval>] [timeout=<timeout>]`. */
export interface PcsOperation {
  /** Action: `start`, `stop`, `monitor`, … */
  name: string;
  /** As pcs is given it (`30s`); absent: the agent's default. */
  interval?: string;
  /** As pcs is given it (`180s`); absent: the agent's default. */
  timeout?: string;
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
 * `op <name> [interval=…] [timeout=…]` per operation, and `meta <name>=<value>...` when it has meta.
 */
function settingWords(resource: PcsResource, remove: readonly string[]): string[] {
  const ops = resource.operations.flatMap((op) => [
    "op",
    op.name,
    ...(op.interval !== undefined ? [`interval=${op.interval}`] : []),
    ...(op.timeout !== undefined ? [`timeout=${op.timeout}`] : []),
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
 * The commands that create a group, in order: each member created disabled in the group, in start
 * order; `pcs resource disable <group>` unless the group starts by itself (`autostart`); every
 * member enabled in one CIB update. The group's own meta is set by {@link metaArgv}.
 */
export function groupCreateArgv(group: PcsGroup, autostart: boolean): string[][] {
  return [
    ...group.members.map((m) => createArgv(m, { group: group.id, disabled: true })),
    ...(autostart ? [] : [[PCS, "resource", "disable", group.id]]),
    [PCS, "resource", "enable", ...group.members.map((m) => m.id)],
  ];
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
