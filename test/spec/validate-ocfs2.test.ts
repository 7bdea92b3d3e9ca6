/**
 * Seed 003's OCFS2 section and the image's kernel flavour in the lab model: the defaults, every
 * validation rule with its field and fix, Pulumi.ocfs2.yaml, and that a lab without them is
 * described as before (the cloud kernel).
 */
import * as pulumi from "@pulumi/pulumi";
import { loadLabSpec, parseLabSpec, type LabConfigInput, type LabSpec } from "../../spec";
import { LAB_KEY, PROJECT_NAME } from "../../spec/config-key";
import { ocfs2Config } from "../fixtures/ocfs2";
import { expectRejected, nodes, problemsOf } from "./helpers";

/** Three dev nodes with OCFS2 on a third LUN, as an OCFS2 lab is written. */
function lab(change: Partial<LabConfigInput> = {}, ocfs2: Record<string, unknown> = {}): LabConfigInput {
  return {
    layers: "storage",
    nodes: nodes(3),
    reservedHosts: [],
    image: { kernel: "generic" },
    gluster: { enabled: false },
    iscsi: {
      luns: [
        { file: "volume01.img", sizeMiB: 100, purpose: "quorum" },
        { file: "volume02.img", sizeMiB: 1024 },
        { file: "ocfs2.img", sizeMiB: 2048 },
      ],
    },
    ocfs2: { lun: 3, ...ocfs2 } as LabConfigInput["ocfs2"],
    ...change,
  };
}

describe("defaults", () => {
  test("a lab without ocfs2 has none, and the cloud kernel", () => {
    const spec = parseLabSpec({});
    expect(spec.ocfs2).toBeUndefined();
    expect(spec.image.kernel).toBe("cloud");
  });

  test("seed 003's o2cb values, every member numbered in order on the heartbeat network, no service group", () => {
    const spec = parseLabSpec(lab());
    expect(spec.ocfs2).toEqual({
      clusterName: "ocfs2",
      nodes: [
        { name: "node01", number: 0, address: "192.168.9.121" },
        { name: "node02", number: 1, address: "192.168.9.122" },
        { name: "node03", number: 2, address: "192.168.9.123" },
      ],
      network: "heartbeat",
      port: 7777,
      heartbeatDeadThreshold: 31,
      idleTimeoutMs: 30000,
      keepaliveDelayMs: 2000,
      reconnectDelayMs: 2000,
      lun: 3,
      label: "halab-ocfs2",
      slots: 4,
      mountPoint: "/srv/ocfs2",
      mountOptions: [],
    });
    expect(spec.services).toEqual([]);
  });

  test("a node listed by name or with its number; the others keep their place", () => {
    const spec = parseLabSpec(
      lab({}, { nodes: ["node02", { name: "node03", number: 7 }], network: "service" }),
    );
    expect(spec.ocfs2?.nodes).toEqual([
      { name: "node02", number: 0, address: "192.168.7.122" },
      { name: "node03", number: 7, address: "192.168.7.123" },
    ]);
  });
});

describe("validation", () => {
  test("the cloud kernel is refused, naming image.kernel and the fix", () => {
    expectRejected(lab({ image: {} }), "image.kernel", "built without OCFS2", "set image.kernel: generic");
  });

  test("pacemaker beside o2cb (the cluster layer) is refused: two fencing systems on one node", () => {
    expectRejected(lab({ layers: "cluster" }), "layers", "two fencing systems", "set layers: storage");
  });

  test("the LUN must exist, the target be enabled, and no service group use the same LUN", () => {
    expectRejected(
      lab({}, { lun: 9 }),
      "ocfs2.lun",
      "has no LUN 9",
      "add a LUN for the volume to iscsi.luns",
    );
    expectRejected(
      lab({ iscsi: { enabled: false } }),
      "iscsi.enabled",
      "the target is disabled",
      "set iscsi.enabled: true",
    );
    expectRejected(
      lab({
        services: [
          {
            name: "service01",
            resources: [{ kind: "iscsi-filesystem", lun: 3, mountPoint: "/shared00" }],
          },
        ],
      }),
      "ocfs2.lun",
      "also service group service01's file system (services[0].resources[0])",
      "give the OCFS2 volume a LUN of its own",
    );
  });

  test("slots: at least the node count, at most 255", () => {
    expectRejected(lab({}, { slots: 2 }), "ocfs2.slots", "2 node slots cannot hold 3 nodes", "at least 3");
    expectRejected(lab({}, { slots: 300 }), "ocfs2.slots", "out of range", "use 1 to 255");
  });

  test("nodes: lab nodes, members, host names, unique names and numbers in range", () => {
    expectRejected(
      lab({}, { nodes: ["node01", "nodeX"] }),
      "ocfs2.nodes[1]",
      'no node named "nodeX"',
      "use one of",
    );
    expectRejected(
      lab({ nodes: nodes(3, { 2: { name: "Node_3" } }) }, { nodes: ["node01", "Node_3"] }),
      "ocfs2.nodes[1]",
      "is not a host name",
      "lowercase letters",
    );
    expectRejected(
      lab({}, { nodes: ["node01", "node01"] }),
      "ocfs2.nodes[1].name",
      "duplicate",
      "list each node once",
    );
    expectRejected(
      lab({}, { nodes: [{ name: "node01", number: 1 }, "node02"] }),
      "ocfs2.nodes[1].number",
      "duplicate",
      "give every node its own number",
    );
    expectRejected(
      lab({}, { nodes: [{ name: "node01", number: 255 }] }),
      "ocfs2.nodes[0].number",
      "out of range",
      "from 0 to 254",
    );
  });

  test("o2cb's minimums and the keepalive below the idle timeout, each naming the seed's value", () => {
    for (const [field, value, min, seed] of [
      ["heartbeatDeadThreshold", 6, 7, 31],
      ["idleTimeoutMs", 4000, 5000, 30000],
      ["keepaliveDelayMs", 500, 1000, 2000],
      ["reconnectDelayMs", 1000, 2000, 2000],
    ] as const) {
      expectRejected(
        lab({}, { [field]: value }),
        `ocfs2.${field}`,
        `below o2cb's minimum of ${min}`,
        `set at least ${min} (seed: ${seed})`,
      );
    }
    expectRejected(
      lab({}, { keepaliveDelayMs: 30000 }),
      "ocfs2.keepaliveDelayMs",
      "not below the idle timeout",
      "keep keepaliveDelayMs below idleTimeoutMs",
    );
  });

  test("cluster name, network, label, mount point and options", () => {
    expectRejected(
      lab({}, { clusterName: "my-cluster" }),
      "ocfs2.clusterName",
      "not an o2cb cluster name",
      "16 letters and digits",
    );
    expectRejected(
      lab({}, { network: "storage" }),
      "ocfs2.network",
      'no network named "storage"',
      "use one of",
    );
    expectRejected(lab({}, { label: "a b" }), "ocfs2.label", "not a volume label", "up to 63");
    expectRejected(
      lab({}, { mountPoint: "srv" }),
      "ocfs2.mountPoint",
      "not a usable mount point",
      "absolute path",
    );
    expectRejected(
      lab({}, { mountOptions: ["noatime,ro"] }),
      "ocfs2.mountOptions[0]",
      "not one mount option",
      "one option per entry",
    );
  });

  test("every problem names its field and its fix", () => {
    const lines = problemsOf(lab({ image: {}, layers: "cluster" }, { slots: 1, idleTimeoutMs: 10 }));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^[\w.[\]]+: .+\. Fix: .+/);
  });
});

describe("Pulumi.ocfs2.yaml", () => {
  let spec: LabSpec;
  beforeAll(() => {
    pulumi.runtime.setConfig(LAB_KEY, JSON.stringify(ocfs2Config()));
    spec = loadLabSpec(new pulumi.Config(PROJECT_NAME));
  });

  test("seed 003's three hosts on its network, the generic kernel, storage layers only", () => {
    expect(spec.name).toBe("ocfs2");
    expect(spec.layers).toBe("storage");
    expect(spec.image.kernel).toBe("generic");
    expect(spec.nodes.map((n) => [n.name, n.interfaces[0]?.address])).toEqual([
      ["vm-host03", "192.168.3.153"],
      ["vm-host02", "192.168.3.152"],
      ["vm-host04", "192.168.3.154"],
    ]);
    for (const n of spec.networks) expect(n.cidr).not.toMatch(/^192\.168\.(5|7|8|9|15|16)\./);
  });

  test("the o2cb cluster ocfs2 numbered as the seed added its hosts, on LUN 3 with 4 slots", () => {
    expect(spec.ocfs2).toMatchObject({
      clusterName: "ocfs2",
      port: 7777,
      lun: 3,
      slots: 4,
      network: "heartbeat",
      nodes: [
        { name: "vm-host03", number: 0, address: "192.168.14.153" },
        { name: "vm-host02", number: 1, address: "192.168.14.152" },
        { name: "vm-host04", number: 2, address: "192.168.14.154" },
      ],
    });
    expect(spec.iscsi.luns.find((l) => l.id === 3)).toMatchObject({ file: "ocfs2.img", sizeMiB: 2048 });
    expect(spec.gluster.enabled).toBe(false);
    expect(spec.services).toEqual([]);
  });
});
