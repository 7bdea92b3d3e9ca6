/**
 * The lab specification: one typed description of the whole lab.
 *
 * It is read from stack config, validated once (spec/schema.ts, spec/validate) and then handed,
 * read-only, to the components. Components never parse config; they only read a LabSpec.
 * Every field here has a default (spec/defaults.ts) that reproduces the lab of seeds 000/001.
 */

/** The three roles a lab network can play (seed 000). */
export type NetworkRole = "service" | "management" | "heartbeat";

/** libvirt domain type: `auto` decides from the host CPU (vmx/svm → kvm, else qemu/TCG). */
export type DomainType = "auto" | "kvm" | "qemu";

export interface HostSpec {
  /** libvirt connection URI, e.g. `qemu:///system` or `qemu+ssh://root@kvm01/system`. */
  libvirtUri: string;
  /** Domain type for the node VMs. */
  domainType: DomainType;
  /** The host's own address on the management network (fence_virsh and iSCSI reach it here). */
  address: string;
  /** SSH port of the host's sshd on the management address. */
  sshPort: number;
  /** SSH user the program and fence_virsh use on the host. */
  sshUser: string;
  /**
   * `managed`: this program starts virtlogd/libvirtd (and the host sshd) itself when none runs —
   * the dev default on machines without systemd. `external`: use the running daemon as it is.
   */
  daemon: "managed" | "external";
  /** Directory on the host that the stack owns (images, volumes, LUN files, keys). */
  stateDir: string;
}

export interface NetworkSpec {
  /**
   * Network name as the user writes it (`service`, `management`, …): the key of `nodes[].addresses`,
   * `cluster.links` and `gluster.network`, and the Pulumi resource name suffix.
   */
  name: string;
  /** libvirt network name: `<lab name>-<name>`, so several labs can share one host. */
  libvirtName: string;
  role: NetworkRole;
  /** IPv4 network in CIDR notation, e.g. 192.168.7.0/24. */
  cidr: string;
  /** Linux bridge name (≤ 15 characters). */
  bridge: string;
  /** `isolated` (default) or `nat` (outbound NAT through the host). */
  mode: "isolated" | "nat";
  /** Address of the host's side of the bridge (defaults to the first host address, .1). */
  gateway: string;
}

/** One address of a node on one network, with the names /etc/hosts gives it. */
export interface NodeInterfaceSpec {
  /** Name of the network (NetworkSpec.name). */
  network: string;
  address: string;
  /** MAC address of the NIC; cloud-init matches NICs by MAC, never by name. */
  mac: string;
  /** Host name on this network: `node01` (service), `node01m` (management), `node01h` (heartbeat). */
  hostname: string;
}

export interface NodeSpec {
  /** Host name of the node (also its libvirt domain name unless domainName says otherwise). */
  name: string;
  /** libvirt domain name (the fence_virsh "port"). */
  domainName: string;
  /** Cluster node id (corosync nodeid / cman clusternode nodeid). */
  nodeId: number;
  vcpus: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Root disk size in GiB (a copy-on-write volume over the base image). */
  diskGiB: number;
  /** One interface per lab network. */
  interfaces: NodeInterfaceSpec[];
  /** Failover-domain priority (1 = most preferred). */
  priority: number;
}

export interface BaseImageSpec {
  /**
   * `build`: debootstrap a Debian image on the host (cached by content key).
   * `path`: use an existing image file on the host. `url`: fetch a cloud image on a connected host.
   */
  source: "build" | "path" | "url";
  /** Image path (source=path) or URL (source=url). */
  location?: string;
  /** Debian suite for source=build. */
  suite: string;
  /** Debian mirror for source=build. */
  mirror: string;
  /** Extra packages on top of the lab's own list. */
  extraPackages: string[];
  /** Size of the root file system in GiB. */
  sizeGiB: number;
}

export interface LunSpec {
  /** LUN number (1-based; LUN 0 is the target's controller). */
  id: number;
  /** Backing file name under the target's directory. */
  file: string;
  /** Size in MiB. */
  sizeMiB: number;
  /** What the LUN is for: `quorum` (qdisk/SBD), `data` (shared file system) or `other`. */
  purpose: "quorum" | "data" | "other";
}

export interface IscsiSpec {
  enabled: boolean;
  /** Where the target runs: on the KVM host (default) or on a dedicated target VM (a node name). */
  host: "kvmhost" | string;
  /** Target IQN. */
  iqn: string;
  /** Directory holding the LUN files (owned by the stack). */
  directory: string;
  luns: LunSpec[];
}

export interface GlusterSpec {
  enabled: boolean;
  /** Volume name. */
  volume: string;
  /** Replica count (must not exceed the node count). */
  replica: number;
  /** Add an arbiter brick (replica 3 arbiter 1 layout). */
  arbiter: boolean;
  /** Brick directory on every node. */
  brickPath: string;
  /** Optional block device for the brick's own file system. */
  brickDevice?: string;
  /** Network whose host names are used for peer probe and bricks. */
  network: string;
  /** Mount point on every node. */
  mountPoint: string;
  /** `all`: mounted on every node by the program; `service`: mounted by the cluster's service group. */
  mountBy: "all" | "service";
  /** Volume options (gluster volume set). */
  options: Record<string, string>;
  /** Allow a change of the replica layout (destroys data). */
  allowDestructiveChanges: boolean;
}

export interface ClusterSpec {
  /** `pacemaker` (corosync 3 + pcs, executed) or `cman` (RHEL 6 cluster.conf, rendered + pushed). */
  stack: "pacemaker" | "cman";
  name: string;
  /** Corosync transport (knet for corosync 3; udpu/udp only for the cman flavour). */
  transport: "knet" | "udpu" | "udp";
  /** totem token in ms (seed: 20000, tuned to GlusterFS timeouts). */
  tokenMs: number;
  /** two_node quorum (required when exactly two nodes vote). */
  twoNode: boolean;
  /** Networks used as corosync links, in order (link 0 first). */
  links: string[];
  /** Start the cluster at boot (seed 000: no). */
  startAtBoot: boolean;
  /** Cluster properties (pcs property set). */
  properties: Record<string, string>;
  /** Resource defaults (pcs resource defaults). */
  resourceDefaults: Record<string, string>;
  /**
   * Allow stonith-enabled=false while a service group holds shared data (lab-only override;
   * seed 004: STONITH is the remedy for split brain).
   */
  allowNoStonithWithSharedData: boolean;
}

export interface FenceDeviceSpec {
  name: string;
  /** Only fence_virsh is modelled (seeds 000/001/004 on KVM). */
  agent: "fence_virsh";
  /** Address of the KVM host as the nodes reach it (management network). */
  ipaddr: string;
  login: string;
  /** Path of the private key on the nodes. */
  identityFile: string;
  /** Action on fence: reboot (seed) or off. */
  action: "reboot" | "off";
}

/** A resource inside a service group, in start order. */
export type ServiceResourceSpec =
  | { kind: "ip"; name: string; address: string; cidrNetmask: number; network: string; monitorLink: boolean }
  | { kind: "gluster-mount"; name: string; volume: string; mountPoint: string }
  | { kind: "iscsi-filesystem"; name: string; lun: number; fsType: "ext4" | "xfs"; mountPoint: string }
  | { kind: "postgresql"; name: string; dataDir: string; port: number };

export interface ServiceGroupSpec {
  name: string;
  /** Start the group when the cluster starts (cman autostart; pacemaker target-role). */
  autostart: boolean;
  /** Failover domain: node names in priority order; restricted = may run only there. */
  domain: { name: string; nodes: string[]; ordered: boolean; restricted: boolean };
  /** Resource stickiness for this group (undefined = cluster default). */
  stickiness?: number;
  resources: ServiceResourceSpec[];
}

export interface LabSpec {
  /** Lab name: prefixes every libvirt object, so several stacks can share one host. */
  name: string;
  host: HostSpec;
  networks: NetworkSpec[];
  nodes: NodeSpec[];
  /** Extra /etc/hosts entries reserved for nodes that do not exist yet (seed 000: node03). */
  reservedHosts: { hostname: string; address: string }[];
  image: BaseImageSpec;
  iscsi: IscsiSpec;
  gluster: GlusterSpec;
  cluster: ClusterSpec;
  fencing: FenceDeviceSpec[];
  services: ServiceGroupSpec[];
  /**
   * How far the lab is built: `substrate` (host, image, networks, node VMs), `storage` (+ iSCSI and
   * GlusterFS) or `cluster` (+ cluster, fencing, service groups: the whole lab, the default).
   */
  layers: "substrate" | "storage" | "cluster";
  /** Timeouts (seconds) for slow steps: TCG guests are slow. */
  timeouts: { bootSeconds: number; commandSeconds: number };
}
