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
import { LabDynamicResource, pendingProvider } from "./base";
import type { ClusterSpec, FenceDeviceSpec, ServiceGroupSpec, ServiceResourceSpec } from "../spec/types";

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
  /** The issue that will implement the provider. */
  readonly issue: number;
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

/** Makes the typed dynamic-resource class of one pending kind. */
export function pendingKind<I extends object, O extends object>(
  kind: string,
  options: PendingKindOptions<I, O>,
): PendingKind<I, O> {
  const provider = pendingProvider(kind, options.issue);
  const outputNames = Object.keys(options.outputs);
  const secretInputs = [...(options.secretInputs ?? [])];

  class Pending extends LabDynamicResource {
    static readonly kind = kind;
    static readonly issue = options.issue;

    constructor(name: string, args: PendingArgs<I>, opts?: pulumi.CustomResourceOptions) {
      const props: pulumi.Inputs = { ...args };
      for (const key of outputNames) props[key] = undefined;
      for (const key of secretInputs) props[key] = pulumi.secret(props[key]);
      super(provider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: secretInputs }));
    }
  }
  return Pending as unknown as PendingKind<I, O>;
}

// ---------------------------------------------------------------------------------------------
// Shared input shapes
// ---------------------------------------------------------------------------------------------

/** The KVM host as the host-side kinds reach it (locally, or over SSH when the URI says so). */
export interface HostEndpoint {
  /** libvirt connection URI (`qemu:///system`, `qemu+ssh://root@kvm01/system`). */
  libvirtUri: string;
  /** Directory on the host that the stack owns. */
  stateDir: string;
}

/** The host endpoint of a host description (a `HostSpec` carries more than the providers need). */
export function hostEndpoint(host: HostEndpoint): HostEndpoint {
  return { libvirtUri: host.libvirtUri, stateDir: host.stateDir };
}

/** A machine reached over SSH. The private key always travels as a separate secret input. */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
}

/** Inputs shared by every kind that runs commands on cluster nodes. */
export interface OnNodes {
  /** The nodes, reached on their management addresses. */
  nodes: SshEndpoint[];
  /** The program's SSH private key (secret). */
  sshPrivateKey: string;
}

/** A node as the cluster stack sees it. */
export interface ClusterMember {
  /** Node name (`node01`). */
  name: string;
  /** corosync nodeid / cman clusternode nodeid. */
  nodeId: number;
  /** Where the program reaches the node. */
  access: SshEndpoint;
  /** The node's address on each cluster link, link 0 first. */
  linkAddresses: string[];
  /** The node's host name on each cluster link (`node01h`), link 0 first. */
  linkHostnames: string[];
}

// ---------------------------------------------------------------------------------------------
// Issue 3: host, image, networks, nodes
// ---------------------------------------------------------------------------------------------

export interface HostPrepInputs {
  host: HostEndpoint;
  /** `managed`: start virtlogd/libvirtd/sshd when none runs; `external`: use them as they are. */
  daemon: "managed" | "external";
  /** Requested domain type; `auto` decides from the CPU flags (vmx/svm). */
  requestedDomainType: "auto" | "kvm" | "qemu";
  /** Address sshd listens on (the host's management address). */
  sshAddress: string;
  sshPort: number;
  sshUser: string;
  /** Public key authorised for `sshUser`, restricted to virsh (fence_virsh). */
  fenceAuthorizedKey: string;
  /** Networks (CIDR) allowed to use the host as their time server (chrony). */
  timeClients: string[];
}
export interface HostPrepOutputs {
  /** The domain type decided for this host. */
  domainType: "kvm" | "qemu";
  /** The host's SSH host key (for the nodes' known_hosts). */
  sshHostKey: string;
}
export const HostPrep = pendingKind<HostPrepInputs, HostPrepOutputs>("HostPrep", {
  issue: 3,
  outputs: { domainType: true, sshHostKey: true },
});
export type HostPrep = InstanceType<typeof HostPrep>;

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
export const BaseImageBuild = pendingKind<BaseImageBuildInputs, BaseImageBuildOutputs>("BaseImageBuild", {
  issue: 3,
  outputs: { imagePath: true, kernelPath: true, initrdPath: true, contentKey: true },
});
export type BaseImageBuild = InstanceType<typeof BaseImageBuild>;

export interface BaseImageFetchInputs {
  host: HostEndpoint;
  url: string;
}
export const BaseImageFetch = pendingKind<BaseImageFetchInputs, ImageFiles>("BaseImageFetch", {
  issue: 3,
  outputs: { imagePath: true, kernelPath: true, initrdPath: true },
});
export type BaseImageFetch = InstanceType<typeof BaseImageFetch>;

export interface LibvirtNetworkInputs {
  host: HostEndpoint;
  /** libvirt network name. */
  name: string;
  bridge: string;
  cidr: string;
  gateway: string;
  mode: "isolated" | "nat";
}
export const LibvirtNetwork = pendingKind<LibvirtNetworkInputs, { uuid: string }>("LibvirtNetwork", {
  issue: 3,
  outputs: { uuid: true },
});
export type LibvirtNetwork = InstanceType<typeof LibvirtNetwork>;

export interface NodeVolumeInputs {
  host: HostEndpoint;
  name: string;
  /** Backing file (copy-on-write). */
  baseImagePath: string;
  sizeGiB: number;
}
export const NodeVolume = pendingKind<NodeVolumeInputs, { path: string }>("NodeVolume", {
  issue: 3,
  outputs: { path: true },
});
export type NodeVolume = InstanceType<typeof NodeVolume>;

/** One NIC of a node as cloud-init configures it (matched by MAC). */
export interface CloudInitInterface {
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
export const CloudInitDisk = pendingKind<CloudInitDiskInputs, { path: string }>("CloudInitDisk", {
  issue: 3,
  outputs: { path: true },
  secretInputs: ["rootPrivateKey"],
});
export type CloudInitDisk = InstanceType<typeof CloudInitDisk>;

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
}
export const LibvirtDomain = pendingKind<LibvirtDomainInputs, { uuid: string }>("LibvirtDomain", {
  issue: 3,
  outputs: { uuid: true },
});
export type LibvirtDomain = InstanceType<typeof LibvirtDomain>;

export interface NodeReadyInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  /** The domain waited for (a new domain means a new wait). */
  domainUuid: string;
  /** Expected host name (checked once SSH answers). */
  hostname: string;
  timeoutSeconds: number;
}
export interface NodeReadyOutputs {
  bootId: string;
  sshHostKey: string;
}
export const NodeReady = pendingKind<NodeReadyInputs, NodeReadyOutputs>("NodeReady", {
  issue: 3,
  outputs: { bootId: true, sshHostKey: true },
  secretInputs: ["sshPrivateKey"],
});
export type NodeReady = InstanceType<typeof NodeReady>;

// ---------------------------------------------------------------------------------------------
// Issue 4: shared storage
// ---------------------------------------------------------------------------------------------

/** Where an iSCSI target runs: on the KVM host, or on a node when `node` is set. */
export interface TargetPlacement {
  host: HostEndpoint;
  node?: SshEndpoint;
  sshPrivateKey: string;
}

export interface IscsiTargetInputs extends TargetPlacement {
  iqn: string;
  directory: string;
  /** Initiator IQNs allowed to log in. */
  initiators: string[];
}
export const IscsiTargetRes = pendingKind<IscsiTargetInputs, { tid: number }>("IscsiTarget", {
  issue: 4,
  outputs: { tid: true },
  secretInputs: ["sshPrivateKey"],
});
export type IscsiTargetRes = InstanceType<typeof IscsiTargetRes>;

export interface IscsiTargetLunInputs extends TargetPlacement {
  iqn: string;
  lun: number;
  /** Backing file. */
  path: string;
  sizeMiB: number;
  purpose: "quorum" | "data" | "other";
}
export const IscsiTargetLun = pendingKind<IscsiTargetLunInputs, { scsiId: string }>("IscsiTargetLun", {
  issue: 4,
  outputs: { scsiId: true },
  secretInputs: ["sshPrivateKey"],
});
export type IscsiTargetLun = InstanceType<typeof IscsiTargetLun>;

export interface IscsiInitiatorInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  initiatorName: string;
  targetIqn: string;
  /** `address:port` of the target portal. */
  portal: string;
  luns: number[];
}
export const IscsiInitiator = pendingKind<IscsiInitiatorInputs, { devices: string[] }>("IscsiInitiator", {
  issue: 4,
  outputs: { devices: true },
  secretInputs: ["sshPrivateKey"],
});
export type IscsiInitiator = InstanceType<typeof IscsiInitiator>;

export interface GlusterPeersInputs extends OnNodes {
  /** Host names probed (on the gluster network), in node order. */
  peers: string[];
}
export const GlusterPeers = pendingKind<GlusterPeersInputs, { peerCount: number }>("GlusterPeers", {
  issue: 4,
  outputs: { peerCount: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterPeers = InstanceType<typeof GlusterPeers>;

export interface GlusterVolumeInputs extends OnNodes {
  name: string;
  replica: number;
  arbiter: boolean;
  transport: "tcp";
  /** `host:/path`, in replica-set order. */
  bricks: string[];
  brickDevice?: string;
  options: Record<string, string>;
  allowDestructiveChanges: boolean;
}
export const GlusterVolumeRes = pendingKind<GlusterVolumeInputs, { volumeId: string }>("GlusterVolume", {
  issue: 4,
  outputs: { volumeId: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterVolumeRes = InstanceType<typeof GlusterVolumeRes>;

export interface GlusterMountInputs {
  node: SshEndpoint;
  sshPrivateKey: string;
  /** `localhost:data00`. */
  source: string;
  mountPoint: string;
  mountOptions: string;
  /** `mounted`: mounted and kept mounted; `prepared`: mount point and glmount script only (the cluster mounts). */
  mode: "mounted" | "prepared";
}
export const GlusterMount = pendingKind<GlusterMountInputs, { mounted: boolean }>("GlusterMount", {
  issue: 4,
  outputs: { mounted: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterMount = InstanceType<typeof GlusterMount>;

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
}
export const PcsCluster = pendingKind<PcsClusterInputs, { clusterUuid: string }>("PcsCluster", {
  issue: 5,
  outputs: { clusterUuid: true },
  secretInputs: ["sshPrivateKey", "haclusterPassword"],
});
export type PcsCluster = InstanceType<typeof PcsCluster>;

export interface CmanClusterInputs extends ClusterSettings {
  members: ClusterMember[];
  sshPrivateKey: string;
  /** Password of `ricci` (secret). */
  ricciPassword: string;
  expectedVotes: number;
}
export const CmanCluster = pendingKind<CmanClusterInputs, { configVersion: number }>("CmanCluster", {
  issue: 5,
  outputs: { configVersion: true },
  secretInputs: ["sshPrivateKey", "ricciPassword"],
});
export type CmanCluster = InstanceType<typeof CmanCluster>;

export interface StonithDeviceInputs extends OnNodes, Omit<FenceDeviceSpec, "name"> {
  stack: ClusterSpec["stack"];
  clusterName: string;
  name: string;
  /** The private key installed at `identityFile` on every node (secret). */
  identityKey: string;
  /** Cluster node name → libvirt domain name (the fence_virsh port). */
  hostMap: Record<string, string>;
}
export const StonithDevice = pendingKind<StonithDeviceInputs, { deviceId: string }>("StonithDevice", {
  issue: 5,
  outputs: { deviceId: true },
  secretInputs: ["sshPrivateKey", "identityKey"],
});
export type StonithDevice = InstanceType<typeof StonithDevice>;

export interface ClusterServiceGroupInputs extends OnNodes, Omit<ServiceGroupSpec, "resources"> {
  stack: ClusterSpec["stack"];
  clusterName: string;
  resources: ServiceResourceSpec[];
  /** iSCSI LUN number → device path on the nodes (for `iscsi-filesystem` resources). */
  lunDevices: Record<string, string>;
}
export const ClusterServiceGroup = pendingKind<ClusterServiceGroupInputs, { groupId: string }>(
  "ClusterServiceGroup",
  {
    issue: 5,
    outputs: { groupId: true },
    secretInputs: ["sshPrivateKey"],
  },
);
export type ClusterServiceGroup = InstanceType<typeof ClusterServiceGroup>;
