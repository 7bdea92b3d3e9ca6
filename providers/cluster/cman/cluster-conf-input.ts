/**
 * What /etc/cluster/cluster.conf of a RHEL 6 cman + rgmanager cluster (seeds 000/001) holds, as the
 * input of the renderer (cluster-conf-render.ts): cman settings, nodes with their fence methods,
 * fence devices, failover domains and services.
 */

/** Where the file lives on every node. */
export const CLUSTER_CONF_PATH = "/etc/cluster/cluster.conf";

/** config_version of a rendering whose version is still to be decided on the nodes. */
export const UNVERSIONED = 0;

/** The seed's mount script as an rgmanager `<script>` resource (installed by GlusterMount). */
export const GLMOUNT_SCRIPT = { name: "glmount", file: "/etc/init.d/glmount" } as const;

/** The seed's PostgreSQL init script as an rgmanager `<script>` resource (the seed names it `pgsql`). */
export const POSTGRESQL_SCRIPT = { name: "pgsql", file: "/etc/init.d/postgresql" } as const;

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

/** Input of the renderer (cluster-conf-render.ts renderClusterConf): what the seed's cluster.conf holds. */
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
