/**
 * XML of the cluster and storage CLIs (cibadmin, crm_mon, gluster --xml) read with every value as
 * a string: fast-xml-parser's number conversion would turn a volume named `1e5` into 100000.
 * Shared by the parsers in this directory; element access goes through virsh.ts's helpers.
 */
import { XMLParser } from "fast-xml-parser";
import { attr, elements, type XmlElement } from "../libvirt/virsh";

/** Parses `xml` with attributes kept (`@_name`) and no value conversion. */
export function parseStringXml(xml: string): XmlElement {
  // Made per call: a parser at module level would be serialised with every provider.
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    parseAttributeValue: false,
  });
  return parser.parse(xml) as XmlElement;
}

/** The first element at `key` (or `undefined`). */
export function child(node: XmlElement | undefined, key: string): XmlElement | undefined {
  return elements(node, key)[0];
}

/** The trimmed, non-empty texts of the children at `key` (text-only elements parse as strings). */
export function texts(node: XmlElement | undefined, key: string): string[] {
  const value: unknown = node?.[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? (value as unknown[]) : [value])
    .map((v) => (typeof v === "object" && v !== null ? attr(v as XmlElement, "#text") : String(v)).trim())
    .filter((v) => v !== "");
}
