/**
 * The lab's safety rules as pure functions over resources (type token, name, inputs). The policy
 * pack (policy/index.ts) runs them under `pulumi preview|up --policy-pack policy`; the tests
 * (test/policy/) call them directly. Nothing here imports @pulumi/policy.
 *
 * Resource rules see one resource's inputs; stack rules see every resource's final properties
 * (the lab's dynamic resources keep their inputs in their properties). A value the engine cannot
 * know yet during a preview is {@link UNKNOWN}: a rule never reports on it.
 *
 * Every message reads `<resource> (<Kind>): <field> <problem>. Fix: <what to do>`, like the lab
 * description's own errors.
 */

/** The type token prefix of the lab's dynamic resources: `pulumi-nodejs:dynamic/kvmlab:<Kind>`. */
export const KIND_PREFIX = "pulumi-nodejs:dynamic/kvmlab:";

/** A value the engine does not know during a preview (an output of a resource not made yet). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/** One resource as the rules see it. */
export interface LabResource {
  /** Type token, e.g. `pulumi-nodejs:dynamic/kvmlab:PcsCluster`. */
  type: string;
  /** Resource name (the last part of its URN). */
  name: string;
  /** Its inputs (stack rules: its final properties), {@link UNKNOWN} where not known yet. */
  props: Record<string, unknown>;
  /** Its URN (stack rules report on it). */
  urn?: string;
}

/** A broken rule: the resource at fault and what to tell the operator. */
export interface Violation {
  resource: LabResource;
  message: string;
}

/** What the rules know of the stack beyond the resources. */
export interface RuleContext {
  /** The names (as in `kvm-ha-lab:lab.networks`) of the networks whose role is heartbeat. */
  heartbeatNetworks: readonly string[];
}

interface RuleBase {
  /** The policy's name (letters, digits and `-`). */
  name: string;
  /** One line: what the rule asks and why the lab needs it. */
  description: string;
}

/** A rule over one resource's inputs, for the kinds it lists. */
export interface ResourceRule extends RuleBase {
  scope: "resource";
  kinds: readonly string[];
  check(resource: LabResource, ctx: RuleContext): Violation[];
}

/** A rule over the whole stack. */
export interface StackRule extends RuleBase {
  scope: "stack";
  check(resources: readonly LabResource[], ctx: RuleContext): Violation[];
}

export type Rule = ResourceRule | StackRule;

/** The stacks on which a violation blocks the deployment; elsewhere it is reported only. */
export const MANDATORY_STACKS: readonly string[] = ["prod", "staging"];

/** `mandatory` on prod and staging, `advisory` on every other stack. */
export function enforcementFor(stack: string): "mandatory" | "advisory" {
  return MANDATORY_STACKS.includes(stack) ? "mandatory" : "advisory";
}

/**
 * The heartbeat networks of a lab description (`kvm-ha-lab:lab`): the networks it lists with
 * `role: heartbeat`, or the default `heartbeat` network when it lists none.
 */
export function heartbeatNetworkNames(lab: unknown): string[] {
  const networks = isRecord(lab) ? lab.networks : undefined;
  if (!Array.isArray(networks)) return ["heartbeat"];
  return networks
    .filter((n): n is Record<string, unknown> => isRecord(n) && n.role === "heartbeat")
    .map((n) => n.name)
    .filter((n): n is string => typeof n === "string");
}

/**
 * A plain copy of a value that may be @pulumi/policy's property proxy: reading an unknown value
 * through the proxy throws its `UnknownValueError`, which becomes {@link UNKNOWN} here, so one
 * unknown field never hides the rest of the resource from a rule.
 */
export function plainOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(readField(value, i));
    return out;
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = readField(value, key);
    return out;
  }
  return value;
}

function readField(container: object, key: string | number): unknown {
  try {
    return plainOf((container as Record<string | number, unknown>)[key]);
  } catch (err) {
    if (isUnknownValueError(err)) return UNKNOWN;
    throw err;
  }
}

/** @pulumi/policy's UnknownValueError, told by name (its class is internal to the package). */
function isUnknownValueError(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === "UnknownValueError";
}

/** The kind of a lab resource (`PcsCluster`), undefined for other types. */
export function kindOf(type: string): string | undefined {
  return type.startsWith(KIND_PREFIX) ? type.slice(KIND_PREFIX.length) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function violation(r: LabResource, field: string, problem: string, fix: string): Violation {
  return {
    resource: r,
    message: `${r.name} (${kindOf(r.type) ?? r.type}): ${field} ${problem}. Fix: ${fix}`,
  };
}

function ofKind(resources: readonly LabResource[], ...kinds: string[]): LabResource[] {
  return resources.filter((r) => kinds.includes(kindOf(r.type) ?? ""));
}

/** The values pacemaker reads as true (crm_is_true); anything else is false. */
const PACEMAKER_TRUE = ["true", "on", "yes", "y", "1"];

/** A cluster property as set in a PcsCluster's inputs: undefined when not set, UNKNOWN when not known. */
function clusterProperty(r: LabResource, name: string): string | typeof UNKNOWN | undefined {
  const props = r.props.properties;
  if (props === UNKNOWN) return UNKNOWN;
  if (!isRecord(props)) return undefined;
  const v = props[name];
  return v === UNKNOWN ? UNKNOWN : str(v);
}

/** (a) STONITH stays enabled. */
export const stonithEnabled: ResourceRule = {
  scope: "resource",
  name: "stonith-enabled",
  description:
    "STONITH stays enabled: without fencing a node that stops answering is never fenced, and both halves of a split brain write the shared data.",
  kinds: ["PcsCluster"],
  check(r) {
    const v = clusterProperty(r, "stonith-enabled");
    if (v === undefined || v === UNKNOWN || PACEMAKER_TRUE.includes(v.trim().toLowerCase())) return [];
    return [
      violation(
        r,
        "properties.stonith-enabled",
        `is "${v}": with STONITH off a node that stops answering is never fenced, and both halves of a split brain write the shared data`,
        'set kvm-ha-lab:lab.cluster.properties.stonith-enabled to "true" or leave it out (true is the default), and drop cluster.allowNoStonithWithSharedData / cluster.allowNoStonith',
      ),
    ];
  },
};

/** (a) A cluster has at least one enabled fence device. */
export const fenceDevicePerCluster: StackRule = {
  scope: "stack",
  name: "fence-device-per-cluster",
  description:
    "Every cluster has at least one enabled fence device: STONITH without a device cannot fence, and recovery stops at the first lost node.",
  check(resources) {
    const devices = ofKind(resources, "StonithDevice");
    const out: Violation[] = [];
    for (const d of devices) {
      if (d.props.enabled === false) {
        out.push(
          violation(
            d,
            "enabled",
            `is false: the fence device ${str(d.props.name) ?? d.name} is disabled, so the cluster cannot fence with it`,
            "leave the device enabled (the program keeps it so: `npm run lab -- up` re-enables a device disabled by hand)",
          ),
        );
      }
    }
    for (const c of ofKind(resources, "PcsCluster", "CmanCluster")) {
      const name = c.props.name;
      const serving = devices.filter(
        (d) =>
          d.props.enabled !== false &&
          (typeof name !== "string" ||
            typeof d.props.clusterName !== "string" ||
            d.props.clusterName === name),
      );
      if (serving.length > 0) continue;
      out.push(
        violation(
          c,
          "fencing",
          `has no enabled fence device for cluster ${str(name) ?? c.name}: STONITH without a device cannot fence, and recovery stops at the first lost node`,
          "keep at least one device in kvm-ha-lab:lab.fencing (left out, the lab gets the fence_virsh device kvmhost01)",
        ),
      );
    }
    return out;
  },
};

/** An ACL entry that admits more than one node: tgtd's `ALL`, a wildcard or a network. */
function isWideAclEntry(v: string): boolean {
  return v.trim().toUpperCase() === "ALL" || v.includes("*") || v.includes("/");
}

/** (b) The iSCSI target's ACL is never ALL, nor a wildcard or a whole network. */
export const iscsiAclNoAll: ResourceRule = {
  scope: "resource",
  name: "iscsi-acl-no-all",
  description:
    "The iSCSI target admits named nodes only (never ALL, a wildcard or a network): any other initiator could log in and write the cluster's LUNs.",
  kinds: ["IscsiTarget"],
  check(r) {
    const out: Violation[] = [];
    const fields: [string, string][] = [
      ["initiatorAddresses", "each node's own management address"],
      ["initiatorNames", "each node's own initiator name (iqn…:<lab>-tgt01-<node>)"],
    ];
    for (const [field, what] of fields) {
      const list = r.props[field];
      if (list === UNKNOWN || list === undefined) continue;
      const fix = `list ${what}, as the program's IscsiTarget does; never ALL`;
      if (!Array.isArray(list) || list.length === 0) {
        out.push(violation(r, field, "is empty: the target's access is not restricted to the nodes", fix));
        continue;
      }
      const wide = list.filter((v): v is string => typeof v === "string" && isWideAclEntry(v));
      if (wide.length > 0) {
        out.push(
          violation(
            r,
            field,
            `admits ${wide.map((w) => `"${w}"`).join(", ")}: any initiator there could log in and write the cluster's LUNs`,
            fix,
          ),
        );
      }
    }
    return out;
  },
};

/** (b) The target's ACL lists only the initiators of the lab's nodes. */
export const iscsiAclOnlyInitiators: StackRule = {
  scope: "stack",
  name: "iscsi-acl-only-initiators",
  description:
    "The iSCSI target's ACL lists only the lab's own initiators (their names and addresses): an initiator outside the lab could write the shared LUNs.",
  check(resources) {
    const out: Violation[] = [];
    const initiators = ofKind(resources, "IscsiInitiator");
    for (const t of ofKind(resources, "IscsiTarget")) {
      const iqn = t.props.iqn;
      const own = initiators.filter((i) => i.props.targetIqn === UNKNOWN || i.props.targetIqn === iqn);
      if (own.length === 0) continue;
      const names = own.map((i) => i.props.initiatorName);
      const addresses = own.map((i) => (isRecord(i.props.node) ? i.props.node.address : UNKNOWN));
      const checks: [string, unknown[], string][] = [
        ["initiatorNames", names, "initiator names"],
        ["initiatorAddresses", addresses, "management addresses"],
      ];
      for (const [field, known, what] of checks) {
        const acl = t.props[field];
        if (!Array.isArray(acl) || known.some((v) => typeof v !== "string")) continue;
        const extra = acl.filter((v): v is string => typeof v === "string" && !known.includes(v));
        if (extra.length === 0) continue;
        out.push(
          violation(
            t,
            field,
            `admits ${extra.map((e) => `"${e}"`).join(", ")}, which is no initiator of this lab (its initiators: ${known.join(", ")})`,
            `list only the lab's nodes' ${what}, as the program's IscsiTarget does`,
          ),
        );
      }
    }
    return out;
  },
};

/** The lab's network name of a LibvirtNetwork resource (`<lab>-net-<network>-libvirt`). */
export function labNetworkName(resourceName: string): string | undefined {
  return /-net-(.+)-libvirt$/.exec(resourceName)?.[1];
}

/** (c) No NAT on the heartbeat network. */
export const heartbeatIsolated: ResourceRule = {
  scope: "resource",
  name: "heartbeat-isolated",
  description:
    "The heartbeat network stays isolated (no NAT): it carries corosync's link 0 and nothing else, so no routed or masqueraded traffic delays the token that decides who is alive.",
  kinds: ["LibvirtNetwork"],
  check(r, ctx) {
    const net = labNetworkName(r.name);
    if (net === undefined || !ctx.heartbeatNetworks.includes(net) || r.props.mode !== "nat") return [];
    return [
      violation(
        r,
        "mode",
        `is nat on the heartbeat network ${net}: libvirt then routes and masquerades it through the host, so traffic that is not corosync's shares the link that decides which node is alive`,
        `set mode: isolated on network ${net} in kvm-ha-lab:lab.networks (or leave mode out: isolated is the default); give NAT to the service network if the nodes need a way out`,
      ),
    ];
  },
};

/** (d) no-quorum-policy is not `ignore`. */
export const quorumPolicyNotIgnore: ResourceRule = {
  scope: "resource",
  name: "no-quorum-policy-not-ignore",
  description:
    "no-quorum-policy is not ignore: a partition without quorum would keep its resources, and both halves of a split brain would run the service groups.",
  kinds: ["PcsCluster"],
  check(r) {
    const v = clusterProperty(r, "no-quorum-policy");
    if (v === undefined || v === UNKNOWN || v.trim().toLowerCase() !== "ignore") return [];
    return [
      violation(
        r,
        "properties.no-quorum-policy",
        "is ignore: a partition without quorum keeps its resources, so both halves of a split brain run the service groups",
        "leave kvm-ha-lab:lab.cluster.properties.no-quorum-policy out (stop: two_node keeps the surviving node quorate) or set it to stop",
      ),
    ];
  },
};

/** The default totem token of each cluster stack, in ms: corosync 3 and cman's corosync 1. */
export const DEFAULT_TOKEN_MS: Readonly<Record<string, number>> = { PcsCluster: 3000, CmanCluster: 10000 };

/** The cluster's token is not below its stack's default. */
export const tokenNotBelowDefault: ResourceRule = {
  scope: "resource",
  name: "token-not-below-default",
  description:
    "The totem token is not below the cluster stack's default (corosync 3: 3000 ms, cman: 10000 ms): a shorter one reads a guest's stall as a dead node and fences a healthy one.",
  kinds: ["PcsCluster", "CmanCluster"],
  check(r) {
    const floor = DEFAULT_TOKEN_MS[kindOf(r.type) ?? ""];
    const token = r.props.tokenMs;
    if (floor === undefined || typeof token !== "number" || token >= floor) return [];
    return [
      violation(
        r,
        "tokenMs",
        `is ${token}, below the default token of ${floor} ms: a short stall of a guest (TCG stalls for seconds) reads as a dead node and the cluster fences a healthy one`,
        `set kvm-ha-lab:lab.cluster.tokenMs to at least ${floor} (the lab's default is 20000)`,
      ),
    ];
  },
};

/** A layout change of the GlusterVolume never destroys its data unasked. */
export const glusterNoDestructiveChanges: ResourceRule = {
  scope: "resource",
  name: "gluster-no-destructive-changes",
  description:
    "GlusterFS changes never destroy data unasked: allowDestructiveChanges lets a layout change (replica, arbiter, bricks) replace the volume and lose its files.",
  kinds: ["GlusterVolume"],
  check(r) {
    if (r.props.allowDestructiveChanges !== true) return [];
    return [
      violation(
        r,
        "allowDestructiveChanges",
        `is true: a change of the volume's layout (replica, arbiter, bricks) replaces volume ${str(r.props.name) ?? r.name} and destroys its files instead of failing the preview`,
        "set kvm-ha-lab:lab.gluster.allowDestructiveChanges to false or leave it out (false is the default)",
      ),
    ];
  },
};

/** Every rule of the pack, in the order they are reported. */
export const RULES: readonly Rule[] = [
  stonithEnabled,
  fenceDevicePerCluster,
  iscsiAclNoAll,
  iscsiAclOnlyInitiators,
  heartbeatIsolated,
  quorumPolicyNotIgnore,
  tokenNotBelowDefault,
  glusterNoDestructiveChanges,
];

/** Runs every rule on a whole stack's resources (what the pack does, in one call: tests, tools). */
export function checkAll(resources: readonly LabResource[], ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  for (const rule of RULES) {
    if (rule.scope === "stack") {
      out.push(...rule.check(resources, ctx));
      continue;
    }
    for (const r of resources) {
      if (rule.kinds.includes(kindOf(r.type) ?? "")) out.push(...rule.check(r, ctx));
    }
  }
  return out;
}
