/** The program (index.ts) under Pulumi mocks (test/support/pulumi-mocks.ts): what it exports, and which of it is secret. */
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, settle, startMocks, stopMocks } from "./support/pulumi-mocks";
import { runProgram } from "./support/program-run";
import { parseLabSpec } from "../spec";

beforeAll(startMocks);
afterAll(stopMocks);

describe("the program (index.ts)", () => {
  test("exports addresses, domain type, VIPs, cluster name — and the password only as a secret", async () => {
    const program: Record<string, unknown> = await import("../index");
    await settle();
    const out = (key: string) => program[key] as pulumi.Output<unknown>;
    expect(program.labName).toBe("halab");
    expect(program.layers).toBe("cluster");
    expect(await promiseOf(out("nodeAddresses"))).toEqual({
      node01: "192.168.8.121",
      node02: "192.168.8.122",
    });
    expect(await promiseOf(out("domainType"))).toBe("qemu");
    expect(await promiseOf(out("vips"))).toEqual({ service01: "192.168.7.99" });
    expect(await promiseOf(out("clusterName"))).toBe("cluster01");
    expect(await pulumi.isSecret(out("clusterPassword"))).toBe(true);
    for (const [key, value] of Object.entries(program)) {
      if (key === "clusterPassword" || !pulumi.Output.isInstance(value)) continue;
      expect([key, await pulumi.isSecret(value)]).toEqual([key, false]);
    }
    expect(Object.keys(program).filter((k) => /private|key/i.test(k))).toEqual([]);
  });
});

describe("a configuration the program refuses", () => {
  test("is printed once, as its problems with their fixes: no stack trace, no dump, exit 32", async () => {
    const run = await runProgram({ nodes: [{ name: "node01", addresses: {}, memoryMiB: 100 }] });
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "error: [runtime] invalid lab configuration (kvm-ha-lab:lab): 1 problem",
        "nodes[0].memoryMiB: Number must be greater than or equal to 256. Fix: use a value of at least 256",
        "",
      ].join("\n"),
    );
    // 32: the runner printed the failure itself (the engine adds nothing but the failed run).
    expect(run.status).toBe(32);
    // The program runs in a process of its own (the language host compiles index.ts): slow on a
    // busy 2-core machine, so it gets more than the suite's 60 s.
  }, 240_000);

  test("is a Pulumi RunError whose message is the whole report", () => {
    let thrown: unknown;
    try {
      parseLabSpec({ cluster: { tokenMs: 5 }, gluster: { replica: 1 } });
    } catch (err) {
      thrown = err;
    }
    expect(pulumi.RunError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message.split("\n")).toEqual([
      "invalid lab configuration (kvm-ha-lab:lab): 2 problems",
      expect.stringMatching(/^gluster\.replica: .+\. Fix: .+$/),
      expect.stringMatching(/^cluster\.tokenMs: .+\. Fix: .+$/),
    ]);
  });
});
