/**
 * Parsers of the GlusterFS CLI's `--xml` output (glusterfs 10; cli/src/cli-xml-output.c). Every
 * answer is a `<cliOutput>` with `<opRet>` (0 = success), `<opErrno>` and `<opErrstr>` (empty or
 * `(null)` on success), then the command's element.
 *
 * Shapes worth knowing:
 * - Every value is read as a string (fast-xml-parser's number conversion is off), so a volume
 *   named `1e5` or a brick path of digits survives.
 * - Any repeated element comes back as an object when it occurs once and as an array otherwise;
 *   {@link elements} takes both.
 * - A brick of `volume info` carries its name twice, as text and as `<name>`, next to the
 *   attribute `uuid` and the children `hostUuid` and `isArbiter`.
 * - In `pool list` the local node is the entry with hostname `localhost`; it has no `<hostnames>`.
 * - `volume status` lists the daemons (Self-heal Daemon, NFS Server, …) as `<node>`s too, with a
 *   host name (not a path) in `<path>`. gluster/glusterfs#4420 reports the daemon entries changing
 *   shape after 10.5 → 11.1 (repeated `<hostname>`/`<path>` pairs); a `<node>` whose fields
 *   repeat is skipped as well.
 * - Without glusterd the CLI prints a plain-text error instead of XML.
 */
import { attr, elements, type XmlElement } from "../../libvirt/virsh";
import { child, parseStringXml, texts } from "../../core/xml-strings";

/** A volume of `gluster --xml volume info`. */
export interface GlusterVolumeInfo {
  name: string;
  /** Volume UUID. */
  id: string;
  /** status 1 (Started). */
  started: boolean;
  /** statusStr: Created, Started or Stopped. */
  status: string;
  replica: number;
  arbiter: number;
  /** "tcp" for 0, "rdma" for 1, "tcp,rdma" for 2. */
  transport: string;
  /** All bricks, arbiters included, as `host:/path` in the volume's order. */
  bricks: string[];
  /** The arbiter bricks among {@link GlusterVolumeInfo.bricks}. */
  arbiterBricks: string[];
  /** Reconfigured options (`gluster volume set`), name → value. */
  options: Record<string, string>;
}

/** A node of `gluster --xml pool list`. */
export interface GlusterPeer {
  uuid: string;
  /** The name the peer was probed with; `localhost` for the node that answered. */
  hostname: string;
  /** Every name glusterd knows the peer by (`[]` for the local node). */
  hostnames: string[];
  connected: boolean;
  /** The node that answered (hostname `localhost`). */
  self: boolean;
}

/** A brick of `gluster --xml volume status VOL` (daemons are left out). */
export interface GlusterBrickStatus {
  hostname: string;
  path: string;
  online: boolean;
  /** Brick process id; -1 when the brick is offline. */
  pid: number;
}

/** A decimal integer child, or `fallback` when absent or not a number. */
function int(node: XmlElement | undefined, key: string, fallback: number): number {
  const text = attr(node, key);
  return /^-?\d+$/.test(text) ? Number(text) : fallback;
}

/** `<cliOutput>` of a CLI answer, or the reason there is none. */
function cliOutput(xml: string): { root: XmlElement } | { error: string } {
  let doc: XmlElement;
  try {
    doc = parseStringXml(xml);
  } catch (err) {
    return { error: `gluster printed malformed XML (${err instanceof Error ? err.message : String(err)})` };
  }
  const root = child(doc, "cliOutput");
  if (!root) {
    const first = xml.trim().split("\n")[0] ?? "";
    return { error: first ? `gluster printed no XML: ${first}` : "gluster printed nothing" };
  }
  return { root };
}

/** The error of a parsed answer, `undefined` when opRet is 0. */
function errorOf(out: { root: XmlElement } | { error: string }): string | undefined {
  if ("error" in out) return out.error;
  const ret = attr(out.root, "opRet");
  if (ret === "0") return undefined;
  const errstr = attr(out.root, "opErrstr").trim();
  if (errstr !== "" && errstr !== "(null)") return errstr;
  return `gluster failed (opRet ${ret || "missing"}, opErrno ${attr(out.root, "opErrno") || "missing"})`;
}

/**
 * The error of a CLI answer: `opErrstr` (or opRet/opErrno when that is empty) when `opRet` is not
 * 0, a description when the output is no `<cliOutput>` at all; `undefined` on success (a success
 * may still carry an informational opErrstr, e.g. "No peers present").
 */
export function glusterXmlError(xml: string): string | undefined {
  return errorOf(cliOutput(xml));
}

/** `<cliOutput>` of a successful answer; throws with the CLI's error otherwise. */
function successful(xml: string, command: string): XmlElement {
  const out = cliOutput(xml);
  const error = errorOf(out);
  if (error !== undefined || "error" in out) throw new Error(`gluster ${command}: ${error ?? "no output"}`);
  return out.root;
}

const TRANSPORTS = ["tcp", "rdma", "tcp,rdma"];

/** Parses `gluster --xml volume info [VOL]`; throws with the CLI's error string when opRet ≠ 0. */
export function parseVolumeInfoXml(xml: string): GlusterVolumeInfo[] {
  const root = successful(xml, "volume info");
  const volumes = elements(child(child(root, "volInfo"), "volumes"), "volume");
  return volumes.map((v) => {
    const bricks = elements(child(v, "bricks"), "brick").map((b) => ({
      name: attr(b, "name") || attr(b, "#text"),
      arbiter: attr(b, "isArbiter") === "1",
    }));
    // fromEntries defines own properties, so no option name can reach the prototype.
    const options: Record<string, string> = Object.fromEntries(
      elements(child(v, "options"), "option").map((o) => [attr(o, "name"), attr(o, "value")]),
    );
    const transport = attr(v, "transport");
    return {
      name: attr(v, "name"),
      id: attr(v, "id"),
      started: attr(v, "status") === "1",
      status: attr(v, "statusStr"),
      replica: int(v, "replicaCount", 1),
      arbiter: int(v, "arbiterCount", 0),
      transport: TRANSPORTS[Number(transport)] ?? transport,
      bricks: bricks.map((b) => b.name),
      arbiterBricks: bricks.filter((b) => b.arbiter).map((b) => b.name),
      options,
    };
  });
}

/** Parses `gluster --xml pool list` (all nodes, the local one as `localhost`). */
export function parsePoolListXml(xml: string): GlusterPeer[] {
  const root = successful(xml, "pool list");
  return elements(child(root, "peerStatus"), "peer").map((p) => {
    const hostname = attr(p, "hostname");
    return {
      uuid: attr(p, "uuid"),
      hostname,
      hostnames: texts(child(p, "hostnames"), "hostname"),
      connected: attr(p, "connected") === "1",
      self: hostname === "localhost",
    };
  });
}

/**
 * Parses `gluster --xml volume status VOL`: the bricks only (entries whose path is not absolute
 * are the daemons: Self-heal Daemon, NFS Server, Quota Daemon, …).
 */
export function parseVolumeStatusXml(xml: string): GlusterBrickStatus[] {
  const root = successful(xml, "volume status");
  const volumes = elements(child(child(root, "volStatus"), "volumes"), "volume");
  return volumes.flatMap((v) =>
    elements(v, "node")
      .map((n) => ({
        hostname: attr(n, "hostname"),
        path: attr(n, "path"),
        online: attr(n, "status") === "1",
        pid: int(n, "pid", -1),
      }))
      .filter((n) => n.path.startsWith("/") && n.hostname !== ""),
  );
}
