/**
 * Checks a `pulumi preview --json` of the default lab (scripts/preview-check.sh makes it): the
 * components every lab must have are planned, with the right counts for the default spec (2 nodes,
 * 3 networks), a fresh stack only creates, and nothing secret appears in plain text.
 *
 *   preview-check.ts PREVIEW_JSON
 *
 * Prints the planned resources by type; exits 1 with the reasons when the check fails.
 */
import { readFileSync } from "node:fs";

/** Components of the default lab and how many of each the preview must plan. */
export const EXPECTED_COMPONENTS: Readonly<Record<string, number>> = {
  "kvmlab:lab:HaLab": 1,
  "kvmlab:host:KvmHost": 1,
  "kvmlab:image:BaseImage": 1,
  "kvmlab:network:LabNetwork": 3,
  "kvmlab:node:ClusterNode": 2,
  "kvmlab:storage:IscsiTarget": 1,
  "kvmlab:storage:GlusterVolume": 1,
  "kvmlab:cluster:HaCluster": 1,
  "kvmlab:cluster:FenceDevice": 1,
  "kvmlab:cluster:ServiceGroup": 1,
};

/** At least this many dynamic-provider resources in the default lab. */
export const MIN_DYNAMIC_RESOURCES = 28;

interface PreviewStep {
  op: string;
  urn: string;
}

/** A URN's type part is the parent chain joined by "$"; the resource's own type is the last link. */
export function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** Planned resources by type, and what is wrong with the preview (empty: it passes). */
export function checkPreview(preview: unknown): { count: Map<string, number>; problems: string[] } {
  const raw =
    typeof preview === "object" && preview !== null ? (preview as { steps?: unknown }).steps : undefined;
  const steps: PreviewStep[] = Array.isArray(raw) ? (raw as PreviewStep[]) : [];
  const count = new Map<string, number>();
  for (const s of steps) count.set(typeOf(s.urn), (count.get(typeOf(s.urn)) ?? 0) + 1);

  const problems: string[] = [];
  for (const [type, n] of Object.entries(EXPECTED_COMPONENTS)) {
    if (count.get(type) !== n) problems.push(`${type}: expected ${n}, planned ${count.get(type) ?? 0}`);
  }
  const dynamic = [...count]
    .filter(([t]) => t.startsWith("pulumi-nodejs:dynamic/"))
    .reduce((n, [, c]) => n + c, 0);
  if (dynamic < MIN_DYNAMIC_RESOURCES) {
    problems.push(
      `expected at least ${MIN_DYNAMIC_RESOURCES} dynamic resources in the default lab, planned ${dynamic}`,
    );
  }
  const notCreate = steps.filter((s) => s.op !== "create");
  if (notCreate.length > 0) {
    problems.push(`a fresh stack should only create: ${notCreate.map((s) => `${s.op} ${s.urn}`).join(",")}`);
  }
  if (/BEGIN OPENSSH PRIVATE KEY/.test(JSON.stringify(preview))) {
    problems.push("a private key appears in plain text in the preview");
  }
  return { count, problems };
}

/** The command line; returns the exit status. */
export function main(argv: readonly string[]): number {
  const [file] = argv;
  if (argv.length !== 1 || file === undefined) {
    console.error("usage: preview-check.ts PREVIEW_JSON   (the output of pulumi preview --json)");
    return 2;
  }
  let preview: unknown;
  try {
    preview = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    console.error(
      `preview check FAILED: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
  const { count, problems } = checkPreview(preview);
  console.log(`preview: ${[...count.values()].reduce((a, b) => a + b, 0)} resources planned`);
  for (const [t, n] of [...count].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    console.log(`  ${String(n).padStart(3)}  ${t}`);
  }
  if (problems.length > 0) {
    console.error(`preview check FAILED:\n  ${problems.join("\n  ")}`);
    return 1;
  }
  console.log("preview check passed");
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
