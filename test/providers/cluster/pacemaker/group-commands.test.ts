/**
 * Tests of the service group builders (providers/cluster/pacemaker/group-commands.ts) for pcs 0.11.5
 * and resource-agents 4.12.
 *
 * Sources: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (resource create --group --disabled),
 * pcs/lib/cib/resource/common.py find_resources_to_enable (enabling a group does not enable its
 * members); ClusterLabs/resource-agents heartbeat/pgsql (pgctl, psql, pgdata, config, pgport) and
 * heartbeat/Filesystem (device, directory, fstype, options; glusterfs handled as a network fs).
 */
import { parseLabSpec } from "../../../../spec";
import type { ServiceGroupSpec } from "../../../../spec/types";
import {
  groupRebuildRemoval,
  groupResources,
  pcsResourceId,
  resourceDeleteScript,
  type PcsGroupContext,
} from "../../../../providers/cluster/pacemaker/group-commands";
import { groupCreateArgv } from "../../../../providers/cluster/pacemaker/pcs-resource";
import { devGroup, GLUSTER_OPTIONS } from "./fixtures";

/** The pcs commands that create `group`, as ClusterServiceGroup builds them. */
const createCommands = (group: ServiceGroupSpec, ctx: PcsGroupContext = {}): string[][] =>
  groupCreateArgv(groupResources(group, ctx), group.autostart);

describe("pcs service group", () => {
  it("creates the default lab's service01: VIP, GlusterFS mount, PostgreSQL 15, left stopped", () => {
    expect(createCommands(devGroup, { glusterMountOptions: GLUSTER_OPTIONS })).toEqual([
      [
        "pcs",
        "resource",
        "create",
        "service01-ip",
        "ocf:heartbeat:IPaddr2",
        "ip=192.168.7.99",
        "cidr_netmask=24",
        "op",
        "monitor",
        "interval=10s",
        "timeout=60s",
        "--group",
        "service01",
        "--disabled",
      ],
      [
        "pcs",
        "resource",
        "create",
        "service01-fs",
        "ocf:heartbeat:Filesystem",
        "device=localhost:/data00",
        "directory=/gldata00",
        "fstype=glusterfs",
        "options=log-level=WARNING,log-file=/var/log/gluster.log",
        "op",
        "start",
        "timeout=180s",
        "op",
        "stop",
        "timeout=180s",
        "op",
        "monitor",
        "interval=20s",
        "timeout=120s",
        "--group",
        "service01",
        "--disabled",
      ],
      [
        "pcs",
        "resource",
        "create",
        "service01-db",
        "ocf:heartbeat:pgsql",
        "pgctl=/usr/lib/postgresql/15/bin/pg_ctl",
        "psql=/usr/lib/postgresql/15/bin/psql",
        "pgdata=/gldata00/pgsql",
        "config=/gldata00/pgsql/postgresql.conf",
        "pgport=5432",
        "socketdir=/var/run/postgresql",
        "start_opt=-c recovery_init_sync_method=syncfs",
        "op",
        "start",
        "timeout=600s",
        "op",
        "stop",
        "timeout=300s",
        "op",
        "monitor",
        "interval=30s",
        "timeout=120s",
        "--group",
        "service01",
        "--disabled",
      ],
      ["pcs", "resource", "disable", "service01"],
      ["pcs", "resource", "enable", "service01-ip", "service01-fs", "service01-db"],
    ]);
  });

  it("starts an autostart group as soon as its members are enabled", () => {
    const commands = createCommands(
      { ...devGroup, autostart: true },
      { glusterMountOptions: GLUSTER_OPTIONS },
    );
    expect(commands.map((argv) => argv.slice(0, 4).join(" "))).toEqual([
      "pcs resource create service01-ip",
      "pcs resource create service01-fs",
      "pcs resource create service01-db",
      "pcs resource enable service01-ip",
    ]);
  });

  it("mounts the iSCSI data LUN's device when the lab has no GlusterFS", () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device =
      "/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:dev-tgt01-lun-2";
    const commands = createCommands(group, { lunDevices: { "2": device } });
    expect(commands[1]).toEqual([
      "pcs",
      "resource",
      "create",
      "service01-fs",
      "ocf:heartbeat:Filesystem",
      `device=${device}`,
      "directory=/shared00",
      "fstype=ext4",
      "op",
      "start",
      "timeout=180s",
      "op",
      "stop",
      "timeout=180s",
      "op",
      "monitor",
      "interval=20s",
      "timeout=120s",
      "--group",
      "service01",
      "--disabled",
    ]);
    expect(commands[2]).toContain("pgdata=/shared00/pgsql");
    expect(() => createCommands(group, {})).toThrow(
      /resources\[1\]\.lun: no device is known for iSCSI LUN 2 \(lunDevices has none\)/,
    );
  });

  it("prefixes resource ids with the group unless they already are", () => {
    expect(pcsResourceId("service01", { name: "service01-ip" })).toBe("service01-ip");
    expect(pcsResourceId("service01", { name: "vip" })).toBe("service01-vip");
    const twice: ServiceGroupSpec = {
      ...devGroup,
      resources: [
        {
          kind: "ip",
          name: "vip",
          address: "192.168.7.99",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
        {
          kind: "ip",
          name: "service01-vip",
          address: "192.168.7.98",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
      ],
    };
    expect(() => createCommands(twice)).toThrow(
      /resources\[1\]\.name: the resource id "service01-vip" is used twice/,
    );
  });

  it("lists every problem of a group at once", () => {
    const bad: ServiceGroupSpec = {
      ...devGroup,
      resources: [
        {
          kind: "ip",
          name: "ip",
          address: "192.168.7.999",
          cidrNetmask: 33,
          network: "service",
          monitorLink: true,
        },
        { kind: "postgresql", name: "db", dataDir: "pgsql", port: 70000 },
      ],
    };
    expect(() => createCommands(bad)).toThrow(
      [
        "pcs service group service01:",
        '  - resources[0].address: "192.168.7.999" is not an IPv4 address. Fix: give the service address without a prefix (e.g. 192.168.7.99)',
        "  - resources[0].cidrNetmask: 33 is not a prefix length. Fix: use 1…32 (the service network's prefix, e.g. 24)",
        '  - resources[1].dataDir: "pgsql" is not an absolute path without blanks. Fix: use e.g. /gldata00/pgsql',
        "  - resources[1].port: 70000 is not a TCP port. Fix: use e.g. 5432",
      ].join("\n"),
    );
  });
});

describe("groupResources", () => {
  it("describes service01 as members in start order with their agents, attributes and operations", () => {
    const group = groupResources(devGroup, { glusterMountOptions: GLUSTER_OPTIONS });
    expect(group.id).toBe("service01");
    expect(group.meta).toEqual({ "resource-stickiness": "1000" });
    expect(group.members.map((m) => [m.id, m.agent])).toEqual([
      ["service01-ip", "ocf:heartbeat:IPaddr2"],
      ["service01-fs", "ocf:heartbeat:Filesystem"],
      ["service01-db", "ocf:heartbeat:pgsql"],
    ]);
    expect(group.members[0]).toEqual({
      id: "service01-ip",
      agent: "ocf:heartbeat:IPaddr2",
      attributes: { ip: "192.168.7.99", cidr_netmask: "24" },
      meta: {},
      operations: [{ name: "monitor", interval: "10s", timeout: "60s" }],
    });
    expect(group.members[2]?.operations).toEqual([
      { name: "start", timeout: "600s" },
      { name: "stop", timeout: "300s" },
      { name: "monitor", interval: "30s", timeout: "120s" },
    ]);
    expect(groupResources({ ...devGroup, stickiness: undefined }).meta).toEqual({});
  });
});

describe("removing groups and resources", () => {
  it("stops a group to be built again, waiting for it, then deletes it", () => {
    expect(groupRebuildRemoval("service01")).toBe(
      "pcs resource disable service01 --wait=300 >/dev/null\npcs resource delete service01 --force >/dev/null",
    );
  });

  it("deletes resources one by one, a failure being the script's (the caller found them in the CIB)", () => {
    expect(resourceDeleteScript(["GrpBalancer", "PINGD-clone"])).toBe(
      "pcs resource delete GrpBalancer --force >/dev/null\n" +
        "pcs resource delete PINGD-clone --force >/dev/null",
    );
    expect(resourceDeleteScript(["a b"])).toBe("pcs resource delete 'a b' --force >/dev/null");
  });
});
