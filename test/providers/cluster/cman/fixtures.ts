/**
 * Shared fixtures of the cluster.conf tests: seed 001's cluster.conf as renderer input and as lab
 * model, and the model of a lab as components/ha-lab.ts wires it.
 */
import { parseLabSpec, type LabSpec } from "../../../../spec";
import type { ClusterConfInput } from "../../../../providers/cluster/cman/cluster-conf-input";
import type { ClusterConfModel } from "../../../../providers/cluster/cman/cluster-conf-model";

/** The input that corresponds to seed 001's cluster.conf. */
export const seedInput: ClusterConfInput = {
  name: "cluster01",
  configVersion: 1,
  cman: { expectedVotes: 1, twoNode: true },
  nodes: [1, 2].map((i) => ({
    name: `node0${i}h`,
    nodeId: i,
    votes: 1,
    fence: [{ method: "virsh_reboot", device: "kvmhost01", port: `RHCSvm0${i}-gluster` }],
  })),
  totem: { token: 20000 },
  fenceDevices: [
    {
      name: "kvmhost01",
      agent: "fence_virsh",
      ipaddr: "192.168.8.1",
      login: "root",
      identityFile: "/etc/cluster/fence_virsh_key",
      option: "reboot",
    },
  ],
  failoverDomains: [
    {
      name: "dom01",
      ordered: false,
      restricted: true,
      nodes: [
        { name: "node01h", priority: 1 },
        { name: "node02h", priority: 2 },
      ],
    },
  ],
  services: [
    {
      name: "service01",
      autostart: false,
      domain: "dom01",
      resources: [
        { kind: "ip", address: "192.168.7.99", monitorLink: true },
        {
          kind: "script",
          name: "glmount",
          file: "/etc/init.d/glmount",
          children: [{ kind: "script", name: "pgsql", file: "/etc/init.d/postgresql" }],
        },
      ],
    },
  ],
};

/** The lab model that describes seed 001 (its VM names, one ring, multicast). */
export const seedModel: ClusterConfModel = {
  cluster: { name: "cluster01", transport: "udp", tokenMs: 20000, twoNode: true },
  members: [
    { name: "node01", nodeId: 1, linkHostnames: ["node01h"] },
    { name: "node02", nodeId: 2, linkHostnames: ["node02h"] },
  ],
  fencing: [
    {
      name: "kvmhost01",
      agent: "fence_virsh",
      ipaddr: "192.168.8.1",
      login: "root",
      identityFile: "/etc/cluster/fence_virsh_key",
      action: "reboot",
    },
  ],
  services: [
    {
      name: "service01",
      autostart: false,
      domain: { name: "dom01", nodes: ["node01", "node02"], ordered: false, restricted: true },
      resources: [
        {
          kind: "ip",
          name: "service01-ip",
          address: "192.168.7.99",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
        { kind: "gluster-mount", name: "service01-fs", volume: "data00", mountPoint: "/gldata00" },
        { kind: "postgresql", name: "service01-db", dataDir: "/gldata00/pgsql", port: 5432 },
      ],
    },
  ],
  domainNames: { node01: "RHCSvm01-gluster", node02: "RHCSvm02-gluster" },
  configVersion: 1,
};

/** The model of a lab as components/ha-lab.ts wires it (links in cluster.links order). */
export function labModel(spec: LabSpec, lunDevices?: Record<string, string>): ClusterConfModel {
  return {
    cluster: spec.cluster,
    members: spec.nodes.map((node) => ({
      name: node.name,
      nodeId: node.nodeId,
      linkHostnames: spec.cluster.links.map(
        (link) => node.interfaces.find((nic) => nic.network === link)?.hostname ?? "",
      ),
    })),
    fencing: spec.fencing,
    services: spec.services,
    domainNames: Object.fromEntries(spec.nodes.map((n) => [n.name, n.domainName])),
    ...(lunDevices !== undefined ? { lunDevices } : {}),
  };
}

/** The cman flavour of the default lab without GlusterFS: the service mounts the iSCSI data LUN. */
export const iscsiSpec = parseLabSpec({
  name: "dev",
  cluster: { stack: "cman" },
  gluster: { enabled: false },
});
/** The by-path device of the iSCSI data LUN (LUN 2) on the nodes. */
export const DATA_LUN_DEVICE =
  "/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:dev-tgt01-lun-2";
