/** The stack profiles (stacks/profiles.ts): one per stack, and promotion of a lab from one to the next. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { LabSpecError, parseLabSpec, type LabConfigInput, type LabSpec } from "../../spec";
import {
  baseLabName,
  LAB_KEY,
  labNameFor,
  nextStack,
  PROFILES,
  promote,
  STACKS,
  type StackConfig,
} from "../../stacks/profiles";

const labOf = (config: StackConfig): LabConfigInput => config[LAB_KEY] as LabConfigInput;

/** The parts of a spec that promotion must carry unchanged. */
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
  };
}

describe("profiles", () => {
  test("one profile per stack, in promotion order", () => {
    expect(STACKS).toEqual(["dev", "staging", "prod"]);
    expect(Object.keys(PROFILES).sort()).toEqual([...STACKS].sort());
    expect(STACKS.map(nextStack)).toEqual(["staging", "prod", undefined]);
    expect(new Set(Object.values(PROFILES).map((p) => p.namePrefix)).size).toBe(3);
  });

  test("base lab name strips any environment prefix", () => {
    expect(["halab", "dev-halab", "stg-halab", "prod-halab", "devlab", "dev"].map(baseLabName)).toEqual([
      "halab",
      "halab",
      "halab",
      "halab",
      "devlab",
      "",
    ]);
    expect(["dev", "dev-pg", "halab"].map((n) => labNameFor(n, PROFILES.staging))).toEqual([
      "stg",
      "stg-pg",
      "stg-halab",
    ]);
  });
});

describe("promote", () => {
  test("an empty dev config becomes the same lab with staging's environment fields", () => {
    const staging = promote({}, "staging");
    const spec = parseLabSpec(labOf(staging));
    expect(spec.name).toBe("stg-halab");
    expect([spec.host.daemon, spec.host.domainType]).toEqual(["external", "kvm"]);
    expect(spec.nodes.map((n) => [n.vcpus, n.memoryMiB, n.diskGiB])).toEqual([
      [2, 2048, 16],
      [2, 2048, 16],
    ]);
    expect(spec.networks.map((n) => n.mode)).toEqual(["nat", "isolated", "isolated"]);
    expect(spec.timeouts.bootSeconds).toBe(300);
    // Derived names follow the new lab name, so dev and staging can share a host.
    expect(spec.nodes[0].domainName).toBe("stg-halab-node01");
    expect(spec.networks[0].libvirtName).toBe("stg-halab-service");
    expect(spec.nodes[0].interfaces[0].mac).not.toBe(parseLabSpec({}).nodes[0].interfaces[0].mac);
    // Everything else is the dev lab, node03 reservation included.
    expect(described(spec)).toEqual(described(parseLabSpec({})));
  });

  test("carries the description a user wrote, and promotes again to prod", () => {
    const dev: StackConfig = {
      [LAB_KEY]: {
        name: "dev-pg",
        cluster: { tokenMs: 30000, stack: "cman" },
        gluster: { volume: "data01" },
        services: [
          {
            name: "db",
            resources: [
              { kind: "ip", address: "192.168.7.80" },
              { kind: "gluster-mount" },
              { kind: "postgresql" },
            ],
          },
        ],
      },
    };
    const staging = promote(dev, "staging");
    const prod = promote(staging, "prod");
    const spec = parseLabSpec(labOf(prod));
    expect(spec.name).toBe("prod-pg");
    expect([spec.cluster.stack, spec.cluster.tokenMs, spec.gluster.volume]).toEqual([
      "cman",
      30000,
      "data01",
    ]);
    expect(spec.services.map((s) => s.name)).toEqual(["db"]);
    expect(spec.nodes.map((n) => n.memoryMiB)).toEqual([4096, 4096]);
    expect(described(spec)).toEqual(described(parseLabSpec(labOf(dev))));
  });

  test("keeps the target's own keys and location; does not carry the source's other keys", () => {
    const dev: StackConfig = {
      [LAB_KEY]: { host: { libvirtUri: "qemu:///system" } },
      "kvm-ha-lab:note": { secure: "v1:dev-only" },
    };
    const current: StackConfig = {
      [LAB_KEY]: { name: "old", host: { libvirtUri: "qemu+ssh://root@kvm02/system", stateDir: "/srv/lab" } },
      "kvm-ha-lab:adminPassword": { secure: "v1:staging-secret" },
    };
    const staging = promote(dev, "staging", current);
    expect(staging["kvm-ha-lab:adminPassword"]).toEqual({ secure: "v1:staging-secret" });
    expect(staging["kvm-ha-lab:note"]).toBeUndefined();
    expect(labOf(staging).host).toMatchObject({
      libvirtUri: "qemu+ssh://root@kvm02/system",
      stateDir: "/srv/lab",
    });
    expect(labOf(staging).name).toBe("stg-halab");
  });

  test("is stable: promoting twice gives the same config", () => {
    const once = promote({}, "staging");
    expect(promote({}, "staging", once)).toEqual(once);
  });

  test("promotes the repository's own dev stack", () => {
    const devFile = parse(readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8")) as {
      config: StackConfig;
    };
    const staging = parseLabSpec(labOf(promote(devFile.config, "staging")));
    expect(staging.name).toBe(labNameFor(parseLabSpec(labOf(devFile.config)).name, PROFILES.staging));
    expect(staging.host.daemon).toBe("external");
  });

  test("refuses an invalid source description", () => {
    expect(() => promote({ [LAB_KEY]: { nodez: [] } }, "staging")).toThrow(LabSpecError);
  });
});
