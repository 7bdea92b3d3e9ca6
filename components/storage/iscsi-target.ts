import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { HostSpec, IscsiSpec, LunSpec } from "../../spec/types";
import { hostEndpoint, type HostEndpoint, type SshEndpoint } from "../../providers/core/endpoints";
import { IscsiInitiator, lunDevicePath } from "../../providers/storage/iscsi/iscsi-initiator";
import { IscsiTargetRes } from "../../providers/storage/iscsi/iscsi-target";
import type { LabNodeRef } from "../node/node-vm";
import { tgtControlPort } from "../../spec/queries";

/** TCP port of the iSCSI portal. */
export const ISCSI_PORT = 3260;

/** A LUN as the nodes see it. */
export interface LunDevice {
  /** LUN number. */
  lun: number;
  /** What the LUN is for. */
  purpose: LunSpec["purpose"];
  /** Size in MiB. */
  sizeMiB: number;
  /** Stable device path on every initiator (`/dev/disk/by-path/ip-…-iscsi-<iqn>-lun-<n>`). */
  path: string;
}

/** Arguments of {@link IscsiTarget}. */
export interface IscsiTargetArgs {
  /** The target: IQN, LUN directory, LUNs (seed 000: 100 MiB quorum, 1 GiB data). */
  iscsi: IscsiSpec;
  /** The KVM host (the default place of the target; its management address is the portal). */
  host: HostEndpoint & Pick<HostSpec, "address">;
  /** The node the target runs on, when `iscsi.host` names a node instead of `kvmhost`. */
  targetNode?: LabNodeRef;
  /** The nodes that log in to the target. */
  initiators: LabNodeRef[];
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
}

export { lunDevicePath, tgtControlPort };

/** The initiator IQN of a node: the target's naming authority plus `<target name>-<node>`. */
export function initiatorName(targetIqn: string, nodeName: string): string {
  const [authority, ...rest] = targetIqn.split(":");
  return `${authority}:${[...rest, nodeName].join("-")}`;
}

/**
 * The shared-disk iSCSI target of seed 000 (tgtd with file-backed LUNs, on the host or a dedicated
 * node) and an initiator on every node, which discovers it at the portal and logs in.
 */
export class IscsiTarget extends pulumi.ComponentResource {
  /** Target IQN. */
  public readonly iqn: pulumi.Output<string>;
  /** `address:port` of the portal. */
  public readonly portal: pulumi.Output<string>;
  /** The LUNs as the nodes see them. */
  public readonly devices: pulumi.Output<LunDevice[]>;

  constructor(name: string, args: IscsiTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:storage:IscsiTarget", name, {}, opts);
    const { iscsi } = args;
    const placement = {
      host: hostEndpoint(args.host),
      ...(args.targetNode !== undefined ? { node: args.targetNode.access } : {}),
      sshPrivateKey: args.sshPrivateKey,
    };
    const portal = pulumi
      .output(args.targetNode?.access ?? { address: args.host.address })
      .apply((a: Pick<SshEndpoint, "address">) => `${a.address}:${ISCSI_PORT}`);

    const target = new IscsiTargetRes(
      `${name}-target`,
      {
        ...placement,
        iqn: iscsi.iqn,
        directory: iscsi.directory,
        portal,
        controlPort: args.targetNode === undefined ? tgtControlPort(iscsi.iqn) : 0,
        luns: iscsi.luns.map((lun) => ({
          lun: lun.id,
          path: `${iscsi.directory}/${lun.file}`,
          sizeMiB: lun.sizeMiB,
          purpose: lun.purpose,
        })),
        initiatorAddresses: args.initiators.map((n) =>
          pulumi.output(n.access).apply((a: SshEndpoint) => a.address),
        ),
        initiatorNames: args.initiators.map((n) => initiatorName(iscsi.iqn, n.name)),
      },
      childOptions(this, opts),
    );
    for (const node of args.initiators) {
      new IscsiInitiator(
        `${name}-initiator-${node.name}`,
        {
          node: node.access,
          sshPrivateKey: args.sshPrivateKey,
          initiatorName: initiatorName(iscsi.iqn, node.name),
          targetIqn: target.iqn,
          portal,
          luns: iscsi.luns.map((l) => l.id),
        },
        childOptions(this, opts, [target]),
      );
    }

    this.iqn = target.iqn;
    this.portal = portal;
    this.devices = portal.apply((p) =>
      iscsi.luns.map((l) => ({
        lun: l.id,
        purpose: l.purpose,
        sizeMiB: l.sizeMiB,
        path: lunDevicePath(p, iscsi.iqn, l.id),
      })),
    );
    this.registerOutputs({ iqn: this.iqn, portal: this.portal, devices: this.devices });
  }
}
