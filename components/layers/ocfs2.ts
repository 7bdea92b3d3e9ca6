import * as pulumi from "@pulumi/pulumi";
import { Ocfs2FileSystem } from "../ocfs2/ocfs2-file-system";
import type { LunDevice } from "../storage/iscsi-target";
import type { LayerContext } from "./context";
import type { Storage } from "./storage";
import type { Substrate } from "./substrate";

/**
 * The OCFS2 layer of a lab with an `ocfs2` section (seed 003): the o2cb cluster on its nodes and
 * the volume on its LUN, built after the shared storage (every node logged in to the target, so
 * the LUN's device is there). Part of the storage layers: an OCFS2 lab has no pacemaker cluster
 * (spec/validate/ocfs2.ts). Undefined for a lab without one.
 */
export function buildOcfs2(
  { name, spec, child }: LayerContext,
  substrate: Substrate,
  storage: Storage,
): Ocfs2FileSystem | undefined {
  const o = spec.ocfs2;
  if (o === undefined) return undefined;
  if (storage.iscsi === undefined)
    throw new Error(`lab ${spec.name}: the OCFS2 volume needs the iSCSI target`);
  const { refs, host, nodes } = substrate;
  const refOf = (nodeName: string) => {
    const ref = refs.find((r) => r.name === nodeName);
    if (ref === undefined) throw new Error(`lab ${spec.name}: node ${nodeName} has no VM`);
    return ref;
  };
  const device = pulumi.output(storage.lunDevices).apply((devices: LunDevice[]) => {
    const found = devices.find((d) => d.lun === o.lun);
    if (found === undefined) throw new Error(`lab ${spec.name}: the iSCSI target has no LUN ${o.lun}`);
    return found.path;
  });
  return new Ocfs2FileSystem(
    `${name}-ocfs2`,
    {
      ocfs2: o,
      nodes: o.nodes.map((n) => refOf(n.name)),
      device,
      sshPrivateKey: host.programPrivateKey,
    },
    child([...nodes, ...storage.all]),
  );
}
