/**
 * The stack outputs (components/stack-outputs.ts) under Pulumi mocks: the whole lab exports its
 * service groups and the cluster password as a secret; a lab below the cluster layer exports no
 * VIP, no service and no password — absent keys, never `undefined` (the engine warns about those).
 */
import * as pulumi from "@pulumi/pulumi";
import { buildLab, promiseOf, withDefaultLab } from "../support/pulumi-mocks";
import { parseStackOutputs } from "../../operator/outputs";

const built = withDefaultLab();

/** Every output resolved, as `pulumi stack output --json` shows them (secrets included). */
async function resolved(outputs: object): Promise<Record<string, unknown>> {
  return (await promiseOf(pulumi.output(outputs))) as Record<string, unknown>;
}

describe("stack outputs", () => {
  test("the whole lab: services with VIP, failover domain and database; the password only as a secret", async () => {
    const { stackOutputs } = await import("../../components/stack-outputs");
    const outputs = stackOutputs(built.spec, built.lab);
    expect(Object.values(outputs).filter((v) => v === undefined)).toEqual([]);
    expect(outputs.clusterPassword).toBeDefined();
    expect(await pulumi.isSecret(pulumi.output(outputs.clusterPassword))).toBe(true);
    const plain = parseStackOutputs(await resolved(outputs), "mocks");
    expect(plain.vips).toEqual({ service01: "192.168.7.99" });
    expect(plain.services).toEqual({
      service01: {
        vip: "192.168.7.99",
        nodes: ["node01", "node02"],
        database: { name: "lab", user: "lab", port: 5432 },
      },
    });
    expect(plain.layers).toBe("cluster");
    expect(Object.keys(plain.storage)).toEqual(["iscsi", "gluster"]);
  });

  test.each(["storage", "substrate"] as const)(
    "layers %s: no VIP, no services, no password key at all",
    async (layers) => {
      const { stackOutputs } = await import("../../components/stack-outputs");
      const spec = built.loaded.spec.parseLabSpec({ layers });
      const lab = await buildLab(built.loaded, `out-${layers}`, spec);
      const outputs = stackOutputs(spec, lab);
      expect(Object.keys(outputs)).not.toContain("clusterPassword");
      expect(Object.keys(outputs)).not.toContain("services");
      expect(Object.values(outputs).filter((v) => v === undefined)).toEqual([]);
      const plain = parseStackOutputs(await resolved(outputs), "mocks");
      expect(plain.vips).toEqual({});
      expect(Object.keys(plain.storage)).toEqual(layers === "storage" ? ["iscsi", "gluster"] : []);
    },
  );
});
