import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { GlusterSpec } from "../../spec/types";
import { GlusterMount } from "../../providers/storage/gluster/gluster-mount";
import { GlusterPeers } from "../../providers/storage/gluster/gluster-peers";
import { GlusterVolumeRes } from "../../providers/storage/gluster/gluster-volume";
import type { LabNodeRef } from "../node/node-vm";

/** Mount options of the seed's glmount script (seed 001). */
export const GLUSTER_MOUNT_OPTIONS = "log-level=WARNING,log-file=/var/log/gluster.log";

/** A node holding a brick. */
export interface GlusterMember {
  /** The node. */
  node: LabNodeRef;
  /** The node's host name on the gluster network (`node01m`): used for peer probe and bricks. */
  hostname: string;
}

/** Arguments of {@link GlusterVolume}. */
export interface GlusterVolumeArgs {
  /** The volume: name, replica layout, brick path, network, mount point, who mounts, options. */
  gluster: GlusterSpec;
  /** The nodes holding bricks, in brick order. */
  members: GlusterMember[];
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
}

/** The bricks of a volume, `host:/path`, in member order. */
export function glusterBricks(gluster: Pick<GlusterSpec, "brickPath">, members: GlusterMember[]): string[] {
  return members.map((m) => `${m.hostname}:${gluster.brickPath}`);
}

/**
 * The GlusterFS replica volume of seed 001, in place of a shared disk: the trusted pool (peer
 * probe), the volume (create, options, start) and, on every node, the mount point with the
 * glmount script — mounted by the program (`mountBy: all`) or left to the cluster's service group.
 */
export class GlusterVolume extends pulumi.ComponentResource {
  /** Volume name. */
  public readonly volume: pulumi.Output<string>;
  /** Bricks, `host:/path`. */
  public readonly bricks: pulumi.Output<string[]>;
  /** Mount point on every node. */
  public readonly mountPoint: pulumi.Output<string>;

  constructor(name: string, args: GlusterVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:storage:GlusterVolume", name, {}, opts);
    const { gluster, members, sshPrivateKey } = args;
    const nodes = members.map((m) => m.node.access);

    const peers = new GlusterPeers(
      `${name}-peers`,
      { nodes, sshPrivateKey, peers: members.map((m) => m.hostname) },
      childOptions(this, opts),
    );
    const volume = new GlusterVolumeRes(
      `${name}-volume`,
      {
        nodes,
        sshPrivateKey,
        name: gluster.volume,
        replica: gluster.replica,
        arbiter: gluster.arbiter,
        transport: "tcp",
        bricks: glusterBricks(gluster, members),
        ...(gluster.brickDevice !== undefined ? { brickDevice: gluster.brickDevice } : {}),
        options: gluster.options,
        allowDestructiveChanges: gluster.allowDestructiveChanges,
      },
      childOptions(this, opts, [peers]),
    );
    for (const member of members) {
      new GlusterMount(
        `${name}-mount-${member.node.name}`,
        {
          node: member.node.access,
          sshPrivateKey,
          volume: volume.name,
          server: "localhost",
          mountPoint: gluster.mountPoint,
          mountOptions: GLUSTER_MOUNT_OPTIONS,
          mode: gluster.mountBy === "all" ? "mounted" : "prepared",
        },
        childOptions(this, opts, [volume]),
      );
    }

    this.volume = volume.name;
    this.bricks = volume.bricks;
    this.mountPoint = pulumi.output(gluster.mountPoint);
    this.registerOutputs({ volume: this.volume, bricks: this.bricks, mountPoint: this.mountPoint });
  }
}
