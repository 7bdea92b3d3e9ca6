/**
 * Rendered files read back by digest: a probe fragment that prints the sha256 of each file a kind
 * renders onto a node, its parser, and the comparison with the rendered content (the same renderer
 * the setup script installs the file from). One fragment inside a kind's state script, so a read
 * stays one SSH round trip per node.
 */
import { createHash } from "node:crypto";

/** The sha256 of a text, as `sha256sum` prints it. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The probe fragment: one line `<sha256> <path>` per path (no digest when the file is missing). Never fails. */
export function fileDigestsProbe(paths: readonly string[]): string {
  return `for f in ${paths.join(" ")}; do
  echo "$(sha256sum "$f" 2>/dev/null | cut -d" " -f1) $f"
done`;
}

/** The lines of {@link fileDigestsProbe} as path → digest (`""` for a missing file). */
export function parseFileDigests(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((l) => {
        const at = l.indexOf(" ");
        return at < 0 ? [l, ""] : [l.slice(at + 1), l.slice(0, at)];
      }),
  );
}

/**
 * Whether the node holds `path` as rendered: its digest is the content's, or, when the renderer
 * renders no such file (`content` undefined), it is absent. A path the probe did not print is not.
 */
export function holdsRendered(
  digests: Readonly<Record<string, string>>,
  path: string,
  content: string | undefined,
): boolean {
  const found = digests[path];
  if (found === undefined) return false;
  return content === undefined ? found === "" : found === sha256(content);
}
