/**
 * Tests of the cluster setup and option commands (providers/cluster/pacemaker/pcs-setup.ts) for
 * pcs 0.11.5.
 *
 * Sources: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (pcs-0.11: cluster setup, property
 * set/unset, resource defaults update), pcs/lib/cib/cluster_property.py
 * (READONLY_CLUSTER_PROPERTY_LIST).
 */
import { parseLabSpec } from "../../../../spec";
import {
  pcsClusterSetup,
  pcsPropertySet,
  pcsPropertyUnset,
  pcsResourceDefaultsUpdate,
} from "../../../../providers/cluster/pacemaker/pcs-setup";
import { dev, devMembers, membersOf } from "./fixtures";

describe("pcs cluster setup", () => {
  it("builds the default lab's cluster: two knet links, token 20000, no quorum options", () => {
    expect(pcsClusterSetup(dev.cluster, devMembers)).toEqual([
      "pcs",
      "cluster",
      "setup",
      "cluster01",
      "node01h",
      "addr=192.168.9.121",
      "addr=192.168.8.121",
      "node02h",
      "addr=192.168.9.122",
      "addr=192.168.8.122",
      "transport",
      "knet",
      "totem",
      "token=20000",
    ]);
  });

  it("writes members in nodeid order and enables the cluster at boot on request", () => {
    const argv = pcsClusterSetup({ ...dev.cluster, startAtBoot: true }, [...devMembers].reverse());
    expect(argv.filter((w) => /^node0\dh$/.test(w))).toEqual(["node01h", "node02h"]);
    expect(argv[argv.length - 1]).toBe("--enable");
    expect(argv).not.toContain("quorum");
  });

  it("rejects what pcs would number or write differently", () => {
    const three = membersOf(
      parseLabSpec({
        name: "dev",
        nodes: ["node01", "node02", "node03"].map((name, i) => ({
          name,
          addresses: {
            service: `192.168.7.${121 + i}`,
            management: `192.168.8.${121 + i}`,
            heartbeat: `192.168.9.${121 + i}`,
          },
        })),
      }),
    );
    expect(() => pcsClusterSetup({ ...dev.cluster, twoNode: true }, three)).toThrow(
      /twoNode: two_node needs exactly two members, there are 3\. Fix: set twoNode false/,
    );
    expect(() => pcsClusterSetup({ ...dev.cluster, twoNode: false }, devMembers)).toThrow(
      /twoNode: pcs writes two_node: 1 for every two-member cluster/,
    );
    const gap = devMembers.map((m, i) => ({ ...m, nodeId: i === 1 ? 3 : m.nodeId }));
    expect(() => pcsClusterSetup(dev.cluster, gap)).toThrow(/members\.node02\.nodeId: pcs numbers nodes 1…2/);
    expect(() => pcsClusterSetup({ ...dev.cluster, transport: "udpu" }, devMembers)).toThrow(
      /linkAddresses: 2 link addresses, udpu takes 1 to 1/,
    );
    const short = devMembers.map((m, i) =>
      i === 1 ? { ...m, linkAddresses: m.linkAddresses.slice(0, 1) } : m,
    );
    expect(() => pcsClusterSetup(dev.cluster, short)).toThrow(/the same number of addresses on every node/);
    expect(() => pcsClusterSetup({ ...dev.cluster, tokenMs: 0 }, devMembers)).toThrow(/tokenMs: 0 is not/);
  });
});

describe("pcs property and resource defaults", () => {
  it("sets the default lab's properties", () => {
    expect(pcsPropertySet(dev.cluster.properties)).toEqual([
      "pcs",
      "property",
      "set",
      "stonith-enabled=true",
      "no-quorum-policy=stop",
    ]);
    expect(pcsPropertyUnset(["stonith-timeout", "maintenance-mode"])).toEqual([
      "pcs",
      "property",
      "unset",
      "stonith-timeout",
      "maintenance-mode",
    ]);
  });

  it("refuses read-only properties, empty values and empty sets", () => {
    expect(() => pcsPropertySet({ "cluster-name": "other" })).toThrow(
      /properties\.cluster-name: pacemaker maintains this property itself/,
    );
    expect(() => pcsPropertyUnset(["dc-version"])).toThrow(/names\.dc-version: pacemaker maintains/);
    expect(() => pcsPropertySet({ "stonith-enabled": "" })).toThrow(/the value is empty.*Fix: give a value/);
    expect(() => pcsPropertySet({})).toThrow(/properties: there is nothing to set/);
    expect(() => pcsPropertySet({ "bad name": "1" })).toThrow(/"bad name" is not an option name/);
  });

  it("updates resource defaults; an empty value removes one", () => {
    expect(pcsResourceDefaultsUpdate({ "resource-stickiness": "100", "migration-threshold": "" })).toEqual([
      "pcs",
      "resource",
      "defaults",
      "update",
      "resource-stickiness=100",
      "migration-threshold=",
    ]);
    expect(() => pcsResourceDefaultsUpdate(dev.cluster.resourceDefaults)).toThrow(/nothing to set/);
    expect(() => pcsResourceDefaultsUpdate({ "resource-stickiness": "1\n0" })).toThrow(
      /not a one-line string/,
    );
  });
});
