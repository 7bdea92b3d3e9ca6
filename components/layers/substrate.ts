import * as pulumi from "@pulumi/pulumi";
import { clusterMembers, clusterNodeName, findNetworkByRole } from "../../spec/queries";
import { SshKeyPair } from "../../providers/secrets/keypair";
import type { HostSshd } from "../../providers/host/host-sshd";
import { BaseImage } from "../image/base-image";
import { KvmHost } from "../host/kvm-host";
import { LabNetwork } from "../network/lab-network";
import { hostsTable } from "../node/hosts-table";
import { NodeVm, type LabNodeRef } from "../node/node-vm";
import type { LayerContext } from "./context";

/** The substrate of a lab: the prepared host, the image, the networks and the node VMs. */
export interface Substrate {
  /** The prepared KVM host. */
  host: KvmHost;
  /** The base image. */
  image: BaseImage;
  /** The lab networks, in spec order. */
  networks: LabNetwork[];
  /** The node VMs, in spec order. */
  nodes: NodeVm[];
  /** How the other layers refer to each node, in spec order. */
  refs: LabNodeRef[];
  /** The host's sshd that lets the fence key power-cycle the lab's domains. */
  fenceAccess: HostSshd;
}

/**
 * KVM host → base image and networks → the node VMs (in parallel, each waiting for the image and
 * every network), and the host's fence access on the management network.
 */
export function buildSubstrate({ name, spec, child, parent }: LayerContext): Substrate {
  const management = findNetworkByRole(spec, "management");
  if (management === undefined) throw new Error(`lab ${spec.name}: no management network`);

  const host = new KvmHost(`${name}-host`, { labName: spec.name, host: spec.host }, child());
  const rootKey = new SshKeyPair(`${name}-root-key`, { comment: `root@${spec.name}` }, child());
  const image = new BaseImage(`${name}-image`, { image: spec.image, host: spec.host }, child([host]));
  const networks = spec.networks.map(
    (network) => new LabNetwork(`${name}-net-${network.name}`, { network, host: spec.host }, child([host])),
  );
  const libvirtNetworks = Object.fromEntries(spec.networks.map((n, i) => [n.name, networks[i].name]));
  const fenceAccess = host.openFenceAccess(
    `${name}-host-sshd`,
    networks[spec.networks.indexOf(management)],
    // Only cluster members can be fenced: real servers are not in the fence shell's list.
    clusterMembers(spec.nodes).map((n) => n.domainName),
    { parent },
  );

  const hosts = hostsTable(spec);
  const members = new Set(clusterMembers(spec.nodes).map((n) => n.name));
  const nodes = spec.nodes.map(
    (node) =>
      new NodeVm(
        `${name}-${node.name}`,
        {
          node,
          networks: spec.networks,
          libvirtNetworks,
          host: spec.host,
          domainType: host.domainType,
          image,
          hosts,
          authorizedKeys: [host.programPublicKey, rootKey.publicKey],
          rootKey: { publicKey: rootKey.publicKey, privateKey: rootKey.privateKey },
          // No time server: nothing serves time to the lab's networks (the host's own time service
          // is not the lab's), and a node's clock is the VM's, set from the host at boot.
          timeServers: [],
          sshPrivateKey: host.programPrivateKey,
          bootSeconds: spec.timeouts.bootSeconds,
          ...(members.has(node.name) ? { clusterNode: clusterNodeName(node, spec.cluster.links) } : {}),
          hostsIscsiTarget: spec.iscsi.enabled && spec.iscsi.host === node.name,
          labImage: spec.image.source === "build",
        },
        child([image, ...networks]),
      ),
  );
  const refs: LabNodeRef[] = nodes.map((node, i) => ({
    name: spec.nodes[i].name,
    domainName: node.domainName,
    access: node.access,
  }));
  return { host, image, networks, nodes, refs, fenceAccess };
}

/** Turns a list of `[key, value]` pairs into one output record. */
export function outputRecord(pairs: [string, pulumi.Input<string>][]): pulumi.Output<Record<string, string>> {
  return pulumi
    .all(pairs.map(([key, value]) => pulumi.output(value).apply((v): [string, string] => [key, v])))
    .apply((entries) => Object.fromEntries(entries));
}
