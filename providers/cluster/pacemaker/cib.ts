/**
 * Parsers of pacemaker's XML: the CIB (`cibadmin --query`, or `pcs cluster cib`, pacemaker 2.1 /
 * schema pacemaker-3.x) and the status (`crm_mon -1 --output-as=xml`).
 *
 * Shapes worth knowing:
 * - Every value is read as a string (fast-xml-parser's number conversion is off), so a property
 *   value of `INFINITY`, `120s` or `0800` survives as written.
 * - Any repeated element comes back as an object when it occurs once and as an array otherwise;
 *   {@link elements} takes both. An empty element (`<constraints/>`) comes back as `""` and reads
 *   as no children.
 * - fast-xml-parser groups children by tag name: the order of same-named siblings is kept (the
 *   members of a `<group>`), the order between different tags is not (a top-level `<primitive>`
 *   against a `<group>`). Results list top-level primitives first, then groups, then clones.
 * - Name/value sets (`cluster_property_set`, `instance_attributes`, `meta_attributes`) may occur
 *   several times (with rules or scores); they are merged in document order, a later set winning.
 *   Rules are not evaluated (a location rule is read as written: score, boolean-op, expressions).
 * - pcs creates ids such as `<rsc>-instance_attributes-<name>`, `<rsc>-monitor-interval-60s` and
 *   `location-<rsc>-<node>-<score>`; nothing here depends on them.
 * - `crm_mon --output-as=xml` answers `<pacemaker-result>`; the deprecated `--as-xml` answers
 *   `<crm_mon>` with the same `<summary>`, `<nodes>` and `<resources>`. Without a running cluster
 *   the answer is a `<pacemaker-result>` with only a non-zero `<status>` and its `<errors>`.
 */
import { XMLValidator } from "fast-xml-parser";
import { attr, elements, type XmlElement } from "../../libvirt/virsh";
import { child, parseStringXml, texts } from "../../core/xml-strings";

/**
 * Cluster properties that pacemaker maintains itself; pcs 0.11 refuses to set or unset them
 * (pcs/lib/cib/cluster_property.py READONLY_CLUSTER_PROPERTY_LIST). {@link parseCib} leaves them
 * out of {@link CibState.properties}, so the result compares with the desired properties directly.
 */
export const CIB_READONLY_PROPERTIES: readonly string[] = [
  "cluster-infrastructure",
  "cluster-name",
  "dc-version",
  "have-watchdog",
  "last-lrm-refresh",
];

/** An `<op>` of a primitive. */
export interface CibOperation {
  id: string;
  /** Action: monitor, start, stop, … */
  name: string;
  /** As written (`10s`, `0s`, `60`). */
  interval: string;
  /** As written, when set. */
  timeout?: string;
  /** Role of a role-specific monitor (`Promoted`, `Unpromoted`), when set. */
  role?: string;
  /**
   * Its other attributes (`start-delay`, `on-fail`, `record-pending`, …) as written; present only
   * when it has some.
   */
  options?: Record<string, string>;
}

/** A `<primitive>`: a resource or (class `stonith`) a fence device. */
export interface CibPrimitive {
  id: string;
  /** Resource class: `ocf`, `stonith`, `systemd`, `lsb`, … */
  class: string;
  /** OCF provider (`heartbeat`, `pacemaker`); absent for other classes. */
  provider?: string;
  /** Agent: `IPaddr2`, `fence_virsh`, … */
  type: string;
  /** The group the primitive belongs to. */
  group?: string;
  /** The clone the primitive (or its group) belongs to. */
  clone?: string;
  /** Instance attributes (agent parameters), every set merged. */
  instanceAttributes: Record<string, string>;
  /** Meta attributes (target-role, resource-stickiness, …), every set merged. */
  meta: Record<string, string>;
  operations: CibOperation[];
}

/** A `<group>`. */
export interface CibGroup {
  id: string;
  /** Member primitive ids, in start order. */
  members: string[];
  meta: Record<string, string>;
  /** The clone the group belongs to. */
  clone?: string;
}

/** A `<clone>`: of one primitive or of one group. */
export interface CibClone {
  id: string;
  /** The cloned primitive's id, when it clones a primitive. */
  primitive?: string;
  /** The cloned group's id, when it clones a group. */
  group?: string;
  /** Meta attributes of the clone (target-role, interleave, …), every set merged. */
  meta: Record<string, string>;
}

/**
 * A simple `rsc_location` (resource, node, score); rule constraints are {@link CibLocationRule}s,
 * set constraints are not listed.
 */
export interface CibLocation {
  id: string;
  rsc: string;
  node: string;
  /** As written: `200`, `INFINITY`, `-INFINITY`. */
  score: string;
}

/** An `<expression>` of a rule (a node attribute compared). */
export interface CibRuleExpression {
  id: string;
  attribute: string;
  operation: string;
  /** As written, when set. */
  type?: string;
  /** As written, when set (`defined`/`not_defined` have none). */
  value?: string;
}

/**
 * One `<rule>` of an `rsc_location` on a resource (`rsc`); a constraint with several rules is
 * listed once per rule. Only the rule's own `<expression>`s are read (no nested rule, no date).
 */
export interface CibLocationRule {
  /** The constraint's id. */
  id: string;
  rsc: string;
  /** The rule's id. */
  ruleId: string;
  /** The rule's score as written (absent: a `score-attribute` rule, or pacemaker's default). */
  score?: string;
  /** `and` or `or` as written (pacemaker's default when absent: and). */
  booleanOp?: string;
  expressions: CibRuleExpression[];
}

/** A simple `rsc_colocation` (`rsc` runs with `withRsc`); set constraints are not listed. */
export interface CibColocation {
  id: string;
  rsc: string;
  withRsc: string;
  /** As written; pacemaker's default when absent is INFINITY (left out here). */
  score?: string;
}

/** A simple `rsc_order` (`first` then `then`); set constraints are not listed. */
export interface CibOrder {
  id: string;
  first: string;
  then: string;
  /** Mandatory (pacemaker's default), Optional or Serialize, when written. */
  kind?: string;
  /** `true` (pacemaker's default) or `false`, when written. */
  symmetrical?: string;
}

/** The configuration section of a CIB, as the providers compare it with the desired state. */
export interface CibState {
  /** Cluster properties of every `cluster_property_set`, without {@link CIB_READONLY_PROPERTIES}. */
  properties: Record<string, string>;
  /** Resource defaults (`rsc_defaults` meta attributes, every set merged). */
  rscDefaults: Record<string, string>;
  /** Every primitive: top level, in groups, in clones. */
  primitives: CibPrimitive[];
  groups: CibGroup[];
  clones: CibClone[];
  /** The fence devices: {@link primitives} of class `stonith` ({@link stonithPrimitives}). */
  stonith: CibPrimitive[];
  constraints: {
    locations: CibLocation[];
    rules: CibLocationRule[];
    colocations: CibColocation[];
    orders: CibOrder[];
  };
  /** Cluster nodes (`<nodes>`): corosync node id and name. */
  nodes: { id: string; uname: string }[];
  /** The fail counts in the status section (a node's transient attributes), every one recorded. */
  failCounts: CibFailCount[];
}

/** A resource's fail count on a node (`fail-count-<rsc>#<op>_<interval>` = `value`). */
export interface CibFailCount {
  /** The node's name (its `uname`). */
  node: string;
  resource: string;
  /** The failed operation (`start`, `monitor`, …); empty in pacemaker 1's `fail-count-<rsc>`. */
  operation: string;
  /** `INFINITY` or a count. */
  value: string;
}

/** A node of `crm_mon --output-as=xml`. */
export interface CrmMonNode {
  name: string;
  online: boolean;
  standby: boolean;
  /** The node must be fenced before the cluster trusts its state again. */
  unclean: boolean;
}

/**
 * A resource instance of `crm_mon --output-as=xml`. A clone lists one entry per instance, with
 * the same id.
 */
export interface CrmMonResource {
  id: string;
  /** `Started`, `Stopped`, `Promoted`, `Unpromoted`, `Starting`, … */
  role: string;
  active: boolean;
  /** The node it runs on (the first one when pacemaker sees it active on several). */
  node?: string;
  /** The group it belongs to (clone instance suffixes such as `:0` removed). */
  group?: string;
}

/** What `crm_mon --output-as=xml` reports. */
export interface CrmMonState {
  nodes: CrmMonNode[];
  resources: CrmMonResource[];
  /** The partition that answered has quorum. */
  quorum: boolean;
  /** Name of the designated controller, when there is one. */
  dc?: string;
}

/** The primitives that are fence devices (class `stonith`). */
export function stonithPrimitives(primitives: readonly CibPrimitive[]): CibPrimitive[] {
  return primitives.filter((p) => p.class === "stonith");
}

/** Parses XML with every value as a string; throws when the text is not well-formed XML. */
function parseDocument(xml: string, what: string): XmlElement {
  if (xml.trim() === "") throw new Error(`${what} printed nothing`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line } = valid.err;
    throw new Error(`${what} printed malformed XML (line ${line}: ${msg})`);
  }
  return parseStringXml(xml);
}

/** The nvpairs of every set at `key` of `node`, merged in order (a later pair wins). */
function nvpairs(node: XmlElement | undefined, key: string): Record<string, string> {
  const pairs = elements(node, key)
    .flatMap((set) => elements(set, "nvpair"))
    .map((nv): [string, string] => [attr(nv, "name"), attr(nv, "value")])
    .filter(([name]) => name !== "");
  // fromEntries defines own properties, so no name can reach the prototype.
  return Object.fromEntries(pairs);
}

/** `key` → value when the attribute is present (for optional fields). */
function optional<K extends string>(node: XmlElement, name: string, key: K): { [P in K]?: string } {
  const value = node[`@_${name}`];
  return typeof value === "string" ? ({ [key]: value } as { [P in K]?: string }) : {};
}

/** The attributes of an element that the reader does not name itself, in document order. */
function otherAttributes(node: XmlElement, named: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key.startsWith("@_") && typeof value === "string")
      .map(([key, value]): [string, string] => [key.slice(2), String(value)])
      .filter(([name]) => !named.includes(name)),
  );
}

function operationOf(op: XmlElement): CibOperation {
  const options = otherAttributes(op, ["id", "name", "interval", "timeout", "role"]);
  return {
    id: attr(op, "id"),
    name: attr(op, "name"),
    interval: attr(op, "interval"),
    ...optional(op, "timeout", "timeout"),
    ...optional(op, "role", "role"),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
}

/** The rules of an `rsc_location` on a resource, one entry each. */
function locationRulesOf(l: XmlElement): CibLocationRule[] {
  return elements(l, "rule").map((rule) => ({
    id: attr(l, "id"),
    rsc: attr(l, "rsc"),
    ruleId: attr(rule, "id"),
    ...optional(rule, "score", "score"),
    ...optional(rule, "boolean-op", "booleanOp"),
    expressions: elements(rule, "expression").map((e) => ({
      id: attr(e, "id"),
      attribute: attr(e, "attribute"),
      operation: attr(e, "operation"),
      ...optional(e, "type", "type"),
      ...optional(e, "value", "value"),
    })),
  }));
}

function primitiveOf(p: XmlElement, group?: string, clone?: string): CibPrimitive {
  return {
    id: attr(p, "id"),
    class: attr(p, "class"),
    ...optional(p, "provider", "provider"),
    type: attr(p, "type"),
    ...(group !== undefined ? { group } : {}),
    ...(clone !== undefined ? { clone } : {}),
    instanceAttributes: nvpairs(p, "instance_attributes"),
    meta: nvpairs(p, "meta_attributes"),
    operations: elements(child(p, "operations"), "op").map(operationOf),
  };
}

/** The fail counts of `<status>`: each node state's transient attributes named `fail-count-…`. */
function failCountsOf(status: XmlElement | undefined): CibFailCount[] {
  return elements(status, "node_state").flatMap((state) =>
    Object.entries(nvpairs(child(state, "transient_attributes"), "instance_attributes")).flatMap(
      ([name, value]) => {
        const m = /^fail-count-(.+?)(?:#([A-Za-z_-]+?)_\d+)?$/.exec(name);
        return m === null
          ? []
          : [{ node: attr(state, "uname"), resource: m[1] ?? "", operation: m[2] ?? "", value }];
      },
    ),
  );
}

/**
 * Parses the CIB printed by `cibadmin --query` (or `pcs cluster cib`): properties, resource
 * defaults, primitives, groups, clones, fence devices, simple and rule constraints (not sets),
 * nodes, and of the `<status>` section only the fail counts ({@link parseCrmMonXml} reads the
 * state). Throws when the text is not a CIB.
 */
export function parseCib(xml: string): CibState {
  const cib = child(parseDocument(xml, "cibadmin --query"), "cib");
  if (cib === undefined) throw new Error("cibadmin --query: the XML has no <cib> element");
  const configuration = child(cib, "configuration");
  if (configuration === undefined) throw new Error("cibadmin --query: the CIB has no <configuration>");

  const readonly: readonly string[] = CIB_READONLY_PROPERTIES;
  const properties = Object.fromEntries(
    Object.entries(nvpairs(child(configuration, "crm_config"), "cluster_property_set")).filter(
      ([name]) => !readonly.includes(name),
    ),
  );

  const resources = child(configuration, "resources");
  const primitives: CibPrimitive[] = [];
  const groups: CibGroup[] = [];
  const addGroup = (g: XmlElement, clone?: string): void => {
    const id = attr(g, "id");
    const members = elements(g, "primitive").map((p) => primitiveOf(p, id, clone));
    primitives.push(...members);
    groups.push({
      id,
      members: members.map((m) => m.id),
      meta: nvpairs(g, "meta_attributes"),
      ...(clone !== undefined ? { clone } : {}),
    });
  };
  const clones: CibClone[] = [];
  primitives.push(...elements(resources, "primitive").map((p) => primitiveOf(p)));
  for (const g of elements(resources, "group")) addGroup(g);
  for (const c of elements(resources, "clone")) {
    const cloneId = attr(c, "id");
    const cloned = elements(c, "primitive").map((p) => primitiveOf(p, undefined, cloneId));
    primitives.push(...cloned);
    const groups = elements(c, "group");
    for (const g of groups) addGroup(g, cloneId);
    clones.push({
      id: cloneId,
      ...(cloned[0] !== undefined ? { primitive: cloned[0].id } : {}),
      ...(groups[0] !== undefined ? { group: attr(groups[0], "id") } : {}),
      meta: nvpairs(c, "meta_attributes"),
    });
  }

  const constraints = child(configuration, "constraints");
  const locations = elements(constraints, "rsc_location")
    .filter((l) => attr(l, "rsc") !== "" && attr(l, "node") !== "")
    .map((l) => ({ id: attr(l, "id"), rsc: attr(l, "rsc"), node: attr(l, "node"), score: attr(l, "score") }));
  const rules = elements(constraints, "rsc_location")
    .filter((l) => attr(l, "rsc") !== "")
    .flatMap(locationRulesOf);
  const colocations = elements(constraints, "rsc_colocation")
    .filter((c) => attr(c, "rsc") !== "" && attr(c, "with-rsc") !== "")
    .map((c) => ({
      id: attr(c, "id"),
      rsc: attr(c, "rsc"),
      withRsc: attr(c, "with-rsc"),
      ...optional(c, "score", "score"),
    }));
  const orders = elements(constraints, "rsc_order")
    .filter((o) => attr(o, "first") !== "" && attr(o, "then") !== "")
    .map((o) => ({
      id: attr(o, "id"),
      first: attr(o, "first"),
      then: attr(o, "then"),
      ...optional(o, "kind", "kind"),
      ...optional(o, "symmetrical", "symmetrical"),
    }));

  return {
    properties,
    rscDefaults: nvpairs(child(configuration, "rsc_defaults"), "meta_attributes"),
    primitives,
    groups,
    clones,
    stonith: stonithPrimitives(primitives),
    constraints: { locations, rules, colocations, orders },
    nodes: elements(child(configuration, "nodes"), "node").map((n) => ({
      id: attr(n, "id"),
      uname: attr(n, "uname"),
    })),
    failCounts: failCountsOf(child(cib, "status")),
  };
}

/** The resources under `node` (resources, groups, clones, bundle replicas), depth first. */
function crmMonResources(node: XmlElement | undefined, group?: string): CrmMonResource[] {
  const own = elements(node, "resource").map((r) => {
    const on = attr(child(r, "node"), "name");
    return {
      id: attr(r, "id"),
      role: attr(r, "role"),
      active: attr(r, "active") === "true",
      ...(on !== "" ? { node: on } : {}),
      ...(group !== undefined ? { group } : {}),
    };
  });
  return [
    ...own,
    // A cloned group's instances are named `group:0`, `group:1`, …
    ...elements(node, "group").flatMap((g) => crmMonResources(g, attr(g, "id").replace(/:\d+$/, ""))),
    ...elements(node, "clone").flatMap((c) => crmMonResources(c, group)),
    ...elements(node, "bundle").flatMap((b) =>
      elements(b, "replica").flatMap((replica) => crmMonResources(replica, group)),
    ),
  ];
}

/**
 * Parses `crm_mon -1 --output-as=xml` (pacemaker 2.1; the deprecated `--as-xml` form too): nodes,
 * resource instances, quorum and the DC. Throws with crm_mon's own error when it reports no
 * cluster (e.g. `Not connected` while pacemaker is stopped).
 */
export function parseCrmMonXml(xml: string): CrmMonState {
  const doc = parseDocument(xml, "crm_mon");
  const root = child(doc, "pacemaker-result") ?? child(doc, "crm_mon");
  if (root === undefined) throw new Error("crm_mon: the XML is neither <pacemaker-result> nor <crm_mon>");
  const summary = child(root, "summary");
  if (summary === undefined) {
    const status = child(root, "status");
    const errors = texts(child(status, "errors"), "error");
    const code = attr(status, "code") || "missing";
    const message = attr(status, "message") || "no message";
    throw new Error(
      `crm_mon reported no cluster (status ${code}: ${message})${errors.length > 0 ? `: ${errors.join("; ")}` : ""}`,
    );
  }
  const dc = child(summary, "current_dc");
  const dcPresent = attr(dc, "present") === "true";
  return {
    nodes: elements(child(root, "nodes"), "node").map((n) => ({
      name: attr(n, "name"),
      online: attr(n, "online") === "true",
      standby: attr(n, "standby") === "true",
      unclean: attr(n, "unclean") === "true",
    })),
    resources: crmMonResources(child(root, "resources")),
    quorum: dcPresent && attr(dc, "with_quorum") === "true",
    ...(dcPresent && attr(dc, "name") !== "" ? { dc: attr(dc, "name") } : {}),
  };
}
