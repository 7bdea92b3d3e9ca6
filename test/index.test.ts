/** The program (index.ts) under Pulumi mocks (test/support/pulumi-mocks.ts): what it exports, and which of it is secret. */
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, settle, startMocks, stopMocks } from "./support/pulumi-mocks";

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
