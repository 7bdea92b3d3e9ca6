import type * as pulumi from "@pulumi/pulumi";
import { clusterMembers, clusterNodeName, linkInterfaces, serviceCidr } from "../../spec/queries";
import { FenceDevice } from "../cluster/fence-device";
import { HaCluster } from "../cluster/ha-cluster";
import { ServiceGroup } from "../cluster/service-group";
import type { LayerContext } from "./context";
import type { Storage } from "./storage";
import type { Substrate } from "./substrate";

/** The cluster layer of a lab: the cluster, its fence devices and its service groups. */
export interface ClusterLayer {
  /** The cluster. */
  cluster: HaCluster;
  /** The fence devices, in spec order. */
  fenceDevices: FenceDevice[];
  /** The service groups, in spec order. */
  serviceGroups: ServiceGroup[];
}

/** The cluster on the nodes → its fence devices → its service groups (on the shared storage). */
export function buildCluster(
  { name, spec, child }: LayerContext,
  substrate: Substrate,
  storage: Storage,
  domainNames: pulumi.Output<Record<string, string>>,
): ClusterLayer {
  const { nodes, host, fenceAccess } = substrate;
  const sshPrivateKey = host.programPrivateKey;
  // Real servers (seed 002) take no part: the cluster, its fencing and its groups are the members'.
  const members = clusterMembers(spec.nodes);
  const refs = members.map((node) => substrate.refs[spec.nodes.indexOf(node)]);
  // The cluster knows a node by its host name on link 0 (`node01h`, as seed 001's cluster.conf).
  const clusterNodeNames = Object.fromEntries(
    members.map((node) => [node.name, clusterNodeName(node, spec.cluster.links)]),
  );
  const cluster = new HaCluster(
    `${name}-cluster`,
    {
      cluster: spec.cluster,
      members: members.map((node, i) => ({
        node: refs[i],
        nodeId: node.nodeId,
        linkAddresses: linkInterfaces(node, spec.cluster.links).map((nic) => nic.address),
        linkHostnames: linkInterfaces(node, spec.cluster.links).map((nic) => nic.hostname),
      })),
      sshPrivateKey,
      fencing: spec.fencing,
      services: spec.services,
      domainNames,
      lunDevices: storage.lunDevices,
    },
    child([...nodes, ...storage.all]),
  );
  const fenceDevices = spec.fencing.map(
    (device) =>
      new FenceDevice(
        `${name}-fence-${device.name}`,
        {
          device,
          stack: spec.cluster.stack,
          clusterName: cluster.clusterName,
          nodes: refs,
          clusterNodeNames,
          identityKey: host.fencePrivateKey,
          sshPrivateKey,
        },
        child([cluster, fenceAccess]),
      ),
  );
  const serviceGroups = spec.services.map(
    (group) =>
      new ServiceGroup(
        `${name}-svc-${group.name}`,
        {
          group,
          stack: spec.cluster.stack,
          clusterName: cluster.clusterName,
          nodes: refs.map((r) => r.access),
          lunDevices: storage.lunDevices,
          sshPrivateKey,
          clusterNodeNames,
          dbClientCidr: serviceCidr(group, spec.networks),
        },
        child([cluster, ...fenceDevices, ...storage.all]),
      ),
  );
  return { cluster, fenceDevices, serviceGroups };
}
