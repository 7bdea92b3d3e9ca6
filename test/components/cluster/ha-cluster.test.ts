/**
 * The cluster, its fence device and its service group in the default lab's graph
 * (components/cluster/{ha-cluster,fence-device,service-group}.ts), under Pulumi mocks.
 */
import { get, withDefaultLab } from "../../support/pulumi-mocks";

withDefaultLab();

type Props = Record<string, unknown>;

describe("key inputs of the default lab", () => {
  test("cluster01: pacemaker, token 20000, two_node, links heartbeat then management", () => {
    const pcs = get("dev-cluster-pcs").inputs;
    expect([pcs.name, pcs.tokenMs, pcs.twoNode, pcs.transport]).toEqual(["cluster01", 20000, true, "knet"]);
    expect((pcs.members as { linkAddresses: string[] }[]).map((m) => m.linkAddresses)).toEqual([
      ["192.168.9.121", "192.168.8.121"],
      ["192.168.9.122", "192.168.8.122"],
    ]);
    expect((pcs.properties as Props)["stonith-enabled"]).toBe("true");
  });

  test("fencing: fence_virsh to the host's management address, port = libvirt domain", () => {
    const st = get("dev-fence-kvmhost01-stonith").inputs;
    expect([st.agent, st.ipaddr, st.login, st.identityFile, st.action]).toEqual([
      "fence_virsh",
      "192.168.8.1",
      "root",
      "/etc/cluster/fence_virsh_key",
      "reboot",
    ]);
    expect(st.hostMap).toEqual({ node01: "halab-node01", node02: "halab-node02" });
  });

  test("service01: VIP 192.168.7.99, then the data00 mount, then PostgreSQL, in dom01", () => {
    const group = get("dev-svc-service01-group").inputs;
    const resources = group.resources as { kind: string; address?: string }[];
    expect(resources.map((r) => r.kind)).toEqual(["ip", "gluster-mount", "postgresql"]);
    expect(resources[0].address).toBe("192.168.7.99");
    expect(group.domain).toEqual({
      name: "dom01",
      nodes: ["node01", "node02"],
      ordered: false,
      restricted: true,
    });
  });
});
