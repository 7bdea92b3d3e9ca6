/**
 * Promotes the lab description from one stack file to the next, from the project directory:
 *
 *   npx ts-node stacks/promote.ts dev staging [--dir <project dir>]
 *
 * Reads `Pulumi.<from>.yaml`, writes `Pulumi.<to>.yaml` (see stacks/promotion.ts for what is
 * carried, stacks/ownership.ts for what is kept). `--dir` defaults to the project this file belongs
 * to, wherever it is run from. The target file's other top-level keys (encryption salt, secrets
 * provider) and its comments outside `config` are kept; no other file is written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import { parseLabSpec } from "../spec/load";
import { formatProblem, type Problem } from "../spec/problems";
import type { StackLab } from "./collisions";
import { isStackName, nextStack, STACKS, type StackConfig, type StackName } from "./profiles";
import { labOf, promote } from "./promotion";

/** The project directory (the one holding Pulumi.yaml and this tool's stacks/): `--dir`'s default. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The command line's synopsis. */
export const USAGE = `usage: npx ts-node stacks/promote.ts <from> <to> [--dir <project dir>]   (stacks: ${STACKS.join(", ")}; --dir defaults to ${PROJECT_DIR})`;

/** A command line that cannot be run: the argument at fault and the fix. */
export class UsageError extends Error {
  constructor(public readonly problem: Problem) {
    super(formatProblem(problem));
    this.name = "UsageError";
  }
}

/** What the command line asks for. */
export interface PromoteArgs {
  from: StackName;
  to: StackName;
  /** The project directory, absolute. */
  dir: string;
}

/** Path of a stack's settings file. */
export function stackFile(dir: string, stack: string): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

/**
 * Parses `<from> <to> [--dir <project dir>]` (`--dir=<dir>` too, anywhere on the line).
 *
 * @param defaultDir the project directory when `--dir` is not given
 * @throws UsageError naming the argument at fault and the fix
 */
export function parseArgs(argv: readonly string[], defaultDir: string = PROJECT_DIR): PromoteArgs {
  let dir = defaultDir;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dir" || arg.startsWith("--dir=")) {
      const value = arg === "--dir" ? argv[++i] : arg.slice("--dir=".length);
      if (value === undefined || value === "" || value.startsWith("-")) {
        throw new UsageError({
          path: "--dir",
          problem: "needs a directory",
          fix: "write --dir <project dir> (the directory of Pulumi.yaml), or leave --dir out for this project",
        });
      }
      dir = value;
    } else if (arg.startsWith("-")) {
      throw new UsageError({
        path: arg,
        problem: "unknown option",
        fix: "the only option is --dir <project dir>",
      });
    } else {
      stacks.push(arg);
    }
  }
  const [from, to] = stacks;
  if (stacks.length !== 2) {
    throw new UsageError({
      path: stacks.length < 2 ? (from === undefined ? "<from>" : "<to>") : stacks[2],
      problem: stacks.length < 2 ? "missing" : "one stack too many",
      fix: "name the stack to promote and the next one, e.g. dev staging",
    });
  }
  for (const [name, value] of [
    ["<from>", from],
    ["<to>", to],
  ] as const) {
    if (!isStackName(value)) {
      throw new UsageError({
        path: name,
        problem: `"${value}" is not a stack`,
        fix: `use one of ${STACKS.join(", ")}`,
      });
    }
  }
  if (!existsSync(path.join(dir, "Pulumi.yaml"))) {
    throw new UsageError({
      path: "--dir",
      problem: `${dir} has no Pulumi.yaml`,
      fix: "give the project directory (the one with Pulumi.yaml and the stack files)",
    });
  }
  return { from: from as StackName, to: to as StackName, dir: path.resolve(dir) };
}

function readConfig(doc: Document, file: string): StackConfig {
  const config = doc.get("config");
  if (config === undefined || config === null) return {};
  if (!isMap(config)) throw new Error(`${file}: "config" is not a map`);
  return config.toJSON() as StackConfig;
}

function parseFile(file: string): Document {
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
  return doc;
}

/**
 * The labs of the other stack files in `dir` (`Pulumi.<stack>.yaml` but `from` and `to`): they may
 * be up on the same host. A file whose description is not valid is left out (its own `up` refuses
 * it first).
 */
function otherStacks(dir: string, from: StackName, to: StackName): StackLab[] {
  return readdirSync(dir).flatMap((entry) => {
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(entry)?.[1];
    if (stack === undefined || stack === from || stack === to) return [];
    try {
      return [{ stack, spec: parseLabSpec(labOf(readConfig(parseFile(stackFile(dir, stack)), entry))) }];
    } catch {
      return [];
    }
  });
}

/** Promotes `from` to `to` in `dir`; returns the path written (the only file written). */
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
  const promoted = promote(
    { stack: from, config: readConfig(parseFile(fromFile), fromFile) },
    { stack: to, config: readConfig(target, toFile) },
    otherStacks(dir, from, to),
  );
  target.set("config", target.createNode(promoted));
  writeFileSync(toFile, target.toString());
  return toFile;
}

/**
 * The command line: `<from> <to> [--dir <project dir>]`. Returns the exit code: 0 written, 1 the
 * promotion failed (the reason printed), 2 a usage error (the argument and its fix printed).
 */
export function main(argv: readonly string[], defaultDir: string = PROJECT_DIR): number {
  let args: PromoteArgs;
  try {
    args = parseArgs(argv, defaultDir);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`promote.ts: ${err.message}\n${USAGE}`);
    return 2;
  }
  try {
    console.log(`promoted ${args.from} → ${args.to}: wrote ${promoteFiles(args.dir, args.from, args.to)}`);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
