/**
 * sshd_config of the host's own sshd for a lab (managed hosts): listens only on the host's
 * management address, key logins only, its own host key, pid file and authorised-keys directory
 * under the stack's state directory — so the machine's own sshd and ~/.ssh are never touched.
 */
import { parseIpv4 } from "../../spec/ipv4";

/** Input of {@link renderSshdConfig}. */
export interface SshdConfigInput {
  /** The host's management address (the only address sshd listens on). */
  address: string;
  port: number;
  /** The one user that may log in (fence_virsh's login). */
  user: string;
  /** Directory holding the host key, pid file and `authorized_keys/<user>`. */
  dir: string;
}

/** Files of the managed sshd under its directory. */
export function sshdPaths(dir: string) {
  return {
    config: `${dir}/sshd_config`,
    hostKey: `${dir}/ssh_host_ed25519_key`,
    pidFile: `${dir}/sshd.pid`,
    authorizedKeysDir: `${dir}/authorized_keys`,
    fenceShell: `${dir}/fence-shell`,
  };
}

/** Renders the sshd_config. Pure. */
export function renderSshdConfig(input: SshdConfigInput): string {
  if (parseIpv4(input.address) === undefined)
    throw new Error(`sshd: "${input.address}" is not an IPv4 address`);
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
    throw new Error(`sshd: port ${input.port} is not in 1–65535`);
  if (!/^[a-z_][a-z0-9_-]*$/.test(input.user)) throw new Error(`sshd: "${input.user}" is not a user name`);
  const p = sshdPaths(input.dir);
  return [
    "# sshd of a kvm-ha-lab host (rendered; do not edit)",
    `ListenAddress ${input.address}:${input.port}`,
    `HostKey ${p.hostKey}`,
    `PidFile ${p.pidFile}`,
    `AuthorizedKeysFile ${p.authorizedKeysDir}/%u`,
    `AllowUsers ${input.user}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "X11Forwarding no",
    "AllowTcpForwarding no",
    "PrintMotd no",
    "",
  ].join("\n");
}
