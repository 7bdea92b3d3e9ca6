/**
 * Environment profiles and promotion between stacks (dev → staging → prod).
 *
 * A stack's `Pulumi.<stack>.yaml` holds the lab description under `kvm-ha-lab:lab`. Promotion
 * carries that description from one stack to the next and sets the per-environment fields from the
 * target's profile: lab name prefix, node sizes, NAT on the service network, daemon mode, domain
 * type and boot timeout. Everything here is pure: no files, no Pulumi runtime.
 */
import { LAB_KEY, PROJECT_NAME } from "../spec/config-key";
import { parseLabSpec } from "../spec/load";
import type { LabConfigInput } from "../spec/schema";
import type { DomainType, LabSpec } from "../spec/types";

export { LAB_KEY, PROJECT_NAME };

/** The stacks, in promotion order. */
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** What differs between environments. */
export interface EnvironmentProfile {
  /** Prefix of the lab name (`<prefix>-<base name>`), so environments sharing a host never collide. */
  namePrefix: string;
  /** Size of every node. */
  node: { vcpus: number; memoryMiB: number; diskGiB: number };
  /** Outbound NAT on the service network (other networks stay isolated). */
  nat: boolean;
  /** `managed`: the program starts libvirtd/sshd itself; `external`: the host runs them. */
  daemon: "managed" | "external";
  /** Domain type of the nodes. */
  domainType: DomainType;
  /** How long a node may take to answer on SSH, in seconds. */
  bootSeconds: number;
}

/** The profiles: dev is this offline TCG machine; staging and prod are real KVM hosts. */
export const PROFILES: Readonly<Record<StackName, EnvironmentProfile>> = {
  dev: {
    namePrefix: "dev",
    node: { vcpus: 1, memoryMiB: 1024, diskGiB: 8 },
    nat: false,
    daemon: "managed",
    domainType: "auto",
    bootSeconds: 600,
  },
  staging: {
    namePrefix: "stg",
    node: { vcpus: 2, memoryMiB: 2048, diskGiB: 16 },
    nat: true,
    daemon: "external",
    domainType: "kvm",
    bootSeconds: 300,
  },
  prod: {
    namePrefix: "prod",
    node: { vcpus: 4, memoryMiB: 4096, diskGiB: 32 },
    nat: true,
    daemon: "external",
    domainType: "kvm",
    bootSeconds: 300,
  },
};

/** The `config:` map of a `Pulumi.<stack>.yaml`. */
export type StackConfig = Record<string, unknown>;

/** True when `name` is one of {@link STACKS}. */
export function isStackName(name: string): name is StackName {
  return (STACKS as readonly string[]).includes(name);
}

/** The lab name without any environment prefix (`stg-halab` → `halab`; a bare prefix, `dev` → ""). */
export function baseLabName(name: string): string {
  const prefixes = Object.values(PROFILES).map((p) => p.namePrefix);
  if (prefixes.includes(name)) return "";
  const prefix = prefixes.find((p) => name.startsWith(`${p}-`));
  return prefix === undefined ? name : name.slice(prefix.length + 1);
}

/** The lab name in an environment: `<prefix>-<base>`, or the bare prefix when there is no base. */
export function labNameFor(name: string, profile: EnvironmentProfile): string {
  const base = baseLabName(name);
  return base === "" ? profile.namePrefix : `${profile.namePrefix}-${base}`;
}

/**
 * The nodes as config entries. When the description lists none, the defaulted nodes are written
 * out (name and addresses only: MACs, bridge and domain names stay derived from the new lab name).
 */
function nodeEntries(lab: LabConfigInput, spec: LabSpec): NonNullable<LabConfigInput["nodes"]> {
  return (
    lab.nodes ??
    spec.nodes.map((n) => ({
      name: n.name,
      addresses: Object.fromEntries(n.interfaces.map((i) => [i.network, i.address])),
    }))
  );
}

function networkEntries(lab: LabConfigInput, spec: LabSpec): NonNullable<LabConfigInput["networks"]> {
  return lab.networks ?? spec.networks.map((n) => ({ name: n.name, role: n.role, cidr: n.cidr }));
}

/** Sets the per-environment fields of a lab description from a profile. */
export function applyProfile(
  lab: LabConfigInput,
  spec: LabSpec,
  profile: EnvironmentProfile,
): LabConfigInput {
  return {
    ...lab,
    name: labNameFor(spec.name, profile),
    host: { ...lab.host, daemon: profile.daemon, domainType: profile.domainType },
    networks: networkEntries(lab, spec).map((n) =>
      n.role === "service" ? { ...n, mode: profile.nat ? "nat" : "isolated" } : n,
    ),
    nodes: nodeEntries(lab, spec).map((n) => ({ ...n, ...profile.node })),
    // Writing the nodes out would drop the defaulted reserved names (node03): keep them.
    reservedHosts: lab.reservedHosts ?? spec.reservedHosts,
    timeouts: { ...lab.timeouts, bootSeconds: profile.bootSeconds },
  };
}

/** Host fields that say where a stack runs: kept from the target's own config when it sets them. */
export const TARGET_HOST_FIELDS = ["libvirtUri", "stateDir"] as const;

/** The stack a stack promotes to, or undefined for the last one. */
export function nextStack(stack: StackName): StackName | undefined {
  return STACKS[STACKS.indexOf(stack) + 1];
}

/**
 * Promotes the lab description of one stack's config to `toStack`: the description is validated,
 * carried over, and given the target's per-environment fields; the target's other config keys
 * (its own secrets above all — they are encrypted per stack) and where it runs
 * ({@link TARGET_HOST_FIELDS}) are kept, and the source's other keys are not carried. The result is validated before it is returned.
 *
 * @param fromConfig the source stack's `config:` map
 * @param toStack the target stack (the next one in {@link STACKS})
 * @param toConfig the target stack's current `config:` map, if it has one
 * @throws LabSpecError when the source description (or the result) is invalid
 */
export function promote(
  fromConfig: StackConfig,
  toStack: StackName,
  toConfig: StackConfig = {},
): StackConfig {
  const lab = (fromConfig[LAB_KEY] ?? {}) as LabConfigInput;
  const spec = parseLabSpec(lab);
  const promoted = applyProfile(lab, spec, PROFILES[toStack]);
  const targetHost = (toConfig[LAB_KEY] as LabConfigInput | undefined)?.host ?? {};
  for (const field of TARGET_HOST_FIELDS) {
    if (targetHost[field] !== undefined) promoted.host = { ...promoted.host, [field]: targetHost[field] };
  }
  parseLabSpec(promoted);
  return { ...toConfig, [LAB_KEY]: promoted };
}
