/**
 * What belongs to an environment: the keys of a stack's lab description that promotion never
 * carries from the source stack, because they say where and how this stack runs and keep it apart
 * from the others on one host. Each keeps the target file's own value; when the target file has
 * none yet, the target's profile (stacks/profiles.ts) gives it, else it is left out and derived
 * from the target's own name and networks (spec/defaults.ts). Every other key of the description
 * is promoted. README "Stacks and promotion" lists the same keys.
 */
import { HostConfigSchema, TimeoutsConfigSchema, type LabConfigInput } from "../spec/schema";
import { labNameFor, type EnvironmentProfile } from "./profiles";

type Networks = NonNullable<LabConfigInput["networks"]>;
type Nodes = NonNullable<LabConfigInput["nodes"]>;

/** The environment's keys, by where they sit in `kvm-ha-lab:lab`. */
export const ENVIRONMENT_OWNED = {
  /** The lab name: it prefixes every libvirt domain, network, bridge and the iSCSI target. */
  lab: ["name"],
  /** All of `host`: where the stack runs, its daemons, its directory. */
  host: Object.keys(HostConfigSchema.shape),
  /** Per network, matched by name (the networks, their names and roles are promoted). */
  networks: ["cidr", "mode", "bridge", "gateway"],
  /** Per node, matched by name (the nodes, their addresses, roles and priorities are promoted). */
  nodes: ["vcpus", "memoryMiB", "diskGiB", "domainName", "macs"],
  /** The target's identity and its directory on the host (its LUNs are promoted). */
  iscsi: ["iqn", "directory"],
  /** All of `timeouts`. */
  timeouts: Object.keys(TimeoutsConfigSchema.shape),
} as const;

/** Every environment-owned key as a path (`networks[].cidr`, `host.libvirtUri`, …). */
export function environmentOwnedPaths(): string[] {
  return [
    ...ENVIRONMENT_OWNED.lab,
    ...ENVIRONMENT_OWNED.host.map((k) => `host.${k}`),
    ...ENVIRONMENT_OWNED.networks.map((k) => `networks[].${k}`),
    ...ENVIRONMENT_OWNED.nodes.map((k) => `nodes[].${k}`),
    ...ENVIRONMENT_OWNED.iscsi.map((k) => `iscsi.${k}`),
    ...ENVIRONMENT_OWNED.timeouts.map((k) => `timeouts.${k}`),
  ];
}

type Entry = Record<string, unknown>;

/**
 * `carried` with each of `keys` set to the target's own value, else the profile's, and left out
 * when neither has one.
 */
function own<T extends object>(
  carried: T,
  target: object | undefined,
  profile: object,
  keys: readonly string[],
): T {
  const out = { ...carried } as Entry;
  for (const key of keys) {
    const value = (target as Entry | undefined)?.[key] ?? (profile as Entry)[key];
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out as T;
}

/** The entry of `list` named `name`. */
function named<T extends { name: string }>(list: readonly T[] | undefined, name: string): T | undefined {
  return list?.find((e) => e.name === name);
}

/**
 * The target's networks: the promoted ones (names, roles), each with the target's own range,
 * mode, bridge and gateway, else its profile's range for the role and NAT setting.
 */
export function environmentNetworks(
  networks: Networks,
  target: LabConfigInput,
  profile: EnvironmentProfile,
): Networks {
  return networks.map((n) =>
    own(
      n,
      named(target.networks, n.name),
      {
        cidr: profile.subnets[n.role],
        mode: n.role === "service" && profile.nat ? "nat" : "isolated",
      },
      ENVIRONMENT_OWNED.networks,
    ),
  );
}

function environmentNodes(nodes: Nodes, target: LabConfigInput, profile: EnvironmentProfile): Nodes {
  return nodes.map((n) => own(n, named(target.nodes, n.name), profile.node, ENVIRONMENT_OWNED.nodes));
}

/**
 * The promoted description `carried` (from the source stack, its networks and nodes written out)
 * with every environment-owned key set for the target: the target's own value (`target`, its
 * current description), else the profile's, else left out to be derived.
 *
 * @param sourceName the source lab's name, which the profile's prefix replaces when the target has none
 */
export function withEnvironment(
  carried: LabConfigInput,
  target: LabConfigInput,
  profile: EnvironmentProfile,
  sourceName: string,
): LabConfigInput {
  const out: LabConfigInput = own(
    carried,
    target,
    { name: labNameFor(sourceName, profile) },
    ENVIRONMENT_OWNED.lab,
  );
  out.host = own(
    {},
    target.host,
    { daemon: profile.daemon, domainType: profile.domainType },
    ENVIRONMENT_OWNED.host,
  );
  out.timeouts = own({}, target.timeouts, { bootSeconds: profile.bootSeconds }, ENVIRONMENT_OWNED.timeouts);
  if (carried.networks !== undefined) out.networks = environmentNetworks(carried.networks, target, profile);
  if (carried.nodes !== undefined) out.nodes = environmentNodes(carried.nodes, target, profile);
  const iscsi = own(carried.iscsi ?? {}, target.iscsi, {}, ENVIRONMENT_OWNED.iscsi);
  if (Object.keys(iscsi).length > 0) out.iscsi = iscsi;
  else delete out.iscsi;
  return out;
}
