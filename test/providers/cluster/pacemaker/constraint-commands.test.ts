/**
 * Tests of where a service group runs (providers/cluster/pacemaker/constraint-commands.ts): the
 * location constraints of its failover domain and its stickiness, for pcs 0.11.5.
 *
 * Sources: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (resource meta, constraint location
 * prefers/avoids).
 */
import {
  attributeBelowRule,
  checkConstraints,
  constraintsArgv,
  groupLocations,
  groupMetaArgv,
  pcsGroupStickiness,
  pcsLocationPrefers,
  type PcsConstraints,
} from "../../../../providers/cluster/pacemaker/constraint-commands";
import type { PcsOrder } from "../../../../providers/cluster/pacemaker/pcs-resource";
import { Problems } from "../../../../spec/problems";
import { pingColocation, pingOrder, pingScoreRule } from "../../../fixtures/lb-pacemaker";
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

describe("constraints of a group and its clones", () => {
  const rule = attributeBelowRule({ id: "location-G-pingd", rsc: "G", attribute: "pingd_score", minimum: 1 });
  const constraints: PcsConstraints = {
    locations: [
      { rsc: "G", node: "ld1h", score: "100" },
      { rsc: "H", node: "ld2h", score: "-INFINITY" },
      { rsc: "G", node: "ld2h", score: "50" },
    ],
    rules: [rule],
    colocations: [pingColocation("G", "P")],
    orders: [pingOrder("G", "P", false)],
  };

  it("keeps a resource off nodes where the attribute is undefined or below the minimum", () => {
    expect(rule).toEqual(pingScoreRule("G"));
  });

  it("adds simple locations per resource, then rules, colocations and orders", () => {
    expect(constraintsArgv(constraints).map((argv) => argv.join(" "))).toEqual([
      "pcs constraint location G prefers ld1h=100 ld2h=50",
      "pcs constraint location H avoids ld2h",
      "pcs constraint location G rule constraint-id=location-G-pingd score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
      "pcs constraint colocation add G with P-clone score=INFINITY id=G-with-P",
      "pcs constraint order P-clone then G kind=Mandatory symmetrical=false id=order-P-then-G",
    ]);
    expect(constraintsArgv({ locations: [], rules: [], colocations: [], orders: [] })).toEqual([]);
  });

  it("refuses bad ids, scores, duplicate ids and malformed expressions, naming each field", () => {
    const bad: PcsConstraints = {
      locations: [{ rsc: "G", node: "ld1h", score: "high" }],
      rules: [
        {
          ...rule,
          id: "order-P-then-G",
          expressions: [
            { attribute: "or", operation: "lt", value: "1" },
            { attribute: "pingd_score", operation: "about", type: "float", value: "two words" },
            { attribute: "pingd_score", operation: "defined", value: "1" },
          ],
        },
        { ...rule, id: "empty", expressions: [] },
      ],
      colocations: [{ id: "c", rsc: "G", withRsc: "G", score: "INFINITY" }],
      orders: [{ ...constraints.orders[0], first: "1st" } as PcsOrder],
    };
    const problems = new Problems();
    checkConstraints(problems, "constraints", bad);
    expect(problems.list.map((p) => `${p.path}: ${p.problem}`)).toEqual([
      'constraints: the constraint id "order-P-then-G" is used twice',
      'constraints.locations[0].score: "high" is not a score',
      'constraints.rules[0].expressions[0].attribute: "or" is not a node attribute name',
      'constraints.rules[0].expressions[1].operation: "about" is not a rule operation',
      'constraints.rules[0].expressions[1].type: "float" is not a value type',
      'constraints.rules[0].expressions[1].value: "two words" is not a value a rule can compare with',
      "constraints.rules[0].expressions[2]: defined takes no value and no type",
      "constraints.rules[1].expressions: the rule has no expression",
      "constraints.colocations[0]: a resource is colocated with itself",
      'constraints.orders[0].first: "1st" is not a valid CIB id',
    ]);
    expect(() => constraintsArgv(bad)).toThrow(/^pcs constraint:\n {2}- constraints: the constraint id/);
  });
});
