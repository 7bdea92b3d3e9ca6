/**
 * What a node's state script printed (providers/ocfs2/o2cb-scripts.ts `stateScript`), parsed, and
 * the drift it shows against the model: one line per finding (`node02: o2cb offline`), so a
 * preview after a refresh names what changed and where.
 */
import { holdsRendered, parseFileDigests } from "../exec/file-digests";
import { parseSections } from "../exec/node-exec";
import { wantedTimeouts } from "./o2cb-scripts";
import {
  liveMountOptions,
  O2CB_DEFAULTS_PATH,
  OCFS2_SYSCTL_PATH,
  OCFS2_SYSCTLS,
  renderO2cbDebconf,
  renderO2cbDefaults,
  renderOcfs2Fstab,
  renderOcfs2Sysctl,
  type O2cbCluster,
  type Ocfs2Mount,
} from "./o2cb-files";

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
  /** sha256 of /etc/default/o2cb and of the sysctl file by path ("" when missing). */
  files: Record<string, string>;
  /** ocfs2-tools' debconf answers (`ocfs2-tools/clustername` → `ocfs2`). */
  debconf: Record<string, string>;
  /** The live kernel settings (`kernel.panic` → `30`, `missing` when unreadable). */
  sysctls: Record<string, string>;
  /** `systemctl is-enabled o2cb.service` ("" when it printed nothing). */
  enabled: string;
  /** The fstab lines of the mount point. */
  fstab: string[];
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

/** debconf answers as `debconf-show` prints them (`* ocfs2-tools/init: true`, `*` when seen) or as selections. */
function parseDebconf(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const shown = /^\*?\s*([^\s:]+):\s?(.*)$/.exec(line.trim());
    if (shown) out[shown[1] ?? ""] = shown[2] ?? "";
  }
  return out;
}

/** The answers of {@link renderO2cbDebconf} (`package question type value` lines) by question. */
function wantedDebconf(c: O2cbCluster): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of renderO2cbDebconf(c)
    .split("\n")
    .filter((l) => l !== "")) {
    const [, question = "", , ...value] = line.split(" ");
    out[question] = value.join(" ");
  }
  return out;
}

/** Parses the state script's output. */
export function parseNodeState(stdout: string): NodeState {
  const s = parseSections(stdout);
  const lines = (name: string) => (s[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  const first = (name: string) => lines(name)[0] ?? "";
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
    files: parseFileDigests(lines("files")),
    debconf: parseDebconf(lines("debconf")),
    sysctls: Object.fromEntries(
      lines("sysctl").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    ),
    enabled: first("enabled"),
    fstab: lines("fstab").map((l) => l.split(/\s+/).join(" ")),
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
  /** The volume's fstab entry and mount. */
  mount: Ocfs2Mount;
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

/** The drift of a node's o2cb files, debconf answers, kernel settings, boot state and fstab line. */
function configDrift(node: string, st: NodeState, w: Wanted): string[] {
  const out: string[] = [];
  for (const [path, content] of [
    [O2CB_DEFAULTS_PATH, renderO2cbDefaults(w.cluster)],
    [OCFS2_SYSCTL_PATH, renderOcfs2Sysctl()],
  ] as const) {
    if (!holdsRendered(st.files, path, content))
      out.push(`${node}: ${path} ${st.files[path] ? "differs from the model" : "missing"}`);
  }
  for (const [question, value] of Object.entries(wantedDebconf(w.cluster))) {
    const found = st.debconf[question];
    if (found !== value)
      out.push(
        `${node}: debconf ${question} is ${found === undefined ? "unset" : JSON.stringify(found)} (want ${value})`,
      );
  }
  for (const [key, value] of OCFS2_SYSCTLS) {
    if (st.sysctls[key] !== value)
      out.push(`${node}: ${key} is ${st.sysctls[key] ?? "missing"} (want ${value})`);
  }
  if (st.enabled !== "enabled")
    out.push(`${node}: o2cb.service not enabled at boot (${st.enabled === "" ? "unknown" : st.enabled})`);
  const line = renderOcfs2Fstab(w.mount);
  const mp = w.mount.mountPoint;
  if (st.fstab.length === 0) out.push(`${node}: no fstab line for ${mp}`);
  else if (st.fstab.length > 1 || st.fstab[0] !== line)
    out.push(`${node}: fstab line for ${mp} differs from the model (${st.fstab.join(" | ")})`);
  return out;
}

/** The drift one node shows: an empty list when it is as wanted. */
export function nodeDrift(node: string, st: NodeState, w: Wanted): string[] {
  const out: string[] = [];
  const mp = w.mount.mountPoint;
  if (st.confHash !== w.confHash)
    out.push(`${node}: cluster.conf ${st.confHash === "" ? "missing" : "differs from the model"}`);
  if (!st.online) out.push(`${node}: o2cb cluster ${w.cluster.clusterName} offline`);
  else if (st.timeouts !== wantedTimeouts(w.cluster))
    out.push(`${node}: live timeouts ${st.timeouts} (want ${wantedTimeouts(w.cluster)})`);
  out.push(...configDrift(node, st, w));
  const m = st.mount;
  if (m === undefined) out.push(`${node}: ${mp} not mounted`);
  else if (m.fstype !== "ocfs2") out.push(`${node}: ${mp} is ${m.fstype}, not ocfs2`);
  else {
    for (const option of liveMountOptions(w.mount).filter((o) => !m.options.includes(o))) {
      if (option === "rw") out.push(`${node}: ${mp} mounted read-only`);
      else if (option === "heartbeat=local")
        out.push(`${node}: ${mp} mounted without heartbeat=local (${m.options.join(",")})`);
      else out.push(`${node}: ${mp} mounted without ${option}`);
    }
    if (w.uuid !== "" && m.uuid !== "" && !sameUuid(m.uuid, w.uuid))
      out.push(`${node}: ${mp} mounts volume ${m.uuid}, not ${w.uuid}`);
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
