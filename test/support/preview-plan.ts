/**
 * What `pulumi preview` shows for a change of the lab description, worked out offline: the lab is
 * built under the mocks from the description before the change (as its state: each custom
 * resource's inputs as its provider's `check` normalises them, plus plausible computed outputs),
 * then again from the description after it, as a preview, where each custom resource is planned
 * the way the engine plans it with the providers' own `check` and `diff`:
 *
 * - no difference: the old outputs, all known, flow on;
 * - an update: the outputs are the new inputs and every computed output is unknown (a dynamic
 *   provider does not take part in a preview's update), so whatever takes one sees a possible change;
 * - a replacement (a force-new field, a kind without update, or a resource named in `replaceWith`
 *   being replaced) and a creation: the same, with every computed output unknown;
 * - a diff that throws (a refused replacement) is planned as refused, with its message;
 * - a resource of the old lab that the new one no longer declares is deleted.
 *
 * The result lists only what changes, one line per resource, in name order, so that a golden file
 * of it pins a preview's precision.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";
import { RESOURCE_NAME_KEY, UNKNOWN, type LabProvider, type Props } from "../../providers/core/base";
import {
  computedOutputs,
  isWrappedSecret,
  kindOfType,
  recorded,
  startMocks,
  stopMocks,
  type Recorded,
} from "./pulumi-mocks";

/** What the preview does with one resource. */
export type Operation = "create" | "update" | "replace" | "delete" | "refused";

/** One resource that a preview shows as changing. */
export interface PlannedStep {
  /** Resource name (`dev-node02-domain`). */
  name: string;
  /** Its kind (`LibvirtDomain`). */
  kind: string;
  op: Operation;
  /** The properties that differ (for a replacement, those that force it); none for create and delete. */
  fields: string[];
  /** Why a refused change is refused (the diff's message). */
  reason?: string;
}

/** A resource of the old lab, as its state holds it. */
export interface OldResource {
  kind: string;
  inputs: Props;
  outputs: Props;
}

/** Every provider of the program, by kind (found by loading each module under providers/). */
let providers: Map<string, LabProvider> | undefined;

function isProvider(value: unknown): value is LabProvider {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Partial<LabProvider>;
  return typeof p.kind === "string" && typeof p.check === "function" && typeof p.diff === "function";
}

function providerModules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return providerModules(file);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [file] : [];
  });
}

/** The provider of a kind. */
export function providerOf(kind: string): LabProvider {
  if (providers === undefined) {
    providers = new Map();
    for (const file of providerModules(path.join(__dirname, "..", "..", "providers"))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const value of Object.values(require(file) as Record<string, unknown>)) {
        if (isProvider(value)) providers.set(value.kind, value);
      }
    }
  }
  const provider = providers.get(kind);
  if (provider === undefined) throw new Error(`no provider of kind ${kind}`);
  return provider;
}

/** A recorded value as the engine hands it to a provider: secrets unwrapped, unknowns as the marker. */
function engineValue(value: unknown): unknown {
  if (isUnknown(value)) return UNKNOWN;
  if (isWrappedSecret(value)) return engineValue(value.value);
  if (Array.isArray(value)) return value.map(engineValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, engineValue(v)]));
  }
  return value;
}

/** The inputs of a recorded resource after its provider's `check` (a failure fails the plan). */
async function checkedInputs(resource: Recorded, olds: Props): Promise<Props> {
  const kind = kindOfType(resource.type);
  const news = { ...(engineValue(resource.inputs) as Props), [RESOURCE_NAME_KEY]: resource.name };
  const { inputs, failures } = await providerOf(kind).check(olds, news);
  if (failures !== undefined && failures.length > 0) {
    throw new Error(`${resource.name}: check failed: ${failures.map((f) => f.reason).join("; ")}`);
  }
  return inputs as Props;
}

/**
 * Builds the lab of `config` under the mocks, answering each custom resource with `state`; fails
 * with every resource `state` failed on (a registration that fails would leave the build hanging).
 */
async function build(
  config: unknown,
  options: { preview: boolean; state: (resource: Recorded) => Promise<Props> },
): Promise<void> {
  recorded.clear();
  const problems: string[] = [];
  const { components, spec } = await startMocks({
    preview: options.preview,
    async state(resource) {
      try {
        return await options.state(resource);
      } catch (err) {
        problems.push((err as Error).message);
        return {};
      }
    },
  });
  new components.HaLab("dev", { spec: spec.parseLabSpec(config) });
  await stopMocks();
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

/**
 * The changes a preview of `after` shows on a lab built from `before` (two `kvm-ha-lab:lab`
 * values), in name order. `stateOf` may rewrite the state first, to stand for a lab that an
 * earlier version of the program built (resources it did not have, inputs it gave them).
 */
export async function planPreview(
  before: unknown,
  after: unknown,
  stateOf: (olds: Map<string, OldResource>) => void = () => undefined,
): Promise<PlannedStep[]> {
  const olds = new Map<string, OldResource>();
  await build(before, {
    preview: false,
    async state(resource) {
      const inputs = await checkedInputs(resource, {});
      const outputs = { ...inputs, ...computedOutputs(kindOfType(resource.type), resource.name, inputs) };
      olds.set(resource.name, { kind: kindOfType(resource.type), inputs, outputs });
      return outputs;
    },
  });
  stateOf(olds);

  const steps = new Map<string, PlannedStep>();
  const seen = new Set<string>();
  await build(after, {
    preview: true,
    async state(resource) {
      seen.add(resource.name);
      const kind = kindOfType(resource.type);
      const old = olds.get(resource.name);
      const step = (op: Operation, fields: string[], reason?: string) =>
        steps.set(resource.name, {
          name: resource.name,
          kind,
          op,
          fields: [...fields].sort(),
          ...(reason !== undefined ? { reason } : {}),
        });
      const inputs = await checkedInputs(resource, old?.inputs ?? {});
      if (old === undefined) {
        step("create", []);
        return inputs;
      }
      const replacedWith = resource.replaceWith.filter((name) => steps.get(name)?.op === "replace");
      if (replacedWith.length > 0) {
        step(
          "replace",
          replacedWith.map((name) => `replaceWith ${name}`),
        );
        return inputs;
      }
      let diff: pulumi.dynamic.DiffResult;
      try {
        diff = await providerOf(kind).diff(`${resource.name}-id`, old.outputs, inputs);
      } catch (err) {
        step("refused", [], (err as Error).message);
        return old.outputs;
      }
      if (diff.changes !== true) return old.outputs;
      const replaces = diff.replaces ?? [];
      step(
        replaces.length > 0 ? "replace" : "update",
        replaces.length > 0 ? replaces : changedFields(old.outputs, inputs),
      );
      return inputs;
    },
  });
  for (const [name, old] of olds) {
    if (!seen.has(name)) steps.set(name, { name, kind: old.kind, op: "delete", fields: [] });
  }
  return [...steps.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The input properties whose values differ (an unknown new value counts as a difference). */
function changedFields(olds: Props, news: Props): string[] {
  return Object.keys(news).filter(
    (key) => !key.startsWith("__") && JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
  );
}

const SYMBOL: Readonly<Record<Operation, string>> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  refused: "!",
};

/** The plan as text: a count line, then one line per resource (`~ name (Kind) update: fields`). */
export function formatPlan(steps: readonly PlannedStep[]): string {
  const counts = (["create", "update", "replace", "delete", "refused"] as const)
    .map((op) => [op, steps.filter((s) => s.op === op).length] as const)
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${n} to ${op}`);
  const n = steps.length;
  const head = n === 0 ? "no changes" : `${n} change${n === 1 ? "" : "s"}: ${counts.join(", ")}`;
  const lines = steps.map((s) => {
    const kind = s.kind === "" ? "" : ` (${s.kind})`;
    const detail = s.reason ?? s.fields.join(", ");
    return `${SYMBOL[s.op]} ${s.name}${kind} ${s.op}${detail === "" ? "" : `: ${detail}`}`;
  });
  return `${[head, ...lines].join("\n")}\n`;
}
