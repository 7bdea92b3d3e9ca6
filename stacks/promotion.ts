/**
 * Promotion of a lab description from one stack's config to the next one's (dev → staging →
 * prod): the description is carried, the environment's own keys (stacks/ownership.ts) are kept,
 * every address moves with its network to the target's ranges (stacks/rebase.ts), and a target
 * that could not run beside the other stacks on one host is refused (stacks/collisions.ts).
 * Everything here is pure: no files, no Pulumi runtime.
 */
import { LAB_KEY } from "../spec/config-key";
import { parseLabSpec } from "../spec/load";
import { Problems } from "../spec/problems";
import { LabConfigSchema, type LabConfigInput } from "../spec/schema";
import type { LabSpec } from "../spec/types";
import { sideBySideProblems, type StackLab } from "./collisions";
import { environmentNetworks, withEnvironment } from "./ownership";
import { PROFILES, type StackConfig, type StackName } from "./profiles";
import { rebaseAddresses } from "./rebase";

/** The lab description in a stack's config (`{}` when it has none). */
export function labOf(config: StackConfig): LabConfigInput {
  return (config[LAB_KEY] ?? {}) as LabConfigInput;
}

/**
 * The description with its networks, nodes and reserved hosts written out: the target's ranges,
 * node sizes and names are set per entry. Defaulted nodes are written as name and addresses only
 * (MACs, bridges and domain names stay derived from the target's name); the defaulted reserved
 * names (node03) are kept, as writing the nodes out would drop them.
 */
function writtenOut(lab: LabConfigInput, spec: LabSpec): LabConfigInput {
  return {
    ...lab,
    networks: lab.networks ?? spec.networks.map((n) => ({ name: n.name, role: n.role, cidr: n.cidr })),
    nodes:
      lab.nodes ??
      spec.nodes.map((n) => ({
        name: n.name,
        addresses: Object.fromEntries(n.interfaces.map((i) => [i.network, i.address])),
      })),
    reservedHosts: lab.reservedHosts ?? spec.reservedHosts,
  };
}

/** The description's keys in the schema's order (name, host, networks, nodes, …), as a reader expects them. */
function inSchemaOrder(lab: LabConfigInput): LabConfigInput {
  const order = Object.keys(LabConfigSchema.shape);
  return Object.fromEntries(
    Object.entries(lab).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)),
  ) as LabConfigInput;
}

/**
 * Promotes the lab description of `from` to `to`. The result is the target's config: its other
 * keys (its own secrets above all — they are encrypted per stack) are kept, the source's other keys
 * are not carried, and `kvm-ha-lab:lab` is the source's description with the target's
 * environment-owned keys. Both descriptions are validated.
 *
 * @param from the source stack and its `config:` map
 * @param to the target stack (the next one) and its current `config:` map (`{}` when new)
 * @param others stacks that share the host with the target (the source is always one): the
 *   target may share no name, range, bridge, directory or port with any of them
 * @throws LabSpecError when the source description (or the result) is invalid
 * @throws Error naming each shared field and its fix when the target collides with another stack
 */
export function promote(
  from: { stack: StackName; config: StackConfig },
  to: { stack: StackName; config: StackConfig },
  others: readonly StackLab[] = [],
): StackConfig {
  const lab = labOf(from.config);
  const source = parseLabSpec(lab);
  const target = labOf(to.config);
  const profile = PROFILES[to.stack];
  const carried = writtenOut(lab, source);
  const ranges = environmentNetworks(carried.networks ?? [], target, profile);
  const moves = source.networks.map((n, i) => ({ from: n.cidr, to: String(ranges[i].cidr) }));
  const promoted = inSchemaOrder(
    withEnvironment(rebaseAddresses(carried, moves), target, profile, source.name),
  );
  const spec = parseLabSpec(promoted);
  const problems = new Problems();
  problems.add(
    ...sideBySideProblems({ stack: to.stack, spec }, [{ stack: from.stack, spec: source }, ...others]),
  );
  problems.throwIfAny(`the ${to.stack} stack cannot run beside the others on one host`);
  return { ...to.config, [LAB_KEY]: promoted };
}
