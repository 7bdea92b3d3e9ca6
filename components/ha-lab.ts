import * as pulumi from "@pulumi/pulumi";
import type { LabSpec } from "../spec/types";
import { serviceVip } from "../spec/queries";
import { childOptions } from "./child-options";
import type { BaseImage } from "./image/base-image";
import type { FenceDevice } from "./cluster/fence-device";
import type { GlusterVolume } from "./storage/gluster-volume";
import type { HaCluster } from "./cluster/ha-cluster";
import type { IscsiTarget } from "./storage/iscsi-target";
import type { KvmHost } from "./host/kvm-host";
import type { LabNetwork } from "./network/lab-network";
import type { NodeVm } from "./node/node-vm";
import type { ServiceGroup } from "./cluster/service-group";
import type { LayerContext } from "./layers/context";
import { buildCluster } from "./layers/cluster";
import { buildLoadBalancer } from "./layers/lb";
import { buildOcfs2 } from "./layers/ocfs2";
import type { Ocfs2FileSystem } from "./ocfs2/ocfs2-file-system";
import type { LoadBalancer } from "./lb/load-balancer";
import { buildStorage, type Storage } from "./layers/storage";
import { buildSubstrate, outputRecord } from "./layers/substrate";

/** Arguments of {@link HaLab}. */
export interface HaLabArgs {
  /** The validated lab description (spec/index.ts `loadLabSpec`/`parseLabSpec`). */
  spec: LabSpec;
}

/**
 * The whole lab from one {@link LabSpec}, layer by layer as far as `spec.layers` says: the
 * substrate (host, image, networks, node VMs: components/layers/substrate.ts), shared storage
 * (iSCSI, GlusterFS: layers/storage.ts) and, in a lab with an `ocfs2` section, seed 003's OCFS2
 * file system on an iSCSI LUN (layers/ocfs2.ts), the cluster with its fence devices and service groups
 * (layers/cluster.ts), and in a lab with a `loadBalancer` section seed 002's load balancer after the
 * cluster (layers/lb.ts). `dependsOn` states the order where no value flows.
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
  /** Service group name → virtual IP (groups with an `ip` resource; none below the cluster layer). */
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
  /** Seed 003's OCFS2 file system (only in a lab with an `ocfs2` section, built past the substrate). */
  public readonly ocfs2?: Ocfs2FileSystem;
  /** The cluster (only when the lab is built up to the cluster layer). */
  public readonly cluster?: HaCluster;
  /** The fence devices. */
  public readonly fenceDevices: FenceDevice[];
  /** The service groups. */
  public readonly serviceGroups: ServiceGroup[];
  /** Seed 002's load balancer (only in a lab with a `loadBalancer` section, built up to the cluster layer). */
  public readonly loadBalancer?: LoadBalancer;

  constructor(name: string, args: HaLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:lab:HaLab", name, {}, opts);
    const { spec } = args;
    const context: LayerContext = {
      name,
      spec,
      child: (after = []) => childOptions(this, opts, after),
      parent: this,
    };

    const substrate = buildSubstrate(context);
    const { host, nodes, refs } = substrate;
    this.host = host;
    this.image = substrate.image;
    this.networks = substrate.networks;
    this.nodes = nodes;
    this.domainType = host.domainType;
    this.nodeAddresses = outputRecord(refs.map((r, i) => [r.name, nodes[i].managementAddress]));
    this.domainNames = outputRecord(refs.map((r) => [r.name, r.domainName]));
    this.clusterName = pulumi.output(spec.cluster.name);
    // No service group exists below the cluster layer: no VIP either.
    this.vips = outputRecord([]);
    this.fenceDevices = [];
    this.serviceGroups = [];

    const storage: Storage =
      spec.layers === "substrate" ? { all: [], lunDevices: [] } : buildStorage(context, substrate);
    this.iscsi = storage.iscsi;
    this.gluster = storage.gluster;
    // Seed 003's OCFS2 file system, only in a lab that has one (storage layers, no pacemaker).
    this.ocfs2 = spec.layers === "substrate" ? undefined : buildOcfs2(context, substrate, storage);

    if (spec.layers === "cluster") {
      const layer = buildCluster(context, substrate, storage, this.domainNames);
      this.cluster = layer.cluster;
      this.fenceDevices = layer.fenceDevices;
      this.serviceGroups = layer.serviceGroups;
      this.clusterName = layer.cluster.clusterName;
      this.clusterPassword = layer.cluster.password;
      this.vips = outputRecord(
        spec.services.flatMap((group): [string, string][] => {
          const vip = serviceVip(group);
          return vip === undefined ? [] : [[group.name, vip]];
        }),
      );
      // Seed 002's load balancer, only in a lab that has one.
      this.loadBalancer = buildLoadBalancer(context, substrate, [layer.cluster, ...layer.fenceDevices]);
    }
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
