/**
 * What a node's state script printed (providers/ocfs2/o2cb-scripts.ts `stateScript`), parsed, and
 * the drift it shows against the model: one line per finding (`node02: o2cb offline`), so a
 * preview after a refresh names what changed and where.
 */
import { parseSections } from "../exec/node-exec";
import { wantedTimeouts } from "./o2cb-scripts";
import type { O2cbCluster } from "./o2cb-files";

/** One node's state. */
export interface NodeState {
  /** sha256 of /etc/ocfs2/cluster.conf ("" when missing). */
  confHash: string;
  /** The o2cb cluster is online. */
  online: boolean;
  /** The live timeouts (`31 30000 2000 2000`; `-` for one configfs lacks). */
  timeouts: string;
  /** The mount of the mount point (undefined when nothing is mounted there). */
  mount?: { fstype: string; options: string[]; uuid: string };
  /** The LUN as blkid and tunefs.ocfs2 see it (undefined when the device is missing). */
  volume?: { type: string; label: string; uuid: string; slots?: number; flags: string[] };
}

/** `KEY="value"` pairs of `findmnt -P` (values unescaped of `\x..`). */
function parsePairs(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/([A-Z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1] ?? ""] = (m[2] ?? "").replace(/\\x([0-9a-fA-F]{2})/g, (_s, h: string) =>
      String.fromCharCode(parseInt(h, 16)),
    );
  }
  return out;
}

/** `KEY=value` lines (blkid's export, the tunefs query). */
function parseAssignments(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Parses the state script's output. */
export function parseNodeState(stdout: string): NodeState {
  const s = parseSections(stdout);
  const first = (name: string) => (s[name] ?? []).map((l) => l.trim()).find((l) => l !== "") ?? "";
  const mountLine = first("mount");
  const pairs = parsePairs(mountLine);
  const vol = parseAssignments((s.volume ?? []).map((l) => l.trim()));
  const slots = vol.SLOTS !== undefined && /^\d+$/.test(vol.SLOTS) ? Number(vol.SLOTS) : undefined;
  return {
    confHash: first("conf"),
    online: first("online") === "yes",
    timeouts: first("timeouts"),
    ...(mountLine !== ""
      ? {
          mount: {
            fstype: pairs.FSTYPE ?? "",
            options: (pairs.OPTIONS ?? "").split(",").filter((o) => o !== ""),
            uuid: pairs.UUID ?? "",
          },
        }
      : {}),
    ...(Object.keys(vol).length > 0
      ? {
          volume: {
            type: vol.TYPE ?? "",
            label: vol.LABEL ?? "",
            uuid: vol.UUID ?? "",
            ...(slots !== undefined ? { slots } : {}),
            flags: (vol.FLAGS ?? "").split(/\s+/).filter((f) => f !== ""),
          },
        }
      : {}),
  };
}

/** What a node should show. */
export interface Wanted {
  cluster: O2cbCluster;
  /** sha256 of the rendered cluster.conf. */
  confHash: string;
  mountPoint: string;
  label: string;
  slots: number;
  /** The volume's UUID as created (empty while unknown). */
  uuid: string;
}

/** Normalises an OCFS2 UUID for comparison (blkid prints it with dashes, the tools without). */
export function sameUuid(a: string, b: string): boolean {
  const n = (u: string) => u.replace(/-/g, "").toLowerCase();
  return n(a) === n(b);
}

/** The drift one node shows: an empty list when it is as wanted. */
export function nodeDrift(node: string, st: NodeState, w: Wanted): string[] {
  const out: string[] = [];
  if (st.confHash !== w.confHash)
    out.push(`${node}: cluster.conf ${st.confHash === "" ? "missing" : "differs from the model"}`);
  if (!st.online) out.push(`${node}: o2cb cluster ${w.cluster.clusterName} offline`);
  else if (st.timeouts !== wantedTimeouts(w.cluster))
    out.push(`${node}: live timeouts ${st.timeouts} (want ${wantedTimeouts(w.cluster)})`);
  const m = st.mount;
  if (m === undefined) out.push(`${node}: ${w.mountPoint} not mounted`);
  else {
    if (m.fstype !== "ocfs2") out.push(`${node}: ${w.mountPoint} is ${m.fstype}, not ocfs2`);
    if (!m.options.includes("rw")) out.push(`${node}: ${w.mountPoint} mounted read-only`);
    if (!m.options.includes("heartbeat=local"))
      out.push(`${node}: ${w.mountPoint} mounted without heartbeat=local (${m.options.join(",")})`);
    if (w.uuid !== "" && m.uuid !== "" && !sameUuid(m.uuid, w.uuid))
      out.push(`${node}: ${w.mountPoint} mounts volume ${m.uuid}, not ${w.uuid}`);
  }
  return out;
}

/** The drift of the volume itself (from one node's view of the LUN). */
export function volumeDrift(st: NodeState, w: Wanted): string[] {
  const v = st.volume;
  if (v === undefined) return ["volume: the LUN's device is missing"];
  if (v.type !== "ocfs2") return [`volume: the LUN holds ${v.type === "" ? "no file system" : v.type}`];
  const out: string[] = [];
  if (v.label !== w.label) out.push(`volume: label ${v.label} (want ${w.label})`);
  if (w.uuid !== "" && !sameUuid(v.uuid, w.uuid)) out.push(`volume: UUID ${v.uuid} (was ${w.uuid})`);
  if (v.slots !== undefined && v.slots < w.slots) out.push(`volume: ${v.slots} slots (want ${w.slots})`);
  if (v.flags.includes("local")) out.push("volume: in local mode");
  return out;
}
