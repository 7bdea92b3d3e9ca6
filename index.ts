/**
 * kvm-ha-lab: stack config → validated LabSpec → the whole lab → stack outputs.
 * Secrets stay secret: the cluster password and the private keys are never exported in plain.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadLabSpec } from "./spec";
import { HaLab } from "./components";

const spec = loadLabSpec(new pulumi.Config());
const lab = new HaLab(spec.name, { spec });

/** Lab name (prefix of every libvirt object). */
export const labName = spec.name;
/** Domain type the nodes run with (`kvm` or `qemu`). */
export const domainType = lab.domainType;
/** Node name → management address. */
export const nodeAddresses = lab.nodeAddresses;
/** Node name → libvirt domain name. */
export const domainNames = lab.domainNames;
/** How far the lab is built (`substrate`, `storage`, `cluster`). */
export const layers = spec.layers;
/** Cluster name. */
export const clusterName = lab.clusterName;
/** Service group name → virtual IP. */
export const vips = lab.vips;
/** The hacluster/ricci password, as a secret (`pulumi stack output --show-secrets clusterPassword`). */
export const clusterPassword = lab.clusterPassword && pulumi.secret(lab.clusterPassword);
/**
 * Shared storage (with layers storage/cluster): the iSCSI target (IQN, portal, each LUN's stable
 * device on the nodes) and the GlusterFS volume (name, bricks, mount point).
 */
export const storage = {
  ...(lab.iscsi
    ? { iscsi: { iqn: lab.iscsi.iqn, portal: lab.iscsi.portal, devices: lab.iscsi.devices } }
    : {}),
  ...(lab.gluster
    ? {
        gluster: {
          volume: lab.gluster.volume,
          bricks: lab.gluster.bricks,
          mountPoint: lab.gluster.mountPoint,
        },
      }
    : {}),
};
