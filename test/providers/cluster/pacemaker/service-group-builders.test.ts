/**
 * The builders of the ClusterServiceGroup provider for the default lab's service01: the pcs
 * commands, the wanted group and locations, the live state read from a CIB, and the PostgreSQL
 * initialisation script (syntax-checked, and run for real with bash against fake commands).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import {
  groupCommands,
  liveState,
  pgInitScript,
  wantedGroup,
  wantedLocations,
} from "../../../../providers/cluster/pacemaker/service-group";
import { lunDevicePath } from "../../../../providers/storage/iscsi/iscsi-initiator";
import { parseLabSpec, type ServiceGroupSpec } from "../../../../spec";
import { bashSyntaxCheck, fakeBin, logOf, removeTempDirs, runWithFakes } from "../../../support/bash";
import {
  DB_PASSWORD,
  GROUP,
  groupInputs,
  ORDERED_GROUP,
  PG_BIN,
  SERVICE01_CREATES,
} from "../../../fixtures/cluster-lab";
import { MOUNT_TOOLS, PG_TOOLS } from "../../../fixtures/fake-tools";
import {
  cib,
  CIB_CONFIGURED,
  CIB_NO_GROUP,
  CLI_PREFER_XML,
  DB_XML,
  edited,
  FS_XML,
  groupXml,
  IP_XML,
  LOCATIONS_XML,
  STONITH_XML,
  stoppedMember,
} from "../../../fixtures/pacemaker";

afterEach(removeTempDirs);

describe("ClusterServiceGroup: builders", () => {
  test("groupCommands for service01: created disabled in start order, the group left stopped, members enabled", async () => {
    expect(groupCommands(await groupInputs())).toEqual([
      ...SERVICE01_CREATES,
      ["pcs", "resource", "disable", "service01"],
      ["pcs", "resource", "enable", "service01-ip", "service01-fs", "service01-db"],
    ]);
  });

  test("wantedGroup and wantedLocations for service01", async () => {
    const inputs = await groupInputs();
    expect(wantedGroup(inputs).members).toEqual([
      {
        id: "service01-ip",
        agent: "ocf:heartbeat:IPaddr2",
        attributes: { ip: "192.168.7.99", cidr_netmask: "24" },
        meta: {},
        operations: [{ name: "monitor", interval: "10s", timeout: "60s" }],
      },
      {
        id: "service01-fs",
        agent: "ocf:heartbeat:Filesystem",
        attributes: {
          device: "localhost:/data00",
          directory: "/gldata00",
          fstype: "glusterfs",
          options: "log-level=WARNING,log-file=/var/log/gluster.log",
        },
        meta: {},
        operations: [
          { name: "start", timeout: "180s" },
          { name: "stop", timeout: "180s" },
          { name: "monitor", interval: "20s", timeout: "120s" },
        ],
      },
      {
        id: "service01-db",
        agent: "ocf:heartbeat:pgsql",
        attributes: {
          pgctl: `${PG_BIN}/pg_ctl`,
          psql: `${PG_BIN}/psql`,
          pgdata: "/gldata00/pgsql",
          config: "/gldata00/pgsql/postgresql.conf",
          pgport: "5432",
          socketdir: "/var/run/postgresql",
          start_opt: "-c recovery_init_sync_method=syncfs",
        },
        meta: {},
        operations: [
          { name: "start", timeout: "600s" },
          { name: "stop", timeout: "300s" },
          { name: "monitor", interval: "30s", timeout: "120s" },
        ],
      },
    ]);
    expect(wantedLocations(inputs)).toEqual([
      { rsc: "service01", node: "node01h", score: "200" },
      { rsc: "service01", node: "node02h", score: "100" },
    ]);
    // A restricted domain smaller than the cluster avoids the other node.
    const one = await groupInputs({ domain: { ...GROUP.domain, nodes: ["node02"] } });
    expect(wantedLocations(one)).toEqual([
      { rsc: "service01", node: "node02h", score: "100" },
      { rsc: "service01", node: "node01h", score: "-INFINITY" },
    ]);
  });

  test("liveState: the configured CIB is all true; drift shows on its own field", async () => {
    const inputs = await groupInputs();
    const all = {
      resourcesAsConfigured: true,
      membersEnabled: true,
      constraintsAsConfigured: true,
      enabled: true,
      failuresCleared: true,
    };
    expect(liveState(inputs, parseCib(CIB_CONFIGURED))).toEqual(all);
    expect(liveState(inputs, parseCib(CIB_NO_GROUP))).toBeUndefined();
    const onLive = (resources: string, constraints = LOCATIONS_XML) =>
      liveState(inputs, parseCib(cib({ resources: STONITH_XML + resources, constraints })));
    expect(onLive(groupXml([IP_XML, FS_XML]))).toEqual({ ...all, resourcesAsConfigured: false });
    expect(onLive(groupXml([FS_XML, IP_XML, DB_XML]))).toEqual({ ...all, resourcesAsConfigured: false });
    expect(onLive(groupXml([IP_XML, edited(FS_XML, 'value="/gldata00"', 'value="/mnt"'), DB_XML]))).toEqual({
      ...all,
      resourcesAsConfigured: false,
    });
    expect(onLive(groupXml([IP_XML, stoppedMember(FS_XML, "service01-fs"), DB_XML]))).toEqual({
      ...all,
      membersEnabled: false,
    });
    expect(onLive(groupXml(), LOCATIONS_XML + CLI_PREFER_XML)).toEqual(all);
    expect(onLive(groupXml(), edited(LOCATIONS_XML, 'score="200"', 'score="50"'))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    expect(onLive(groupXml(undefined, { "target-role": "Stopped", "resource-stickiness": "100" }))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    expect(onLive(groupXml(undefined, { "target-role": "Stopped" }))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    // An ordered domain wants no stickiness on the group.
    const ordered = await groupInputs({}, ORDERED_GROUP);
    expect(liveState(ordered, parseCib(CIB_CONFIGURED))).toEqual({ ...all, constraintsAsConfigured: false });
    expect(
      liveState(
        ordered,
        parseCib(
          cib({ resources: groupXml(undefined, { "target-role": "Stopped" }), constraints: LOCATIONS_XML }),
        ),
      ),
    ).toEqual(all);
    // With autostart, a stopped group is drift.
    expect(liveState(await groupInputs({ autostart: true }), parseCib(CIB_CONFIGURED))).toEqual({
      ...all,
      enabled: false,
    });
  });

  test("pgInitScript for gluster-mount: mounts localhost:/data00 only when not mounted, unmounts what it mounted", async () => {
    const script = pgInitScript(await groupInputs()) ?? "";
    expect(script).toContain(
      "mkdir -p /gldata00\nif ! mountpoint -q /gldata00; then\n" +
        "  mount -t glusterfs -o log-level=WARNING,log-file=/var/log/gluster.log localhost:/data00 /gldata00\n" +
        "  mounted=yes\nfi\n",
    );
    expect(script).toContain(`trap '[ -z "$mounted" ] || umount /gldata00' EXIT`);
    expect(script).not.toContain(DB_PASSWORD);
    bashSyntaxCheck(script);
  });

  test("pgInitScript for iscsi-filesystem: mkfs only when blkid finds no file system", async () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
    const script = pgInitScript(await groupInputs({ lunDevices: { "2": device } }, group, iscsi)) ?? "";
    expect(script).toContain(
      `blkid ${device} >/dev/null 2>&1 || mkfs.ext4 -q ${device}\n  mount ${device} /shared00`,
    );
    expect(script).toContain(`trap '[ -z "$mounted" ] || umount /shared00' EXIT`);
    bashSyntaxCheck(script);
  });

  test("pgInitScript: none without PostgreSQL; no mount without a shared file system", async () => {
    const ipOnly = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind === "ip") };
    expect(pgInitScript(await groupInputs({}, ipOnly))).toBeUndefined();
    const dbOnly = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind === "postgresql") };
    const script = pgInitScript(await groupInputs({}, dbOnly)) ?? "";
    expect(script).toContain("bash -c ");
    expect(script).not.toMatch(/mountpoint|mount -t/);
    bashSyntaxCheck(script);
  });

  describe("pgInitScript run for real against fakes", () => {
    /** The group with its shared file system and data under a temporary mount point. */
    function underRoot(root: string, group: ServiceGroupSpec): ServiceGroupSpec {
      return {
        ...group,
        resources: group.resources.map((r) =>
          r.kind === "gluster-mount" || r.kind === "iscsi-filesystem"
            ? { ...r, mountPoint: path.join(root, "mnt") }
            : r.kind === "postgresql"
              ? { ...r, dataDir: path.join(root, "mnt", "pgsql") }
              : r,
        ),
      };
    }

    test("gluster: not mounted → mounted, data initialised, unmounted last; already mounted → left alone", async () => {
      const fake = fakeBin({ ...PG_TOOLS, ...MOUNT_TOOLS }, { sandbox: true });
      const mnt = path.join(fake.root, "mnt");
      const script = pgInitScript(await groupInputs({}, underRoot(fake.root, GROUP))) ?? "";
      const r = runWithFakes(fake, script, `${DB_PASSWORD}\n`);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 0,
        stdout: "initialised\n",
        stderr: "",
      });
      const log = logOf(fake);
      expect(log.slice(0, 2)).toEqual([
        `mountpoint -q ${mnt}`,
        `mount -t glusterfs -o log-level=WARNING,log-file=/var/log/gluster.log localhost:/data00 ${mnt}`,
      ]);
      expect(log[log.length - 1]).toBe(`umount ${mnt}`);
      expect(log.filter((l) => /^runuser .*initdb -D /.test(l))).toHaveLength(1);
      expect(fs.readFileSync(path.join(fake.root, "psql.stdin"), "utf8")).toContain(
        `PASSWORD '${DB_PASSWORD}'`,
      );

      fs.writeFileSync(fake.log, "");
      const again = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_MOUNTPOINT: "0" });
      expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: "exists\n" });
      expect(logOf(fake)).toEqual([`mountpoint -q ${mnt}`]);
    });

    test("iSCSI: mkfs only when blkid finds nothing, then mount and umount", async () => {
      const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
      const fake = fakeBin({ ...PG_TOOLS, ...MOUNT_TOOLS }, { sandbox: true });
      const mnt = path.join(fake.root, "mnt");
      const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
      const group = underRoot(fake.root, iscsi.services[0] as ServiceGroupSpec);
      const script = pgInitScript(await groupInputs({ lunDevices: { "2": device } }, group, iscsi)) ?? "";

      const blank = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_BLKID: "2" });
      expect(blank.status).toBe(0);
      expect(logOf(fake).slice(0, 4)).toEqual([
        `mountpoint -q ${mnt}`,
        `blkid ${device}`,
        `mkfs.ext4 -q ${device}`,
        `mount ${device} ${mnt}`,
      ]);
      expect(logOf(fake).at(-1)).toBe(`umount ${mnt}`);

      fs.writeFileSync(fake.log, "");
      const formatted = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_BLKID: "0" });
      expect({ status: formatted.status, stdout: formatted.stdout }).toEqual({
        status: 0,
        stdout: "exists\n",
      });
      expect(logOf(fake)).toEqual([
        `mountpoint -q ${mnt}`,
        `blkid ${device}`,
        `mount ${device} ${mnt}`,
        `umount ${mnt}`,
      ]);
    });
  });
});
