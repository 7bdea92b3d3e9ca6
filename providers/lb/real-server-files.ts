/**
 * The files that make a node an LVS real server in direct routing (seed 002): the director hands
 * it packets still addressed to the VIP, so the VIP sits on its loopback as a /32 (the seed's
 * `lo:0`), and the node must never answer ARP for it — that would pull the VIP's traffic away from
 * the directors. The seed's sysctls do that: `arp_ignore=1` (answer ARP only for addresses of the
 * interface asked on: the VIP is on lo) and `arp_announce=2` (never announce the VIP as a source),
 * for `all` and for the service NIC. The kernel takes the larger of `all` and the interface's
 * value for both, so `all` alone already holds; the NIC's own line is the seed's, kept.
 *
 * The VIP comes up at boot from a oneshot unit that first applies the sysctls, then adds the
 * address — the order the seed's `sysctl.conf` + `ifup lo:0` had, without depending on which
 * network stack the image runs. Its ExecStart lines name `ip` and `sysctl` without a path, which
 * systemd (≥ 239) resolves itself.
 *
 * lighttpd (Debian's default configuration: port 80, document root /var/www/html) serves the check
 * page ldirectord fetches and an index page naming the server, so a client sees which real server
 * answered; a service on another port gets an extra listening socket in conf-enabled/.
 */

/** The real server's sysctl file. */
export const REAL_SERVER_SYSCTL_PATH = "/etc/sysctl.d/60-kvmlab-lvs-real-server.conf";
/** The oneshot unit that puts the VIP on lo. */
export const LO_VIP_UNIT = "kvmlab-lvs-vip.service";
/** Where the unit lives. */
export const LO_VIP_UNIT_PATH = `/etc/systemd/system/${LO_VIP_UNIT}`;
/** Debian lighttpd's document root. */
export const WEB_ROOT = "/var/www/html";
/** The extra listening sockets of a service not on port 80. */
export const LIGHTTPD_PORTS_PATH = "/etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf";

/** What the real server's files are made from. */
export interface RealServerFiles {
  /** Node name (`fe1`). */
  name: string;
  /** The node's own address on the VIP's network (`192.168.5.33`). */
  address: string;
  /** The VIP (`192.168.5.55`). */
  vip: string;
  /** The check page, relative to the web root (`haCheker/haCheck.html`). */
  request: string;
  /** Its text (the director's `receive`: `up and running`). */
  receive: string;
  /** Ports the web service must answer on (the service port and the check port). */
  ports: number[];
}

/** The sysctl keys of a real server and their values, for `all` and the given NIC. */
export function arpSysctls(nic: string): [string, string][] {
  return [
    [`net.ipv4.conf.all.arp_ignore`, "1"],
    [`net.ipv4.conf.${nic}.arp_ignore`, "1"],
    [`net.ipv4.conf.all.arp_announce`, "2"],
    [`net.ipv4.conf.${nic}.arp_announce`, "2"],
  ];
}

/** The sysctl file, for the service NIC `nic` (a name, or `${nic}` for the script to expand). */
export function renderArpSysctlConf(nic: string): string {
  return `# kvm-ha-lab: LVS real server in direct routing (seed 002). Generated, do not edit.
# The VIP is on lo: never answer ARP for it (arp_ignore=1) nor announce it (arp_announce=2),
# on every interface and on the service NIC ${nic}.
${arpSysctls(nic)
  .map(([key, value]) => `${key} = ${value}`)
  .join("\n")}
`;
}

/** The oneshot unit: the sysctls first, then the VIP on lo as /32 with the seed's label lo:0. */
export function renderLoVipUnit(f: Pick<RealServerFiles, "vip">): string {
  return `# kvm-ha-lab: the VIP on lo for LVS direct routing (seed 002's lo:0). Generated, do not edit.
[Unit]
Description=LVS real server: VIP ${f.vip}/32 on lo
After=systemd-sysctl.service network.target
Before=lighttpd.service

[Service]
Type=oneshot
RemainAfterExit=yes
# ARP for the VIP is suppressed before the address exists (the NIC's own key may be absent: "-").
ExecStartPre=-sysctl -q -p ${REAL_SERVER_SYSCTL_PATH}
ExecStart=ip address replace ${f.vip}/32 dev lo label lo:0
ExecStop=-ip address del ${f.vip}/32 dev lo

[Install]
WantedBy=multi-user.target
`;
}

/** The check page: exactly the text the director's check expects. */
export function renderCheckPage(f: Pick<RealServerFiles, "receive">): string {
  return `${f.receive}\n`;
}

/** The index page, naming the server that answered. */
export function renderIndexPage(f: Pick<RealServerFiles, "name" | "address" | "vip">): string {
  return `<!DOCTYPE html>
<html>
<head><title>${f.name}</title></head>
<body>
<h1>${f.name}</h1>
<p>Real server ${f.name} (${f.address}) answered for ${f.vip}.</p>
</body>
</html>
`;
}

/** lighttpd's extra sockets for ports other than Debian's 80, or undefined when none is needed. */
export function renderLighttpdPorts(f: Pick<RealServerFiles, "ports">): string | undefined {
  const extra = [...new Set(f.ports)].filter((p) => p !== 80).sort((a, b) => a - b);
  if (extra.length === 0) return undefined;
  return `# kvm-ha-lab: the load-balanced service's ports besides 80 (seed 002). Generated, do not edit.
${extra.map((p) => `$SERVER["socket"] == ":${p}" { }`).join("\n")}
`;
}

/** Path of the check page on the real server. */
export function checkPagePath(request: string): string {
  return `${WEB_ROOT}/${request.replace(/^\//, "")}`;
}
