/**
 * Typed dynamic resources for the remote kinds whose providers are not built yet.
 *
 * Each kind is a thin dynamic-resource subclass ({@link LabDynamicResource}, type token
 * `pulumi-nodejs:dynamic/kvmlab:<Kind>`) made by {@link pendingKind}: it declares
 * its typed inputs and outputs, and its provider is `pendingProvider(kind, issue)`, whose
 * create/update fail loudly with the issue that will implement it. So the resource graph of the
 * lab is complete and type-checked today, and each provider can replace its pending one without
 * touching the components.
 *
 * Secret inputs (passwords, private keys) are wrapped with `pulumi.secret` here, whatever the
 * caller passed, and listed in `additionalSecretOutputs`, so they never reach state in plain.
 */
import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource, pendingProvider, type LabProvider } from "./base";
import type { ClusterMember, HostEndpoint, OnNodes, SshEndpoint } from "./endpoints";
export {
  hostEndpoint,
  type ClusterMember,
  type HostEndpoint,
  type OnNodes,
  type SshEndpoint,
} from "./endpoints";
import type { ClusterSpec, FenceDeviceSpec, ServiceGroupSpec, ServiceResourceSpec } from "../../spec/types";

/** An input that may hold outputs at any depth (objects and arrays are unwrapped by the engine). */
export type DeepInput<T> = [T] extends [string | number | boolean | null | undefined]
  ? pulumi.Input<T>
  : [T] extends [readonly (infer U)[]]
    ? pulumi.Input<DeepInput<U>[]>
    : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** The constructor args of a pending kind: its inputs, each possibly an output. */
export type PendingArgs<I> = { [K in keyof I]: DeepInput<I[K]> };

/** A pending resource: every input and every declared output is an output property. */
export type PendingResource<I, O> = LabDynamicResource & {
  readonly [K in keyof (I & O)]-?: pulumi.Output<(I & O)[K]>;
};

/** The class made by {@link pendingKind}. */
export interface PendingKind<I, O> {
  new (name: string, args: PendingArgs<I>, opts?: pulumi.CustomResourceOptions): PendingResource<I, O>;
  /** The kind (last part of the type token). */
  readonly kind: string;
  /** The issue that will implement the provider (pending kinds only). */
  readonly issue?: number;
}

/** How {@link pendingKind} builds a kind. */
export interface PendingKindOptions<I, O> {
  /** The issue that will implement the provider. */
  issue: number;
  /** Every output the provider will return (a map so the compiler checks it is complete). */
  outputs: { [K in keyof O]-?: true };
  /** Inputs that are secrets: wrapped with `pulumi.secret` and kept secret in the outputs. */
  secretInputs?: readonly (keyof I & string)[];
}

/** How {@link labKind} builds a kind around a provider. */
export type LabKindOptions<I, O> = Omit<PendingKindOptions<I, O>, "issue">;

/**
 * Makes the typed dynamic-resource class of one kind around its provider: every input and every
 * declared output becomes an output property; secret inputs are wrapped with `pulumi.secret`.
 */
export function labKind<I extends object, O extends object>(
  provider: LabProvider,
  options: LabKindOptions<I, O>,
): PendingKind<I, O> {
  const outputNames = Object.keys(options.outputs);
  const secretInputs = [...(options.secretInputs ?? [])];

  class Kind extends LabDynamicResource {
    static readonly kind = provider.kind;

    constructor(name: string, args: PendingArgs<I>, opts?: pulumi.CustomResourceOptions) {
      const props: pulumi.Inputs = { ...args };
      for (const key of outputNames) props[key] = undefined;
      for (const key of secretInputs) props[key] = pulumi.secret(props[key]);
      super(provider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: secretInputs }));
    }
  }
  return Kind as unknown as PendingKind<I, O>;
}

/** Makes the typed dynamic-resource class of one pending kind (provider: {@link pendingProvider}). */
export function pendingKind<I extends object, O extends object>(
  kind: string,
  options: PendingKindOptions<I, O>,
): PendingKind<I, O> {
  const cls = labKind<I, O>(pendingProvider(kind, options.issue), options);
  return Object.assign(cls, { issue: options.issue });
}

// ---------------------------------------------------------------------------------------------
// Issue 3: host, image, networks, nodes
// ---------------------------------------------------------------------------------------------

export interface HostPrepInputs {
  host: HostEndpoint;
  /** `managed`: start virtlogd/libvirtd when none answers; `external`: use the running daemon. */
  daemon: "managed" | "external";
  /** Requested domain type; `auto` decides from the CPU flags (vmx/svm). */
  requestedDomainType: "auto" | "kvm" | "qemu";
  /** Networks (CIDR) whose nodes use the host as their time server. */
  timeClients: string[];
  /** Desired state: libvirtd answers (drift when it stopped). */
  daemonAnswers?: boolean;
}
export interface HostPrepOutputs {
  /** The domain type decided for this host. */
  domainType: "kvm" | "qemu";
  /** The CPU has vmx/svm. */
  cpuVirtualisation: boolean;
  /** This resource started virtlogd/libvirtd (and stops them on delete when they hold nothing). */
  startedDaemons: boolean;
}

export interface HostSshdInputs {
  host: HostEndpoint;
  /** `managed`: a dedicated sshd for the lab; `external`: the host's own sshd must listen already. */
  daemon: "managed" | "external";
  /** The host's management address (sshd listens there). */
  address: string;
  port: number;
  /** fence_virsh's login on the host. */
  user: string;
  /** Public key authorised for `user`, restricted to the fence shell. */
  fenceAuthorizedKey: string;
  /** The lab's libvirt domain names (the only ones the fence key may query or power-cycle). */
  fenceDomains: string[];
  /** Desired state (drift when false). */
  listening?: boolean;
  keyAuthorised?: boolean;
}
export interface HostSshdOutputs {
  /** The host's SSH host key (`type base64`), for the nodes' known_hosts. */
  sshHostKey: string;
}

/** Paths of a bootable base image on the host. */
export interface ImageFiles {
  imagePath: string;
  /** Kernel for direct kernel boot; empty when the image boots with its own boot loader. */
  kernelPath: string;
  /** Initrd for direct kernel boot; empty when the image boots with its own boot loader. */
  initrdPath: string;
}

export interface BaseImageBuildInputs {
  host: HostEndpoint;
  suite: string;
  mirror: string;
  /** Every package of the image (the lab's own list plus the extra ones). */
  packages: string[];
  sizeGiB: number;
}
export interface BaseImageBuildOutputs extends ImageFiles {
  /** Hash of everything that shapes the image: the cache key. */
  contentKey: string;
}

export interface BaseImageFetchInputs {
  host: HostEndpoint;
  url: string;
}

export interface LibvirtNetworkInputs {
  host: HostEndpoint;
  /** libvirt network name. */
  name: string;
  bridge: string;
  cidr: string;
  gateway: string;
  mode: "isolated" | "nat";
  /** Desired state: started, with every running domain's NIC on it plugged in (drift when false). */
  active?: boolean;
  portsAttached?: boolean;
}
export interface LibvirtNetworkOutputs {
  uuid: string;
}

export interface NodeVolumeInputs {
  host: HostEndpoint;
  name: string;
  /** Backing file (copy-on-write). */
  baseImagePath: string;
  sizeGiB: number;
}

/** One NIC of a node as cloud-init configures it (matched by MAC). */
export interface CloudInitInterface {
  /** Name the guest gives the NIC (`lab-svc`, `lab-mgt`, `lab-hb`). */
  name?: string;
  mac: string;
  address: string;
  prefix: number;
  /** Default gateway through this NIC (only on NAT networks). */
  gateway?: string;
}

/** One /etc/hosts line. */
export interface HostsEntry {
  address: string;
  names: string[];
}

export interface CloudInitDiskInputs {
  host: HostEndpoint;
  name: string;
  hostname: string;
  interfaces: CloudInitInterface[];
  hosts: HostsEntry[];
  /** Public keys authorised for root. */
  authorizedKeys: string[];
  /** Root's own key pair, the same on every node (password-less root SSH between nodes). */
  rootPublicKey: string;
  rootPrivateKey: string;
  /** chrony servers. */
  timeServers: string[];
}

export interface LibvirtDomainInputs {
  host: HostEndpoint;
  /** libvirt domain name. */
  name: string;
  domainType: "kvm" | "qemu";
  vcpus: number;
  memoryMiB: number;
  diskPath: string;
  cloudInitPath: string;
  /** Direct kernel boot (empty: boot from the disk). */
  kernelPath: string;
  initrdPath: string;
  kernelArgs: string;
  /** One NIC per lab network, in order. */
  nics: { network: string; mac: string }[];
  /** Desired state: running (drift when the VM was stopped out of band). */
  running?: boolean;
}

export interface NodeReadyInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  /** The domain waited for (a new domain means a new wait). */
  domainUuid: string;
  /** Expected host name (checked once SSH answers). */
  hostname: string;
  timeoutSeconds: number;
  /** Desired state: answers on SSH (drift when it does not). */
  reachable?: boolean;
}
export interface NodeReadyOutputs {
  bootId: string;
  sshHostKey: string;
}

// ---------------------------------------------------------------------------------------------
// Issue 4: shared storage
// ---------------------------------------------------------------------------------------------

/** Where an iSCSI target runs: on the KVM host, or on a node when `node` is set. */
export interface TargetPlacement {
  host: HostEndpoint;
  node?: SshEndpoint;
  sshPrivateKey: string;
}

/** One LUN of a target: number, backing file, size, purpose. */
export interface IscsiLun {
  lun: number;
  /** Backing file (under the target's directory). */
  path: string;
  sizeMiB: number;
  purpose: "quorum" | "data" | "other";
}

export interface IscsiTargetInputs extends TargetPlacement {
  iqn: string;
  /** Directory of the LUN files (owned by the stack). */
  directory: string;
  /** `address:port` tgtd listens on (the KVM host's management address). */
  portal: string;
  /** tgtd's management channel (`tgtadm -C`): one tgtd per lab on the host; 0 on a node. */
  controlPort: number;
  luns: IscsiLun[];
  /** Initiators allowed in: addresses and IQNs (access is never `ALL`). */
  initiatorAddresses: string[];
  initiatorNames: string[];
  /** Desired state: tgtd serves the target (drift when it does not). */
  online?: boolean;
}
export interface IscsiTargetOutputs {
  tid: number;
  /** Initiator IQNs logged in when last seen. */
  sessions: string[];
}

export interface IscsiInitiatorInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  initiatorName: string;
  targetIqn: string;
  /** `address:port` of the target portal. */
  portal: string;
  luns: number[];
  /** Desired state: logged in, persistent, every LUN's device present (drift when not). */
  loggedIn?: boolean;
}
export interface IscsiInitiatorOutputs {
  /** The by-path device of each LUN on this node. */
  devices: string[];
}

export interface GlusterPeersInputs extends OnNodes {
  /** Host names probed (on the gluster network), in node order. */
  peers: string[];
}
export interface GlusterPeersOutputs {
  peerCount: number;
}

export interface GlusterVolumeInputs extends OnNodes {
  name: string;
  replica: number;
  arbiter: boolean;
  transport: "tcp";
  /** `host:/path`, in replica-set order; brick i lives on node i. */
  bricks: string[];
  brickDevice?: string;
  options: Record<string, string>;
  allowDestructiveChanges: boolean;
  /** Desired state: started (drift when stopped). */
  started?: boolean;
  /** Desired state: every brick process online (drift when one died). */
  bricksOnline?: boolean;
}
export interface GlusterVolumeOutputs {
  volumeId: string;
  /** Options gluster set by itself when the volume was created (not drift). */
  initialOptions: Record<string, string>;
}

export interface GlusterMountInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  /** Volume name (`data00`). */
  volume: string;
  /** Server the node mounts from (`localhost`: its own glusterd). */
  server: string;
  mountPoint: string;
  mountOptions: string;
  /** `mounted`: mounted and kept mounted; `prepared`: mount point and glmount script only (the cluster mounts). */
  mode: "mounted" | "prepared";
  /** Desired state (mode `mounted`): mounted (drift when not). */
  mounted?: boolean;
  /** Desired state: the glmount script on the node is the rendered one. */
  scriptCurrent?: boolean;
}
export interface GlusterMountOutputs {
  /** Where the glmount script is (`/etc/init.d/glmount`). */
  script: string;
}

// ---------------------------------------------------------------------------------------------
// Issue 5: cluster stack, fencing, services
// ---------------------------------------------------------------------------------------------

/** Cluster settings common to both flavours. */
export type ClusterSettings = Pick<ClusterSpec, "name" | "transport" | "tokenMs" | "twoNode" | "startAtBoot">;

export interface PcsClusterInputs extends ClusterSettings {
  members: ClusterMember[];
  sshPrivateKey: string;
  /** Password of the `hacluster` user (secret). */
  haclusterPassword: string;
  properties: Record<string, string>;
  resourceDefaults: Record<string, string>;
  /** Desired state: every member online (drift when not). */
  running?: boolean;
}
export interface PcsClusterOutputs {
  /** corosync's cluster_uuid. */
  clusterUuid: string;
  /** Members, node ids and link addresses as set up (see `topologyOf`): a change replaces the cluster. */
  topology: string;
}

export interface CmanClusterInputs extends ClusterSettings {
  members: ClusterMember[];
  sshPrivateKey: string;
  /** Password of `ricci` (secret). */
  ricciPassword: string;
  expectedVotes: number;
}

export interface StonithDeviceInputs extends OnNodes, Omit<FenceDeviceSpec, "name"> {
  stack: ClusterSpec["stack"];
  clusterName: string;
  name: string;
  /** The private key installed at `identityFile` on every node (secret). */
  identityKey: string;
  /** Member name (`node01`) → libvirt domain name (the fence_virsh port). */
  hostMap: Record<string, string>;
  /** Member name → the cluster's name for it (`node01h`, its host name on link 0). */
  clusterNodeNames: Record<string, string>;
  /** Digest of the rendered `pcs stonith create` (a renderer change reaches the device). */
  rendering?: string;
  /** Desired state: the key is on every node (drift when missing or different). */
  keyInstalled?: boolean;
  /** Desired state (pacemaker): the device is enabled. */
  enabled?: boolean;
  /** Desired state (pacemaker): the device has the configured parameters. */
  configured?: boolean;
}
export interface StonithDeviceOutputs {
  deviceId: string;
}

export interface ClusterServiceGroupInputs extends OnNodes, Omit<ServiceGroupSpec, "resources"> {
  stack: ClusterSpec["stack"];
  clusterName: string;
  resources: ServiceResourceSpec[];
  /** iSCSI LUN number → device path on the nodes (for `iscsi-filesystem` resources). */
  lunDevices: Record<string, string>;
  /** Member name → the cluster's name for it (`node01h`): location constraints. */
  clusterNodeNames: Record<string, string>;
  /** `mount -o` options of a GlusterFS mount (seed 001's log options). */
  glusterMountOptions: string;
  /** Password of the application role of PostgreSQL (secret; empty without PostgreSQL). */
  dbPassword: string;
  /** Network allowed to reach PostgreSQL with the password (the service network). */
  dbClientCidr: string;
  /** Digest of the rendered pcs commands (a renderer change reaches the group as a change). */
  rendering?: string;
  /** Desired state: every member as configured (drift when deleted or changed). */
  resourcesAsConfigured?: boolean;
  /** Desired state: no member disabled. */
  membersEnabled?: boolean;
  /** Desired state: location constraints and stickiness as configured. */
  constraintsAsConfigured?: boolean;
  /** Desired state (autostart): the group enabled. */
  enabled?: boolean;
}
export interface ClusterServiceGroupOutputs {
  groupId: string;
}
