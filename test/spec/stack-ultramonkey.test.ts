/**
 * Pulumi.ultramonkey.yaml, the load-balancer lab of seed 002, loaded the way the program loads a
 * stack: the engine hands `kvm-ha-lab:lab` over as JSON, `loadLabSpec(new pulumi.Config())` reads it.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterMembers, loadLabSpec, realServers, type LabSpec } from "../../spec";
import { LAB_KEY, PROJECT_NAME } from "../../spec/config-key";
import { SEED_LDIRECTORD } from "../fixtures/lb";
import { ultramonkeyConfig } from "../fixtures/ultramonkey";

describe("Pulumi.ultramonkey.yaml", () => {
  let spec: LabSpec;
  beforeAll(() => {
    pulumi.runtime.setConfig(LAB_KEY, JSON.stringify(ultramonkeyConfig()));
    spec = loadLabSpec(new pulumi.Config(PROJECT_NAME));
  });

  test("loads and validates: lab ultramonkey, seed 002's service network, management and heartbeat apart from the dev lab", () => {
    expect(spec.name).toBe("ultramonkey");
    expect(spec.networks.map((n) => [n.name, n.cidr, n.gateway, n.bridge])).toEqual([
      ["service", "192.168.5.0/24", "192.168.5.1", "ultramonkey-svc"],
      ["management", "192.168.15.0/24", "192.168.15.1", "ultramonkey-mgt"],
      ["heartbeat", "192.168.16.0/24", "192.168.16.1", "ultramonkey-hb"],
    ]);
    expect(spec.host.address).toBe("192.168.15.1");
    for (const n of spec.networks) expect(n.cidr).not.toMatch(/^192\.168\.[789]\./);
  });

  test("the directors ld1 .35 and ld2 .45 are the cluster (two_node); fe1 .33 and fe2 .43 are real servers", () => {
    expect(
      clusterMembers(spec.nodes).map((n) => [
        n.name,
        n.nodeId,
        n.memoryMiB,
        n.interfaces.map((f) => f.address),
      ]),
    ).toEqual([
      ["ld1", 1, 1024, ["192.168.5.35", "192.168.15.35", "192.168.16.35"]],
      ["ld2", 2, 1024, ["192.168.5.45", "192.168.15.45", "192.168.16.45"]],
    ]);
    expect(
      realServers(spec.nodes).map((n) => [
        n.name,
        n.role,
        n.nodeId,
        n.memoryMiB,
        n.interfaces.map((f) => f.address),
      ]),
    ).toEqual([
      ["fe1", "real-server", 0, 512, ["192.168.5.33", "192.168.15.33"]],
      ["fe2", "real-server", 0, 512, ["192.168.5.43", "192.168.15.43"]],
    ]);
    expect(spec.cluster).toMatchObject({ twoNode: true, links: ["heartbeat", "management"] });
    expect(spec.cluster.properties).toEqual({ "stonith-enabled": "true", "no-quorum-policy": "stop" });
    expect(spec.cluster.resourceDefaults).toEqual({ "resource-stickiness": "INFINITY" });
  });

  test("the load balancer: FIP .55 with the seed's ldirectord values; no shared storage, no service group", () => {
    // The seed's ldirectord.cf values (test/fixtures/lb.ts), without the real servers (nodes).
    const seed = Object.fromEntries(Object.entries(SEED_LDIRECTORD).filter(([key]) => key !== "realServers"));
    expect(spec.loadBalancer).toEqual({
      ...seed,
      network: "service",
      web: "lighttpd",
      pingTargets: ["192.168.5.1"],
    });
    expect([spec.iscsi.enabled, spec.gluster.enabled]).toEqual([false, false]);
    expect(spec.services).toEqual([]);
    expect(spec.image.extraPackages).toEqual(["lighttpd", "iputils-arping"]);
    expect(spec.layers).toBe("cluster");
  });
});
