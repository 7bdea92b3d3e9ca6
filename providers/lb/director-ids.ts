/**
 * The names seed 002 gives the directors' pacemaker resources and constraints
 * (director-pacemaker.ts builds them), in a module of their own that imports nothing: the scripts'
 * queries (scripts/query.ts) read them without loading the providers.
 */

/** The seed's resource and constraint ids. */
export const DIRECTOR_IDS = {
  group: "GrpBalancer",
  vipcheck: "VIPCHK1",
  vip: "LB_VIP",
  ldirectord: "LDIRECTOR1",
  ping: "PINGD",
  pingClone: "PINGD-clone",
  colocation: "GrpBalancer-with-PINGD",
  order: "order-PINGD-then-GrpBalancer",
  connectivity: "location-GrpBalancer-pingd",
} as const;

/** The node attribute the ping clone sets (seed: `name=pingd_score`). */
export const PING_ATTRIBUTE = "pingd_score";
