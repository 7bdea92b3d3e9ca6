/**
 * Where resources run and in which order: the location constraints of a service group's failover
 * domain (rgmanager's failoverdomain, seed 001) and its stickiness; and the constraints of a group
 * with the clones it depends on (seed 002): colocation, order, location rules on a node attribute.
 * As structures (pcs-resource.ts), checked, and as pcs commands.
 *
 * Syntax facts relied on: `pcs constraint location <rsc> prefers|avoids <node>[=<score>]...`;
 * `pcs resource meta <id> <name>=<value>` (an empty value removes it); the colocation, order and
 * rule syntax listed in pcs-resource.ts.
 */
import { CONTROL_CHARACTER, HOST_NAME, OPTION_NAME } from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import type { ServiceGroupSpec } from "../../../spec/types";
import {
  AVOID_SCORE,
  colocationArgv,
  locationArgv,
  locationRuleArgv,
  metaArgv,
  orderArgv,
  UNARY_RULE_OPERATIONS,
  type PcsColocation,
  type PcsGroup,
  type PcsLocation,
  type PcsLocationRule,
  type PcsOrder,
} from "./pcs-resource";
import { checkCibId, quoted } from "./pcs-validate";

/** Every constraint of a set of resources, by kind. */
export interface PcsConstraints {
  /** Simple location constraints (resource, node, score). */
  locations: PcsLocation[];
  /** Location constraints with a rule. */
  rules: PcsLocationRule[];
  colocations: PcsColocation[];
  orders: PcsOrder[];
}

/** A score pacemaker takes: a whole number, or `INFINITY` with an optional sign. */
const SCORE = /^([+-]?INFINITY|[+-]?[0-9]+)$/;

/** The comparison operations of a rule expression. */
const COMPARISONS: readonly string[] = ["lt", "gt", "lte", "gte", "eq", "ne"];

/** The value types of a rule expression. */
const RULE_TYPES: readonly string[] = ["string", "integer", "number", "version"];

/** The words that end an expression's value or start another one: never a value of ours. */
const RULE_KEYWORDS: readonly string[] = [
  "and",
  "or",
  "(",
  ")",
  ...UNARY_RULE_OPERATIONS,
  ...COMPARISONS,
  ...RULE_TYPES,
];

/** Records the problems of one constraint set at `field` (ids, scores, rule expressions). */
export function checkConstraints(problems: Problems, field: string, c: PcsConstraints): void {
  const ids = [...c.rules, ...c.colocations, ...c.orders].map((x) => x.id);
  const id = (where: string, value: string) =>
    checkCibId(problems, where, value, "start with a letter or '_', then letters, digits, '_', '.' or '-'");
  const score = (where: string, value: string) =>
    problems.need(
      SCORE.test(value),
      where,
      `${quoted(value)} is not a score`,
      "use a whole number or [-]INFINITY",
    );
  ids.forEach((value, i) => {
    problems.need(
      ids.indexOf(value) === i,
      field,
      `the constraint id ${quoted(value)} is used twice`,
      "give every constraint its own id",
    );
  });
  c.locations.forEach((l, i) => {
    id(`${field}.locations[${i}].rsc`, l.rsc);
    score(`${field}.locations[${i}].score`, l.score);
  });
  c.rules.forEach((r, i) => {
    const at = `${field}.rules[${i}]`;
    id(`${at}.id`, r.id);
    id(`${at}.rsc`, r.rsc);
    score(`${at}.score`, r.score);
    problems.need(
      r.expressions.length > 0,
      `${at}.expressions`,
      "the rule has no expression",
      "give it at least one",
    );
    r.expressions.forEach((e, k) => checkExpression(problems, `${at}.expressions[${k}]`, e));
  });
  c.colocations.forEach((x, i) => {
    const at = `${field}.colocations[${i}]`;
    id(`${at}.id`, x.id);
    id(`${at}.rsc`, x.rsc);
    id(`${at}.withRsc`, x.withRsc);
    score(`${at}.score`, x.score);
    problems.need(x.rsc !== x.withRsc, at, "a resource is colocated with itself", "name two resources");
  });
  c.orders.forEach((o, i) => {
    const at = `${field}.orders[${i}]`;
    id(`${at}.id`, o.id);
    id(`${at}.first`, o.first);
    id(`${at}.then`, o.then);
    problems.need(o.first !== o.then, at, "a resource is ordered after itself", "name two resources");
  });
}

/** Records the problems of one rule expression. */
function checkExpression(problems: Problems, at: string, e: PcsLocationRule["expressions"][number]): void {
  problems.need(
    OPTION_NAME.test(e.attribute) && !RULE_KEYWORDS.includes(e.attribute),
    `${at}.attribute`,
    `${quoted(e.attribute)} is not a node attribute name`,
    "use letters, digits, '-' and '_', starting with a letter (e.g. pingd_score)",
  );
  if (UNARY_RULE_OPERATIONS.includes(e.operation)) {
    problems.need(
      e.value === undefined && e.type === undefined,
      at,
      `${e.operation} takes no value and no type`,
      "leave value and type out",
    );
    return;
  }
  problems.need(
    COMPARISONS.includes(e.operation),
    `${at}.operation`,
    `${quoted(e.operation)} is not a rule operation`,
    `use one of ${[...UNARY_RULE_OPERATIONS, ...COMPARISONS].join(", ")}`,
  );
  problems.need(
    e.type === undefined || RULE_TYPES.includes(e.type),
    `${at}.type`,
    `${quoted(e.type)} is not a value type`,
    `use one of ${RULE_TYPES.join(", ")}`,
  );
  const value = e.value ?? "";
  problems.need(
    value !== "" && !/\s/.test(value) && !CONTROL_CHARACTER.test(value) && !RULE_KEYWORDS.includes(value),
    `${at}.value`,
    `${quoted(e.value)} is not a value a rule can compare with`,
    "give one word that is not a rule keyword",
  );
}

/**
 * The commands that add every constraint of `c`: the simple location constraints of each resource
 * (prefers, then avoids), the rules, the colocations, the orders. Throws one error listing every
 * problem ({@link checkConstraints}).
 */
export function constraintsArgv(c: PcsConstraints): string[][] {
  const problems = new Problems();
  checkConstraints(problems, "constraints", c);
  problems.throwIfAny("pcs constraint");
  const rscs = c.locations.map((l) => l.rsc).filter((rsc, i, all) => all.indexOf(rsc) === i);
  return [
    ...rscs.flatMap((rsc) =>
      locationArgv(
        rsc,
        c.locations.filter((l) => l.rsc === rsc),
      ),
    ),
    ...c.rules.map(locationRuleArgv),
    ...c.colocations.map(colocationArgv),
    ...c.orders.map(orderArgv),
  ];
}

/**
 * The rule that keeps `rsc` off every node where the node attribute `attribute` (a ping clone's
 * connectivity score) is undefined or below `minimum`: score `-INFINITY`, `<attribute> lt integer
 * <minimum> or not_defined <attribute>`. `-INFINITY` wins over any stickiness, so the resource
 * leaves a node that lost connectivity even with stickiness INFINITY.
 */
export function attributeBelowRule(p: {
  id: string;
  rsc: string;
  attribute: string;
  minimum: number;
}): PcsLocationRule {
  return {
    id: p.id,
    rsc: p.rsc,
    score: AVOID_SCORE,
    booleanOp: "or",
    expressions: [
      { attribute: p.attribute, operation: "lt", type: "integer", value: String(p.minimum) },
      { attribute: p.attribute, operation: "not_defined" },
    ],
  };
}

/** The meta attributes of a group the lab manages: one the config does not want is removed. */
export const GROUP_META: readonly string[] = ["resource-stickiness"];

/**
 * The location constraints of a failover domain:
 *
 * - the domain's nodes in priority order score 100 × (count − position), so the first node scores
 *   highest (two nodes: 200, 100) and a freshly enabled group starts there (the seed's test
 *   expects node01). Scores follow the list whether or not the domain is `ordered`; whether the
 *   group moves back when a better node returns is a matter of stickiness ({@link pcsGroupStickiness}).
 * - `restricted`: every other cluster node avoided ({@link AVOID_SCORE}).
 *
 * `nodeHostnames` maps every cluster member's name to its cluster node name (`node01` →
 * `node01h`). Throws one error listing every problem.
 */
export function groupLocations(
  group: string,
  domain: Pick<ServiceGroupSpec["domain"], "nodes" | "restricted">,
  nodeHostnames: Readonly<Record<string, string>>,
): PcsLocation[] {
  const problems = new Problems();
  checkCibId(problems, "group", group, "use the service group's name (e.g. service01)");
  problems.need(
    domain.nodes.length > 0,
    "domain.nodes",
    "the domain has no node",
    "list the nodes the group may run on",
  );
  domain.nodes.forEach((node, i) => {
    problems.need(
      nodeHostnames[node] !== undefined,
      `domain.nodes[${i}]`,
      `${quoted(node)} is not a cluster member`,
      `use member names: ${Object.keys(nodeHostnames).join(", ") || "(none given)"}`,
    );
    problems.need(
      domain.nodes.indexOf(node) === i,
      `domain.nodes[${i}]`,
      `${quoted(node)} is listed twice`,
      "list every node once",
    );
  });
  for (const [member, host] of Object.entries(nodeHostnames)) {
    problems.need(
      HOST_NAME.test(host),
      `nodeHostnames.${member}`,
      `${quoted(host)} is not a host name`,
      "give the member's name on link 0 (e.g. node01h)",
    );
  }
  problems.throwIfAny(`pcs constraint location ${group}`);
  const count = domain.nodes.length;
  const prefers = domain.nodes.map((node, i) => ({
    rsc: group,
    node: nodeHostnames[node] ?? node,
    score: String((count - i) * 100),
  }));
  const avoids = domain.restricted
    ? Object.entries(nodeHostnames)
        .filter(([member]) => !domain.nodes.includes(member))
        .map(([, host]) => ({ rsc: group, node: host, score: AVOID_SCORE }))
    : [];
  return [...prefers, ...avoids];
}

/**
 * `pcs constraint location <group> prefers <node>=<score>...`, then for a restricted domain
 * `pcs constraint location <group> avoids <node>...` (none when the domain holds every node):
 * {@link groupLocations} as argv.
 */
export function pcsLocationPrefers(
  group: string,
  domain: Pick<ServiceGroupSpec["domain"], "nodes" | "restricted">,
  nodeHostnames: Readonly<Record<string, string>>,
): string[][] {
  return locationArgv(group, groupLocations(group, domain, nodeHostnames));
}

/**
 * `pcs resource meta <group> resource-stickiness=<n>`, or `undefined` when the group keeps the
 * cluster's default stickiness.
 */
export function pcsGroupStickiness(
  group: Pick<ServiceGroupSpec, "name" | "stickiness">,
): string[] | undefined {
  if (group.stickiness === undefined) return undefined;
  const problems = new Problems();
  checkCibId(problems, "name", group.name, "use the service group's name (e.g. service01)");
  problems.need(
    Number.isInteger(group.stickiness) && group.stickiness >= 0,
    "stickiness",
    `${group.stickiness} is not a whole number ≥ 0`,
    "use e.g. 100 (higher than the location score steps of 100 keeps the group where it runs)",
  );
  problems.throwIfAny(`pcs resource meta ${group.name}`);
  return metaArgv(group.name, { "resource-stickiness": String(group.stickiness) });
}

/** `pcs resource meta <group> …`: the group's wanted meta, and `name=` for each {@link GROUP_META} not wanted. */
export function groupMetaArgv(group: PcsGroup): string[] {
  return metaArgv(
    group.id,
    group.meta,
    GROUP_META.filter((name) => group.meta[name] === undefined),
  );
}
