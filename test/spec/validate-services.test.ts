import { expectRejected } from "./helpers";

describe("rejected input names the field and the fix: storage and service groups", () => {
  test("gluster replica larger than the node count", () => {
    expectRejected(
      { gluster: { replica: 3 } },
      "gluster.replica",
      "only 2 nodes",
      "set gluster.replica to 2",
    );
  });

  test("gluster arbiter without replica 3", () => {
    expectRejected({ gluster: { arbiter: true } }, "gluster.arbiter", "needs replica 3", "replica: 3");
  });

  test("service VIP outside the service network", () => {
    expectRejected(
      { services: [{ name: "service01", resources: [{ kind: "ip", address: "192.168.8.99" }] }] },
      "services[0].resources[0].address",
      "outside network service",
      "192.168.7.2",
    );
  });

  test("failover domain naming a node that does not exist", () => {
    expectRejected(
      {
        services: [
          {
            name: "service01",
            domain: { nodes: ["node01", "node03"] },
            resources: [{ kind: "ip", address: "192.168.7.99" }],
          },
        ],
        gluster: { mountBy: "all" },
      },
      "services[0].domain.nodes[1]",
      'no node named "node03"',
      "node01, node02",
    );
  });

  test("PostgreSQL data off the group's shared file system", () => {
    expectRejected(
      {
        services: [
          {
            name: "service01",
            resources: [
              { kind: "ip", address: "192.168.7.99" },
              { kind: "gluster-mount" },
              { kind: "postgresql", dataDir: "/var/lib/pgsql" },
            ],
          },
        ],
      },
      "services[0].resources[2].dataDir",
      "not on the group's shared file system",
      "/gldata00/pgsql",
    );
  });
});
