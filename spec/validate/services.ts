/** Checks of the service groups: names, failover domains, resources and their references and order. */
import { Problems, type Problem } from "../problems";
import type { LabConfig } from "../schema";
import type { LabSpec, ServiceGroupSpec } from "../types";
import {
  QUOTED,
  checkHostAddress,
  checkResourceId,
  duplicateFields,
  duplicates,
  networkInfos,
  type NetworkInfo,
} from "./common";
import { checkLabPath, within } from "./paths";

/** A mount point of a group, the index of its resource, and whether the path is usable at all. */
interface Mount {
  mountPoint: string;
  index: number;
  usable: boolean;
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
  out.add(
    ...checkResourceId(
      `${rp}.name`,
      r.name,
      "resource name",
      `service01-${r.kind === "ip" ? "ip" : r.kind === "postgresql" ? "db" : "fs"}`,
    ),
  );
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
      mounts.push(mount(r.mountPoint, j, "/gldata00"));
      // The lab's mount point itself (the default) is checked at gluster.mountPoint.
      if (!(spec.gluster.enabled && r.mountPoint === spec.gluster.mountPoint)) {
        out.add(...checkLabPath(`${rp}.mountPoint`, r.mountPoint, "mount point", "mount", "/gldata00"));
      }
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
      mounts.push(mount(r.mountPoint, j, "/shared00"));
      out.add(...checkLabPath(`${rp}.mountPoint`, r.mountPoint, "mount point", "mount", "/shared00"));
      break;
    }
    case "postgresql": {
      // A directory on a mount that is itself unusable is that mount's problem (reported there).
      if (mounts.some((m) => !m.usable && within(r.dataDir, m.mountPoint))) break;
      const home = mounts.find((m) => m.usable);
      const example = home !== undefined ? `${home.mountPoint}/pgsql` : "/var/lib/postgresql/lab";
      out.add(...checkLabPath(`${rp}.dataDir`, r.dataDir, "data directory", "directory", example));
      break;
    }
  }
  return out.list;
}

/** A group's mount at resource `index`; `usable` when the mount point passes the path checks. */
function mount(mountPoint: string, index: number, example: string): Mount {
  const usable = checkLabPath("", mountPoint, "mount point", "mount", example).length === 0;
  return { mountPoint, index, usable };
}

/** PostgreSQL resources of a group must live on one of its mounts, listed after it. */
function checkDataDirs(g: ServiceGroupSpec, p: string, mounts: readonly Mount[]): Problem[] {
  const out = new Problems();
  g.resources.forEach((r, j) => {
    if (r.kind !== "postgresql" || mounts.length === 0) return;
    const home = mounts.find((m) => within(r.dataDir, m.mountPoint));
    if (!home) {
      out.add({
        path: `${p}.resources[${j}].dataDir`,
        problem: `data directory ${r.dataDir} is not on the group's shared file system (${mounts.map((m) => m.mountPoint).join(", ")})`,
        fix: `put it under ${mounts[0].mountPoint} (e.g. ${mounts[0].mountPoint}/pgsql) or leave dataDir out`,
      });
    } else if (r.dataDir === home.mountPoint) {
      out.add({
        path: `${p}.resources[${j}].dataDir`,
        problem: `data directory ${r.dataDir} is the mount point itself: PostgreSQL needs an empty directory of its own, and a file system's root is not one (ext4 keeps lost+found there)`,
        fix: `use a directory inside it (e.g. ${home.mountPoint}/pgsql), or leave dataDir out`,
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
  out.add(
    ...checkResourceId(`${p}.name`, g.name, "service group name", `service${String(i + 1).padStart(2, "0")}`),
  );
  out.add(
    ...checkResourceId(
      `${p}.domain.name`,
      g.domain.name,
      "failover domain name",
      `dom${String(i + 1).padStart(2, "0")}`,
    ),
  );
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

/** What only the user's config shows: an `ip` resource's `/nn` and its `cidrNetmask` disagreeing. */
export function checkServiceConfig(config: LabConfig): Problem[] {
  const out = new Problems();
  (config.services ?? []).forEach((g, i) =>
    g.resources.forEach((r, j) => {
      if (r.kind !== "ip" || r.cidrNetmask === undefined) return;
      const suffix = /\/([0-9]{1,2})$/.exec(r.address)?.[1];
      out.need(
        suffix === undefined || Number(suffix) === r.cidrNetmask,
        `services[${i}].resources[${j}].cidrNetmask`,
        `/${r.cidrNetmask} differs from the address's own /${suffix} (${r.address})`,
        `give the netmask once: in the address or in cidrNetmask (e.g. address: ${r.address.split("/")[0]}, cidrNetmask: ${suffix})`,
      );
    }),
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
  const fileSystems = spec.services.flatMap((g, i) =>
    g.resources.flatMap((r, j) =>
      r.kind === "iscsi-filesystem" ? [{ lun: r.lun, path: `services[${i}].resources[${j}].lun` }] : [],
    ),
  );
  out.add(
    ...duplicates(
      fileSystems,
      (x) => String(x.lun),
      (k) => fileSystems[k].path,
      "iSCSI LUN",
      "give every file system a LUN of its own: two mounts of one ext4/xfs LUN destroy it",
    ),
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
