import { expectRejected, nets } from "./helpers";

describe("rejected input names the field and the fix: networks and the host", () => {
  test("malformed CIDR", () => {
    expectRejected(
      { networks: nets(["192.168.7/24", "192.168.8.0/24", "192.168.9.0/24"]) },
      "networks[0].cidr",
      "not an IPv4 network in CIDR notation",
      "a.b.c.d/nn",
    );
  });

  test("CIDR with host bits set", () => {
    expectRejected(
      { networks: nets(["192.168.7.5/24", "192.168.8.0/24", "192.168.9.0/24"]) },
      "networks[0].cidr",
      "host bits set",
      "192.168.7.0/24",
    );
  });

  test("overlapping CIDRs", () => {
    expectRejected(
      { networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.8.0/23"]) },
      "networks[2].cidr",
      "overlaps networks[1].cidr",
      "non-overlapping",
    );
  });

  test("duplicate network names", () => {
    const n = nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    n[2].name = "management";
    expectRejected({ networks: n }, "networks[2].name", 'duplicate network name "management"', "unique name");
  });

  test("bridge name longer than 15 characters", () => {
    const n = nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    expectRejected(
      { networks: [{ ...n[0], bridge: "br-service-network" }, n[1], n[2]] },
      "networks[0].bridge",
      "18 characters long",
      "at most 15",
    );
  });

  test("host address not on the management network", () => {
    expectRejected(
      { host: { address: "192.168.7.1" } },
      "host.address",
      "outside network management",
      "192.168.8.",
    );
  });
});
