/**
 * Node roles and the load balancer of seed 002 in the lab model: the defaults, every validation
 * rule with its field and fix, and that a lab without them is described exactly as before.
 */
import { applyDefaults, LabConfigSchema, parseLabSpec, type LabConfigInput } from "../../spec";
import { expectRejected, nodes, problemsOf } from "./helpers";

/** Seed 002's lab: directors ld1/ld2, real servers fe1/fe2 on 192.168.5.0/24 (management .15, heartbeat .16). */
function seed002(change: Partial<LabConfigInput> = {}): LabConfigInput {
  const at = (service: number, heartbeat = true) => ({
    service: `192.168.5.${service}`,
    management: `192.168.15.${service}`,
    ...(heartbeat ? { heartbeat: `192.168.16.${service}` } : {}),
  });
  return {
    name: "ultramonkey",
    networks: [
      { name: "service", role: "service", cidr: "192.168.5.0/24" },
      { name: "management", role: "management", cidr: "192.168.15.0/24" },
      { name: "heartbeat", role: "heartbeat", cidr: "192.168.16.0/24" },
    ],
    nodes: [
      { name: "ld1", addresses: at(35) },
      { name: "ld2", addresses: at(45) },
      { name: "fe1", role: "real-server", addresses: at(33, false) },
      { name: "fe2", role: "real-server", addresses: at(43, false) },
    ],
    image: { extraPackages: ["lighttpd", "iputils-arping"] },
    iscsi: { enabled: false },
    gluster: { enabled: false },
    loadBalancer: {},
    ...change,
  };
}

describe("defaults", () => {
  test("an empty loadBalancer section takes seed 002's values, the VIP at .55 and the gateway as ping target", () => {
    const spec = parseLabSpec(seed002());
    expect(spec.loadBalancer).toMatchObject({
      vip: "192.168.5.55",
      network: "service",
      port: 80,
      checkPort: 80,
      scheduler: "rr",
      fallback: "127.0.0.1:80",
      pingTargets: ["192.168.5.1"],
    });
    expect(spec.services).toEqual([]);
  });

  test("the check port follows the service port", () => {
    expect(parseLabSpec(seed002({ loadBalancer: { port: 8080 } })).loadBalancer).toMatchObject({
      port: 8080,
      checkPort: 8080,
    });
  });

  test("real servers: outside the cluster (node id and priority 0), 512 MiB, no heartbeat NIC unless given", () => {
    const config = seed002();
    // Listed first, a real server does not shift the members' node ids.
    config.nodes = [...(config.nodes ?? []).slice(2), ...(config.nodes ?? []).slice(0, 2)];
    const spec = parseLabSpec(config);
    expect(spec.nodes.map((n) => [n.name, n.nodeId, n.priority, n.memoryMiB, n.interfaces.length])).toEqual([
      ["fe1", 0, 0, 512, 2],
      ["fe2", 0, 0, 512, 2],
      ["ld1", 1, 1, 1024, 3],
      ["ld2", 2, 2, 1024, 3],
    ]);
    expect(spec.cluster.twoNode).toBe(true);
  });

  test("a real server given a heartbeat address or its own memory keeps them", () => {
    const config = seed002();
    const fe1 = config.nodes?.[2];
    if (fe1 === undefined) throw new Error("no fe1");
    fe1.addresses = { ...fe1.addresses, heartbeat: "192.168.16.33" };
    fe1.memoryMiB = 768;
    const spec = parseLabSpec(config);
    expect(spec.nodes[2]).toMatchObject({ memoryMiB: 768, role: "real-server" });
    expect(spec.nodes[2]?.interfaces.map((f) => f.hostname)).toEqual(["fe1", "fe1m", "fe1h"]);
  });

  test("a lab without roles or load balancer has no trace of them (its LabSpec is unchanged)", () => {
    for (const config of [{}, { nodes: nodes(3) }, { cluster: { stack: "cman" as const } }]) {
      const spec = parseLabSpec(config);
      expect(spec.nodes.filter((n) => "role" in n)).toEqual([]);
      expect("loadBalancer" in spec).toBe(false);
      expect("allowNoStonith" in spec.cluster).toBe(false);
    }
    const explicit = parseLabSpec({ nodes: nodes(2).map((n) => ({ ...n, role: "member" as const })) });
    expect(explicit.nodes.map((n) => n.role)).toEqual(["member", "member"]);
  });

  test("members only count for gluster's replica", () => {
    const config = seed002({ gluster: { enabled: true }, services: [] });
    expect(applyDefaults(LabConfigSchema.parse(config)).gluster.replica).toBe(2);
  });
});

describe("validation: each rule names the field and the fix", () => {
  test("a real server without a load balancer", () => {
    const ns = nodes(3);
    expectRejected(
      { nodes: [...ns.slice(0, 2), { ...ns[2], role: "real-server" }] },
      "nodes[2].role",
      "node node03 is a real server, but the lab has no load balancer in front of it",
      "add a loadBalancer section",
    );
  });

  test("a director pair needs two cluster members", () => {
    const config = seed002();
    config.nodes = (config.nodes ?? []).slice(1);
    const lines = problemsOf(config);
    expect(lines.filter((l) => l.startsWith("nodes: "))).toEqual([
      "nodes: the load balancer needs a director pair: at least 2 cluster members, found 1. Fix: add nodes without role (or with role: member) to be the directors; real servers do not count",
    ]);
  });

  test("a load balancer needs a real server", () => {
    const config = seed002();
    config.nodes = (config.nodes ?? []).slice(0, 2);
    expectRejected(config, "nodes", "the load balancer has no real server", "role: real-server");
  });

  test("the VIP: inside the service network, not the gateway, not a node's own address", () => {
    expectRejected(
      seed002({ loadBalancer: { vip: "192.168.15.55" } }),
      "loadBalancer.vip",
      "VIP 192.168.15.55 is outside network service (192.168.5.0/24)",
      "192.168.5.2–192.168.5.254",
    );
    expectRejected(
      seed002({ loadBalancer: { vip: "192.168.5.1" } }),
      "loadBalancer.vip",
      "is the gateway (the KVM host's address)",
      "use an address",
    );
    expectRejected(
      seed002({ loadBalancer: { vip: "192.168.5.33" } }),
      "loadBalancer.vip",
      "VIP 192.168.5.33 is node fe1's own address (nodes[2].addresses.service)",
      "use a free address of network service",
    );
    expectRejected(
      seed002({ loadBalancer: { vip: "192.168.5.55.1" } }),
      "loadBalancer.vip",
      "is not an IPv4 address",
      "dotted-quad",
    );
  });

  test("the VIP is no service group's IP", () => {
    expectRejected(
      seed002({
        services: [
          {
            name: "web",
            domain: { nodes: ["ld1", "ld2"] },
            resources: [{ kind: "ip", address: "192.168.5.55" }],
          },
        ],
      }),
      "loadBalancer.vip",
      "VIP 192.168.5.55 is also service group web's IP (services[0].resources[0])",
      "use a free address",
    );
  });

  test("real servers stay out of failover domains and have no priority", () => {
    expectRejected(
      seed002({
        services: [
          {
            name: "web",
            domain: { nodes: ["ld1", "fe1"] },
            resources: [{ kind: "ip", address: "192.168.5.60" }],
          },
        ],
      }),
      "services[0].domain.nodes[1]",
      "fe1 is a real server, not a cluster member",
      "list cluster members only (ld1, ld2)",
    );
    const config = seed002();
    const fe2 = config.nodes?.[3];
    if (fe2 === undefined) throw new Error("no fe2");
    fe2.priority = 3;
    expectRejected(
      config,
      "nodes[3].priority",
      "node fe2 is a real server: it is in no failover domain",
      "remove priority",
    );
  });

  test("seed 002's stonith-enabled=false and no-quorum-policy=ignore only with cluster.allowNoStonith", () => {
    const seedProps = { properties: { "stonith-enabled": false, "no-quorum-policy": "ignore" } };
    const lines = problemsOf(seed002({ cluster: seedProps }));
    expect(lines).toEqual([
      "cluster.properties.stonith-enabled: stonith-enabled=false (seed 002's lab setting) leaves the director pair unfenced: after a split brain both directors hold the VIP and answer ARP for it. Fix: leave stonith-enabled out (true, fenced by fence_virsh), or for a throwaway lab set cluster.allowNoStonith: true",
      "cluster.properties.no-quorum-policy: no-quorum-policy=ignore (seed 002's lab setting) lets a director without quorum keep the VIP. Fix: leave no-quorum-policy out (stop: two_node keeps the surviving director quorate), or for a throwaway lab set cluster.allowNoStonith: true",
    ]);
    const spec = parseLabSpec(seed002({ cluster: { ...seedProps, allowNoStonith: true } }));
    expect(spec.cluster).toMatchObject({
      allowNoStonith: true,
      properties: { "stonith-enabled": "false", "no-quorum-policy": "ignore" },
    });
  });

  test("the image must hold lighttpd and arping when it is built", () => {
    expectRejected(
      seed002({ image: { extraPackages: ["iputils-arping"] } }),
      "image.extraPackages",
      "the load balancer needs lighttpd (the real servers' web service and the directors' sorry page) in the image",
      "add lighttpd to image.extraPackages",
    );
    expect(() =>
      parseLabSpec(seed002({ image: { source: "path", location: "/var/lib/img/lb.qcow2" } })),
    ).not.toThrow();
  });

  test("the directors are pacemaker's", () => {
    expectRejected(
      seed002({ cluster: { stack: "cman" } }),
      "cluster.stack",
      "ldirectord under pacemaker",
      "set cluster.stack: pacemaker",
    );
  });

  test("ldirectord's values: the fallback on the director, the check page path, the receive text, the ping targets", () => {
    expectRejected(
      seed002({ loadBalancer: { fallback: "192.168.5.33:80" } }),
      "loadBalancer.fallback",
      "not the director's own sorry page",
      "127.0.0.1:<port>",
    );
    expectRejected(
      seed002({ loadBalancer: { request: "../etc/shadow" } }),
      "loadBalancer.request",
      "not a page path",
      "haCheker/haCheck.html",
    );
    expectRejected(
      seed002({ loadBalancer: { receive: 'say "up"' } }),
      "loadBalancer.receive",
      "double quote",
      "up and running",
    );
    expectRejected(
      seed002({ loadBalancer: { receive: "up (and running" } }),
      "loadBalancer.receive",
      "does not match itself",
      "plain phrase",
    );
    expectRejected(
      seed002({ loadBalancer: { pingTargets: ["gateway"] } }),
      "loadBalancer.pingTargets[0]",
      "is not an IPv4 address",
      "service network's gateway",
    );
    expectRejected(
      seed002({ loadBalancer: { pingTargets: ["192.168.5.55"] } }),
      "loadBalancer.pingTargets[0]",
      "the VIP itself",
      "gateway",
    );
    expectRejected(
      seed002({ loadBalancer: { forwarding: "masq" as "gate" } }),
      "loadBalancer.forwarding",
      '"masq" is not allowed',
      "gate",
    );
  });

  test("every problem at once, each as <path>: <problem>. Fix: <fix>", () => {
    const config = seed002({
      loadBalancer: { vip: "192.168.5.1", fallback: "x", request: "a b" },
      cluster: { properties: { "stonith-enabled": false } },
      image: { extraPackages: [] },
    });
    const lines = problemsOf(config);
    for (const p of [
      "loadBalancer.vip",
      "loadBalancer.fallback",
      "loadBalancer.request",
      "cluster.properties.stonith-enabled",
      "image.extraPackages",
    ]) {
      expect(lines.some((l) => l.startsWith(`${p}: `))).toBe(true);
    }
    for (const l of lines) expect(l).toMatch(/^\S+: .+\. Fix: .+$/);
  });
});
