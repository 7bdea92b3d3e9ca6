/**
 * HostSshd: an sshd listening on the KVM host's management address, where the nodes' fence_virsh
 * logs in, and the fence key authorised there restricted to the fence shell (virsh list/domstate/
 * start/destroy on the lab's own domains: providers/host/fence-shell.ts).
 *
 * `managed` hosts get a dedicated sshd whose config, host key, pid file and authorised keys all live
 * in `<stateDir>/sshd` (the machine's own sshd and ~/.ssh stay untouched). `external` hosts keep
 * their sshd: it must already listen on the address; the key goes into `~<user>/.ssh/authorized_keys`
 * as one line tagged with this stack's fence shell path, removed again on delete — root's own
 * authorized_keys, so that file is only ever edited through {@link EDIT_KEYS} (backed up, written
 * beside, verified, restored on failure: a failed edit must never lock root out).
 *
 * It comes after the management network: the address lives on that network's bridge.
 * `read` reports, in one probe, whether sshd listens, the key is authorised, the fence shell and
 * (managed) sshd_config are the rendered ones (sha256, the shell's mode) and the host key is the
 * recorded one, so each shows as drift. The update rewrites what differs (restarting a managed
 * sshd whose config changed) and records the live host key, which the nodes' fence_virsh meets.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { fileDigestsProbe, holdsRendered, parseFileDigests } from "../exec/file-digests";
import { progress, runOnHost } from "../exec/host-exec";
import { listens } from "../exec/listens";
import { hostField } from "./host-prep";
import { labKind } from "../core/kind";
import { renderFenceShell } from "./fence-shell";
import { renderSshdConfig, sshdPaths } from "./sshd-config";
import { shellQuote } from "../exec/ssh";
import { DAEMON_ALIVE, daemonRunning, stopDaemonScript } from "../exec/pid-file";

const schema = () =>
  z.object({
    host: hostField(),
    /** `managed`: a dedicated sshd for the lab; `external`: the host's own sshd must listen already. */
    daemon: z.enum(["managed", "external"]),
    /** The host's management address (sshd listens there). */
    address: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, "address must be an IPv4 address"),
    port: z.number().int().min(1).max(65535),
    /** fence_virsh's login on the host. */
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "user must be a user name"),
    /** Public key authorised for `user`, restricted to the fence shell. */
    fenceAuthorizedKey: z
      .string()
      .regex(/^ssh-ed25519 [A-Za-z0-9+/=]+( \S+)?$/, "must be one ssh-ed25519 public key line"),
    /** The lab's libvirt domain names (the only ones the fence key may query or power-cycle). */
    fenceDomains: z.array(z.string()).min(1, "fenceDomains must name the lab's domains"),
    /** Desired: sshd listens on address:port (read sets false when it does not). */
    listening: z.boolean().default(true),
    /** Desired: the fence key is authorised (read sets false when the line is gone). */
    keyAuthorised: z.boolean().default(true),
    /** Desired: the managed sshd's sshd_config is the rendered one (read sets false when not). */
    configCurrent: z.boolean().default(true),
    /** Desired: the fence shell is the rendered one, mode 0755 (read sets false when not). */
    fenceShellCurrent: z.boolean().default(true),
    /** Desired: the host key is the one recorded in `sshHostKey` (read sets false when it changed). */
    hostKeyCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a HostSshd, as its schema takes them (fields with a default are optional). */
export type HostSshdInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a HostSshd. */
export interface HostSshdOutputs {
  /** The host's SSH host key (`type base64`), for the nodes' known_hosts. */
  sshHostKey: string;
}

function dirOf(inputs: Pick<Inputs, "host">): string {
  return `${inputs.host.stateDir}/sshd`;
}

/** The authorized_keys line of the fence key. */
export function fenceKeyLine(fenceShellPath: string, publicKey: string): string {
  return `restrict,pty,command="${fenceShellPath}" ${publicKey.trim()}`;
}

/** What marks this stack's key line in an authorized_keys file (its fence shell). */
function fenceMarker(fenceShellPath: string): string {
  return `command="${fenceShellPath}"`;
}

/** Where the key line goes: the managed sshd's own file, or the user's ~/.ssh/authorized_keys. */
function authorizedKeysFile(inputs: Pick<Inputs, "host" | "daemon" | "user">): string {
  return inputs.daemon === "managed"
    ? `${sshdPaths(dirOf(inputs)).authorizedKeysDir}/${inputs.user}`
    : `$(getent passwd ${shellQuote(inputs.user)} | cut -d: -f6)/.ssh/authorized_keys`;
}

/**
 * Shell function `edit_keys FILE MARKER [LINE]`: FILE (an authorized_keys) without its lines that
 * hold MARKER, and with LINE at its end when given. On an `external` host that file is root's own
 * authorized_keys, so the edit is safe by construction:
 * - nothing is written when there is nothing to change;
 * - a backup is made (and compared) first, and kept until the new file is in place and verified;
 * - the new file is written beside the old one (same owner and mode) and verified against the
 *   backup read by another tool (awk, not grep): every other line, in order, then LINE — so it is
 *   never empty while the old file had other lines;
 * - it replaces the old one by a rename, is verified again in place, and any failure leaves (or
 *   puts back) the old file and says so on stderr (`kvmlab: …`), returning 1.
 */
export const EDIT_KEYS = `edit_keys() {
  local keys=$1 marker=$2 line=\${3-}
  local new="$keys.kvmlab-new" backup="$keys.kvmlab-backup" others ours rc=0
  expected() {
    awk -v m="$marker" 'index($0, m) == 0' "$backup" || return 1
    if [ -n "$line" ]; then printf '%s\\n' "$line"; fi
  }
  others=$(awk -v m="$marker" 'index($0, m) == 0 { n++ } END { print n + 0 }' "$keys") &&
    ours=$(awk -v m="$marker" 'index($0, m) > 0 { n++ } END { print n + 0 }' "$keys") &&
    [[ $others =~ ^[0-9]+$ && $ours =~ ^[0-9]+$ ]] ||
    { echo "kvmlab: cannot read $keys; it is unchanged" >&2; return 1; }
  if [ -z "$line" ] && [ "$ours" -eq 0 ]; then return 0; fi
  if [ -n "$line" ] && [ "$ours" -eq 1 ] && grep -qxF -- "$line" "$keys"; then return 0; fi
  rm -f -- "$new" "$backup"
  if ! { cp -p -- "$keys" "$backup" && cmp -s -- "$keys" "$backup"; }; then
    rm -f -- "$backup"
    echo "kvmlab: cannot back up $keys; it is unchanged" >&2
    return 1
  fi
  cp -p -- "$keys" "$new" || rc=1
  if [ $rc -eq 0 ]; then { grep -vF -- "$marker" "$keys" || [ $? -eq 1 ]; } >"$new" || rc=1; fi
  if [ $rc -eq 0 ] && [ -n "$line" ]; then printf '%s\\n' "$line" >>"$new" || rc=1; fi
  if [ $rc -eq 0 ]; then cmp -s -- "$new" <(expected) || rc=1; fi
  if [ $rc -eq 0 ] && [ "$others" -gt 0 ] && [ ! -s "$new" ]; then rc=1; fi
  if [ $rc -ne 0 ]; then
    rm -f -- "$new" "$backup"
    echo "kvmlab: cannot write the new $keys; it is unchanged" >&2
    return 1
  fi
  if ! mv -f -- "$new" "$keys"; then
    rm -f -- "$new"
    if cmp -s -- "$keys" "$backup" || { cp -p -- "$backup" "$keys" && cmp -s -- "$keys" "$backup"; }; then
      rm -f -- "$backup"
      echo "kvmlab: cannot replace $keys; it is unchanged" >&2
    else
      echo "kvmlab: cannot replace $keys, nor put it back: the old file is $backup. Fix: mv $backup $keys" >&2
    fi
    return 1
  fi
  if ! cmp -s -- "$keys" <(expected); then
    if cp -p -- "$backup" "$keys" && cmp -s -- "$keys" "$backup"; then
      rm -f -- "$backup"
      echo "kvmlab: $keys was not written as expected; the old file is back" >&2
    else
      echo "kvmlab: $keys was not written as expected, nor put back: the old file is $backup. Fix: mv $backup $keys" >&2
    fi
    return 1
  fi
  rm -f -- "$backup"
}`;

/** The public half of the host's own sshd's host key (an `external` host). */
const EXTERNAL_HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub";

/** The sshd_config of the managed sshd, as rendered. */
function sshdConfigOf(inputs: Pick<Inputs, "host" | "address" | "port" | "user">): string {
  return renderSshdConfig({
    address: inputs.address,
    port: inputs.port,
    user: inputs.user,
    dir: dirOf(inputs),
  });
}

/** The fence shell, as rendered. */
function fenceShellOf(inputs: Pick<Inputs, "host" | "fenceDomains">): string {
  return renderFenceShell({ libvirtUri: inputs.host.libvirtUri, domains: inputs.fenceDomains });
}

/** A host key line as recorded: `type base64` (the comment dropped). */
function hostKeyOf(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

/**
 * The probe `read` runs (one round trip): `listening` and `authorised` when they hold, the fence
 * shell's mode (`mode <octal>`), the host key's public half (`host-key <line>`; a managed host
 * whose private key is gone has none), and the sha256 of the fence shell and (managed) sshd_config.
 */
export function hostSshdReadScript(inputs: Inputs): string {
  const p = sshdPaths(dirOf(inputs));
  const line = fenceKeyLine(p.fenceShell, inputs.fenceAuthorizedKey);
  const managed = inputs.daemon === "managed";
  const hostKey = managed
    ? `if [ -f ${p.hostKey} ]; then echo "host-key $(head -n 1 ${p.hostKey}.pub 2>/dev/null)"; fi`
    : `echo "host-key $(head -n 1 ${EXTERNAL_HOST_KEY} 2>/dev/null)"`;
  return `if ${listens(inputs.address, inputs.port)}; then echo listening; fi
if grep -qxF ${shellQuote(line)} "${authorizedKeysFile(inputs)}" 2>/dev/null; then echo authorised; fi
echo "mode $(stat -c %a ${p.fenceShell} 2>/dev/null)"
${hostKey}
${fileDigestsProbe(managed ? [p.fenceShell, p.config] : [p.fenceShell])}`;
}

/** What {@link hostSshdReadScript} found, as the kind's desired-state fields. */
export function parseHostSshdState(inputs: Inputs & { sshHostKey?: string }, stdout: string) {
  const lines = stdout.split("\n");
  const p = sshdPaths(dirOf(inputs));
  const value = (key: string) =>
    lines
      .find((l) => l.startsWith(`${key} `))
      ?.slice(key.length + 1)
      .trim() ?? "";
  const digests = parseFileDigests(lines.filter((l) => /^([0-9a-f]{64})? ?\//.test(l)));
  const liveKey = hostKeyOf(value("host-key"));
  return {
    listening: lines.includes("listening"),
    keyAuthorised: lines.includes("authorised"),
    configCurrent: inputs.daemon !== "managed" || holdsRendered(digests, p.config, sshdConfigOf(inputs)),
    fenceShellCurrent: value("mode") === "755" && holdsRendered(digests, p.fenceShell, fenceShellOf(inputs)),
    hostKeyCurrent: liveKey !== "" && liveKey === hostKeyOf(inputs.sshHostKey ?? ""),
  };
}

/** The converge script: files, key line, sshd (re)started when its config changed or it is down. */
export function hostSshdScript(inputs: Inputs): string {
  const dir = dirOf(inputs);
  const p = sshdPaths(dir);
  const keys = authorizedKeysFile(inputs);
  const line = fenceKeyLine(p.fenceShell, inputs.fenceAuthorizedKey);
  const common = `mkdir -p ${shellQuote(dir)}
chmod 0755 ${shellQuote(dir)}
install -m 0755 /dev/stdin ${shellQuote(p.fenceShell)} <<'KVMLAB_FENCE_SHELL'
${fenceShellOf(inputs)}KVMLAB_FENCE_SHELL
keys="${keys}"
mkdir -p "$(dirname "$keys")"
chmod 0700 "$(dirname "$keys")"
touch "$keys"
chmod 0600 "$keys"
${EDIT_KEYS}
edit_keys "$keys" ${shellQuote(fenceMarker(p.fenceShell))} ${shellQuote(line)} || exit 1`;
  if (inputs.daemon === "external") {
    return `${common}
if ! ${listens(inputs.address, inputs.port)}; then
  echo "no sshd listens on ${inputs.address}:${inputs.port}. Fix: make the host's sshd listen there (ListenAddress), or set host.daemon to managed" >&2
  exit 1
fi
cat ${EXTERNAL_HOST_KEY}`;
  }
  return `${common}
[ -f ${p.hostKey} ] || ssh-keygen -q -t ed25519 -N '' -C kvmlab-host -f ${p.hostKey}
install -m 0644 /dev/stdin ${p.config}.new <<'KVMLAB_SSHD_CONFIG'
${sshdConfigOf(inputs)}KVMLAB_SSHD_CONFIG
mkdir -p /run/sshd
/usr/sbin/sshd -t -f ${p.config}.new
${DAEMON_ALIVE}
running=no
if ${daemonRunning(p.pidFile, "sshd")}; then running=yes; fi
if [ $running = yes ] && cmp -s ${p.config} ${p.config}.new; then
  rm -f ${p.config}.new
else
  mv -f ${p.config}.new ${p.config}
  if [ $running = yes ]; then kill "$(cat ${p.pidFile})"; sleep 0.5; fi
  /usr/sbin/sshd -f ${p.config}
fi
for _ in $(seq 1 20); do ${listens(inputs.address, inputs.port)} && break; sleep 0.25; done
${listens(inputs.address, inputs.port)} || { echo "sshd did not start listening on ${inputs.address}:${inputs.port}" >&2; exit 1; }
cat ${p.hostKey}.pub`;
}

async function converge(inputs: Inputs): Promise<HostSshdOutputs> {
  progress(`host: sshd on ${inputs.address}:${inputs.port}, fence key authorised`);
  const { stdout } = await runOnHost(hostSshdScript(inputs), { timeoutSeconds: 60 });
  return { sshHostKey: hostKeyOf(stdout.trim().split("\n").pop() ?? "") };
}

/** The HostSshd provider. */
export const hostSshdProvider = defineProvider({
  kind: "HostSshd",
  // The delete script too: a delete runs the code stored with the resource.
  render: (inputs) => ({ script: hostSshdScript(inputs), remove: hostSshdDeleteScript(inputs) }),
  schema,
  forceNew: ["host", "daemon"],
  async create(inputs) {
    return { id: `${inputs.address}:${inputs.port}`, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    const { stdout } = await runOnHost(hostSshdReadScript(olds), { timeoutSeconds: 30 });
    return parseHostSshdState(olds, stdout);
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    await runOnHost(hostSshdDeleteScript(olds), { timeoutSeconds: 60 });
  },
});

/**
 * The delete script: on an `external` host the key line leaves the user's authorized_keys (safely:
 * {@link EDIT_KEYS}; nothing else goes while that fails), on a `managed` one the lab's sshd stops
 * (only when its pid file still names an sshd); then the lab's sshd directory goes.
 */
export function hostSshdDeleteScript(olds: Pick<Inputs, "host" | "daemon" | "user">): string {
  const dir = dirOf(olds);
  const p = sshdPaths(dir);
  const removeLine =
    olds.daemon === "external"
      ? `keys="${authorizedKeysFile(olds)}"
${EDIT_KEYS}
if [ -f "$keys" ]; then edit_keys "$keys" ${shellQuote(fenceMarker(p.fenceShell))} || exit 1; fi`
      : stopDaemonScript(p.pidFile, "sshd");
  return `${removeLine}\nrm -rf ${shellQuote(dir)}`;
}

/** sshd on the host's management address with the restricted fence key. */
export const HostSshd = labKind<HostSshdInputs, HostSshdOutputs>(hostSshdProvider, {
  outputs: { sshHostKey: true },
});
export type HostSshd = InstanceType<typeof HostSshd>;
