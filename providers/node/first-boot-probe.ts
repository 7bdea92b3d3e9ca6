/**
 * What a node's first boot set up, read back in one probe (NodeFiles' `read`): the seed's files
 * and /root/.ssh, the host name, the network (providers/node/node-network.ts), chrony, sshd's
 * effective login settings, the units the image keeps off at boot, and whether cloud-init
 * finished without error and made the seed's marker; on a node of the built image, the files the
 * image fixes (image-files.ts). {@link firstBootProbe} renders the probe, {@link parseFirstBoot}
 * parses it, {@link firstBootDrift} compares it with what the seed and the image render.
 */
import { createHash } from "node:crypto";
import { parseSections } from "../exec/node-exec";
import { IMAGE_FILES_PROBE, staleImageFiles } from "./image-files";
import { shellQuote } from "../exec/ssh";
import { CLOUD_INIT_DONE_MARKER, type SeedFile } from "./cloud-init";
import type { CloudInitInterface } from "./cloud-init-disk";
import { NETWORK_PROBE, parseNetwork, planNetwork, type LiveNetwork, type NetworkPlan } from "./node-network";
import { activeNow, enabledAtBoot, parseUnitStates, unitStatesProbe, type UnitState } from "./unit-states";

/** root's SSH directory and how the seed leaves it (`runcmd`: `chmod 0700`). */
export const SSH_DIR = { path: "/root/.ssh", mode: "700", owner: "root:root" } as const;

/** chrony's configuration file, whose `server` lines cloud-init renders from `timeServers`. */
export const CHRONY_CONF = "/etc/chrony/chrony.conf";

/** The chrony unit (Debian's name). */
export const CHRONY_UNIT = "chrony";

/** sshd's effective settings the seed decides (`ssh_pwauth: false`, `disable_root: false`). */
export const SSHD_WANTED: Record<string, readonly string[]> = {
  passwordauthentication: ["no"],
  // Root by key only: OpenSSH prints either name of the same setting.
  permitrootlogin: ["prohibit-password", "without-password"],
};

/** What the seed renders for a node, as the probe compares it. */
export interface FirstBootDesired {
  files: readonly SeedFile[];
  hostname: string;
  interfaces: readonly CloudInitInterface[];
  timeServers: readonly string[];
  /** Units the image leaves disabled at boot that nothing in the lab enables on this node. */
  offAtBoot: readonly string[];
  /** The node boots the lab's built image: its root fstab line and datasource file are checked (image-files.ts). */
  labImage: boolean;
  /** The address the program reaches the node on. */
  managementAddress: string;
}

/** The files part of the probe: per file, `<sha256> <mode> <owner:group> <path>`, or `missing <path>`. */
export function stateScript(files: readonly Pick<SeedFile, "path">[]): string {
  return `for f in ${files.map((f) => shellQuote(f.path)).join(" ")}; do
  if [ -f "$f" ]; then
    printf '%s %s %s\\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c '%a %U:%G' "$f")" "$f"
  else
    printf 'missing %s\\n' "$f"
  fi
done`;
}

/** The probe: `== <section>` blocks, one per fact. Never fails. */
export function firstBootProbe(desired: Pick<FirstBootDesired, "files" | "offAtBoot" | "labImage">): string {
  return `echo "== files"
${stateScript(desired.files)}
echo "== ssh-dir"
if [ -d ${SSH_DIR.path} ]; then stat -c '%a %U:%G' ${SSH_DIR.path}; else echo missing; fi
echo "== hostname"
hostname 2>/dev/null || true
head -n 1 /etc/hostname 2>/dev/null || true
${NETWORK_PROBE}
echo "== chrony"
grep -E '^(server|pool|peer)[[:space:]]' ${CHRONY_CONF} 2>/dev/null || true
echo "== units"
${unitStatesProbe([CHRONY_UNIT, ...desired.offAtBoot])}
echo "== sshd"
sshd -T 2>/dev/null | grep -E '^(${Object.keys(SSHD_WANTED).join("|")}) ' || true
echo "== cloud-init"
if [ -f /run/cloud-init/result.json ]; then
  if grep -Eq '"errors": \\[\\]' /run/cloud-init/result.json; then echo "status 0"; else echo "status 1"; fi
else
  echo "status running"
fi
if [ -f ${CLOUD_INIT_DONE_MARKER} ]; then echo "marker yes"; else echo "marker no"; fi${desired.labImage ? `\n${IMAGE_FILES_PROBE}` : ""}`;
}

/** One file as the probe found it (no sha256 when it is missing). */
export interface FileState {
  path: string;
  sha256?: string;
  mode?: string;
  owner?: string;
}

/** The node as the probe found it. */
export interface FirstBootState {
  files: FileState[];
  /** `<mode> <owner:group>` of /root/.ssh, or `missing`. */
  sshDir: string;
  /** The running host name and the first line of /etc/hostname. */
  hostname: { running: string; file: string };
  network: LiveNetwork;
  /** chrony's `server`/`pool`/`peer` lines, as `<kind> <name>`. */
  chronySources: string[];
  units: Record<string, UnitState>;
  /** sshd's effective settings the probe asked for. */
  sshd: Record<string, string>;
  /** cloud-init's status exit code (`running` when it has not finished) and the seed's marker. */
  cloudInit: { status: string; marker: boolean };
  /** The built image's files that differ (image-files.ts), when the probe read them. */
  staleImageFiles?: string[];
}

/** Parses the output of {@link stateScript}. */
export function parseFileStates(stdout: string): FileState[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const missing = /^missing (.+)$/.exec(line);
      if (missing) return { path: missing[1] ?? "" };
      const [sha256 = "", mode = "", owner = "", ...rest] = line.split(" ");
      return { path: rest.join(" "), sha256, mode, owner };
    });
}

/** Parses the output of {@link firstBootProbe}. */
export function parseFirstBoot(stdout: string): FirstBootState {
  const s = parseSections(stdout);
  const lines = (name: string) => (s[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  const [running = "", file = ""] = lines("hostname");
  const sshd: Record<string, string> = {};
  for (const line of lines("sshd")) {
    const [key = "", ...value] = line.split(/\s+/);
    sshd[key] = value.join(" ");
  }
  const cloudInit = lines("cloud-init");
  return {
    files: parseFileStates(lines("files").join("\n")),
    sshDir: lines("ssh-dir")[0] ?? "missing",
    hostname: { running, file },
    network: parseNetwork(s),
    chronySources: lines("chrony").map((l) => l.split(/\s+/).slice(0, 2).join(" ")),
    units: parseUnitStates(lines("units")),
    sshd,
    cloudInit: {
      status: (cloudInit.find((l) => l.startsWith("status ")) ?? "status running").slice("status ".length),
      marker: cloudInit.includes("marker yes"),
    },
    ...(s["root-fstab"] !== undefined ? { staleImageFiles: staleImageFiles(s) } : {}),
  };
}

/** A mode as `stat -c %a` prints it: `0644` → `644`. */
export function statMode(permissions: string): string {
  return Number.parseInt(permissions, 8).toString(8);
}

/** The paths of `files` that the node does not hold as rendered (missing, other content, mode or owner). */
export function staleFiles(files: readonly SeedFile[], found: readonly FileState[]): string[] {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  return files
    .filter((f) => {
      const s = found.find((x) => x.path === f.path);
      return (
        s === undefined ||
        s.sha256 !== sha(f.content) ||
        s.mode !== statMode(f.permissions) ||
        s.owner !== f.owner
      );
    })
    .map((f) => f.path);
}

/** How the node differs from what its seed renders. */
export interface FirstBootDrift {
  /** Seed files to write (their paths), and whether /root/.ssh lost its mode or owner. */
  staleFiles: string[];
  sshDirStale: boolean;
  hostnameStale: boolean;
  network: NetworkPlan;
  timeSyncStale: boolean;
  sshdStale: boolean;
  /** Units of `offAtBoot` that are enabled at boot. */
  enabledOffUnits: string[];
  /** cloud-init had errors (`error`), has not finished (`running`), or finished fine (`ok`). */
  cloudInit: "ok" | "error" | "running";
  markerMissing: boolean;
  /** The built image's files that differ (a node of the built image only). */
  imageFilesStale: string[];
}

/** Compares the probed node with what its seed renders. */
export function firstBootDrift(desired: FirstBootDesired, state: FirstBootState): FirstBootDrift {
  const servers = state.chronySources;
  const wantedServers = [...new Set(desired.timeServers)].map((s) => `server ${s}`);
  const chrony = state.units[CHRONY_UNIT];
  const status = state.cloudInit.status;
  return {
    staleFiles: staleFiles(desired.files, state.files),
    sshDirStale: state.sshDir !== `${SSH_DIR.mode} ${SSH_DIR.owner}`,
    hostnameStale: state.hostname.running !== desired.hostname || state.hostname.file !== desired.hostname,
    network: planNetwork(desired.interfaces, state.network, desired.managementAddress),
    timeSyncStale:
      servers.length !== wantedServers.length ||
      !wantedServers.every((s) => servers.includes(s)) ||
      !enabledAtBoot(chrony) ||
      !activeNow(chrony),
    sshdStale: Object.entries(SSHD_WANTED).some(([key, ok]) => !ok.includes(state.sshd[key] ?? "")),
    enabledOffUnits: desired.offAtBoot.filter((u) => enabledAtBoot(state.units[u])),
    // 2: recoverable errors only (cloud-init 23.4 on), no failure.
    cloudInit: status === "0" || status === "2" ? "ok" : status === "running" ? "running" : "error",
    markerMissing: !state.cloudInit.marker,
    imageFilesStale: desired.labImage ? (state.staleImageFiles ?? []) : [],
  };
}
