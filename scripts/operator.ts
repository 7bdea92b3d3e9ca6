/**
 * The operator's view of a lab, from the command line (scripts/lab.sh runs it as `operator`):
 *
 *   operator.ts schema [--write]                      the JSON Schemas of the lab description
 *                                                     (docs/lab.schema.json, docs/stack.schema.json)
 *   operator.ts diagram STACK_FILE [FACTS]            the lab as Graphviz DOT (FACTS: live facts, JSON
 *                                                     from `status --json`)
 *   operator.ts summary STACK_FILE OUTPUTS STACK [--netns NS] [--key KEY_FILE] [--known-hosts FILE]
 *                                                     what `up` prints at the end: where the service
 *                                                     groups run (asked live with KEY_FILE), how to
 *                                                     reach them, the next commands
 *   operator.ts status STACK_FILE OUTPUTS KEY_FILE STACK [--drift PREVIEW STATUS | --no-drift] [--json]
 *                      [--known-hosts FILE]           the live status of the lab, one screen
 *
 * OUTPUTS is `pulumi stack output --json` saved in a file; KEY_FILE the program's private key;
 * --known-hosts the nodes' host keys (`query known-hosts`), which the probes then pin; the
 * live commands run the lab's read-only probes over SSH and on the host (in the lab's network
 * namespace, where lab.sh runs this). Errors go to stderr with exit status 1 (2: usage).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LAB_KEY } from "../spec/config-key";
import { parseLabSpec, type LabSpec } from "../spec";
import { stackLabConfig } from "./query";
import { commandLine, unknownCommand, UsageError } from "./cli";
import { renderDiagram } from "../operator/diagram/render";
import { labJsonSchema, schemaText, SCHEMA_FILES, stackJsonSchema } from "../operator/schema/json-schema";
import { parseStackOutputs, type StackOutputs } from "../operator/outputs";
import { renderSummary } from "../operator/summary/render";
import { gatherFacts, gatherGroupNodes, type GatherOptions } from "../operator/status/gather";
import { diagramFacts } from "../operator/status/facts";
import { driftFromPreview, skippedDrift } from "../operator/status/drift";
import { renderStatus } from "../operator/status/render";

const REPO = path.join(__dirname, "..");

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `${what} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${what} ${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** A stack file's lab, validated as the program does. */
function stackSpec(file: string): LabSpec {
  return parseLabSpec(stackLabConfig(readText(file, "stack file"), file, LAB_KEY));
}

function outputsOf(file: string): StackOutputs {
  return parseStackOutputs(readJson(file, "stack outputs"), file);
}

/** The value of `--name VALUE` in `argv` (removed from it), or undefined. */
function option(argv: string[], name: string, count = 1): string[] | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const values = argv.slice(at + 1, at + 1 + count);
  if (values.length < count) throw new UsageError(`${name} needs ${count} value${count > 1 ? "s" : ""}`);
  argv.splice(at, count + 1);
  return values;
}

function flag(argv: string[], name: string): boolean {
  const at = argv.indexOf(name);
  if (at >= 0) argv.splice(at, 1);
  return at >= 0;
}

function positional(argv: readonly string[], min: number, max: number, command: string): string[] {
  const unknown = argv.find((a) => a.startsWith("--"));
  if (unknown !== undefined) throw new UsageError(`${command}: unknown option ${unknown}`);
  if (argv.length < min || argv.length > max) {
    throw new UsageError(
      `${command}: expected ${min === max ? min : `${min} to ${max}`} arguments, got ${argv.length}`,
    );
  }
  return [...argv];
}

function usage(): string {
  return [
    "usage: operator.ts COMMAND ARGS…   (scripts/lib.sh: operator COMMAND ARGS…)",
    "",
    "  schema [--write]                   the JSON Schemas of kvm-ha-lab:lab (--write: into docs/)",
    "  diagram STACK_FILE [FACTS]         the lab as Graphviz DOT (FACTS: `status --json` of the live lab)",
    "  summary STACK_FILE OUTPUTS STACK [--netns NS] [--key KEY_FILE] [--known-hosts FILE]",
    "                                     the summary `up` ends with",
    "  status STACK_FILE OUTPUTS KEY_FILE STACK [--drift PREVIEW_JSON STATUS | --no-drift] [--json]",
    "         [--known-hosts FILE]",
    "                                     the live status of the lab",
  ].join("\n");
}

/**
 * The host keys of `known_hosts` lines (`ADDRESS TYPE BASE64`, as `query known-hosts` writes them)
 * by address; blank lines and comments are skipped, a malformed line is an error naming it.
 */
export function parseKnownHosts(text: string, file: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const [address, type, key] = line.trim().split(/\s+/);
    if (address === undefined || type === undefined || key === undefined) {
      throw new UsageError(`${file}:${i + 1}: not a known_hosts line (ADDRESS TYPE KEY): ${line}`);
    }
    keys[address] = `${type} ${key}`;
  }
  return keys;
}

/** Runs one command; returns what to print. */
export async function run(argv: readonly string[], options: GatherOptions = {}): Promise<string> {
  const [command, ...words] = argv;
  const rest = [...words];
  const knownHostsFile = option(rest, "--known-hosts")?.[0];
  const gather: GatherOptions =
    knownHostsFile !== undefined
      ? { ...options, hostKeys: parseKnownHosts(readText(knownHostsFile, "known hosts"), knownHostsFile) }
      : options;
  switch (command) {
    case "schema": {
      const write = flag(rest, "--write");
      positional(rest, 0, 0, command);
      const lab = schemaText(labJsonSchema());
      const stack = schemaText(stackJsonSchema());
      if (!write) return lab;
      writeFileSync(path.join(REPO, SCHEMA_FILES.lab), lab);
      writeFileSync(path.join(REPO, SCHEMA_FILES.stack), stack);
      return `wrote ${SCHEMA_FILES.lab} and ${SCHEMA_FILES.stack}\n`;
    }
    case "diagram": {
      const [file, factsFile] = positional(rest, 1, 2, command);
      const facts =
        factsFile !== undefined
          ? diagramFacts(readJson(factsFile, "live facts") as Parameters<typeof diagramFacts>[0])
          : undefined;
      return renderDiagram(stackSpec(file), facts);
    }
    case "summary": {
      const netns = option(rest, "--netns")?.[0];
      const key = option(rest, "--key")?.[0];
      const [file, outputsFile, stack] = positional(rest, 3, 3, command);
      const spec = stackSpec(file);
      const outputs = outputsOf(outputsFile);
      const groupNodes =
        key !== undefined
          ? await gatherGroupNodes(spec, outputs, readText(key, "key file"), gather)
          : undefined;
      return renderSummary(outputs, { stack, ...(netns !== undefined ? { netns } : {}), groupNodes });
    }
    case "status": {
      const drift = option(rest, "--drift", 2);
      const noDrift = flag(rest, "--no-drift");
      const json = flag(rest, "--json");
      const [file, outputsFile, keyFile, stack] = positional(rest, 4, 4, command);
      if (drift === undefined && !noDrift)
        throw new UsageError("status: give --drift PREVIEW_JSON STATUS or --no-drift");
      const spec = stackSpec(file);
      const outputs = outputsOf(outputsFile);
      const facts = await gatherFacts(spec, outputs, readText(keyFile, "key file"), stack, gather);
      facts.drift =
        drift !== undefined
          ? driftFromPreview(readText(drift[0], "preview"), Number(drift[1]))
          : skippedDrift("--no-drift was given");
      return json ? `${JSON.stringify(facts, null, 2)}\n` : renderStatus(facts);
    }
    default:
      throw unknownCommand(command);
  }
}

/** The command line; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  return commandLine("operator.ts", argv, usage, run);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
