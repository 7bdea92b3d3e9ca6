/**
 * Fail counts read from the CIB's status section, and the bans among them: what keeps a resource
 * off a node until it is cleaned up.
 */
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import { banLine, bansOf, cleanupArgv } from "../../../../providers/cluster/pacemaker/fail-counts";
import { failCountStatus } from "../../../fixtures/pacemaker-xml";
import { LB_CONSTRAINTS_XML, lbCib, lbGroupXml, PING_CLONE_XML } from "../../../fixtures/lb-pacemaker";

/** The directors' CIB with `status`. */
const withStatus = (status: string) =>
  parseCib(lbCib({ resources: PING_CLONE_XML + lbGroupXml(), constraints: LB_CONSTRAINTS_XML, status }));

const SET = ["GrpBalancer", "VIPCHK1", "LB_VIP", "LDIRECTOR1", "PINGD-clone", "PINGD"];

describe("fail counts", () => {
  test("parseCib reads every fail count of every node, not the last-failure times beside them", () => {
    const cib = withStatus(
      failCountStatus([
        { id: 2, node: "ld2h", resource: "LDIRECTOR1", operation: "start_0", value: "INFINITY" },
        { id: 1, node: "ld1h", resource: "LB_VIP", operation: "monitor_10000", value: "2" },
      ]),
    );
    expect(cib.failCounts).toEqual([
      { node: "ld2h", resource: "LDIRECTOR1", operation: "start", value: "INFINITY" },
      { node: "ld1h", resource: "LB_VIP", operation: "monitor", value: "2" },
    ]);
    expect(withStatus("  <status/>\n").failCounts).toEqual([]);
  });

  test("pacemaker 1's fail-count-<rsc>, with no operation, is read too", () => {
    const status = failCountStatus([
      { id: 1, node: "ld1h", resource: "LDIRECTOR1", operation: "stop_0", value: "INFINITY" },
    ]).replace('name="fail-count-LDIRECTOR1#stop_0"', 'name="fail-count-LDIRECTOR1"');
    expect(withStatus(status).failCounts).toEqual([
      { node: "ld1h", resource: "LDIRECTOR1", operation: "", value: "INFINITY" },
    ]);
  });

  test("a ban is an INFINITY (or score-sized) count of a resource of the set; one per resource and node", () => {
    const cib = withStatus(
      failCountStatus([
        { id: 2, node: "ld2h", resource: "LDIRECTOR1", operation: "start_0", value: "INFINITY" },
        { id: 2, node: "ld2h", resource: "LDIRECTOR1", operation: "stop_0", value: "INFINITY" },
        { id: 1, node: "ld1h", resource: "PINGD", operation: "start_0", value: "1000000" },
        { id: 1, node: "ld1h", resource: "LB_VIP", operation: "monitor_10000", value: "3" },
        { id: 1, node: "ld1h", resource: "kvmhost01", operation: "start_0", value: "INFINITY" },
      ]),
    );
    const bans = bansOf(cib, SET);
    expect(bans).toEqual([
      { resource: "LDIRECTOR1", node: "ld2h", operation: "start" },
      { resource: "PINGD", node: "ld1h", operation: "start" },
    ]);
    expect(bans.map(banLine)).toEqual([
      "LDIRECTOR1 on ld2h: banned by a failure (its start failed) → cleaned up",
      "PINGD on ld1h: banned by a failure (its start failed) → cleaned up",
    ]);
    expect(banLine({ resource: "LB_VIP", node: "ld1h", operation: "" })).toBe(
      "LB_VIP on ld1h: banned by a failure → cleaned up",
    );
    expect(bans.map(cleanupArgv)).toEqual([
      ["pcs", "resource", "cleanup", "LDIRECTOR1", "node=ld2h"],
      ["pcs", "resource", "cleanup", "PINGD", "node=ld1h"],
    ]);
  });
});
