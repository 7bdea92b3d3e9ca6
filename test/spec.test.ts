import * as pulumi from "@pulumi/pulumi";
import {
  LabSpecError,
  deriveBridgeName,
  deriveMac,
  isHostLabel,
  loadLabSpec,
  parseLabSpec,
  validateLabSpec,
  applyDefaults,
} from "../spec";
import type { LabConfigInput, LabSpec } from "../spec";
import {
  addressAt,
  cidrContains,
  cidrsOverlap,
  firstHost,
  formatIpv4,
  parseCidr,
  parseIpv4,
} from "../spec/ipv4";

/** Problem lines of a rejected config (throws if the config is accepted). */
function problemsOf(raw: unknown): string[] {
  try {
    parseLabSpec(raw);
  } catch (e) {
    if (e instanceof LabSpecError) {
      const lines = e.message.split("\n");
      expect(lines.slice(1)).toHaveLength(e.problems.length);
      return lines.slice(1);
    }
    throw e;
  }
  throw new Error("expected the lab configuration to be rejected, but it was accepted");
}

/** Asserts that a problem is reported at `path`, with `problem` in its text and `fix` in its fix. */
function expectRejected(raw: LabConfigInput | unknown, path: string, problem: string, fix: string): string {
  const lines = problemsOf(raw);
  const line = lines.find((l) => l.startsWith(`${path}: `) && l.includes(problem));
  if (line === undefined) {
    throw new Error(`no problem at ${path} mentioning ${JSON.stringify(problem)}; got:\n${lines.join("\n")}`);
  }
  const [, fixText] = line.split(". Fix: ");
  expect(fixText).toBeDefined();
  expect(fixText).toContain(fix);
  return line;
}

/** Explicit nodes on the default networks, `n` of them at .121, .122, … */
function nodes(n: number): NonNullable<LabConfigInput["nodes"]> {
  return Array.from({ length: n }, (_, i) => ({
    name: `node0${i + 1}`,
    addresses: {
      service: `192.168.7.${121 + i}`,
      management: `192.168.8.${121 + i}`,
      heartbeat: `192.168.9.${121 + i}`,
    },
  }));
}

function iface(spec: LabSpec, node: number, network: string) {
  const f = spec.nodes[node].interfaces.find((x) => x.network === network);
  if (!f) throw new Error(`no interface on ${network}`);
  return f;
}

describe("ipv4 helpers", () => {
  test("parse, contains, overlap, first host, broadcast", () => {
    expect(parseIpv4("192.168.7.121")).toBe(0xc0a80779);
    expect(parseIpv4("192.168.7")).toBeUndefined();
    expect(parseIpv4("192.168.7.256")).toBeUndefined();
    expect(parseIpv4("192.168.07.1")).toBeUndefined();
    const c = parseCidr("192.168.7.0/24");
    if (!c) throw new Error("parse failed");
    expect(formatIpv4(firstHost(c))).toBe("192.168.7.1");
    expect(formatIpv4(c.broadcast)).toBe("192.168.7.255");
    expect(cidrContains(c, "192.168.7.200")).toBe(true);
    expect(cidrContains(c, "192.168.8.1")).toBe(false);
    expect(formatIpv4(addressAt(c, 121) ?? 0)).toBe("192.168.7.121");
    expect(addressAt(c, 256)).toBeUndefined();
    const wide = parseCidr("192.168.6.0/23");
    const other = parseCidr("192.168.8.0/24");
    if (!wide || !other) throw new Error("parse failed");
    expect(cidrsOverlap(c, wide)).toBe(true);
    expect(cidrsOverlap(c, other)).toBe(false);
    expect(parseCidr("192.168.7.0/33")).toBeUndefined();
    expect(parseCidr("192.168.7.0")).toBeUndefined();
    expect(parseCidr("10.0.0.0/0")?.broadcast).toBe(0xffffffff);
  });
});

describe("defaults reproduce the seed lab (000/001)", () => {
  const spec = parseLabSpec({});

  test("nodes, networks, addresses and host names", () => {
    expect(spec.nodes.map((n) => n.name)).toEqual(["node01", "node02"]);
    expect(spec.networks.map((n) => [n.name, n.role, n.cidr, n.mode])).toEqual([
      ["service", "service", "192.168.7.0/24", "isolated"],
      ["management", "management", "192.168.8.0/24", "isolated"],
      ["heartbeat", "heartbeat", "192.168.9.0/24", "isolated"],
    ]);
    expect(spec.nodes[0].interfaces.map((f) => [f.network, f.address, f.hostname])).toEqual([
      ["service", "192.168.7.121", "node01"],
      ["management", "192.168.8.121", "node01m"],
      ["heartbeat", "192.168.9.121", "node01h"],
    ]);
    expect(spec.nodes[1].interfaces.map((f) => [f.address, f.hostname])).toEqual([
      ["192.168.7.122", "node02"],
      ["192.168.8.122", "node02m"],
      ["192.168.9.122", "node02h"],
    ]);
    expect(spec.reservedHosts).toEqual([
      { hostname: "node03", address: "192.168.7.123" },
      { hostname: "node03m", address: "192.168.8.123" },
      { hostname: "node03h", address: "192.168.9.123" },
    ]);
    expect(spec.host.address).toBe("192.168.8.1");
    expect(spec.networks.map((n) => n.gateway)).toEqual(["192.168.7.1", "192.168.8.1", "192.168.9.1"]);
  });

  test("node sizes, ids, domain names and timeouts", () => {
    expect(
      spec.nodes.map((n) => [n.nodeId, n.domainName, n.vcpus, n.memoryMiB, n.diskGiB, n.priority]),
    ).toEqual([
      [1, "halab-node01", 1, 1024, 8, 1],
      [2, "halab-node02", 1, 1024, 8, 2],
    ]);
    expect(spec.timeouts).toEqual({ bootSeconds: 600, commandSeconds: 300 });
    expect(spec.host).toMatchObject({ libvirtUri: "qemu:///system", domainType: "auto", sshUser: "root" });
  });

  test("derived MACs and bridges", () => {
    const macs = spec.nodes.flatMap((n) => n.interfaces.map((f) => f.mac));
    expect(new Set(macs).size).toBe(6);
    for (const mac of macs) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(iface(spec, 0, "management").mac).toBe(deriveMac("halab", "node01", "management"));
    expect(parseLabSpec({}).nodes[1].interfaces[2].mac).toBe(spec.nodes[1].interfaces[2].mac);
    expect(spec.networks.map((n) => n.bridge)).toEqual(["halab-svc", "halab-mgt", "halab-hb"]);
    expect(spec.networks.map((n) => n.libvirtName)).toEqual([
      "halab-service",
      "halab-management",
      "halab-heartbeat",
    ]);
  });

  test("iSCSI target on the KVM host with the seed's two LUNs", () => {
    expect(spec.iscsi.enabled).toBe(true);
    expect(spec.iscsi.host).toBe("kvmhost");
    expect(spec.iscsi.iqn).toMatch(/^iqn\.2011-08\.com\.example\.kvmhost:.*tgt01$/);
    expect(spec.iscsi.directory).toBe(`${spec.host.stateDir}/tgtd/cluster01`);
    expect(spec.iscsi.luns).toEqual([
      { id: 1, file: "volume01.img", sizeMiB: 100, purpose: "quorum" },
      { id: 2, file: "volume02.img", sizeMiB: 1024, purpose: "data" },
    ]);
  });

  test("GlusterFS volume data00", () => {
    expect(spec.gluster).toMatchObject({
      enabled: true,
      volume: "data00",
      replica: 2,
      arbiter: false,
      brickPath: "/glvol00",
      mountPoint: "/gldata00",
      network: "management",
      mountBy: "service",
    });
  });

  test("cluster01 and the fence device", () => {
    expect(spec.cluster).toMatchObject({
      stack: "pacemaker",
      name: "cluster01",
      transport: "knet",
      tokenMs: 20000,
      twoNode: true,
      links: ["heartbeat", "management"],
      startAtBoot: false,
      allowNoStonithWithSharedData: false,
    });
    expect(spec.cluster.properties).toEqual({ "stonith-enabled": "true", "no-quorum-policy": "stop" });
    expect(spec.fencing).toEqual([
      {
        name: "kvmhost01",
        agent: "fence_virsh",
        ipaddr: "192.168.8.1",
        login: "root",
        identityFile: "/etc/cluster/fence_virsh_key",
        action: "reboot",
      },
    ]);
  });

  test("service01: VIP, gluster mount, PostgreSQL in failover domain dom01", () => {
    expect(spec.services).toHaveLength(1);
    const s = spec.services[0];
    expect(s.name).toBe("service01");
    expect(s.autostart).toBe(false);
    expect(s.domain).toEqual({
      name: "dom01",
      nodes: ["node01", "node02"],
      ordered: false,
      restricted: true,
    });
    expect(s.resources.map((r) => r.kind)).toEqual(["ip", "gluster-mount", "postgresql"]);
    expect(s.resources[0]).toMatchObject({ address: "192.168.7.99", cidrNetmask: 24, monitorLink: true });
    expect(s.resources[1]).toMatchObject({ volume: "data00", mountPoint: "/gldata00" });
    expect(s.resources[2]).toMatchObject({ dataDir: "/gldata00/pgsql", port: 5432 });
  });

  test("undefined and null mean all defaults; the default spec validates clean", () => {
    expect(parseLabSpec(undefined)).toEqual(spec);
    expect(parseLabSpec(null)).toEqual(spec);
    expect(validateLabSpec(spec)).toEqual([]);
  });

  test("loadLabSpec reads kvm-ha-lab:lab from stack config", () => {
    pulumi.runtime.setConfig("kvm-ha-lab:lab", JSON.stringify({ name: "cfglab", nodes: nodes(3) }));
    const loaded = loadLabSpec(new pulumi.Config("kvm-ha-lab"));
    expect(loaded.name).toBe("cfglab");
    expect(loaded.nodes).toHaveLength(3);
    expect(loaded.nodes[2].domainName).toBe("cfglab-node03");
    pulumi.runtime.setConfig("kvm-ha-lab:lab", JSON.stringify({ nodes: [{ name: "x", addresses: {} }] }));
    expect(() => loadLabSpec(new pulumi.Config("kvm-ha-lab"))).toThrow(LabSpecError);
  });
});

describe("derived names", () => {
  test("bridge names never exceed 15 characters and stay distinct for long lab names", () => {
    const a = deriveBridgeName("averylonglabname-one", "management");
    const b = deriveBridgeName("averylonglabname-two", "management");
    expect(a.length).toBeLessThanOrEqual(15);
    expect(b.length).toBeLessThanOrEqual(15);
    expect(a).not.toBe(b);
    expect(a.endsWith("-mgt")).toBe(true);
    const spec = parseLabSpec({ name: "a-rather-long-lab-name" });
    for (const n of spec.networks) expect(n.bridge.length).toBeLessThanOrEqual(15);
  });

  test("MACs depend on lab, node and network", () => {
    expect(deriveMac("lab1", "node01", "service")).not.toBe(deriveMac("lab2", "node01", "service"));
    expect(deriveMac("lab1", "node01", "service")).toBe(deriveMac("lab1", "node01", "service"));
  });

  test("host label rule", () => {
    expect(isHostLabel("node01")).toBe(true);
    expect(isHostLabel("a".repeat(63))).toBe(true);
    expect(isHostLabel("a".repeat(64))).toBe(false);
    expect(isHostLabel("Node01")).toBe(false);
    expect(isHostLabel("-node")).toBe(false);
    expect(isHostLabel("node_01")).toBe(false);
  });
});

describe("rejected input names the field and the fix", () => {
  const nets = (cidrs: [string, string, string]) => [
    { name: "service", role: "service" as const, cidr: cidrs[0] },
    { name: "management", role: "management" as const, cidr: cidrs[1] },
    { name: "heartbeat", role: "heartbeat" as const, cidr: cidrs[2] },
  ];

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

  test("duplicate network names", () => {
    const n = nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    n[2].name = "management";
    expectRejected({ networks: n }, "networks[2].name", 'duplicate network name "management"', "unique name");
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

  test("a node missing an address on a network", () => {
    const ns = nodes(2);
    delete (ns[1].addresses as Record<string, string>).heartbeat;
    expectRejected(
      { nodes: ns },
      "nodes[1].addresses.heartbeat",
      "no address on network heartbeat",
      "add addresses.heartbeat",
    );
  });

  test("an address for a network that does not exist", () => {
    const ns = nodes(2);
    (ns[0].addresses as Record<string, string>).hearbeat = "192.168.9.50";
    expectRejected({ nodes: ns }, "nodes[0].addresses.hearbeat", 'no network named "hearbeat"', "heartbeat");
  });

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

  test("fewer than two nodes", () => {
    expectRejected(
      { nodes: nodes(1), cluster: { twoNode: false } },
      "nodes",
      "at least 2 nodes",
      "two nodes",
    );
  });

  test("gluster replica larger than the node count", () => {
    expectRejected({ gluster: { replica: 3 } }, "gluster.replica", "only 2 nodes", "at most 2");
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

  test("service VIP colliding with a node address", () => {
    expectRejected(
      { services: [{ name: "service01", resources: [{ kind: "ip", address: "192.168.7.122" }] }] },
      "services[0].resources[0].address",
      "(also at nodes[1].addresses.service)",
      "its own address",
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

  test("bridge name longer than 15 characters", () => {
    const n = nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    expectRejected(
      { networks: [{ ...n[0], bridge: "br-service-network" }, n[1], n[2]] },
      "networks[0].bridge",
      "18 characters long",
      "at most 15",
    );
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

  test("host address not on the management network", () => {
    expectRejected(
      { host: { address: "192.168.7.1" } },
      "host.address",
      "outside network management",
      "192.168.8.",
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

  test("unknown keys are errors that list the allowed keys", () => {
    expectRejected({ host: { sshPrt: 2222 } }, "host.sshPrt", 'unknown key "sshPrt"', "sshPort");
    expectRejected({ nodez: [] }, "nodez", "unknown key", "nodes");
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
