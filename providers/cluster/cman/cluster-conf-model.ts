/**
 * The cluster.conf input of the lab model: the lab's cluster, members, fencing and service groups
 * arranged as cman and rgmanager want them (cluster-conf-input.ts).
 */
import { Problems } from "../../../spec/problems";
import type {
  ClusterSpec,
  FenceDeviceSpec,
  ServiceGroupSpec,
  ServiceResourceSpec,
} from "../../../spec/types";
import type { ClusterMember } from "../../core/endpoints";
import { lunDeviceOf } from "../service-checks";
import {
  GLMOUNT_SCRIPT,
  POSTGRESQL_SCRIPT,
  UNVERSIONED,
  type ClusterConfFailoverDomain,
  type ClusterConfInput,
  type ClusterConfNode,
  type ClusterConfResource,
  type ClusterConfService,
} from "./cluster-conf-input";

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
      const device = lunDeviceOf(problems, field, r.lun, lunDevices);
      return { kind: "fs", name: r.name, device: device ?? "", mountpoint: r.mountPoint, fstype: r.fsType };
    }
  }
}

/** Method name of a fence device for one node: `virsh_<action>`, made unique per node. */
function methodName(device: FenceDeviceSpec, taken: readonly string[]): string {
  const base = `${device.agent.replace(/^fence_/, "")}_${device.action}`;
  return taken.includes(base) ? `${base}_${device.name}` : base;
}

/** Records the members' problems: rings cman cannot use, a missing libvirt domain name. */
function checkMembers(problems: Problems, model: ClusterConfModel): void {
  problems.need(
    model.cluster.transport !== "knet",
    "cluster.transport",
    "knet is corosync 3 only; cman (corosync 1) cannot use it",
    "set cluster.transport to udpu or udp",
  );
  model.members.forEach((m, i) => {
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
}

/**
 * The services of the model, with the failover domains they name (one per distinct domain, nodes
 * by cluster name, priority = place in the list) added to `failoverDomains`.
 */
function modelServices(
  problems: Problems,
  model: ClusterConfModel,
  clusterName: (member: string) => string | undefined,
  failoverDomains: ClusterConfFailoverDomain[],
): ClusterConfService[] {
  const lunDevices = model.lunDevices ?? {};
  return model.services.map((group, gi) => {
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
          `use member names: ${model.members.map((m) => m.name).join(", ")}`,
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
 * by the renderer (cluster-conf-render.ts renderClusterConf).
 */
export function clusterConfFromModel(model: ClusterConfModel): ClusterConfInput {
  const problems = new Problems();
  const { cluster, members } = model;
  checkMembers(problems, model);
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
  const services = modelServices(problems, model, clusterName, failoverDomains);
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
