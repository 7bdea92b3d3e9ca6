/**
 * JSON Schemas for editors, generated from the zod schema of the lab description (spec/schema.ts)
 * by zod-to-json-schema: `lab.schema.json` describes the value of `kvm-ha-lab:lab`, and
 * `stack.schema.json` a whole `Pulumi.<stack>.yaml` holding it. Both are committed under docs/ and
 * kept in sync by a test (test/operator/schema/json-schema.test.ts); `npm run schema` rewrites them.
 */
import { zodToJsonSchema } from "zod-to-json-schema";
import { LAB_KEY } from "../../spec/config-key";
import { LabConfigSchema } from "../../spec/schema";

/** Where the schemas live, relative to the repository root. */
export const SCHEMA_FILES = { lab: "docs/lab.schema.json", stack: "docs/stack.schema.json" } as const;

/** The JSON Schema of the `kvm-ha-lab:lab` value: every field, its type, enum and bounds; unknown keys refused. */
export function labJsonSchema(): Record<string, unknown> {
  // The converter's types come from `zod/v3`, which this project's module resolution (node10) reads
  // from other declaration files than `zod`: the same classes at run time, distinct types to tsc.
  const input = LabConfigSchema as unknown as Parameters<typeof zodToJsonSchema>[0];
  const schema = zodToJsonSchema(input, {
    // Inline every part: an editor shows each field where it is, not behind a pointer.
    $refStrategy: "none",
    // YAML `true`/`20000` in `cluster.properties` are accepted: the input side of the transforms.
    effectStrategy: "input",
  });
  return {
    ...schema,
    $id: "lab.schema.json",
    title: `${LAB_KEY}`,
    description:
      "The lab description of kvm-ha-lab (README, Configuration reference). Every field is optional; " +
      "the defaults reproduce the seed lab. Cross-field rules (addresses in their networks, references " +
      "between sections) are checked when the program loads it.",
  };
}

/** The JSON Schema of a stack file `Pulumi.<stack>.yaml`: its lab under `config`, the engine's own keys beside it. */
export function stackJsonSchema(): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "stack.schema.json",
    title: "Pulumi.<stack>.yaml of kvm-ha-lab",
    type: "object",
    properties: {
      config: {
        type: "object",
        properties: { [LAB_KEY]: { $ref: "lab.schema.json" } },
        description: "Stack configuration; the lab lives under one key.",
      },
      secretsprovider: { type: "string", description: "Written by `pulumi stack init` (scripts/lab.sh)." },
      encryptionsalt: { type: "string", description: "Written by `pulumi stack init` (scripts/lab.sh)." },
    },
  };
}

/** A schema as committed: two-space JSON with a final newline (generated: .prettierignore leaves it alone). */
export function schemaText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
