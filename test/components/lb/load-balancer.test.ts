/**
 * The load-balancer lab of seed 002 (Pulumi.ultramonkey.yaml) built under Pulumi mocks: the real
 * servers are VMs outside the cluster (never fenced, never members), the load balancer's resources
 * (components/lb/load-balancer.ts) converge the real servers first, the directors after them, and
 * pacemaker's resources on the directors last.
 */
import { byType, DYN, get, input, isWrappedSecret, recorded, withLab } from "../../support/pulumi-mocks";
import { DIRECTOR_PACEMAKER, SEED_LDIRECTORD } from "../../fixtures/lb";
import { ultramonkeyConfig } from "../../fixtures/ultramonkey";

withLab("um", ultramonkeyConfig());

describe("the ultramonkey lab's graph", () => {
  test("four VMs, a cluster of two, two real servers and two directors; no shared storage, no service group", () => {
    const counts = Object.fromEntries(byType("um"));
    expect(counts).toMatchObject({
      "kvmlab:node:ClusterNode": 4,
      "kvmlab:lb:LoadBalancer": 1,
      [`${DYN}LibvirtDomain`]: 4,
      [`${DYN}PcsCluster`]: 1,
      [`${DYN}StonithDevice`]: 1,
      [`${DYN}RealServer`]: 2,
      [`${DYN}LvsDirector`]: 2,
      [`${DYN}LvsPacemaker`]: 1,
    });
    for (const absent of [
      "kvmlab:storage:IscsiTarget",
      "kvmlab:storage:GlusterVolume",
      `${DYN}ClusterServiceGroup`,
    ]) {
      expect(counts[absent]).toBeUndefined();
    }
  });

  test("real servers: 512 MiB, two NICs, not in the cluster, not fenceable", () => {
    expect(input("um-fe1-domain", "memoryMiB")).toBe(512);
    expect((input("um-fe1-domain", "nics") as unknown[]).length).toBe(2);
    expect(input("um-ld1-domain", "memoryMiB")).toBe(1024);
    const members = input("um-cluster-pcs", "members") as { name: string; nodeId: number }[];
    expect(members.map((m) => [m.name, m.nodeId])).toEqual([
      ["ld1", 1],
      ["ld2", 2],
    ]);
    expect(input("um-host-sshd", "fenceDomains")).toEqual(["ultramonkey-ld1", "ultramonkey-ld2"]);
    expect(Object.keys(input("um-fence-kvmhost01-stonith", "clusterNodeNames") as object)).toEqual([
      "ld1",
      "ld2",
    ]);
  });

  test("a director's restart drains it as a cluster member (the program's key a secret); a real server's does not", () => {
    expect(input("um-ld1-domain", "member")).toEqual({
      node: {
        address: "192.168.15.35",
        port: 22,
        user: "root",
        hostKey: expect.stringMatching(/^ssh-ed25519 /),
      },
      hostname: "ld1",
      clusterNode: "ld1h",
      bootSeconds: expect.any(Number),
    });
    expect(isWrappedSecret(get("um-ld1-domain").inputs.sshPrivateKey)).toBe(true);
    expect(input("um-fe1-domain", "member")).toBeUndefined();
    expect(input("um-fe1-domain", "sshPrivateKey")).toBeUndefined();
  });

  test("the real servers get the VIP, the check page and their service NIC's MAC", () => {
    const fe1 = get("um-lb-real-fe1");
    expect(fe1.parent).toBe("um-lb");
    expect(input("um-lb-real-fe1", "node")).toMatchObject({ address: "192.168.15.33" });
    expect(fe1.inputs).toMatchObject({
      name: "fe1",
      address: "192.168.5.33",
      vip: "192.168.5.55",
      request: "haCheker/haCheck.html",
      receive: "up and running",
      ports: [80],
    });
    expect(fe1.inputs.serviceMac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  test("the directors get ldirectord.cf's model with both real servers, after the real servers and the cluster", () => {
    const ld1 = get("um-lb-director-ld1");
    expect(input("um-lb-director-ld1", "node")).toMatchObject({ address: "192.168.15.35" });
    // Seed 002's ldirectord.cf with fe1 .33 and fe2 .43 (test/fixtures/lb.ts).
    expect(ld1.inputs.ldirectord).toEqual(SEED_LDIRECTORD);
    expect(ld1.dependsOn).toEqual(
      expect.arrayContaining([
        "um-lb-real-fe1",
        "um-lb-real-fe2",
        "um-cluster-pcs",
        "um-fence-kvmhost01-stonith",
      ]),
    );
    expect(get("um-lb-real-fe1").dependsOn).toEqual(
      expect.arrayContaining(["um-cluster-pcs", "um-fe1-ready"]),
    );
  });

  test("pacemaker's resources on the directors: the FIP's prefix, the gateway to ping, after both directors and the cluster", () => {
    const resources = get("um-lb-pacemaker");
    expect(resources.parent).toBe("um-lb");
    expect(resources.custom).toBe(true);
    expect(input("um-lb-pacemaker", "nodes")).toEqual([
      expect.objectContaining({ address: "192.168.15.35" }),
      expect.objectContaining({ address: "192.168.15.45" }),
    ]);
    expect(resources.inputs).toMatchObject(DIRECTOR_PACEMAKER);
    // The program's key stays secret.
    expect(isWrappedSecret(resources.inputs.sshPrivateKey)).toBe(true);
    expect(resources.dependsOn).toEqual(
      expect.arrayContaining([
        "um-lb-director-ld1",
        "um-lb-director-ld2",
        "um-cluster-pcs",
        "um-fence-kvmhost01-stonith",
      ]),
    );
  });

  test("the graph is exactly the plan the preview check derives from the lab (scripts/preview-check.ts)", async () => {
    const { expectedPlan } = await import("../../../scripts/preview-check");
    const { parseLabSpec } = await import("../../../spec");
    const { resources, problems } = expectedPlan({ ...parseLabSpec(ultramonkeyConfig()), name: "um" });
    expect(problems).toEqual([]);
    const built = [...recorded.values()]
      .filter((r) => r.name.startsWith("um"))
      .map((r) => `${r.type} ${r.name}`);
    expect(built.sort()).toEqual(resources);
    expect(resources).toEqual(
      expect.arrayContaining([
        "kvmlab:lb:LoadBalancer um-lb",
        `${DYN}RealServer um-lb-real-fe2`,
        `${DYN}LvsDirector um-lb-director-ld2`,
        `${DYN}LvsPacemaker um-lb-pacemaker`,
      ]),
    );
  });

  test("the cluster's resource default keeps the group where it runs (stickiness INFINITY, no failback)", async () => {
    const resourceDefaults = input("um-cluster-pcs", "resourceDefaults") as Record<string, string>;
    const properties = input("um-cluster-pcs", "properties") as Record<string, string>;
    expect(resourceDefaults).toEqual({ "resource-stickiness": "INFINITY" });
    // PcsCluster sets it with `pcs resource defaults update` (pcs 0.11 updates the one rsc_defaults
    // set `pcs cluster setup` made, or makes one), and reads it back from the CIB: no change then.
    const { settingsCommands } = await import("../../../providers/cluster/pacemaker/pcs-cluster");
    const { parseCib } = await import("../../../providers/cluster/pacemaker/cib");
    const { LB_CIB_CONFIGURED } = await import("../../fixtures/lb-pacemaker");
    expect(
      settingsCommands({ properties, resourceDefaults }, { properties: {}, resourceDefaults: {} }),
    ).toContainEqual(["pcs", "resource", "defaults", "update", "resource-stickiness=INFINITY"]);
    const live = parseCib(LB_CIB_CONFIGURED);
    expect(
      settingsCommands(
        { properties, resourceDefaults },
        { properties: live.properties, resourceDefaults: live.rscDefaults },
      ),
    ).toEqual([]);
  });
});
