import * as pulumi from "@pulumi/pulumi";
import {
  LabSpecError,
  deriveBridgeName,
  deriveMac,
  loadLabSpec,
  parseLabSpec,
  validateLabSpec,
} from "../../spec";
import { iface, nets, nodes } from "./helpers";

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
    expect(spec.timeouts).toEqual({ bootSeconds: 600 });
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

describe("reserved hosts (seed 000: node03 at .123)", () => {
  const seedReserved = parseLabSpec({}).reservedHosts;

  test("stay when the nodes are written out, as they are or changed", () => {
    expect(parseLabSpec({ nodes: nodes(2) }).reservedHosts).toEqual(seedReserved);
    expect(parseLabSpec({ nodes: nodes(2, { 1: { memoryMiB: 1536 } }) }).reservedHosts).toEqual(seedReserved);
    // Nodes of other names at other addresses: the seed's reservation is no business of theirs.
    const elsewhere = nodes(2).map((n, i) => ({
      ...n,
      name: `db${i + 1}`,
      addresses: Object.fromEntries(
        Object.entries(n.addresses).map(([k, a]) => [k, a.replace(/\.12(\d)$/, ".3$1")]),
      ),
    }));
    expect(parseLabSpec({ nodes: elsewhere }).reservedHosts).toEqual(seedReserved);
  });

  test("go only when removed, or where the lab uses the name or address itself", () => {
    expect(parseLabSpec({ reservedHosts: [] }).reservedHosts).toEqual([]);
    // node03 added: its own entries take the reserved ones' place.
    expect(parseLabSpec({ nodes: nodes(3) }).reservedHosts).toEqual([]);
    // A service VIP at .123 of the service network: that entry is left out, the others stay.
    const vip = parseLabSpec({
      services: [{ name: "web", resources: [{ kind: "ip", address: "192.168.7.123" }] }],
    });
    expect(vip.reservedHosts).toEqual(seedReserved.filter((r) => r.address !== "192.168.7.123"));
    // A network too small to hold .123 reserves nothing there.
    const tiny = parseLabSpec({
      networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.96/27"]),
      nodes: nodes(2).map((n, i) => ({
        ...n,
        addresses: { ...n.addresses, heartbeat: `192.168.9.${100 + i}` },
      })),
    });
    expect(tiny.reservedHosts.map((r) => r.hostname)).toEqual(["node03", "node03m"]);
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
});
