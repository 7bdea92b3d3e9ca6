/**
 * A change made in dev, promoted: staging's preview (worked out offline, test/support/preview-plan.ts)
 * shows that change and nothing else — the same plan as dev's own preview of it
 * (test/golden/preview-*.txt) — and staging's own names, ranges and sizes plan no change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { LAB_KEY, type StackConfig } from "../../stacks/profiles";
import { labOf, promote } from "../../stacks/promotion";
import { formatPlan, planPreview } from "../support/preview-plan";

type Lab = Record<string, unknown>;

/** Pulumi.dev.yaml's config. */
const DEV: StackConfig = (
  parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8")) as {
    config: StackConfig;
  }
).config;
const DEV_LAB = DEV[LAB_KEY] as Lab;

/** The golden plan of dev's own preview of a change. */
const golden = (name: string) =>
  fs.readFileSync(path.join(__dirname, "..", "golden", `preview-${name}.txt`), "utf8");

/** Staging as promoted from dev, then after dev's `lab` became `after` and was promoted again. */
function stagingBeforeAfter(after: Lab): [Lab, Lab] {
  const before = promote({ stack: "dev", config: DEV }, { stack: "staging", config: {} });
  const promoted = promote(
    { stack: "dev", config: { [LAB_KEY]: after } },
    { stack: "staging", config: before },
  );
  return [labOf(before) as Lab, labOf(promoted) as Lab];
}

/**
 * Each plan builds the whole lab twice under the mocks and loads every provider: minutes on a busy
 * 2-core machine, beyond the suite's 60 s.
 */
const PREVIEW_MS = 300_000;

describe("staging's preview after a promotion", () => {
  test(
    "dev's token change: the cluster's token, as in dev's own preview",
    async () => {
      const [before, after] = stagingBeforeAfter({ ...DEV_LAB, cluster: { tokenMs: 10000 } });
      expect(formatPlan(await planPreview(before, after))).toBe(golden("token"));
    },
    PREVIEW_MS,
  );

  test(
    "a second service group in dev: the group created, as in dev's own preview",
    async () => {
      const services = [
        ...(DEV_LAB.services as Lab[]),
        { name: "service02", resources: [{ kind: "ip", address: "192.168.7.98" }] },
      ];
      const [before, after] = stagingBeforeAfter({ ...DEV_LAB, services });
      expect(formatPlan(await planPreview(before, after))).toBe(golden("service-added"));
    },
    PREVIEW_MS,
  );

  test(
    "promoting an unchanged dev again: no changes",
    async () => {
      const [before, after] = stagingBeforeAfter(DEV_LAB);
      expect(formatPlan(await planPreview(before, after))).toBe("no changes\n");
    },
    PREVIEW_MS,
  );
});
