/**
 * HostSshd: an sshd listening on the KVM host's management address, where the nodes' fence_virsh
 * logs in, and the fence key authorised there restricted to the fence shell (virsh list/domstate/
 * start/destroy on the lab's own domains: providers/host/fence-shell.ts).
 *
 * `managed` hosts get a dedicated sshd whose config, host key, pid file and authorised keys all live
 * in `<stateDir>/sshd` (the machine's own sshd and ~/.ssh stay untouched). `external` hosts keep
 * their sshd: it must already listen on the address; the key goes into `~<user>/.ssh/authorized_keys`
 * as one line tagged with this stack's fence shell path, removed again on delete.
 *
 * It comes after the management network: the address lives on that network's bridge.
 * `read` reports whether sshd listens and the key is authorised, so either shows as drift.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "./host-prep";
import { labKind } from "../core/kind";
import { renderFenceShell } from "./fence-shell";
import { renderSshdConfig, sshdPaths } from "./sshd-config";
import { shellQuote } from "../exec/ssh";

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

/** Where the key line goes: the managed sshd's own file, or the user's ~/.ssh/authorized_keys. */
function authorizedKeysFile(inputs: Inputs): string {
  return inputs.daemon === "managed"
    ? `${sshdPaths(dirOf(inputs)).authorizedKeysDir}/${inputs.user}`
    : `$(getent passwd ${shellQuote(inputs.user)} | cut -d: -f6)/.ssh/authorized_keys`;
}

/** Shell test: something listens on address:port. */
function listens(address: string, port: number): string {
  return `ss -Hltn | awk '{print $4}' | grep -qxE '(${address.replace(/\./g, "\\.")}|0\\.0\\.0\\.0|\\*):${port}'`;
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
${renderFenceShell({ libvirtUri: inputs.host.libvirtUri, domains: inputs.fenceDomains })}KVMLAB_FENCE_SHELL
keys="${keys}"
mkdir -p "$(dirname "$keys")"
chmod 0700 "$(dirname "$keys")"
touch "$keys"
chmod 0600 "$keys"
grep -vF ${shellQuote(`command="${p.fenceShell}"`)} "$keys" >"$keys.new" || true
echo ${shellQuote(line)} >>"$keys.new"
mv -f "$keys.new" "$keys"`;
  if (inputs.daemon === "external") {
    return `${common}
if ! ${listens(inputs.address, inputs.port)}; then
  echo "no sshd listens on ${inputs.address}:${inputs.port}. Fix: make the host's sshd listen there (ListenAddress), or set host.daemon to managed" >&2
  exit 1
fi
cat /etc/ssh/ssh_host_ed25519_key.pub`;
  }
  return `${common}
[ -f ${p.hostKey} ] || ssh-keygen -q -t ed25519 -N '' -C kvmlab-host -f ${p.hostKey}
install -m 0644 /dev/stdin ${p.config}.new <<'KVMLAB_SSHD_CONFIG'
${renderSshdConfig({ address: inputs.address, port: inputs.port, user: inputs.user, dir })}KVMLAB_SSHD_CONFIG
mkdir -p /run/sshd
/usr/sbin/sshd -t -f ${p.config}.new
running=no
if [ -s ${p.pidFile} ] && kill -0 "$(cat ${p.pidFile})" 2>/dev/null; then running=yes; fi
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
  return { sshHostKey: stdout.trim().split("\n").pop()?.split(" ").slice(0, 2).join(" ") ?? "" };
}

/** The HostSshd provider. */
export const hostSshdProvider = defineProvider({
  kind: "HostSshd",
  render: (inputs) => ({ script: hostSshdScript(inputs) }),
  schema,
  forceNew: ["host", "daemon"],
  async create(inputs) {
    return { id: `${inputs.address}:${inputs.port}`, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    const keys = authorizedKeysFile(olds);
    const line = fenceKeyLine(sshdPaths(dirOf(olds)).fenceShell, olds.fenceAuthorizedKey);
    const { stdout } = await runOnHost(
      `if ${listens(olds.address, olds.port)}; then echo listening; fi
if grep -qxF ${shellQuote(line)} "${keys}" 2>/dev/null; then echo authorised; fi`,
      { timeoutSeconds: 30 },
    );
    return { listening: stdout.includes("listening"), keyAuthorised: stdout.includes("authorised") };
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    const dir = dirOf(olds);
    const p = sshdPaths(dir);
    const removeLine =
      olds.daemon === "external"
        ? `keys="${authorizedKeysFile(olds)}"
if [ -f "$keys" ]; then grep -vF ${shellQuote(`command="${p.fenceShell}"`)} "$keys" >"$keys.new" || true; mv -f "$keys.new" "$keys"; fi`
        : `if [ -s ${p.pidFile} ]; then kill "$(cat ${p.pidFile})" 2>/dev/null || true; fi`;
    await runOnHost(`${removeLine}\nrm -rf ${shellQuote(dir)}`, { timeoutSeconds: 60 });
  },
});

/** sshd on the host's management address with the restricted fence key. */
export const HostSshd = labKind<HostSshdInputs, HostSshdOutputs>(hostSshdProvider, {
  outputs: { sshHostKey: true },
});
export type HostSshd = InstanceType<typeof HostSshd>;
