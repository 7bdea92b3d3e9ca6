/**
 * Where a service group runs: the location constraints of its failover domain (rgmanager's
 * failoverdomain, seed 001) and its stickiness, as structures and as pcs commands.
 *
 * Syntax facts relied on: `pcs constraint location <rsc> prefers|avoids <node>[=<score>]...`;
 * `pcs resource meta <id> <name>=<value>` (an empty value removes it).
 */
import { HOST_NAME } from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import type { ServiceGroupSpec } from "../../../spec/types";
import { AVOID_SCORE, locationArgv, metaArgv, type PcsGroup, type PcsLocation } from "./pcs-resource";
import { checkCibId, quoted } from "./pcs-validate";

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
