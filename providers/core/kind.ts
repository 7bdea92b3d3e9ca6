/**
 * The typed resource class of a kind: {@link labKind} wraps a provider built by `defineProvider`
 * in a thin dynamic-resource subclass ({@link LabDynamicResource}, type token
 * `pulumi-nodejs:dynamic/kvmlab:<Kind>`) whose constructor takes the kind's inputs, each possibly
 * an output, and whose every input and declared output is an output property. Each provider module
 * declares its kind's input type (from its schema) and outputs beside the provider.
 *
 * Secret inputs (passwords, private keys) are wrapped with `pulumi.secret` here, whatever the
 * caller passed, and listed in `additionalSecretOutputs`, so they never reach state in plain.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LabProvider } from "./base";
import type { LabDynamicResource } from "./dynamic-resource";

/** An input that may hold outputs at any depth (objects and arrays are unwrapped by the engine). */
export type DeepInput<T> = [T] extends [string | number | boolean | null | undefined]
  ? pulumi.Input<T>
  : [T] extends [readonly (infer U)[]]
    ? pulumi.Input<DeepInput<U>[]>
    : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** The constructor args of a kind: its inputs, each possibly an output. */
export type KindArgs<I> = { [K in keyof I]: DeepInput<I[K]> };

/** A resource of a kind: every input and every declared output is an output property. */
export type KindResource<I, O> = LabDynamicResource & {
  readonly [K in keyof (I & O)]-?: pulumi.Output<(I & O)[K]>;
};

/** The class made by {@link labKind}. */
export interface LabKindClass<I, O> {
  new (name: string, args: KindArgs<I>, opts?: pulumi.CustomResourceOptions): KindResource<I, O>;
  /** The kind (last part of the type token). */
  readonly kind: string;
}

/** How {@link labKind} builds a kind around a provider. */
export interface LabKindOptions<I, O> {
  /** Every output the provider returns (a map so the compiler checks it is complete). */
  outputs: { [K in keyof O]-?: true };
  /** Inputs that are secrets: wrapped with `pulumi.secret` and kept secret in the outputs. */
  secretInputs?: readonly (keyof I & string)[];
}

/**
 * Makes the typed dynamic-resource class of one kind around its provider: every input and every
 * declared output becomes an output property; secret inputs are wrapped with `pulumi.secret` (an
 * optional one left out stays out).
 */
export function labKind<I extends object, O extends object>(
  provider: LabProvider,
  options: LabKindOptions<I, O>,
): LabKindClass<I, O> {
  const outputNames = Object.keys(options.outputs);
  const secretInputs = [...(options.secretInputs ?? [])];
  let made: LabKindClass<I, O> | undefined;

  // The class is made when the program first creates a resource of the kind: a module that only
  // defines kinds (and the provider tests that load it) never loads the Pulumi SDK.
  const make = (): LabKindClass<I, O> => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const sdk = require("@pulumi/pulumi") as typeof pulumi;
    const { LabDynamicResource: Base } = require("./dynamic-resource") as typeof import("./dynamic-resource");
    /* eslint-enable @typescript-eslint/no-require-imports */
    class Kind extends Base {
      static readonly kind = provider.kind;

      constructor(name: string, args: KindArgs<I>, opts?: pulumi.CustomResourceOptions) {
        const props: pulumi.Inputs = { ...args };
        for (const key of outputNames) props[key] = undefined;
        for (const key of secretInputs) if (props[key] !== undefined) props[key] = sdk.secret(props[key]);
        super(provider, name, props, sdk.mergeOptions(opts, { additionalSecretOutputs: secretInputs }));
      }
    }
    return Kind as unknown as LabKindClass<I, O>;
  };

  function LazyKind(
    name: string,
    args: KindArgs<I>,
    opts?: pulumi.CustomResourceOptions,
  ): KindResource<I, O> {
    made ??= make();
    return new made(name, args, opts);
  }
  LazyKind.kind = provider.kind;
  return LazyKind as unknown as LabKindClass<I, O>;
}
