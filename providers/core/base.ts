/**
 * The dynamic-provider base pattern: a concrete provider states *what* it manages (a zod schema of
 * its inputs, which fields force replacement, which outputs are secret, and create/read/update/delete);
 * {@link defineProvider} supplies the behaviour every provider shares:
 *
 * - `check` validates and normalises inputs field by field; failures name the property; fields that
 *   are unknown during preview pass through unvalidated.
 * - `diff` compares the desired inputs with the last outputs (outputs always mirror the normalised
 *   inputs, and `read` may overwrite them with what it found live, which is how drift shows up);
 *   `replaces` lists the force-new fields that differ; `changes` is true only when something differs;
 *   an unknown value counts as a (possible) change.
 * - `read` returning `undefined` means "gone": the engine gets an empty id.
 * - errors are wrapped with the resource kind and name.
 * - secret outputs are declared once, on the definition, and applied by `LabDynamicResource` (dynamic-resource.ts).
 *
 * Provider objects are serialised into the state by Pulumi: keep definitions free of captured state
 * and secrets; build schemas lazily (`schema: () => z.object(...)`) so no zod instance is serialised.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";

/**
 * The value the engine sends for properties that are not known yet (preview): Pulumi's
 * `runtime.unknownValue`, spelled out so that providers load without the Pulumi SDK (a test pins
 * the two together).
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Input key under which `LabDynamicResource` (dynamic-resource.ts) stores the Pulumi resource name (for error messages). */
export const RESOURCE_NAME_KEY = "__resourceName";

/**
 * Input key under which {@link defineProvider} stores the digest of what a kind renders (see
 * {@link ProviderDefinition.render}). Not `__`-prefixed: a preview lists it (`[diff: ~renderedDigest]`),
 * so a reviewer sees that only what the program renders changed.
 */
export const RENDERING_KEY = "renderedDigest";

/** A property bag as the engine hands it to a dynamic provider. */
export type Props = Record<string, unknown>;

/** What a provider stores as outputs: the normalised inputs, the computed outputs, the resource name. */
export type Stored<I, O> = I & O & { [RESOURCE_NAME_KEY]?: string };

/** A validation failure of one property (same shape as Pulumi's `CheckFailure`). */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** What a concrete provider defines. `I` is the normalised input type, `O` the computed outputs. */
export interface ProviderDefinition<S extends z.AnyZodObject, O extends object> {
  /** Kind name used in type tokens and error messages, e.g. `RandomSecret`. */
  kind: string;
  /** Builds the zod schema of the inputs (defaults and normalisation included). Called lazily. */
  schema: () => S;
  /** Cross-field validation after every field passed its schema (skipped while any input is unknown). */
  check?: (inputs: z.output<S>) => CheckFailure[];
  /** Input fields whose change replaces the resource. */
  forceNew?: readonly (keyof z.output<S> & string)[];
  /** Output properties that must stay secret (applied as `additionalSecretOutputs`). */
  secretOutputs?: readonly (keyof O & string)[];
  /** Delete the old resource before creating its replacement (for things with fixed names). */
  deleteBeforeReplace?: boolean;
  /** Extra diff beyond the input-vs-output comparison: names of properties that differ. */
  diff?: (olds: Stored<z.output<S>, O>, news: z.output<S>) => string[];
  /**
   * Called when a change would replace the thing, with the fields that force it: throws to refuse
   * (e.g. a replacement that destroys data the config does not allow to lose). Preview fails with it.
   */
  guardReplace?: (olds: Stored<z.output<S>, O>, news: z.output<S>, replaces: string[]) => void;
  /**
   * What the kind renders onto a machine for these inputs (scripts, files, argv), as plain data.
   * Its digest is stored with the resource: Pulumi runs `read` with the provider code stored in
   * the state and never diffs on provider code, so without it a renderer fix would never reach an
   * existing resource. With it, a renderer change is an update (or, for a kind without `update`,
   * a replacement) that the next `up` converges with the new code. Must be pure; leave secrets out.
   */
  render?: (inputs: z.output<S>) => unknown;
  /**
   * Revision of what the provider means by "converged" beyond its renderers (a changed read or
   * comparison): part of the rendering digest, so bumping it re-converges existing resources.
   */
  revision?: number;
  /** Creates the thing; returns its id and computed outputs. Must be idempotent. */
  create: (inputs: z.output<S>) => Promise<{ id: string; outs: O }>;
  /** Probes the live thing: returns what it found (merged over the stored outputs) or `undefined` when gone. */
  read?: (id: string, olds: Stored<z.output<S>, O>) => Promise<Partial<z.output<S> & O> | undefined>;
  /** Converges the thing to `news`; returns the computed outputs. Without it, every change replaces. */
  update?: (id: string, olds: Stored<z.output<S>, O>, news: z.output<S>) => Promise<O>;
  /** Removes the thing; must tolerate "already gone". */
  delete?: (id: string, olds: Stored<z.output<S>, O>) => Promise<void>;
}

/** A dynamic provider built by {@link defineProvider}. */
export interface LabProvider<I = Props, O = Props> extends pulumi.dynamic.ResourceProvider<I, O> {
  /** Kind name (the type token's last part). */
  readonly kind: string;
  /** Outputs registered as secret. */
  readonly secretOutputs: readonly string[];
  check: (olds: I, news: I) => Promise<pulumi.dynamic.CheckResult<I>>;
  create: (inputs: I) => Promise<{ id: string; outs: O }>;
  diff: (id: string, olds: O, news: I) => Promise<pulumi.dynamic.DiffResult>;
  read: (id: string, props?: O) => Promise<pulumi.dynamic.ReadResult<O>>;
  update: (id: string, olds: O, news: I) => Promise<{ outs: O }>;
  delete: (id: string, props: O) => Promise<void>;
}

/** True when `value` is, or contains anywhere, the engine's unknown marker. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

function resourceName(props: Props | undefined, id?: string): string {
  const name = props?.[RESOURCE_NAME_KEY];
  return typeof name === "string" ? name : (id ?? "(unnamed)");
}

function isReserved(key: string): boolean {
  return key.startsWith("__") || key === RENDERING_KEY;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    "",
  );
}

/** A short digest of plain data (16 hex characters of SHA-256 over its JSON). */
export function digestOf(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
}

/** Wraps an error with the resource kind, name and operation, keeping the original as `cause`. */
export function wrapError(kind: string, name: string, op: string, err: unknown): Error {
  // Not `instanceof Error`: classes are re-created when Pulumi serialises a provider.
  const message =
    typeof err === "object" && err !== null && "message" in err ? String(err.message) : String(err);
  return new Error(`${kind} "${name}": ${op} failed: ${message}`, { cause: err });
}

/**
 * True when what the kind renders now differs from what it rendered when the resource was last
 * converged. State written before digests existed has none: that is no change (the thing was
 * converged by the code of its time, and a preview must not turn every such resource into an
 * update whose outputs are unknown downstream); its digest is recorded at its next update.
 */
function renderingChanged(olds: Props, news: Props): boolean {
  const now = news[RENDERING_KEY];
  const then = olds[RENDERING_KEY];
  return now !== undefined && then !== undefined && now !== then;
}

/** Turns a {@link ProviderDefinition} into a Pulumi dynamic provider with the shared behaviour. */
export function defineProvider<S extends z.AnyZodObject, O extends object>(
  def: ProviderDefinition<S, O>,
): LabProvider<Props, Props> {
  type I = z.output<S>;
  // An array, not a Set: captured Sets do not survive Pulumi's serialisation of a provider.
  const forceNew: readonly string[] = def.forceNew ?? [];
  const guard = async <T>(
    op: string,
    props: Props | undefined,
    id: string | undefined,
    fn: () => Promise<T>,
  ) => {
    try {
      return await fn();
    } catch (err) {
      throw wrapError(def.kind, resourceName(props, id), op, err);
    }
  };
  const withName = (props: Props, source: Props | undefined): Props =>
    source?.[RESOURCE_NAME_KEY] === undefined
      ? props
      : { ...props, [RESOURCE_NAME_KEY]: source[RESOURCE_NAME_KEY] };

  return {
    kind: def.kind,
    secretOutputs: [...(def.secretOutputs ?? [])],

    async check(_olds: Props, news: Props) {
      const shape: Record<string, z.ZodTypeAny> = def.schema().shape;
      const inputs: Props = {};
      const failures: CheckFailure[] = [];
      let anyUnknown = false;
      for (const key of Object.keys(news)) {
        if (!isReserved(key) && !(key in shape)) {
          failures.push({ property: key, reason: `${key}: not a property of ${def.kind}` });
        }
      }
      for (const [key, fieldSchema] of Object.entries(shape)) {
        const value = news[key];
        if (containsUnknown(value)) {
          anyUnknown = true;
          inputs[key] = value;
          continue;
        }
        const parsed = fieldSchema.safeParse(value);
        if (parsed.success) {
          if (parsed.data !== undefined) inputs[key] = parsed.data;
          continue;
        }
        for (const issue of parsed.error.issues) {
          const property = formatPath([key, ...issue.path]);
          failures.push({ property, reason: `${property}: ${issue.message}` });
        }
      }
      if (failures.length === 0 && !anyUnknown && def.check) failures.push(...def.check(inputs as I));
      if (failures.length === 0 && def.render) {
        inputs[RENDERING_KEY] = anyUnknown ? UNKNOWN : digestOf(def.revision ?? 0, def.render(inputs as I));
      }
      return { inputs: withName(inputs, news), failures };
    },

    async diff(id: string, olds: Props, news: Props) {
      return guard("diff", news, id, async () => {
        const changed = new Set<string>();
        for (const key of Object.keys(def.schema().shape)) {
          if (containsUnknown(news[key]) || !isDeepStrictEqual(olds[key], news[key])) changed.add(key);
        }
        if (def.diff && !Object.values(news).some(containsUnknown)) {
          for (const key of def.diff(olds as Stored<I, O>, news as I)) changed.add(key);
        }
        if (renderingChanged(olds, news)) changed.add(RENDERING_KEY);
        const replaces = [...changed].filter((key) => forceNew.includes(key) || !def.update);
        if (replaces.length > 0 && def.guardReplace) {
          def.guardReplace(olds as Stored<I, O>, news as I, replaces);
        }
        return {
          changes: changed.size > 0,
          replaces,
          deleteBeforeReplace: def.deleteBeforeReplace === true && replaces.length > 0,
        };
      });
    },

    async create(inputs: Props) {
      return guard("create", inputs, undefined, async () => {
        const { id, outs } = await def.create(inputs as I);
        return { id, outs: withName({ ...inputs, ...outs }, inputs) };
      });
    },

    async read(id: string, props?: Props) {
      return guard("read", props, id, async () => {
        const olds = props ?? {};
        const found = await def.read?.(id, olds as Stored<I, O>);
        if (def.read && found === undefined) return { id: "", props: {} };
        return { id, props: { ...olds, ...found } };
      });
    },

    async update(id: string, olds: Props, news: Props) {
      return guard("update", news, id, async () => {
        if (!def.update)
          throw new Error("this kind has no update; every change should have been a replacement");
        const outs = await def.update(id, olds as Stored<I, O>, news as I);
        return { outs: withName({ ...news, ...outs }, news) };
      });
    },

    async delete(id: string, props: Props) {
      await guard("delete", props, id, async () => {
        await def.delete?.(id, props as Stored<I, O>);
      });
    },
  };
}
