/**
 * A libvirt definition read back against the XML the program renders: only what the rendered
 * document holds is compared, so what libvirt adds to a definition (addresses, controllers, its
 * defaults, the versioned machine type) is not drift, while every element, attribute and text the
 * program renders must be in the live document with the same value. Both documents are parsed the
 * same way (every value a string), and lists are compared in order.
 */
import { parseStringXml } from "../core/xml-strings";
import type { XmlElement } from "./virsh";

/** How {@link renderedDifferences} compares. */
export interface XmlDriftOptions {
  /**
   * Paths without list positions (`domain/memory`, `domain/devices/interface/mac`) left out: read
   * by a field of their own.
   */
  ignore?: readonly string[];
  /**
   * Whether a live value counts as the rendered one where libvirt rewrites it (e.g. `pc` →
   * `pc-i440fx-7.2`); the path is without list positions.
   */
  same?: (path: string, rendered: string, live: string) => boolean;
}

type Node = XmlElement | string | number | undefined | Node[];

/** A list of the element(s) at a key (a single element is a list of one). */
function listOf(value: Node): Node[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of an element: itself when text only, its `#text` when it has attributes too. */
function textOf(value: Node): string | undefined {
  if (value === undefined || Array.isArray(value)) return undefined;
  if (typeof value !== "object") return String(value);
  const text = value["#text"];
  return text === undefined ? "" : String(text as string);
}

/** A path without its list positions (`domain/devices/interface[1]/mac` → `domain/devices/interface/mac`). */
function bare(path: string): string {
  return path.replace(/\[\d+\]/g, "");
}

function compare(rendered: Node, live: Node, path: string, opts: XmlDriftOptions, out: string[]): void {
  if (opts.ignore?.includes(bare(path))) return;
  if (Array.isArray(rendered) || Array.isArray(live)) {
    const want = listOf(rendered);
    const have = listOf(live);
    want.forEach((w, i) => compare(w, have[i], want.length > 1 ? `${path}[${i}]` : path, opts, out));
    return;
  }
  if (live === undefined) {
    out.push(path);
    return;
  }
  if (rendered === undefined) return;
  if (typeof rendered !== "object") {
    const want = String(rendered);
    const have = textOf(live) ?? "";
    if (want !== have && !(opts.same?.(bare(path), want, have) ?? false)) out.push(path);
    return;
  }
  const liveElement: XmlElement = typeof live === "object" ? live : { "#text": String(live) };
  for (const [key, value] of Object.entries(rendered)) {
    const child = key.startsWith("@_")
      ? `${path}/@${key.slice(2)}`
      : key === "#text"
        ? path
        : `${path}/${key}`;
    compare(value as Node, liveElement[key] as Node, child, opts, out);
  }
}

/**
 * The paths (`domain/os/cmdline`, `network/bridge/@stp`, `domain/devices/disk[1]/source/@file`)
 * where `live` does not hold what `rendered` does; empty when it holds all of it.
 */
export function renderedDifferences(rendered: string, live: string, opts: XmlDriftOptions = {}): string[] {
  const out: string[] = [];
  const want = parseStringXml(rendered);
  const have = parseStringXml(live);
  for (const [key, value] of Object.entries(want)) {
    if (key.startsWith("?")) continue;
    compare(value as Node, have[key] as Node, key, opts, out);
  }
  return out;
}
