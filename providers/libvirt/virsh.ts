/**
 * virsh on the KVM host: the one place that builds virsh command lines, tells "no such object"
 * apart from real failures, and parses the few outputs the providers read.
 */
import { XMLParser } from "fast-xml-parser";
import { runOnHost, type HostRunOptions } from "../exec/host-exec";
import { isRemoteCommandError, shellJoin } from "../exec/ssh";

/** The command line `virsh -q -c <uri> <args…>`, quoted. */
export function virshCommand(uri: string, args: readonly string[]): string {
  return shellJoin(["virsh", "-q", "-c", uri, ...args]);
}

/** Runs one virsh command; returns its stdout. */
export async function virsh(
  uri: string,
  args: readonly string[],
  opts: HostRunOptions = {},
): Promise<string> {
  return (await runOnHost(virshCommand(uri, args), opts)).stdout;
}

/** True when a virsh failure says the object does not exist (domain, network). */
export function isNotFound(err: unknown): boolean {
  if (!isRemoteCommandError(err)) return false;
  return /failed to get (domain|network)|Domain not found|Network not found|no (domain|network) with matching/i.test(
    err.stderrTail,
  );
}

/** True when virsh could not reach libvirtd at all. */
export function isDaemonDown(err: unknown): boolean {
  return isRemoteCommandError(err) && /failed to connect to the hypervisor/i.test(err.stderrTail);
}

/**
 * Runs a read while libvirtd may be down (it is started by HostPrep, which a refresh reads in
 * parallel): with no daemon the object cannot be seen, so the read reports `whenDown` — the object
 * as not running — and the `up` that starts the daemon converges it (its create/update looks at the
 * live state first, so an object that is in fact running is left alone). Found live: after a host
 * restart libvirtd's stale runtime state marked the old domains "running" and so skipped their
 * autostart, then found them crashed; keeping the last known state (`running`) left them off.
 */
export async function unlessDaemonDown<T extends object, D extends object>(
  read: () => Promise<T | undefined>,
  whenDown: D,
): Promise<T | undefined | D> {
  try {
    return await read();
  } catch (err) {
    if (isDaemonDown(err)) return whenDown;
    throw err;
  }
}

/** Runs a virsh command that reads an object; `undefined` when the object does not exist. */
export async function virshIfExists(uri: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return await virsh(uri, args);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * The delete of a domain or network: its state read first — one libvirt does not know is gone
 * (libvirt says so, nothing is assumed) — stopped when it is active, then undefined (one that
 * vanished meanwhile, a transient one, is gone too). Any other virsh failure fails the delete with
 * virsh's words; libvirtd not answering, with the fix.
 */
export async function virshRemove(uri: string, kind: "domain" | "network", name: string): Promise<void> {
  const domain = kind === "domain";
  try {
    const state = await virshIfExists(uri, domain ? ["domstate", name] : ["net-info", name]);
    if (state === undefined) return;
    const active = domain ? state.trim() !== "shut off" : parseInfo(state).Active === "yes";
    if (active) await virsh(uri, [domain ? "destroy" : "net-destroy", name]);
    await virshIfExists(uri, [domain ? "undefine" : "net-undefine", name]);
  } catch (err) {
    if (!isDaemonDown(err)) throw err;
    throw new Error(
      `libvirtd does not answer at ${uri}: ${kind} ${name} cannot be removed. ` +
        `Fix: start libvirtd (systemctl start libvirtd, or \`pulumi up\` when the lab manages it), then run pulumi destroy again`,
    );
  }
}

/** Defines (or redefines) a network or domain from XML passed on stdin. */
export async function virshDefine(uri: string, what: "net" | "domain", xml: string): Promise<void> {
  // Through a file: virsh cannot open /dev/stdin when it is a socket (as Node's pipes are).
  const define = virshCommand(uri, [what === "net" ? "net-define" : "define"]);
  await runOnHost(`t=$(mktemp)\ntrap 'rm -f "$t"' EXIT\ncat >"$t"\n${define} "$t" >/dev/null`, {
    stdin: xml,
  });
}

/** Parses `virsh net-info`/`dominfo` style `Key: value` lines. */
export function parseInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) info[m[1].trim()] = m[2].trim();
  }
  return info;
}

/** An element of parsed libvirt XML (attributes under `@_`). */
export type XmlElement = { [key: string]: string | number | XmlElement | XmlElement[] | undefined };

/** Parses libvirt XML (a dumpxml) into plain objects. */
export function parseXml(xml: string): XmlElement {
  // Made per call: a parser at module level would be serialised with every provider.
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseAttributeValue: false,
  });
  return parser.parse(xml) as XmlElement;
}

/** The element or elements at `key` as a list. */
export function elements(node: XmlElement | undefined, key: string): XmlElement[] {
  const value = node?.[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is XmlElement => typeof v === "object" && v !== null,
  );
}

/** A string attribute (`@_name`) or text of an element, `""` when absent. */
export function attr(node: XmlElement | undefined, name: string): string {
  const value = node?.[`@_${name}`] ?? node?.[name];
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}
