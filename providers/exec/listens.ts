/**
 * Whether a TCP port is listened on, as the reads probe it: a shell test that succeeds when
 * something listens on `address:port` (or on every address at that port). It sees the network
 * namespace of the shell that runs it, so a probe run where the daemon was started sees that
 * daemon's sockets. Shared by the kinds that keep a daemon listening (the host's sshd, the iSCSI
 * target's tgtd).
 */

/** Shell test: something listens on address:port. */
export function listens(address: string, port: number): string {
  return `ss -Hltn | awk '{print $4}' | grep -qxE '(${address.replace(/\./g, "\\.")}|0\\.0\\.0\\.0|\\*):${port}'`;
}
