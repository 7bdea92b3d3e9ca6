/**
 * /etc/cluster/cluster.conf of a RHEL 6 cman + rgmanager cluster (seeds 000/001).
 *
 * The layout is the seed's: `<?xml version="1.0"?>`, two-space indentation, empty elements as
 * `<x/>`, attributes in alphabetical order (every element of the seed has them so, as ccs and luci
 * write them), and the children of `<cluster>` in the seed's order: `<cman>`, `<clusternodes>`,
 * `<totem>`, `<fencedevices>`, `<rm>` (failover domains, then services). The document is built by
 * fast-xml-parser's XMLBuilder in ordered mode (mixed siblings such as `<ip>` and `<script>` keep
 * the given order) and the library escapes every attribute value.
 *
 * The seed's own file has two irregularities that are not reproduced: a blank line before
 * `<service>` and a nested `<script>` indented by ten spaces instead of eight. Neither means
 * anything to an XML reader; test/render-cluster-conf.test.ts compares with the seed after
 * re-indenting it.
 *
 * `config_version`: cman only takes a new file (`cman_tool version -r`) when its version is
 * higher than the running one. The program renders the file with config_version
 * {@link UNVERSIONED}; the provider decides the version on the nodes with
 * {@link nextConfigVersion} (bumped only when the content changed) and sets it with
 * {@link setConfigVersion}.
 */
import { XMLBuilder } from "fast-xml-parser";
import { parseIpv4 } from "../../../spec/ipv4";
import type {
  ClusterSpec,
  FenceDeviceSpec,
  ServiceGroupSpec,
  ServiceResourceSpec,
} from "../../../spec/types";
import type { ClusterMember } from "../../core/kind";

/** Where the file lives on every node. */
export const CLUSTER_CONF_PATH = "/etc/cluster/cluster.conf";

/** config_version of a rendering whose version is still to be decided on the nodes. */
export const UNVERSIONED = 0;

/** The seed's mount script as an rgmanager `<script>` resource (installed by GlusterMount). */
export const GLMOUNT_SCRIPT = { name: "glmount", file: "/etc/init.d/glmount" } as const;

/** The seed's PostgreSQL init script as an rgmanager `<script>` resource (the seed names it `pgsql`). */
export const POSTGRESQL_SCRIPT = { name: "pgsql", file: "/etc/init.d/postgresql" } as const;

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/** One fence method entry of a node: `<method name><device name port/></method>`. */
export interface ClusterConfFence {
  /** Method name (`virsh_reboot`); entries with the same method form one `<method>`, in order. */
  method: string;
  /** Name of a fence device of {@link ClusterConfInput.fenceDevices}. */
  device: string;
  /** The device's port for this node: for fence_virsh, the node's libvirt domain name. */
  port: string;
}

/** One `<clusternode>`. */
export interface ClusterConfNode {
  /** The node's name on the cluster's first ring (the heartbeat host name, `node01h`). */
  name: string;
  nodeId: number;
  votes: number;
  /** Host name on a second ring (`<altname>`, redundant ring protocol); absent with one ring. */
  altname?: string;
  /** Fence methods, tried in order. */
  fence: ClusterConfFence[];
}

/** One `<fencedevice>`. */
export interface ClusterConfFenceDevice {
  name: string;
  /** Fence agent (`fence_virsh`). */
  agent: string;
  /** Address of the machine the agent logs in to (the KVM host's management address). */
  ipaddr: string;
  login: string;
  /** Private key on the nodes (`identity_file`). */
  identityFile: string;
  /** Action on fence (`option`: reboot or off). */
  option: string;
}

/** One `<failoverdomain>`. */
export interface ClusterConfFailoverDomain {
  name: string;
  /** Prefer nodes by priority (`ordered`). */
  ordered: boolean;
  /** Run only on the listed nodes (`restricted`). */
  restricted: boolean;
  /** Member nodes (cluster node names) with their priority (1 = most preferred). */
  nodes: { name: string; priority: number }[];
}

/**
 * A resource of a service. `children` start after their parent and stop before it (rgmanager's
 * nesting), which is how the seed makes PostgreSQL wait for the GlusterFS mount.
 */
export type ClusterConfResource =
  | { kind: "ip"; address: string; monitorLink: boolean; children?: ClusterConfResource[] }
  | { kind: "script"; name: string; file: string; children?: ClusterConfResource[] }
  | {
      kind: "fs";
      name: string;
      device: string;
      mountpoint: string;
      fstype: string;
      children?: ClusterConfResource[];
    };

/** One `<service>`. */
export interface ClusterConfService {
  name: string;
  /** Start when rgmanager starts (`autostart`; the seed: no). */
  autostart: boolean;
  /** Failover domain name (absent: any node). */
  domain?: string;
  /** Top-level resources (each a tree). */
  resources: ClusterConfResource[];
}

/** Input of {@link renderClusterConf}: what the seed's cluster.conf holds. */
export interface ClusterConfInput {
  /** Cluster name (≤ 15 characters). */
  name: string;
  /** config_version ({@link UNVERSIONED} while the provider has not decided it). */
  configVersion: number;
  cman: {
    expectedVotes: number;
    /** two_node="1" (exactly two nodes with one vote each). */
    twoNode: boolean;
    /** `udpu`: unicast (`transport="udpu"`); absent: cman's default multicast (the seed). */
    transport?: "udpu";
  };
  nodes: ClusterConfNode[];
  totem: {
    /** token timeout in ms (the seed: 20000, tuned to GlusterFS timeouts). */
    token: number;
  };
  fenceDevices: ClusterConfFenceDevice[];
  failoverDomains: ClusterConfFailoverDomain[];
  services: ClusterConfService[];
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** One problem of an input: the field, what is wrong, how to fix it. */
interface Problem {
  field: string;
  problem: string;
  fix: string;
}

/** Collects problems: `need(ok, field, problem, fix)` records one when `ok` is false. */
class Problems {
  readonly list: Problem[] = [];

  need(ok: boolean, field: string, problem: string, fix: string): void {
    if (!ok) this.list.push({ field, problem, fix });
  }

  /** Throws one error listing every problem, each naming its field and its fix. */
  throwIfAny(what: string): void {
    const lines = this.list.map((p) => `${p.field}: ${p.problem}. Fix: ${p.fix}`);
    if (lines.length === 1) throw new Error(`${what}: ${lines[0]}`);
    if (lines.length > 1) throw new Error(`${what}:\n${lines.map((l) => `  - ${l}`).join("\n")}`);
  }
}

/** Cluster name: cman takes at most 15 characters; letters, digits, `_` and `-` here. */
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,15}$/;
/** A host name cman can resolve (node names and altnames). */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** Names of methods, devices, domains, services, resources: what the cluster tools take unquoted. */
const OBJECT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A fence port (a libvirt domain name as the lab writes them). */
const PORT = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;
/** An absolute path without blanks or quotes. */
const ABSOLUTE_PATH = /^\/[^\s"'<>&\\]*$/;

const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;
const quoted = (value: unknown): string => JSON.stringify(value);

/** Checks a name against its pattern (one of the patterns above) with the matching fix. */
function checkName(problems: Problems, field: string, value: string, pattern: RegExp, what: string): void {
  const fix =
    pattern === CLUSTER_NAME
      ? "use at most 15 letters, digits, '_' or '-' (e.g. cluster01)"
      : pattern === HOST_NAME
        ? "use a host name (letters, digits, '-', dots between labels) that resolves on every node"
        : pattern === PORT
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
    problems.need(ABSOLUTE_PATH.test(path), `${field}.${key}`, problem, fix);
  };
  switch (r.kind) {
    case "ip":
      problems.need(
        parseIpv4(r.address) !== undefined,
        `${field}.address`,
        `${quoted(r.address)} is not an IPv4 address`,
        "give the service address without a prefix (e.g. 192.168.7.99)",
      );
      break;
    case "script":
      checkName(problems, `${field}.name`, r.name, OBJECT_NAME, "script name");
      isPath(r.file, "file", "give the init script's path (e.g. /etc/init.d/glmount)");
      break;
    case "fs":
      checkName(problems, `${field}.name`, r.name, OBJECT_NAME, "file system name");
      isPath(r.device, "device", "give the block device's path (/dev/…)");
      isPath(r.mountpoint, "mountpoint", "give an absolute mount point");
      problems.need(
        /^[a-z0-9]+$/.test(r.fstype),
        `${field}.fstype`,
        `${quoted(r.fstype)} is not a file system type`,
        "use ext4 or xfs",
      );
      break;
  }
}

function checkCluster(problems: Problems, input: ClusterConfInput): void {
  const { cman, nodes } = input;
  checkName(problems, "name", input.name, CLUSTER_NAME, "cluster name");
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
      checkName(problems, `${ff}.method`, entry.method, OBJECT_NAME, "fence method name");
      checkName(problems, `${ff}.port`, entry.port, PORT, "fence port");
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
    checkName(problems, `${f}.name`, d.name, OBJECT_NAME, "fence device name");
    problems.need(
      /^fence_[a-z0-9_]+$/.test(d.agent),
      `${f}.agent`,
      `${quoted(d.agent)} is not a fence agent`,
      "use fence_virsh",
    );
    problems.need(
      parseIpv4(d.ipaddr) !== undefined || HOST_NAME.test(d.ipaddr),
      `${f}.ipaddr`,
      `${quoted(d.ipaddr)} is neither an IPv4 address nor a host name`,
      "give the KVM host's management address (e.g. 192.168.8.1)",
    );
    problems.need(
      /^[a-z_][a-z0-9_-]*$/.test(d.login),
      `${f}.login`,
      `${quoted(d.login)} is not a user name`,
      "use e.g. root",
    );
    problems.need(
      ABSOLUTE_PATH.test(d.identityFile),
      `${f}.identityFile`,
      `${quoted(d.identityFile)} is not an absolute path`,
      "use e.g. /etc/cluster/fence_virsh_key",
    );
    problems.need(
      /^[a-z]+$/.test(d.option),
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

function checkRm(problems: Problems, input: ClusterConfInput): void {
  const nodeNames = input.nodes.map((n) => n.name);
  input.failoverDomains.forEach((d, i) => {
    const f = `failoverDomains[${i}]`;
    checkName(problems, `${f}.name`, d.name, OBJECT_NAME, "failover domain name");
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

  const domainNames = input.failoverDomains.map((d) => d.name);
  const resources: { resource: ClusterConfResource; field: string }[] = [];
  input.services.forEach((s, i) => {
    const f = `services[${i}]`;
    checkName(problems, `${f}.name`, s.name, OBJECT_NAME, "service name");
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

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** An element as fast-xml-parser's ordered builder takes it: `{ tag: children, ":@": attributes }`. */
type XmlElement = Record<string, XmlElement[] | Record<string, string>>;

/** An element with its attributes in alphabetical order (the seed's order). */
function element(
  tag: string,
  attributes: Record<string, string | number | undefined>,
  children: XmlElement[] = [],
): XmlElement {
  const attrs: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (value !== undefined) attrs[`@_${key}`] = String(value);
  }
  return Object.keys(attrs).length > 0 ? { [tag]: children, ":@": attrs } : { [tag]: children };
}

const flag = (b: boolean): string => (b ? "1" : "0");

function fenceElement(node: ClusterConfNode): XmlElement {
  const methods: string[] = [];
  for (const entry of node.fence) if (!methods.includes(entry.method)) methods.push(entry.method);
  return element(
    "fence",
    {},
    methods.map((method) =>
      element(
        "method",
        { name: method },
        node.fence
          .filter((e) => e.method === method)
          .map((e) => element("device", { name: e.device, port: e.port })),
      ),
    ),
  );
}

function resourceElement(r: ClusterConfResource): XmlElement {
  const children = (r.children ?? []).map(resourceElement);
  switch (r.kind) {
    case "ip":
      return element("ip", { address: r.address, monitor_link: r.monitorLink ? "on" : "0" }, children);
    case "script":
      return element("script", { file: r.file, name: r.name }, children);
    case "fs":
      return element(
        "fs",
        { device: r.device, fstype: r.fstype, mountpoint: r.mountpoint, name: r.name },
        children,
      );
  }
}

/** Serialises the document: XML declaration, two-space indentation, `<x/>`, one trailing newline. */
function buildXml(root: XmlElement): string {
  // Made per call: a builder at module level would be serialised with every provider.
  const builder = new XMLBuilder({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
    processEntities: true,
  });
  const declaration = { "?xml": [{ "#text": "" }], ":@": { "@_version": "1.0" } };
  return `${String(builder.build([declaration, root])).trimEnd()}\n`;
}

/**
 * Renders cluster.conf. Pure. Throws one error listing every problem of the input (names with
 * characters cman rejects, duplicate node names or ids, a service's failover domain or a node's
 * fence device that is not defined, …), each naming its field and the fix.
 */
export function renderClusterConf(input: ClusterConfInput): string {
  const problems = new Problems();
  checkCluster(problems, input);
  checkNodes(problems, input);
  checkFenceDevices(problems, input);
  checkRm(problems, input);
  problems.throwIfAny("cluster.conf");

  const domains = input.failoverDomains.map((d) =>
    element(
      "failoverdomain",
      { name: d.name, ordered: flag(d.ordered), restricted: flag(d.restricted) },
      d.nodes.map((n) => element("failoverdomainnode", { name: n.name, priority: n.priority })),
    ),
  );
  const services = input.services.map((s) =>
    element(
      "service",
      { autostart: flag(s.autostart), domain: s.domain, name: s.name },
      s.resources.map(resourceElement),
    ),
  );
  return buildXml(
    element("cluster", { config_version: input.configVersion, name: input.name }, [
      element("cman", {
        expected_votes: input.cman.expectedVotes,
        transport: input.cman.transport,
        two_node: input.cman.twoNode ? "1" : undefined,
      }),
      element(
        "clusternodes",
        {},
        input.nodes.map((n) =>
          element("clusternode", { name: n.name, nodeid: n.nodeId, votes: n.votes }, [
            fenceElement(n),
            ...(n.altname !== undefined ? [element("altname", { name: n.altname })] : []),
          ]),
        ),
      ),
      element("totem", { token: input.totem.token }),
      element(
        "fencedevices",
        {},
        input.fenceDevices.map((d) =>
          element("fencedevice", {
            agent: d.agent,
            identity_file: d.identityFile,
            ipaddr: d.ipaddr,
            login: d.login,
            name: d.name,
            option: d.option,
          }),
        ),
      ),
      element("rm", {}, [
        ...(domains.length > 0 ? [element("failoverdomains", {}, domains)] : []),
        ...services,
      ]),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// From the lab model
// ---------------------------------------------------------------------------------------------

/** What {@link clusterConfFromModel} reads: the lab's cluster, members, fencing and services. */
export interface ClusterConfModel {
  /** Name, transport (udp/udpu; knet is corosync 3 only), token, two_node. */
  cluster: Pick<ClusterSpec, "name" | "transport" | "tokenMs" | "twoNode">;
  /** Cluster members: `linkHostnames[0]` names the node in cluster.conf, `[1]` is its altname. */
  members: Pick<ClusterMember, "name" | "nodeId" | "linkHostnames">[];
  fencing: FenceDeviceSpec[];
  services: ServiceGroupSpec[];
  /** Member name (`node01`) → libvirt domain name: the fence_virsh port. */
  domainNames: Record<string, string>;
  /** iSCSI LUN number → device path on the nodes (for `iscsi-filesystem` resources). */
  lunDevices?: Record<string, string>;
  /** config_version (default {@link UNVERSIONED}: the provider decides it). */
  configVersion?: number;
}

/** Start level of a top-level child of an rgmanager service (service.sh's child ordering). */
function startLevel(kind: ClusterConfResource["kind"]): number {
  switch (kind) {
    case "fs":
      return 2;
    case "ip":
      return 7;
    case "script":
      return 9;
  }
}

/** The resource tree without empty `children` arrays. */
function withoutEmptyChildren(resource: ClusterConfResource): ClusterConfResource {
  const { children, ...rest } = resource;
  if (children === undefined || children.length === 0) return rest as ClusterConfResource;
  return { ...rest, children: children.map(withoutEmptyChildren) } as ClusterConfResource;
}

/**
 * Arranges resources given in start order into rgmanager's tree. A resource stays at the top of the
 * service while rgmanager's own type ordering of a service's children (fs, then ip, then script)
 * already starts it after every resource before it; otherwise it is nested in the previous
 * resource, so it starts after that one and stops before it. For the seed's [ip, glmount,
 * PostgreSQL] this gives the seed's tree: ip and glmount side by side, PostgreSQL inside glmount.
 */
export function nestInStartOrder(resources: readonly ClusterConfResource[]): ClusterConfResource[] {
  const top: ClusterConfResource[] = [];
  let previous: ClusterConfResource | undefined;
  let nested = false;
  for (const r of resources) {
    const placed: ClusterConfResource = { ...r, children: [...(r.children ?? [])] };
    const staysOnTop = !nested && top.every((t) => startLevel(t.kind) < startLevel(r.kind));
    if (previous === undefined || staysOnTop) {
      top.push(placed);
    } else {
      previous.children?.push(placed);
      nested = true;
    }
    previous = placed;
  }
  return top.map(withoutEmptyChildren);
}

/** The rgmanager resource of one service resource of the model. */
function modelResource(
  problems: Problems,
  r: ServiceResourceSpec,
  field: string,
  lunDevices: Record<string, string>,
): ClusterConfResource {
  switch (r.kind) {
    case "ip":
      return { kind: "ip", address: r.address, monitorLink: r.monitorLink };
    case "gluster-mount":
      return { kind: "script", name: GLMOUNT_SCRIPT.name, file: GLMOUNT_SCRIPT.file };
    case "postgresql":
      return { kind: "script", name: POSTGRESQL_SCRIPT.name, file: POSTGRESQL_SCRIPT.file };
    case "iscsi-filesystem": {
      const device = lunDevices[String(r.lun)];
      problems.need(
        device !== undefined,
        `${field}.lun`,
        `no device is known for iSCSI LUN ${r.lun} (lunDevices has ${Object.keys(lunDevices).join(", ") || "none"})`,
        "use a LUN of the lab's iSCSI target (iscsi.luns), with iSCSI enabled",
      );
      return { kind: "fs", name: r.name, device: device ?? "", mountpoint: r.mountPoint, fstype: r.fsType };
    }
  }
}

/** Method name of a fence device for one node: `virsh_<action>`, made unique per node. */
function methodName(device: FenceDeviceSpec, taken: readonly string[]): string {
  const base = `${device.agent.replace(/^fence_/, "")}_${device.action}`;
  return taken.includes(base) ? `${base}_${device.name}` : base;
}

/**
 * Builds the cluster.conf input of the lab model: one `<clusternode>` per member, named by its
 * first-link host name (`node01h`, seed 001) with its second-link host name as `<altname>`; one
 * fence method per fence device (the device's port is the member's libvirt domain); one failover
 * domain per distinct service domain (domain nodes mapped to their cluster names, priority = place
 * in the list); one `<service>` per group with its resources nested in start order
 * ({@link nestInStartOrder}): ip → `<ip>`, gluster-mount → the glmount `<script>`, postgresql →
 * the postgresql `<script>`, iscsi-filesystem → `<fs>` on the LUN's device.
 *
 * Throws one error naming the model's fields (`members[1].linkHostnames`, `services[0].domain…`,
 * `domainNames.node02`, …) when the model cannot be expressed; the result is then checked again
 * by {@link renderClusterConf}.
 */
export function clusterConfFromModel(model: ClusterConfModel): ClusterConfInput {
  const problems = new Problems();
  const { cluster, members } = model;
  problems.need(
    cluster.transport !== "knet",
    "cluster.transport",
    "knet is corosync 3 only; cman (corosync 1) cannot use it",
    "set cluster.transport to udpu or udp",
  );
  members.forEach((m, i) => {
    const f = `members[${i}].linkHostnames`;
    problems.need(
      m.linkHostnames.length > 0,
      f,
      `member ${m.name} has no host name on a cluster link`,
      "list at least one network in cluster.links",
    );
    problems.need(
      m.linkHostnames.length <= 2,
      f,
      `cman supports at most 2 rings, member ${m.name} has ${m.linkHostnames.length} links`,
      "list at most 2 networks in cluster.links",
    );
    problems.need(
      model.domainNames[m.name] !== undefined,
      `domainNames.${m.name}`,
      `no libvirt domain name for member ${m.name} (the fence_virsh port)`,
      "pass every member's libvirt domain name",
    );
  });
  /** A member's name in cluster.conf: its first-link host name. */
  const clusterName = (member: string): string | undefined =>
    members.find((m) => m.name === member)?.linkHostnames[0];

  const nodes: ClusterConfNode[] = members.map((m) => {
    const methods: string[] = [];
    const fence = model.fencing.map((device) => {
      const method = methodName(device, methods);
      methods.push(method);
      return { method, device: device.name, port: model.domainNames[m.name] ?? "" };
    });
    const altname = m.linkHostnames[1];
    return {
      name: clusterName(m.name) ?? m.name,
      nodeId: m.nodeId,
      votes: 1,
      ...(altname !== undefined ? { altname } : {}),
      fence,
    };
  });

  const failoverDomains: ClusterConfFailoverDomain[] = [];
  const lunDevices = model.lunDevices ?? {};
  const services: ClusterConfService[] = model.services.map((group, gi) => {
    const d = group.domain;
    const domain: ClusterConfFailoverDomain = {
      name: d.name,
      ordered: d.ordered,
      restricted: d.restricted,
      nodes: d.nodes.map((node, k) => {
        const name = clusterName(node);
        problems.need(
          name !== undefined,
          `services[${gi}].domain.nodes[${k}]`,
          `"${node}" is not a cluster member`,
          `use member names: ${members.map((m) => m.name).join(", ")}`,
        );
        return { name: name ?? node, priority: k + 1 };
      }),
    };
    const same = failoverDomains.find((f) => f.name === d.name);
    if (same === undefined) failoverDomains.push(domain);
    problems.need(
      same === undefined || JSON.stringify(same) === JSON.stringify(domain),
      `services[${gi}].domain`,
      `failover domain "${d.name}" is defined differently by an earlier service group`,
      "give the domain the same nodes and flags in every group, or another name",
    );
    const resources = group.resources.map((r, ri) =>
      modelResource(problems, r, `services[${gi}].resources[${ri}]`, lunDevices),
    );
    return {
      name: group.name,
      autostart: group.autostart,
      domain: d.name,
      resources: nestInStartOrder(resources),
    };
  });
  problems.throwIfAny("cluster.conf model");

  return {
    name: cluster.name,
    configVersion: model.configVersion ?? UNVERSIONED,
    cman: {
      expectedVotes: cluster.twoNode ? 1 : nodes.length,
      twoNode: cluster.twoNode,
      ...(cluster.transport === "udpu" ? { transport: "udpu" as const } : {}),
    },
    nodes,
    totem: { token: cluster.tokenMs },
    fenceDevices: model.fencing.map((f) => ({
      name: f.name,
      agent: f.agent,
      ipaddr: f.ipaddr,
      login: f.login,
      identityFile: f.identityFile,
      option: f.action,
    })),
    failoverDomains,
    services,
  };
}

// ---------------------------------------------------------------------------------------------
// config_version
// ---------------------------------------------------------------------------------------------

/** The `config_version` attribute of the `<cluster>` start tag (groups: before, quote, value). */
const VERSION_ATTRIBUTE = /(<cluster\b[^>]*?\sconfig_version\s*=\s*)(["'])([^"']*)\2/;

/** The config_version of a cluster.conf, or undefined when it has none (or not a number). */
export function configVersionOf(xml: string): number | undefined {
  const value = VERSION_ATTRIBUTE.exec(xml)?.[3];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** The same cluster.conf with config_version set to `version`. Throws when it has no config_version. */
export function setConfigVersion(xml: string, version: number): string {
  if (!Number.isInteger(version) || version < 0) {
    throw new Error(`cluster.conf: config_version ${version} is not a whole number ≥ 0`);
  }
  if (!VERSION_ATTRIBUTE.test(xml)) {
    throw new Error("cluster.conf: the <cluster> element has no config_version attribute");
  }
  return xml.replace(VERSION_ATTRIBUTE, (_match, before: string) => `${before}"${version}"`);
}

/** The text of a cluster.conf with its version neutralised (for comparing content). */
function unversioned(xml: string): string {
  return (VERSION_ATTRIBUTE.test(xml) ? setConfigVersion(xml, UNVERSIONED) : xml).trimEnd();
}

/**
 * The config_version to write: 1 when there is no previous file (or it has no usable version);
 * the previous version when the content other than config_version is unchanged; the previous
 * version + 1 when anything else differs.
 */
export function nextConfigVersion(previousXml: string | undefined, renderedWithoutVersion: string): number {
  if (previousXml === undefined || previousXml.trim() === "") return 1;
  const previous = configVersionOf(previousXml);
  if (previous === undefined) return 1;
  if (unversioned(previousXml) === unversioned(renderedWithoutVersion)) return Math.max(previous, 1);
  return previous + 1;
}
