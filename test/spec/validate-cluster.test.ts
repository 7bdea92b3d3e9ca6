import { expectRejected, nodes } from "./helpers";

describe("rejected input names the field and the fix: cluster and fencing", () => {
  test("two nodes without two_node", () => {
    expectRejected({ cluster: { twoNode: false } }, "cluster.twoNode", "two-node cluster", "twoNode: true");
  });

  test("two_node with three nodes", () => {
    expectRejected(
      { nodes: nodes(3), cluster: { twoNode: true } },
      "cluster.twoNode",
      "exactly 2 nodes, there are 3",
      "twoNode: false",
    );
  });

  test("stonith disabled while a service group has shared data", () => {
    const line = expectRejected(
      { cluster: { properties: { "stonith-enabled": false } } },
      "cluster.properties.stonith-enabled",
      "service01",
      "allowNoStonithWithSharedData: true",
    );
    expect(line).toContain("stonith-enabled to true");
  });

  test("stonith enabled with no fence device", () => {
    expectRejected({ fencing: [] }, "fencing", "no fence device", "add a fence device");
  });

  test("cluster links naming unknown networks", () => {
    expectRejected(
      { cluster: { links: ["heartbeat", "backup"] } },
      "cluster.links[1]",
      'no network named "backup"',
      "service, management, heartbeat",
    );
  });

  test("management as the only link (fencing would share the heartbeat path)", () => {
    expectRejected(
      { cluster: { links: ["management"] } },
      "cluster.links",
      "only corosync link",
      "heartbeat",
    );
  });

  test("fence address not on the management network", () => {
    expectRejected(
      { fencing: [{ name: "kvmhost01", ipaddr: "192.168.7.1" }] },
      "fencing[0].ipaddr",
      "outside network management",
      "192.168.8.",
    );
  });
});
