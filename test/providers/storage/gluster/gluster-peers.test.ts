/**
 * The GlusterPeers provider on three nodes against the fake lab (test/support/fake-lab.ts), with
 * `gluster --xml pool list` answers of test/fixtures/gluster-xml.ts. Create and delete run for real
 * on each node against a fake gluster and systemctl (test/fixtures/fake-tools.ts).
 */
import * as fs from "node:fs";
import {
  callIndex,
  fakeMachine,
  forReal,
  lab,
  on,
  scripts,
  type FakeMachine,
} from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { parsePoolListXml } from "../../../../providers/storage/gluster/gluster-xml";
import {
  connectedPeers,
  detachScript,
  GLUSTER,
  GLUSTERD_UP,
  glusterPeersProvider,
  presentPeers,
} from "../../../../providers/storage/gluster/gluster-peers";
import { bashSyntaxCheck } from "../../../support/bash";
import { checked, failedProperties, failureOf, IN_PLACE, named } from "../../../support/provider-driver";
import { GLUSTER_TOOLS } from "../../../fixtures/fake-tools";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import { NO_GLUSTERD, poolListXml } from "../../../fixtures/gluster-xml";

const [N1, N2, N3] = [nodeAccess(1), nodeAccess(2), nodeAccess(3)];

describe("GlusterPeers", () => {
  const p = glusterPeersProvider;
  const PEERS = ["node01m", "node02m", "node03m"];
  const raw = named({ nodes: [N1, N2, N3], sshPrivateKey: PROGRAM_KEY, peers: PEERS }, "dev-gluster-peers");
  const POOL = /--xml pool list/;
  const allConnected = poolListXml([
    { hostname: "node02m", hostnames: ["node02m", "192.168.9.122"], connected: true },
    { hostname: "node03m", connected: true },
  ]);
  const node03Down = poolListXml([
    { hostname: "node02m", hostnames: ["node02m", "192.168.9.122"], connected: true },
    { hostname: "node03m", connected: false },
  ]);

  test("presentPeers: the answering node counts under the first name, disconnected peers are left out", () => {
    expect(presentPeers(PEERS, parsePoolListXml(node03Down))).toEqual(["node01m", "node02m"]);
    const seen = connectedPeers(parsePoolListXml(node03Down), "self");
    expect(seen).toEqual(["node02m", "node02m", "192.168.9.122", "self"]);
  });

  test("presentPeers keeps the order of wanted and knows peers by any of their names", () => {
    const pool = parsePoolListXml(allConnected);
    expect(presentPeers(["node01m", "node03m", "node02m"], pool)).toEqual(["node01m", "node03m", "node02m"]);
    expect(presentPeers(["node01m", "192.168.9.122", "node09m"], pool)).toEqual(["node01m", "192.168.9.122"]);
  });

  test("check wants one peer name per node", async () => {
    expect(await failedProperties(p, { ...raw, peers: ["node01m", "node02m"] })).toEqual(["peers"]);
  });

  /**
   * The three nodes, glusterd stopped, node01's pool as `pool` says (`gluster --xml pool list`)
   * with these other peers; every script runs there for real against a fake gluster.
   */
  function nodes(pool: string, peers: string[] = []): FakeMachine[] {
    return [N1, N2, N3].map((n, i) => {
      const node = fakeMachine(GLUSTER_TOOLS, { reads: ["/var/log/glusterfs/glusterd.log"] });
      if (i === 0) {
        node.state("pool-xml", pool);
        node.state("peers", peers.map((peer) => `${peer}\n`).join(""));
      }
      on(/[\s\S]*/, forReal(node), n.address);
      return node;
    });
  }

  test("create: glusterd up everywhere, probes from the first node and back from the second, waits for the pool", async () => {
    const [node01, node02, node03] = nodes(allConnected);
    const { id, outs } = await p.create(await checked(p, raw));
    // Run for real: glusterd started on every node, the peers probed from node01, node01 from node02.
    for (const node of [node01, node02, node03]) {
      expect(node.log().slice(0, 2)).toEqual(["systemctl enable glusterd", "systemctl start glusterd"]);
    }
    expect(node01.log().filter((l) => l.includes("peer probe"))).toEqual([
      "gluster --mode=script peer probe node02m",
      "gluster --mode=script peer probe node03m",
    ]);
    expect(node02.log().filter((l) => l.includes("peer probe"))).toEqual([
      "gluster --mode=script peer probe node01m",
    ]);
    expect(id).toBe("node01m,node02m,node03m");
    expect(outs).toMatchObject({ peerCount: 3 });
    for (const n of [N1, N2, N3]) expect(scripts(n.address)[0]).toBe(GLUSTERD_UP);
    expect(scripts(N1.address)).toContain(
      `set -e\n${GLUSTER} peer probe node02m >/dev/null\n${GLUSTER} peer probe node03m >/dev/null`,
    );
    expect(scripts(N2.address)).toEqual([GLUSTERD_UP, `${GLUSTER} peer probe node01m >/dev/null`]);
    expect(scripts(N3.address)).toEqual([GLUSTERD_UP]);
    const lastUp = callIndex(/glusterd does not answer/, N3.address);
    expect(callIndex(/peer probe node02m/)).toBeGreaterThan(lastUp);
  });

  test("read: glusterd disabled at boot on node03 → enabledAtBoot false; the update enables it", async () => {
    const [, , node03] = nodes(allConnected);
    node03.state("glusterd-disabled", "");
    const inputs = await checked(p, raw);
    const read = await p.read("x", { ...inputs, peerCount: 3 });
    expect(read.props).toMatchObject({ enabledAtBoot: false });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
    await p.update("x", read.props as Props, inputs);
    expect(node03.stateOf("glusterd-disabled")).toBeUndefined();
    expect((await p.read("x", { ...inputs, peerCount: 3 })).props).toMatchObject({ enabledAtBoot: true });
  });

  test("read: a disconnected peer is missing from peers → an in-place change", async () => {
    on(/^for u in glusterd;/, { stdout: "glusterd enabled active\n" });
    on(POOL, { stdout: node03Down });
    const inputs = await checked(p, raw);
    const read = await p.read("x", { ...inputs, peerCount: 3 });
    expect(read.props).toMatchObject({ peers: ["node01m", "node02m"] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
  });

  test("read: the first node unreachable, or glusterd down there → no peers", async () => {
    on(/^for u in glusterd;/, { stdout: "glusterd enabled active\n" });
    const inputs = await checked(p, raw);
    lab.down = [N1.address];
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
    lab.down = [];
    on(POOL, { stdout: NO_GLUSTERD, code: 1 });
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
  });

  test("create: glusterd that does not start on node03 fails the create naming node03, nothing probed", async () => {
    const [node01, , node03] = nodes(allConnected);
    node03.state("glusterd-broken", "");
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(/^GlusterPeers "dev-gluster-peers": create failed: .*192\.168\.8\.123/);
    expect(err.message).toContain("Job for glusterd.service failed");
    expect(node01.log().filter((l) => l.includes("peer probe"))).toEqual([]);
  });

  describe("delete", () => {
    const stored = async () => ({ ...(await checked(p, raw)), peerCount: 3 });

    test("detaches the other peers from the first node, for real", async () => {
      const [node01, node02, node03] = nodes(allConnected, ["node02m", "node03m"]);
      for (const node of [node01, node02, node03]) node.state("glusterd-running", "");
      await p.delete("x", await stored());
      expect(scripts(N1.address)).toEqual([detachScript(PEERS)]);
      expect(node01.log()).toEqual([
        "gluster --mode=script peer detach node02m",
        "gluster --mode=script peer detach node03m",
      ]);
      expect(fs.readFileSync(`${node01.fake.root}/state/peers`, "utf8")).toBe("");
    });

    test("a peer already out of the pool is fine", async () => {
      const [node01] = nodes(allConnected, ["node03m"]);
      node01.state("glusterd-running", "");
      await p.delete("x", await stored());
      expect(fs.readFileSync(`${node01.fake.root}/state/peers`, "utf8")).toBe("");
    });

    test.each<[string, (node01: FakeMachine) => void, RegExp]>([
      [
        "bricks of a volume on a peer",
        (node01) => node01.state("bricks-on.node03m", ""),
        /gluster peer detach node03m failed: peer detach: failed: Brick\(s\) with the peer node03m exist in cluster/,
      ],
      ["glusterd down", (node01) => node01.state("glusterd-running", undefined), /Connection failed/],
    ])("%s: the delete fails naming the resource, the node and the peer", async (_label, breakIt, reason) => {
      const [node01] = nodes(allConnected, ["node02m", "node03m"]);
      node01.state("glusterd-running", "");
      breakIt(node01);
      const err = await failureOf(p.delete("x", await stored()));
      expect(err.message).toMatch(
        /^GlusterPeers "dev-gluster-peers": delete failed: on 192\.168\.8\.121: gluster peer detach/,
      );
      expect(err.message).toMatch(reason);
      expect(err.message).toContain("Fix:");
    });

    test("the first node unreachable: nothing left to detach there", async () => {
      lab.down = [N1.address];
      await expect(p.delete("x", await stored())).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });
  });
});

describe("bash -n on every generated script", () => {
  test("glusterd up", () => {
    bashSyntaxCheck(GLUSTERD_UP);
  });

  test("the detach script", () => {
    bashSyntaxCheck(detachScript(["node01m", "node02m", "node03m"]));
  });
});
