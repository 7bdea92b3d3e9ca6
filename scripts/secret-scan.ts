/**
 * The search for secrets in clear: every secret value of a stack (from `pulumi stack export
 * --show-secrets`, where each secret is `{ <sig>: <secret sig>, plaintext: "<JSON>" }`) looked for
 * in what a user or another process can read — the state as the backend keeps it, the stack
 * outputs, the engine's output, process lists captured while the program ran. A find is reported
 * by the secret's place in the state and the file and line it was found in, never by its value.
 */

/** Pulumi's marker of a secret value in a stack export. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value shorter than this is no secret worth the name (and would match by chance). */
const MIN_LENGTH = 8;

/** One secret value and where the state holds it (`<urn>/outputs/<field>`). */
export interface SecretValue {
  where: string;
  value: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The pieces of a secret worth looking for: the value itself, and for a multi-line value (a
 * private key) each line of it long enough to be its own (PEM armour lines are no secret).
 */
function pieces(value: string): string[] {
  const lines = value.split("\n").map((l) => l.trim());
  if (lines.length === 1) return value.length >= MIN_LENGTH ? [value] : [];
  return lines.filter((l) => l.length >= 20 && !l.startsWith("-----"));
}

/** Every string inside a decoded secret (a secret may hold an object or an array). */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isRecord(value)) return Object.values(value).flatMap(strings);
  return [];
}

/** Every secret value of a stack export read with `--show-secrets`, each piece once. */
export function secretValues(exported: unknown): SecretValue[] {
  const found = new Map<string, string>();
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, isRecord(item) && typeof item.urn === "string" ? item.urn : where);
      return;
    }
    if (!isRecord(node)) return;
    if (node[SECRET_SIG_KEY] === SECRET_SIG && typeof node.plaintext === "string") {
      let decoded: unknown;
      try {
        decoded = JSON.parse(node.plaintext) as unknown;
      } catch {
        decoded = node.plaintext;
      }
      for (const s of strings(decoded)) for (const p of pieces(s)) if (!found.has(p)) found.set(p, where);
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, where === "" ? key : `${where}/${key}`);
  };
  walk(exported, "");
  return [...found].map(([value, where]) => ({ value, where }));
}

/** A secret found in clear: which one (its place in the state), in which file, on which line. */
export interface SecretFind {
  where: string;
  file: string;
  line: number;
}

/** Where any of `secrets` appears in the given files' texts (file name → content). */
export function secretFinds(
  secrets: readonly SecretValue[],
  files: Readonly<Record<string, string>>,
): SecretFind[] {
  const finds: SecretFind[] = [];
  for (const [file, text] of Object.entries(files)) {
    const lines = text.split("\n");
    for (const s of secrets) {
      const at = lines.findIndex((l) => l.includes(s.value));
      if (at >= 0) finds.push({ where: s.where, file, line: at + 1 });
    }
  }
  return finds;
}

/** The report of a scan: the finds, one per line, naming no secret value. */
export function secretReport(finds: readonly SecretFind[]): string {
  return finds.map((f) => `a secret of ${f.where} in clear in ${f.file}, line ${f.line}`).join("\n");
}
