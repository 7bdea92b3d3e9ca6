/**
 * Cross-field validation of a complete {@link LabSpec}, as pure functions that return problems
 * instead of throwing, so that every problem is reported at once (spec/load.ts throws them together).
 *
 * Each problem names the config field to change, as a path into the user's `kvm-ha-lab:lab` value
 * (`nodes[1].addresses.heartbeat`), and says how to fix it. Array indexes in a LabSpec follow the
 * user's config (networks[i], nodes[i], fencing[i], services[i].resources[j], iscsi.luns[i]), and a
 * node's interfaces follow the order of the networks.
 */
import { formatProblem, type Problem } from "../problems";
import type { LabConfig } from "../schema";
import type { LabSpec } from "../types";
import { QUOTED } from "./common";
import { checkCluster, checkFencing } from "./cluster";
import { checkHost } from "./host";
import { checkImage } from "./image";
import { checkLabName, checkNetworks } from "./networks";
import { checkAddressConflicts, checkNodes, checkReservedHosts } from "./nodes";
import { checkServiceConfig, checkServices } from "./services";
import { checkNodeDirectories } from "./paths";
import { checkPorts } from "./ports";
import { checkLoadBalancer, checkRoleConfig } from "./lb";
import { checkGluster, checkIscsi } from "./storage";
import { checkOcfs2 } from "./ocfs2";

export { formatProblem, type Problem } from "../problems";
export { isAbsolutePath, isHostLabel, isMac, isResourceId } from "../patterns";
export { hasSharedData } from "../queries";
export { checkHostAddress, checkHostLabel, type NetworkInfo } from "./common";
export { checkCluster, checkFencing } from "./cluster";
export { checkHost } from "./host";
export { checkImage } from "./image";
export { checkLabName, checkNetworks } from "./networks";
export { checkAddressConflicts, checkNodes, checkReservedHosts, MAX_CLUSTER_MEMBERS } from "./nodes";
export { checkServiceConfig, checkServices } from "./services";
export { checkLabPath, checkNodeDirectories, SYSTEM_DIRECTORIES, SYSTEM_TREES } from "./paths";
export { checkPorts } from "./ports";
export { checkLoadBalancer, checkRoleConfig, LOAD_BALANCER_PACKAGES } from "./lb";
export { checkGluster, checkIscsi } from "./storage";
export { checkOcfs2, O2CB_MAXIMUMS, O2CB_MINIMUMS } from "./ocfs2";

/**
 * Checks that only the user's config can show: keys of `nodes[].addresses` and `nodes[].macs` that
 * name no network (they would be silently ignored otherwise).
 */
export function checkConfigReferences(config: LabConfig, spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const names = spec.networks.map((n) => n.name);
  (config.nodes ?? []).forEach((node, i) => {
    for (const field of ["addresses", "macs"] as const) {
      for (const key of Object.keys(node[field] ?? {})) {
        if (!names.includes(key)) {
          out.push({
            path: `nodes[${i}].${field}.${key}`,
            problem: `no network named ${QUOTED(key)}`,
            fix: `use one of ${names.join(", ")}, or remove it`,
          });
        }
      }
    }
  });
  return out;
}

/**
 * Runs every check and returns all problems (empty when the lab is valid), without duplicates.
 * Pass the parsed config too, so that references only it can show are checked.
 */
export function validateLabSpec(spec: LabSpec, config?: LabConfig): Problem[] {
  const all = [
    ...checkLabName(spec),
    ...checkNetworks(spec),
    ...checkHost(spec),
    ...checkNodes(spec),
    ...(config ? checkConfigReferences(config, spec) : []),
    ...(config ? checkRoleConfig(config) : []),
    ...(config ? checkServiceConfig(config) : []),
    ...checkAddressConflicts(spec),
    ...checkReservedHosts(spec),
    ...checkImage(spec),
    ...checkIscsi(spec),
    ...checkGluster(spec),
    ...checkCluster(spec),
    ...checkFencing(spec),
    ...checkServices(spec),
    ...checkLoadBalancer(spec),
    ...checkOcfs2(spec),
    ...checkNodeDirectories(spec),
    ...checkPorts(spec),
  ];
  const seen = new Set<string>();
  return all.filter((p) => {
    const line = formatProblem(p);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
