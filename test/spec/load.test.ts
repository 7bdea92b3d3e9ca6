import { applyDefaults, parseLabSpec, validateLabSpec } from "../../spec";
import { expectRejected, iface, nets, nodes, problemsOf } from "./helpers";

describe("rejected input names the field and the fix: schema, and every problem at once", () => {
  test("unknown keys are errors that list the allowed keys", () => {
    expectRejected({ host: { sshPrt: 2222 } }, "host.sshPrt", 'unknown key "sshPrt"', "sshPort");
    expectRejected({ nodez: [] }, "nodez", "unknown key", "nodes");
    // A setting nothing reads is refused rather than accepted and ignored.
    expectRejected(
      { timeouts: { commandSeconds: 600 } },
      "timeouts.commandSeconds",
      "unknown key",
      "bootSeconds",
    );
  });

  test("wrong types and enum values", () => {
    expectRejected(
      { nodes: [{ name: "node01", vcpus: "two", addresses: {} }] },
      "nodes[0].vcpus",
      "expected a number",
      "number",
    );
    expectRejected(
      { cluster: { stack: "heartbeat" } },
      "cluster.stack",
      '"heartbeat" is not allowed',
      "pacemaker, cman",
    );
    expectRejected(
      { services: [{ name: "s1", resources: [{ kind: "drbd" }] }] },
      "services[0].resources[0].kind",
      "kind",
      "ip, gluster-mount, iscsi-filesystem, postgresql",
    );
    expectRejected(
      { networks: [{ name: "x", cidr: "10.0.0.0/24" }] },
      "networks[0].role",
      "is required",
      "add it",
    );
    expectRejected("node01", "lab", "expected an object, got a string", "write an object");
  });

  test("layers other than substrate, storage or cluster", () => {
    expectRejected({ layers: "nodes" }, "layers", '"nodes" is not allowed', "substrate, storage, cluster");
    expectRejected(
      { layers: "Cluster" },
      "layers",
      '"Cluster" is not allowed',
      "substrate, storage, cluster",
    );
    expectRejected({ layers: 2 }, "layers", "got a number", "'substrate' | 'storage' | 'cluster'");
  });

  test("all problems are reported together, one per line", () => {
    const ns = nodes(2);
    ns[1].addresses.heartbeat = "192.168.10.5";
    const lines = problemsOf({
      nodes: ns,
      networks: nets(["192.168.7/24", "192.168.8.0/24", "192.168.9.0/24"]),
      gluster: { replica: 3 },
      cluster: { links: ["heartbeat", "backup"] },
    });
    for (const p of [
      "networks[0].cidr",
      "nodes[1].addresses.heartbeat",
      "gluster.replica",
      "cluster.links[1]",
    ]) {
      expect(lines.some((l) => l.startsWith(`${p}: `))).toBe(true);
    }
    for (const l of lines) expect(l).toMatch(/^\S+: .+\. Fix: .+$/);
  });
});

describe("accepted variants", () => {
  test("three nodes without two_node", () => {
    const spec = parseLabSpec({ nodes: nodes(3) });
    expect(spec.cluster.twoNode).toBe(false);
    expect(spec.gluster.replica).toBe(3);
    expect(spec.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
    expect(spec.services[0].domain.nodes).toEqual(["node01", "node02", "node03"]);
    expect(spec.reservedHosts).toEqual([]);
    expect(iface(spec, 2, "heartbeat")).toMatchObject({ address: "192.168.9.123", hostname: "node03h" });
  });

  test("three nodes with a replica-3 arbiter volume", () => {
    const spec = parseLabSpec({ nodes: nodes(3), gluster: { replica: 3, arbiter: true } });
    expect(spec.gluster).toMatchObject({ replica: 3, arbiter: true });
  });

  test("NAT network", () => {
    const spec = parseLabSpec({
      networks: [
        { name: "service", role: "service", cidr: "192.168.7.0/24", mode: "nat" },
        { name: "management", role: "management", cidr: "192.168.8.0/24" },
        { name: "heartbeat", role: "heartbeat", cidr: "192.168.9.0/24" },
      ],
    });
    expect(spec.networks[0].mode).toBe("nat");
    expect(spec.networks[1].mode).toBe("isolated");
  });

  test("custom addresses: other CIDRs carry the derived defaults along", () => {
    const spec = parseLabSpec({
      name: "lab2",
      networks: [
        { name: "svc", role: "service", cidr: "10.10.0.0/24" },
        { name: "mgmt", role: "management", cidr: "10.20.0.0/24" },
        { name: "hb", role: "heartbeat", cidr: "10.30.0.0/24" },
      ],
      nodes: [
        { name: "ha01", addresses: { svc: "10.10.0.11", mgmt: "10.20.0.11", hb: "10.30.0.11" } },
        {
          name: "ha02",
          addresses: { svc: "10.10.0.12", mgmt: "10.20.0.12", hb: "10.30.0.12" },
          macs: { svc: "52:54:00:AB:CD:EF" },
        },
      ],
    });
    expect(spec.host.address).toBe("10.20.0.1");
    expect(spec.fencing[0].ipaddr).toBe("10.20.0.1");
    expect(spec.services[0].resources[0]).toMatchObject({ address: "10.10.0.99", network: "svc" });
    expect(spec.cluster.links).toEqual(["hb", "mgmt"]);
    expect(spec.gluster.network).toBe("mgmt");
    expect(spec.services[0].domain.nodes).toEqual(["ha01", "ha02"]);
    expect(iface(spec, 1, "svc").mac).toBe("52:54:00:ab:cd:ef");
    expect(iface(spec, 0, "mgmt").hostname).toBe("ha01m");
    expect(spec.networks.map((n) => n.bridge)).toEqual(["lab2-svc", "lab2-mgt", "lab2-hb"]);
  });

  test("a host address other than .1 becomes the management gateway", () => {
    const spec = parseLabSpec({ host: { address: "192.168.8.254" } });
    expect(spec.networks[1].gateway).toBe("192.168.8.254");
    expect(spec.fencing[0].ipaddr).toBe("192.168.8.254");
  });

  test("two networks: heartbeat shares the service network (seed 000)", () => {
    const spec = parseLabSpec({
      networks: [
        { name: "service", role: "service", cidr: "192.168.7.0/24" },
        { name: "management", role: "management", cidr: "192.168.8.0/24" },
      ],
    });
    expect(spec.nodes[0].interfaces).toHaveLength(2);
    expect(spec.cluster.links).toEqual(["service", "management"]);
  });

  test("stonith off with shared data only with the explicit lab override", () => {
    const spec = parseLabSpec({
      cluster: { properties: { "stonith-enabled": false }, allowNoStonithWithSharedData: true },
    });
    expect(spec.cluster.properties["stonith-enabled"]).toBe("false");
  });

  test("stonith off without shared data", () => {
    const spec = parseLabSpec({
      cluster: { properties: { "stonith-enabled": "false", "no-quorum-policy": "ignore" } },
      services: [{ name: "web", resources: [{ kind: "ip", address: "192.168.7.50" }] }],
    });
    expect(spec.gluster.mountBy).toBe("all");
    expect(spec.cluster.properties).toEqual({ "stonith-enabled": "false", "no-quorum-policy": "ignore" });
  });

  test("cman flavour defaults to udpu", () => {
    const spec = parseLabSpec({ cluster: { stack: "cman" } });
    expect(spec.cluster.transport).toBe("udpu");
  });

  test("without GlusterFS the default service uses the iSCSI data LUN", () => {
    const spec = parseLabSpec({ gluster: { enabled: false } });
    expect(spec.services[0].resources.map((r) => r.kind)).toEqual(["ip", "iscsi-filesystem", "postgresql"]);
    expect(spec.services[0].resources[1]).toMatchObject({ lun: 2, fsType: "ext4" });
    expect(spec.services[0].resources[2]).toMatchObject({ dataDir: "/shared00/pgsql" });
  });

  test("layers: substrate, storage or cluster; the whole lab (cluster) by default", () => {
    expect(parseLabSpec({}).layers).toBe("cluster");
    for (const layers of ["substrate", "storage", "cluster"] as const) {
      const spec = parseLabSpec({ layers });
      expect(spec.layers).toBe(layers);
      // The rest of the lab is described in full whatever is built of it.
      expect(spec.cluster.name).toBe("cluster01");
      expect(spec.services).toHaveLength(1);
    }
  });

  test("applyDefaults is total on malformed input (validation reports it instead)", () => {
    const spec = applyDefaults({ networks: [{ name: "service", role: "service", cidr: "nonsense" }] });
    expect(spec.networks[0].gateway).toBe("");
    expect(validateLabSpec(spec).some((p) => p.path === "networks[0].cidr")).toBe(true);
  });
});
