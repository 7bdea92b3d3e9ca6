/**
 * The ClusterServiceGroup provider for the default lab's service01 against the fake lab
 * (test/support/fake-lab.ts), driven as the engine drives it: check → create,
 * read → diff → update, delete. The nodes answer with the CIBs of test/fixtures/pacemaker.ts.
 */
import { byDefault, forget, inTurn, lab, on } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { shellJoin } from "../../../../providers/exec/ssh";
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import {
  groupCommands,
  memberUpdates,
  pgInitScript,
  pgPlaceOf,
  serviceGroupProvider,
} from "../../../../providers/cluster/pacemaker/service-group";
import { lunDevicePath } from "../../../../providers/storage/iscsi/iscsi-initiator";
import { pgConfBlock } from "../../../../providers/cluster/pacemaker/pg-init";
import { pgProbeScript, pgRepairScript } from "../../../../providers/cluster/pacemaker/pg-state";
import { parseLabSpec, type ServiceGroupSpec } from "../../../../spec";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  NO_DIFF,
  refreshDiff,
} from "../../../support/provider-driver";
import { batches, callsOf, steps } from "../../../support/pacemaker-calls";
import { failCountStatus } from "../../../fixtures/pacemaker-xml";
import {
  DB_PASSWORD,
  GROUP,
  groupInputs,
  groupRaw,
  N1,
  N2,
  NO_STICKINESS,
  NODE_OF,
  ORDERED_GROUP,
  PREFERS,
  STICKINESS,
} from "../../../fixtures/cluster-lab";
import {
  cib,
  CIB_CONFIGURED,
  CIB_GROUP_ONLY,
  CIB_NO_GROUP,
  CIB_QUERY,
  CLI_PREFER_XML,
  DB_XML,
  edited,
  FS_XML,
  groupXml,
  IP_XML,
  LOCATIONS_XML,
  READ_CIB,
  STONITH_XML,
  stoppedMember,
} from "../../../fixtures/pacemaker";

/** The read's PostgreSQL probe (pg-state.ts, run for real in pg-state.test.ts) and the repair. */
const PG_STATE = /SHOW data_directory[\s\S]*== login/;
const PG_REPAIR = /\necho repaired$/;

/** What the probe prints where PostgreSQL runs as pg-init left it, with these differences. */
function pgStateOut(p: { port?: number; login?: boolean } = {}): string {
  const settings = pgConfBlock(p.port ?? 5432)
    .split("\n")
    .slice(1);
  return [
    "== conf",
    ...settings,
    "== hba",
    "1",
    "== objects",
    "role 1",
    "database 1",
    "== login",
    p.login === false ? "no" : "yes",
    "",
  ].join("\n");
}

/**
 * The node's usual answers: the PostgreSQL init (run for real in pg-init.test.ts and
 * service-group-builders.test.ts) initialises, the pcs batches and the group's removal succeed.
 */
beforeEach(() => {
  byDefault(/PG_VERSION/, { stdout: "initialised\n" });
  byDefault(PG_STATE, { stdout: pgStateOut() });
  byDefault(/^set -e\npcs /, {});
  byDefault(/^pcs resource (disable service01 --wait=300 >\/dev\/null\npcs resource )?delete service01 /, {});
});

describe("ClusterServiceGroup: create", () => {
  test("a CIB without the group: PostgreSQL init (password on stdin), the pcs creates, then constraints and stickiness", async () => {
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    on(/PG_VERSION/, { stdout: "initialised\n" });
    const inputs = await groupInputs();
    const { id, outs } = await serviceGroupProvider.create(inputs as unknown as Props);
    expect(id).toBe("service01");
    expect(outs.groupId).toBe("service01");
    expect(steps()).toEqual(["node01 cib", "node01 pg-init", "node01 batch", "node01 cib", "node01 batch"]);
    expect(lab.connects).toEqual([N1]);
    const init = callsOf("pg-init")[0];
    expect(init?.script).toBe(pgInitScript(inputs));
    expect(init?.opts.stdin).toBe(`${DB_PASSWORD}\n`);
    expect(init?.opts.sensitive).toEqual([DB_PASSWORD]);
    for (const call of lab.calls) expect(call.script).not.toContain(DB_PASSWORD);
    const others = lab.calls.filter((c) => c !== init);
    expect(others.map((c) => String(c.opts.stdin ?? ""))).toEqual(others.map(() => ""));
    expect(batches()).toEqual([
      [...groupCommands(inputs).map((c) => shellJoin(c)), "pcs resource cleanup service01"],
      [PREFERS, STICKINESS],
    ]);
  });

  test("an ordered domain (no stickiness): the constraints batch removes the group's stickiness", async () => {
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    await serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw({}, ORDERED_GROUP)));
    expect(batches()[1]).toEqual([PREFERS, NO_STICKINESS]);
  });

  test("the iSCSI lab: the LUN's device in the Filesystem resource, stickiness 1000", async () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    await serviceGroupProvider.create(
      await checked(serviceGroupProvider, groupRaw({ lunDevices: { "2": device } }, group, iscsi)),
    );
    expect(batches()[0]?.[1]).toBe(
      `pcs resource create service01-fs ocf:heartbeat:Filesystem device=${device} directory=/shared00 fstype=ext4 op start timeout=180s op stop timeout=180s op monitor interval=20s timeout=120s --group service01 --disabled`,
    );
    expect(batches()[1]).toEqual([PREFERS, STICKINESS]);
  });

  test("the init script fails: the error names the node, the password is redacted, nothing is created", async () => {
    on(CIB_QUERY, { stdout: CIB_NO_GROUP });
    on(/PG_VERSION/, { code: 65, stderr: `kvmlab: psql: password ${DB_PASSWORD} rejected\n` });
    const err = await failureOf(serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw())));
    expect(err.message).toBe(
      'ClusterServiceGroup "dev-svc-service01-group": create failed: on 192.168.8.121: psql: password *** rejected',
    );
    expect(batches()).toEqual([]);
  });

  test("no PostgreSQL in the group: no init script", async () => {
    const noDb = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind !== "postgresql") };
    const created = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]) });
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: created }));
    await serviceGroupProvider.create(
      await checked(serviceGroupProvider, groupRaw({ dbPassword: "" }, noDb)),
    );
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib", "node01 batch"]);
  });

  test("cman stack: nothing runs (create, read, update, delete)", async () => {
    const inputs = await checked(serviceGroupProvider, groupRaw({ stack: "cman" }));
    const { outs } = await serviceGroupProvider.create(inputs);
    expect(outs.groupId).toBe("service01");
    const read = await serviceGroupProvider.read("service01", outs);
    expect(read).toEqual({ id: "service01", props: outs });
    await serviceGroupProvider.update("service01", outs, inputs);
    await serviceGroupProvider.delete("service01", outs);
    expect(lab.connects).toEqual([]);
    expect(lab.calls).toEqual([]);
  });
});

describe("ClusterServiceGroup: read, diff, update, delete", () => {
  async function createdGroup(extra: Props = {}): Promise<Props> {
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    const { outs } = await serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw(extra)));
    forget();
    return outs;
  }

  /** read → diff on `live`, then update with `cibs` answered in turn; returns the read props. */
  async function driftThenUpdate(olds: Props, live: string, cibs: string[], news?: Props): Promise<Props> {
    on(READ_CIB, { stdout: `== cib\n${live}` });
    const wanted = news ?? (await checked(serviceGroupProvider, groupRaw()));
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, wanted);
    expect(diff).toEqual(IN_PLACE);
    forget();
    on(CIB_QUERY, inTurn(...cibs.map((stdout) => ({ stdout }))));
    on(/PG_VERSION/, { stdout: "exists\n" });
    await serviceGroupProvider.update("service01", props, wanted);
    return props;
  }

  test("healthy: the CIB as configured → no diff; an existing group is not re-initialised or re-created", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: `== cib\n${CIB_CONFIGURED}` });
    const news = await checked(serviceGroupProvider, groupRaw());
    const { diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(diff).toEqual(NO_DIFF);
    expect(steps()).toEqual(["node01 read-cib", "node01 pg-state"]);
    forget();
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    await serviceGroupProvider.update("service01", olds, await checked(serviceGroupProvider, groupRaw()));
    expect(steps()).toEqual(["node01 cib", "node01 cib"]);
  });

  test("no CIB answered (the cluster destroyed) → verified false, an update; the update, after the cluster's, creates the group in the live CIB", async () => {
    const olds = await createdGroup();
    // The refresh ran while the cluster was destroyed: no member answers with a CIB.
    on(READ_CIB, { stdout: "== cib\n" });
    const news = await checked(serviceGroupProvider, groupRaw());
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(props).toMatchObject({ verified: false, resourcesAsConfigured: true });
    expect(diff).toEqual(IN_PLACE);
    // The cluster's update set it up again with an empty CIB: the group's update creates it there.
    forget();
    on(CIB_QUERY, inTurn({ stdout: cib({ resources: "" }) }, { stdout: CIB_GROUP_ONLY }));
    on(/PG_VERSION/, { stdout: "exists\n" });
    const { outs } = await serviceGroupProvider.update("service01", props, news);
    expect(steps()).toEqual(["node01 cib", "node01 pg-init", "node01 batch", "node01 cib", "node01 batch"]);
    expect(batches()[0]).toEqual([
      ...groupCommands(await groupInputs()).map((c) => shellJoin(c)),
      "pcs resource cleanup service01",
    ]);
    // Verified again: the next refresh that sees the group as configured shows no change.
    expect(outs.verified).toBe(true);
    forget();
    on(READ_CIB, { stdout: `== cib\n${CIB_CONFIGURED}` });
    expect((await refreshDiff(serviceGroupProvider, "service01", outs, news)).diff).toEqual(NO_DIFF);
  });

  test("node01 has no CIB (pacemaker stopped): read takes node02's", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: "== cib\n" }, N1);
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    on(READ_CIB, { stdout: `== cib\n${missing}` }, N2);
    const read = await serviceGroupProvider.read("service01", olds);
    expect(steps()).toEqual(["node01 read-cib", "node02 read-cib", "node01 pg-state"]);
    expect(read.props).toMatchObject({ resourcesAsConfigured: false });
  });

  test("the group deleted out of band → the resource is gone", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: `== cib\n${CIB_NO_GROUP}` });
    expect(await serviceGroupProvider.read("service01", olds)).toEqual({ id: "", props: {} });
  });

  test("a member missing → resourcesAsConfigured false → the update deletes and re-creates the group", async () => {
    const olds = await createdGroup();
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    const props = await driftThenUpdate(olds, missing, [missing, CIB_NO_GROUP, CIB_GROUP_ONLY]);
    expect(props.resourcesAsConfigured).toBe(false);
    expect(steps()).toEqual([
      "node01 cib",
      "node01 delete-group",
      "node01 cib",
      "node01 pg-init",
      "node01 batch",
      "node01 cib",
      "node01 batch",
    ]);
    // Stopped and waited for before the delete: no file system stays mounted elsewhere.
    expect(callsOf("delete-group")[0]?.script).toBe(
      "pcs resource disable service01 --wait=300 >/dev/null\npcs resource delete service01 --force >/dev/null",
    );
    const inputs = await groupInputs();
    expect(batches()).toEqual([
      [...groupCommands(inputs).map((c) => shellJoin(c)), "pcs resource cleanup service01"],
      [PREFERS, STICKINESS],
    ]);
  });

  test("a member's parameter and timeout changed → updated in place with pcs resource update, the group kept", async () => {
    const olds = await createdGroup();
    const oldDb = DB_XML.replace(/\n.*name="start_opt".*/, "").replace('timeout="600s"', 'timeout="120s"');
    const changed = cib({
      resources: STONITH_XML + groupXml([IP_XML, FS_XML, oldDb]),
      constraints: LOCATIONS_XML,
    });
    const props = await driftThenUpdate(olds, changed, [changed, CIB_CONFIGURED, CIB_CONFIGURED]);
    expect(props.resourcesAsConfigured).toBe(false);
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib", "node01 cib"]);
    const inputs = await groupInputs();
    // The same parameters and operations as the member's create command, as one update.
    const create = groupCommands(inputs).find((c) => c[2] === "create" && c[3] === "service01-db") ?? [];
    expect(create.join(" ")).toContain("start_opt=-c recovery_init_sync_method=syncfs op start timeout=600s");
    expect(memberUpdates(inputs, parseCib(changed))).toEqual([
      ["pcs", "resource", "update", "service01-db", ...create.slice(5, create.indexOf("--group"))],
    ]);
    expect(batches()).toEqual([memberUpdates(inputs, parseCib(changed))?.map((c) => shellJoin(c))]);
    // A member missing is not an in-place update.
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    expect(memberUpdates(inputs, parseCib(missing))).toBeUndefined();
    expect(memberUpdates(inputs, parseCib(CIB_CONFIGURED))).toEqual([]);
  });

  test("a member with target-role Stopped → membersEnabled false → pcs resource enable <member>", async () => {
    const olds = await createdGroup();
    const stopped = cib({
      resources: STONITH_XML + groupXml([IP_XML, stoppedMember(FS_XML, "service01-fs"), DB_XML]),
      constraints: LOCATIONS_XML,
    });
    const props = await driftThenUpdate(olds, stopped, [stopped, CIB_CONFIGURED]);
    expect(props.membersEnabled).toBe(false);
    expect(batches()).toEqual([["pcs resource enable service01-fs"]]);
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib"]);
  });

  test("PostgreSQL's port line edited and the role's password changed where it runs, node02 (P18, S5) → databaseCurrent and dbPasswordCurrent false → repaired in place there, the secret on stdin only", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: `== cib\n${CIB_CONFIGURED}` });
    on(PG_STATE, { stdout: "not-here\n" }, N1);
    on(PG_STATE, { stdout: pgStateOut({ port: 5433, login: false }) }, N2);
    const news = await checked(serviceGroupProvider, groupRaw());
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(props).toMatchObject({
      databaseCurrent: false,
      dbPasswordCurrent: false,
      resourcesAsConfigured: true,
    });
    expect(diff).toEqual(IN_PLACE);
    expect(steps()).toEqual(["node01 read-cib", "node01 pg-state", "node02 pg-state"]);

    forget();
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    on(PG_REPAIR, { stdout: "not-here\n" }, N1);
    on(PG_REPAIR, { stdout: "repaired\n" }, N2);
    await serviceGroupProvider.update("service01", props, news);
    expect(steps()).toEqual(["node01 cib", "node01 cib", "node01 pg-repair", "node02 pg-repair"]);
    const inputs = await groupInputs();
    const place = pgPlaceOf(inputs);
    expect(place).toEqual({
      dataDir: "/gldata00/pgsql",
      port: 5432,
      clientCidr: "192.168.7.0/24",
      role: "lab",
    });
    if (place === undefined) return;
    expect(callsOf("pg-repair")[1]?.script).toBe(pgRepairScript(place));
    expect(callsOf("pg-state")).toEqual([]);
    for (const call of [...callsOf("pg-repair")]) {
      expect(call.opts).toMatchObject({ stdin: `${DB_PASSWORD}\n`, sensitive: [DB_PASSWORD] });
      expect(call.script).not.toContain(DB_PASSWORD);
    }
    expect(pgProbeScript(place)).not.toContain(DB_PASSWORD);
    expect(batches()).toEqual([]);

    // Where it runs on no node that answers, the repair fails with the fix (nothing initialised).
    forget();
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    on(PG_REPAIR, { stdout: "not-here\n" });
    const err = await failureOf(serviceGroupProvider.update("service01", props, news));
    expect(err.message).toContain(
      "PostgreSQL runs on no node that answers, so its configuration and role cannot be repaired. Fix:",
    );
    expect(callsOf("pg-init")).toEqual([]);
    // Not running anywhere at read: not checked (the stored values stay).
    forget();
    on(READ_CIB, { stdout: `== cib\n${CIB_CONFIGURED}` });
    on(PG_STATE, { stdout: "not-here\n" });
    expect((await serviceGroupProvider.read("service01", olds)).props).toMatchObject({
      databaseCurrent: true,
      dbPasswordCurrent: true,
    });
  });

  test("PostgreSQL banned from node02h by a failed start → failuresCleared false → cleaned up there", async () => {
    const olds = await createdGroup();
    const banned = cib({
      resources: STONITH_XML + groupXml(),
      constraints: LOCATIONS_XML,
      status: failCountStatus([
        { id: 2, node: "node02h", resource: "service01-db", operation: "start_0", value: "INFINITY" },
      ]),
    });
    const props = await driftThenUpdate(olds, banned, [banned, CIB_CONFIGURED]);
    expect(props).toMatchObject({
      failuresCleared: false,
      resourcesAsConfigured: true,
      membersEnabled: true,
    });
    expect(batches()).toEqual([["pcs resource cleanup service01-db node=node02h"]]);
  });

  test("autostart and the group stopped → enabled false → pcs resource enable service01", async () => {
    const olds = await createdGroup({ autostart: true });
    const news = await checked(serviceGroupProvider, groupRaw({ autostart: true }));
    const props = await driftThenUpdate(olds, CIB_CONFIGURED, [CIB_CONFIGURED], news);
    expect(props.enabled).toBe(false);
    expect(batches()).toEqual([["pcs resource enable service01"]]);
  });

  test("a cli-prefer-service01 constraint (pcs resource move) is not drift, and is never removed", async () => {
    const olds = await createdGroup();
    const moved = cib({ resources: STONITH_XML + groupXml(), constraints: LOCATIONS_XML + CLI_PREFER_XML });
    on(READ_CIB, { stdout: `== cib\n${moved}` });
    const news = await checked(serviceGroupProvider, groupRaw());
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(props.constraintsAsConfigured).toBe(true);
    expect(diff).toEqual(NO_DIFF);
    forget();
    on(CIB_QUERY, { stdout: moved });
    await serviceGroupProvider.update("service01", props, news);
    expect(batches()).toEqual([]);
  });

  test("a changed location score → constraintsAsConfigured false → ours removed and added again, cli- kept", async () => {
    const olds = await createdGroup();
    const changed = cib({
      resources: STONITH_XML + groupXml(),
      constraints:
        edited(
          LOCATIONS_XML,
          'id="location-service01-node01h-200" node="node01h" rsc="service01" score="200"',
          'id="location-service01-node01h-50" node="node01h" rsc="service01" score="50"',
        ) + CLI_PREFER_XML,
    });
    const props = await driftThenUpdate(olds, changed, [changed]);
    expect(props.constraintsAsConfigured).toBe(false);
    expect(batches()).toEqual([
      [
        "pcs constraint remove location-service01-node01h-50",
        "pcs constraint remove location-service01-node02h-100",
        PREFERS,
        STICKINESS,
      ],
    ]);
    expect(batches().flat().join("\n")).not.toContain("cli-prefer-service01");
  });

  describe("delete", () => {
    /** The CIB as the node's pacemaker answers it: each read in turn (empty: pacemaker stopped). */
    const cibReads = (...cibs: string[]) =>
      on(READ_CIB, inTurn(...cibs.map((c) => ({ stdout: c === "" ? "== cib\n" : `== cib\n${c}` }))));

    test("the group deleted on node01 and the CIB read again without it; on node02 when node01 is down; none reachable is nothing to remove", async () => {
      const olds = await createdGroup();
      cibReads(CIB_CONFIGURED, CIB_NO_GROUP);
      await serviceGroupProvider.delete("service01", olds);
      expect(lab.calls.map((c) => `${NODE_OF[c.where]} ${c.script.split("\n").slice(-1)[0]}`)).toEqual([
        `node01 echo "== cib"; cibadmin --query 2>/dev/null || true`,
        "node01 pcs resource delete service01 --force",
        `node01 echo "== cib"; cibadmin --query 2>/dev/null || true`,
      ]);
      forget();
      lab.down = [N1];
      cibReads(CIB_CONFIGURED, CIB_NO_GROUP);
      await serviceGroupProvider.delete("service01", olds);
      expect(lab.calls.map((c) => NODE_OF[c.where])).toEqual(["node02", "node02", "node02"]);
      forget();
      lab.down = [N1, N2];
      await expect(serviceGroupProvider.delete("service01", olds)).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });

    test("a group the CIB does not hold is nothing to delete", async () => {
      const olds = await createdGroup();
      cibReads(CIB_NO_GROUP);
      await serviceGroupProvider.delete("service01", olds);
      expect(lab.calls).toHaveLength(1);
    });

    test("pcs failing, the group left in the CIB, or pacemaker answering nowhere fails the delete with the fix", async () => {
      const olds = await createdGroup();
      cibReads(CIB_CONFIGURED);
      on(/^set -e\npcs resource delete /, {
        code: 1,
        stderr: "Error: Unable to delete resource 'service01'\n",
      });
      let err = await failureOf(serviceGroupProvider.delete("service01", olds));
      expect(err.message).toContain("Error: Unable to delete resource 'service01'");
      forget();
      cibReads(CIB_CONFIGURED, CIB_CONFIGURED);
      err = await failureOf(serviceGroupProvider.delete("service01", olds));
      expect(err.message).toContain(
        "pcs resource delete service01 --force succeeded, but the CIB still holds service01. Fix: see pcs status on a node",
      );
      forget();
      cibReads("");
      err = await failureOf(serviceGroupProvider.delete("service01", olds));
      expect(err.message).toContain(
        "service group service01: pacemaker answers on no member, so it cannot be removed from the CIB. Fix: start the cluster",
      );
    });
  });

  test("check refuses a group without resources", async () => {
    expect(
      await failedProperties(serviceGroupProvider, groupRaw({ resources: [], stack: "heartbeat" })),
    ).toEqual(["resources", "stack"]);
  });
});
