/**
 * Installing rendered files from a setup script: each file travels inside the script as a quoted
 * here-document and replaces the file on the machine only when its bytes differ, so a re-run
 * changes nothing (and does not touch the modification time ldirectord's autoreload watches) and
 * the script knows what changed (to reload only what has to be).
 */

/** The here-document delimiter of {@link putFile}; no file line may equal it. */
export const FILE_DELIMITER = "KVMLAB_FILE";

/**
 * Shell function `put PATH MODE FLAG`: installs stdin at PATH with MODE (directories made) when it
 * differs from what is there, and then sets the variable named FLAG to 1.
 */
export const PUT_FUNCTION = `put() {
  local tmp="$1.kvmlab-new"
  install -D -m "$2" /dev/stdin "$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; printf -v "$3" 1; fi
}`;

/** Options of {@link putFile}. */
export interface PutFileOptions {
  /** File mode (octal text), e.g. `0644`. */
  mode: string;
  /** Name of the shell variable set to 1 when the file changed (initialise it to 0 first). */
  flag: string;
  /**
   * Expand `${NAME}` references to shell variables in the content (an unquoted here-document).
   * The content may then hold no other `$`, backquote or backslash.
   */
  expand?: boolean;
}

/**
 * Shell lines that install `content` at `path` through {@link PUT_FUNCTION} (the script defines
 * it). Throws when the content does not end with a newline, holds the delimiter line, or (with
 * `expand`) shell syntax other than `${NAME}`.
 */
export function putFile(path: string, content: string, opts: PutFileOptions): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(path))
    throw new Error(`putFile: ${JSON.stringify(path)} is not a plain absolute path`);
  if (!/^[0-7]{4}$/.test(opts.mode))
    throw new Error(`putFile ${path}: mode ${JSON.stringify(opts.mode)} is not octal`);
  if (!/^[a-z_][a-z0-9_]*$/.test(opts.flag))
    throw new Error(`putFile ${path}: ${JSON.stringify(opts.flag)} is not a variable name`);
  if (!content.endsWith("\n")) throw new Error(`putFile ${path}: the content must end with a newline`);
  if (content.split("\n").includes(FILE_DELIMITER)) {
    throw new Error(
      `putFile ${path}: a line of the content is the here-document delimiter ${FILE_DELIMITER}`,
    );
  }
  if (opts.expand === true && /[`\\]|\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})/.test(content)) {
    throw new Error(`putFile ${path}: an expanded file may hold no shell syntax other than \${NAME}`);
  }
  const delimiter = opts.expand === true ? FILE_DELIMITER : `'${FILE_DELIMITER}'`;
  return `put ${path} ${opts.mode} ${opts.flag} <<${delimiter}\n${content}${FILE_DELIMITER}`;
}
