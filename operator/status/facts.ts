/**
 * The live facts of a lab, as `status` gathers them (operator/status/gather.ts) and renders them
 * (operator/status/render.ts). Plain data (JSON: `status --json`), so fixtures describe a lab in
 * any state and the renderer is tested without one. Each part says what it could not find out
 * (`error`) instead of failing the whole status.
 */
import type { DiagramFacts } from "../diagram/render";

/** A node: its VM on the host, and what it says over SSH. */
export interface NodeFacts {
  name: string;
  /** libvirt domain name. */
  domain: string;
  /** `virsh domstate`: `running`, `shut off`, `paused`, …; undefined when libvirt did not answer. */
  state?: string;
  /** Answered on SSH (the program's key, as root). */
  reachable: boolean;
  /** Why it did not answer, or what its probe could not read. */
  error?: string;
  bootId?: string;
  uptimeSeconds?: number;
  /** The lab's addresses of the node: network → address, and whether the node has it up. */
  addresses: { network: string; address: string; present?: boolean }[];
}

/** The iSCSI target and its sessions. */
export interface IscsiFacts {
  iqn: string;
  portal: string;
  /** Where tgtd runs: `the KVM host` or a node name. */
  where: string;
  /** tgtd answers and has the target. */
  up?: boolean;
  /** LUN numbers tgtd serves (LUN 0, the controller, left out). */
  luns: number[];
  /** Lab node → sessions of its initiator to the target, as the node sees them. */
  sessions: Record<string, number | undefined>;
  error?: string;
}

/** The GlusterFS volume, its bricks and mounts. */
export interface GlusterFacts {
  volume: string;
  /** `Started`, `Stopped`, `Created`; undefined when unknown. */
  status?: string;
  bricks: { brick: string; online?: boolean; pendingHeal?: number; splitBrain?: number }[];
  mountPoint: string;
  /** Lab node → the volume is mounted on the mount point. */
  mounts: Record<string, boolean | undefined>;
  /** The node that answered for the volume. */
  answeredBy?: string;
  error?: string;
}

/** A cluster member as the cluster sees it. */
export interface MemberFacts {
  /** The lab node. */
  node: string;
  /** Its cluster name (`node01h`). */
  clusterName: string;
  online?: boolean;
  unclean?: boolean;
  /** Link network → connected as another member sees it (undefined: nobody else could tell). */
  links: Record<string, boolean | undefined>;
}

/** A service group and where it runs. */
export interface GroupFacts {
  name: string;
  /** The lab node it runs on; undefined when it runs nowhere. */
  node?: string;
  /** Its members that are not started. */
  stopped: string[];
}

/** The cluster: quorum, members, fencing, groups, failed actions. */
export interface ClusterFacts {
  name: string;
  /** The member that answered (its lab node name). */
  answeredBy?: string;
  quorum?: boolean;
  /** The designated controller (its cluster name). */
  dc?: string;
  members: MemberFacts[];
  /** `stonith-enabled` as the cluster reports it. */
  stonithEnabled?: string;
  /** The lab's fence devices: started where. */
  fenceDevices: { name: string; agent?: string; started: boolean; node?: string; failed?: boolean }[];
  /** The newest fencing operation, if any. */
  lastFencing?: { target: string; action: string; status: string; completed?: string; by?: string };
  groups: GroupFacts[];
  failedActions: {
    resource: string;
    task: string;
    node: string;
    exitStatus: string;
    exitReason: string;
    when: string;
  }[];
  error?: string;
}

/** Whether the stack has drifted, from a `pulumi preview --refresh`. */
export interface DriftFacts {
  /** `clean`: nothing to change; `drifted`: changes listed; `skipped`; `failed`: the preview failed. */
  state: "clean" | "drifted" | "skipped" | "failed";
  /** `op name` of each planned change. */
  changes: string[];
  /** Why it was skipped or failed. */
  reason?: string;
}

/** Everything `status` shows. */
export interface LabFacts {
  stack: string;
  lab: string;
  layers: "substrate" | "storage" | "cluster";
  /** When the facts were gathered (ISO 8601). */
  gatheredAt: string;
  /** Seconds the gathering took. */
  seconds: number;
  nodes: NodeFacts[];
  iscsi?: IscsiFacts;
  gluster?: GlusterFacts;
  cluster?: ClusterFacts;
  drift: DriftFacts;
}

/** What the diagram shows of the live lab: where each group runs, which nodes run and answer. */
export function diagramFacts(facts: Pick<LabFacts, "nodes" | "cluster">): DiagramFacts {
  return {
    nodes: Object.fromEntries(
      facts.nodes.map((n) => [n.name, { running: n.state === "running", reachable: n.reachable }]),
    ),
    ...(facts.cluster !== undefined
      ? { groupNodes: Object.fromEntries(facts.cluster.groups.map((g) => [g.name, g.node])) }
      : {}),
  };
}
