import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, ServiceGroupSpec } from "../spec/types";
import { serviceVip } from "../spec/queries";
import { DB_ROLE } from "../providers/cluster/pacemaker/service-group";
import type { ServiceOutput, StackOutputs } from "../operator/outputs";
import type { HaLab } from "./ha-lab";

/** A value as the program hands it to the engine: plain, a promise or Output, or an object or list of such values. */
export type Exported<T> =
  | pulumi.Input<T>
  | (T extends readonly (infer E)[]
      ? Exported<E>[]
      : T extends object
        ? { [K in keyof T]: Exported<T[K]> }
        : never);

/** The stack outputs before the engine resolves them: the shape operator/outputs.ts reads back. */
export type ProgramOutputs = { [K in keyof StackOutputs]: Exported<StackOutputs[K]> };

/** What the outputs say of one service group (its VIP, failover domain, database). */
export function serviceOutput(group: ServiceGroupSpec): ServiceOutput {
  const vip = serviceVip(group);
  const db = group.resources.find((r) => r.kind === "postgresql");
  return {
    ...(vip !== undefined ? { vip } : {}),
    nodes: [...group.domain.nodes],
    ...(db?.kind === "postgresql" ? { database: { name: DB_ROLE, user: DB_ROLE, port: db.port } } : {}),
  };
}

/**
 * The stack outputs of a lab (see operator/outputs.ts for each field). What the lab has not built
 * is left out, not set to `undefined`: the engine warns about every undefined stack output. The
 * cluster password leaves only as a secret.
 */
export function stackOutputs(spec: LabSpec, lab: HaLab): ProgramOutputs {
  const withCluster = spec.layers === "cluster";
  return {
    labName: spec.name,
    layers: spec.layers,
    domainType: lab.domainType,
    nodeAddresses: lab.nodeAddresses,
    domainNames: lab.domainNames,
    clusterName: lab.clusterName,
    vips: lab.vips,
    ...(withCluster
      ? { services: Object.fromEntries(spec.services.map((g) => [g.name, serviceOutput(g)])) }
      : {}),
    ...(lab.clusterPassword !== undefined ? { clusterPassword: pulumi.secret(lab.clusterPassword) } : {}),
    storage: {
      ...(lab.iscsi
        ? { iscsi: { iqn: lab.iscsi.iqn, portal: lab.iscsi.portal, devices: lab.iscsi.devices } }
        : {}),
      ...(lab.gluster
        ? {
            gluster: {
              volume: lab.gluster.volume,
              bricks: lab.gluster.bricks,
              mountPoint: lab.gluster.mountPoint,
            },
          }
        : {}),
    },
  };
}
