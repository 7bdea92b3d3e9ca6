/** Golden-file comparison shared by the renderer tests (`UPDATE_GOLDEN=1` rewrites the files). */
import * as fs from "node:fs";
import * as path from "node:path";

/** test/golden/, beside this folder. */
const GOLDEN_DIR = path.join(__dirname, "..", "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Compares `actual` with a golden file, or (UPDATE_GOLDEN=1) rewrites the file. */
export function expectGolden(file: string, actual: string): void {
  const target = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(target, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(target, "utf8"));
}
