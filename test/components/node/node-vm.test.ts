/** The nodes in the default lab's graph (components/node/node-vm.ts), under Pulumi mocks. */
import { computedOutputs, get, input, withDefaultLab } from "../../support/pulumi-mocks";
import { clusterMembers } from "../../../spec/queries";

/** The outputs the mocks give a node's generated host key pair. */
const hostKeyOf = (node: string) =>
  computedOutputs("SshKeyPair", `dev-${node}-host-key`, { comment: `host@${node}` });

const built = withDefaultLab();

describe("key inputs of the default lab", () => {
  test("nodes: static addresses per NIC matched by MAC, one NIC per network, /etc/hosts", () => {
    const { spec } = built;
    for (const [i, node] of spec.nodes.entries()) {
      const host = 121 + i;
      const ci = get(`dev-${node.name}-cloud-init`).inputs;
      expect(ci.hostname).toBe(node.name);
      expect(ci.interfaces).toEqual([
        { name: "lab-svc", mac: node.interfaces[0].mac, address: `192.168.7.${host}`, prefix: 24 },
        { name: "lab-mgt", mac: node.interfaces[1].mac, address: `192.168.8.${host}`, prefix: 24 },
        { name: "lab-hb", mac: node.interfaces[2].mac, address: `192.168.9.${host}`, prefix: 24 },
      ]);
      const dom = get(`dev-${node.name}-domain`).inputs;
      expect(dom.nics).toEqual(
        ["service", "management", "heartbeat"].map((n, k) => ({
          network: `halab-${n}`,
          mac: node.interfaces[k].mac,
        })),
      );
      expect(dom.name).toBe(`halab-${node.name}`);
      expect(dom.domainType).toBe("qemu");
      expect(input(`dev-${node.name}-ready`, "node")).toEqual({
        address: `192.168.8.${host}`,
        port: 22,
        user: "root",
      });
    }
    const macs = spec.nodes.flatMap((n) => n.interfaces.map((i) => i.mac));
    expect(new Set(macs).size).toBe(6);
    for (const mac of macs) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    const hosts = get("dev-node01-cloud-init").inputs.hosts as { address: string; names: string[] }[];
    expect(hosts).toContainEqual({ address: "192.168.7.122", names: ["node02"] });
    expect(hosts).toContainEqual({ address: "192.168.8.121", names: ["node01m"] });
    expect(hosts).toContainEqual({ address: "192.168.9.123", names: ["node03h"] });
    expect(hosts).toHaveLength(9);
  });

  test("the domain boots the seed's fixed path; the seed's files go to the running node from the same inputs", () => {
    for (const node of built.spec.nodes) {
      const ci = get(`dev-${node.name}-cloud-init`).inputs;
      // A plain value, not the disk's output: a rewritten seed is no new disk for the domain.
      expect(input(`dev-${node.name}-domain`, "cloudInitPath")).toBe(
        `/var/lib/kvm-ha-lab/halab/seeds/halab-${node.name}-cidata.iso`,
      );
      const files = get(`dev-${node.name}-files`).inputs;
      for (const key of [
        "hosts",
        "authorizedKeys",
        "rootPublicKey",
        "hostname",
        "interfaces",
        "timeServers",
      ]) {
        expect([key, files[key]]).toEqual([key, ci[key]]);
      }
      expect(input(`dev-${node.name}-files`, "rootPrivateKey")).toBe(
        input(`dev-${node.name}-cloud-init`, "rootPrivateKey"),
      );
      // The node as the later parts of the lab reach it: its address and its generated host key.
      expect(input(`dev-${node.name}-files`, "node")).toEqual({
        ...(input(`dev-${node.name}-ready`, "node") as object),
        hostKey: hostKeyOf(node.name).publicKey,
      });
    }
  });

  test("each node has its own generated host key: its seed gives it to sshd, every connection pins it", () => {
    const keys = new Set<unknown>();
    for (const node of built.spec.nodes) {
      expect(input(`dev-${node.name}-host-key`, "comment")).toBe(`host@${node.name}`);
      const key = hostKeyOf(node.name).publicKey;
      expect(key).toMatch(/^ssh-ed25519 /);
      expect(input(`dev-${node.name}-cloud-init`, "hostPublicKey")).toBe(key);
      expect(input(`dev-${node.name}-cloud-init`, "hostPrivateKey")).toMatch(
        new RegExp(`PRIVATE KEY-----\ndev-${node.name}-host-key\n`),
      );
      expect(input(`dev-${node.name}-ready`, "hostKey")).toBe(key);
      keys.add(key);
    }
    expect(keys.size).toBe(built.spec.nodes.length);
  });

  test("offAtBoot: the image's boot-off units the lab does not enable on that node", () => {
    for (const node of built.spec.nodes) {
      const member = clusterMembers([node]).length > 0;
      const target = built.spec.iscsi.enabled && built.spec.iscsi.host === node.name;
      expect([node.name, input(`dev-${node.name}-files`, "offAtBoot")]).toEqual([
        node.name,
        [...(member ? [] : ["pacemaker", "corosync"]), "postgresql", ...(target ? [] : ["tgt"])],
      ]);
    }
  });
});
