import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { NetworkSpec, NodeSpec } from "../../spec/types";
import { parseCidr } from "../../spec/ipv4";
import { managementAddress } from "../../spec/queries";
import {
  CloudInitDisk,
  seedPath,
  type CloudInitInterface,
  type HostsEntry,
} from "../../providers/node/cloud-init-disk";
import { LibvirtDomain } from "../../providers/libvirt/libvirt-domain";
import { NodeFiles } from "../../providers/node/node-files";
import { NodeReady } from "../../providers/node/node-ready";
import { NodeVolume } from "../../providers/libvirt/node-volume";
import { SshKeyPair } from "../../providers/secrets/keypair";
import { interfaceNameFor } from "../../providers/node/cloud-init";
import { SERVICES_OFF_AT_BOOT } from "../../providers/image/image-build-script";
import { hostEndpoint, type HostEndpoint, type SshEndpoint } from "../../providers/core/endpoints";

/** How the program reaches every node: root over SSH on the management address. */
export const NODE_SSH = { port: 22, user: "root" } as const;

/** Kernel command line for direct kernel boot of the lab image (a bare ext4 file system on vda). */
export const NODE_KERNEL_ARGS = "root=/dev/vda rw console=ttyS0";

/** What the later parts of the lab need to know about a node. */
export interface LabNodeRef {
  /** Node name (`node01`). */
  name: string;
  /** libvirt domain name (the fence_virsh port). */
  domainName: pulumi.Input<string>;
  /** Where the program reaches the node (known once the node is ready). */
  access: pulumi.Input<SshEndpoint>;
}

/** A node's root key pair, the same on every node (password-less root SSH between nodes). */
export interface RootKeyPair {
  /** Public half (authorised for root on every node). */
  publicKey: pulumi.Input<string>;
  /** Private half (secret). */
  privateKey: pulumi.Input<string>;
}

/** Arguments of {@link NodeVm}. */
export interface NodeVmArgs {
  /** The node: name, domain name, size, one interface per network (address, MAC, host name). */
  node: NodeSpec;
  /** Every lab network (prefix length, NAT gateway and role of each of the node's NICs). */
  networks: NetworkSpec[];
  /** libvirt network name per lab network name: outputs of the networks, so the domain waits for them. */
  libvirtNetworks: Record<string, pulumi.Input<string>>;
  /** The KVM host (libvirt URI and state directory). */
  host: HostEndpoint;
  /** Domain type decided by the host (`kvm` or `qemu`). */
  domainType: pulumi.Input<"kvm" | "qemu">;
  /** The base image the root volume is layered over, and its kernel/initrd for direct boot. */
  image: {
    imagePath: pulumi.Input<string>;
    kernelPath: pulumi.Input<string>;
    initrdPath: pulumi.Input<string>;
  };
  /** The /etc/hosts table of the whole lab (all nodes, reserved names included). */
  hosts: HostsEntry[];
  /** Public keys authorised for root (the program key at least). */
  authorizedKeys: pulumi.Input<string>[];
  /** Root's own key pair on the node. */
  rootKey: RootKeyPair;
  /** chrony servers; none: chrony runs without a source (the lab gives none: the node keeps the VM's clock). */
  timeServers: string[];
  /** The program's private key, used to wait for SSH (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** How long to wait for the node to answer on SSH, in seconds. */
  bootSeconds: number;
  /**
   * Its cluster node name when the node is a cluster member: a restart for new vCPU/memory settings
   * then drains it first and waits until it has rejoined (providers/libvirt/domain-restart.ts).
   */
  clusterNode?: string;
  /** True when the node runs the iSCSI target (its tgt service is then enabled on purpose). */
  hostsIscsiTarget?: boolean;
  /** True when the image is the lab's built one (`image.source: build`): NodeFiles keeps the files it fixes. */
  labImage?: boolean;
}

/**
 * The units the image leaves disabled at boot that the lab does not enable on this node: on a
 * cluster member pacemaker and corosync start at boot as the cluster's `startAtBoot` says, and
 * the iSCSI target's node enables tgt.
 */
export function unitsOffAtBoot(args: Pick<NodeVmArgs, "clusterNode" | "hostsIscsiTarget">): string[] {
  return SERVICES_OFF_AT_BOOT.filter((unit) => {
    if (args.clusterNode !== undefined && (unit === "pacemaker" || unit === "corosync")) return false;
    return !(args.hostsIscsiTarget === true && unit === "tgt");
  });
}

/** The NICs of a node as cloud-init configures them: matched by MAC, static address, NAT gateway. */
export function cloudInitInterfaces(node: NodeSpec, networks: NetworkSpec[]): CloudInitInterface[] {
  return node.interfaces.map((nic) => {
    const network = networks.find((n) => n.name === nic.network);
    const prefix = network === undefined ? undefined : parseCidr(network.cidr)?.prefix;
    if (network === undefined || prefix === undefined) {
      throw new Error(`node ${node.name}: interface on unknown or malformed network "${nic.network}"`);
    }
    return {
      name: interfaceNameFor(network.role),
      mac: nic.mac,
      address: nic.address,
      prefix,
      ...(network.mode === "nat" ? { gateway: network.gateway } : {}),
    };
  });
}

function libvirtNetwork(args: NodeVmArgs, network: string): pulumi.Input<string> {
  const name = args.libvirtNetworks[network];
  if (name === undefined)
    throw new Error(`node ${args.node.name}: network "${network}" is not part of the lab`);
  return name;
}

/**
 * One lab node VM (seeds 000/004; a cluster member or not): a copy-on-write volume over the base image, a cloud-init
 * disk (host name, static IP per NIC matched by MAC, /etc/hosts, root SSH keys, chrony), a libvirt
 * domain with one NIC per lab network, and a wait until the node answers on SSH.
 */
export class NodeVm extends pulumi.ComponentResource {
  /** Node name (`node01`). */
  public readonly name: pulumi.Output<string>;
  /** Address on the management network (known once the node answers on SSH). */
  public readonly managementAddress: pulumi.Output<string>;
  /** libvirt domain name (the fence_virsh port). */
  public readonly domainName: pulumi.Output<string>;
  /** Where the program reaches the node (root over SSH on the management address). */
  public readonly access: pulumi.Output<SshEndpoint>;

  constructor(name: string, args: NodeVmArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token keeps its first name: existing state is addressed by it.
    super("kvmlab:node:ClusterNode", name, {}, opts);
    const { node, networks } = args;
    const host = hostEndpoint(args.host);

    const volume = new NodeVolume(
      `${name}-volume`,
      { host, name: `${node.domainName}.qcow2`, baseImagePath: args.image.imagePath, sizeGiB: node.diskGiB },
      childOptions(this, opts),
    );
    const seed = {
      hosts: args.hosts,
      authorizedKeys: args.authorizedKeys,
      rootPublicKey: args.rootKey.publicKey,
      rootPrivateKey: args.rootKey.privateKey,
    };
    // The node's own SSH host key, generated before it boots: every connection pins it, and nothing
    // learnt from the running node (which a refresh could find changed or missing) reaches the
    // endpoint the rest of the lab connects with.
    const hostKey = new SshKeyPair(
      `${name}-host-key`,
      { comment: `host@${node.name}` },
      childOptions(this, opts),
    );
    const cloudInitName = `${node.domainName}-cidata.iso`;
    const cloudInit = new CloudInitDisk(
      `${name}-cloud-init`,
      {
        host,
        name: cloudInitName,
        hostname: node.name,
        interfaces: cloudInitInterfaces(node, networks),
        ...seed,
        hostPublicKey: hostKey.publicKey,
        hostPrivateKey: hostKey.privateKey,
        timeServers: args.timeServers,
      },
      childOptions(this, opts),
    );
    const endpoint = { address: managementAddress(node, networks), ...NODE_SSH };
    const clusterNode = args.clusterNode;
    // The seed's path, not the disk's output: a rewritten seed (an update, whose outputs a preview
    // cannot know) must not look like a new disk, which would replace the VM.
    const domain = new LibvirtDomain(
      `${name}-domain`,
      {
        host,
        name: node.domainName,
        domainType: args.domainType,
        vcpus: node.vcpus,
        memoryMiB: node.memoryMiB,
        diskPath: volume.path,
        cloudInitPath: seedPath({ host, name: cloudInitName }),
        kernelPath: args.image.kernelPath,
        initrdPath: args.image.initrdPath,
        kernelArgs: NODE_KERNEL_ARGS,
        nics: node.interfaces.map((nic) => ({ network: libvirtNetwork(args, nic.network), mac: nic.mac })),
        ...(clusterNode !== undefined
          ? {
              member: pulumi.output(hostKey.publicKey).apply((key) => ({
                node: { ...endpoint, hostKey: key },
                hostname: node.name,
                clusterNode,
                bootSeconds: args.bootSeconds,
              })),
              sshPrivateKey: args.sshPrivateKey,
            }
          : {}),
      },
      childOptions(this, opts, [cloudInit]),
    );
    // The node's stable identity only: a restart of the domain (new vCPU/memory settings) leaves it
    // — and everything that reaches the node through it — unchanged; a new domain replaces it.
    const ready = new NodeReady(
      `${name}-ready`,
      {
        node: endpoint,
        hostKey: hostKey.publicKey,
        sshPrivateKey: args.sshPrivateKey,
        hostname: node.name,
        timeoutSeconds: args.bootSeconds,
      },
      { ...childOptions(this, opts, [domain]), replaceWith: [domain] },
    );

    this.name = pulumi.output(node.name);
    // Every connection pins the node's generated host key; the endpoint is known once it is ready.
    this.access = pulumi
      .all([ready.node, ready.hostKey])
      .apply(([node, key]): SshEndpoint => ({ ...node, hostKey: key }));
    // The seed's files on the running node: a change of them is written there, never a new VM.
    new NodeFiles(
      `${name}-files`,
      {
        node: this.access,
        sshPrivateKey: args.sshPrivateKey,
        ...seed,
        hostname: node.name,
        interfaces: cloudInitInterfaces(node, networks),
        timeServers: args.timeServers,
        offAtBoot: unitsOffAtBoot(args),
        labImage: args.labImage === true,
      },
      childOptions(this, opts),
    );
    this.managementAddress = ready.node.address;
    this.domainName = domain.name;
    this.registerOutputs({
      name: this.name,
      managementAddress: this.managementAddress,
      domainName: this.domainName,
      access: this.access,
    });
  }
}
