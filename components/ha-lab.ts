import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, NodeSpec } from "../spec/types";
import { SshKeyPair } from "../providers/secrets/keypair";
import { BaseImage } from "./image/base-image";
import { childOptions } from "./child-options";
import { HaCluster } from "./cluster/ha-cluster";
import { NodeVm, interfaceOn, type LabNodeRef } from "./node/node-vm";
import { FenceDevice } from "./cluster/fence-device";
import { GlusterVolume } from "./storage/gluster-volume";
import { hostsTable } from "./node/hosts-table";
import { IscsiTarget, type LunDevice } from "./storage/iscsi-target";
import { KvmHost } from "./host/kvm-host";
import { LabNetwork } from "./network/lab-network";
import { ServiceGroup, serviceCidr, serviceVip } from "./cluster/service-group";

/** Arguments of {@link HaLab}. */
export interface HaLabArgs {
  /** The validated lab description (spec/index.ts `loadLabSpec`/`parseLabSpec`). */
  spec: LabSpec;
}

/** Turns a list of `[key, value]` pairs into one output record. */
function outputRecord(pairs: [string, pulumi.Input<string>][]): pulumi.Output<Record<string, string>> {
  return pulumi
    .all(pairs.map(([key, value]) => pulumi.output(value).apply((v): [string, string] => [key, v])))
    .apply((entries) => Object.fromEntries(entries));
}

/**
 * The whole lab from one {@link LabSpec}, in dependency order: KVM host → base image and networks
 * → nodes (in parallel, each waiting for the image and every network) → shared storage (iSCSI,
 * GlusterFS) → cluster → fence devices → service groups. `dependsOn` states the order where no
 * value flows.
 */
export class HaLab extends pulumi.ComponentResource {
  /** Domain type the nodes run with (`kvm` or `qemu`). */
  public readonly domainType: pulumi.Output<"kvm" | "qemu">;
  /** Node name → management address. */
  public readonly nodeAddresses: pulumi.Output<Record<string, string>>;
  /** Node name → libvirt domain name. */
  public readonly domainNames: pulumi.Output<Record<string, string>>;
  /** Cluster name. */
  public readonly clusterName: pulumi.Output<string>;
  /** Service group name → virtual IP (groups with an `ip` resource). */
  public readonly vips: pulumi.Output<Record<string, string>>;
  /** The hacluster/ricci password (secret; only when the lab is built up to the cluster layer). */
  public readonly clusterPassword?: pulumi.Output<string>;

  /** The prepared KVM host. */
  public readonly host: KvmHost;
  /** The base image. */
  public readonly image: BaseImage;
  /** The lab networks, in spec order. */
  public readonly networks: LabNetwork[];
  /** The nodes, in spec order. */
  public readonly nodes: NodeVm[];
  /** The iSCSI target, when enabled. */
  public readonly iscsi?: IscsiTarget;
  /** The GlusterFS volume, when enabled. */
  public readonly gluster?: GlusterVolume;
  /** The cluster (only when the lab is built up to the cluster layer). */
  public readonly cluster?: HaCluster;
  /** The fence devices. */
  public readonly fenceDevices: FenceDevice[];
  /** The service groups. */
  public readonly serviceGroups: ServiceGroup[];

  constructor(name: string, args: HaLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:lab:HaLab", name, {}, opts);
    const { spec } = args;
    const child = (after: pulumi.Resource[] = []) => childOptions(this, opts, after);
    const management = spec.networks.find((n) => n.role === "management");
    if (management === undefined) throw new Error(`lab ${spec.name}: no management network`);

    // The host, then what lives on it.
    const host = new KvmHost(
      `${name}-host`,
      { labName: spec.name, host: spec.host, timeClients: [management.cidr] },
      child(),
    );
    const rootKey = new SshKeyPair(`${name}-root-key`, { comment: `root@${spec.name}` }, child());
    const image = new BaseImage(`${name}-image`, { image: spec.image, host: spec.host }, child([host]));
    const networks = spec.networks.map(
      (network) => new LabNetwork(`${name}-net-${network.name}`, { network, host: spec.host }, child([host])),
    );
    const libvirtNetworks = Object.fromEntries(spec.networks.map((n, i) => [n.name, networks[i].name]));
    const managementNetwork = networks[spec.networks.indexOf(management)];
    const fenceAccess = host.openFenceAccess(
      `${name}-host-sshd`,
      managementNetwork,
      spec.nodes.map((n) => n.domainName),
      { parent: this },
    );

    // The nodes, in parallel.
    const hosts = hostsTable(spec);
    const nodes = spec.nodes.map(
      (node) =>
        new NodeVm(
          `${name}-${node.name}`,
          {
            node,
            networks: spec.networks,
            libvirtNetworks,
            host: spec.host,
            domainType: host.domainType,
            image,
            hosts,
            authorizedKeys: [host.programPublicKey, rootKey.publicKey],
            rootKey: { publicKey: rootKey.publicKey, privateKey: rootKey.privateKey },
            timeServers: [spec.host.address],
            sshPrivateKey: host.programPrivateKey,
            bootSeconds: spec.timeouts.bootSeconds,
          },
          child([image, ...networks]),
        ),
    );
    const refs: LabNodeRef[] = nodes.map((node, i) => ({
      name: spec.nodes[i].name,
      domainName: node.domainName,
      access: node.access,
    }));
    const refOf = (nodeName: string): LabNodeRef | undefined => refs.find((r) => r.name === nodeName);
    const sshPrivateKey = host.programPrivateKey;

    this.host = host;
    this.image = image;
    this.networks = networks;
    this.nodes = nodes;
    this.domainType = host.domainType;
    this.nodeAddresses = outputRecord(refs.map((r, i) => [r.name, nodes[i].managementAddress]));
    this.domainNames = outputRecord(refs.map((r) => [r.name, r.domainName]));
    this.clusterName = pulumi.output(spec.cluster.name);
    this.vips = outputRecord(
      spec.services.flatMap((group): [string, string][] => {
        const vip = serviceVip(group);
        return vip === undefined ? [] : [[group.name, vip]];
      }),
    );
    this.fenceDevices = [];
    this.serviceGroups = [];

    // Shared storage.
    const storage: pulumi.Resource[] = [];
    let lunDevices: pulumi.Input<LunDevice[]> = [];
    const withStorage = spec.layers !== "substrate";
    if (withStorage && spec.iscsi.enabled) {
      const targetNode = spec.iscsi.host === "kvmhost" ? undefined : refOf(spec.iscsi.host);
      this.iscsi = new IscsiTarget(
        `${name}-iscsi`,
        {
          iscsi: spec.iscsi,
          host: spec.host,
          ...(targetNode !== undefined ? { targetNode } : {}),
          initiators: refs.filter((r) => r !== targetNode),
          sshPrivateKey,
        },
        child(nodes),
      );
      lunDevices = this.iscsi.devices;
      storage.push(this.iscsi);
    }
    if (withStorage && spec.gluster.enabled) {
      this.gluster = new GlusterVolume(
        `${name}-gluster`,
        {
          gluster: spec.gluster,
          members: spec.nodes.map((node, i) => ({
            node: refs[i],
            hostname: interfaceOn(node, spec.gluster.network).hostname,
          })),
          sshPrivateKey,
        },
        child(nodes),
      );
      storage.push(this.gluster);
    }

    if (spec.layers !== "cluster") {
      this.registerOutputs(this.outputs());
      return;
    }

    // The cluster, its fencing, its services.
    const linksOf = (node: NodeSpec) => spec.cluster.links.map((link) => interfaceOn(node, link));
    // The cluster knows a node by its host name on link 0 (`node01h`, as seed 001's cluster.conf).
    const clusterNodeNames = Object.fromEntries(
      spec.nodes.map((node) => [node.name, linksOf(node)[0]?.hostname ?? node.name]),
    );
    const cluster = new HaCluster(
      `${name}-cluster`,
      {
        cluster: spec.cluster,
        members: spec.nodes.map((node, i) => ({
          node: refs[i],
          nodeId: node.nodeId,
          linkAddresses: linksOf(node).map((nic) => nic.address),
          linkHostnames: linksOf(node).map((nic) => nic.hostname),
        })),
        sshPrivateKey,
        fencing: spec.fencing,
        services: spec.services,
        domainNames: this.domainNames,
        lunDevices,
      },
      child([...nodes, ...storage]),
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
            lunDevices,
            sshPrivateKey,
            clusterNodeNames,
            dbClientCidr: serviceCidr(group, spec.networks),
          },
          child([cluster, ...fenceDevices, ...storage]),
        ),
    );

    this.cluster = cluster;
    this.fenceDevices = fenceDevices;
    this.serviceGroups = serviceGroups;
    this.clusterName = cluster.clusterName;
    this.clusterPassword = cluster.password;
    this.registerOutputs(this.outputs());
  }

  private outputs(): pulumi.Inputs {
    return {
      domainType: this.domainType,
      nodeAddresses: this.nodeAddresses,
      domainNames: this.domainNames,
      clusterName: this.clusterName,
      vips: this.vips,
      clusterPassword: this.clusterPassword,
    };
  }
}
