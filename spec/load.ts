/**
 * Reading the lab description: stack config → schema → defaults and derived fields → validation.
 * Everything is checked here, once, before any resource is declared; components only read the
 * resulting {@link LabSpec}.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ZodIssue } from "zod";
import { applyDefaults } from "./defaults";
import { ALLOWED_KEYS_MARKER, LabConfigSchema } from "./schema";
import { formatProblem, type Problem } from "./problems";
import type { LabSpec } from "./types";
import { validateLabSpec } from "./validate";

/** The stack config key (in the project's namespace) that holds the lab: `kvm-ha-lab:lab`. */
import { LAB_CONFIG_KEY } from "./config-key";

export { LAB_CONFIG_KEY };

/**
 * Thrown when the lab description is invalid; the message lists every problem, one per line. A
 * Pulumi `RunError` by the mark the SDK checks (`RunError.isInstance`), without loading the SDK:
 * the program's runner prints the message alone — no stack trace, no dump of the problems — and
 * the engine reports the run as failed.
 */
export class LabSpecError extends Error {
  /** Every problem found, in the order reported. */
  public readonly problems: readonly Problem[];
  /** What `pulumi.RunError.isInstance` looks for. */
  public readonly __pulumiRunError = true;

  constructor(problems: readonly Problem[]) {
    const n = problems.length;
    super(
      [
        `invalid lab configuration (kvm-ha-lab:${LAB_CONFIG_KEY}): ${n} problem${n === 1 ? "" : "s"}`,
        ...problems.map(formatProblem),
      ].join("\n"),
    );
    this.name = "LabSpecError";
    this.problems = problems;
  }
}

/** Formats a zod issue path as `nodes[1].addresses.heartbeat` (the root is `lab`). */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "lab" : out;
}

/** Turns one schema issue into problems with a fix (one per unknown key). */
export function issueToProblems(issue: ZodIssue): Problem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = issue.message.startsWith(ALLOWED_KEYS_MARKER)
        ? issue.message.slice(ALLOWED_KEYS_MARKER.length)
        : undefined;
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        problem: `unknown key ${JSON.stringify(key)}`,
        fix: `remove it or correct its spelling${allowed !== undefined ? ` (allowed here: ${allowed})` : ""}`,
      }));
    }
    case "invalid_type": {
      const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
      return [
        issue.received === "undefined"
          ? { path, problem: `${path} is required`, fix: `add it (${article(issue.expected)})` }
          : {
              path,
              problem: `expected ${article(issue.expected)}, got ${article(issue.received)}`,
              fix: `write ${article(issue.expected)}`,
            },
      ];
    }
    case "invalid_enum_value":
      return [
        {
          path,
          problem: `${JSON.stringify(issue.received)} is not allowed`,
          fix: `use one of ${issue.options.join(", ")}`,
        },
      ];
    case "invalid_union_discriminator":
      return [
        {
          path,
          problem: "unknown or missing kind",
          fix: `set it to one of ${issue.options.map(String).join(", ")}`,
        },
      ];
    case "invalid_literal":
      return [{ path, problem: "value is not allowed", fix: `use ${JSON.stringify(issue.expected)}` }];
    case "too_small": {
      // The fix states the bound the problem states: an exclusive one (`> 0`) is not "at least 0".
      const least = Number(issue.minimum);
      return [
        {
          path,
          problem: issue.type === "string" ? "must not be empty" : issue.message.replace(/\.$/, ""),
          fix:
            issue.type === "array"
              ? `list at least ${least} entr${least === 1 ? "y" : "ies"}`
              : issue.type === "string"
                ? "give a non-empty value"
                : issue.inclusive
                  ? `use a value of at least ${least}`
                  : `use a value greater than ${least}`,
        },
      ];
    }
    case "too_big": {
      const most = Number(issue.maximum);
      return [
        {
          path,
          problem: issue.message.replace(/\.$/, ""),
          fix:
            issue.type === "array"
              ? `list at most ${most} entr${most === 1 ? "y" : "ies"}`
              : issue.type === "string"
                ? `shorten it to at most ${most} characters`
                : issue.inclusive
                  ? `use a value of at most ${most}`
                  : `use a value less than ${most}`,
        },
      ];
    }
    case "invalid_union":
      return [{ path, problem: "value has the wrong type", fix: "write a string, number or boolean" }];
    default:
      return [{ path, problem: issue.message.replace(/\.$/, ""), fix: "correct the value" }];
  }
}

/**
 * Parses, completes and validates a lab description (the value of `kvm-ha-lab:lab`). Pure.
 * `undefined` or `null` mean "all defaults" (the seed lab).
 *
 * @throws LabSpecError listing every problem, one per line, as `<path>: <problem>. Fix: <fix>`.
 */
export function parseLabSpec(raw: unknown): LabSpec {
  const parsed = LabConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new LabSpecError(parsed.error.issues.flatMap(issueToProblems));
  const spec = applyDefaults(parsed.data);
  const problems = validateLabSpec(spec, parsed.data);
  if (problems.length > 0) throw new LabSpecError(problems);
  return spec;
}

/**
 * Reads `lab` from the given config (the project's namespace, i.e. `kvm-ha-lab:lab`) and returns
 * the validated spec. An absent key gives the seed lab.
 *
 * @throws LabSpecError when the configuration is invalid.
 */
export function loadLabSpec(config: pulumi.Config): LabSpec {
  return parseLabSpec(config.getObject<unknown>(LAB_CONFIG_KEY) ?? {});
}
