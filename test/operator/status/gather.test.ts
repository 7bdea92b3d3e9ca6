/**
 * Gathering the status of the dev lab (operator/status/gather.ts) against fake runners that answer
 * the probes with the real tools' output: the facts of a healthy and of a degraded lab, the probes
 * read-only and valid bash, and where each probe runs.
 */
import { gatherFacts, gatherGroupNodes } from "../../../operator/status/gather";
import {
  clusterProbeScript,
  glusterProbeScript,
  hostProbeScript,
  nodeProbeScript,
} from "../../../operator/status/probes";
import { parseStackOutputs } from "../../../operator/outputs";
import { bashSyntaxProblem } from "../../support/bash";
import { BOOT_IDS, DEV_OUTPUTS, IQN } from "../../fixtures/operator-status";
import { stackSpec } from "../stack-specs";
import { DEGRADED, HEALTHY, labRunners, type Calls } from "./lab-answers";

const dev = stackSpec("dev");
const outputs = parseStackOutputs(DEV_OUTPUTS, "fixture");

describe("the probes", () => {
  const scripts = [
    hostProbeScript(dev, ["dev-node01", "dev-node02"], 4242),
    nodeProbeScript(),
    nodeProbeScript(0),
    clusterProbeScript(),
    glusterProbeScript("data00"),
  ];

  test("are valid bash", () => {
    expect(scripts.map(bashSyntaxProblem).filter((p) => p !== undefined)).toEqual([]);
  });

  test("only read: no command that changes a machine", () => {
    const changing =
      /\b(pcs|crm_resource|cibadmin|rm|mv|mkdir|kill|pkill|systemctl|mount|umount|login|logout|--op (new|delete|update|bind)|virsh\S* .*(start|destroy|define|undefine))\b/;
    for (const s of scripts) expect([s, changing.test(s.replace(/findmnt/g, ""))]).toEqual([s, false]);
  });

  test("ask what the status shows", () => {
    expect(scripts[0]).toContain("virsh -q -c qemu:///system domstate dev-node02");
    expect(scripts[0]).toContain("tgtadm -C 4242 --lld iscsi --mode target --op show");
    expect(nodeProbeScript()).not.toContain("tgtadm");
    expect(scripts[3]).toContain("crm_mon -1 --output-as=xml");
    expect(scripts[4]).toContain("gluster --mode=script --xml volume heal data00 info summary");
  });
});

describe("gathering", () => {
  test("a healthy lab: every part, asked where it lives", async () => {
    const calls: Calls = [];
    const facts = await gatherFacts(dev, outputs, "KEY", "dev", labRunners(HEALTHY, calls));
    expect(calls.map((c) => c.where)).toEqual(["host", "node01", "node02", "node01", "node01"]);
    expect(facts.nodes.map((n) => [n.name, n.state, n.reachable, n.bootId, n.uptimeSeconds])).toEqual([
      ["node01", "running", true, BOOT_IDS.node01, 7931],
      ["node02", "running", true, BOOT_IDS.node02, 86521],
    ]);
    expect(facts.nodes.flatMap((n) => n.addresses.map((a) => a.present))).toEqual(Array(6).fill(true));
    expect(facts.iscsi).toEqual({
      iqn: IQN,
      portal: "192.168.8.1:3260",
      where: "the KVM host",
      up: true,
      luns: [1, 2],
      sessions: { node01: 1, node02: 1 },
    });
    expect(facts.gluster).toMatchObject({
      volume: "data00",
      status: "Started",
      bricks: [
        { brick: "node01m:/glvol00", online: true, pendingHeal: 0, splitBrain: 0 },
        { brick: "node02m:/glvol00", online: true, pendingHeal: 0, splitBrain: 0 },
      ],
      mounts: { node01: true, node02: false },
      answeredBy: "node01",
    });
    expect(facts.gluster?.error).toBeUndefined();
    expect(facts.cluster).toEqual({
      name: "cluster01",
      answeredBy: "node01",
      quorum: true,
      dc: "node02h",
      members: [
        {
          node: "node01",
          clusterName: "node01h",
          online: true,
          unclean: false,
          links: { heartbeat: true, management: true },
        },
        {
          node: "node02",
          clusterName: "node02h",
          online: true,
          unclean: false,
          links: { heartbeat: true, management: true },
        },
      ],
      stonithEnabled: "true",
      fenceDevices: [
        { name: "kvmhost01", agent: "stonith:fence_virsh", failed: false, started: true, node: "node02" },
      ],
      groups: [{ name: "service01", node: "node01", stopped: [] }],
      failedActions: [],
    });
    expect(facts.drift).toEqual({ state: "skipped", changes: [], reason: "not asked" });
    expect(facts.seconds).toBe(3.2);
  });

  test("a degraded lab: node02 down — unreachable, offline, links unknown, brick offline, failures, fencing", async () => {
    const facts = await gatherFacts(dev, outputs, "KEY", "dev", labRunners(DEGRADED));
    const node02 = facts.nodes[1];
    expect([node02.state, node02.reachable, node02.error]).toEqual([
      "shut off",
      false,
      "ssh root@192.168.8.122:22: connect EHOSTUNREACH 192.168.8.122:22",
    ]);
    expect(facts.iscsi?.sessions).toEqual({ node01: 1, node02: undefined });
    expect(facts.gluster?.bricks[1]).toEqual({ brick: "node02m:/glvol00", online: false });
    expect(facts.cluster?.members.map((m) => [m.clusterName, m.online, m.links])).toEqual([
      ["node01h", true, { heartbeat: undefined, management: undefined }],
      ["node02h", false, { heartbeat: false, management: false }],
    ]);
    expect(facts.cluster?.lastFencing).toEqual({
      target: "node01",
      action: "reboot",
      status: "success",
      completed: "2026-11-27 20:58:11Z",
      by: "node02",
    });
    expect(facts.cluster?.failedActions.map((f) => `${f.resource} ${f.task} ${f.node}`)).toEqual([
      "service01-db start node02",
      "service01-ip monitor node01",
    ]);
  });

  test("a storage-layer lab: no cluster probe, no cluster facts", async () => {
    const calls: Calls = [];
    const spec = { ...dev, layers: "storage" as const };
    const facts = await gatherFacts(spec, outputs, "KEY", "dev", labRunners(HEALTHY, calls));
    expect(facts.cluster).toBeUndefined();
    expect(calls.some((c) => c.script.includes("crm_mon"))).toBe(false);
    expect(facts.gluster).toBeDefined();
  });

  test("where the groups run: the first member that answers", async () => {
    expect(await gatherGroupNodes(dev, outputs, "KEY", labRunners({ ...DEGRADED, on: "node01h" }))).toEqual({
      service01: "node01",
    });
    const allDown = labRunners({ ...HEALTHY, down: ["node01", "node02"] });
    expect(await gatherGroupNodes(dev, outputs, "KEY", allDown)).toBeUndefined();
    expect(await gatherGroupNodes({ ...dev, layers: "storage" }, outputs, "KEY", allDown)).toBeUndefined();
  });
});
