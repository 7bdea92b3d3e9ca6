/** The promotion tool (stacks/promote.ts): Pulumi.<stack>.yaml files and its command line. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseLabSpec, type LabConfigInput } from "../../spec";
import { LAB_KEY, type StackConfig } from "../../stacks/profiles";
import { main, promoteFiles } from "../../stacks/promote";
import { removeTempDirs, tempDir } from "../support/bash";

const labOf = (config: StackConfig): LabConfigInput => config[LAB_KEY] as LabConfigInput;

afterAll(removeTempDirs);

describe("promote.ts", () => {
  const tmp = () => tempDir("kvmlab-promote-");

  test("writes Pulumi.staging.yaml from Pulumi.dev.yaml, keeping the target's salt and secrets", () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      "config:\n  kvm-ha-lab:lab:\n    cluster:\n      tokenMs: 25000\n",
    );
    writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      "encryptionsalt: v1:abc\nconfig:\n  kvm-ha-lab:secret:\n    secure: v1:xyz\n",
    );
    const written = promoteFiles(dir, "dev", "staging");
    const doc = parse(readFileSync(written, "utf8")) as { encryptionsalt: string; config: StackConfig };
    expect(doc.encryptionsalt).toBe("v1:abc");
    expect(doc.config["kvm-ha-lab:secret"]).toEqual({ secure: "v1:xyz" });
    const spec = parseLabSpec(labOf(doc.config));
    expect([spec.name, spec.cluster.tokenMs, spec.host.daemon]).toEqual(["stg-halab", 25000, "external"]);
  });

  test("creates the target file when missing; refuses to skip a stage or go back", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "Pulumi.staging.yaml"), "config: {}\n");
    expect(parse(readFileSync(promoteFiles(dir, "staging", "prod"), "utf8")).config[LAB_KEY].name).toBe(
      "prod-halab",
    );
    expect(() => promoteFiles(dir, "dev", "prod")).toThrow(/one step at a time/);
    expect(() => promoteFiles(dir, "prod", "staging")).toThrow(/one step at a time/);
  });

  test("command line: usage errors and missing files give non-zero exit codes", () => {
    const dir = tmp();
    const quiet = jest.spyOn(console, "error").mockImplementation(() => undefined);
    expect(main(["dev"])).toBe(2);
    expect(main(["dev", "qa", "--dir", dir])).toBe(2);
    expect(main(["dev", "staging", "--dir", dir])).toBe(1);
    quiet.mockRestore();
  });
});
