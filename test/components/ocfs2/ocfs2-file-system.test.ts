/**
 * The OCFS2 lab of seed 003 (Pulumi.ocfs2.yaml) built under Pulumi mocks: three VMs on the generic
 * kernel's image, the iSCSI target with its initiators, and the o2cb cluster with its volume
 * (components/ocfs2/ocfs2-file-system.ts) after them; no pacemaker cluster, no GlusterFS volume.
 * The cluster.conf the stack's nodes get is held to a golden file.
 */
import { renderClusterConf } from "../../../providers/ocfs2/o2cb-files";
import { expectGolden } from "../../support/golden";
import { expectedPlan } from "../../../scripts/preview-check";
import { byType, DYN, get, input, isWrappedSecret, recorded, withLab } from "../../support/pulumi-mocks";
import { ocfs2Config } from "../../fixtures/ocfs2";

const built = withLab("ocfs2", ocfs2Config());

const O2CB = "ocfs2-ocfs2-o2cb";

describe("the ocfs2 lab's graph", () => {
  test("three VMs, the iSCSI target with three initiators, one o2cb cluster; no pacemaker, no GlusterFS", () => {
    const counts = Object.fromEntries(byType("ocfs2"));
    expect(counts).toMatchObject({
      "kvmlab:node:ClusterNode": 3,
      "kvmlab:storage:IscsiTarget": 1,
      [`${DYN}IscsiInitiator`]: 3,
      "kvmlab:ocfs2:Ocfs2FileSystem": 1,
      [`${DYN}Ocfs2Cluster`]: 1,
    });
    for (const absent of [
      `${DYN}PcsCluster`,
      `${DYN}StonithDevice`,
      "kvmlab:storage:GlusterVolume",
      `${DYN}ClusterServiceGroup`,
    ]) {
      expect(counts[absent]).toBeUndefined();
    }
  });

  test("the image has the generic kernel (its own key); the cloud kernel is not in it", () => {
    const packages = input("ocfs2-image-build", "packages") as string[];
    expect(packages).toContain("linux-image-amd64");
    expect(packages).not.toContain("linux-image-cloud-amd64");
    expect(input("ocfs2-image-build", "kernel")).toBe("generic");
  });

  test("the o2cb cluster: seed 003's values, the nodes numbered as the seed added them, reached on management", () => {
    const o2cb = get(O2CB);
    expect(o2cb.parent).toBe("ocfs2-ocfs2");
    expect(o2cb.inputs).toMatchObject({
      clusterName: "ocfs2",
      port: 7777,
      heartbeatDeadThreshold: 31,
      idleTimeoutMs: 30000,
      keepaliveDelayMs: 2000,
      reconnectDelayMs: 2000,
      label: "ocfs2-ocfs2",
      slots: 4,
      mountPoint: "/srv/ocfs2",
      mountOptions: [],
    });
    const nodes = input(O2CB, "nodes") as {
      name: string;
      number: number;
      address: string;
      access: { address: string };
    }[];
    expect(nodes.map((n) => [n.name, n.number, n.address, n.access.address])).toEqual([
      ["vm-host03", 0, "192.168.14.153", "192.168.13.153"],
      ["vm-host02", 1, "192.168.14.152", "192.168.13.152"],
      ["vm-host04", 2, "192.168.14.154", "192.168.13.154"],
    ]);
    expect(input(O2CB, "device")).toBe(
      "/dev/disk/by-path/ip-192.168.13.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:ocfs2-tgt01-lun-3",
    );
    expect(isWrappedSecret(o2cb.inputs.sshPrivateKey)).toBe(true);
  });

  test("built after every node logged in to the target (the storage component) and every node", () => {
    const deps = get(O2CB).dependsOn;
    expect(deps).toEqual(
      expect.arrayContaining([
        "ocfs2-iscsi-target",
        ...["vm-host03", "vm-host02", "vm-host04"].flatMap((n) => [
          `ocfs2-iscsi-initiator-${n}`,
          `ocfs2-${n}-ready`,
        ]),
      ]),
    );
  });

  test("exactly the resources scripts/preview-check.ts plans for the stack", () => {
    const declared = [...recorded.values()].map((r) => `${r.type} ${r.name}`).sort();
    expect(declared).toEqual(expectedPlan(built.spec).resources);
  });

  test("the stack's cluster.conf, as o2cb_ctl writes it (golden)", () => {
    const nodes = input(O2CB, "nodes") as { name: string; number: number; address: string }[];
    const conf = renderClusterConf({
      clusterName: "ocfs2",
      port: 7777,
      nodes,
      heartbeatDeadThreshold: 31,
      idleTimeoutMs: 30000,
      keepaliveDelayMs: 2000,
      reconnectDelayMs: 2000,
    });
    expectGolden("cluster.conf-ocfs2", conf);
  });
});
