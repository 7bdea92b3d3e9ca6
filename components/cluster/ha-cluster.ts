import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { ClusterSpec, FenceDeviceSpec, ServiceGroupSpec } from "../../spec/types";
import { RandomSecret } from "../../providers/secrets/secret";
import type { ClusterMember } from "../../providers/core/endpoints";
import type { DeepInput } from "../../providers/core/kind";
import { PcsClusterRes } from "../../providers/cluster/pacemaker/pcs-cluster";
import { CmanClusterRes } from "../../providers/cluster/cman/cman-cluster";
import { clusterConfFromModel, renderClusterConf } from "../../providers/cluster/cman/cluster-conf";
import type { LunDevice } from "../storage/iscsi-target";
import type { LabNodeRef } from "../node/node-vm";

/** Length of the generated hacluster/ricci password. */
export const CLUSTER_PASSWORD_LENGTH = 24;

/** A node as a member of the cluster. */
export interface HaClusterMember {
  /** The node. */
  node: LabNodeRef;
  /** corosync nodeid / cman clusternode nodeid. */
  nodeId: number;
  /** The node's address on each cluster link (`cluster.links`), link 0 first. */
  linkAddresses: string[];
  /** The node's host name on each cluster link (`node01h`), link 0 first. */
  linkHostnames: string[];
}

/** Arguments of {@link HaCluster}. */
export interface HaClusterArgs {
  /** The cluster: stack flavour, name, transport, token, quorum, links, properties. */
  cluster: ClusterSpec;
  /** The member nodes, in node-id order. */
  members: HaClusterMember[];
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** Fence devices (the cman flavour writes them into cluster.conf). */
  fencing: FenceDeviceSpec[];
  /** Service groups (the cman flavour writes them into cluster.conf). */
  services: ServiceGroupSpec[];
  /** Node name → libvirt domain name (the fence_virsh port). */
  domainNames: pulumi.Input<Record<string, string>>;
  /** The iSCSI LUNs as the nodes see them (for `iscsi-filesystem` resources). */
  lunDevices: pulumi.Input<LunDevice[]>;
}

/** cman's expected_votes: 1 with two_node (seed 001), else one vote per node. */
export function expectedVotes(cluster: Pick<ClusterSpec, "twoNode">, memberCount: number): number {
  return cluster.twoNode ? 1 : memberCount;
}

/**
 * The cluster stack, one model in two flavours: pacemaker + corosync 3 set up with pcs (seed 004,
 * executed), or cman + rgmanager from a rendered cluster.conf (seeds 000/001, RHEL 6 nodes). The
 * hacluster (pcs) or ricci (cman) password is generated and kept secret.
 */
export class HaCluster extends pulumi.ComponentResource {
  /** Cluster name. */
  public readonly clusterName: pulumi.Output<string>;
  /** Stack flavour. */
  public readonly stack: pulumi.Output<ClusterSpec["stack"]>;
  /** The hacluster (pacemaker) or ricci (cman) password (secret). */
  public readonly password: pulumi.Output<string>;

  constructor(name: string, args: HaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:cluster:HaCluster", name, {}, opts);
    const { cluster, sshPrivateKey } = args;

    const password = new RandomSecret(
      `${name}-password`,
      { length: CLUSTER_PASSWORD_LENGTH, alphabet: "alnum" },
      childOptions(this, opts),
    );
    const members: DeepInput<ClusterMember>[] = args.members.map((m) => ({
      name: m.node.name,
      nodeId: m.nodeId,
      access: m.node.access,
      linkAddresses: m.linkAddresses,
      linkHostnames: m.linkHostnames,
    }));
    const settings = {
      name: cluster.name,
      transport: cluster.transport,
      tokenMs: cluster.tokenMs,
      twoNode: cluster.twoNode,
      startAtBoot: cluster.startAtBoot,
      members,
      sshPrivateKey,
    };
    const stackResource =
      cluster.stack === "pacemaker"
        ? new PcsClusterRes(
            `${name}-pcs`,
            {
              ...settings,
              haclusterPassword: password.value,
              properties: cluster.properties,
              resourceDefaults: cluster.resourceDefaults,
            },
            childOptions(this, opts),
          )
        : new CmanClusterRes(
            `${name}-cman`,
            {
              ...settings,
              ricciPassword: password.value,
              expectedVotes: expectedVotes(cluster, args.members.length),
              // cluster.conf without its version: the provider bumps config_version on change.
              clusterConf: pulumi
                .all([pulumi.output(args.domainNames), pulumi.output(args.lunDevices)])
                .apply(([domainNames, luns]) =>
                  renderClusterConf(
                    clusterConfFromModel({
                      cluster,
                      members: args.members.map((m) => ({
                        name: m.node.name,
                        nodeId: m.nodeId,
                        linkHostnames: m.linkHostnames,
                      })),
                      fencing: args.fencing,
                      services: args.services,
                      domainNames,
                      lunDevices: Object.fromEntries(luns.map((l) => [String(l.lun), l.path])),
                    }),
                  ),
                ),
            },
            childOptions(this, opts),
          );

    this.clusterName = stackResource.name;
    this.stack = pulumi.output(cluster.stack);
    this.password = pulumi.secret(password.value);
    this.registerOutputs({ clusterName: this.clusterName, stack: this.stack, password: this.password });
  }
}
