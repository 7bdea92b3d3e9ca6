/**
 * Every provider of the project survives Pulumi's serialisation: each module under providers/ is
 * loaded, every provider it exports (built by defineProvider) is serialised and revived, and the
 * revived one is the same kind with every operation. The component tests replace the serialiser
 * with a stub (test/support/pulumi-mocks.ts), so this file is where a provider that captures
 * something the serialiser refuses fails. Found by walking the folder, not from a list: the count
 * of defineProvider calls in the sources must equal the providers found.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { LabProvider } from "../../../providers/core/base";
import { serialiseAndRevive } from "../../support/serialised";

const ROOT = join(__dirname, "../../../providers");
const DEFINITION = join(ROOT, "core/base.ts");

function sources(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return sources(path);
      return entry.endsWith(".ts") && !entry.endsWith(".d.ts") ? [path] : [];
    });
}

function isLabProvider(value: unknown): value is LabProvider {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.kind === "string" &&
    ["check", "diff", "create", "read", "update", "delete"].every((op) => typeof p[op] === "function")
  );
}

const files = sources(ROOT);
const found: [string, LabProvider][] = files.flatMap((file) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the modules are found at run time
  Object.values(require(file) as Record<string, unknown>)
    .filter(isLabProvider)
    .map((p): [string, LabProvider] => [`${p.kind} (${relative(ROOT, file)})`, p]),
);
const definitions = files
  .filter((file) => file !== DEFINITION)
  .reduce((n, file) => n + (readFileSync(file, "utf8").match(/\bdefineProvider\s*[<(]/g)?.length ?? 0), 0);

test("every defineProvider call of providers/ is an exported provider, each of its own kind", () => {
  expect(definitions).toBeGreaterThanOrEqual(20);
  expect(found).toHaveLength(definitions);
  const kinds = found.map(([, p]) => p.kind);
  expect(new Set(kinds).size).toBe(kinds.length);
});

test.each(found)("%s serialises without secrets and revives as the same kind", async (_label, provider) => {
  const { revived, containsSecrets, textLength } = await serialiseAndRevive(provider);
  expect(containsSecrets).toBe(false);
  expect(textLength).toBeLessThan(2_000_000);
  expect(revived.kind).toBe(provider.kind);
  expect([...revived.secretOutputs]).toEqual([...provider.secretOutputs]);
  for (const op of ["check", "diff", "create", "read", "update", "delete"] as const) {
    expect(typeof revived[op]).toBe("function");
  }
  // The revived provider runs, and judges inputs as the original does (here: none at all).
  const [again, original] = await Promise.all([revived.check({}, {}), provider.check({}, {})]);
  expect(again).toEqual(original);
});
