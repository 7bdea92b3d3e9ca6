/**
 * The shapes every remote kind shares: how the KVM host and the nodes are reached, where a kind
 * placed on either runs, and a node and the settings as the cluster stack sees them: types, and
 * one pure helper.
 */
import type { ClusterSpec } from "../../spec/types";

/** The KVM host as the host-side kinds reach it (locally, or over SSH when the URI says so). */
export interface HostEndpoint {
  /** libvirt connection URI (`qemu:///system`, `qemu+ssh://root@kvm01/system`). */
  libvirtUri: string;
  /** Directory on the host that the stack owns. */
  stateDir: string;
}

/** The host endpoint of a host description (a `HostSpec` carries more than the providers need). */
export function hostEndpoint(host: HostEndpoint): HostEndpoint {
  return { libvirtUri: host.libvirtUri, stateDir: host.stateDir };
}

/** A machine reached over SSH. The private key always travels as a separate secret input. */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  /** The machine's SSH host key (`type base64`), pinned when set (learnt by NodeReady). */
  hostKey?: string;
}

/** Where a kind that may run on the KVM host or on a node runs: on `node` when it is set. */
export interface TargetPlacement {
  host: HostEndpoint;
  node?: SshEndpoint;
  /** The program's SSH private key (secret). */
  sshPrivateKey: string;
}

/** A node as the cluster stack sees it. */
export interface ClusterMember {
  /** Node name (`node01`). */
  name: string;
  /** corosync nodeid / cman clusternode nodeid. */
  nodeId: number;
  /** Where the program reaches the node. */
  access: SshEndpoint;
  /** The node's address on each cluster link, link 0 first. */
  linkAddresses: string[];
  /** The node's host name on each cluster link (`node01h`), link 0 first. */
  linkHostnames: string[];
}

/** Cluster settings common to both stack flavours, as the lab description gives them. */
export type ClusterSettings = Pick<ClusterSpec, "name" | "transport" | "tokenMs" | "twoNode" | "startAtBoot">;
