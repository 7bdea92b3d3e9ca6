/**
 * The committed JSON Schemas (docs/lab.schema.json, docs/stack.schema.json) are what the zod schema
 * generates today, and they accept the repository's stack files and refuse what the zod schema
 * refuses. `npm run schema` rewrites them after a change of spec/schema.ts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { LAB_KEY } from "../../../spec/config-key";
import { LabConfigSchema } from "../../../spec/schema";
import {
  labJsonSchema,
  schemaText,
  SCHEMA_FILES,
  stackJsonSchema,
} from "../../../operator/schema/json-schema";

const ROOT = path.join(__dirname, "..", "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const STACK_FILES = ["Pulumi.dev.yaml", "Pulumi.ultramonkey.yaml", "Pulumi.ocfs2.yaml"];

/** A validator of whole stack files (the stack schema with the lab schema it refers to). */
function stackValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(JSON.parse(read(SCHEMA_FILES.lab)) as object);
  return ajv.compile(JSON.parse(read(SCHEMA_FILES.stack)) as object);
}

describe("the committed JSON Schemas", () => {
  test.each([
    ["lab", labJsonSchema],
    ["stack", stackJsonSchema],
  ] as const)("%s schema is in sync with spec/schema.ts (else: npm run schema)", (which, generate) => {
    expect(read(SCHEMA_FILES[which])).toBe(schemaText(generate()));
  });

  test.each(STACK_FILES)("accept %s", (file) => {
    const validate = stackValidator();
    const ok = validate(parse(read(file)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("refuse what the zod schema refuses: an unknown key, a wrong enum, a string for a number", () => {
    const validate = stackValidator();
    for (const lab of [
      { nodez: [] },
      { cluster: { stack: "heartbeat" } },
      { cluster: { tokenMs: "20000" } },
      { services: [{ name: "s", resources: [{ kind: "nfs" }] }] },
    ]) {
      expect(LabConfigSchema.safeParse(lab).success).toBe(false);
      expect([lab, validate({ config: { [LAB_KEY]: lab } })]).toEqual([lab, false]);
    }
  });

  test("accept YAML's true and numbers as cluster property values, as the zod schema does", () => {
    const lab = { cluster: { properties: { "stonith-enabled": true, "stonith-timeout": 60 } } };
    expect(LabConfigSchema.safeParse(lab).success).toBe(true);
    expect(stackValidator()({ config: { [LAB_KEY]: lab } })).toBe(true);
  });
});
