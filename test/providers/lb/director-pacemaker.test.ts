/**
 * Seed 002's pacemaker resources on the directors (providers/lb/director-pacemaker.ts): the
 * structures, and the pcs commands that create them for the ultramonkey stack (golden), and the
 * input checks.
 */
import { shellJoin } from "../../../providers/exec/ssh";
import { directorResourceSet, DIRECTOR_IDS, PING_ATTRIBUTE } from "../../../providers/lb/director-pacemaker";
import { resourceSetCreateArgv } from "../../../providers/cluster/pacemaker/resource-set";
import { VIPCHECK_AGENT } from "../../../providers/lb/vipcheck-agent";
import { expectGolden } from "../../support/golden";
import { DIRECTOR_PACEMAKER } from "../../fixtures/lb";
import { pingColocation, pingOrder, pingScoreRule } from "../../fixtures/lb-pacemaker";

describe("the directors' resource set", () => {
  const set = directorResourceSet(DIRECTOR_PACEMAKER);

  test("the seed's group order: VIPcheck (our agent), the VIP, ldirectord with the seed's operations", () => {
    expect(set.group.id).toBe("GrpBalancer");
    expect(set.group.members.map((m) => [m.id, m.agent])).toEqual([
      ["VIPCHK1", VIPCHECK_AGENT],
      ["LB_VIP", "ocf:heartbeat:IPaddr2"],
      ["LDIRECTOR1", "ocf:heartbeat:ldirectord"],
    ]);
    expect(VIPCHECK_AGENT).toBe("ocf:kvmlab:VIPcheck");
    // The seed's, except start and stop: 120 s instead of 60 s (too short under TCG).
    expect(set.group.members[2]?.operations).toEqual([
      { name: "monitor", interval: "30s", timeout: "60s", options: { "on-fail": "restart" } },
      {
        name: "start",
        interval: "0s",
        timeout: "120s",
        options: { "start-delay": "5s", "on-fail": "restart" },
      },
      { name: "stop", interval: "0s", timeout: "120s", options: { "on-fail": "block" } },
    ]);
    // The VIP monitored within 60 s, as a service group's VIP.
    expect(set.group.members[1]?.operations).toEqual([{ name: "monitor", interval: "10s", timeout: "60s" }]);
    expect(set.group.meta).toEqual({});
  });

  test("the ping clone pings the gateway into pingd_score (×100); the rule, colocation and order tie the group to it", () => {
    expect(set.clones).toHaveLength(1);
    expect(set.clones[0]?.id).toBe("PINGD-clone");
    expect(set.clones[0]?.resource.attributes).toEqual({
      host_list: "192.168.5.1",
      multiplier: "100",
      name: PING_ATTRIBUTE,
    });
    expect(set.constraints).toEqual({
      locations: [],
      rules: [pingScoreRule("GrpBalancer")],
      colocations: [pingColocation("GrpBalancer", "PINGD")],
      orders: [pingOrder("GrpBalancer", "PINGD", false)],
    });
    expect(set.constraints.rules[0]?.id).toBe(DIRECTOR_IDS.connectivity);
  });

  test("the pcs commands of the ultramonkey stack, byte for byte (golden)", () => {
    const lines = resourceSetCreateArgv(set).map((argv) => shellJoin(argv));
    expectGolden("pcs-lvs-directors-ultramonkey.txt", `${lines.join("\n")}\n`);
  });

  test("several ping targets go into one host_list", () => {
    const two = directorResourceSet({ ...DIRECTOR_PACEMAKER, pingTargets: ["192.168.5.1", "gw2"] });
    expect(two.clones[0]?.resource.attributes.host_list).toBe("192.168.5.1 gw2");
  });

  test("refuses a bad VIP, prefix or ping target, naming every field", () => {
    expect(() => directorResourceSet({ vip: "192.168.5", cidrNetmask: 33, pingTargets: [] })).toThrow(
      "pacemaker resources of the LVS directors:\n" +
        '  - vip: "192.168.5" is not an IPv4 address. Fix: use the load balancer\'s VIP (seed 002: 192.168.5.55)\n' +
        "  - cidrNetmask: 33 is not a prefix length. Fix: use the service network's prefix length (e.g. 24)\n" +
        "  - pingTargets: there is no host to ping. Fix: give the service network's gateway (loadBalancer.pingTargets)",
    );
    expect(() => directorResourceSet({ ...DIRECTOR_PACEMAKER, pingTargets: ["192.168.5.1 x"] })).toThrow(
      /pingTargets\[0\]: "192.168.5.1 x" is not an IPv4 address or host name/,
    );
  });
});
