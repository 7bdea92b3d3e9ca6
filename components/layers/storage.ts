import type * as pulumi from "@pulumi/pulumi";
import { clusterMembers, interfaceOn } from "../../spec/queries";
import { GlusterVolume } from "../storage/gluster-volume";
import { IscsiTarget, type LunDevice } from "../storage/iscsi-target";
import type { LayerContext } from "./context";
import type { Substrate } from "./substrate";

/** The shared storage of a lab: what is enabled of the iSCSI target and the GlusterFS volume. */
export interface Storage {
  /** The iSCSI target, when enabled. */
  iscsi?: IscsiTarget;
  /** The GlusterFS volume, when enabled. */
  gluster?: GlusterVolume;
  /** Every storage component (what the cluster layer waits for). */
  all: pulumi.Resource[];
  /** Each LUN's stable device on the nodes (none without iSCSI). */
  lunDevices: pulumi.Input<LunDevice[]>;
}

/** The iSCSI target with its initiators, and the GlusterFS volume with its mounts, on the nodes. */
export function buildStorage({ name, spec, child }: LayerContext, substrate: Substrate): Storage {
  const { nodes, refs, host } = substrate;
  const sshPrivateKey = host.programPrivateKey;
  // Shared storage is the cluster members' (real servers, seed 002, use none).
  const members = clusterMembers(spec.nodes);
  const memberRefs = members.map((node) => refs[spec.nodes.indexOf(node)]);
  const storage: Storage = { all: [], lunDevices: [] };
  if (spec.iscsi.enabled) {
    const targetNode =
      spec.iscsi.host === "kvmhost" ? undefined : refs.find((r) => r.name === spec.iscsi.host);
    storage.iscsi = new IscsiTarget(
      `${name}-iscsi`,
      {
        iscsi: spec.iscsi,
        host: spec.host,
        ...(targetNode !== undefined ? { targetNode } : {}),
        initiators: memberRefs.filter((r) => r !== targetNode),
        sshPrivateKey,
      },
      child(nodes),
    );
    storage.lunDevices = storage.iscsi.devices;
    storage.all.push(storage.iscsi);
  }
  if (spec.gluster.enabled) {
    storage.gluster = new GlusterVolume(
      `${name}-gluster`,
      {
        gluster: spec.gluster,
        members: members.map((node, i) => ({
          node: memberRefs[i],
          hostname: interfaceOn(node, spec.gluster.network).hostname,
        })),
        sshPrivateKey,
      },
      child(nodes),
    );
    storage.all.push(storage.gluster);
  }
  return storage;
}
