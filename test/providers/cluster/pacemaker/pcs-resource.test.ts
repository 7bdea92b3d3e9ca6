/**
 * Tests of the pcs argv made from resource structures (providers/cluster/pacemaker/pcs-resource.ts):
 * the one place where a resource, group or constraint becomes a command line. Expected argv are
 * written as one string split at blanks (no word below holds a blank).
 */
import {
  cloneCreateArgv,
  colocationArgv,
  constraintRemoveArgv,
  createArgv,
  defaultCloneId,
  enableArgv,
  groupCreateArgv,
  groupMemberCreateArgv,
  groupStartArgv,
  isStonith,
  locationArgv,
  locationRuleArgv,
  metaArgv,
  orderArgv,
  ruleWords,
  updateArgv,
  type PcsGroup,
  type PcsResource,
} from "../../../../providers/cluster/pacemaker/pcs-resource";
import { pingColocation, pingOrder, pingScoreRule } from "../../../fixtures/lb-pacemaker";

/** The words of a command line without quoting. */
const words = (line: string): string[] => line.split(" ");

const DB: PcsResource = {
  id: "service01-db",
  agent: "ocf:heartbeat:pgsql",
  attributes: { pgdata: "/gldata00/pgsql", pgport: "5432" },
  meta: {},
  operations: [
    { name: "start", timeout: "600s" },
    { name: "monitor", interval: "30s", timeout: "60s" },
  ],
};

const FENCE: PcsResource = {
  id: "kvmhost01",
  agent: "stonith:fence_virsh",
  attributes: { ip: "192.168.8.1", pcmk_host_map: "node01h:dev-node01" },
  meta: {},
  operations: [],
};

describe("createArgv", () => {
  it("writes attributes in order, then one op clause per operation (interval before timeout), then the placement", () => {
    expect(createArgv(DB, { group: "service01", disabled: true })).toEqual(
      words(
        "pcs resource create service01-db ocf:heartbeat:pgsql pgdata=/gldata00/pgsql pgport=5432 " +
          "op start timeout=600s op monitor interval=30s timeout=60s --group service01 --disabled",
      ),
    );
    expect(createArgv(DB)).toEqual(createArgv(DB, { group: "service01", disabled: true }).slice(0, -3));
  });

  it("writes meta attributes after the operations, only when there are some", () => {
    expect(createArgv({ ...DB, operations: [], meta: { "resource-stickiness": "100" } })).toEqual(
      words(
        "pcs resource create service01-db ocf:heartbeat:pgsql pgdata=/gldata00/pgsql pgport=5432 " +
          "meta resource-stickiness=100",
      ),
    );
    expect(createArgv({ ...DB, operations: [] })).not.toContain("meta");
  });

  it("creates a fence device with pcs stonith and the agent's type alone, never in a group", () => {
    expect(isStonith(FENCE)).toBe(true);
    expect(isStonith(DB)).toBe(false);
    expect(createArgv(FENCE, { group: "service01", disabled: true })).toEqual(
      words("pcs stonith create kvmhost01 fence_virsh ip=192.168.8.1 pcmk_host_map=node01h:dev-node01"),
    );
  });
});

describe("updateArgv", () => {
  it("sets every wanted setting and removes the given attributes with an empty value", () => {
    expect(updateArgv(FENCE, ["pcmk_reboot_action"])).toEqual(
      words(
        "pcs stonith update kvmhost01 ip=192.168.8.1 pcmk_host_map=node01h:dev-node01 pcmk_reboot_action=",
      ),
    );
    const create = createArgv(DB, { group: "service01" });
    expect(updateArgv(DB)).toEqual(["pcs", "resource", "update", "service01-db", ...create.slice(5, -2)]);
  });
});

describe("groupCreateArgv", () => {
  const group: PcsGroup = {
    id: "service01",
    members: [{ ...DB, id: "service01-a", operations: [] }, DB],
    meta: { "resource-stickiness": "1000" },
  };

  it("creates the members disabled in start order, keeps the group stopped unless autostart, enables the members", () => {
    expect(groupCreateArgv(group, false)).toEqual([
      words(
        "pcs resource create service01-a ocf:heartbeat:pgsql pgdata=/gldata00/pgsql pgport=5432 " +
          "--group service01 --disabled",
      ),
      createArgv(DB, { group: "service01", disabled: true }),
      words("pcs resource disable service01"),
      words("pcs resource enable service01-a service01-db"),
    ]);
    expect(groupCreateArgv(group, true)).toEqual(
      groupCreateArgv(group, false).filter((argv) => argv[2] !== "disable"),
    );
  });

  it("leaves the group's own meta to metaArgv", () => {
    expect(groupCreateArgv(group, true).flat()).not.toContain("resource-stickiness=1000");
    expect(metaArgv(group.id, group.meta)).toEqual(
      words("pcs resource meta service01 resource-stickiness=1000"),
    );
    expect(metaArgv(group.id, {}, ["resource-stickiness"])).toEqual(
      words("pcs resource meta service01 resource-stickiness="),
    );
  });
});

describe("locationArgv", () => {
  it("writes the preferred nodes with their scores, then the avoided ones without", () => {
    const avoid = { rsc: "service02", node: "node03h", score: "-INFINITY" };
    expect(
      locationArgv("service02", [
        { rsc: "service02", node: "node02h", score: "200" },
        avoid,
        { rsc: "service02", node: "node01h", score: "100" },
      ]),
    ).toEqual([
      words("pcs constraint location service02 prefers node02h=200 node01h=100"),
      words("pcs constraint location service02 avoids node03h"),
    ]);
    expect(locationArgv("service02", [avoid])).toEqual([
      words("pcs constraint location service02 avoids node03h"),
    ]);
    expect(locationArgv("service02", [])).toEqual([]);
  });
});

describe("operation attributes", () => {
  const LDIRECTORD: PcsResource = {
    id: "LDIRECTOR1",
    agent: "ocf:heartbeat:ldirectord",
    attributes: { configfile: "/etc/ha.d/ldirectord.cf" },
    meta: {},
    operations: [
      { name: "monitor", interval: "30s", timeout: "60s", options: { "on-fail": "restart" } },
      {
        name: "start",
        interval: "0s",
        timeout: "60s",
        options: { "start-delay": "5s", "on-fail": "restart" },
      },
      { name: "stop", options: { "on-fail": "block" } },
      { name: "notify", timeout: "90s", options: {} },
    ],
  };

  it("writes every other attribute after interval and timeout, in order, for create and update alike", () => {
    expect(createArgv(LDIRECTORD)).toEqual(
      words(
        "pcs resource create LDIRECTOR1 ocf:heartbeat:ldirectord configfile=/etc/ha.d/ldirectord.cf " +
          "op monitor interval=30s timeout=60s on-fail=restart " +
          "op start interval=0s timeout=60s start-delay=5s on-fail=restart " +
          "op stop on-fail=block op notify timeout=90s",
      ),
    );
    expect(updateArgv(LDIRECTORD)).toEqual([
      ...words("pcs resource update LDIRECTOR1"),
      ...createArgv(LDIRECTORD).slice(5),
    ]);
  });
});

describe("groups in two parts", () => {
  const group: PcsGroup = { id: "g", members: [{ ...DB, id: "a", operations: [] }], meta: {} };

  it("creates the members, then (unless autostart) disables the group and enables the members", () => {
    expect(groupMemberCreateArgv(group)).toEqual([
      words(
        "pcs resource create a ocf:heartbeat:pgsql pgdata=/gldata00/pgsql pgport=5432 --group g --disabled",
      ),
    ]);
    expect(groupStartArgv(group, true)).toEqual([words("pcs resource enable a")]);
    expect(groupStartArgv(group, false)).toEqual([
      words("pcs resource disable g"),
      words("pcs resource enable a"),
    ]);
    expect(groupCreateArgv(group, false)).toEqual([
      ...groupMemberCreateArgv(group),
      ...groupStartArgv(group, false),
    ]);
    expect(enableArgv(["x", "y"])).toEqual(words("pcs resource enable x y"));
  });
});

describe("clones and constraints", () => {
  const PING: PcsResource = {
    id: "PINGD",
    agent: "ocf:pacemaker:ping",
    attributes: { host_list: "192.168.5.1 192.168.5.2", multiplier: "100" },
    meta: {},
    operations: [],
  };

  it("clones a primitive, naming the clone only when the id is not pcs's default", () => {
    expect(defaultCloneId("PINGD")).toBe("PINGD-clone");
    expect(cloneCreateArgv({ id: "PINGD-clone", resource: PING, meta: {} })).toEqual([
      ...words("pcs resource create PINGD ocf:pacemaker:ping"),
      "host_list=192.168.5.1 192.168.5.2",
      "multiplier=100",
      "clone",
    ]);
    expect(
      cloneCreateArgv({ id: "ping-all", resource: PING, meta: { interleave: "true" } }).slice(-3),
    ).toEqual(["clone", "ping-all", "interleave=true"]);
  });

  it("adds a colocation with its score and id, an order with kind, symmetry and id", () => {
    expect(colocationArgv(pingColocation("G", "P"))).toEqual(
      words("pcs constraint colocation add G with P-clone score=INFINITY id=G-with-P"),
    );
    expect(orderArgv(pingOrder("G", "P", false))).toEqual(
      words("pcs constraint order P-clone then G kind=Mandatory symmetrical=false id=order-P-then-G"),
    );
    expect(orderArgv({ id: "o", first: "a", then: "b", kind: "Optional", symmetrical: true })).toContain(
      "symmetrical=true",
    );
  });

  it("adds a location rule with its options before the expressions, joined by the boolean operator", () => {
    const rule = pingScoreRule("G");
    expect(locationRuleArgv(rule)).toEqual(
      words(
        "pcs constraint location G rule constraint-id=location-G-pingd score=-INFINITY " +
          "pingd_score lt integer 1 or not_defined pingd_score",
      ),
    );
    expect(
      ruleWords({
        booleanOp: "and",
        expressions: [
          { attribute: "site", operation: "eq", value: "a" },
          { attribute: "site", operation: "defined" },
        ],
      }),
    ).toEqual(words("site eq a and defined site"));
    expect(constraintRemoveArgv(["a", "b"])).toEqual(words("pcs constraint remove a b"));
  });
});
