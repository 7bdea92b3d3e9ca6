/**
 * Pure queries on a {@link LabSpec} and its parts: which network has a role, which nodes are cluster
 * members and which real servers, a node's interface on a network, a service group's VIP.
 * Components and validation ask these instead of searching the spec themselves.
 */
import type {
  LabSpec,
  NetworkRole,
  NetworkSpec,
  NodeInterfaceSpec,
  NodeRole,
  NodeSpec,
  ServiceGroupSpec,
} from "./types";

/** What a node is: its configured role, `member` when none is given. */
export function nodeRole(node: Pick<NodeSpec, "role">): NodeRole {
  return node.role ?? "member";
}

/** The cluster members among the nodes (every node unless some are real servers), in spec order. */
export function clusterMembers<T extends Pick<NodeSpec, "role">>(nodes: readonly T[]): T[] {
  return nodes.filter((n) => nodeRole(n) === "member");
}

/** The LVS real servers among the nodes, in spec order. */
export function realServers<T extends Pick<NodeSpec, "role">>(nodes: readonly T[]): T[] {
  return nodes.filter((n) => nodeRole(n) === "real-server");
}

/** The first network with a role, or undefined. */
export function networkWithRole(
  networks: readonly NetworkSpec[],
  role: NetworkRole,
): NetworkSpec | undefined {
  return networks.find((n) => n.role === role);
}

/** The network that plays a role, if any (a valid spec has exactly one service and one management network). */
export function findNetworkByRole(spec: LabSpec, role: NetworkRole): NetworkSpec | undefined {
  return networkWithRole(spec.networks, role);
}

/** A node's interface on a lab network (by network name). */
export function interfaceOn(node: NodeSpec, network: string): NodeInterfaceSpec {
  const nic = node.interfaces.find((i) => i.network === network);
  if (nic === undefined) throw new Error(`node ${node.name}: no interface on network "${network}"`);
  return nic;
}

/** The address of a node on the management network (where the program and fence_virsh reach it). */
export function managementAddress(node: NodeSpec, networks: readonly NetworkSpec[]): string {
  const management = networkWithRole(networks, "management");
  if (management === undefined) throw new Error("the lab has no management network");
  return interfaceOn(node, management.name).address;
}

/** A node's interfaces on the cluster links, in link order (link 0 first). */
export function linkInterfaces(node: NodeSpec, links: readonly string[]): NodeInterfaceSpec[] {
  return links.map((link) => interfaceOn(node, link));
}

/** The name the cluster knows a node by: its host name on link 0 (`node01h`), else its name. */
export function clusterNodeName(node: NodeSpec, links: readonly string[]): string {
  return linkInterfaces(node, links)[0]?.hostname ?? node.name;
}

/** The first `ip` resource of a group: its virtual IP, or undefined. */
export function serviceVip(group: ServiceGroupSpec): string | undefined {
  return group.resources.find((r) => r.kind === "ip")?.address;
}

/** The CIDR of the network the group's VIP is on (its clients), else the first network's. */
export function serviceCidr(group: ServiceGroupSpec, networks: readonly NetworkSpec[]): string {
  const ip = group.resources.find((r) => r.kind === "ip");
  const net = networks.find((n) => n.name === (ip?.kind === "ip" ? ip.network : undefined)) ?? networks[0];
  return net?.cidr ?? "";
}

/** True when a service group holds shared data (a GlusterFS mount or an iSCSI file system). */
export function hasSharedData(group: ServiceGroupSpec): boolean {
  return group.resources.some((r) => r.kind === "gluster-mount" || r.kind === "iscsi-filesystem");
}

/**
 * The control port of the lab's own tgtd on the KVM host (`tgtadm -C`), derived from the IQN so
 * that two labs on one host (each in its network namespace) do not share tgtd's control socket.
 */
export function tgtControlPort(iqn: string): number {
  let h = 2166136261;
  for (const c of iqn) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return 1000 + (h % 9000);
}
