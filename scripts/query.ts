/**
 * What the scripts ask of stack files, of a stack's outputs and state, and of the reports the
 * tests write, answered in one place (scripts/lib.sh runs it as `query`):
 *
 *   query.ts daemon STACK_FILE              host daemon mode of the stack's lab: managed|external
 *   query.ts lab-env STACK_FILE [OUTPUTS]   the lab as shell assignments LAB_…=…, for `eval`
 *   query.ts output KEY [KEY…]              one value of the stack outputs read on stdin
 *   query.ts secret URN_SUFFIX FIELD        a resource's output from a stack export read on stdin
 *   query.ts known-hosts                    the nodes' pinned host keys (known_hosts lines) from a
 *                                           stack export read on stdin
 *   query.ts secret-scan EXPORT FILE…       every secret of EXPORT (`stack export --show-secrets`
 *                                           saved in a file) looked for in clear in each FILE;
 *                                           exit 1 naming the place of each find, never its value
 *   query.ts jest-summary RESULTS           "N passed, M failed, K skipped, T todo" of a `jest --json` file
 *   query.ts jest-gate RESULTS              the same, or exit 1 naming every skipped or todo test
 *   query.ts coverage-gate SUMMARY BASELINE ROOT
 *                                           coverage per area of jest's coverage-summary.json held to
 *                                           the baseline (docs/coverage-baseline.json); exit 1 below it
 *   query.ts drift-check PREVIEW STATUS [--only] NAME[=OPS]…
 *                                           a `preview --refresh --json` shows each resource's drift
 *   query.ts cib-ids CIB | cib-new-ids BEFORE AFTER | cib-check CIB --OPTION VALUE…
 *                                           the constraint ids of a live CIB; what it must show
 *   query.ts bench-table TIMINGS            the median table of the benchmark's "phase seconds" lines
 *   query.ts engine-leftovers STACK EXPORT BACKEND_URL [--via TEXT] [--for-update]
 *                                           what a killed engine left on the stack (its lock, pending
 *                                           operations) and the exact commands that clear it; exit 1
 *                                           while the stack cannot be updated without one
 *   query.ts --help
 *
 * OUTPUTS is `pulumi stack output --json` saved in a file (`-`: stdin); the stack export is
 * `pulumi stack export --show-secrets`. Errors name the file and the missing key; exit status 1
 * (2 for a usage error).
 *
 * ts-node takes a second or two to start, so `lab-env` gives everything a script needs about a lab
 * in one call. Only `daemon` and `lab-env` load the lab model (spec/), which doubles that.
 */
import { readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join as joinPath } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parse as parseYaml } from "yaml";
import { DIRECTOR_IDS, PING_ATTRIBUTE } from "../providers/lb/director-ids";
import { checkPagePath } from "../providers/lb/real-server-files";
import { LAB_KEY } from "../spec/config-key";
import type { LabSpec } from "../spec/types";
import { commandLine, unknownCommand, UsageError } from "./cli";
import { secretFinds, secretReport, secretValues } from "./secret-scan";

/** A failed query; the message says which file and which key. */
export class QueryError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? messageOf(err);
    throw new QueryError(`${what} ${file === "-" ? "(stdin)" : file}: cannot read it (${code})`);
  }
}

function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new QueryError(`${what} ${file === "-" ? "(stdin)" : file}: not JSON (${messageOf(err)})`);
  }
}

// ---- stack files ----------------------------------------------------------------------------------

/** The raw lab description in a stack file's text (`config["kvm-ha-lab:lab"]`); undefined when absent. */
export function stackLabConfig(text: string, file: string, labKey: string): unknown {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new QueryError(`stack file ${file}: not valid YAML (${messageOf(err).split("\n")[0]})`);
  }
  if (doc === null || doc === undefined) return undefined;
  if (!isRecord(doc)) throw new QueryError(`stack file ${file}: expected a map at the top`);
  const config = doc.config;
  if (config === null || config === undefined) return undefined;
  if (!isRecord(config)) throw new QueryError(`stack file ${file}: "config" is not a map`);
  return config[labKey];
}

/**
 * The host daemon mode of a raw lab description: `host.daemon`, `managed` when left out (the
 * default of spec/defaults.ts). Read without validating the rest, so that a stack whose
 * description has other problems can still be previewed (where they are reported) or destroyed.
 */
export function daemonMode(lab: unknown, file: string, labKey: string): "managed" | "external" {
  if (lab === null || lab === undefined) return "managed";
  if (!isRecord(lab)) throw new QueryError(`stack file ${file}: ${labKey} is not a map`);
  const host = lab.host;
  if (host === null || host === undefined) return "managed";
  if (!isRecord(host)) throw new QueryError(`stack file ${file}: ${labKey}.host is not a map`);
  const daemon = host.daemon;
  if (daemon === null || daemon === undefined) return "managed";
  if (daemon === "managed" || daemon === "external") return daemon;
  throw new QueryError(
    `stack file ${file}: ${labKey}.host.daemon is ${JSON.stringify(daemon)}; use managed or external`,
  );
}

// ---- stack outputs and state --------------------------------------------------------------------

/** The value at KEYS in a JSON document (the stack outputs), or an error naming what is there. */
export function lookup(root: unknown, keys: readonly string[], what: string): unknown {
  let value = root;
  const path: string[] = [];
  for (const key of keys) {
    if (!isRecord(value) || !(key in value)) {
      const where = path.length > 0 ? path.join(".") : "they";
      const there = isRecord(value) ? Object.keys(value) : [];
      const has =
        there.length > 0 ? ` (${where} ${path.length > 0 ? "has" : "have"}: ${there.join(", ")})` : "";
      throw new QueryError(`${what}: no ${[...path, key].join(".")}${has}`);
    }
    value = value[key];
    path.push(key);
  }
  return value;
}

/** A looked-up value as the shell wants it: strings bare, anything else as JSON. */
export function shellText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * FIELD of the resource whose URN ends in SUFFIX, from `pulumi stack export --show-secrets`: a
 * secret comes as `{ plaintext: "<JSON>" }` and is returned decoded.
 */
export function resourceOutput(exported: unknown, suffix: string, field: string): string {
  const deployment = isRecord(exported) ? exported.deployment : undefined;
  const resources = isRecord(deployment) && Array.isArray(deployment.resources) ? deployment.resources : [];
  const resource = resources.find(
    (r): r is Record<string, unknown> => isRecord(r) && typeof r.urn === "string" && r.urn.endsWith(suffix),
  );
  if (resource === undefined) {
    throw new QueryError(`the stack has no resource whose name ends in ${suffix}: run up first`);
  }
  const outputs = isRecord(resource.outputs) ? resource.outputs : {};
  if (!(field in outputs)) throw new QueryError(`${String(resource.urn)}: no output ${field}`);
  const value = outputs[field];
  if (isRecord(value) && typeof value.plaintext === "string") {
    return shellText(JSON.parse(value.plaintext) as unknown);
  }
  return shellText(value);
}

/**
 * The nodes' SSH host keys as `known_hosts` lines (`ADDRESS TYPE BASE64`, `[ADDRESS]:PORT` for a
 * port other than 22), from a stack export: the address and generated key every NodeReady pins.
 * The scripts' own SSH to the nodes pins them the same way.
 */
export function knownHosts(exported: unknown): string[] {
  const deployment = isRecord(exported) ? exported.deployment : undefined;
  const resources = isRecord(deployment) && Array.isArray(deployment.resources) ? deployment.resources : [];
  const lines: string[] = [];
  for (const r of resources) {
    if (!isRecord(r) || typeof r.type !== "string" || !r.type.endsWith(":NodeReady")) continue;
    const outputs = isRecord(r.outputs) ? r.outputs : {};
    const node = isRecord(outputs.node) ? outputs.node : {};
    const [type, key] = typeof outputs.hostKey === "string" ? outputs.hostKey.trim().split(/\s+/) : [];
    if (typeof node.address !== "string" || type === undefined || key === undefined) {
      throw new QueryError(`${String(r.urn)}: no node address or host key in its state: run up first`);
    }
    const port = typeof node.port === "number" ? node.port : 22;
    lines.push(`${port === 22 ? node.address : `[${node.address}]:${port}`} ${type} ${key}`);
  }
  if (lines.length === 0)
    throw new QueryError("the stack has no node (NodeReady) in its state: run up first");
  return lines;
}

// ---- reports --------------------------------------------------------------------------------------

/** "N passed, M failed, K skipped, T todo" of a `jest --json` results document. */
export function jestSummary(results: unknown, file: string): string {
  const count = (key: string): number => {
    const n = isRecord(results) ? results[key] : undefined;
    if (typeof n !== "number") throw new QueryError(`jest results ${file}: no number ${key}`);
    return n;
  };
  return (
    `${count("numPassedTests")} passed, ${count("numFailedTests")} failed, ` +
    `${count("numPendingTests")} skipped, ${count("numTodoTests")} todo`
  );
}

/** Statuses of a jest assertion result that mean the test did not run. */
const NOT_RUN = ["pending", "skipped", "todo", "disabled"];

/**
 * Every test of a `jest --json` results document that did not run (`test.skip`, a conditional
 * skip, `.todo`, or a test left out by an `.only` elsewhere), as `FILE: full name (status)`.
 */
export function jestNotRun(results: unknown): string[] {
  const suites = isRecord(results) && Array.isArray(results.testResults) ? results.testResults : [];
  const out: string[] = [];
  for (const suite of suites) {
    if (!isRecord(suite)) continue;
    const name = typeof suite.name === "string" ? suite.name : "?";
    const assertions = Array.isArray(suite.assertionResults) ? suite.assertionResults : [];
    for (const a of assertions) {
      if (!isRecord(a) || typeof a.status !== "string" || !NOT_RUN.includes(a.status)) continue;
      const title = typeof a.fullName === "string" ? a.fullName : String(a.title);
      out.push(`${name}: ${title} (${a.status === "pending" ? "skipped" : a.status})`);
    }
  }
  return out;
}

/**
 * The gate on a jest run that exited 0: at least one test ran, and none was skipped or todo (a
 * skipped test passes silently: a tool the test probes for is missing, or an `.only` was left).
 * Returns the summary; throws naming every test that did not run.
 */
export function jestGate(results: unknown, file: string): string {
  const summary = jestSummary(results, file);
  const total = isRecord(results) ? results.numTotalTests : undefined;
  if (total === 0) throw new QueryError(`jest results ${file}: no test ran (${summary})`);
  const skipped = jestNotRun(results);
  // jestSummary checked that both counts are numbers.
  const { numPendingTests, numTodoTests } = results as Record<string, number>;
  if (skipped.length > 0 || numPendingTests + numTodoTests > 0) {
    const listed =
      skipped.length > 0 ? skipped : ["(the results name none: see numPendingTests/numTodoTests)"];
    throw new QueryError(
      `jest results ${file}: ${summary}; every test must run:\n  ${listed.join("\n  ")}\n` +
        "Install what the test needs (scripts/test.sh: ensure_packages) or remove the skip.",
    );
  }
  return summary;
}

// ---- drift shown by a preview ---------------------------------------------------------------------

/** The ops of a `pulumi preview --json` step that show drift on an existing resource. */
export const DRIFT_OPS = ["update", "replace", "create-replacement", "delete-replacement"];

/**
 * Whether a `pulumi preview --refresh --json` shows the drift the e2e made: the preview succeeded
 * (STATUS 0) with no error diagnostic, and each resource named (by its name, the last part of the
 * URN) has a step of an op of {@link DRIFT_OPS} — or of the ops given as `NAME=OP[,OP…]`.
 * A preview that fails, e.g. a read that crashes, shows nothing. With `only`, any other resource
 * planned to change (a drift op, a create or a delete) is a problem too. Returns `NAME: op` per
 * resource.
 */
export function driftCheck(
  preview: unknown,
  status: number,
  expected: readonly string[],
  file: string,
  only = false,
): { shown: string[]; problems: string[] } {
  const problems: string[] = [];
  if (status !== 0) problems.push(`pulumi preview exited with status ${status}`);
  const rawSteps = isRecord(preview) && Array.isArray(preview.steps) ? preview.steps : undefined;
  if (rawSteps === undefined) problems.push(`${file}: no steps (not the JSON of a preview)`);
  const steps = (rawSteps ?? []).filter(
    (s): s is { op: string; urn: string } =>
      isRecord(s) && typeof s.op === "string" && typeof s.urn === "string",
  );
  const diagnostics = isRecord(preview) && Array.isArray(preview.diagnostics) ? preview.diagnostics : [];
  for (const d of diagnostics) {
    if (isRecord(d) && d.severity === "error") {
      problems.push(
        `error diagnostic${typeof d.urn === "string" ? ` on ${d.urn}` : ""}: ${String(d.message).trim()}`,
      );
    }
  }
  if (expected.length === 0) problems.push("name at least one resource that must show drift");
  const shown: string[] = [];
  const nameOf = (urn: string) => urn.split("::").slice(3).join("::");
  const names = expected.map((e) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e));
  if (only) {
    for (const s of steps) {
      if ([...DRIFT_OPS, "create", "delete"].includes(s.op) && !names.includes(nameOf(s.urn)))
        problems.push(`${nameOf(s.urn)}: planned ${s.op}, expected no change`);
    }
  }
  for (const e of expected) {
    const [name, ops] = e.includes("=")
      ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1).split(",")]
      : [e, DRIFT_OPS];
    const mine = steps.filter((s) => nameOf(s.urn) === name);
    const hit = mine.find((s) => ops.includes(s.op));
    if (hit !== undefined) shown.push(`${name}: ${hit.op}`);
    else {
      problems.push(
        `${name}: ${mine.length > 0 ? `planned ${mine.map((s) => s.op).join(", ")}` : "no step"}, expected ${ops.join(" or ")}`,
      );
    }
  }
  return { shown, problems };
}

// ---- the live CIB ---------------------------------------------------------------------------------

/** An element of an XML document: its tag, attributes and child elements. */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
}

/** Parses XML into elements (text dropped); throws when it is not well-formed. */
export function parseXmlElements(xml: string, file: string): XmlElement[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new QueryError(`${file}: not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    parseTagValue: false,
  });
  const convert = (nodes: unknown): XmlElement[] =>
    (Array.isArray(nodes) ? nodes : []).flatMap((node): XmlElement[] => {
      if (!isRecord(node)) return [];
      const tag = Object.keys(node).find((k) => k !== ":@" && k !== "#text" && !k.startsWith("?"));
      if (tag === undefined) return [];
      const attrs = isRecord(node[":@"]) ? node[":@"] : {};
      return [
        {
          tag,
          attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)])),
          children: convert(node[tag]),
        },
      ];
    });
  return convert(parser.parse(xml) as unknown);
}

/** The elements at a path of tags below `roots` (`*` matches any tag). */
function at(roots: readonly XmlElement[], path: readonly string[]): XmlElement[] {
  return path.reduce<XmlElement[]>(
    (els, tag) => els.flatMap((e) => e.children.filter((c) => tag === "*" || c.tag === tag)),
    [...roots],
  );
}

/** The CIB's configuration element (cibadmin --query prints `<cib><configuration>…`). */
function cibConfiguration(xml: string, file: string): XmlElement {
  const config = at(parseXmlElements(xml, file), ["configuration"])[0];
  if (config === undefined) throw new QueryError(`${file}: not a CIB (no cib/configuration)`);
  return config;
}

/** Ids of every constraint of a CIB (`cibadmin --query`). */
export function cibConstraintIds(xml: string, file: string): string[] {
  return at([cibConfiguration(xml, file)], ["constraints", "*"])
    .map((c) => c.attrs.id)
    .filter((id): id is string => id !== undefined);
}

/** What the live CIB must show (`query cib-check`'s options). */
export interface CibExpectations {
  /** Resources whose target-role (and their enclosing group's or clone's) is not Stopped. */
  started?: string[];
  /** Resources whose target-role is Stopped. */
  stopped?: string[];
  /** Constraint ids that must not exist. */
  absent?: string[];
  /** Cluster properties and their values (`name=value`). */
  properties?: string[];
  /** `group:member` pairs: the member is a primitive of the group. */
  members?: string[];
  /** Resources that must not be configured. */
  missing?: string[];
}

/** What of the expectations the CIB does not meet; empty when it meets them all. */
export function cibProblems(xml: string, expect: CibExpectations, file: string): string[] {
  const config = cibConfiguration(xml, file);
  // Every configured resource with its enclosing resources (a group, a clone), outermost first.
  const resources: { el: XmlElement; enclosing: XmlElement[] }[] = [];
  const walk = (els: readonly XmlElement[], enclosing: XmlElement[]): void => {
    for (const el of els) {
      if (!["primitive", "group", "clone", "bundle"].includes(el.tag)) continue;
      resources.push({ el, enclosing });
      walk(el.children, [...enclosing, el]);
    }
  };
  walk(
    at([config], ["resources"]).flatMap((r) => r.children),
    [],
  );
  const find = (id: string) => resources.find((r) => r.el.attrs.id === id);
  const targetRole = (el: XmlElement): string | undefined =>
    at([el], ["meta_attributes", "nvpair"]).find((n) => n.attrs.name === "target-role")?.attrs.value;
  const stopped = (el: XmlElement) => targetRole(el)?.toLowerCase() === "stopped";

  const problems: string[] = [];
  for (const id of expect.started ?? []) {
    const r = find(id);
    if (r === undefined) problems.push(`${id}: not configured`);
    else {
      for (const el of [r.el, ...r.enclosing].filter(stopped)) {
        problems.push(
          `${id}: ${el === r.el ? "its" : `its ${el.tag} ${el.attrs.id}'s`} target-role is Stopped`,
        );
      }
    }
  }
  for (const id of expect.stopped ?? []) {
    const r = find(id);
    if (r === undefined) problems.push(`${id}: not configured`);
    else if (!stopped(r.el))
      problems.push(`${id}: target-role is ${targetRole(r.el) ?? "unset"}, not Stopped`);
  }
  const constraints = new Set(cibConstraintIds(xml, file));
  for (const id of expect.absent ?? [])
    if (constraints.has(id)) problems.push(`constraint ${id} is still there`);
  const nvpairs = at([config], ["crm_config", "cluster_property_set", "nvpair"]);
  for (const p of expect.properties ?? []) {
    const [name, value] = [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)];
    if (!p.includes("=") || name === "") throw new QueryError(`--property ${p}: expected NAME=VALUE`);
    const got = nvpairs.find((n) => n.attrs.name === name)?.attrs.value;
    if (got?.toLowerCase() !== value.toLowerCase())
      problems.push(`property ${name} is ${got ?? "unset"}, not ${value}`);
  }
  for (const m of expect.members ?? []) {
    const [group, member] = [m.slice(0, m.indexOf(":")), m.slice(m.indexOf(":") + 1)];
    if (!m.includes(":")) throw new QueryError(`--member ${m}: expected GROUP:MEMBER`);
    const r = find(member);
    const parent = r?.enclosing[r.enclosing.length - 1];
    if (r === undefined) problems.push(`${member}: not configured`);
    else if (parent?.tag !== "group" || parent.attrs.id !== group)
      problems.push(`${member}: not a member of group ${group}`);
  }
  for (const id of expect.missing ?? []) if (find(id) !== undefined) problems.push(`${id}: still configured`);
  return problems;
}

/** `--started R --absent ID …` into expectations. */
export function cibExpectations(argv: readonly string[]): CibExpectations {
  const keys: Record<string, keyof CibExpectations> = {
    "--started": "started",
    "--stopped": "stopped",
    "--absent": "absent",
    "--property": "properties",
    "--member": "members",
    "--missing": "missing",
  };
  const out: CibExpectations = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i]];
    const value = argv[i + 1];
    if (key === undefined || value === undefined) {
      throw new UsageError(`cib-check: expected ${Object.keys(keys).join("|")} VALUE pairs, got ${argv[i]}`);
    }
    (out[key] ??= []).push(value);
  }
  if (Object.keys(out).length === 0) throw new UsageError("cib-check: name at least one expectation");
  return out;
}

/** The four coverage figures istanbul reports, in percent. */
export interface CoverageFigures {
  lines: number;
  branches: number;
  functions: number;
  statements: number;
}

export const COVERAGE_KEYS = ["lines", "branches", "functions", "statements"] as const;

/** The metrics the gate holds to the baseline; the other two are reported only. */
export const GATED_COVERAGE: readonly (keyof CoverageFigures)[] = ["lines", "branches"];

/**
 * Coverage per area (a folder of the repository, e.g. `providers/`) from jest's
 * `coverage/coverage-summary.json` (reporter json-summary): the per-file counts summed, so each
 * area's figure is exact, not an average of averages. A file outside every area is ignored; an
 * area without a file is an error (the coverage run did not collect it: see jest.config.js).
 */
export function coverageByArea(
  summary: unknown,
  root: string,
  areas: readonly string[],
  file: string,
): Record<string, CoverageFigures> {
  if (!isRecord(summary)) throw new QueryError(`coverage summary ${file}: expected a JSON object`);
  const sums: Record<string, Record<string, { total: number; covered: number }>> = {};
  const prefix = root.endsWith("/") ? root : `${root}/`;
  for (const [path, entry] of Object.entries(summary)) {
    if (path === "total" || !isRecord(entry)) continue;
    const relative = path.startsWith(prefix) ? path.slice(prefix.length) : path;
    const area = areas.find((a) => relative.startsWith(a));
    if (area === undefined) continue;
    for (const key of COVERAGE_KEYS) {
      const m = entry[key];
      if (!isRecord(m) || typeof m.total !== "number" || typeof m.covered !== "number") {
        throw new QueryError(`coverage summary ${file}: ${path} has no ${key} counts`);
      }
      const s = ((sums[area] ??= {})[key] ??= { total: 0, covered: 0 });
      s.total += m.total;
      s.covered += m.covered;
    }
  }
  const out: Record<string, CoverageFigures> = {};
  for (const area of areas) {
    const s = sums[area];
    if (s === undefined) throw new QueryError(`coverage summary ${file}: no file of ${area} was measured`);
    const pct = (key: keyof CoverageFigures) =>
      s[key].total === 0 ? 100 : Math.round((s[key].covered / s[key].total) * 10000) / 100;
    out[area] = {
      lines: pct("lines"),
      branches: pct("branches"),
      functions: pct("functions"),
      statements: pct("statements"),
    };
  }
  return out;
}

/** The committed baseline (docs/coverage-baseline.json). */
export interface CoverageBaseline {
  /** Points a gated figure may fall below its baseline before the gate fails. */
  tolerance: number;
  areas: Record<string, CoverageFigures>;
}

/** Reads and checks a coverage baseline document. */
export function coverageBaseline(raw: unknown, file: string): CoverageBaseline {
  const bad = (what: string) => new QueryError(`coverage baseline ${file}: ${what}`);
  if (!isRecord(raw)) throw bad("expected a JSON object");
  if (typeof raw.tolerance !== "number" || raw.tolerance < 0 || raw.tolerance > 5) {
    throw bad("tolerance must be a number of points from 0 to 5");
  }
  if (!isRecord(raw.areas) || Object.keys(raw.areas).length === 0)
    throw bad("areas must name at least one area");
  const areas: Record<string, CoverageFigures> = {};
  for (const [area, figures] of Object.entries(raw.areas)) {
    if (!isRecord(figures)) throw bad(`areas.${area} is not an object`);
    const get = (key: keyof CoverageFigures): number => {
      const v = figures[key];
      if (typeof v !== "number" || v < 0 || v > 100) throw bad(`areas.${area}.${key} must be a percentage`);
      return v;
    };
    areas[area] = {
      lines: get("lines"),
      branches: get("branches"),
      functions: get("functions"),
      statements: get("statements"),
    };
  }
  return { tolerance: raw.tolerance, areas };
}

/**
 * Holds measured coverage to the baseline: a gated figure more than `tolerance` points below its
 * baseline is a problem. Returns the report lines (every figure, with the baseline) and the problems.
 */
export function coverageGate(
  measured: Record<string, CoverageFigures>,
  baseline: CoverageBaseline,
): { report: string[]; problems: string[] } {
  const report: string[] = [];
  const problems: string[] = [];
  for (const [area, base] of Object.entries(baseline.areas)) {
    const got = measured[area];
    if (got === undefined) {
      problems.push(`${area}: not measured`);
      continue;
    }
    report.push(
      `${area.padEnd(11)} ` +
        COVERAGE_KEYS.map((k) => `${k} ${got[k].toFixed(2)}% (baseline ${base[k].toFixed(2)})`).join(", "),
    );
    for (const key of GATED_COVERAGE) {
      if (got[key] < base[key] - baseline.tolerance) {
        problems.push(
          `${area} ${key} coverage ${got[key].toFixed(2)}% is below the baseline ${base[key].toFixed(2)}% ` +
            `by more than ${baseline.tolerance} points`,
        );
      }
    }
  }
  return { report, problems };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The benchmark table: per phase (first-seen order) its runs, median and every run's figure. */
export function benchTable(text: string, file: string): string[] {
  const by = new Map<string, number[]>();
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .forEach((line, i) => {
      const [phase, seconds] = line.trim().split(/\s+/);
      const value = Number(seconds);
      if (seconds === undefined || !Number.isFinite(value)) {
        throw new QueryError(`timings ${file}, line ${i + 1}: expected "phase seconds", got "${line}"`);
      }
      by.set(phase, [...(by.get(phase) ?? []), value]);
    });
  const lines = ["phase              runs  median s   all runs (s)"];
  for (const [phase, xs] of by) {
    lines.push(
      `${phase.padEnd(18)} ${String(xs.length).padStart(4)}  ${median(xs).toFixed(1).padStart(8)}   ${xs
        .map((x) => x.toFixed(1))
        .join(", ")}`,
    );
  }
  const ratio = (a: string, b: string, digits: number): string | undefined => {
    const xa = by.get(a);
    const xb = by.get(b);
    return xa && xb ? (median(xa) / median(xb)).toFixed(digits) : undefined;
  };
  const up = ratio("up-cold", "up-noop", 1);
  if (up !== undefined) lines.push(`ratio up-cold / up-noop: ${up}`);
  const image = ratio("image-cold", "image-cached", 0);
  if (image !== undefined) lines.push(`ratio image cold / cached: ${image}`);
  return lines;
}

// ---- what an interrupted engine leaves behind -----------------------------------------------------

/** A pending operation of a stack's state: the resource's URN and what the engine was doing. */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading` or `importing` (sdk/go/common/resource). */
  type: string;
  urn: string;
}

/**
 * The pending operations of a `pulumi stack export` (`deployment.pending_operations`); none for a
 * stack never deployed (the diy backend exports `"deployment": null` for it).
 */
export function pendingOperations(exported: unknown, file: string): PendingOperation[] {
  if (!isRecord(exported)) throw new QueryError(`stack export ${file}: not a stack export (no object)`);
  const deployment = exported.deployment;
  if (deployment === undefined || deployment === null) return [];
  if (!isRecord(deployment)) throw new QueryError(`stack export ${file}: deployment is not an object`);
  const ops = deployment.pending_operations;
  if (ops === undefined || ops === null) return [];
  if (!Array.isArray(ops)) throw new QueryError(`stack export ${file}: pending_operations is not a list`);
  return ops.map((op, i) => {
    const resource = isRecord(op) ? op.resource : undefined;
    const urn = isRecord(resource) ? resource.urn : undefined;
    const type = isRecord(op) ? op.type : undefined;
    if (typeof urn !== "string" || typeof type !== "string") {
      throw new QueryError(`stack export ${file}: pending_operations[${i}] has no resource.urn and type`);
    }
    return { type, urn };
  });
}

/** A lock file of the local (diy) backend, as the engine writes it (pkg/backend/diy/lock.go). */
export interface EngineLock {
  file: string;
  pid?: number;
  username?: string;
  hostname?: string;
  timestamp?: string;
  /** Whether its engine still runs; undefined when it ran on another host (nothing to ask here). */
  running?: boolean;
}

/** The directory of a `file://` backend URL (`~` is `home`); undefined for any other backend. */
export function backendDir(url: string, home: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const dir = url.slice("file://".length).replace(/^~(?=\/|$)/, home);
  return dir === "" ? undefined : dir.replace(/\/+$/, "") || "/";
}

/**
 * The lock files of STACK under a diy backend directory: `.pulumi/locks/<org>/<project>/<stack>/`
 * (project-scoped stacks, this engine's layout) and `.pulumi/locks/<stack>/` (the legacy one).
 */
export function stackLockFiles(dir: string, stack: string): string[] {
  const locks = joinPath(dir, ".pulumi", "locks");
  const subdirs = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => joinPath(d, e.name));
    } catch {
      return [];
    }
  };
  const jsonFiles = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".json"))
        .map((e) => joinPath(d, e.name));
    } catch {
      return [];
    }
  };
  const stackDirs = [
    joinPath(locks, stack),
    ...subdirs(locks).flatMap((org) => subdirs(org).map((project) => joinPath(project, stack))),
  ];
  return [...new Set(stackDirs)].flatMap(jsonFiles).sort();
}

/**
 * A lock file's content (`{pid, username, hostname, timestamp}`); `running` asks `isRunning` when
 * the lock names this host, and stays undefined for another host's.
 */
export function engineLock(
  file: string,
  text: string,
  thisHost: string,
  isRunning: (pid: number) => boolean,
): EngineLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return { file };
  }
  const r = isRecord(raw) ? raw : {};
  const lock: EngineLock = { file };
  if (typeof r.pid === "number" && Number.isInteger(r.pid) && r.pid > 0) lock.pid = r.pid;
  if (typeof r.username === "string") lock.username = r.username;
  if (typeof r.hostname === "string") lock.hostname = r.hostname;
  if (typeof r.timestamp === "string") lock.timestamp = r.timestamp;
  if (lock.pid !== undefined && lock.hostname === thisHost) lock.running = isRunning(lock.pid);
  return lock;
}

/** Whether a process runs on this host (a process of another user counts). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * What a killed or crashed engine left on STACK, and the exact commands that clear it, spelled
 * `VIA …` (`pulumi …`, or the tool that runs pulumi on the stack, e.g. `npm run lab -- pulumi …`):
 * - a lock of an engine that no longer runs: `cancel --yes` (the diy backend deletes the stack's
 *   lock files); every later update refuses the stack until then; a lock of an engine that still
 *   runs, or of another host, is reported without a command to run (nothing here may break it);
 * - pending creates: `refresh --clear-pending-creates --yes --non-interactive` (an update keeps
 *   them for ever: the engine asks for a decision; the lab's providers converge a resource that
 *   exists already, so the next up creates again what is missing);
 * - other pending operations: reported only; the next `up --refresh` reads those resources again
 *   and the engine drops the operations.
 * `blocked`: the stack needs one of the commands before an update (a lock, or with `forUpdate`
 * pending creates).
 */
export function engineLeftovers(
  stack: string,
  pending: readonly PendingOperation[],
  locks: readonly EngineLock[],
  opts: { via?: string; forUpdate?: boolean } = {},
): { report: string[]; blocked: boolean } {
  const via = opts.via ?? "pulumi";
  const fix = (args: string) => `  Fix: ${via} ${args} --stack ${stack}`;
  const report: string[] = [];
  let blocked = false;
  for (const lock of locks) {
    const who = [
      lock.pid !== undefined ? `pid ${lock.pid}` : "an unknown pid",
      lock.username !== undefined && lock.hostname !== undefined
        ? `of ${lock.username}@${lock.hostname}`
        : lock.hostname !== undefined
          ? `on ${lock.hostname}`
          : "",
      lock.timestamp !== undefined ? `since ${lock.timestamp}` : "",
    ]
      .filter((w) => w !== "")
      .join(" ");
    blocked = true;
    if (lock.running === true) {
      report.push(
        `the stack ${stack} is being changed by pulumi (${who}; lock ${lock.file}): wait until it ends, ` +
          `or stop it (kill ${String(lock.pid)}) and run this again`,
      );
    } else if (lock.running === false) {
      report.push(
        `the stack ${stack} is locked by a pulumi that no longer runs (${who}; lock ${lock.file}): it was ` +
          "killed mid-run, and the engine keeps its lock until it is cancelled",
        fix("cancel --yes"),
      );
    } else {
      report.push(
        `the stack ${stack} is locked by a pulumi that cannot be asked from here (${who}; lock ${lock.file}); ` +
          "once that process has ended:",
        fix("cancel --yes"),
      );
    }
  }
  if (pending.length > 0) {
    report.push(
      `the interrupted update left ${pending.length} pending operation(s) in the state of ${stack}:`,
      ...pending.map((op) => `  ${op.type} ${op.urn}`),
    );
    if (pending.some((op) => op.type === "creating")) {
      report.push(
        "a resource interrupted while being created may or may not exist, and the engine keeps the " +
          "operation until it is cleared (an update does not clear it); the lab's providers converge a " +
          "resource that exists already, so clear it and the next up creates what is missing:",
        fix("refresh --clear-pending-creates --yes --non-interactive"),
      );
      if (opts.forUpdate === true) blocked = true;
    } else {
      report.push(
        "the next up --refresh reads these resources again and the engine drops the operations (it warns once)",
      );
    }
  }
  return { report, blocked };
}

// ---- the lab as shell variables -------------------------------------------------------------------

/**
 * The variables `lab-env` sets. Where the stack exports a value (the output in parentheses) it is
 * taken from the outputs when given; everything else comes from the stack file's lab description,
 * completed with the defaults as the program does (spec/).
 */
export const LAB_ENV_VARIABLES = {
  LAB_NAME: "lab name, prefix of every libvirt object and resource name (labName)",
  LAB_LAYERS: "how far the lab is built: substrate, storage or cluster (layers)",
  LAB_NODES: "node names, in the stack file's order (array)",
  LAB_ADDRESSES: "each node's management address (nodeAddresses; array)",
  LAB_DOMAINS: "each node's libvirt domain (domainNames; array)",
  LAB_HOSTNAMES: "every host name of every node, network by network, node by node (array)",
  LAB_CLUSTER_NODES:
    "the cluster's name for each cluster member (every node but real servers): its host name on link 0 (array)",
  LAB_CLUSTER_NAME: "cluster name (clusterName)",
  LAB_CLUSTER_LINKS: "the networks of the cluster's links, link 0 first (array)",
  LAB_CLUSTER_TOKEN_MS: "totem token in ms",
  LAB_HOST_ADDRESS: "the KVM host's address on the management network (its sshd, the fence shell)",
  LAB_HOST_SSH_PORT: "port of the host's sshd",
  LAB_HOST_SSH_USER: "user on the host's sshd",
  LAB_HOST_DAEMON:
    "managed (the program runs the lab's own libvirtd and host sshd) or external (the machine's own) (host.daemon)",
  LAB_LIBVIRT_URI: "the libvirt connection URI of the lab's domains (host.libvirtUri)",
  LAB_STATE_DIR: "directory the stack owns on the host",
  LAB_HEARTBEAT_NETWORK: "name of the heartbeat network (empty without one)",
  LAB_HEARTBEAT_LIBVIRT_NETWORK: "its libvirt network",
  LAB_HEARTBEAT_ADDRESSES:
    "each node's address on the heartbeat network, in LAB_NODES order: empty for a node without one, no element without the network (array)",
  LAB_ISCSI_IQN: "iSCSI target IQN (storage.iscsi.iqn; empty without iSCSI)",
  LAB_ISCSI_PORTAL: "iSCSI portal address:port (storage.iscsi.portal)",
  LAB_ISCSI_DEVICES: "each LUN's device on the nodes, in LUN order (storage.iscsi.devices; array)",
  LAB_ISCSI_DIR:
    "directory of the LUN files; a target on the host keeps its configuration in LAB_ISCSI_DIR.conf",
  LAB_GLUSTER_VOLUME: "GlusterFS volume (storage.gluster.volume; empty without GlusterFS)",
  LAB_GLUSTER_MOUNT: "its mount point on every node (storage.gluster.mountPoint)",
  LAB_GLUSTER_BRICK: "its brick directory on every node (from storage.gluster.bricks)",
  LAB_FENCE_DEVICES: "fence device names (array)",
  LAB_SERVICE: "the first service group with a VIP (empty without one)",
  LAB_VIP: "its VIP (vips)",
  LAB_SERVICE_IP: "the name of its ip resource",
  LAB_SERVICE_DB: "the name of its postgresql resource (empty without one)",
  LAB_DB_PORT: "its PostgreSQL port (empty without one)",
  LAB_LB_VIP: "the load balancer's VIP (loadBalancer.vip; empty without a load balancer)",
  LAB_LB_PORT: "its virtual service's port",
  LAB_LB_SCHEDULER: "its IPVS scheduler (loadBalancer.scheduler)",
  LAB_LB_CHECK_PAGE: "the real servers' check page, relative to the web root (loadBalancer.request)",
  LAB_LB_CHECK_PATH: "the check page's path on a real server",
  LAB_LB_CHECK_TEXT: "what the check page says (loadBalancer.receive)",
  LAB_LB_CHECK_SECONDS:
    "how long ldirectord may take to notice a real server change (checkinterval + checktimeout)",
  LAB_LB_HOST_ADDRESS: "the KVM host's address on the VIP's network (its gateway: the test client)",
  LAB_LB_BRIDGE: "the VIP network's bridge on the host",
  LAB_LB_PING_TARGETS: "the hosts the directors' ping clone checks (array)",
  LAB_LB_DIRECTORS: "the directors: the cluster members (array)",
  LAB_LB_DIRECTOR_ADDRESSES: "each director's management address (array)",
  LAB_LB_DIRECTOR_DOMAINS: "each director's libvirt domain (array)",
  LAB_LB_DIRECTOR_CLUSTER_NODES: "each director's name in the cluster (array)",
  LAB_LB_DIRECTOR_SERVICE_MACS: "the MAC of each director's NIC on the VIP's network (array)",
  LAB_LB_REAL_SERVERS: "the real servers (array)",
  LAB_LB_REAL_ADDRESSES: "each real server's management address (array)",
  LAB_LB_REAL_SERVICE_ADDRESSES: "each real server's address on the VIP's network (array)",
  LAB_LB_GROUP: "the directors' pacemaker group (VIPcheck, the VIP, ldirectord)",
  LAB_LB_VIPCHECK_RESOURCE: "its VIPcheck resource",
  LAB_LB_VIP_RESOURCE: "its VIP (IPaddr2) resource",
  LAB_LB_LDIRECTORD_RESOURCE: "its ldirectord resource",
  LAB_LB_PING_CLONE: "the ping clone",
  LAB_LB_PING_ATTRIBUTE: "the node attribute the ping clone sets",
  LAB_LB_CONSTRAINTS:
    "the ids of the directors' constraints: the ping rule, the colocation, the order (array)",
  LAB_OCFS2_CLUSTER: "the o2cb cluster's name (ocfs2.clusterName; empty without an ocfs2 section)",
  LAB_OCFS2_MOUNT: "where every o2cb node mounts the OCFS2 volume (ocfs2.mountPoint)",
  LAB_OCFS2_LABEL: "the volume's label (ocfs2.label)",
  LAB_OCFS2_DEVICE: "the volume's LUN device on the nodes",
  LAB_OCFS2_SLOTS: "the volume's node slots (ocfs2.slots)",
  LAB_OCFS2_DEAD_SECONDS:
    "seconds before o2cb declares a silent node dead: (heartbeat dead threshold - 1) × 2 s of disk heartbeat",
  LAB_OCFS2_NODES: "the o2cb nodes, in ocfs2.nodes order (array)",
  LAB_OCFS2_NUMBERS: "each o2cb node's number (array)",
  LAB_OCFS2_ADDRESSES: "each o2cb node's management address (array)",
  LAB_OCFS2_DOMAINS: "each o2cb node's libvirt domain (array)",
} as const;

export type LabEnvName = keyof typeof LAB_ENV_VARIABLES;
export type LabEnv = Record<LabEnvName, string | string[]>;

/** The parts of the stack outputs (index.ts) that `lab-env` reads. */
interface LabOutputs {
  labName?: string;
  layers?: string;
  nodeAddresses?: Record<string, string>;
  domainNames?: Record<string, string>;
  clusterName?: string;
  vips?: Record<string, string>;
  iscsi?: { iqn?: string; portal?: string; devices?: string[] };
  gluster?: { volume?: string; mountPoint?: string; brick?: string };
}

/** Reads and checks the outputs `lab-env` uses; an output of the wrong shape is an error naming it. */
export function labOutputs(raw: unknown, file: string): LabOutputs {
  if (!isRecord(raw)) throw new QueryError(`stack outputs ${file}: expected a JSON object`);
  const at = (key: string): unknown =>
    key
      .split(".")
      .reduce<unknown>(
        (v, k) => (isRecord(v) ? v[k] : Array.isArray(v) && /^\d+$/.test(k) ? v[Number(k)] : undefined),
        raw,
      );
  const wrong = (key: string, want: string) =>
    new QueryError(`stack outputs ${file}: ${key} is not ${want}: ${JSON.stringify(at(key))}`);
  const text = (key: string): string | undefined => {
    const v = at(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw wrong(key, "a string");
    return v;
  };
  const record = (key: string): Record<string, string> | undefined => {
    const v = at(key);
    if (v !== undefined && (!isRecord(v) || Object.values(v).some((x) => typeof x !== "string"))) {
      throw wrong(key, "a map of strings");
    }
    return v as Record<string, string> | undefined;
  };
  const list = (key: string): unknown[] | undefined => {
    const v = at(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw wrong(key, "a list");
    return v;
  };
  const out: LabOutputs = {
    labName: text("labName"),
    layers: text("layers"),
    nodeAddresses: record("nodeAddresses"),
    domainNames: record("domainNames"),
    clusterName: text("clusterName"),
    vips: record("vips"),
  };
  if (at("storage.iscsi") !== undefined) {
    out.iscsi = {
      iqn: text("storage.iscsi.iqn"),
      portal: text("storage.iscsi.portal"),
      devices: list("storage.iscsi.devices")?.map((_, i) => {
        const path = text(`storage.iscsi.devices.${i}.path`);
        if (path === undefined) throw wrong(`storage.iscsi.devices.${i}.path`, "a string");
        return path;
      }),
    };
  }
  if (at("storage.gluster") !== undefined) {
    // Every brick is `host:/path`, with the same path on every node (spec: gluster.brickPath).
    const first = text("storage.gluster.bricks.0");
    out.gluster = {
      volume: text("storage.gluster.volume"),
      mountPoint: text("storage.gluster.mountPoint"),
      brick: first?.slice(first.indexOf(":") + 1),
    };
  }
  return out;
}

/** The spec's helpers `lab-env` uses (spec/index.ts), loaded only by the commands that need them. */
type SpecModule = typeof import("../spec");

/**
 * The lab's variables: the stack outputs where given and where the stack exports the value, the
 * lab description otherwise. The outputs must name the stack file's nodes.
 */
export function labEnv(spec: LabSpec, outputs: LabOutputs | undefined, q: SpecModule, file: string): LabEnv {
  const nodes = spec.nodes.map((n) => n.name);
  const addresses = outputs?.nodeAddresses;
  if (addresses !== undefined) {
    const missing = nodes.filter((n) => !(n in addresses));
    if (missing.length > 0) {
      throw new QueryError(
        `the stack outputs have no address for ${missing.join(", ")} of ${file} (nodeAddresses has: ` +
          `${Object.keys(addresses).join(", ") || "nothing"}): the stack file describes other nodes than ` +
          `the stack has built; run up first`,
      );
    }
  }
  const addressOf = (name: string): string => {
    const node = spec.nodes.find((n) => n.name === name);
    return addresses?.[name] ?? (node !== undefined ? q.managementAddress(node, spec.networks) : "");
  };
  const heartbeat = q.findNetworkByRole(spec, "heartbeat");
  // The portal and the LUN devices, as components/storage/iscsi-target.ts makes them (port 3260,
  // the target's management address), until the stack exports them.
  const iscsi = spec.iscsi.enabled;
  const portal =
    outputs?.iscsi?.portal ??
    `${spec.iscsi.host === "kvmhost" ? spec.host.address : addressOf(spec.iscsi.host)}:3260`;
  const iqn = outputs?.iscsi?.iqn ?? spec.iscsi.iqn;
  const devices =
    outputs?.iscsi?.devices ??
    spec.iscsi.luns.map((l) => `/dev/disk/by-path/ip-${portal}-iscsi-${iqn}-lun-${l.id}`);
  const gluster = spec.gluster.enabled;
  const service = spec.services.find((g) => q.serviceVip(g) !== undefined);
  const ip = service?.resources.find((r) => r.kind === "ip");
  const db = service?.resources.find((r) => r.kind === "postgresql");
  return {
    LAB_NAME: outputs?.labName ?? spec.name,
    LAB_LAYERS: outputs?.layers ?? spec.layers,
    LAB_NODES: nodes,
    LAB_ADDRESSES: nodes.map(addressOf),
    LAB_DOMAINS: spec.nodes.map((n) => outputs?.domainNames?.[n.name] ?? n.domainName),
    LAB_HOSTNAMES: spec.nodes.flatMap((n) => n.interfaces.map((i) => i.hostname)),
    LAB_CLUSTER_NODES: q.clusterMembers(spec.nodes).map((n) => q.clusterNodeName(n, spec.cluster.links)),
    LAB_CLUSTER_NAME: outputs?.clusterName ?? spec.cluster.name,
    LAB_CLUSTER_LINKS: spec.cluster.links,
    LAB_CLUSTER_TOKEN_MS: String(spec.cluster.tokenMs),
    LAB_HOST_ADDRESS: spec.host.address,
    LAB_HOST_SSH_PORT: String(spec.host.sshPort),
    LAB_HOST_SSH_USER: spec.host.sshUser,
    LAB_HOST_DAEMON: spec.host.daemon,
    LAB_LIBVIRT_URI: spec.host.libvirtUri,
    LAB_STATE_DIR: spec.host.stateDir,
    LAB_HEARTBEAT_NETWORK: heartbeat?.name ?? "",
    LAB_HEARTBEAT_LIBVIRT_NETWORK: heartbeat?.libvirtName ?? "",
    LAB_HEARTBEAT_ADDRESSES:
      heartbeat === undefined
        ? []
        : spec.nodes.map((n) => n.interfaces.find((i) => i.network === heartbeat.name)?.address ?? ""),
    LAB_ISCSI_IQN: iscsi ? iqn : "",
    LAB_ISCSI_PORTAL: iscsi ? portal : "",
    LAB_ISCSI_DEVICES: iscsi ? devices : [],
    LAB_ISCSI_DIR: iscsi ? spec.iscsi.directory : "",
    LAB_GLUSTER_VOLUME: gluster ? (outputs?.gluster?.volume ?? spec.gluster.volume) : "",
    LAB_GLUSTER_MOUNT: gluster ? (outputs?.gluster?.mountPoint ?? spec.gluster.mountPoint) : "",
    LAB_GLUSTER_BRICK: gluster ? (outputs?.gluster?.brick ?? spec.gluster.brickPath) : "",
    LAB_FENCE_DEVICES: spec.fencing.map((f) => f.name),
    LAB_SERVICE: service?.name ?? "",
    LAB_VIP: service !== undefined ? (outputs?.vips?.[service.name] ?? q.serviceVip(service) ?? "") : "",
    LAB_SERVICE_IP: ip?.name ?? "",
    LAB_SERVICE_DB: db?.name ?? "",
    LAB_DB_PORT: db?.kind === "postgresql" ? String(db.port) : "",
    ...lbEnv(spec, outputs, q, addressOf),
    ...ocfs2Env(spec, outputs, devices, addressOf),
  };
}

/** The names of the OCFS2 file system's variables. */
type Ocfs2EnvName = Extract<LabEnvName, `LAB_OCFS2_${string}`>;

/**
 * The OCFS2 file system's variables (seed 003): the o2cb cluster, its nodes and the volume; empty
 * values without an `ocfs2` section. `devices` are the LUNs' devices in LUN order.
 */
export function ocfs2Env(
  spec: LabSpec,
  outputs: LabOutputs | undefined,
  devices: readonly string[],
  addressOf: (node: string) => string,
): Record<Ocfs2EnvName, string | string[]> {
  const o = spec.ocfs2;
  const nodes = o?.nodes ?? [];
  const lunIndex = o === undefined ? -1 : spec.iscsi.luns.findIndex((l) => l.id === o.lun);
  const domainOf = (name: string) =>
    outputs?.domainNames?.[name] ?? spec.nodes.find((n) => n.name === name)?.domainName ?? "";
  return {
    LAB_OCFS2_CLUSTER: o?.clusterName ?? "",
    LAB_OCFS2_MOUNT: o?.mountPoint ?? "",
    LAB_OCFS2_LABEL: o?.label ?? "",
    LAB_OCFS2_DEVICE: devices[lunIndex] ?? "",
    LAB_OCFS2_SLOTS: o === undefined ? "" : String(o.slots),
    LAB_OCFS2_DEAD_SECONDS: o === undefined ? "" : String((o.heartbeatDeadThreshold - 1) * 2),
    LAB_OCFS2_NODES: nodes.map((n) => n.name),
    LAB_OCFS2_NUMBERS: nodes.map((n) => String(n.number)),
    LAB_OCFS2_ADDRESSES: nodes.map((n) => addressOf(n.name)),
    LAB_OCFS2_DOMAINS: nodes.map((n) => domainOf(n.name)),
  };
}

/** The names of the load balancer's variables. */
type LbEnvName = Extract<LabEnvName, `LAB_LB_${string}`>;

/**
 * The load balancer's variables (seed 002): its settings, its directors (the cluster members) and
 * real servers, and the directors' pacemaker ids; empty values without a `loadBalancer` section.
 */
export function lbEnv(
  spec: LabSpec,
  outputs: LabOutputs | undefined,
  q: SpecModule,
  addressOf: (node: string) => string,
): Record<LbEnvName, string | string[]> {
  const lb = spec.loadBalancer;
  const net = spec.networks.find((n) => n.name === lb?.network);
  const directors = lb === undefined ? [] : q.clusterMembers(spec.nodes);
  const reals = lb === undefined ? [] : q.realServers(spec.nodes);
  const nic = (n: LabSpec["nodes"][number]) => q.interfaceOn(n, lb?.network ?? "");
  const id = (value: string): string => (lb === undefined ? "" : value);
  return {
    LAB_LB_VIP: lb?.vip ?? "",
    LAB_LB_PORT: lb === undefined ? "" : String(lb.port),
    LAB_LB_SCHEDULER: lb?.scheduler ?? "",
    LAB_LB_CHECK_PAGE: lb?.request ?? "",
    LAB_LB_CHECK_PATH: lb === undefined ? "" : checkPagePath(lb.request),
    LAB_LB_CHECK_TEXT: lb?.receive ?? "",
    LAB_LB_CHECK_SECONDS: lb === undefined ? "" : String(lb.checkInterval + lb.checkTimeout),
    LAB_LB_HOST_ADDRESS: net?.gateway ?? "",
    LAB_LB_BRIDGE: net?.bridge ?? "",
    LAB_LB_PING_TARGETS: lb?.pingTargets ?? [],
    LAB_LB_DIRECTORS: directors.map((n) => n.name),
    LAB_LB_DIRECTOR_ADDRESSES: directors.map((n) => addressOf(n.name)),
    LAB_LB_DIRECTOR_DOMAINS: directors.map((n) => outputs?.domainNames?.[n.name] ?? n.domainName),
    LAB_LB_DIRECTOR_CLUSTER_NODES: directors.map((n) => q.clusterNodeName(n, spec.cluster.links)),
    LAB_LB_DIRECTOR_SERVICE_MACS: directors.map((n) => nic(n).mac),
    LAB_LB_REAL_SERVERS: reals.map((n) => n.name),
    LAB_LB_REAL_ADDRESSES: reals.map((n) => addressOf(n.name)),
    LAB_LB_REAL_SERVICE_ADDRESSES: reals.map((n) => nic(n).address),
    LAB_LB_GROUP: id(DIRECTOR_IDS.group),
    LAB_LB_VIPCHECK_RESOURCE: id(DIRECTOR_IDS.vipcheck),
    LAB_LB_VIP_RESOURCE: id(DIRECTOR_IDS.vip),
    LAB_LB_LDIRECTORD_RESOURCE: id(DIRECTOR_IDS.ldirectord),
    LAB_LB_PING_CLONE: id(DIRECTOR_IDS.pingClone),
    LAB_LB_PING_ATTRIBUTE: id(PING_ATTRIBUTE),
    LAB_LB_CONSTRAINTS:
      lb === undefined ? [] : [DIRECTOR_IDS.connectivity, DIRECTOR_IDS.colocation, DIRECTOR_IDS.order],
  };
}

/** A word in single quotes, safe for `eval`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `NAME='value'` or `NAME=('a' 'b')` lines, in the order given. */
export function shellAssignments(env: LabEnv): string[] {
  return Object.entries(env).map(([name, value]) =>
    Array.isArray(value) ? `${name}=(${value.map(shellQuote).join(" ")})` : `${name}=${shellQuote(value)}`,
  );
}

/** A module of the program, loaded on demand; a module that fails to load is named as such. */
async function loadModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new QueryError(`cannot load the lab model (spec/, stacks/): ${messageOf(err)}`);
  }
}

/** The stack config key holding the lab description (`kvm-ha-lab:lab`, spec/config-key.ts). */
async function labKey(): Promise<string> {
  return LAB_KEY;
}

/** Reads a stack file's lab description and validates it as the program does. */
async function stackSpec(file: string): Promise<{ spec: LabSpec; q: SpecModule }> {
  const q = await loadModule(() => import("../spec"));
  const raw = stackLabConfig(readText(file, "stack file"), file, await labKey());
  try {
    return { spec: q.parseLabSpec(raw), q };
  } catch (err) {
    throw new QueryError(`stack file ${file}: ${messageOf(err)}`);
  }
}

// ---- the command line -----------------------------------------------------------------------------

function usage(): string {
  const width = Math.max(...Object.keys(LAB_ENV_VARIABLES).map((k) => k.length));
  return [
    "usage: query.ts COMMAND ARGS…   (scripts/lib.sh: query COMMAND ARGS…)",
    "",
    "  daemon STACK_FILE             host daemon mode of the stack's lab: managed (the default) or external",
    "  lab-env STACK_FILE [OUTPUTS]  the lab as shell assignments, for eval (OUTPUTS: a file holding",
    "                                `pulumi stack output --json`, or - for stdin)",
    "  output KEY [KEY…]             a value of the stack outputs (`pulumi stack output --json` on stdin),",
    "                                e.g. `output nodeAddresses node01`, `output vips service01`",
    "  secret URN_SUFFIX FIELD       FIELD of the resource whose URN ends in URN_SUFFIX, decrypted",
    "                                (`pulumi stack export --show-secrets` on stdin)",
    "  secret-scan EXPORT FILE…      every secret of EXPORT (a --show-secrets export) looked for in",
    "                                clear in each FILE; exit 1 naming where each was found",
    "  known-hosts                   the nodes' pinned host keys as known_hosts lines",
    "                                (`pulumi stack export` on stdin)",
    '  jest-summary RESULTS          "N passed, M failed, K skipped, T todo" of a `jest --json --outputFile` file',
    "  jest-gate RESULTS             the summary, or an error naming every skipped or todo test",
    "  coverage-gate SUMMARY BASELINE ROOT",
    "                                coverage per area (coverage-summary.json; files under ROOT) held to",
    "                                the baseline's figures less its tolerance",
    "  drift-check PREVIEW STATUS [--only] NAME[=OPS]…",
    "                                a `preview --refresh --json` (exit STATUS) shows each NAME updated",
    "                                or replaced (or one of OPS), with no error diagnostic",
    "  cib-ids CIB                   the constraint ids of a CIB (`cibadmin --query`)",
    "  cib-new-ids BEFORE AFTER      the constraint ids AFTER has and BEFORE has not",
    "  cib-check CIB --started R | --stopped R | --absent CONSTRAINT_ID | --property NAME=VALUE |",
    "            --member GROUP:R | --missing R …",
    "                                what the live CIB must show (target-role, constraints, properties)",
    '  bench-table TIMINGS           median table of "phase seconds" lines',
    "  engine-leftovers STACK EXPORT BACKEND_URL [--via TEXT] [--for-update]",
    "                                what a killed engine left on STACK (EXPORT: `pulumi stack export`,",
    "                                - for stdin; the lock files of a file:// backend) with the commands",
    "                                that clear it, spelled `TEXT …` (default pulumi); exit 1 while a lock",
    "                                (or, --for-update, a pending create) keeps an update from finishing",
    "",
    "lab-env sets (arrays noted; from the outputs where given, else from the stack file's lab):",
    ...Object.entries(LAB_ENV_VARIABLES).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ].join("\n");
}

function args(argv: readonly string[], min: number, max: number, command: string): string[] {
  if (argv.length < min || argv.length > max) {
    throw new UsageError(
      `${command}: expected ${min === max ? min : `${min} to ${max}`} arguments, got ${argv.length}`,
    );
  }
  return [...argv];
}

/** Runs one command; returns what to print. */
export async function run(argv: readonly string[]): Promise<string> {
  const [command, ...rest] = argv;
  switch (command) {
    case "daemon": {
      const [file] = args(rest, 1, 1, command);
      const key = await labKey();
      return daemonMode(stackLabConfig(readText(file, "stack file"), file, key), file, key);
    }
    case "lab-env": {
      const [file, outputsFile] = args(rest, 1, 2, command);
      const outputs =
        outputsFile !== undefined
          ? labOutputs(readJson(outputsFile, "stack outputs"), outputsFile)
          : undefined;
      const { spec, q } = await stackSpec(file);
      return shellAssignments(labEnv(spec, outputs, q, file)).join("\n");
    }
    case "output": {
      if (rest.length === 0)
        throw new UsageError("output: name the output, e.g. output nodeAddresses node01");
      return shellText(lookup(readJson("-", "stack outputs"), rest, "the stack outputs"));
    }
    case "secret": {
      const [suffix, field] = args(rest, 2, 2, command);
      return resourceOutput(readJson("-", "stack export"), suffix, field);
    }
    case "known-hosts": {
      args(rest, 0, 0, command);
      return knownHosts(readJson("-", "stack export")).join("\n");
    }
    case "secret-scan": {
      const [exportFile, ...files] = rest;
      if (exportFile === undefined || files.length === 0)
        throw new UsageError("secret-scan: expected EXPORT FILE…");
      const secrets = secretValues(readJson(exportFile, "stack export"));
      if (secrets.length === 0) throw new QueryError(`${exportFile}: the stack has no secret to look for`);
      const texts = Object.fromEntries(files.map((f) => [f, readText(f, "scanned file")]));
      const finds = secretFinds(secrets, texts);
      if (finds.length > 0) throw new QueryError(secretReport(finds));
      return `${secrets.length} secret values, none in clear in ${files.length} files`;
    }
    case "jest-summary": {
      const [file] = args(rest, 1, 1, command);
      return jestSummary(readJson(file, "jest results"), file);
    }
    case "jest-gate": {
      const [file] = args(rest, 1, 1, command);
      return jestGate(readJson(file, "jest results"), file);
    }
    case "drift-check": {
      const only = rest[2] === "--only";
      const [file, status, ...expected] = only ? [...rest.slice(0, 2), ...rest.slice(3)] : rest;
      if (expected.length === 0)
        throw new UsageError("drift-check: expected PREVIEW_JSON STATUS [--only] RESOURCE_NAME[=OPS]…");
      if (!/^\d+$/.test(status))
        throw new UsageError(`drift-check: STATUS must be an exit status, got ${status}`);
      const { shown, problems } = driftCheck(readJson(file, "preview"), Number(status), expected, file, only);
      if (problems.length > 0)
        throw new QueryError(`the preview does not show the drift:\n  ${problems.join("\n  ")}`);
      return shown.join(", ");
    }
    case "cib-ids": {
      const [file] = args(rest, 1, 1, command);
      return cibConstraintIds(readText(file, "CIB"), file).join("\n");
    }
    case "cib-new-ids": {
      const [before, after] = args(rest, 2, 2, command);
      const old = new Set(cibConstraintIds(readText(before, "CIB"), before));
      return cibConstraintIds(readText(after, "CIB"), after)
        .filter((id) => !old.has(id))
        .join("\n");
    }
    case "cib-check": {
      if (rest.length < 3) throw new UsageError("cib-check: expected CIB_FILE and --OPTION VALUE pairs");
      const [file, ...options] = rest;
      const problems = cibProblems(readText(file, "CIB"), cibExpectations(options), file);
      if (problems.length > 0) throw new QueryError(`the live CIB ${file}:\n  ${problems.join("\n  ")}`);
      return `the live CIB meets ${options.join(" ")}`;
    }
    case "coverage-gate": {
      const [summaryFile, baselineFile, root] = args(rest, 3, 3, command);
      const baseline = coverageBaseline(readJson(baselineFile, "coverage baseline"), baselineFile);
      const measured = coverageByArea(
        readJson(summaryFile, "coverage summary"),
        root,
        Object.keys(baseline.areas),
        summaryFile,
      );
      const { report, problems } = coverageGate(measured, baseline);
      if (problems.length > 0) {
        throw new QueryError(
          `${report.join("\n")}\ncoverage fell below the baseline (${baselineFile}, tolerance ` +
            `${baseline.tolerance} points):\n  ${problems.join("\n  ")}`,
        );
      }
      return report.join("\n");
    }
    case "bench-table": {
      const [file] = args(rest, 1, 1, command);
      return benchTable(readText(file, "timings"), file).join("\n");
    }
    case "engine-leftovers": {
      const [stack, exportFile, backendUrl, ...options] = rest;
      if (stack === undefined || exportFile === undefined || backendUrl === undefined) {
        throw new UsageError(
          "engine-leftovers: expected STACK EXPORT BACKEND_URL [--via TEXT] [--for-update]",
        );
      }
      let via: string | undefined;
      let forUpdate = false;
      for (let i = 0; i < options.length; i++) {
        if (options[i] === "--for-update") forUpdate = true;
        else if (options[i] === "--via" && options[i + 1] !== undefined) via = options[++i];
        else throw new UsageError(`engine-leftovers: unknown option ${options[i]}`);
      }
      const pending = pendingOperations(readJson(exportFile, "stack export"), exportFile);
      const dir = backendDir(backendUrl, process.env.HOME ?? "");
      const locks =
        dir === undefined
          ? []
          : stackLockFiles(dir, stack).map((f) =>
              engineLock(f, readText(f, "lock file"), hostname(), processRunning),
            );
      const { report, blocked } = engineLeftovers(stack, pending, locks, { via, forUpdate });
      if (blocked) throw new QueryError(report.join("\n"));
      return report.join("\n");
    }
    default:
      throw unknownCommand(command);
  }
}

/** The command line; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  return commandLine("query.ts", argv, usage, async (a) => {
    const out = await run(a);
    // Values go out without a trailing newline (`$(…)` strips it anyway; a key written to a file keeps its bytes).
    return ["bench-table", "lab-env", "coverage-gate"].includes(a[0] ?? "") ? `${out}\n` : out;
  });
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
