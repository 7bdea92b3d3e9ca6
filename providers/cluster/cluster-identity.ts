/**
 * The identity of the cluster a resource lives in, as an input of the kinds whose things live in
 * the cluster's CIB (the STONITH device, a service group, the load balancer's resources): PcsCluster's
 * `clusterUuid`, which changes only when the cluster is set up again. Their reads report nothing
 * while the cluster is down; when the same run repairs the cluster by setting it up again, the new
 * identity is a change of this input, so the dependent is updated in that run and its update
 * converges it in the new CIB (a preview, where the cluster's update has no outputs yet, shows it
 * as a possible update). A plain refresh and a settings-only update keep the identity.
 */
import { z } from "zod";

/** The schema field: the parent cluster's identity (empty where the cluster has none, e.g. cman). */
export function clusterUuidField() {
  return z.string().default("");
}
