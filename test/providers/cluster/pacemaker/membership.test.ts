/**
 * Members joining and leaving a running pcs cluster: which changes are made in place (pure), the
 * pcs commands, and the script run for real on a fake member (pcs of test/fixtures/fake-tools.ts,
 * its /etc/corosync in the sandbox).
 */
import * as fs from "node:fs";
import {
  membershipChange,
  membershipScript,
  parseTopology,
  pcsClusterNodeAdd,
  pcsClusterNodeRemove,
} from "../../../../providers/cluster/pacemaker/membership";
import { topologyOf, wantedTopology } from "../../../../providers/cluster/pacemaker/pcs-cluster";
import { fakeMachine, forReal, type FakeMachine } from "../../../support/fake-lab";
import { bashSyntaxCheck } from "../../../support/bash";
import { PCS_TOOLS } from "../../../fixtures/fake-tools";
import { MEMBERS, NODE03, PASSWORD } from "../../../fixtures/cluster-lab";
import { COROSYNC_CONF, TOPOLOGY } from "../../../fixtures/pacemaker";

const THREE = [...MEMBERS, NODE03];
const [NODE01, NODE02] = MEMBERS;

describe("membershipChange", () => {
  test("parseTopology reads what topologyOf writes", () => {
    const nodes = parseTopology(wantedTopology(THREE));
    expect(nodes).toEqual([
      { nodeId: 1, name: "node01h", addrs: ["192.168.9.121", "192.168.8.121"] },
      { nodeId: 2, name: "node02h", addrs: ["192.168.9.122", "192.168.8.122"] },
      { nodeId: 3, name: "node03h", addrs: ["192.168.9.123", "192.168.8.123"] },
    ]);
    expect(topologyOf(nodes)).toBe(wantedTopology(THREE));
    expect(() => parseTopology("node01h")).toThrow('topology: "node01h" is not nodeid:name=addresses');
  });

  test("node03 added to the two-node cluster: it joins; removed again: it leaves; the same: nothing", () => {
    expect(membershipChange(TOPOLOGY, THREE)).toEqual({ added: [NODE03], removed: [] });
    expect(membershipChange(TOPOLOGY, THREE)?.added[0]).toBe(NODE03);
    expect(membershipChange(wantedTopology(THREE), MEMBERS)).toEqual({ added: [], removed: ["node03h"] });
    expect(membershipChange(wantedTopology(THREE), [NODE01, NODE03])).toEqual({
      added: [],
      removed: ["node02h"],
    });
    expect(membershipChange(TOPOLOGY, MEMBERS)).toEqual({ added: [], removed: [] });
  });

  test("not in place: a kept member's id or address changed, nobody kept, an id pcs will not give", () => {
    const moved = { ...NODE02, linkAddresses: ["192.168.9.132", "192.168.8.122"] };
    expect(membershipChange(TOPOLOGY, [NODE01, moved, NODE03])).toBeUndefined();
    expect(membershipChange(TOPOLOGY, [{ ...NODE01, nodeId: 4 }, NODE02])).toBeUndefined();
    const node04 = { ...NODE03, name: "node04", linkHostnames: ["node04h", "node04m"] };
    expect(membershipChange(TOPOLOGY, [NODE03, { ...node04, nodeId: 4 }])).toBeUndefined();
    // pcs gives the new node the lowest free id: 3, not 4.
    expect(membershipChange(TOPOLOGY, [...MEMBERS, { ...node04, nodeId: 4 }])).toBeUndefined();
    // A node with one link where the cluster has two.
    expect(
      membershipChange(TOPOLOGY, [...MEMBERS, { ...NODE03, linkAddresses: ["192.168.9.123"] }]),
    ).toBeUndefined();
    // After node02 left (ids 1 and 3), a new node gets id 2.
    const gap = wantedTopology([NODE01, NODE03]);
    expect(membershipChange(gap, [NODE01, { ...node04, nodeId: 2 }, NODE03])?.added).toEqual([
      { ...node04, nodeId: 2 },
    ]);
  });
});

describe("the pcs commands", () => {
  test("node add: both link addresses, started and waited for, enabled only with startAtBoot", () => {
    expect(pcsClusterNodeAdd(NODE03, false).join(" ")).toBe(
      "pcs cluster node add node03h addr=192.168.9.123 addr=192.168.8.123 --start --wait=600 --request-timeout=600",
    );
    expect(pcsClusterNodeAdd(NODE03, true)).toContain("--enable");
    expect(() =>
      pcsClusterNodeAdd({ ...NODE03, linkHostnames: ["node 03"], linkAddresses: [] }, false),
    ).toThrow(
      [
        "pcs cluster node add:",
        `  - members.node03.linkHostnames[0]: "node 03" is not a host name. Fix: give the member's host name on link 0 (e.g. node03h)`,
        "  - members.node03.linkAddresses: the member has no link address. Fix: list at least one network in cluster.links",
      ].join("\n"),
    );
  });

  test("node remove: by its cluster node name", () => {
    expect(pcsClusterNodeRemove("node03h").join(" ")).toBe(
      "pcs cluster node remove node03h --request-timeout=600",
    );
    expect(() => pcsClusterNodeRemove("node03h;reboot")).toThrow(/name: "node03h;reboot" is not a host name/);
  });
});

describe("membershipScript, run for real on a fake member", () => {
  const CONF_PATH = "/etc/corosync/corosync.conf";
  function member(): FakeMachine {
    const m = fakeMachine(PCS_TOOLS, { paths: ["/etc/corosync"] });
    m.env.FAKE_COROSYNC = m.at("/etc/corosync");
    fs.mkdirSync(m.env.FAKE_COROSYNC, { recursive: true });
    m.write(CONF_PATH, COROSYNC_CONF);
    return m;
  }
  const runOn = (m: FakeMachine, script: string) =>
    forReal(m)(script, { where: "node01", script, opts: { stdin: `${PASSWORD}\n` } });
  const AUTH3 =
    "pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 node03h addr=192.168.8.123 -u hacluster";

  test("join: every member authenticated (password on stdin), node03h added and started; run again, not added twice", () => {
    const m = member();
    const script = membershipScript(THREE, { added: [NODE03], removed: [] }, false);
    bashSyntaxCheck(script);
    expect(script).not.toContain(PASSWORD);
    const r = runOn(m, script);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: "added node03h\n",
      stderr: "",
    });
    expect(m.stateOf("auth.stdin")).toBe(`${PASSWORD}\n`);
    expect(m.log()).toEqual([
      AUTH3,
      "pcs cluster node add node03h addr=192.168.9.123 addr=192.168.8.123 --start --wait=600 --request-timeout=600",
    ]);
    expect(m.read(CONF_PATH)).toMatch(/name: node03h\n/);

    fs.writeFileSync(m.fake.log, "");
    expect(runOn(m, script).stdout).toBe("");
    expect(m.log()).toEqual([AUTH3]);
  });

  test("leave: node02h put in standby (its resources move), then removed; run again, nothing to remove", () => {
    const m = member();
    const script = membershipScript([NODE01], { added: [], removed: ["node02h"] }, false);
    bashSyntaxCheck(script);
    const r = runOn(m, script);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "removed node02h\n" });
    expect(m.log().slice(1)).toEqual([
      "pcs node standby node02h --wait=600",
      "pcs cluster node remove node02h --request-timeout=600",
    ]);
    expect(m.read(CONF_PATH)).not.toContain("node02h");

    fs.writeFileSync(m.fake.log, "");
    expect(runOn(m, script).stdout).toBe("");
    expect(m.log()).toHaveLength(1);
  });

  test("a refused join or move fails with pcs's words and the fix; nothing is removed after a failed standby", () => {
    const m = member();
    m.state(
      "node-add-fails",
      "Error: node03h: Unable to connect to node03h, check if pcsd is running there\n",
    );
    const join = runOn(m, membershipScript(THREE, { added: [NODE03], removed: [] }, false));
    expect(join.code).toBe(65);
    expect(join.stderr).toContain(
      "pcs cluster node add node03h failed: Error: node03h: Unable to connect to node03h, check if pcsd is running there. Fix: see pcs status",
    );

    m.state("standby-fails", "Error: waiting timeout\n");
    const leave = runOn(m, membershipScript([NODE01], { added: [], removed: ["node02h"] }, false));
    expect(leave.code).toBe(65);
    expect(leave.stderr).toContain(
      "pcs node standby node02h failed (its resources could not move): Error: waiting timeout. Fix:",
    );
    expect(m.log().some((l) => l.startsWith("pcs cluster node remove"))).toBe(false);
    expect(m.read(CONF_PATH)).toContain("node02h");
  });
});
