/**
 * /etc/cluster/cluster.conf of a RHEL 6 cman + rgmanager cluster (seeds 000/001), one entry point
 * for its modules: the input (cluster-conf-input.ts), its checks (cluster-conf-validate.ts), the
 * renderer (cluster-conf-render.ts), the input of the lab model (cluster-conf-model.ts) and
 * config_version (config-version.ts).
 */
export {
  CLUSTER_CONF_PATH,
  GLMOUNT_SCRIPT,
  POSTGRESQL_SCRIPT,
  UNVERSIONED,
  type ClusterConfFailoverDomain,
  type ClusterConfFence,
  type ClusterConfFenceDevice,
  type ClusterConfInput,
  type ClusterConfNode,
  type ClusterConfResource,
  type ClusterConfService,
} from "./cluster-conf-input";
export { renderClusterConf } from "./cluster-conf-render";
export { clusterConfFromModel, nestInStartOrder, type ClusterConfModel } from "./cluster-conf-model";
export { configVersionOf, nextConfigVersion, setConfigVersion } from "./config-version";
