import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { ClusterSpec, ServiceGroupSpec } from "../../spec/types";
import { serviceVip } from "../../spec/queries";
import type { SshEndpoint } from "../../providers/core/endpoints";
import { RandomSecret } from "../../providers/secrets/secret";
import { ClusterServiceGroupRes } from "../../providers/cluster/pacemaker/service-group";
import { GLUSTER_MOUNT_OPTIONS } from "../storage/gluster-volume";
import type { LunDevice } from "../storage/iscsi-target";

/** Length of the generated database password. */
export const DB_PASSWORD_LENGTH = 24;

/** Arguments of {@link ServiceGroup}. */
export interface ServiceGroupArgs {
  /** The group: resources in start order (VIP, file system, application), failover domain, stickiness. */
  group: ServiceGroupSpec;
  /** Cluster stack flavour (pcs group + constraints, or a cluster.conf service + failoverdomain). */
  stack: ClusterSpec["stack"];
  /** Name of the cluster (an output of the cluster, so the group waits for it). */
  clusterName: pulumi.Input<string>;
  /** Where the program reaches the nodes. */
  nodes: pulumi.Input<SshEndpoint>[];
  /** The iSCSI LUNs as the nodes see them (for `iscsi-filesystem` resources); empty without iSCSI. */
  lunDevices: pulumi.Input<LunDevice[]>;
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** Node name → the cluster's name for it (`node01h`). */
  clusterNodeNames: Record<string, string>;
  /** Network allowed to reach the group's PostgreSQL (the VIP's network). */
  dbClientCidr: string;
}

/**
 * A service group (seeds 001/002): resources that start in order and move together — VIP, shared
 * file system (GlusterFS or iSCSI), application (PostgreSQL) — with failover-domain preferences and
 * stickiness.
 */
export class ServiceGroup extends pulumi.ComponentResource {
  /** Group name. */
  public readonly groupName: pulumi.Output<string>;
  /** The group's virtual IP, if it has one. */
  public readonly vip: pulumi.Output<string | undefined>;
  /** Password of PostgreSQL's application role `lab` (secret), when the group runs PostgreSQL. */
  public readonly dbPassword?: pulumi.Output<string>;

  constructor(name: string, args: ServiceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:cluster:ServiceGroup", name, {}, opts);
    const { group } = args;
    const lunDevices = pulumi
      .output(args.lunDevices)
      .apply((devices) => Object.fromEntries(devices.map((d) => [String(d.lun), d.path])));

    const withDb = group.resources.some((r) => r.kind === "postgresql");
    const dbPassword = withDb
      ? new RandomSecret(
          `${name}-db-password`,
          { length: DB_PASSWORD_LENGTH, alphabet: "alnum" },
          childOptions(this, opts),
        )
      : undefined;
    const res = new ClusterServiceGroupRes(
      `${name}-group`,
      {
        stack: args.stack,
        clusterName: args.clusterName,
        nodes: args.nodes,
        sshPrivateKey: args.sshPrivateKey,
        name: group.name,
        autostart: group.autostart,
        domain: group.domain,
        ...(group.stickiness !== undefined ? { stickiness: group.stickiness } : {}),
        resources: group.resources,
        lunDevices,
        clusterNodeNames: args.clusterNodeNames,
        glusterMountOptions: GLUSTER_MOUNT_OPTIONS,
        dbPassword: dbPassword?.value ?? "",
        dbClientCidr: args.dbClientCidr,
      },
      childOptions(this, opts),
    );

    this.groupName = res.name;
    this.vip = pulumi.output(serviceVip(group));
    if (dbPassword !== undefined) this.dbPassword = pulumi.secret(dbPassword.value);
    this.registerOutputs({ groupName: this.groupName, vip: this.vip });
  }
}
