/** Checks of the service groups: names, failover domains, resources and their references and order. */
import { Problems, type Problem } from "../problems";
import type { LabSpec, ServiceGroupSpec } from "../types";
import {
  QUOTED,
  checkAbsolutePath,
  checkHostAddress,
  checkResourceId,
  duplicateFields,
  duplicates,
  networkInfos,
  type NetworkInfo,
} from "./common";

/** A mount point of a group and the index of its resource. */
interface Mount {
  mountPoint: string;
  index: number;
}

/** One resource of a group: its name and kind-specific fields; records the group's mounts. */
function checkResource(
  spec: LabSpec,
  infos: Map<string, NetworkInfo>,
  r: ServiceGroupSpec["resources"][number],
  rp: string,
  j: number,
  mounts: Mount[],
): Problem[] {
  const out = new Problems();
  out.add(...checkResourceId(`${rp}.name`, r.name, "resource name"));
  switch (r.kind) {
    case "ip": {
      const info = infos.get(r.network);
      if (!info) {
        out.add({
          path: `${rp}.network`,
          problem: `no network named ${QUOTED(r.network)}`,
          fix: `use one of ${spec.networks.map((n) => n.name).join(", ")} (the VIP belongs on the service network)`,
        });
        break;
      }
      out.add(...checkHostAddress(`${rp}.address`, r.address, info, "service IP"));
      if (info.cidr && r.cidrNetmask !== info.cidr.prefix) {
        out.add({
          path: `${rp}.cidrNetmask`,
          problem: `netmask /${r.cidrNetmask} differs from network ${info.net.name} (${info.net.cidr})`,
          fix: `use /${info.cidr.prefix} or leave cidrNetmask out`,
        });
      }
      break;
    }
    case "gluster-mount":
      if (!spec.gluster.enabled || r.volume !== spec.gluster.volume) {
        out.add({
          path: `${rp}.volume`,
          problem: spec.gluster.enabled
            ? `volume ${QUOTED(r.volume)} is not the lab's GlusterFS volume (${spec.gluster.volume})`
            : "GlusterFS is disabled (gluster.enabled: false)",
          fix: spec.gluster.enabled
            ? `use ${spec.gluster.volume} or leave volume out`
            : "set gluster.enabled: true, or remove this resource",
        });
      }
      out.add(...checkAbsolutePath(`${rp}.mountPoint`, r.mountPoint, "mount point"));
      mounts.push({ mountPoint: r.mountPoint, index: j });
      break;
    case "iscsi-filesystem": {
      const lun = spec.iscsi.luns.find((l) => l.id === r.lun);
      if (!spec.iscsi.enabled) {
        out.add({
          path: `${rp}.lun`,
          problem: "iSCSI is disabled (iscsi.enabled: false)",
          fix: "set iscsi.enabled: true, or remove this resource",
        });
      } else if (!lun) {
        out.add({
          path: `${rp}.lun`,
          problem: `no iSCSI LUN with id ${r.lun}`,
          fix: `use one of the LUN ids ${spec.iscsi.luns.map((l) => l.id).join(", ")}`,
        });
      } else {
        out.need(
          lun.purpose !== "quorum",
          `${rp}.lun`,
          `LUN ${r.lun} is the quorum LUN`,
          "use a LUN with purpose data",
        );
      }
      out.add(...checkAbsolutePath(`${rp}.mountPoint`, r.mountPoint, "mount point"));
      mounts.push({ mountPoint: r.mountPoint, index: j });
      break;
    }
    case "postgresql":
      out.add(...checkAbsolutePath(`${rp}.dataDir`, r.dataDir, "data directory"));
      break;
  }
  return out.list;
}

/** PostgreSQL resources of a group must live on one of its mounts, listed after it. */
function checkDataDirs(g: ServiceGroupSpec, p: string, mounts: readonly Mount[]): Problem[] {
  const out = new Problems();
  g.resources.forEach((r, j) => {
    if (r.kind !== "postgresql" || mounts.length === 0) return;
    const home = mounts.find((m) => r.dataDir === m.mountPoint || r.dataDir.startsWith(`${m.mountPoint}/`));
    if (!home) {
      out.add({
        path: `${p}.resources[${j}].dataDir`,
        problem: `data directory ${r.dataDir} is not on the group's shared file system (${mounts.map((m) => m.mountPoint).join(", ")})`,
        fix: `put it under ${mounts[0].mountPoint} (e.g. ${mounts[0].mountPoint}/pgsql) or leave dataDir out`,
      });
    } else {
      out.need(
        home.index <= j,
        `${p}.resources[${j}]`,
        `PostgreSQL starts before the file system it lives on (resources[${home.index}])`,
        "list the mount before the database: resources start in the order given",
      );
    }
  });
  return out.list;
}

/** One service group: names, failover domain, resources. */
function checkGroup(
  spec: LabSpec,
  infos: Map<string, NetworkInfo>,
  g: ServiceGroupSpec,
  i: number,
): Problem[] {
  const out = new Problems();
  const nodeNames = spec.nodes.map((n) => n.name);
  const p = `services[${i}]`;
  out.add(...checkResourceId(`${p}.name`, g.name, "service group name"));
  out.add(...checkResourceId(`${p}.domain.name`, g.domain.name, "failover domain name"));
  out.need(
    g.domain.nodes.length > 0,
    `${p}.domain.nodes`,
    "the failover domain has no nodes",
    `list the nodes in priority order (e.g. [${nodeNames.join(", ")}]) or leave nodes out`,
  );
  g.domain.nodes.forEach((n, k) => {
    out.need(
      nodeNames.includes(n),
      `${p}.domain.nodes[${k}]`,
      `no node named ${QUOTED(n)}`,
      `use one of ${nodeNames.join(", ")}`,
    );
  });
  out.add(
    ...duplicates(
      g.domain.nodes,
      (n) => n,
      (k) => `${p}.domain.nodes[${k}]`,
      "domain node",
      "list every node at most once",
    ),
  );
  const mounts: Mount[] = [];
  g.resources.forEach((r, j) => out.add(...checkResource(spec, infos, r, `${p}.resources[${j}]`, j, mounts)));
  out.add(
    ...duplicates(
      mounts,
      (m) => m.mountPoint,
      (k) => `${p}.resources[${mounts[k].index}].mountPoint`,
      "mount point",
      "mount each file system on its own directory",
    ),
    ...checkDataDirs(g, p, mounts),
  );
  return out.list;
}

/** Service groups: names, failover domains, resources and their references and order. */
export function checkServices(spec: LabSpec): Problem[] {
  const out = new Problems();
  const infos = networkInfos(spec);
  spec.services.forEach((g, i) => out.add(...checkGroup(spec, infos, g, i)));
  out.add(
    ...duplicateFields(spec.services, "services", [
      ["name", "service group name", "give every service group a unique name"],
    ]),
  );
  const resourceIds = spec.services.flatMap((g, i) =>
    g.resources.map((r, j) => ({ id: r.name, path: `services[${i}].resources[${j}].name` })),
  );
  const groupNames = new Set(spec.services.map((g) => g.name));
  out.add(
    ...duplicates(
      resourceIds,
      (x) => x.id,
      (k) => resourceIds[k].path,
      "resource name",
      "give every resource a unique name (set name on one of them)",
    ),
  );
  for (const x of resourceIds) {
    out.need(
      !groupNames.has(x.id),
      x.path,
      `resource name ${QUOTED(x.id)} is also a service group name`,
      "rename the resource: groups and resources share one id space",
    );
  }
  const domains = new Map<string, { json: string; index: number }>();
  spec.services.forEach((g, i) => {
    const json = JSON.stringify(g.domain);
    const seen = domains.get(g.domain.name);
    if (!seen) domains.set(g.domain.name, { json, index: i });
    else {
      out.need(
        seen.json === json,
        `services[${i}].domain`,
        `failover domain ${QUOTED(g.domain.name)} is defined differently in services[${seen.index}]`,
        "give this domain another name, or make both definitions equal",
      );
    }
  });
  return out.list;
}
