/** Reading rendered XML back: the parser of the libvirt renderer tests and untyped-record helpers. */
import { XMLParser } from "fast-xml-parser";

/** libvirt XML with attributes as `@_name`; disks and interfaces always as arrays. */
export const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  isArray: (name) => ["disk", "interface"].includes(name),
});

/** The parsed document as a plain record (parse results are untyped). */
export type Parsed = Record<string, unknown>;
export const rec = (v: unknown): Parsed => v as Parsed;
export const recs = (v: unknown): Parsed[] => v as Parsed[];
