import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { Ocfs2Spec } from "../../spec/types";
import { Ocfs2Cluster } from "../../providers/ocfs2/ocfs2-cluster";
import type { LabNodeRef } from "../node/node-vm";

/** Arguments of {@link Ocfs2FileSystem}. */
export interface Ocfs2FileSystemArgs {
  /** The o2cb cluster and its volume (seed 003). */
  ocfs2: Ocfs2Spec;
  /** The nodes of the o2cb cluster, in `ocfs2.nodes` order. */
  nodes: LabNodeRef[];
  /** The LUN's stable device on every node (`/dev/disk/by-path/…`). */
  device: pulumi.Input<string>;
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
}

/**
 * Seed 003's shared-disk file system: the o2cb cluster on the nodes (cluster.conf identical on
 * every node, o2cb online and enabled at boot) and the OCFS2 volume on the iSCSI LUN, formatted
 * once and mounted on every node at the same time.
 */
export class Ocfs2FileSystem extends pulumi.ComponentResource {
  /** The volume's UUID (the same on every node's mount). */
  public readonly uuid: pulumi.Output<string>;
  /** Where every node mounts it. */
  public readonly mountPoint: pulumi.Output<string>;

  constructor(name: string, args: Ocfs2FileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:ocfs2:Ocfs2FileSystem", name, {}, opts);
    const o = args.ocfs2;
    const cluster = new Ocfs2Cluster(
      `${name}-o2cb`,
      {
        nodes: o.nodes.map((n, i) => ({
          name: n.name,
          number: n.number,
          address: n.address,
          access: args.nodes[i].access,
        })),
        sshPrivateKey: args.sshPrivateKey,
        clusterName: o.clusterName,
        port: o.port,
        heartbeatDeadThreshold: o.heartbeatDeadThreshold,
        idleTimeoutMs: o.idleTimeoutMs,
        keepaliveDelayMs: o.keepaliveDelayMs,
        reconnectDelayMs: o.reconnectDelayMs,
        device: args.device,
        label: o.label,
        slots: o.slots,
        mountPoint: o.mountPoint,
        mountOptions: o.mountOptions,
      },
      childOptions(this, opts),
    );
    this.uuid = cluster.uuid;
    this.mountPoint = pulumi.output(o.mountPoint);
    this.registerOutputs({ uuid: this.uuid, mountPoint: this.mountPoint });
  }
}
