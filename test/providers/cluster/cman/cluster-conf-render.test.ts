/**
 * Tests of the cman cluster.conf renderer (providers/cluster/cman/cluster-conf-render.ts).
 *
 * - The seed case: the input of seed 001 renders the seed's own cluster.conf. The seed's file is
 *   kept verbatim in test/golden/cluster.conf-seed001; its layout has two irregularities (a blank
 *   line before `<service>`, and the nested `<script>` indented by ten spaces instead of eight), so
 *   the comparison is made after {@link normaliseLayout} (blank lines dropped, every line re-indented
 *   by two spaces per element depth). A separate test pins that the normalisation changes nothing
 *   but those two lines.
 * - The default lab with the cman flavour (golden test/golden/cluster.conf-dev; regenerate with
 *
 *       UPDATE_GOLDEN=1 npx jest test/providers/cluster/cman/cluster-conf-render.test.ts
 *
 *   and review the diff). The seed golden is never rewritten: it is the seed.
 * - Every rendering parses as XML (fast-xml-parser, and xmllint when this machine has it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseLabSpec } from "../../../../spec";
import { GLMOUNT_PATH } from "../../../../providers/storage/gluster/gluster-mount";
import { GLMOUNT_SCRIPT, UNVERSIONED } from "../../../../providers/cluster/cman/cluster-conf-input";
import { clusterConfFromModel } from "../../../../providers/cluster/cman/cluster-conf-model";
import { renderClusterConf } from "../../../../providers/cluster/cman/cluster-conf-render";
import {
  configVersionOf,
  nextConfigVersion,
  setConfigVersion,
} from "../../../../providers/cluster/cman/config-version";
import { expectGolden } from "../../../support/golden";
import { DATA_LUN_DEVICE, iscsiSpec, labModel, seedInput, seedModel } from "./fixtures";

const SEED_GOLDEN = path.join(__dirname, "..", "..", "..", "golden", "cluster.conf-seed001");

/**
 * The layout normalisation used to compare with the seed: blank lines dropped, surrounding blanks
 * trimmed, and every line indented by two spaces per depth of open elements.
 */
function normaliseLayout(xml: string): string {
  let depth = 0;
  const out: string[] = [];
  for (const raw of xml.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("</")) depth--;
    out.push(`${"  ".repeat(Math.max(depth, 0))}${line}`);
    if (/^<[A-Za-z]/.test(line) && !line.endsWith("/>") && !line.includes("</")) depth++;
  }
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// The seed case

describe("cluster.conf: seed 001", () => {
  const seed = fs.readFileSync(SEED_GOLDEN, "utf8");
  const rendered = renderClusterConf(seedInput);

  test("the seed's input renders the seed's cluster.conf (after layout normalisation)", () => {
    expect(rendered).toBe(normaliseLayout(seed));
  });

  test("the renderer's own layout is already normal (two spaces per level, no blank lines)", () => {
    expect(normaliseLayout(rendered)).toBe(rendered);
  });

  test("the normalisation changes only the seed's blank line and its over-indented nested script", () => {
    const seedLines = seed.split("\n");
    const blank = seedLines.flatMap((l, i) => (l === "" && i < seedLines.length - 1 ? [i] : []));
    expect(blank.map((i) => seedLines[i + 1])).toEqual([
      '    <service autostart="0" domain="dom01" name="service01">',
    ]);
    const nonBlank = seedLines.filter((l) => l !== "");
    const renderedLines = rendered.split("\n").filter((l) => l !== "");
    expect(nonBlank).toHaveLength(renderedLines.length);
    const differing = nonBlank.flatMap((l, i) => (l === renderedLines[i] ? [] : [[l, renderedLines[i]]]));
    expect(differing).toEqual([
      [
        '          <script file="/etc/init.d/postgresql" name="pgsql"/>',
        '        <script file="/etc/init.d/postgresql" name="pgsql"/>',
      ],
    ]);
  });

  test("the lab model of seed 001 renders the same file", () => {
    const input = clusterConfFromModel(seedModel);
    expect(input).toEqual(seedInput);
    expect(renderClusterConf(input)).toBe(rendered);
  });

  test("ends with exactly one newline; attributes in alphabetical order as in the seed", () => {
    expect(rendered.endsWith("</cluster>\n")).toBe(true);
    expect(rendered.endsWith("\n\n")).toBe(false);
    for (const m of rendered.matchAll(/<[a-z]+((?: [a-z_]+="[^"]*")+)\/?>/g)) {
      const names = [...(m[1] ?? "").matchAll(/ ([a-z_]+)=/g)].map((a) => a[1] ?? "");
      expect(names).toEqual([...names].sort());
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The default lab, cman flavour

const devSpec = parseLabSpec({ name: "dev", cluster: { stack: "cman" } });
const devUnversioned = renderClusterConf(clusterConfFromModel(labModel(devSpec)));
/** What lands on the nodes at the first `pulumi up`. */
const devConf = setConfigVersion(devUnversioned, nextConfigVersion(undefined, devUnversioned));

const iscsiConf = renderClusterConf(clusterConfFromModel(labModel(iscsiSpec, { "2": DATA_LUN_DEVICE })));

interface ParsedConf {
  cluster: {
    config_version: string;
    name: string;
    cman: Record<string, string>;
    clusternodes: {
      clusternode: {
        name: string;
        nodeid: string;
        altname?: { name: string };
        fence: { method: { name: string; device: { name: string; port: string } } };
      }[];
    };
    totem: { token: string };
    fencedevices: { fencedevice: Record<string, string> };
    rm: {
      failoverdomains: {
        failoverdomain: { name: string; failoverdomainnode: { name: string; priority: string }[] };
      };
      service: Record<string, unknown>;
    };
  };
}

function parse(xml: string): ParsedConf {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    isArray: (tag) => tag === "clusternode" || tag === "failoverdomainnode",
  }).parse(xml) as ParsedConf;
}

describe("cluster.conf: the default lab (cman flavour)", () => {
  test("matches the golden file", () => {
    expectGolden("cluster.conf-dev", devConf);
  });

  test("unversioned rendering: config_version 0 (UNVERSIONED), the provider sets it", () => {
    expect(configVersionOf(devUnversioned)).toBe(UNVERSIONED);
    expect(configVersionOf(devConf)).toBe(1);
  });

  test("nodes named by their heartbeat host names, management names as the second ring", () => {
    const c = parse(devConf).cluster;
    expect(c.name).toBe("cluster01");
    expect(c.cman).toEqual({ expected_votes: "1", transport: "udpu", two_node: "1" });
    expect(c.clusternodes.clusternode.map((n) => [n.name, n.nodeid, n.altname?.name])).toEqual([
      ["node01h", "1", "node01m"],
      ["node02h", "2", "node02m"],
    ]);
    expect(c.clusternodes.clusternode.map((n) => n.fence.method.device.port)).toEqual(
      devSpec.nodes.map((n) => n.domainName),
    );
    expect(c.totem.token).toBe("20000");
    expect(c.fencedevices.fencedevice).toEqual({
      agent: "fence_virsh",
      identity_file: "/etc/cluster/fence_virsh_key",
      ipaddr: "192.168.8.1",
      login: "root",
      name: "kvmhost01",
      option: "reboot",
    });
    expect(c.rm.failoverdomains.failoverdomain.failoverdomainnode).toEqual([
      { name: "node01h", priority: "1" },
      { name: "node02h", priority: "2" },
    ]);
  });

  test("GlusterFS: ip and the glmount script side by side, PostgreSQL inside glmount", () => {
    expect(devConf).toContain(
      [
        '    <service autostart="0" domain="dom01" name="service01">',
        '      <ip address="192.168.7.99" monitor_link="on"/>',
        '      <script file="/etc/init.d/glmount" name="glmount">',
        '        <script file="/etc/init.d/postgresql" name="pgsql"/>',
        "      </script>",
        "    </service>",
      ].join("\n"),
    );
    expect(GLMOUNT_SCRIPT.file).toBe(GLMOUNT_PATH);
  });

  test("iSCSI: the file system nests in the ip (fs would otherwise start first), PostgreSQL in the fs", () => {
    expect(iscsiConf).toContain(
      [
        '    <service autostart="0" domain="dom01" name="service01">',
        '      <ip address="192.168.7.99" monitor_link="on">',
        `        <fs device="${DATA_LUN_DEVICE}" fstype="ext4" mountpoint="/shared00" name="service01-fs">`,
        '          <script file="/etc/init.d/postgresql" name="pgsql"/>',
        "        </fs>",
        "      </ip>",
        "    </service>",
      ].join("\n"),
    );
  });

  test("every rendering is well-formed XML (fast-xml-parser)", () => {
    for (const xml of [renderClusterConf(seedInput), devConf, iscsiConf]) {
      expect(XMLValidator.validate(xml)).toBe(true);
    }
  });

  const xmllint = spawnSync("sh", ["-c", "command -v xmllint"], { encoding: "utf8" }).stdout.trim();
  (xmllint ? test : test.skip)("every rendering is well-formed per xmllint", () => {
    for (const xml of [renderClusterConf(seedInput), devConf, iscsiConf]) {
      const r = spawnSync(xmllint, ["--noout", "-"], { input: xml, encoding: "utf8" });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    }
  });
});
