/**
 * The status screen (operator/status/render.ts): golden files of the dev lab healthy and degraded
 * (facts gathered from the fixtures' tool output), problems in capitals, the drift states.
 */
import { gatherFacts } from "../../../operator/status/gather";
import { driftFromPreview, skippedDrift } from "../../../operator/status/drift";
import { duration, renderStatus } from "../../../operator/status/render";
import type { LabFacts } from "../../../operator/status/facts";
import { parseStackOutputs } from "../../../operator/outputs";
import { DEV_OUTPUTS } from "../../fixtures/operator-status";
import { expectGolden } from "../../support/golden";
import { stackSpec } from "../stack-specs";
import { DEGRADED, HEALTHY, labRunners, type LabState } from "./lab-answers";

const dev = stackSpec("dev");
const outputs = parseStackOutputs(DEV_OUTPUTS, "fixture");

async function factsOf(state: LabState): Promise<LabFacts> {
  return gatherFacts(dev, outputs, "KEY", "dev", labRunners(state));
}

const PREVIEW_CLEAN = JSON.stringify({
  steps: [
    { op: "same", urn: "urn:pulumi:dev::kvm-ha-lab::pulumi:pulumi:Stack::kvm-ha-lab-dev" },
    {
      op: "same",
      urn: "urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$pulumi-nodejs:dynamic:Resource::dev-node01-domain",
    },
  ],
  diagnostics: [],
});
const PREVIEW_DRIFTED = JSON.stringify({
  steps: [
    { op: "same", urn: "urn:pulumi:dev::kvm-ha-lab::pulumi:pulumi:Stack::kvm-ha-lab-dev" },
    {
      op: "update",
      urn: "urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$pulumi-nodejs:dynamic:Resource::dev-node02-domain",
    },
    {
      op: "create",
      urn: "urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$pulumi-nodejs:dynamic:Resource::dev-gluster-mount-node02",
    },
  ],
});

describe("the status screen", () => {
  test("a healthy lab, no drift (golden)", async () => {
    const facts = { ...(await factsOf(HEALTHY)), drift: driftFromPreview(PREVIEW_CLEAN, 0) };
    const text = renderStatus(facts);
    expectGolden("status-dev-healthy.txt", text);
    const problems = [
      "DOWN",
      "OFFLINE",
      "MISSING",
      "FAILED",
      "UNREACHABLE",
      "NOT RUNNING",
      "DRIFTED",
      "SHUT OFF",
    ];
    expect(problems.filter((p) => text.includes(p))).toEqual([]);
  });

  test("a degraded lab, drifted (golden): every problem in capitals", async () => {
    const facts = { ...(await factsOf(DEGRADED)), drift: driftFromPreview(PREVIEW_DRIFTED, 0) };
    const text = renderStatus(facts);
    expectGolden("status-dev-degraded.txt", text);
    for (const problem of ["SHUT OFF", "UNREACHABLE", "OFFLINE", "FAILED ACTIONS", "DRIFTED", "DOWN"]) {
      expect([problem, text.includes(problem)]).toEqual([problem, true]);
    }
  });

  test("drift skipped or failed says so", async () => {
    const facts = await factsOf(HEALTHY);
    expect(renderStatus({ ...facts, drift: skippedDrift("--no-drift was given") })).toContain(
      "Drift    skipped (--no-drift was given)",
    );
    expect(renderStatus({ ...facts, drift: driftFromPreview("error: no stack named dev", 255) })).toContain(
      "PREVIEW FAILED: the preview printed no JSON (exit 255): error: no stack named dev",
    );
  });

  test("durations", () => {
    expect([duration(42), duration(7931), duration(86521 * 3)]).toEqual(["0m 42s", "2h 12m", "3d 0h"]);
  });
});

describe("drift from a refresh preview", () => {
  test("no change, changes, an error diagnostic, a failed preview", () => {
    expect(driftFromPreview(PREVIEW_CLEAN, 0)).toEqual({ state: "clean", changes: [] });
    expect(driftFromPreview(PREVIEW_DRIFTED, 0)).toEqual({
      state: "drifted",
      changes: ["update dev-node02-domain", "create dev-gluster-mount-node02"],
    });
    const withError = JSON.stringify({
      steps: [],
      diagnostics: [{ severity: "error", message: "read failed\nstack" }],
    });
    expect(driftFromPreview(withError, 0)).toEqual({ state: "failed", changes: [], reason: "read failed" });
    expect(driftFromPreview(PREVIEW_CLEAN, 1)).toEqual({
      state: "failed",
      changes: [],
      reason: "pulumi preview exited with status 1",
    });
  });
});
