/**
 * The environments (dev → staging → prod): one stack each, and what sets them apart — lab name
 * prefix, address ranges, node sizes, NAT on the service network, daemon mode, domain type and boot
 * timeout. Which keys of a stack file the environment owns, and how promotion fills them from a
 * profile, is stacks/ownership.ts. Everything here is pure: no files, no Pulumi runtime.
 */
import { LAB_KEY, PROJECT_NAME } from "../spec/config-key";
import { DEFAULT_NETWORKS } from "../spec/defaults";
import type { DomainType, NetworkRole } from "../spec/types";

export { LAB_KEY, PROJECT_NAME };

/** The stacks, in promotion order. */
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** What differs between environments. */
export interface EnvironmentProfile {
  /** Prefix of the lab name (`<prefix>-<base name>`), so environments sharing a host never collide. */
  namePrefix: string;
  /**
   * The address range of the network of each role. Every environment has its own, so that two
   * environments' bridges, routes and addresses never meet on one host.
   */
  subnets: Readonly<Record<NetworkRole, string>>;
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

/** The seed's ranges (192.168.7/8/9.0/24), by role: the dev lab's. */
const SEED_SUBNETS = Object.fromEntries(DEFAULT_NETWORKS.map((n) => [n.role, n.cidr])) as Record<
  NetworkRole,
  string
>;

/**
 * The profiles. The hosts of this lab have no KVM (no vmx/svm, no /dev/kvm): every environment's
 * nodes run under TCG, so every domain type is `auto` (kvm where the CPU offers it, TCG here) and
 * every boot gets dev's 600 s. Staging and prod use libvirt as their host runs it (`external`);
 * their ranges (192.168.27/28/29, 192.168.37/38/39) are clear of the dev lab's and of the other
 * labs of this repository (192.168.3/13/14, 192.168.5/15/16).
 */
export const PROFILES: Readonly<Record<StackName, EnvironmentProfile>> = {
  dev: {
    namePrefix: "dev",
    subnets: SEED_SUBNETS,
    node: { vcpus: 1, memoryMiB: 1024, diskGiB: 8 },
    nat: false,
    daemon: "managed",
    domainType: "auto",
    bootSeconds: 600,
  },
  staging: {
    namePrefix: "stg",
    subnets: { service: "192.168.27.0/24", management: "192.168.28.0/24", heartbeat: "192.168.29.0/24" },
    node: { vcpus: 2, memoryMiB: 2048, diskGiB: 16 },
    nat: true,
    daemon: "external",
    domainType: "auto",
    bootSeconds: 600,
  },
  prod: {
    namePrefix: "prod",
    subnets: { service: "192.168.37.0/24", management: "192.168.38.0/24", heartbeat: "192.168.39.0/24" },
    node: { vcpus: 4, memoryMiB: 4096, diskGiB: 32 },
    nat: true,
    daemon: "external",
    domainType: "auto",
    bootSeconds: 600,
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

/** The stack a stack promotes to, or undefined for the last one. */
export function nextStack(stack: StackName): StackName | undefined {
  return STACKS[STACKS.indexOf(stack) + 1];
}
