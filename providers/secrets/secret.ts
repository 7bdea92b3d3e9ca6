/**
 * RandomSecret: a random string generated once (node:crypto) and kept in state as a secret output.
 * Stable across updates; replaced only when `length` or `alphabet` change.
 */
import * as pulumi from "@pulumi/pulumi";
import { randomInt, randomUUID } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { LabDynamicResource } from "../core/dynamic-resource";

/** Character sets a secret can be drawn from. */
export type SecretAlphabet = "alnum" | "hex" | "printable";

/** Shortest secret the lab accepts. */
export const MIN_SECRET_LENGTH = 12;

/**
 * The characters of each alphabet. `printable` is printable ASCII without space, quotes, backslash,
 * backtick and `$`, so a secret survives shell commands and config files unquoted-by-mistake.
 */
export const SECRET_ALPHABETS: Readonly<Record<SecretAlphabet, string>> = {
  alnum: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  hex: "0123456789abcdef",
  printable: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&()*+,-./:;<=>?@[]^_{|}~",
};

/** Arguments of {@link RandomSecret}. */
export interface RandomSecretArgs {
  /** Number of characters (at least 12). Changing it replaces the secret. */
  length: pulumi.Input<number>;
  /** Character set (default `alnum`). Changing it replaces the secret. */
  alphabet?: pulumi.Input<SecretAlphabet>;
}

/** Draws `length` characters uniformly from `alphabet` with a CSPRNG. */
export function generateSecret(length: number, alphabet: SecretAlphabet): string {
  const chars = SECRET_ALPHABETS[alphabet];
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

/** The RandomSecret provider (exported for tests; the engine uses it through {@link RandomSecret}). */
export const randomSecretProvider = defineProvider({
  kind: "RandomSecret",
  schema: () =>
    z.object({
      length: z
        .number({ required_error: "length is required" })
        .int("length must be a whole number")
        .min(MIN_SECRET_LENGTH, `length must be at least ${MIN_SECRET_LENGTH}`)
        .max(4096, "length must be at most 4096"),
      alphabet: z.enum(["alnum", "hex", "printable"]).default("alnum"),
    }),
  forceNew: ["length", "alphabet"],
  secretOutputs: ["value"],
  async create(inputs) {
    return { id: randomUUID(), outs: { value: generateSecret(inputs.length, inputs.alphabet) } };
  },
  async read() {
    // Nothing lives outside the state: what is stored is what exists.
    return {};
  },
});

/** A random secret string, e.g. a cluster password; `value` is a Pulumi secret. */
export class RandomSecret extends LabDynamicResource {
  /** The generated secret (marked secret). */
  declare public readonly value: pulumi.Output<string>;
  /** The length it was generated with. */
  declare public readonly length: pulumi.Output<number>;
  /** The alphabet it was drawn from. */
  declare public readonly alphabet: pulumi.Output<SecretAlphabet>;

  constructor(name: string, args: RandomSecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      randomSecretProvider,
      name,
      { length: args.length, alphabet: args.alphabet, value: undefined },
      opts,
    );
  }
}
