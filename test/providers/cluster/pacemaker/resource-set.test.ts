/**
 * Tests of a group with its clones and constraints as one set
 * (providers/cluster/pacemaker/resource-set.ts), on the directors' resources of seed 002 and the
 * CIBs of test/fixtures/lb-pacemaker.ts: drift read back, the removal a rebuild needs, the repair
 * plan, and the converge that runs them.
 */
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import {
  groupRebuildRemoval,
  resourceDeleteScript,
} from "../../../../providers/cluster/pacemaker/group-commands";
import {
  absentDrift,
  checkResourceSet,
  convergeResourceSet,
  disabledMembers,
  driftLines,
  memberUpdateArgv,
  resourceSetCreateArgv,
  resourceSetDrift,
  resourceSetIds,
  resourceSetRemoval,
  resourceSetRepair,
  resourceSetState,
  type PcsResourceSet,
} from "../../../../providers/cluster/pacemaker/resource-set";
import type { RunOptions, RunResult } from "../../../../providers/exec/ssh";
import { shellJoin } from "../../../../providers/exec/ssh";
import { directorResourceSet } from "../../../../providers/lb/director-pacemaker";
import { DIRECTOR_PACEMAKER } from "../../../fixtures/lb";
import {
  LB_CIB_CONFIGURED,
  LB_CIB_EMPTY,
  LB_CLI_PREFER_XML,
  LB_CONSTRAINTS_XML,
  LB_VIP_XML,
  LDIRECTOR_XML,
  lbCib,
  lbGroupXml,
  ORDER_XML,
  PING_CLONE_XML,
  RULE_XML,
  VIPCHK_XML,
} from "../../../fixtures/lb-pacemaker";
import { edited } from "../../../fixtures/pacemaker";

const set = directorResourceSet(DIRECTOR_PACEMAKER);
/** The command lines of a plan. */
const lines = (plan: string[][]): string[] => plan.map((argv) => shellJoin(argv));
const drift = (xml: string) => resourceSetDrift(set, parseCib(xml));
/** A resource's empty meta_attributes (left by pcs resource enable) holding target-role Stopped. */
const stopped = (xml: string, id: string): string =>
  edited(
    xml,
    `<meta_attributes id="${id}-meta_attributes"/>`,
    `<meta_attributes id="${id}-meta_attributes"><nvpair id="${id}-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes>`,
  );

/** The plan's lines that re-add the constraints, after removing the live ones. */
const READD = (ids: string[]) => [
  `pcs constraint remove ${ids.join(" ")}`,
  "pcs constraint location GrpBalancer rule constraint-id=location-GrpBalancer-pingd score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
  "pcs constraint colocation add GrpBalancer with PINGD-clone score=INFINITY id=GrpBalancer-with-PINGD",
  "pcs constraint order PINGD-clone then GrpBalancer kind=Mandatory symmetrical=false id=order-PINGD-then-GrpBalancer",
];

describe("a converged set", () => {
  test("no drift, every part as configured, nothing to remove or run", () => {
    const d = drift(LB_CIB_CONFIGURED);
    expect(d.absent).toBe(false);
    expect(driftLines(set, d)).toEqual([]);
    expect(resourceSetState(d)).toEqual({
      groupAsConfigured: true,
      clonesAsConfigured: true,
      constraintsAsConfigured: true,
      enabled: true,
      failuresCleared: true,
    });
    expect(resourceSetRemoval(set, d)).toBeUndefined();
    expect(resourceSetRepair(set, d)).toEqual([]);
  });

  test("the operator's pcs resource move (cli-prefer-…) is not drift", () => {
    const moved = lbCib({
      resources: PING_CLONE_XML + lbGroupXml(),
      constraints: LB_CONSTRAINTS_XML + LB_CLI_PREFER_XML,
    });
    expect(driftLines(set, drift(moved))).toEqual([]);
  });
});

describe("a cluster without the set", () => {
  test("reads as absent; the repair is the create: clone, members disabled, constraints, members enabled, cleanup", () => {
    const d = drift(LB_CIB_EMPTY);
    expect(d.absent).toBe(true);
    expect(d).toEqual(absentDrift(set));
    expect(resourceSetState(d)).toEqual({
      groupAsConfigured: false,
      clonesAsConfigured: false,
      constraintsAsConfigured: false,
      enabled: true,
      failuresCleared: true,
    });
    expect(resourceSetRepair(set, d)).toEqual(resourceSetCreateArgv(set));
    expect(lines(resourceSetCreateArgv(set)).map((l) => l.split(" ").slice(0, 4).join(" "))).toEqual([
      "pcs resource create PINGD",
      "pcs resource create VIPCHK1",
      "pcs resource create LB_VIP",
      "pcs resource create LDIRECTOR1",
      "pcs constraint location GrpBalancer",
      "pcs constraint colocation add",
      "pcs constraint order PINGD-clone",
      "pcs resource enable VIPCHK1",
      "pcs resource cleanup GrpBalancer",
    ]);
    expect(driftLines(set, d)).toEqual([
      "GrpBalancer: (none) → VIPCHK1 LB_VIP LDIRECTOR1",
      "PINGD-clone: (none) → PINGD",
      "location-GrpBalancer-pingd: (none) → GrpBalancer score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
      "GrpBalancer-with-PINGD: (none) → GrpBalancer with PINGD-clone score=INFINITY",
      "order-PINGD-then-GrpBalancer: (none) → PINGD-clone then GrpBalancer kind=Mandatory symmetrical=false",
    ]);
  });

  test("a group left over without its clone and constraints is not absent", () => {
    expect(drift(lbCib({ resources: lbGroupXml() })).absent).toBe(false);
  });
});

describe("drift and its repair", () => {
  test("a member deleted: the group is stopped and deleted first, then built again after the clone", () => {
    const d = drift(
      lbCib({
        resources: PING_CLONE_XML + lbGroupXml([VIPCHK_XML, LDIRECTOR_XML]),
        constraints: LB_CONSTRAINTS_XML,
      }),
    );
    expect(resourceSetState(d).groupAsConfigured).toBe(false);
    expect(driftLines(set, d)).toEqual([
      "GrpBalancer.members: VIPCHK1 LDIRECTOR1 → VIPCHK1 LB_VIP LDIRECTOR1",
    ]);
    expect(resourceSetRemoval(set, d)).toBe(`set -e\n${groupRebuildRemoval("GrpBalancer")}`);
    // pcs deleted the constraints that named the group with it: read again, they are missing too.
    const after = drift(lbCib({ resources: PING_CLONE_XML }));
    expect(resourceSetRemoval(set, after)).toBeUndefined();
    expect(resourceSetRepair(set, after)).toEqual(resourceSetCreateArgv(set).slice(1));
  });

  test("a member's operation attribute changed: that member updated in place", () => {
    const d = drift(
      lbCib({
        resources:
          PING_CLONE_XML +
          lbGroupXml([VIPCHK_XML, LB_VIP_XML, edited(LDIRECTOR_XML, ' start-delay="5s"', "")]),
        constraints: LB_CONSTRAINTS_XML,
      }),
    );
    expect(driftLines(set, d)).toEqual(["LDIRECTOR1.op.start.start-delay: (none) → 5s"]);
    expect(resourceSetRemoval(set, d)).toBeUndefined();
    expect(lines(resourceSetRepair(set, d))).toEqual([
      "pcs resource update LDIRECTOR1 configfile=/etc/ha.d/ldirectord.cf " +
        "op monitor interval=30s timeout=60s on-fail=restart op start interval=0s timeout=120s start-delay=5s on-fail=restart " +
        "op stop interval=0s timeout=120s on-fail=block",
    ]);
  });

  test("the ping clone's parameter changed: updated in place; the clone deleted: created, its constraints re-added", () => {
    const changed = drift(
      lbCib({
        resources:
          edited(PING_CLONE_XML, 'name="multiplier" value="100"', 'name="multiplier" value="10"') +
          lbGroupXml(),
        constraints: LB_CONSTRAINTS_XML,
      }),
    );
    expect(resourceSetState(changed)).toMatchObject({ clonesAsConfigured: false, groupAsConfigured: true });
    expect(lines(resourceSetRepair(set, changed))).toEqual([
      "pcs resource update PINGD host_list=192.168.5.1 multiplier=100 name=pingd_score " +
        "op monitor interval=10s timeout=30s on-fail=restart op start interval=0s timeout=60s on-fail=restart " +
        "op stop interval=0s timeout=60s on-fail=ignore",
    ]);
    // pcs resource delete PINGD-clone takes the colocation and the order with it.
    const gone = drift(lbCib({ resources: lbGroupXml(), constraints: RULE_XML }));
    expect(resourceSetState(gone)).toMatchObject({
      clonesAsConfigured: false,
      constraintsAsConfigured: false,
    });
    expect(lines(resourceSetRepair(set, gone))).toEqual([
      lines(resourceSetCreateArgv(set))[0],
      ...READD(["location-GrpBalancer-pingd"]),
    ]);
  });

  test("a clone holding another primitive is deleted and created again", () => {
    const other = lbCib({
      resources:
        edited(PING_CLONE_XML, 'id="PINGD" provider="pacemaker"', 'id="PING2" provider="pacemaker"') +
        lbGroupXml(),
      constraints: LB_CONSTRAINTS_XML,
    });
    const d = drift(other);
    expect(driftLines(set, d)).toEqual(["PINGD-clone.resource: PING2 → PINGD"]);
    expect(resourceSetRemoval(set, d)).toBe(`set -e\n${resourceDeleteScript(["PINGD-clone"])}`);
  });

  test("a constraint changed, one added, one deleted: the set's constraints removed and added again", () => {
    const d = drift(
      lbCib({
        resources: PING_CLONE_XML + lbGroupXml(),
        constraints:
          edited(RULE_XML, 'boolean-op="or"', 'boolean-op="and"') +
          ORDER_XML +
          '      <rsc_location id="location-LB_VIP-ld2h-50" node="ld2h" rsc="LB_VIP" score="50"/>\n' +
          LB_CLI_PREFER_XML,
      }),
    );
    expect(resourceSetState(d)).toMatchObject({ constraintsAsConfigured: false, groupAsConfigured: true });
    expect(driftLines(set, d)).toEqual([
      "LB_VIP@ld2h: 50 → (none)",
      "location-GrpBalancer-pingd: GrpBalancer score=-INFINITY pingd_score lt integer 1 and not_defined pingd_score → " +
        "GrpBalancer score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
      "GrpBalancer-with-PINGD: (none) → GrpBalancer with PINGD-clone score=INFINITY",
    ]);
    expect(lines(resourceSetRepair(set, d))).toEqual(
      READD(["location-LB_VIP-ld2h-50", "location-GrpBalancer-pingd", "order-PINGD-then-GrpBalancer"]),
    );
  });

  test("a member and the clone disabled, a stickiness set on the group: enabled, the stickiness removed", () => {
    const d = drift(
      lbCib({
        resources:
          edited(
            PING_CLONE_XML,
            '<meta_attributes id="PINGD-clone-meta_attributes"/>',
            '<meta_attributes id="PINGD-clone-meta_attributes"><nvpair id="PINGD-clone-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes>',
          ) +
          edited(
            lbGroupXml([VIPCHK_XML, stopped(LB_VIP_XML, "LB_VIP"), LDIRECTOR_XML]),
            '<group id="GrpBalancer">',
            '<group id="GrpBalancer"><meta_attributes id="GrpBalancer-meta_attributes"><nvpair id="GrpBalancer-meta_attributes-resource-stickiness" name="resource-stickiness" value="0"/></meta_attributes>',
          ),
        constraints: LB_CONSTRAINTS_XML,
      }),
    );
    expect(resourceSetState(d)).toEqual({
      groupAsConfigured: false,
      clonesAsConfigured: true,
      constraintsAsConfigured: true,
      enabled: false,
      failuresCleared: true,
    });
    expect(driftLines(set, d)).toEqual([
      "GrpBalancer.meta.resource-stickiness: 0 → (none)",
      "PINGD-clone.meta.target-role: Stopped → (none)",
      "LB_VIP.meta.target-role: Stopped → (none)",
    ]);
    expect(lines(resourceSetRepair(set, d))).toEqual([
      "pcs resource meta GrpBalancer resource-stickiness=",
      "pcs resource enable PINGD-clone LB_VIP",
    ]);
  });
});

describe("shared pieces", () => {
  test("the set's ids; a set with an id twice or an empty group is refused", () => {
    expect(resourceSetIds(set)).toEqual([
      "GrpBalancer",
      "VIPCHK1",
      "LB_VIP",
      "LDIRECTOR1",
      "PINGD-clone",
      "PINGD",
    ]);
    const twice: PcsResourceSet = { ...set, group: { ...set.group, id: "PINGD", members: [] } };
    expect(() => checkResourceSet(twice)).toThrow(
      'pacemaker resources of group PINGD:\n  - ids[2]: "PINGD" is used twice. Fix: give every resource and constraint its own id\n' +
        "  - group.members: the group has no member. Fix: give it at least one",
    );
  });

  test("member updates of a group and its disabled members (what a service group uses too)", () => {
    const cib = parseCib(
      lbCib({
        resources:
          PING_CLONE_XML +
          lbGroupXml([
            VIPCHK_XML,
            stopped(LB_VIP_XML, "LB_VIP"),
            edited(LDIRECTOR_XML, 'on-fail="block"', 'on-fail="stop"'),
          ]),
      }),
    );
    expect(disabledMembers(cib, "GrpBalancer")).toEqual(["LB_VIP"]);
    expect(memberUpdateArgv(set.group, cib)?.map((argv) => argv.slice(0, 4).join(" "))).toEqual([
      "pcs resource update LDIRECTOR1",
    ]);
    expect(memberUpdateArgv(set.group, parseCib(LB_CIB_EMPTY))).toBeUndefined();
    expect(
      memberUpdateArgv(set.group, parseCib(lbCib({ resources: lbGroupXml([VIPCHK_XML]) }))),
    ).toBeUndefined();
  });
});

describe("convergeResourceSet", () => {
  /** A runner that answers `cibadmin --query` with each CIB in turn and records every script. */
  function runner(cibs: string[]) {
    const scripts: string[] = [];
    let i = 0;
    const run = async (script: string, _opts?: RunOptions): Promise<RunResult> => {
      scripts.push(script);
      const stdout = script === "cibadmin --query" ? (cibs[Math.min(i++, cibs.length - 1)] ?? "") : "";
      return { stdout, stderr: "", code: 0 };
    };
    return { run, scripts };
  }

  test("a fresh cluster: one CIB read, the create as one batch; the drift found is returned", async () => {
    const { run, scripts } = runner([LB_CIB_EMPTY]);
    const found = await convergeResourceSet(run, set);
    expect(found).toEqual(driftLines(set, absentDrift(set)));
    expect(scripts).toEqual(["cibadmin --query", `set -e\n${lines(resourceSetCreateArgv(set)).join("\n")}`]);
  });

  test("a converged set: the CIB read, nothing run", async () => {
    const { run, scripts } = runner([LB_CIB_CONFIGURED]);
    expect(await convergeResourceSet(run, set)).toEqual([]);
    expect(scripts).toEqual(["cibadmin --query"]);
  });

  test("a member deleted: the removal, the CIB read again, the rebuild", async () => {
    const { run, scripts } = runner([
      lbCib({ resources: PING_CLONE_XML + lbGroupXml([VIPCHK_XML]), constraints: LB_CONSTRAINTS_XML }),
      lbCib({ resources: PING_CLONE_XML }),
    ]);
    await convergeResourceSet(run, set);
    expect(scripts).toEqual([
      "cibadmin --query",
      `set -e\n${groupRebuildRemoval("GrpBalancer")}`,
      "cibadmin --query",
      `set -e\n${lines(resourceSetCreateArgv(set).slice(1)).join("\n")}`,
    ]);
  });
});
