/**
 * The lab specification: one typed description of the whole lab.
 *
 * It is read from stack config, validated once (spec/schema.ts, spec/validate) and then handed,
 * read-only, to the components. Components never parse config; they only read a LabSpec.
 * Every field here has a default (spec/defaults.ts) that reproduces the lab of seeds 000/001.
 * The optional parts (node roles, the load balancer of seed 002) are absent unless configured, so a
 * lab that does not use them is described exactly as before they existed.
 */
import type { IPVS_SCHEDULERS } from "./schema";

/** The three roles a lab network can play (seed 000). */
export type NetworkRole = "service" | "management" | "heartbeat";

/** libvirt domain type: `auto` decides from the host CPU (vmx/svm → kvm, else qemu/TCG). */
export type DomainType = "auto" | "kvm" | "qemu";

/** What a node is: a cluster member, or an LVS real server outside the cluster (seed 002). */
export type NodeRole = "member" | "real-server";

/** An IPVS scheduler (`ipvsadm -s`). */
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];

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
  /** Cluster node id (corosync nodeid / cman clusternode nodeid), counting members only; 0 for a real server. */
  nodeId: number;
  vcpus: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Root disk size in GiB (a copy-on-write volume over the base image). */
  diskGiB: number;
  /** One interface per lab network (a real server has none on a heartbeat network it has no address on). */
  interfaces: NodeInterfaceSpec[];
  /** Failover-domain priority (1 = most preferred); 0 for a real server (in no failover domain). */
  priority: number;
  /**
   * `real-server`: an LVS real server (seed 002), never in the cluster, never fenced. Absent for a
   * cluster member unless the config says `role: member` (see spec/queries.ts `nodeRole`).
   */
  role?: NodeRole;
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
  /**
   * Kernel flavour of a built image: `cloud` (linux-image-cloud-amd64, the light default, built
   * without OCFS2 and DLM) or `generic` (linux-image-amd64, which ships OCFS2's modules).
   */
  kernel: KernelFlavour;
}

/** The kernel flavour of a built image. */
export type KernelFlavour = "cloud" | "generic";

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
  /**
   * Allow seed 002's stonith-enabled=false and no-quorum-policy=ignore in a lab with a load
   * balancer (lab-only override). Present only when the config sets it.
   */
  allowNoStonith?: boolean;
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

/**
 * The LVS load balancer of seed 002: the cluster members are the director pair (ldirectord under
 * pacemaker, the VIP moving between them), the `real-server` nodes serve the web page behind it in
 * direct routing (the VIP on their loopback, ARP replies suppressed).
 */
export interface LoadBalancerSpec {
  /** The virtual IP clients connect to (seed: FIP 192.168.5.55), on the service network. */
  vip: string;
  /** Name of the network the VIP lives on (the service network). */
  network: string;
  /** Port of the virtual service and of the real servers (80). */
  port: number;
  /** IPVS scheduler (rr: round robin). */
  scheduler: IpvsScheduler;
  /** `tcp` or `udp`. */
  protocol: "tcp" | "udp";
  /** Forwarding method: `gate` (direct routing) is the one modelled. */
  forwarding: "gate";
  /** How ldirectord checks a real server: `negotiate` (request/receive) or `connect`. */
  checkType: "negotiate" | "connect";
  /** Port ldirectord checks (the service port by default). */
  checkPort: number;
  /** The check page, relative to the web root (seed: `haCheker/haCheck.html`). */
  request: string;
  /** Regular expression the check page must match (seed: `up and running`). */
  receive: string;
  /** Seconds before a check counts as failed (5). */
  checkTimeout: number;
  /** Seconds between checks (10). */
  checkInterval: number;
  /** ldirectord re-reads its configuration when the file changes (yes). */
  autoreload: boolean;
  /** `true`: a failed real server keeps weight 0; `false` (seed): it is removed from the table. */
  quiescent: boolean;
  /** Where clients go when no real server answers: the director's own sorry page (`127.0.0.1:80`). */
  fallback: string;
  /** The web server of the real servers (and of the directors' sorry page). */
  web: "lighttpd";
  /** Hosts the directors' ping clone checks (default: the service network's gateway). */
  pingTargets: string[];
}

/** One node of the o2cb cluster (an entry of /etc/ocfs2/cluster.conf). */
export interface Ocfs2NodeSpec {
  /** The node's name: its host name, which o2cb matches to find the local node. */
  name: string;
  /** o2cb node number (0–254), stable: adding a node never renumbers the others. */
  number: number;
  /** The node's address on the interconnect network ("" when it has none: reported by validation). */
  address: string;
}

/**
 * Seed 003's shared-disk file system: OCFS2 with the classic o2cb cluster stack (not pacemaker's
 * DLM) on a LUN of the iSCSI target, mounted on every node at once.
 */
export interface Ocfs2Spec {
  /** o2cb cluster name (seed: `ocfs2`; up to 16 letters and digits). */
  clusterName: string;
  /** The nodes of the o2cb cluster (default: every cluster member), numbered. */
  nodes: Ocfs2NodeSpec[];
  /** Name of the interconnect network (default: the heartbeat network, else the service network). */
  network: string;
  /** TCP port of the interconnect (7777, the same on every node). */
  port: number;
  /** Disk heartbeat iterations (2 s each) before a node counts as dead (31; at least 7). */
  heartbeatDeadThreshold: number;
  /** Milliseconds before an idle interconnect connection counts as dead (30000; at least 5000). */
  idleTimeoutMs: number;
  /** Maximum milliseconds between keepalive packets (2000; at least 1000, below the idle timeout). */
  keepaliveDelayMs: number;
  /** Minimum milliseconds between connection attempts (2000; at least 2000). */
  reconnectDelayMs: number;
  /** The iSCSI LUN (id) the volume lives on. */
  lun: number;
  /** The volume label that marks the volume as this lab's (never reformatted when found). */
  label: string;
  /** Node slots: how many nodes may mount at once (4; at least the node count). */
  slots: number;
  /** Where every node mounts the volume. */
  mountPoint: string;
  /** Extra mount options (the fstab line always has `_netdev` and the ordering after iSCSI and o2cb). */
  mountOptions: string[];
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
  /** Seed 002's LVS load balancer (director pair + real servers); absent unless configured. */
  loadBalancer?: LoadBalancerSpec;
  /** Seed 003's OCFS2 file system (o2cb cluster on an iSCSI LUN); absent unless configured. */
  ocfs2?: Ocfs2Spec;
  /**
   * How far the lab is built: `substrate` (host, image, networks, node VMs), `storage` (+ iSCSI and
   * GlusterFS) or `cluster` (+ cluster, fencing, service groups: the whole lab, the default).
   */
  layers: "substrate" | "storage" | "cluster";
  /** Timeouts (seconds) for slow steps: TCG guests are slow. */
  timeouts: { bootSeconds: number };
}
