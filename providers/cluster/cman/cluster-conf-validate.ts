/**
 * The checks of a cluster.conf input before it is rendered: names with characters cman or
 * rgmanager reject, duplicate node names or ids, a service's failover domain or a node's fence
 * device that is not defined, resources rgmanager would see twice, … Every problem names its field
 * and the fix; {@link checkClusterConf} records them all in one {@link Problems}.
 */
import {
  ATTRIBUTE_PATH,
  CMAN_CLUSTER_NAME,
  CMAN_OBJECT_NAME,
  FENCE_ACTION,
  FENCE_AGENT,
  FENCE_PORT,
  FSTYPE,
  HOST_NAME,
  isHostNameOrIpv4,
  UNIX_USER_NAME,
} from "../../../spec/patterns";
import type { Problems } from "../../../spec/problems";
import { checkServiceAddress } from "../service-checks";
import type { ClusterConfInput, ClusterConfResource } from "./cluster-conf-input";

const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;
const quoted = (value: unknown): string => JSON.stringify(value);

/** Checks a name against its pattern (one of the name patterns above) with the matching fix. */
function checkName(problems: Problems, field: string, value: string, pattern: RegExp, what: string): void {
  const fix =
    pattern === CMAN_CLUSTER_NAME
      ? "use at most 15 letters, digits, '_' or '-' (e.g. cluster01)"
      : pattern === HOST_NAME
        ? "use a host name (letters, digits, '-', dots between labels) that resolves on every node"
        : pattern === FENCE_PORT
          ? "use the libvirt domain name (letters, digits, '_', '.', ':', '+', '-')"
          : "use letters, digits, '_', '-' and '.' only, starting with a letter or digit";
  const problem = `${what} ${quoted(value)} has characters cman/rgmanager reject`;
  problems.need(pattern.test(value), field, problem, fix);
}

/** Reports every key that occurs more than once (at `field(i)`, naming the first occurrence). */
function checkUnique(
  problems: Problems,
  keys: readonly string[],
  field: (i: number) => string,
  what: string,
  fix: string,
): void {
  keys.forEach((key, i) => {
    const first = keys.indexOf(key);
    problems.need(first === i, field(i), `${what} "${key}" is also ${field(first)}`, fix);
  });
}

/** The resources of a service tree with their field paths, depth first. */
function flattenResources(
  resources: readonly ClusterConfResource[],
  prefix: string,
): { resource: ClusterConfResource; field: string }[] {
  return resources.flatMap((resource, i) => {
    const field = `${prefix}[${i}]`;
    return [{ resource, field }, ...flattenResources(resource.children ?? [], `${field}.children`)];
  });
}

function checkResource(problems: Problems, r: ClusterConfResource, field: string): void {
  const isPath = (path: string, key: string, fix: string): void => {
    const problem = `${quoted(path)} is not an absolute path`;
    problems.need(ATTRIBUTE_PATH.test(path), `${field}.${key}`, problem, fix);
  };
  switch (r.kind) {
    case "ip":
      checkServiceAddress(problems, field, r.address);
      break;
    case "script":
      checkName(problems, `${field}.name`, r.name, CMAN_OBJECT_NAME, "script name");
      isPath(r.file, "file", "give the init script's path (e.g. /etc/init.d/glmount)");
      break;
    case "fs":
      checkName(problems, `${field}.name`, r.name, CMAN_OBJECT_NAME, "file system name");
      isPath(r.device, "device", "give the block device's path (/dev/…)");
      isPath(r.mountpoint, "mountpoint", "give an absolute mount point");
      problems.need(
        FSTYPE.test(r.fstype),
        `${field}.fstype`,
        `${quoted(r.fstype)} is not a file system type`,
        "use ext4 or xfs",
      );
      break;
  }
}

function checkCluster(problems: Problems, input: ClusterConfInput): void {
  const { cman, nodes } = input;
  checkName(problems, "name", input.name, CMAN_CLUSTER_NAME, "cluster name");
  problems.need(
    Number.isInteger(input.configVersion) && input.configVersion >= 0,
    "configVersion",
    `${input.configVersion} is not a whole number ≥ 0`,
    "use nextConfigVersion() (or UNVERSIONED before the version is decided)",
  );
  problems.need(
    isPositiveInt(cman.expectedVotes),
    "cman.expectedVotes",
    `${cman.expectedVotes} is not a whole number ≥ 1`,
    "use 1 with two_node, else the sum of the nodes' votes",
  );
  if (cman.twoNode) {
    problems.need(
      nodes.length === 2 && nodes.every((n) => n.votes === 1),
      "cman.twoNode",
      `two_node needs exactly two nodes with one vote each, there are ${nodes.length}`,
      "set twoNode false, or define exactly two nodes with votes 1",
    );
    problems.need(
      cman.expectedVotes === 1,
      "cman.expectedVotes",
      `cman requires expected_votes="1" with two_node, got ${cman.expectedVotes}`,
      "set expectedVotes to 1",
    );
  }
  problems.need(
    isPositiveInt(input.totem.token),
    "totem.token",
    `${input.totem.token} is not a whole number of milliseconds ≥ 1`,
    "use e.g. 20000 (the seed's value)",
  );
}

function checkNodes(problems: Problems, input: ClusterConfInput): void {
  const { nodes } = input;
  problems.need(nodes.length > 0, "nodes", "the cluster has no node", "define at least one node");
  const deviceNames = input.fenceDevices.map((d) => d.name);
  nodes.forEach((node, i) => {
    const f = `nodes[${i}]`;
    checkName(problems, `${f}.name`, node.name, HOST_NAME, "node name");
    if (node.altname !== undefined) checkName(problems, `${f}.altname`, node.altname, HOST_NAME, "altname");
    problems.need(
      isPositiveInt(node.nodeId),
      `${f}.nodeId`,
      `${node.nodeId} is not a whole number ≥ 1`,
      "number the nodes 1, 2, …",
    );
    problems.need(
      isPositiveInt(node.votes),
      `${f}.votes`,
      `${node.votes} is not a whole number ≥ 1`,
      "give every node 1 vote",
    );
    node.fence.forEach((entry, k) => {
      const ff = `${f}.fence[${k}]`;
      checkName(problems, `${ff}.method`, entry.method, CMAN_OBJECT_NAME, "fence method name");
      checkName(problems, `${ff}.port`, entry.port, FENCE_PORT, "fence port");
      problems.need(
        deviceNames.includes(entry.device),
        `${ff}.device`,
        `fence device "${entry.device}" is not defined`,
        `define it in fenceDevices, or use one of: ${deviceNames.join(", ") || "(none defined)"}`,
      );
    });
    checkUnique(
      problems,
      node.fence.map((e) => `${e.method}/${e.device}`),
      (k) => `${f}.fence[${k}]`,
      "method/device",
      "list each device once per method",
    );
  });
  checkUnique(
    problems,
    nodes.map((n) => String(n.nodeId)),
    (i) => `nodes[${i}].nodeId`,
    "nodeid",
    "give every node its own nodeid",
  );
  // Names and altnames together: every ring address must be a different host.
  const rings = nodes.flatMap((n, i) => [
    { name: n.name, field: `nodes[${i}].name` },
    ...(n.altname !== undefined ? [{ name: n.altname, field: `nodes[${i}].altname` }] : []),
  ]);
  checkUnique(
    problems,
    rings.map((r) => r.name),
    (i) => rings[i]?.field ?? "",
    "host name",
    "give every node its own name, and an altname on another network",
  );
}

function checkFenceDevices(problems: Problems, input: ClusterConfInput): void {
  input.fenceDevices.forEach((d, i) => {
    const f = `fenceDevices[${i}]`;
    checkName(problems, `${f}.name`, d.name, CMAN_OBJECT_NAME, "fence device name");
    problems.need(
      FENCE_AGENT.test(d.agent),
      `${f}.agent`,
      `${quoted(d.agent)} is not a fence agent`,
      "use fence_virsh",
    );
    problems.need(
      isHostNameOrIpv4(d.ipaddr),
      `${f}.ipaddr`,
      `${quoted(d.ipaddr)} is neither an IPv4 address nor a host name`,
      "give the KVM host's management address (e.g. 192.168.8.1)",
    );
    problems.need(
      UNIX_USER_NAME.test(d.login),
      `${f}.login`,
      `${quoted(d.login)} is not a user name`,
      "use e.g. root",
    );
    problems.need(
      ATTRIBUTE_PATH.test(d.identityFile),
      `${f}.identityFile`,
      `${quoted(d.identityFile)} is not an absolute path`,
      "use e.g. /etc/cluster/fence_virsh_key",
    );
    problems.need(
      FENCE_ACTION.test(d.option),
      `${f}.option`,
      `${quoted(d.option)} is not a fence action`,
      "use reboot or off",
    );
  });
  checkUnique(
    problems,
    input.fenceDevices.map((d) => d.name),
    (i) => `fenceDevices[${i}].name`,
    "fence device",
    "give every fence device its own name",
  );
}

function checkFailoverDomains(problems: Problems, input: ClusterConfInput): void {
  const nodeNames = input.nodes.map((n) => n.name);
  input.failoverDomains.forEach((d, i) => {
    const f = `failoverDomains[${i}]`;
    checkName(problems, `${f}.name`, d.name, CMAN_OBJECT_NAME, "failover domain name");
    problems.need(d.nodes.length > 0, `${f}.nodes`, "the domain has no node", "list its nodes");
    d.nodes.forEach((n, k) => {
      problems.need(
        nodeNames.includes(n.name),
        `${f}.nodes[${k}].name`,
        `"${n.name}" is not a cluster node`,
        `use one of: ${nodeNames.join(", ")}`,
      );
      problems.need(
        Number.isInteger(n.priority) && n.priority >= 1 && n.priority <= 100,
        `${f}.nodes[${k}].priority`,
        `${n.priority} is not in 1–100`,
        "use 1 for the most preferred node, 2 for the next, …",
      );
    });
    checkUnique(
      problems,
      d.nodes.map((n) => n.name),
      (k) => `${f}.nodes[${k}].name`,
      "node",
      "list every node once",
    );
  });
  checkUnique(
    problems,
    input.failoverDomains.map((d) => d.name),
    (i) => `failoverDomains[${i}].name`,
    "failover domain",
    "give every failover domain its own name",
  );
}

function checkServices(problems: Problems, input: ClusterConfInput): void {
  const domainNames = input.failoverDomains.map((d) => d.name);
  const resources: { resource: ClusterConfResource; field: string }[] = [];
  input.services.forEach((s, i) => {
    const f = `services[${i}]`;
    checkName(problems, `${f}.name`, s.name, CMAN_OBJECT_NAME, "service name");
    problems.need(
      s.domain === undefined || domainNames.includes(s.domain),
      `${f}.domain`,
      `failover domain "${s.domain}" does not exist`,
      `define it in failoverDomains, or use one of: ${domainNames.join(", ") || "(none defined)"}`,
    );
    for (const r of flattenResources(s.resources, `${f}.resources`)) {
      checkResource(problems, r.resource, r.field);
      resources.push(r);
    }
  });
  checkUnique(
    problems,
    input.services.map((s) => s.name),
    (i) => `services[${i}].name`,
    "service",
    "give every service its own name",
  );
  // rgmanager keys resources by type and primary attribute across the whole <rm>.
  checkUnique(
    problems,
    resources.map(({ resource: r }) =>
      r.kind === "ip" ? `ip address ${r.address}` : `${r.kind} name ${r.name}`,
    ),
    (i) => resources[i]?.field ?? "",
    "resource",
    "rgmanager needs each ip address, script name and fs name once in the whole cluster: use it in one service",
  );
}

/**
 * Records every problem of a cluster.conf input: the cluster and cman settings, the nodes and
 * their fence methods, the fence devices, the failover domains, the services and their resources.
 */
export function checkClusterConf(problems: Problems, input: ClusterConfInput): void {
  checkCluster(problems, input);
  checkNodes(problems, input);
  checkFenceDevices(problems, input);
  checkFailoverDomains(problems, input);
  checkServices(problems, input);
}
