/**
 * The script that puts back, on a running node, what its first boot set up and the probe
 * (providers/node/first-boot-probe.ts) found changed: /root/.ssh's mode, the host name, the
 * network (only what can be repaired without cutting the management connection,
 * providers/node/node-network.ts), chrony's servers and service, sshd's login settings, the units
 * that stay off at boot, the seed's marker, and the built image's files (image-files.ts). Each part
 * is rendered only when the probe found it changed; each prints one line saying what it repaired.
 */
import { SCRIPT_FAIL } from "../exec/node-exec";
import { shellJoin, shellQuote } from "../exec/ssh";
import { CLOUD_INIT_DONE_MARKER } from "./cloud-init";
import { CHRONY_CONF, CHRONY_UNIT, SSH_DIR } from "./first-boot-probe";
import { imageFilesRepair } from "./image-files";

/** sshd's drop-in that restores the seed's login settings (read first: sshd takes the first value). */
export const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/00-kvmlab.conf";

/** Its content. */
export const SSHD_DROP_IN_CONTENT = "PasswordAuthentication no\nPermitRootLogin prohibit-password\n";

/** What to repair. */
export interface FirstBootRepairs {
  sshDir?: boolean;
  /** The host name to set, when it differs. */
  hostname?: string;
  /** Network commands (node-network.ts `planNetwork`). */
  network?: readonly string[];
  /** chrony's servers, when its sources or its service differ. */
  timeServers?: readonly string[];
  sshd?: boolean;
  /** Units to disable at boot. */
  disable?: readonly string[];
  marker?: boolean;
  /** The built image's files to put back (image-files.ts `staleImageFiles`). */
  imageFiles?: readonly string[];
}

/** The repair script; empty when there is nothing to repair. */
export function repairScript(r: FirstBootRepairs): string {
  const parts: string[] = [];
  if (r.sshDir) {
    parts.push(`chown ${SSH_DIR.owner} ${SSH_DIR.path}
chmod 0${SSH_DIR.mode} ${SSH_DIR.path}
echo "${SSH_DIR.path} made ${SSH_DIR.mode} ${SSH_DIR.owner}"`);
  }
  if (r.hostname !== undefined) {
    const name = shellQuote(r.hostname);
    parts.push(`printf '%s\\n' ${name} > /etc/hostname
hostname ${name}
echo "host name set to "${name}`);
  }
  for (const command of r.network ?? []) {
    parts.push(`${command} || fail ${shellQuote(`\`${command}\` failed. Fix: restart the node (cloud-init configures its network at boot), then run pulumi up again`)}
echo ${shellQuote(`network: ${command}`)}`);
  }
  if (r.timeServers !== undefined) {
    const servers = r.timeServers.map((s) => `server ${s} iburst`);
    const add = servers.length > 0 ? `\nprintf '%s\\n' ${shellJoin(servers)} >> ${CHRONY_CONF}.kvmlab` : "";
    const said = r.timeServers.length > 0 ? `servers ${r.timeServers.join(" ")}` : "no time source";
    parts.push(`touch ${CHRONY_CONF}
awk '$1 != "server" && $1 != "pool" && $1 != "peer"' ${CHRONY_CONF} > ${CHRONY_CONF}.kvmlab${add}
cat ${CHRONY_CONF}.kvmlab > ${CHRONY_CONF}
rm -f ${CHRONY_CONF}.kvmlab
systemctl enable ${CHRONY_UNIT} >/dev/null 2>&1 || fail "systemctl enable ${CHRONY_UNIT} failed. Fix: systemctl status ${CHRONY_UNIT} on the node"
systemctl restart ${CHRONY_UNIT} || fail "chrony did not start. Fix: systemctl status ${CHRONY_UNIT} and journalctl -u ${CHRONY_UNIT} on the node"
echo "chrony: ${said}, enabled and started"`);
  }
  if (r.sshd) {
    parts.push(`mkdir -p "$(dirname ${SSHD_DROP_IN})"
printf '%s' ${shellQuote(SSHD_DROP_IN_CONTENT)} > ${SSHD_DROP_IN}
out=$(sshd -t 2>&1) || fail "sshd refuses its configuration: $out. Fix: correct /etc/ssh/sshd_config on the node"
systemctl reload ssh || fail "sshd did not reload. Fix: systemctl status ssh on the node"
sshd -T | grep -qx 'passwordauthentication no' || fail "sshd still allows passwords after ${SSHD_DROP_IN}. Fix: restore the line Include /etc/ssh/sshd_config.d/*.conf at the top of /etc/ssh/sshd_config"
echo "sshd: password logins off, root by key"`);
  }
  for (const unit of r.disable ?? []) {
    const u = shellQuote(unit);
    parts.push(`systemctl disable ${u} >/dev/null 2>&1 || fail "systemctl disable "${u}" failed. Fix: systemctl status "${u}" on the node"
echo ${u}" disabled at boot"`);
  }
  if (r.marker) {
    const marker = shellQuote(CLOUD_INIT_DONE_MARKER);
    parts.push(`mkdir -p "$(dirname ${marker})"
touch ${marker}
echo "made "${marker}`);
  }
  parts.push(...imageFilesRepair(r.imageFiles ?? []));
  return parts.length === 0 ? "" : [SCRIPT_FAIL, ...parts].join("\n");
}
