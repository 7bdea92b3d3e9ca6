import { expectRejected, nets, nodes, problemsOf } from "./helpers";

describe("rejected input names the field and the fix: nodes and their addresses", () => {
  test("address outside its network", () => {
    const ns = nodes(2);
    ns[1].addresses.heartbeat = "192.168.10.5";
    expectRejected(
      { nodes: ns },
      "nodes[1].addresses.heartbeat",
      "outside network heartbeat",
      "192.168.9.2–192.168.9.254",
    );
  });

  test("address equal to the network, broadcast or gateway address", () => {
    for (const [addr, what] of [
      ["192.168.9.0", "network address"],
      ["192.168.9.255", "broadcast address"],
      ["192.168.9.1", "gateway"],
    ]) {
      const ns = nodes(2);
      ns[0].addresses.heartbeat = addr;
      expectRejected({ nodes: ns }, "nodes[0].addresses.heartbeat", what, "use an address in 192.168.9.2");
    }
  });

  test("malformed address", () => {
    const ns = nodes(2);
    ns[0].addresses.service = "192.168.7.300";
    expectRejected({ nodes: ns }, "nodes[0].addresses.service", "not an IPv4 address", "dotted-quad");
  });

  test("duplicate node names", () => {
    const ns = nodes(2);
    ns[1].name = "node01";
    expectRejected({ nodes: ns }, "nodes[1].name", 'duplicate node name "node01"', "unique name");
  });

  test("duplicate addresses", () => {
    const ns = nodes(2);
    ns[1].addresses.service = "192.168.7.121";
    expectRejected(
      { nodes: ns },
      "nodes[1].addresses.service",
      "(also at nodes[0].addresses.service)",
      "its own address",
    );
  });

  test("duplicate MACs", () => {
    const ns = nodes(2);
    ns[0].macs = { service: "52:54:00:00:00:01" };
    ns[1].macs = { heartbeat: "52:54:00:00:00:01" };
    expectRejected({ nodes: ns }, "nodes[1].macs.heartbeat", "duplicate MAC address", "its own MAC");
  });

  test("malformed and multicast MACs", () => {
    const ns = nodes(2);
    ns[0].macs = { service: "52:54:00:zz:00:01", management: "01:00:5e:00:00:01" };
    expectRejected({ nodes: ns }, "nodes[0].macs.service", "not a MAC address", "six hex octets");
    expectRejected({ nodes: ns }, "nodes[0].macs.management", "multicast", "unicast");
  });

  test("a node missing an address where the derived one (.121 + index) does not fit the network", () => {
    const ns = nodes(2);
    delete (ns[1].addresses as Record<string, string>).heartbeat;
    expectRejected(
      { nodes: ns, networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/26"]) },
      "nodes[1].addresses.heartbeat",
      "no address on network heartbeat: the derived one (host part 122) lies outside 192.168.9.0/26",
      "add addresses.heartbeat: an address in 192.168.9.2–192.168.9.62",
    );
  });

  test("an address for a network that does not exist", () => {
    const ns = nodes(2);
    (ns[0].addresses as Record<string, string>).hearbeat = "192.168.9.50";
    expectRejected({ nodes: ns }, "nodes[0].addresses.hearbeat", 'no network named "hearbeat"', "heartbeat");
  });

  test("fewer than two nodes", () => {
    expectRejected(
      { nodes: nodes(1), cluster: { twoNode: false } },
      "nodes",
      "at least 2 nodes",
      "two nodes",
    );
  });

  test("service VIP colliding with a node address", () => {
    expectRejected(
      { services: [{ name: "service01", resources: [{ kind: "ip", address: "192.168.7.122" }] }] },
      "services[0].resources[0].address",
      "(also at nodes[1].addresses.service)",
      "its own address",
    );
  });

  test("names that are not host names", () => {
    const ns = nodes(2);
    ns[0].name = "Node_01";
    expectRejected({ nodes: ns }, "nodes[0].name", '"Node_01" is not a valid node name', "lowercase letters");
    expectRejected({ name: "x".repeat(64) }, "name", "not a valid lab name", "1–63");
    // A bad lab name is reported once, not again through the names derived from it.
    expect(problemsOf({ name: "Bad_Name" })).toEqual([
      expect.stringMatching(/^name: "Bad_Name" is not a valid lab name/),
    ]);
    expectRejected({ cluster: { name: "-cl" } }, "cluster.name", "not a valid cluster name", "1–63");
  });
});
