/**
 * The files of an LVS director (seed 002) beside ldirectord.cf: its sysctls and its sorry page.
 *
 * - Forwarding on (the seed's `net.ipv4.ip_forward = 1` on both directors), and
 *   `net.ipv4.ip_nonlocal_bind = 1` for the sorry page's server (below).
 * - The sorry page behind ldirectord's `fallback=127.0.0.1:80 gate`: when no real server passes
 *   its check, IPVS sends clients to the director itself. It delivers such a connection locally
 *   *unchanged* — still addressed to VIP:port — so a server listening on 127.0.0.1 only would never
 *   see it. The director's own lighttpd therefore listens on 127.0.0.1 (the fallback's address) and
 *   on the VIP, and on nothing else (not on the director's own service address). With
 *   ip_nonlocal_bind it binds the VIP also on the director that does not hold it, so it runs
 *   on both directors under systemd from boot: it holds no state, and whichever director pacemaker
 *   gives the VIP already serves the page. Pacemaker does not own it.
 * - lighttpd runs a configuration of its own (kvmlab-sorry.conf) through a systemd drop-in: the
 *   package's lighttpd.conf (all addresses, /var/www/html) stays untouched and unused here.
 */

/** The director's sysctl file. */
export const DIRECTOR_SYSCTL_PATH = "/etc/sysctl.d/60-kvmlab-lvs-director.conf";
/** The sorry page server's configuration. */
export const SORRY_CONF_PATH = "/etc/lighttpd/kvmlab-sorry.conf";
/** The drop-in that points lighttpd.service at {@link SORRY_CONF_PATH}. */
export const SORRY_DROPIN_PATH = "/etc/systemd/system/lighttpd.service.d/kvmlab-sorry.conf";
/** The sorry page's document root. */
export const SORRY_ROOT = "/var/www/kvmlab-sorry";

/** The director's sysctls and their values. */
export const DIRECTOR_SYSCTLS: readonly (readonly [string, string])[] = [
  ["net.ipv4.ip_forward", "1"],
  ["net.ipv4.ip_nonlocal_bind", "1"],
];

/** What the sorry page is made from. */
export interface SorryPage {
  /** Director name (`ld1`). */
  name: string;
  /** The VIP (`192.168.5.55`). */
  vip: string;
  /** Port of the virtual service (80). */
  port: number;
  /** The fallback, `127.0.0.1:<port>`. */
  fallback: string;
}

/** The sysctl file. */
export function renderDirectorSysctlConf(): string {
  return `# kvm-ha-lab: LVS director (seed 002). Generated, do not edit.
# The director forwards the VIP's traffic (seed 002: ip_forward on both directors).
# The sorry page's server binds the VIP also while pacemaker has it on the other director.
${DIRECTOR_SYSCTLS.map(([key, value]) => `${key} = ${value}`).join("\n")}
`;
}

/** The sockets the sorry page listens on: the fallback, and the VIP on the service's port. */
export function sorrySockets(p: Pick<SorryPage, "vip" | "port" | "fallback">): string[] {
  return [p.fallback, `${p.vip}:${p.port}`].filter((s, i, all) => all.indexOf(s) === i);
}

/** lighttpd's configuration for the sorry page. */
export function renderSorryConf(p: SorryPage): string {
  const [first, ...more] = sorrySockets(p);
  const [bind, port] = (first ?? "").split(":");
  return `# kvm-ha-lab: the sorry page of ldirectord's fallback=${p.fallback} (seed 002). Generated, do not edit.
# IPVS hands fallback connections to this host still addressed to ${p.vip}:${p.port}: listen there too.
server.document-root = "${SORRY_ROOT}"
server.bind = "${bind}"
server.port = ${port}
${more.map((socket) => `$SERVER["socket"] == "${socket}" { }`).join("\n")}
server.username = "www-data"
server.groupname = "www-data"
server.pid-file = "/run/lighttpd.pid"
server.errorlog = "/var/log/lighttpd/error.log"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html; charset=utf-8" )
`;
}

/** The systemd drop-in: lighttpd.service runs the sorry page's configuration. */
export function renderSorryDropIn(): string {
  return `# kvm-ha-lab: lighttpd serves the LVS sorry page only (seed 002). Generated, do not edit.
[Service]
ExecStartPre=
ExecStartPre=/usr/sbin/lighttpd -tt -f ${SORRY_CONF_PATH}
ExecStart=
ExecStart=/usr/sbin/lighttpd -D -f ${SORRY_CONF_PATH}
ExecReload=
ExecReload=/bin/kill -USR1 $MAINPID
`;
}

/** The sorry page. */
export function renderSorryPage(p: SorryPage): string {
  return `<!DOCTYPE html>
<html>
<head><title>Sorry</title></head>
<body>
<h1>Sorry</h1>
<p>No real server behind ${p.vip}:${p.port} answers right now (director ${p.name}).</p>
</body>
</html>
`;
}
