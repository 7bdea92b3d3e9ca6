/**
 * Tests of the cman cluster.conf renderer (providers/cluster/cman/cluster-conf.ts).
 *
 * - The seed case: the input of seed 001 renders the seed's own cluster.conf. The seed's file is
 *   kept verbatim in test/golden/cluster.conf-seed001; its layout has two irregularities (a blank
 *   line before `<service>`, and the nested `<script>` indented by ten spaces instead of eight), so
 *   the comparison is made after {@link normaliseLayout} (blank lines dropped, every line re-indented
 *   by two spaces per element depth). A separate test pins that the normalisation changes nothing
 *   but those two lines.
 * - The default lab with the cman flavour (golden test/golden/cluster.conf-dev; regenerate with
 *
 *       UPDATE_GOLDEN=1 npx jest test/render-cluster-conf.test.ts
 *
 *   and review the diff). The seed golden is never rewritten: it is the seed.
 * - Every rendering parses as XML (fast-xml-parser, and xmllint when this machine has it).
 * - nextConfigVersion, and validation errors that name the field and the fix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseLabSpec, type LabSpec } from "../spec";
import { GLMOUNT_PATH } from "../providers/storage/gluster/gluster-mount";
import {
  clusterConfFromModel,
  configVersionOf,
  GLMOUNT_SCRIPT,
  nestInStartOrder,
  nextConfigVersion,
  renderClusterConf,
  setConfigVersion,
  UNVERSIONED,
  type ClusterConfInput,
  type ClusterConfModel,
} from "../providers/cluster/cman/cluster-conf";

import { expectGolden } from "./golden";

const SEED_GOLDEN = path.join(__dirname, "golden", "cluster.conf-seed001");

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

/** The input that corresponds to seed 001's cluster.conf. */
const seedInput: ClusterConfInput = {
  name: "cluster01",
  configVersion: 1,
  cman: { expectedVotes: 1, twoNode: true },
  nodes: [1, 2].map((i) => ({
    name: `node0${i}h`,
    nodeId: i,
    votes: 1,
    fence: [{ method: "virsh_reboot", device: "kvmhost01", port: `RHCSvm0${i}-gluster` }],
  })),
  totem: { token: 20000 },
  fenceDevices: [
    {
      name: "kvmhost01",
      agent: "fence_virsh",
      ipaddr: "192.168.8.1",
      login: "root",
      identityFile: "/etc/cluster/fence_virsh_key",
      option: "reboot",
    },
  ],
  failoverDomains: [
    {
      name: "dom01",
      ordered: false,
      restricted: true,
      nodes: [
        { name: "node01h", priority: 1 },
        { name: "node02h", priority: 2 },
      ],
    },
  ],
  services: [
    {
      name: "service01",
      autostart: false,
      domain: "dom01",
      resources: [
        { kind: "ip", address: "192.168.7.99", monitorLink: true },
        {
          kind: "script",
          name: "glmount",
          file: "/etc/init.d/glmount",
          children: [{ kind: "script", name: "pgsql", file: "/etc/init.d/postgresql" }],
        },
      ],
    },
  ],
};

/** The lab model that describes seed 001 (its VM names, one ring, multicast). */
const seedModel: ClusterConfModel = {
  cluster: { name: "cluster01", transport: "udp", tokenMs: 20000, twoNode: true },
  members: [
    { name: "node01", nodeId: 1, linkHostnames: ["node01h"] },
    { name: "node02", nodeId: 2, linkHostnames: ["node02h"] },
  ],
  fencing: [
    {
      name: "kvmhost01",
      agent: "fence_virsh",
      ipaddr: "192.168.8.1",
      login: "root",
      identityFile: "/etc/cluster/fence_virsh_key",
      action: "reboot",
    },
  ],
  services: [
    {
      name: "service01",
      autostart: false,
      domain: { name: "dom01", nodes: ["node01", "node02"], ordered: false, restricted: true },
      resources: [
        {
          kind: "ip",
          name: "service01-ip",
          address: "192.168.7.99",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
        { kind: "gluster-mount", name: "service01-fs", volume: "data00", mountPoint: "/gldata00" },
        { kind: "postgresql", name: "service01-db", dataDir: "/gldata00/pgsql", port: 5432 },
      ],
    },
  ],
  domainNames: { node01: "RHCSvm01-gluster", node02: "RHCSvm02-gluster" },
  configVersion: 1,
};

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

/** The model of a lab as components/ha-lab.ts wires it (links in cluster.links order). */
function labModel(spec: LabSpec, lunDevices?: Record<string, string>): ClusterConfModel {
  return {
    cluster: spec.cluster,
    members: spec.nodes.map((node) => ({
      name: node.name,
      nodeId: node.nodeId,
      linkHostnames: spec.cluster.links.map(
        (link) => node.interfaces.find((nic) => nic.network === link)?.hostname ?? "",
      ),
    })),
    fencing: spec.fencing,
    services: spec.services,
    domainNames: Object.fromEntries(spec.nodes.map((n) => [n.name, n.domainName])),
    ...(lunDevices !== undefined ? { lunDevices } : {}),
  };
}

const devSpec = parseLabSpec({ name: "dev", cluster: { stack: "cman" } });
const devUnversioned = renderClusterConf(clusterConfFromModel(labModel(devSpec)));
/** What lands on the nodes at the first `pulumi up`. */
const devConf = setConfigVersion(devUnversioned, nextConfigVersion(undefined, devUnversioned));

/** The cman flavour of the default lab without GlusterFS: the service mounts the iSCSI data LUN. */
const iscsiSpec = parseLabSpec({ name: "dev", cluster: { stack: "cman" }, gluster: { enabled: false } });
const DATA_LUN_DEVICE =
  "/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:dev-tgt01-lun-2";
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

describe("nestInStartOrder", () => {
  const ip = { kind: "ip", address: "192.168.7.99", monitorLink: true } as const;
  const glmount = { kind: "script", name: "glmount", file: "/etc/init.d/glmount" } as const;
  const pgsql = { kind: "script", name: "pgsql", file: "/etc/init.d/postgresql" } as const;
  const fs0 = {
    kind: "fs",
    name: "fs0",
    device: "/dev/sdb",
    mountpoint: "/shared00",
    fstype: "ext4",
  } as const;

  test("seed order [ip, glmount, pgsql]: ip and glmount on top, pgsql nested", () => {
    expect(nestInStartOrder([ip, glmount, pgsql])).toEqual([ip, { ...glmount, children: [pgsql] }]);
  });

  test("[ip, fs, pgsql]: a chain (rgmanager would start a top-level fs before the ip)", () => {
    expect(nestInStartOrder([ip, fs0, pgsql])).toEqual([
      { ...ip, children: [{ ...fs0, children: [pgsql] }] },
    ]);
  });

  test("[fs, ip, pgsql]: rgmanager's type order already matches, all on top", () => {
    expect(nestInStartOrder([fs0, ip, pgsql])).toEqual([fs0, ip, pgsql]);
  });

  test("[ip, ip]: a second resource of the same type nests (same level is not 'after')", () => {
    const ip2 = { ...ip, address: "192.168.7.98" };
    expect(nestInStartOrder([ip, ip2])).toEqual([{ ...ip, children: [ip2] }]);
  });
});

// ---------------------------------------------------------------------------------------------
// config_version

describe("nextConfigVersion", () => {
  const base = renderClusterConf({ ...seedInput, configVersion: UNVERSIONED });
  const changed = renderClusterConf({ ...seedInput, configVersion: UNVERSIONED, totem: { token: 30000 } });

  test("no previous file (or an empty one): 1", () => {
    expect(nextConfigVersion(undefined, base)).toBe(1);
    expect(nextConfigVersion("", base)).toBe(1);
    expect(nextConfigVersion("  \n", base)).toBe(1);
  });

  test("unchanged content keeps the version, whatever the rendered version says", () => {
    expect(nextConfigVersion(setConfigVersion(base, 7), base)).toBe(7);
    expect(nextConfigVersion(setConfigVersion(base, 7), setConfigVersion(base, 3))).toBe(7);
    expect(nextConfigVersion(`${setConfigVersion(base, 7)}\n\n`, base)).toBe(7);
  });

  test("changed content: previous + 1", () => {
    expect(nextConfigVersion(setConfigVersion(base, 7), changed)).toBe(8);
    expect(nextConfigVersion(setConfigVersion(changed, 1), base)).toBe(2);
  });

  test("a previous file without a usable version: 1; a previous version 0 becomes 1", () => {
    expect(nextConfigVersion("<cluster name='x'/>", base)).toBe(1);
    expect(nextConfigVersion(base.replace('config_version="0"', 'config_version="x"'), base)).toBe(1);
    expect(nextConfigVersion(base, base)).toBe(1);
  });

  test("configVersionOf / setConfigVersion touch only <cluster>'s attribute (either quote)", () => {
    expect(configVersionOf(setConfigVersion(base, 12))).toBe(12);
    expect(setConfigVersion(base, 12).replace('config_version="12"', 'config_version="0"')).toBe(base);
    expect(configVersionOf(`<?xml version="1.0"?>\n<cluster name='a' config_version='5'>`)).toBe(5);
    expect(configVersionOf("<clusternode config_version='5'/>")).toBeUndefined();
    expect(() => setConfigVersion("<cluster name='a'/>", 1)).toThrow(/no config_version/);
    expect(() => setConfigVersion(base, -1)).toThrow(/config_version -1/);
  });
});

// ---------------------------------------------------------------------------------------------
// Validation

describe("validation errors name the field and the fix", () => {
  const render = (patch: Partial<ClusterConfInput>) => () => renderClusterConf({ ...seedInput, ...patch });

  test.each<[string, Partial<ClusterConfInput>, RegExp]>([
    [
      "cluster name with a blank",
      { name: "my cluster" },
      /name: cluster name "my cluster" has characters .*Fix: /,
    ],
    ["cluster name over 15 characters", { name: "a-very-long-cluster" }, /name: .*Fix: use at most 15/],
    [
      "node name with an underscore",
      {
        nodes: [{ ...seedInput.nodes[0], name: "node_01h" }, seedInput.nodes[1]],
        failoverDomains: [],
        services: [],
      },
      /nodes\[0\]\.name: node name "node_01h" has characters cman\/rgmanager reject\. Fix: use a host name/,
    ],
    [
      "duplicate node ids",
      { nodes: [seedInput.nodes[0], { ...seedInput.nodes[1], nodeId: 1 }] },
      /nodes\[1\]\.nodeId: nodeid "1" is also nodes\[0\]\.nodeId\. Fix: give every node its own nodeid/,
    ],
    [
      "a service domain that does not exist",
      { services: [{ ...seedInput.services[0], domain: "dom02" }] },
      /services\[0\]\.domain: failover domain "dom02" does not exist\. Fix: define it in failoverDomains, or use one of: dom01/,
    ],
    [
      "a fence device referenced but not defined",
      { fenceDevices: [{ ...seedInput.fenceDevices[0], name: "kvmhost02" }] },
      /nodes\[0\]\.fence\[0\]\.device: fence device "kvmhost01" is not defined\. Fix: define it in fenceDevices, or use one of: kvmhost02/,
    ],
    [
      "two_node with three nodes",
      {
        nodes: [...seedInput.nodes, { name: "node03h", nodeId: 3, votes: 1, fence: [] }],
      },
      /cman\.twoNode: two_node needs exactly two nodes.*Fix: /,
    ],
    [
      "two_node with expected_votes 2",
      { cman: { expectedVotes: 2, twoNode: true } },
      /cman\.expectedVotes: cman requires expected_votes="1" with two_node/,
    ],
    [
      "a domain node that is not a cluster node",
      {
        failoverDomains: [{ ...seedInput.failoverDomains[0], nodes: [{ name: "node01", priority: 1 }] }],
      },
      /failoverDomains\[0\]\.nodes\[0\]\.name: "node01" is not a cluster node\. Fix: use one of: node01h, node02h/,
    ],
    [
      "the same script in two services",
      {
        services: [
          seedInput.services[0],
          { ...seedInput.services[0], name: "service02", resources: [seedInput.services[0].resources[1]] },
        ],
      },
      /services\[1\]\.resources\[0\]: resource "script name glmount" is also services\[0\]\.resources\[1\]\. Fix: /,
    ],
    [
      "an ip that is not an address",
      {
        services: [
          {
            ...seedInput.services[0],
            resources: [{ kind: "ip", address: "192.168.7.99/24", monitorLink: true }],
          },
        ],
      },
      /services\[0\]\.resources\[0\]\.address: "192\.168\.7\.99\/24" is not an IPv4 address/,
    ],
  ])("%s", (_what, patch, message) => {
    expect(render(patch)).toThrow(message);
  });

  test("several problems are listed in one error, one per line", () => {
    expect(render({ name: "bad name", totem: { token: 0 } })).toThrow(
      /^cluster\.conf:\n {2}- name: .*\n {2}- totem\.token: .*Fix: /,
    );
  });

  test("model errors name the model's fields", () => {
    expect(() =>
      clusterConfFromModel({ ...seedModel, cluster: { ...seedModel.cluster, transport: "knet" } }),
    ).toThrow(/cluster\.transport: knet is corosync 3 only.*Fix: set cluster\.transport to udpu or udp/);
    expect(() => clusterConfFromModel({ ...seedModel, domainNames: { node01: "RHCSvm01-gluster" } })).toThrow(
      /domainNames\.node02: no libvirt domain name for member node02 .*Fix: /,
    );
    const group = seedModel.services[0];
    expect(() =>
      clusterConfFromModel({
        ...seedModel,
        services: [{ ...group, domain: { ...group.domain, nodes: ["node01", "node03"] } }],
      }),
    ).toThrow(
      /services\[0\]\.domain\.nodes\[1\]: "node03" is not a cluster member\. Fix: use member names: node01, node02/,
    );
    expect(() => clusterConfFromModel(labModel(iscsiSpec, {}))).toThrow(
      /services\[0\]\.resources\[1\]\.lun: no device is known for iSCSI LUN 2 .*Fix: /,
    );
    expect(() =>
      clusterConfFromModel({
        ...seedModel,
        members: [seedModel.members[0], { ...seedModel.members[1], linkHostnames: [] }],
      }),
    ).toThrow(/members\[1\]\.linkHostnames: member node02 has no host name on a cluster link/);
  });
});
