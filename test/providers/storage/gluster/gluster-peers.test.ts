/**
 * The GlusterPeers provider on three nodes against the fake lab (test/support/fake-lab.ts), with
 * `gluster --xml pool list` answers of test/fixtures/gluster-xml.ts.
 */
import { callIndex, lab, on, scripts } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { parsePoolListXml } from "../../../../providers/storage/gluster/gluster-xml";
import {
  connectedPeers,
  GLUSTER,
  GLUSTERD_UP,
  glusterPeersProvider,
  presentPeers,
} from "../../../../providers/storage/gluster/gluster-peers";
import { bashSyntaxCheck } from "../../../support/bash";
import { checked, failedProperties, IN_PLACE, named } from "../../../support/provider-driver";
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

  test("create: glusterd up everywhere, probes from the first node and back from the second, waits for the pool", async () => {
    on(POOL, { stdout: allConnected }, N1.address);
    const { id, outs } = await p.create(await checked(p, raw));
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

  test("read: a disconnected peer is missing from peers → an in-place change", async () => {
    on(POOL, { stdout: node03Down });
    const inputs = await checked(p, raw);
    const read = await p.read("x", { ...inputs, peerCount: 3 });
    expect(read.props).toMatchObject({ peers: ["node01m", "node02m"] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
  });

  test("read: the first node unreachable, or glusterd down there → no peers", async () => {
    const inputs = await checked(p, raw);
    lab.down = [N1.address];
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
    lab.down = [];
    on(POOL, { stdout: NO_GLUSTERD, code: 1 });
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
  });
});

describe("bash -n on every generated script", () => {
  test("glusterd up", () => {
    bashSyntaxCheck(GLUSTERD_UP);
  });
});
