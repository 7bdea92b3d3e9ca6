/**
 * Parser of `findmnt -J -o TARGET,SOURCE,FSTYPE` (util-linux 2.38): `{"filesystems": [{target,
 * source, fstype, children?}]}`, a tree of mounts; flattened here.
 */

/** One mounted file system. */
export interface Mount {
  target: string;
  source: string;
  fstype: string;
}

interface FindmntEntry {
  target?: unknown;
  source?: unknown;
  fstype?: unknown;
  children?: unknown;
}

function flatten(entries: unknown): Mount[] {
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((e: FindmntEntry) => [
    { target: String(e.target ?? ""), source: String(e.source ?? ""), fstype: String(e.fstype ?? "") },
    ...flatten(e.children),
  ]);
}

/** Every mount of `findmnt -J` output, depth first; throws when the text is not its JSON. */
export function parseFindmnt(text: string): Mount[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`findmnt printed no JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const filesystems =
    typeof raw === "object" && raw !== null ? (raw as { filesystems?: unknown }).filesystems : undefined;
  if (!Array.isArray(filesystems)) throw new Error("findmnt -J: no filesystems list");
  return flatten(filesystems);
}
