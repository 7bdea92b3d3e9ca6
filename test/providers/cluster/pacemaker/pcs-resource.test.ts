/**
 * Tests of the pcs argv made from resource structures (providers/cluster/pacemaker/pcs-resource.ts):
 * the one place where a resource, group or constraint becomes a command line. Expected argv are
 * written as one string split at blanks (no word below holds a blank).
 */
import {
  createArgv,
  groupCreateArgv,
  isStonith,
  locationArgv,
  metaArgv,
  updateArgv,
  type PcsGroup,
  type PcsResource,
} from "../../../../providers/cluster/pacemaker/pcs-resource";

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
