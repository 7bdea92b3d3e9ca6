import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { ClusterSpec, FenceDeviceSpec } from "../../spec/types";
import { StonithDeviceRes } from "../../providers/cluster/pacemaker/stonith-device";
import type { LabNodeRef } from "../node/node-vm";

/** Arguments of {@link FenceDevice}. */
export interface FenceDeviceArgs {
  /** The device: fence_virsh, the host's management address, login, key path on the nodes, action. */
  device: FenceDeviceSpec;
  /** Cluster stack flavour (pcs stonith resource, or cluster.conf fencedevice + per-node methods). */
  stack: ClusterSpec["stack"];
  /** Name of the cluster the device belongs to (an output of the cluster, so the device waits for it). */
  clusterName: pulumi.Input<string>;
  /** The nodes the device can fence (each node's libvirt domain is its fence_virsh port). */
  nodes: LabNodeRef[];
  /** Node name → the cluster's name for it (its host name on link 0, `node01h`). */
  clusterNodeNames: Record<string, string>;
  /** The fence private key, installed at `device.identityFile` on every node (secret). */
  identityKey: pulumi.Input<string>;
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
}

/**
 * A fence device (seeds 000/001/004): fence_virsh reaching the KVM host through the management
 * network — a path independent of the heartbeat — with the fence key, which the host restricts to
 * virsh. STONITH is on by default.
 */
export class FenceDevice extends pulumi.ComponentResource {
  /** Device name (`kvmhost01`). */
  public readonly deviceName: pulumi.Output<string>;
  /** Cluster node name → libvirt domain name (the fence_virsh port). */
  public readonly hostMap: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: FenceDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:cluster:FenceDevice", name, {}, opts);
    const { device } = args;
    const hostMap = pulumi
      .all(args.nodes.map((n) => pulumi.output(n.domainName).apply((d): [string, string] => [n.name, d])))
      .apply((pairs) => Object.fromEntries(pairs));

    const stonith = new StonithDeviceRes(
      `${name}-stonith`,
      {
        stack: args.stack,
        clusterName: args.clusterName,
        nodes: args.nodes.map((n) => n.access),
        sshPrivateKey: args.sshPrivateKey,
        name: device.name,
        agent: device.agent,
        ipaddr: device.ipaddr,
        login: device.login,
        identityFile: device.identityFile,
        identityKey: args.identityKey,
        action: device.action,
        hostMap,
        clusterNodeNames: args.clusterNodeNames,
      },
      childOptions(this, opts),
    );

    this.deviceName = stonith.name;
    this.hostMap = stonith.hostMap;
    this.registerOutputs({ deviceName: this.deviceName, hostMap: this.hostMap });
  }
}
