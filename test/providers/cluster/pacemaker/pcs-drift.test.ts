/**
 * Tests of structure-based drift (providers/cluster/pacemaker/pcs-drift.ts): the wanted resources,
 * groups and constraints against the same structures read from a live CIB.
 */
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import { groupLocations } from "../../../../providers/cluster/pacemaker/constraint-commands";
import { groupResources } from "../../../../providers/cluster/pacemaker/group-commands";
import {
  cloneDrift,
  cloneOfCib,
  constraintsDrift,
  constraintsOfCib,
  groupDrift,
  groupOfCib,
  locationDrift,
  locationsOfCib,
  resourceDrift,
  resourceOfCib,
  staleNames,
  type LiveClone,
} from "../../../../providers/cluster/pacemaker/pcs-drift";
import type {
  PcsClone,
  PcsGroup,
  PcsLocationRule,
  PcsResource,
} from "../../../../providers/cluster/pacemaker/pcs-resource";
import { directorResourceSet } from "../../../../providers/lb/director-pacemaker";
import {
  COLOCATION_XML,
  LB_CIB_CONFIGURED,
  LB_CLI_PREFER_XML,
  lbCib,
  lbGroupXml,
  PING_CLONE_XML,
  pingColocation,
  pingOrder,
  RULE_XML,
} from "../../../fixtures/lb-pacemaker";
import { DIRECTOR_PACEMAKER } from "../../../fixtures/lb";
import { edited } from "../../../fixtures/pacemaker";
import { stonithResource } from "../../../../providers/cluster/pacemaker/stonith-commands";
import { CIB_XML, devFence, devGroup, devHostMap, devNodeNames, GLUSTER_OPTIONS } from "./fixtures";

const cib = parseCib(CIB_XML);
const wanted: PcsGroup = groupResources(devGroup, { glusterMountOptions: GLUSTER_OPTIONS });
const member = (group: PcsGroup, id: string): PcsResource => {
  const found = group.members.find((m) => m.id === id);
  if (found === undefined) throw new Error(`no member ${id}`);
  return found;
};
/** The wanted group with one member replaced. */
const withMember = (group: PcsGroup, id: string, edit: (m: PcsResource) => PcsResource): PcsGroup => ({
  ...group,
  members: group.members.map((m) => (m.id === id ? edit(m) : m)),
});

describe("the CIB holds what the builders want for the default lab", () => {
  it("the same fence device, member ids, agents and attributes, and location constraints", () => {
    const fence = stonithResource(devFence, devHostMap, devNodeNames);
    const live = cib.stonith[0];
    if (live === undefined) throw new Error("the fixture has no fence device");
    expect(resourceOfCib(live).attributes).toEqual(fence.attributes);
    expect(resourceDrift(fence, resourceOfCib(live))).toEqual([]);
    const group = groupOfCib(cib, "service01");
    expect(group?.members.map((m) => m.id)).toEqual(wanted.members.map((m) => m.id));
    for (const m of wanted.members) {
      const primitive = cib.primitives.find((p) => p.id === m.id);
      expect(primitive?.instanceAttributes).toEqual(m.attributes);
      expect(`${primitive?.class}:${primitive?.provider}:${primitive?.type}`).toBe(m.agent);
    }
    const locations = groupLocations(devGroup.name, devGroup.domain, devNodeNames);
    expect(cib.constraints.locations.map((l) => `${l.node}=${l.score}`)).toEqual(
      locations.map((l) => `${l.node}=${l.score}`),
    );
    expect(locationDrift(locations, locationsOfCib(cib, "service01"))).toEqual([]);
  });

  it("the fixture's agent-default operation timeouts are drift of the members that want others", () => {
    const live = groupOfCib(cib, "service01");
    if (live === undefined) throw new Error("the fixture has no group service01");
    const drift = groupDrift(wanted, live, ["resource-stickiness"]);
    expect(drift.rebuild).toEqual([]);
    expect(drift.update.map((m) => m.id)).toEqual(["service01-fs", "service01-db"]);
    expect(drift.settings).toContain("service01-fs.op.start.timeout: 60s → 180s");
    expect(drift.settings).toContain("service01-db.op.monitor.timeout: 30s → 120s");
    expect(drift.meta).toEqual(["service01.meta.resource-stickiness: (none) → 1000"]);
  });
});

describe("resourceDrift", () => {
  const db = member(wanted, "service01-db");

  it("finds no drift between identical structures, nor for live values that are not wanted", () => {
    expect(resourceDrift(db, db)).toEqual([]);
    const live: PcsResource = {
      ...db,
      attributes: { ...db.attributes, extra: "1" },
      meta: { "target-role": "Stopped" },
      operations: [{ name: "notify", interval: "0s", timeout: "90s" }, ...db.operations],
    };
    expect(resourceDrift(db, live)).toEqual([]);
  });

  it("detects a parameter change", () => {
    const live = { ...db, attributes: { ...db.attributes, pgport: "5433" } };
    expect(resourceDrift(db, live)).toEqual(["service01-db.attributes.pgport: 5433 → 5432"]);
  });

  it("detects an operation timeout change, an interval change and a missing operation", () => {
    const ops = (timeout: string, interval: string) => [
      { name: "start", interval: "0s", timeout },
      { name: "stop", interval: "0s", timeout: "300s" },
      { name: "monitor", interval, timeout: "120s" },
    ];
    expect(resourceDrift(db, { ...db, operations: ops("120s", "30s") })).toEqual([
      "service01-db.op.start.timeout: 120s → 600s",
    ]);
    expect(resourceDrift(db, { ...db, operations: ops("600s", "10s") })).toEqual([
      "service01-db.op.monitor.interval: 10s → 30s",
    ]);
    expect(resourceDrift(db, { ...db, operations: ops("600s", "30s").slice(0, 2) })).toEqual([
      "service01-db.op.monitor: (none) → monitor",
    ]);
  });

  it("detects another agent, and managed names set live but not wanted", () => {
    expect(resourceDrift(db, { ...db, agent: "ocf:heartbeat:pgsqlms" })).toEqual([
      "service01-db.agent: ocf:heartbeat:pgsqlms → ocf:heartbeat:pgsql",
    ]);
    const live = { ...db, attributes: { ...db.attributes, extra: "1" }, meta: { "is-managed": "false" } };
    expect(resourceDrift(db, live, { attributes: ["extra"], meta: ["is-managed"] })).toEqual([
      "service01-db.attributes.extra: 1 → (none)",
      "service01-db.meta.is-managed: false → (none)",
    ]);
    expect(staleNames(db.attributes, live.attributes, ["extra", "pgport", "absent"])).toEqual(["extra"]);
  });
});

describe("groupDrift", () => {
  it("finds no drift between identical groups", () => {
    expect(groupDrift(wanted, wanted, ["resource-stickiness"])).toEqual({
      rebuild: [],
      update: [],
      settings: [],
      meta: [],
    });
  });

  it("updates in place the member whose parameter or operation timeout changed", () => {
    const live = withMember(wanted, "service01-fs", (m) => ({
      ...m,
      attributes: { ...m.attributes, directory: "/mnt" },
      operations: [{ name: "start", timeout: "60s" }, ...m.operations.slice(1)],
    }));
    const drift = groupDrift(wanted, live);
    expect(drift.rebuild).toEqual([]);
    expect(drift.update).toEqual([member(wanted, "service01-fs")]);
    expect(drift.settings).toEqual([
      "service01-fs.attributes.directory: /mnt → /gldata00",
      "service01-fs.op.start.timeout: 60s → 180s",
    ]);
  });

  it("builds the group again when a member is added, missing, reordered or of another agent", () => {
    const [ip, fs, db] = wanted.members as [PcsResource, PcsResource, PcsResource];
    const live = (members: PcsResource[]): PcsGroup => ({ ...wanted, members });
    const added = groupDrift(wanted, live([ip, fs, db, { ...db, id: "service01-extra" }]));
    expect(added.rebuild).toEqual([
      "service01.members: service01-ip service01-fs service01-db service01-extra → service01-ip service01-fs service01-db",
    ]);
    expect(added.update).toEqual([]);
    expect(groupDrift(wanted, live([ip, fs])).rebuild).toHaveLength(1);
    expect(groupDrift(wanted, live([fs, ip, db])).rebuild).toHaveLength(1);
    expect(groupDrift(wanted, live([])).rebuild).toEqual([
      "service01.members: (none) → service01-ip service01-fs service01-db",
    ]);
    expect(
      groupDrift(wanted, live([ip, { ...fs, agent: "ocf:heartbeat:LVM-activate" }, db])).rebuild,
    ).toEqual(["service01-fs.agent: ocf:heartbeat:LVM-activate → ocf:heartbeat:Filesystem"]);
  });

  it("compares the group's meta with the managed names", () => {
    const live = { ...wanted, meta: { "resource-stickiness": "100", "target-role": "Stopped" } };
    expect(groupDrift(wanted, live, ["resource-stickiness"]).meta).toEqual([
      "service01.meta.resource-stickiness: 100 → 1000",
    ]);
    expect(groupDrift({ ...wanted, meta: {} }, live, ["resource-stickiness"]).meta).toEqual([
      "service01.meta.resource-stickiness: 100 → (none)",
    ]);
    expect(groupDrift({ ...wanted, meta: {} }, live).meta).toEqual([]);
  });
});

describe("locationDrift", () => {
  const want = [
    { rsc: "service01", node: "node01h", score: "INFINITY" },
    { rsc: "service01", node: "node02h", score: "-INFINITY" },
  ];

  it("finds no drift for the same scores, +INFINITY being INFINITY", () => {
    expect(locationDrift(want, want)).toEqual([]);
    expect(locationDrift(want, [{ ...want[0], score: "+INFINITY" }, want[1]] as typeof want)).toEqual([]);
  });

  it("detects another score, a missing and an extra node", () => {
    expect(locationDrift(want, [{ rsc: "service01", node: "node01h", score: "100" }])).toEqual([
      "service01@node01h: 100 → INFINITY",
      "service01@node02h: (none) → -INFINITY",
    ]);
    expect(locationDrift(want, [...want, { rsc: "service01", node: "node03h", score: "50" }])).toEqual([
      "service01@node03h: 50 → (none)",
    ]);
  });
});

describe("the directors' resources (seed 002) read back from their CIB", () => {
  const set = directorResourceSet(DIRECTOR_PACEMAKER);
  const lb = parseCib(LB_CIB_CONFIGURED);
  const [clone] = set.clones as [PcsClone];
  const ids = ["GrpBalancer", "VIPCHK1", "LB_VIP", "LDIRECTOR1", "PINGD-clone", "PINGD"];
  const wantedIds = ["location-GrpBalancer-pingd", "GrpBalancer-with-PINGD", "order-PINGD-then-GrpBalancer"];

  it("finds the group, the clone and the constraints as the builders want them, operation attributes included", () => {
    const group = groupOfCib(lb, "GrpBalancer");
    if (group === undefined) throw new Error("the fixture has no group GrpBalancer");
    expect(groupDrift(set.group, group)).toEqual({ rebuild: [], update: [], settings: [], meta: [] });
    const live = cloneOfCib(lb, "PINGD-clone");
    expect(live?.resource?.operations[0]).toEqual({
      name: "monitor",
      interval: "10s",
      timeout: "30s",
      options: { "on-fail": "restart" },
    });
    expect(cloneDrift(clone, live as LiveClone)).toEqual({ rebuild: [], settings: [], meta: [] });
    const constraints = constraintsOfCib(lb, ids, wantedIds);
    expect(constraints.ids).toEqual(wantedIds);
    expect(constraints.constraints).toEqual(set.constraints);
    expect(constraintsDrift(set.constraints, constraints.constraints)).toEqual([]);
  });

  it("reports an operation attribute changed or removed, and the clone's primitive changed or gone", () => {
    const ldirectord = member(set.group, "LDIRECTOR1");
    const ops = ldirectord.operations.map((op) =>
      op.name === "start"
        ? { ...op, options: { "on-fail": "restart" } }
        : op.name === "stop"
          ? { ...op, options: { "on-fail": "stop" } }
          : op,
    );
    expect(resourceDrift(ldirectord, { ...ldirectord, operations: ops })).toEqual([
      "LDIRECTOR1.op.start.start-delay: (none) → 5s",
      "LDIRECTOR1.op.stop.on-fail: stop → block",
    ]);
    const live = cloneOfCib(lb, "PINGD-clone") as LiveClone & { resource: PcsResource };
    const changed = {
      ...live,
      resource: { ...live.resource, attributes: { ...live.resource.attributes, multiplier: "10" } },
    };
    expect(cloneDrift(clone, changed)).toEqual({
      rebuild: [],
      settings: ["PINGD.attributes.multiplier: 10 → 100"],
      meta: [],
    });
    expect(
      cloneDrift(clone, { ...live, resource: { ...live.resource, agent: "ocf:heartbeat:ping" } }).rebuild,
    ).toEqual(["PINGD.agent: ocf:heartbeat:ping → ocf:pacemaker:ping"]);
    expect(cloneDrift(clone, { id: "PINGD-clone", meta: { interleave: "true" } })).toEqual({
      rebuild: ["PINGD-clone.resource: (none) → PINGD"],
      settings: [],
      meta: [],
    });
    expect(cloneDrift({ ...clone, meta: { interleave: "true" } }, live).meta).toEqual([
      "PINGD-clone.meta.interleave: (none) → true",
    ]);
    expect(cloneOfCib(lb, "absent-clone")).toBeUndefined();
  });

  it("reports each constraint missing, changed or added by id, and never the operator's cli- ones", () => {
    const drifted = parseCib(
      lbCib({
        resources: PING_CLONE_XML + lbGroupXml(),
        constraints:
          edited(
            RULE_XML,
            'operation="lt" type="integer" value="1"',
            'operation="lt" type="integer" value="50"',
          ) +
          edited(COLOCATION_XML, 'score="INFINITY"', 'score="+INFINITY"') +
          '      <rsc_order first="LB_VIP" id="order-extra" then="PINGD-clone"/>\n' +
          LB_CLI_PREFER_XML +
          '      <rsc_location id="location-GrpBalancer-ld2h-100" node="ld2h" rsc="GrpBalancer" score="100"/>\n',
      }),
    );
    const live = constraintsOfCib(drifted, ids, wantedIds);
    expect(live.ids).toEqual([
      "location-GrpBalancer-ld2h-100",
      "location-GrpBalancer-pingd",
      "GrpBalancer-with-PINGD",
      "order-extra",
    ]);
    expect(constraintsDrift(set.constraints, live.constraints)).toEqual([
      "GrpBalancer@ld2h: 100 → (none)",
      "location-GrpBalancer-pingd: GrpBalancer score=-INFINITY pingd_score lt integer 50 or not_defined pingd_score → " +
        "GrpBalancer score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
      "order-PINGD-then-GrpBalancer: (none) → PINGD-clone then GrpBalancer kind=Mandatory symmetrical=false",
      "order-extra: LB_VIP then PINGD-clone kind=Mandatory symmetrical=true → (none)",
    ]);
  });

  it("compares a rule expression's type only where the wanted one has one, and reads pacemaker's defaults", () => {
    const [rule] = set.constraints.rules as [PcsLocationRule];
    const untyped = { ...rule, expressions: rule.expressions.map(({ type: _type, ...e }) => e) };
    const typedLive = { ...set.constraints, rules: [rule] };
    expect(constraintsDrift({ ...set.constraints, rules: [untyped] }, typedLive)).toEqual([]);
    expect(constraintsDrift(set.constraints, { ...set.constraints, rules: [untyped] })).toEqual([
      "location-GrpBalancer-pingd: GrpBalancer score=-INFINITY pingd_score lt 1 or not_defined pingd_score → " +
        "GrpBalancer score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
    ]);
    const bare = parseCib(
      lbCib({
        constraints:
          '      <rsc_colocation id="GrpBalancer-with-PINGD" rsc="GrpBalancer" with-rsc="PINGD-clone"/>\n' +
          '      <rsc_order first="PINGD-clone" id="order-PINGD-then-GrpBalancer" then="GrpBalancer"/>\n',
      }),
    );
    expect(constraintsOfCib(bare, ids).constraints).toEqual({
      locations: [],
      rules: [],
      colocations: [pingColocation("GrpBalancer", "PINGD")],
      orders: [pingOrder("GrpBalancer", "PINGD", true)],
    });
  });
});
