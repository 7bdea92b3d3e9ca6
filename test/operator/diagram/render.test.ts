/**
 * The lab as Graphviz DOT (operator/diagram/render.ts): golden files of the dev lab, a three-node
 * lab and the load-balancer lab, every element of the spec checked in the output, the live facts,
 * the parts beyond `layers`, and docs/lab.svg drawn from today's dev lab.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { LabSpec } from "../../../spec";
import { parseLabSpec } from "../../../spec";
import { clusterMembers, realServers } from "../../../spec/queries";
import { ids, renderDiagram, type DiagramFacts } from "../../../operator/diagram/render";
import { expectGolden } from "../../support/golden";
import { lab3, ROOT, stackSpec } from "../stack-specs";

const dev = stackSpec("dev");
const ultramonkey = stackSpec("ultramonkey");

/** The node ids a DOT text declares or references. */
function nodeIds(dot: string): string[] {
  const found = new Set<string>();
  for (const m of dot.matchAll(/^\s*"([^"]+)"(?: \[|;| ->)/gm)) found.add(m[1]);
  for (const m of dot.matchAll(/-> "([^"]+)"/g)) found.add(m[1]);
  return [...found].sort();
}

/** Everything of the spec the picture must show, as text that must appear in it. */
function expectedTexts(spec: LabSpec): string[] {
  return [
    spec.host.address,
    ...spec.networks.flatMap((n) => [n.cidr, n.bridge, n.gateway]),
    ...spec.nodes.flatMap((n) => [
      n.name,
      n.domainName,
      ...n.interfaces.flatMap((i) => [i.address, i.hostname]),
    ]),
    ...(spec.iscsi.enabled
      ? [spec.iscsi.iqn, ...spec.iscsi.luns.map((l) => `${l.file} · ${l.sizeMiB} MiB`)]
      : []),
    ...(spec.gluster.enabled ? [spec.gluster.volume, spec.gluster.brickPath, spec.gluster.mountPoint] : []),
    `cluster ${spec.cluster.name}`,
    ...spec.cluster.links.map((l, i) => `link ${i} (${l})`),
    ...spec.fencing.flatMap((f) => [`fence device ${f.name}`, `fence path: ssh ${f.login}@${f.ipaddr}`]),
    ...spec.services.flatMap((g) => [
      `service group ${g.name}`,
      ...g.resources.map((r) => (r.kind === "ip" ? r.address : "")),
    ]),
    ...(spec.loadBalancer ? [`${spec.loadBalancer.vip}:${spec.loadBalancer.port}`] : []),
  ].filter((t) => t !== "");
}

describe("the lab diagram", () => {
  test.each([
    ["dev", dev],
    ["lab3", lab3],
    ["ultramonkey", ultramonkey],
  ] as const)("%s: golden DOT, every element of the spec in it", (name, spec) => {
    const dot = renderDiagram(spec);
    expectGolden(`diagram-${name}.dot`, dot);
    expect(expectedTexts(spec).filter((t) => !dot.includes(t))).toEqual([]);
  });

  test("dev: the parts and their edges", () => {
    const dot = renderDiagram(dev);
    expect(nodeIds(dot)).toEqual(
      [
        ids.host,
        ...dev.networks.map((n) => ids.network(n.name)),
        ...dev.nodes.map((n) => ids.node(n.name)),
        ids.iscsi,
        ids.gluster,
        ...dev.fencing.map((f) => ids.fence(f.name)),
        ...dev.services.map((g) => ids.group(g.name)),
      ].sort(),
    );
    // Each node hangs off each of its networks; each link joins the two members once.
    for (const node of dev.nodes) {
      for (const nic of node.interfaces) {
        expect(dot).toContain(`"${ids.network(nic.network)}" -> "${ids.node(node.name)}"`);
      }
    }
    expect(dot.match(/label = "link \d \(/g)).toHaveLength(dev.cluster.links.length);
    // The failover domain's order, no "runs here" without live facts.
    expect(dot).toContain('label = "1st choice"');
    expect(dot).toContain('label = "2nd choice"');
    expect(dot).not.toContain("runs here");
  });

  test("three members: the links form a ring (three edges per link)", () => {
    const dot = renderDiagram(lab3);
    expect(clusterMembers(lab3.nodes)).toHaveLength(3);
    expect(dot.match(/label = "link 0 \(heartbeat\)"/g)).toHaveLength(3);
    expect(dot).not.toContain("two_node");
    expect(dot).toContain("nat · bridge");
  });

  test("the load-balancer lab: directors and real servers, no storage or service group", () => {
    const dot = renderDiagram(ultramonkey);
    for (const r of realServers(ultramonkey.nodes)) {
      expect(dot).toContain(`"${ids.lvs}" -> "${ids.node(r.name)}"`);
      expect(dot).toContain(`${r.name} (real server)`);
    }
    for (const m of clusterMembers(ultramonkey.nodes)) {
      expect(dot).toContain(`"${ids.lvs}" -> "${ids.node(m.name)}"`);
    }
    expect(dot).not.toContain(ids.iscsi);
    expect(dot).not.toContain(ids.gluster);
    expect(dot).not.toContain("service group");
  });

  test("live facts: where the group runs, the nodes' state", () => {
    const facts: DiagramFacts = {
      groupNodes: { service01: "node02" },
      nodes: { node01: { running: false, reachable: false }, node02: { running: true, reachable: true } },
    };
    const dot = renderDiagram(dev, facts);
    expectGolden("diagram-dev-live.dot", dot);
    expect(dot).toContain(`"${ids.node("node02")}" -> "${ids.group("service01")}"`);
    expect(dot).toContain("runs on node02");
    expect(dot).toContain("not running");
    expect(renderDiagram(dev, { groupNodes: { service01: undefined } })).toContain("not running (stopped");
  });

  test("parts beyond the stack's layers are marked not built", () => {
    const storage = renderDiagram(parseLabSpec({ name: "dev", layers: "storage" }));
    expect(storage).toContain("not built (layers: storage)");
    expect(storage.match(/not built/g)?.length).toBeGreaterThanOrEqual(3); // cluster, fence device, service group
    const substrate = renderDiagram(parseLabSpec({ name: "dev", layers: "substrate" }));
    expect(substrate).toContain("GlusterFS volume data00");
    expect(substrate.match(/not built \(layers: substrate\)/g)?.length).toBeGreaterThanOrEqual(5);
  });

  test("docs/lab.svg is drawn from today's dev lab (npm run lab -- diagram --spec-only --out docs/lab.svg)", () => {
    const svg = readFileSync(path.join(ROOT, "docs", "lab.svg"), "utf8");
    const titles = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]+)<\/title>/g)].map(
      (m) => m[1],
    );
    expect(titles.sort()).toEqual(nodeIds(renderDiagram(dev)));
    const unescape = (t: string) =>
      t
        .replace(/&#45;/g, "-")
        .replace(/&amp;/g, "&")
        .replace(/&#160;/g, " ");
    const text = unescape([...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join("\n"));
    expect(expectedTexts(dev).filter((t) => !text.includes(t))).toEqual([]);
  });
});
