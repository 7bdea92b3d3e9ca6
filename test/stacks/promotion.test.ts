/** Promotion of a lab description to the next stack (stacks/promotion.ts): what is carried, what is kept. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { LabSpecError, parseLabSpec, type LabSpec } from "../../spec";
import { environmentOwnedPaths } from "../../stacks/ownership";
import { LAB_KEY, labNameFor, PROFILES, type StackConfig, type StackName } from "../../stacks/profiles";
import { labOf, promote } from "../../stacks/promotion";
import { rebaseAddresses } from "../../stacks/rebase";

/** The parts of a spec that promotion carries (addresses move with their networks). */
function described(spec: LabSpec) {
  return {
    networks: spec.networks.map((n) => [n.name, n.role, n.cidr]),
    nodes: spec.nodes.map((n) => [
      n.name,
      n.nodeId,
      n.priority,
      n.interfaces.map((i) => [i.address, i.hostname]),
    ]),
    reservedHosts: spec.reservedHosts,
    image: spec.image,
    iscsi: { ...spec.iscsi, iqn: undefined, directory: undefined },
    gluster: spec.gluster,
    cluster: spec.cluster,
    services: spec.services,
    fencing: spec.fencing,
    layers: spec.layers,
  };
}

/** The seed's ranges moved to staging's and to prod's. */
const MOVES = (to: StackName) =>
  Object.entries(PROFILES[to].subnets).map(([role, cidr]) => ({
    from: PROFILES.dev.subnets[role as keyof typeof PROFILES.dev.subnets],
    to: cidr,
  }));

const dev = (config: StackConfig) => ({ stack: "dev" as const, config });
const staging = (config: StackConfig = {}) => ({ stack: "staging" as const, config });
const specOf = (config: StackConfig): LabSpec => parseLabSpec(labOf(config));

describe("promote", () => {
  test("an empty dev config becomes the same lab with staging's own names, ranges and sizes", () => {
    const spec = specOf(promote(dev({}), staging()));
    expect(spec.name).toBe("stg-halab");
    expect([spec.host.daemon, spec.host.domainType, spec.host.stateDir]).toEqual([
      "external",
      "auto",
      "/var/lib/kvm-ha-lab/stg-halab",
    ]);
    expect(spec.networks.map((n) => [n.cidr, n.mode, n.bridge])).toEqual([
      ["192.168.27.0/24", "nat", "stg-halab-svc"],
      ["192.168.28.0/24", "isolated", "stg-halab-mgt"],
      ["192.168.29.0/24", "isolated", "stg-halab-hb"],
    ]);
    expect(spec.nodes.map((n) => [n.domainName, n.vcpus, n.memoryMiB, n.diskGiB])).toEqual([
      ["stg-halab-node01", 2, 2048, 16],
      ["stg-halab-node02", 2, 2048, 16],
    ]);
    expect(spec.timeouts.bootSeconds).toBe(600);
    expect(spec.host.address).toBe("192.168.28.1");
    expect(spec.nodes[0].interfaces[0].mac).not.toBe(parseLabSpec({}).nodes[0].interfaces[0].mac);
    // Everything else is the dev lab, node03 reservation included, on staging's ranges.
    expect(described(spec)).toEqual(rebaseAddresses(described(parseLabSpec({})), MOVES("staging")));
    expect(spec.services[0].resources[0]).toMatchObject({ kind: "ip", address: "192.168.27.99" });
  });

  test("carries the description a user wrote, and promotes again to prod", () => {
    const source: StackConfig = {
      [LAB_KEY]: {
        name: "dev-pg",
        cluster: { tokenMs: 30000, stack: "cman" },
        gluster: { volume: "data01" },
        services: [
          {
            name: "db",
            resources: [
              { kind: "ip", address: "192.168.7.80/24" },
              { kind: "gluster-mount" },
              { kind: "postgresql" },
            ],
          },
        ],
      },
    };
    const stg = promote(dev(source), staging());
    const prod = specOf(promote({ stack: "staging", config: stg }, { stack: "prod", config: {} }));
    expect(prod.name).toBe("prod-pg");
    expect([prod.cluster.stack, prod.cluster.tokenMs, prod.gluster.volume]).toEqual([
      "cman",
      30000,
      "data01",
    ]);
    expect(prod.services[0].resources[0]).toMatchObject({ address: "192.168.37.80", cidrNetmask: 24 });
    expect(prod.nodes.map((n) => n.memoryMiB)).toEqual([4096, 4096]);
    expect(described(prod)).toEqual(rebaseAddresses(described(specOf(source)), MOVES("prod")));
  });

  test("keeps every key staging owns and its other config; carries none of dev's other keys", () => {
    const source: StackConfig = {
      [LAB_KEY]: {
        host: { libvirtUri: "qemu:///system", stateDir: "/srv/dev-lab", daemon: "managed" },
        nodes: [
          { name: "node01", macs: { service: "52:54:00:00:00:01" }, memoryMiB: 1024 },
          { name: "node02", domainName: "dev-n2" },
          { name: "node03" },
        ],
        cluster: { twoNode: false },
        iscsi: { iqn: "iqn.2011-08.com.example.kvmhost:dev-tgt09", luns: [{ file: "q.img", sizeMiB: 100 }] },
      },
      "kvm-ha-lab:note": { secure: "v1:dev-only" },
    };
    const current: StackConfig = {
      [LAB_KEY]: {
        name: "stg-old",
        host: { libvirtUri: "qemu+ssh://root@kvm02/system", stateDir: "/srv/stg-lab", sshPort: 2222 },
        networks: [
          { name: "service", role: "service", cidr: "10.10.7.0/24", bridge: "stgsvc0", mode: "isolated" },
        ],
        nodes: [{ name: "node01", memoryMiB: 3072 }],
        iscsi: { iqn: "iqn.2011-08.com.example.kvm02:stg" },
        timeouts: { bootSeconds: 900 },
      },
      "kvm-ha-lab:adminPassword": { secure: "v1:staging-secret" },
    };
    const promoted = promote(dev(source), staging(current));
    expect(promoted["kvm-ha-lab:adminPassword"]).toEqual({ secure: "v1:staging-secret" });
    expect(promoted["kvm-ha-lab:note"]).toBeUndefined();
    const lab = labOf(promoted);
    expect(lab.host).toEqual({
      libvirtUri: "qemu+ssh://root@kvm02/system",
      stateDir: "/srv/stg-lab",
      sshPort: 2222,
      daemon: "external",
      domainType: "auto",
    });
    const spec = parseLabSpec(lab);
    expect(spec.name).toBe("stg-old");
    expect(spec.networks.map((n) => [n.cidr, n.bridge, n.mode])).toEqual([
      ["10.10.7.0/24", "stgsvc0", "isolated"],
      ["192.168.28.0/24", "stg-old-mgt", "isolated"],
      ["192.168.29.0/24", "stg-old-hb", "isolated"],
    ]);
    // The nodes are dev's three, each with staging's size (node01's own), names and MACs.
    expect(spec.nodes.map((n) => [n.name, n.domainName, n.memoryMiB])).toEqual([
      ["node01", "stg-old-node01", 3072],
      ["node02", "stg-old-node02", 2048],
      ["node03", "stg-old-node03", 2048],
    ]);
    expect(spec.nodes[0].interfaces[0]).toMatchObject({ address: "10.10.7.121" });
    expect(spec.nodes[0].interfaces[0].mac).not.toBe("52:54:00:00:00:01");
    expect([spec.iscsi.iqn, spec.iscsi.directory, spec.iscsi.luns.map((l) => l.file)]).toEqual([
      "iqn.2011-08.com.example.kvm02:stg",
      "/srv/stg-lab/tgtd/cluster01",
      ["q.img"],
    ]);
    expect(spec.timeouts.bootSeconds).toBe(900);
  });

  test("a change in dev (the token, a second service group) is the only change in staging", () => {
    const before = promote(dev({}), staging());
    const token = promote(dev({ [LAB_KEY]: { cluster: { tokenMs: 30000 } } }), staging(before));
    expect({ ...labOf(token), cluster: undefined }).toEqual({ ...labOf(before), cluster: undefined });
    expect(labOf(token).cluster).toEqual({ tokenMs: 30000 });

    const services = [
      {
        name: "service01",
        resources: [
          { kind: "ip", address: "192.168.7.99" },
          { kind: "gluster-mount" },
          { kind: "postgresql" },
        ],
      },
      { name: "service02", resources: [{ kind: "ip", address: "192.168.7.98" }] },
    ];
    const group = promote(dev({ [LAB_KEY]: { services } }), staging(before));
    expect({ ...labOf(group), services: undefined }).toEqual({ ...labOf(before), services: undefined });
    expect(specOf(group).services.map((s) => [s.name, s.resources[0]])).toEqual([
      ["service01", expect.objectContaining({ address: "192.168.27.99" })],
      ["service02", expect.objectContaining({ address: "192.168.27.98" })],
    ]);
  });

  test("is stable: promoting twice gives the same config", () => {
    const once = promote(dev({}), staging());
    expect(promote(dev({}), staging(once))).toEqual(once);
  });

  test("promotes the repository's own dev stack", () => {
    const devFile = parse(readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8")) as {
      config: StackConfig;
    };
    const spec = specOf(promote(dev(devFile.config), staging()));
    expect(spec.name).toBe(labNameFor(specOf(devFile.config).name, PROFILES.staging));
    expect([spec.host.daemon, spec.host.domainType]).toEqual(["external", "auto"]);
    expect(spec.services.map((s) => [s.name, s.autostart])).toEqual([["service01", true]]);
  });

  test("refuses an invalid source description", () => {
    expect(() => promote(dev({ [LAB_KEY]: { nodez: [] } }), staging())).toThrow(LabSpecError);
  });

  test("refuses a target that would collide with the source on one host, naming the field", () => {
    const same = {
      [LAB_KEY]: { name: "dev", networks: [{ name: "service", role: "service", cidr: "192.168.7.0/24" }] },
    };
    expect(() => promote(dev({ [LAB_KEY]: { name: "dev" } }), staging(same))).toThrow(
      /^the staging stack cannot run beside the others on one host:\n {2}- name: lab name "dev" is the dev stack's too\. Fix: .*\n {2}- networks\[0\]\.cidr: 192\.168\.7\.0\/24 overlaps the dev stack's service network/,
    );
  });

  test("the environment's keys, as README lists them", () => {
    expect(environmentOwnedPaths()).toEqual([
      "name",
      "host.libvirtUri",
      "host.domainType",
      "host.address",
      "host.sshPort",
      "host.sshUser",
      "host.daemon",
      "host.stateDir",
      "networks[].cidr",
      "networks[].mode",
      "networks[].bridge",
      "networks[].gateway",
      "nodes[].vcpus",
      "nodes[].memoryMiB",
      "nodes[].diskGiB",
      "nodes[].domainName",
      "nodes[].macs",
      "iscsi.iqn",
      "iscsi.directory",
      "timeouts.bootSeconds",
    ]);
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    for (const p of environmentOwnedPaths()) expect([p, readme.includes(`\`${p}\``)]).toEqual([p, true]);
  });
});
