/**
 * Promotes the lab description from one stack file to the next:
 *
 *   npx ts-node stacks/promote.ts dev staging [--dir <project dir>]
 *
 * Reads `Pulumi.<from>.yaml`, writes `Pulumi.<to>.yaml` (see {@link promote} for what is carried
 * and what is kept). The target file's other top-level keys (encryption salt, secrets provider) and
 * its comments outside `config` are kept.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import { isStackName, nextStack, promote, STACKS, type StackConfig, type StackName } from "./profiles";

/** Path of a stack's settings file. */
export function stackFile(dir: string, stack: StackName): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

function readConfig(doc: Document, file: string): StackConfig {
  const config = doc.get("config");
  if (config === undefined) return {};
  if (!isMap(config)) throw new Error(`${file}: "config" is not a map`);
  return config.toJSON() as StackConfig;
}

function parseFile(file: string): Document {
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
  return doc;
}

/** Promotes `from` to `to` in `dir`; returns the path written. */
export function promoteFiles(dir: string, from: StackName, to: StackName): string {
  if (nextStack(from) !== to) {
    throw new Error(
      `promotion goes one step at a time, ${STACKS.join(" → ")}: ${from} promotes to ${nextStack(from) ?? "nothing"}`,
    );
  }
  const fromFile = stackFile(dir, from);
  if (!existsSync(fromFile)) throw new Error(`${fromFile} does not exist`);
  const toFile = stackFile(dir, to);
  const target = existsSync(toFile) ? parseFile(toFile) : new Document({});
  const promoted = promote(readConfig(parseFile(fromFile), fromFile), to, readConfig(target, toFile));
  target.set("config", target.createNode(promoted));
  writeFileSync(toFile, target.toString());
  return toFile;
}

/** The command line: `<from> <to> [--dir <project dir>]`. Returns the exit code. */
export function main(argv: string[]): number {
  const dirAt = argv.indexOf("--dir");
  const dir = dirAt >= 0 ? argv[dirAt + 1] : path.resolve(__dirname, "..");
  const stacks = argv.filter((_, i) => i !== dirAt && i !== dirAt + 1);
  const [from, to] = stacks;
  if (stacks.length !== 2 || dir === undefined || !isStackName(from) || !isStackName(to)) {
    console.error(`usage: promote.ts <from> <to> [--dir <project dir>]   (stacks: ${STACKS.join(", ")})`);
    return 2;
  }
  try {
    console.log(`promoted ${from} → ${to}: wrote ${promoteFiles(dir, from, to)}`);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
