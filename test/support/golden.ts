/**
 * Golden-file comparison shared by the renderer tests. `UPDATE_GOLDEN=1` rewrites the files instead
 * of comparing (review the diff, commit it); it is refused when `CI` is set, where a rewrite would
 * make every golden check pass. scripts/test.sh also fails when test/golden differs from git HEAD
 * after jest, so a rewrite cannot go unnoticed locally either.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** test/golden/, beside this folder. */
const GOLDEN_DIR = path.join(__dirname, "..", "golden");

/** Whether `CI` is set as CI systems set it (any value but empty, `0` or `false`). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? "").trim().toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}

/**
 * Whether golden files are to be rewritten: `UPDATE_GOLDEN=1`, never under CI (throws there, so a
 * CI run with the variable set fails instead of passing every golden check).
 */
export function updatingGolden(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.UPDATE_GOLDEN !== "1") return false;
  if (inCi(env)) {
    throw new Error(
      `UPDATE_GOLDEN=1 is refused when CI is set (CI=${env.CI}): rewriting golden files would make ` +
        "every golden check pass. Rewrite them locally (UPDATE_GOLDEN=1 npx jest FILE), review the diff, " +
        "and commit test/golden.",
    );
  }
  return true;
}

/** Compares `actual` with a golden file, or (UPDATE_GOLDEN=1, not under CI) rewrites the file. */
export function expectGolden(file: string, actual: string): void {
  const target = path.join(GOLDEN_DIR, file);
  if (updatingGolden()) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(target, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(target, "utf8"));
}
