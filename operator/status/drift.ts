/**
 * Whether the stack has drifted, from `pulumi preview --refresh --json` (run by scripts/lab.sh in the
 * lab's namespace): every step whose op is not "no change" is a change the next `up` would make.
 */
import type { DriftFacts } from "./facts";

/** The preview ops that change nothing. */
const NO_CHANGE = ["same", "read", "refresh", "discard"];

/** Drift not looked at, and why. */
export function skippedDrift(reason: string): DriftFacts {
  return { state: "skipped", changes: [], reason };
}

/** The drift a preview shows: its JSON text and the preview's exit status. */
export function driftFromPreview(text: string, status: number): DriftFacts {
  let preview: unknown;
  try {
    preview = JSON.parse(text);
  } catch {
    const first = text.trim().split("\n")[0] ?? "";
    return {
      state: "failed",
      changes: [],
      reason: `the preview printed no JSON (exit ${status})${first ? `: ${first}` : ""}`,
    };
  }
  const record = typeof preview === "object" && preview !== null ? (preview as Record<string, unknown>) : {};
  const errors = (Array.isArray(record.diagnostics) ? record.diagnostics : [])
    .filter(
      (d): d is { severity: string; message?: unknown } =>
        typeof d === "object" && d !== null && d.severity === "error",
    )
    .map(
      (d) =>
        String(d.message ?? "")
          .trim()
          .split("\n")[0],
    );
  if (status !== 0 || errors.length > 0) {
    return {
      state: "failed",
      changes: [],
      reason: errors[0] ?? `pulumi preview exited with status ${status}`,
    };
  }
  const changes = (Array.isArray(record.steps) ? record.steps : [])
    .filter(
      (s): s is { op: string; urn: string } =>
        typeof s === "object" && s !== null && typeof s.op === "string" && typeof s.urn === "string",
    )
    .filter((s) => !NO_CHANGE.includes(s.op))
    .map((s) => `${s.op} ${s.urn.split("::").slice(3).join("::")}`);
  return { state: changes.length === 0 ? "clean" : "drifted", changes };
}
