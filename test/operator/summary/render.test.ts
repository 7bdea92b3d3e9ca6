/**
 * The summary `up` ends with (operator/summary/render.ts): golden files of the dev lab (asked live
 * and not), another stack, a lab without a cluster; never a password.
 */
import { renderSummary, labCommand } from "../../../operator/summary/render";
import { parseStackOutputs } from "../../../operator/outputs";
import { DEV_OUTPUTS } from "../../fixtures/operator-status";
import { expectGolden } from "../../support/golden";

const dev = parseStackOutputs(DEV_OUTPUTS, "fixture");

describe("the summary after up", () => {
  test("the dev lab, service01 asked live (golden)", () => {
    const text = renderSummary(dev, {
      stack: "dev",
      netns: "kvmlab-dev",
      groupNodes: { service01: "node01" },
    });
    expectGolden("summary-dev.txt", text);
    expect(text).toContain("service01: runs on node01, VIP 192.168.7.99");
    expect(text).toContain("ip netns exec kvmlab-dev psql 'host=192.168.7.99 port=5432 dbname=lab user=lab'");
    expect(text).toContain('PGPASSWORD="$(npm run -s lab -- db-password service01)"');
    expect(text).not.toContain("[secret]");
  });

  test("not asked, or not running", () => {
    expect(renderSummary(dev, { stack: "dev" })).toContain(
      "service01: not asked (starts on node01; npm run lab -- status shows where it runs)",
    );
    expect(renderSummary(dev, { stack: "dev", groupNodes: { service01: undefined } })).toContain(
      "service01: NOT RUNNING (npm run lab -- status says why)",
    );
  });

  test("another stack: every command names it; no namespace when the daemon is external", () => {
    const text = renderSummary({ ...dev, labName: "stg-dev" }, { stack: "staging" });
    expectGolden("summary-staging.txt", text);
    expect(text).toContain("npm run lab -- ssh node01 --stack staging");
    expect(text).not.toContain("ip netns exec");
  });

  test("a lab without a cluster: no service, says how to add it", () => {
    const storage = parseStackOutputs(
      { ...DEV_OUTPUTS, layers: "storage", vips: {}, services: undefined, clusterPassword: undefined },
      "fixture",
    );
    const text = renderSummary(storage, { stack: "dev", netns: "kvmlab-dev" });
    expect(text).toContain("No cluster (layers storage): `layers: cluster` adds it");
    expect(text).not.toContain("drill");
    expect(text).not.toContain("psql");
  });

  test("lab commands", () => {
    expect(labCommand("dev", "status")).toBe("npm run lab -- status");
    expect(labCommand("ultramonkey", "ssh", "ld1")).toBe("npm run lab -- ssh ld1 --stack ultramonkey");
  });
});
