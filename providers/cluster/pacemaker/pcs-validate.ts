/**
 * The input checks the pcs builders share: every builder collects its problems in one
 * {@link Problems} (spec/problems.ts) and throws one Error naming each field, the problem and the
 * fix; the patterns come from spec/patterns.ts.
 */
import { CIB_ID, CONTROL_CHARACTER, OPTION_NAME } from "../../../spec/patterns";
import type { Problems } from "../../../spec/problems";
import { CIB_READONLY_PROPERTIES } from "./cib";

/** A value as it appears in a problem: JSON-quoted (`"node01h"`, `70000`). */
export const quoted = (value: unknown): string => JSON.stringify(value);

/** True for a TCP port (1…65535). */
export const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

/** True for a value pcs can take in `name=value`: no control characters (newlines would split a script). */
export const isCleanValue = (text: string): boolean => !CONTROL_CHARACTER.test(text);

/** Records a problem at `field` when `id` is not a CIB id pcs accepts ({@link CIB_ID}). */
export function checkCibId(problems: Problems, field: string, id: string, fix: string): void {
  problems.need(CIB_ID.test(id), field, `${quoted(id)} is not a valid CIB id`, fix);
}

/** Checks `name=value` options (properties, resource defaults); `allowEmptyValues`: an empty value removes one. */
export function checkOptions(
  problems: Problems,
  field: string,
  options: Readonly<Record<string, string>>,
  allowEmptyValues: boolean,
): void {
  const entries = Object.entries(options);
  problems.need(
    entries.length > 0,
    field,
    "there is nothing to set",
    "leave the command out when there is nothing to set",
  );
  for (const [name, value] of entries) {
    problems.need(
      OPTION_NAME.test(name),
      `${field}.${name}`,
      `${quoted(name)} is not an option name`,
      "use letters, digits, '-' and '_', starting with a letter (e.g. no-quorum-policy)",
    );
    problems.need(
      typeof value === "string" && isCleanValue(value),
      `${field}.${name}`,
      `${quoted(value)} is not a one-line string`,
      "give the value as a string without control characters",
    );
    if (!allowEmptyValues) {
      problems.need(
        value !== "",
        `${field}.${name}`,
        "the value is empty, which would remove the option",
        "give a value, or remove the option with its unset command",
      );
    }
  }
}

/** Checks property names against the ones pacemaker maintains itself ({@link CIB_READONLY_PROPERTIES}). */
export function checkWritable(problems: Problems, field: string, names: readonly string[]): void {
  for (const name of names) {
    problems.need(
      !CIB_READONLY_PROPERTIES.includes(name),
      `${field}.${name}`,
      "pacemaker maintains this property itself and pcs refuses to change it",
      `leave it out (read-only: ${CIB_READONLY_PROPERTIES.join(", ")})`,
    );
  }
}
