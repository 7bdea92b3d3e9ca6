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
import { parseIpv4 } from "../../spec/ipv4";
import type { ClusterSpec, FenceDeviceSpec, ServiceGroupSpec, ServiceResourceSpec } from "../../spec/types";
import type { ClusterMember } from "../pending";

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

/** Throws one error listing every problem, each naming its field and its fix. */
function throwProblems(what: string, problems: Problem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${p.field}: ${p.problem}. Fix: ${p.fix}`);
  throw new Error(
    lines.length === 1 ? `${what}: ${lines[0]}` : `${what}:\n${lines.map((l) => `  - ${l}`).join("\n")}`,
  );
}

/** Cluster name: cman takes at most 15 characters; letters, digits, `_` and `-` only. */
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,15}$/;
/** A host name cman can resolve (node names and altnames). */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** Names of methods, devices, domains, services, resources: what the cluster tools take unquoted. */
const OBJECT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A fence port (a libvirt domain name as the lab writes them). */
const PORT = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;
/** An absolute path without blanks or quotes. */
const ABSOLUTE_PATH = /^\/[^\s"'<>&\\]*$/;
const USER_NAME = /^[a-z_][a-z0-9_-]*$/;
const AGENT = /^fence_[a-z0-9_]+$/;
const ACTION = /^[a-z]+$/;
const FSTYPE = /^[a-z0-9]+$/;

function isPositiveInt(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

/** Reports every value that occurs more than once under `field(i)`. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  field: (i: number) => string,
  what: string,
  fix: string,
): Problem[] {
  const out: Problem[] = [];
  const seen: Record<string, number> = {};
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen[k];
    if (first === undefined) seen[k] = i;
    else out.push({ field: field(i), problem: `${what} "${k}" is also ${field(first)}`, fix });
  });
  return out;
}

/** The fix for a name of each kind. */
function nameFix(pattern: RegExp): string {
  if (pattern === CLUSTER_NAME) return "use at most 15 letters, digits, '_' or '-' (e.g. cluster01)";
  if (pattern === HOST_NAME) return "use a host name (letters, digits, '-', dots between labels) that resolves on every node";
  if (pattern === PORT) return "use the libvirt domain name (letters, digits, '_', '.', ':', '+', '-')";
  return "use letters, digits, '_', '-' and '.' only, starting with a letter or digit";
}

function checkName(field: string, value: string, pattern: RegExp, what: string): Problem[] {
  if (pattern.test(value)) return [];
  return [
    { field, problem: `${what} ${JSON.stringify(value)} has characters cman/rgmanager reject`, fix: nameFix(pattern) },
  ];
}

/** Collects the resources of a service tree with their field paths, depth first. */
function flattenResources(
  resources: readonly ClusterConfResource[],
  prefix: string,
): { resource: ClusterConfResource; field: string }[] {
  return resources.flatMap((resource, i) => {
    const field = `${prefix}[${i}]`;
    return [{ resource, field }, ...flattenResources(resource.children ?? [], `${field}.children`)];
  });
}

function checkResource(resource: ClusterConfResource, field: string): Problem[] {
  const out: Problem[] = [];
  switch (resource.kind) {
    case "ip":
      if (parseIpv4(resource.address) === undefined) {
        out.push({
          field: `${field}.address`,
          problem: `${JSON.stringify(resource.address)} is not an IPv4 address`,
          fix: "give the service address without a prefix (e.g. 192.168.7.99)",
        });
      }
      break;
    case "script":
      out.push(...checkName(`${field}.name`, resource.name, OBJECT_NAME, "script name"));
      if (!ABSOLUTE_PATH.test(resource.file)) {
        out.push({
          field: `${field}.file`,
          problem: `${JSON.stringify(resource.file)} is not an absolute path`,
          fix: "give the init script's path (e.g. /etc/init.d/glmount)",
        });
      }
      break;
    case "fs":
      out.push(...checkName(`${field}.name`, resource.name, OBJECT_NAME, "file system name"));
      for (const key of ["device", "mountpoint"] as const) {
        if (!ABSOLUTE_PATH.test(resource[key])) {
          out.push({
            field: `${field}.${key}`,
            problem: `${JSON.stringify(resource[key])} is not an absolute path`,
            fix: key === "device" ? "give the block device's path (/dev/…)" : "give an absolute mount point",
          });
        }
      }
      if (!FSTYPE.test(resource.fstype)) {
        out.push({
          field: `${field}.fstype`,
          problem: `${JSON.stringify(resource.fstype)} is not a file system type`,
          fix: "use ext4 or xfs",
        });
      }
      break;
  }
  return out;
}

/** Every problem of an input, each with its field (paths as in {@link ClusterConfInput}). */
function checkClusterConf(input: ClusterConfInput): Problem[] {
  const out: Problem[] = [];
  out.push(...checkName("name", input.name, CLUSTER_NAME, "cluster name"));
  if (!Number.isInteger(input.configVersion) || input.configVersion < 0) {
    out.push({
      field: "configVersion",
      problem: `${input.configVersion} is not a whole number ≥ 0`,
      fix: "use nextConfigVersion() (or UNVERSIONED before the version is decided)",
    });
  }
  if (!isPositiveInt(input.cman.expectedVotes)) {
    out.push({
      field: "cman.expectedVotes",
      problem: `${input.cman.expectedVotes} is not a whole number ≥ 1`,
      fix: "use 1 with two_node, else the sum of the nodes' votes",
    });
  }
  if (input.cman.twoNode) {
    if (input.nodes.length !== 2 || input.nodes.some((n) => n.votes !== 1)) {
      out.push({
        field: "cman.twoNode",
        problem: `two_node needs exactly two nodes with one vote each, there are ${input.nodes.length}`,
        fix: "set twoNode false, or define exactly two nodes with votes 1",
      });
    }
    if (input.cman.expectedVotes !== 1) {
      out.push({
        field: "cman.expectedVotes",
        problem: `cman requires expected_votes="1" with two_node, got ${input.cman.expectedVotes}`,
        fix: "set expectedVotes to 1",
      });
    }
  }
  if (!isPositiveInt(input.totem.token)) {
    out.push({
      field: "totem.token",
      problem: `${input.totem.token} is not a whole number of milliseconds ≥ 1`,
      fix: "use e.g. 20000 (the seed's value)",
    });
  }
  if (input.nodes.length === 0) {
    out.push({ field: "nodes", problem: "the cluster has no node", fix: "define at least one node" });
  }

  const deviceNames = input.fenceDevices.map((d) => d.name);
  input.nodes.forEach((node, i) => {
    const f = `nodes[${i}]`;
    out.push(...checkName(`${f}.name`, node.name, HOST_NAME, "node name"));
    if (node.altname !== undefined) {
      out.push(...checkName(`${f}.altname`, node.altname, HOST_NAME, "altname"));
      if (node.altname === node.name) {
        out.push({
          field: `${f}.altname`,
          problem: `the second ring's name equals the first ring's (${node.name})`,
          fix: "use the node's host name on another network (e.g. node01m)",
        });
      }
    }
    if (!isPositiveInt(node.nodeId)) {
      out.push({ field: `${f}.nodeId`, problem: `${node.nodeId} is not a whole number ≥ 1`, fix: "number nodes 1, 2, …" });
    }
    if (!isPositiveInt(node.votes)) {
      out.push({ field: `${f}.votes`, problem: `${node.votes} is not a whole number ≥ 1`, fix: "give every node 1 vote" });
    }
    node.fence.forEach((entry, k) => {
      const ff = `${f}.fence[${k}]`;
      out.push(...checkName(`${ff}.method`, entry.method, OBJECT_NAME, "fence method name"));
      out.push(...checkName(`${ff}.port`, entry.port, PORT, "fence port"));
      if (!deviceNames.includes(entry.device)) {
        out.push({
          field: `${ff}.device`,
          problem: `fence device "${entry.device}" is not defined`,
          fix: `define it in fenceDevices, or use one of: ${deviceNames.join(", ") || "(none defined)"}`,
        });
      }
    });
    out.push(
      ...duplicates(
        node.fence,
        (e) => `${e.method}/${e.device}`,
        (k) => `${f}.fence[${k}]`,
        "method/device",
        "list each device once per method",
      ),
    );
  });
  out.push(...duplicates(input.nodes, (n) => n.name, (i) => `nodes[${i}].name`, "node name", "give every node its own name"));
  out.push(
    ...duplicates(
      input.nodes,
      (n) => String(n.nodeId),
      (i) => `nodes[${i}].nodeId`,
      "nodeid",
      "give every node its own nodeid",
    ),
  );
  const ringNames = input.nodes.flatMap((n, i) => [
    { name: n.name, field: `nodes[${i}].name` },
    ...(n.altname !== undefined ? [{ name: n.altname, field: `nodes[${i}].altname` }] : []),
  ]);
  out.push(
    ...duplicates(
      ringNames,
      (r) => r.name,
      (i) => ringNames[i]?.field ?? "",
      "ring host name",
      "every name and altname must be a different host",
    ).filter((p) => !out.some((q) => q.field === p.field)),
  );

  input.fenceDevices.forEach((d, i) => {
    const f = `fenceDevices[${i}]`;
    out.push(...checkName(`${f}.name`, d.name, OBJECT_NAME, "fence device name"));
    if (!AGENT.test(d.agent)) {
      out.push({ field: `${f}.agent`, problem: `${JSON.stringify(d.agent)} is not a fence agent`, fix: "use fence_virsh" });
    }
    if (parseIpv4(d.ipaddr) === undefined && !HOST_NAME.test(d.ipaddr)) {
      out.push({
        field: `${f}.ipaddr`,
        problem: `${JSON.stringify(d.ipaddr)} is neither an IPv4 address nor a host name`,
        fix: "give the KVM host's management address (e.g. 192.168.8.1)",
      });
    }
    if (!USER_NAME.test(d.login)) {
      out.push({ field: `${f}.login`, problem: `${JSON.stringify(d.login)} is not a user name`, fix: "use e.g. root" });
    }
    if (!ABSOLUTE_PATH.test(d.identityFile)) {
      out.push({
        field: `${f}.identityFile`,
        problem: `${JSON.stringify(d.identityFile)} is not an absolute path`,
        fix: "use e.g. /etc/cluster/fence_virsh_key",
      });
    }
    if (!ACTION.test(d.option)) {
      out.push({ field: `${f}.option`, problem: `${JSON.stringify(d.option)} is not a fence action`, fix: "use reboot or off" });
    }
  });
  out.push(
    ...duplicates(
      input.fenceDevices,
      (d) => d.name,
      (i) => `fenceDevices[${i}].name`,
      "fence device",
      "give every fence device its own name",
    ),
  );

  const nodeNames = input.nodes.map((n) => n.name);
  input.failoverDomains.forEach((d, i) => {
    const f = `failoverDomains[${i}]`;
    out.push(...checkName(`${f}.name`, d.name, OBJECT_NAME, "failover domain name"));
    if (d.nodes.length === 0) {
      out.push({ field: `${f}.nodes`, problem: "the domain has no node", fix: "list the nodes the service may run on" });
    }
    d.nodes.forEach((n, k) => {
      if (!nodeNames.includes(n.name)) {
        out.push({
          field: `${f}.nodes[${k}].name`,
          problem: `"${n.name}" is not a cluster node`,
          fix: `use one of: ${nodeNames.join(", ")}`,
        });
      }
      if (!Number.isInteger(n.priority) || n.priority < 1 || n.priority > 100) {
        out.push({
          field: `${f}.nodes[${k}].priority`,
          problem: `${n.priority} is not in 1–100`,
          fix: "use 1 for the most preferred node, 2 for the next, …",
        });
      }
    });
    out.push(
      ...duplicates(
        d.nodes,
        (n) => n.name,
        (k) => `${f}.nodes[${k}].name`,
        "node",
        "list every node once",
      ),
    );
  });
  out.push(
    ...duplicates(
      input.failoverDomains,
      (d) => d.name,
      (i) => `failoverDomains[${i}].name`,
      "failover domain",
      "give every failover domain its own name",
    ),
  );

  const domainNames = input.failoverDomains.map((d) => d.name);
  const allResources: { resource: ClusterConfResource; field: string }[] = [];
  input.services.forEach((s, i) => {
    const f = `services[${i}]`;
    out.push(...checkName(`${f}.name`, s.name, OBJECT_NAME, "service name"));
    if (s.domain !== undefined && !domainNames.includes(s.domain)) {
      out.push({
        field: `${f}.domain`,
        problem: `failover domain "${s.domain}" does not exist`,
        fix: `define it in failoverDomains, or use one of: ${domainNames.join(", ") || "(none defined)"}`,
      });
    }
    for (const r of flattenResources(s.resources, `${f}.resources`)) {
      out.push(...checkResource(r.resource, r.field));
      allResources.push(r);
    }
  });
  out.push(
    ...duplicates(input.services, (s) => s.name, (i) => `services[${i}].name`, "service", "give every service its own name"),
  );
  // rgmanager keys resources by type and primary attribute across the whole <rm>.
  out.push(
    ...duplicates(
      allResources,
      (r) =>
        r.resource.kind === "ip" ? `ip address ${r.resource.address}` : `${r.resource.kind} name ${r.resource.name}`,
      (i) => allResources[i]?.field ?? "",
      "resource",
      "rgmanager needs each ip address, script name and fs name once in the whole cluster: use it in one service only",
    ),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** An element as fast-xml-parser's ordered builder takes it: `{ tag: children, ":@": attributes }`. */
type XmlElement = Record<string, XmlElement[] | Record<string, string>>;

/** An element with its attributes in alphabetical order (the seed's order). */
function element(tag: string, attributes: Record<string, string | number>, children: XmlElement[] = []): XmlElement {
  const attrs: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) attrs[`@_${key}`] = String(attributes[key]);
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

function resourceElement(resource: ClusterConfResource): XmlElement {
  const children = (resource.children ?? []).map(resourceElement);
  switch (resource.kind) {
    case "ip":
      return element("ip", { address: resource.address, monitor_link: resource.monitorLink ? "on" : "0" }, children);
    case "script":
      return element("script", { file: resource.file, name: resource.name }, children);
    case "fs":
      return element(
        "fs",
        { device: resource.device, fstype: resource.fstype, mountpoint: resource.mountpoint, name: resource.name },
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
  throwProblems("cluster.conf", checkClusterConf(input));
  const rm: XmlElement[] = [];
  if (input.failoverDomains.length > 0) {
    rm.push(
      element(
        "failoverdomains",
        {},
        input.failoverDomains.map((d) =>
          element(
            "failoverdomain",
            { name: d.name, ordered: flag(d.ordered), restricted: flag(d.restricted) },
            d.nodes.map((n) => element("failoverdomainnode", { name: n.name, priority: n.priority })),
          ),
        ),
      ),
    );
  }
  for (const s of input.services) {
    rm.push(
      element(
        "service",
        { autostart: flag(s.autostart), ...(s.domain !== undefined ? { domain: s.domain } : {}), name: s.name },
        s.resources.map(resourceElement),
      ),
    );
  }
  return buildXml(
    element("cluster", { config_version: input.configVersion, name: input.name }, [
      element("cman", {
        expected_votes: input.cman.expectedVotes,
        ...(input.cman.transport !== undefined ? { transport: input.cman.transport } : {}),
        ...(input.cman.twoNode ? { two_node: "1" } : {}),
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
      element("rm", {}, rm),
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

/** The resource tree without empty `children` arrays. */
function withoutEmptyChildren(resource: ClusterConfResource): ClusterConfResource {
  const { children, ...rest } = resource;
  return (
    children !== undefined && children.length > 0 ? { ...rest, children: children.map(withoutEmptyChildren) } : rest
  ) as ClusterConfResource;
}

/** The rgmanager resource of one service resource of the model. */
function modelResource(
  r: ServiceResourceSpec,
  field: string,
  lunDevices: Record<string, string>,
  problems: Problem[],
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
      if (device === undefined) {
        problems.push({
          field: `${field}.lun`,
          problem: `no device is known for iSCSI LUN ${r.lun} (lunDevices has ${Object.keys(lunDevices).join(", ") || "none"})`,
          fix: "use a LUN of the lab's iSCSI target (iscsi.luns), with iSCSI enabled",
        });
      }
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
  const problems: Problem[] = [];
  const { cluster } = model;
  if (cluster.transport === "knet") {
    problems.push({
      field: "cluster.transport",
      problem: "knet is corosync 3 only; cman (corosync 1) cannot use it",
      fix: "set cluster.transport to udpu or udp",
    });
  }
  const clusterName: Record<string, string> = {};
  model.members.forEach((m, i) => {
    const first = m.linkHostnames[0];
    if (first === undefined) {
      problems.push({
        field: `members[${i}].linkHostnames`,
        problem: `member ${m.name} has no host name on a cluster link`,
        fix: "list at least one network in cluster.links",
      });
    } else clusterName[m.name] = first;
    if (m.linkHostnames.length > 2) {
      problems.push({
        field: `members[${i}].linkHostnames`,
        problem: `cman supports at most 2 rings, member ${m.name} has ${m.linkHostnames.length} links`,
        fix: "list at most 2 networks in cluster.links",
      });
    }
    if (model.domainNames[m.name] === undefined) {
      problems.push({
        field: `domainNames.${m.name}`,
        problem: `no libvirt domain name for member ${m.name} (the fence_virsh port)`,
        fix: "pass every member's libvirt domain name",
      });
    }
  });

  const nodes: ClusterConfNode[] = model.members.map((m) => {
    const methods: string[] = [];
    const fence = model.fencing.map((device) => {
      const method = methodName(device, methods);
      methods.push(method);
      return { method, device: device.name, port: model.domainNames[m.name] ?? "" };
    });
    const altname = m.linkHostnames[1];
    return {
      name: clusterName[m.name] ?? m.name,
      nodeId: m.nodeId,
      votes: 1,
      ...(altname !== undefined ? { altname } : {}),
      fence,
    };
  });

  const failoverDomains: ClusterConfFailoverDomain[] = [];
  const domainOwner: Record<string, number> = {};
  const lunDevices = model.lunDevices ?? {};
  const services: ClusterConfService[] = model.services.map((group, gi) => {
    const d = group.domain;
    const domain: ClusterConfFailoverDomain = {
      name: d.name,
      ordered: d.ordered,
      restricted: d.restricted,
      nodes: d.nodes.map((node, k) => {
        const name = clusterName[node];
        if (name === undefined) {
          problems.push({
            field: `services[${gi}].domain.nodes[${k}]`,
            problem: `"${node}" is not a cluster member`,
            fix: `use member names: ${model.members.map((m) => m.name).join(", ")}`,
          });
        }
        return { name: name ?? node, priority: k + 1 };
      }),
    };
    const owner = domainOwner[d.name];
    if (owner === undefined) {
      domainOwner[d.name] = gi;
      failoverDomains.push(domain);
    } else if (JSON.stringify(failoverDomains.find((f) => f.name === d.name)) !== JSON.stringify(domain)) {
      problems.push({
        field: `services[${gi}].domain`,
        problem: `failover domain "${d.name}" is defined differently by services[${owner}]`,
        fix: "give the domain the same nodes and flags in every group, or another name",
      });
    }
    const resources = group.resources.map((r, ri) =>
      modelResource(r, `services[${gi}].resources[${ri}]`, lunDevices, problems),
    );
    return { name: group.name, autostart: group.autostart, domain: d.name, resources: nestInStartOrder(resources) };
  });
  throwProblems("cluster.conf model", problems);

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
  return xml.replace(VERSION_ATTRIBUTE, (_m, before: string) => `${before}"${version}"`);
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
