/** The promotion tool (stacks/promote.ts): real Pulumi.<stack>.yaml files in a directory, and its command line. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseLabSpec, type LabSpec } from "../../spec";
import { type StackConfig } from "../../stacks/profiles";
import { main, parseArgs, PROJECT_DIR, promoteFiles, UsageError } from "../../stacks/promote";
import { labOf } from "../../stacks/promotion";
import { removeTempDirs, tempDir } from "../support/bash";

afterAll(removeTempDirs);

/** The repository's own Pulumi.dev.yaml. */
const DEV_FILE = readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");

/** A project directory: Pulumi.yaml and the given stack files. */
function project(files: Record<string, string>): string {
  const dir = tempDir("kvmlab-promote-");
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: kvm-ha-lab\nruntime: nodejs\n");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const read = (dir: string, stack: string) =>
  parse(readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as Record<string, unknown> & {
    config: StackConfig;
  };
const specIn = (dir: string, stack: string): LabSpec => parseLabSpec(labOf(read(dir, stack).config));

/** Runs the command line quietly: its exit code and what it printed. */
function run(argv: string[], defaultDir?: string): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((m: string) => void out.push(m));
  const error = jest.spyOn(console, "error").mockImplementation((m: string) => void err.push(m));
  try {
    return { code: main(argv, defaultDir), out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("the command line", () => {
  test("the README's form, `promote.ts dev staging`, promotes in the project directory", () => {
    expect(parseArgs(["dev", "staging"])).toEqual({ from: "dev", to: "staging", dir: PROJECT_DIR });
    expect(existsSync(path.join(PROJECT_DIR, "Pulumi.yaml"))).toBe(true);
    const dir = project({ "Pulumi.dev.yaml": DEV_FILE });
    const r = run(["dev", "staging"], dir);
    expect(r).toEqual({
      code: 0,
      out: `promoted dev → staging: wrote ${path.join(dir, "Pulumi.staging.yaml")}`,
      err: "",
    });
    expect(specIn(dir, "staging").name).toBe("stg");
  });

  test("--dir anywhere, as two words or one", () => {
    const dir = project({});
    for (const argv of [
      ["--dir", dir, "dev", "staging"],
      ["dev", "--dir", dir, "staging"],
      ["dev", "staging", `--dir=${dir}`],
    ]) {
      expect(parseArgs(argv, "/nowhere")).toEqual({ from: "dev", to: "staging", dir });
    }
  });

  test("bad input: exit 2, the argument at fault and the fix, then the usage", () => {
    const dir = project({});
    const cases: [string[], string][] = [
      [["dev"], "<to>: missing. Fix: name the stack to promote and the next one, e.g. dev staging"],
      [[], "<from>: missing. Fix: name the stack to promote and the next one, e.g. dev staging"],
      [
        ["dev", "staging", "prod"],
        "prod: one stack too many. Fix: name the stack to promote and the next one, e.g. dev staging",
      ],
      [["dev", "qa"], '<to>: "qa" is not a stack. Fix: use one of dev, staging, prod'],
      [["dev", "staging", "--dir"], "--dir: needs a directory. Fix: write --dir <project dir>"],
      [["dev", "staging", "--force"], "--force: unknown option. Fix: the only option is --dir <project dir>"],
      [
        ["dev", "staging", "--dir", path.join(dir, "stacks")],
        `--dir: ${path.join(dir, "stacks")} has no Pulumi.yaml. Fix: give the project directory`,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = run(argv, dir);
      expect([argv, r.code, r.err.startsWith(`promote.ts: ${message}`), r.err.split("\n")[1]]).toEqual([
        argv,
        2,
        true,
        expect.stringMatching(/^usage: npx ts-node stacks\/promote\.ts <from> <to> \[--dir <project dir>\]/),
      ]);
    }
    expect(() => parseArgs(["dev"])).toThrow(UsageError);
  });

  test("a promotion that fails: exit 1 and the reason (no source file, a skipped stage)", () => {
    const dir = project({});
    expect(run(["dev", "staging"], dir)).toEqual({
      code: 1,
      out: "",
      err: `${path.join(dir, "Pulumi.dev.yaml")} does not exist`,
    });
    expect(run(["dev", "prod"], dir).err).toMatch(/one step at a time/);
  });
});

describe("promoteFiles", () => {
  test("staging's file gets its own ranges: no network, bridge, address or directory of dev's", () => {
    const dir = project({ "Pulumi.dev.yaml": DEV_FILE });
    promoteFiles(dir, "dev", "staging");
    const dev = specIn(dir, "dev");
    const staging = specIn(dir, "staging");
    expect(staging.networks.map((n) => n.cidr)).toEqual([
      "192.168.27.0/24",
      "192.168.28.0/24",
      "192.168.29.0/24",
    ]);
    expect(dev.networks.map((n) => n.cidr)).toEqual(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    const devAddresses = dev.nodes.flatMap((n) => n.interfaces.map((i) => i.address));
    expect(staging.nodes.flatMap((n) => n.interfaces.map((i) => i.address))).toEqual(
      devAddresses.map((a) => a.replace(/^192\.168\.(\d)\./, "192.168.2$1.")),
    );
    expect(staging.networks.map((n) => n.bridge)).not.toEqual(
      expect.arrayContaining(dev.networks.map((n) => n.bridge)),
    );
    expect([staging.host.stateDir, staging.host.address, staging.iscsi.iqn]).toEqual([
      "/var/lib/kvm-ha-lab/stg",
      "192.168.28.1",
      "iqn.2011-08.com.example.kvmhost:stg-tgt01",
    ]);
  });

  test("a token change in dev reaches staging's file; staging's own keys, salt and secrets stay; dev and prod are not written", () => {
    const dir = project({
      "Pulumi.dev.yaml": DEV_FILE,
      "Pulumi.prod.yaml": "config: {}\n",
    });
    promoteFiles(dir, "dev", "staging");
    // Staging's operator points it at its host, and `pulumi stack init` gave it a salt and a secret.
    const first = read(dir, "staging");
    const lab = labOf(first.config) as Record<string, Record<string, unknown>>;
    lab.host = { ...lab.host, libvirtUri: "qemu+ssh://root@kvm02/system", daemon: "external" };
    writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      `# staging: the lab on kvm02\nencryptionsalt: v1:abc\nsecretsprovider: passphrase\nconfig:\n  kvm-ha-lab:dbAdmin:\n    secure: v1:xyz\n  kvm-ha-lab:lab: ${JSON.stringify(lab)}\n`,
    );
    const devAfter = DEV_FILE.replace("    host:\n", "    cluster:\n      tokenMs: 30000\n    host:\n");
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), devAfter);
    const before = new Map(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));

    promoteFiles(dir, "dev", "staging");

    const written = readdirSync(dir).filter((f) => readFileSync(path.join(dir, f), "utf8") !== before.get(f));
    expect(written).toEqual(["Pulumi.staging.yaml"]);
    const text = readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8");
    expect(text.startsWith("# staging: the lab on kvm02\n")).toBe(true);
    const after = read(dir, "staging");
    expect([after.encryptionsalt, after.secretsprovider, after.config["kvm-ha-lab:dbAdmin"]]).toEqual([
      "v1:abc",
      "passphrase",
      { secure: "v1:xyz" },
    ]);
    const spec = specIn(dir, "staging");
    expect([spec.cluster.tokenMs, spec.host.libvirtUri, spec.host.daemon, spec.name]).toEqual([
      30000,
      "qemu+ssh://root@kvm02/system",
      "external",
      "stg",
    ]);
    expect(specIn(dir, "dev").cluster.tokenMs).toBe(30000);
  });

  test("refuses a staging file whose lab would collide with dev's, naming the field and the fix; writes nothing", () => {
    const staging = "config:\n  kvm-ha-lab:lab:\n    host:\n      stateDir: /var/lib/kvm-ha-lab/dev\n";
    const dir = project({ "Pulumi.dev.yaml": DEV_FILE, "Pulumi.staging.yaml": staging });
    expect(() => promoteFiles(dir, "dev", "staging")).toThrow(
      [
        "the staging stack cannot run beside the others on one host:",
        "  - host.stateDir: /var/lib/kvm-ha-lab/dev is the dev stack's state directory (/var/lib/kvm-ha-lab/dev). Fix: give the staging stack a state directory of its own in Pulumi.staging.yaml, or remove host.stateDir from it and promote again (its profile or its lab name gives one)",
        "  - iscsi.directory: /var/lib/kvm-ha-lab/dev/tgtd/cluster01 is the dev stack's LUN directory (/var/lib/kvm-ha-lab/dev/tgtd/cluster01). Fix: give the staging stack a LUN directory of its own in Pulumi.staging.yaml, or remove iscsi.directory from it and promote again (its profile or its lab name gives one)",
      ].join("\n"),
    );
    expect(readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")).toBe(staging);
  });

  test("checks the other stack files of the directory too", () => {
    const other =
      "config:\n  kvm-ha-lab:lab:\n    name: lab27\n    networks:\n      - { name: service, role: service, cidr: 192.168.27.0/24 }\n      - { name: management, role: management, cidr: 192.168.41.0/24 }\n      - { name: heartbeat, role: heartbeat, cidr: 192.168.42.0/24 }\n";
    const dir = project({
      "Pulumi.dev.yaml": DEV_FILE,
      "Pulumi.lab27.yaml": other,
      "Pulumi.broken.yaml": "config: [\n",
    });
    expect(() => promoteFiles(dir, "dev", "staging")).toThrow(
      /networks\[0\]\.cidr: 192\.168\.27\.0\/24 overlaps the lab27 stack's service network \(192\.168\.27\.0\/24\)/,
    );
  });

  test("creates the target file when missing; refuses to skip a stage or go back", () => {
    const dir = project({ "Pulumi.staging.yaml": "config: {}\n" });
    expect(promoteFiles(dir, "staging", "prod")).toBe(path.join(dir, "Pulumi.prod.yaml"));
    expect(specIn(dir, "prod").name).toBe("prod-halab");
    expect(() => promoteFiles(dir, "dev", "prod")).toThrow(/one step at a time/);
    expect(() => promoteFiles(dir, "prod", "staging")).toThrow(/one step at a time/);
  });
});
