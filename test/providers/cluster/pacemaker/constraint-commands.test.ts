/**
 * Tests of where a service group runs (providers/cluster/pacemaker/constraint-commands.ts): the
 * location constraints of its failover domain and its stickiness, for pcs 0.11.5.
 *
 * Sources: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (resource meta, constraint location
 * prefers/avoids).
 */
import {
  groupLocations,
  groupMetaArgv,
  pcsGroupStickiness,
  pcsLocationPrefers,
} from "../../../../providers/cluster/pacemaker/constraint-commands";
import { devGroup, devNodeNames } from "./fixtures";

describe("pcs resource meta", () => {
  it("sets the group's stickiness only when the spec has one", () => {
    // The default lab's unordered domain (seed 001: ordered=0) gets a stickiness above the
    // location scores: no failback by itself.
    expect(pcsGroupStickiness(devGroup)).toEqual([
      "pcs",
      "resource",
      "meta",
      "service01",
      "resource-stickiness=1000",
    ]);
    expect(pcsGroupStickiness({ name: devGroup.name })).toBeUndefined();
    expect(pcsGroupStickiness({ ...devGroup, stickiness: 150 })).toEqual([
      "pcs",
      "resource",
      "meta",
      "service01",
      "resource-stickiness=150",
    ]);
    expect(() => pcsGroupStickiness({ ...devGroup, stickiness: -1 })).toThrow(
      /stickiness: -1 is not a whole number/,
    );
  });

  it("sets the group's wanted meta, and removes the managed meta it does not want", () => {
    const group = { id: "service01", members: [], meta: { "resource-stickiness": "1000" } };
    expect(groupMetaArgv(group)).toEqual(pcsGroupStickiness(devGroup));
    expect(groupMetaArgv({ ...group, meta: {} }).join(" ")).toBe(
      "pcs resource meta service01 resource-stickiness=",
    );
  });
});

describe("pcs constraint location", () => {
  it("prefers the default lab's domain nodes by priority, without avoids when the domain holds every node", () => {
    expect(pcsLocationPrefers(devGroup.name, devGroup.domain, devNodeNames)).toEqual([
      ["pcs", "constraint", "location", "service01", "prefers", "node01h=200", "node02h=100"],
    ]);
  });

  it("keeps a restricted group off the nodes outside its domain", () => {
    const nodes = { node01: "node01h", node02: "node02h", node03: "node03h" };
    const domain = { nodes: ["node02", "node01"], restricted: true };
    expect(pcsLocationPrefers("service02", domain, nodes)).toEqual([
      ["pcs", "constraint", "location", "service02", "prefers", "node02h=200", "node01h=100"],
      ["pcs", "constraint", "location", "service02", "avoids", "node03h"],
    ]);
    expect(pcsLocationPrefers("service02", { ...domain, restricted: false }, nodes)).toHaveLength(1);
    expect(() => pcsLocationPrefers("service02", { nodes: ["node04"], restricted: true }, nodes)).toThrow(
      /domain\.nodes\[0\]: "node04" is not a cluster member\. Fix: use member names: node01, node02, node03/,
    );
  });

  it("describes the constraints as structures: score by priority, -INFINITY for avoided nodes", () => {
    const nodes = { node01: "node01h", node02: "node02h", node03: "node03h" };
    expect(groupLocations("service02", { nodes: ["node02", "node01"], restricted: true }, nodes)).toEqual([
      { rsc: "service02", node: "node02h", score: "200" },
      { rsc: "service02", node: "node01h", score: "100" },
      { rsc: "service02", node: "node03h", score: "-INFINITY" },
    ]);
  });
});
