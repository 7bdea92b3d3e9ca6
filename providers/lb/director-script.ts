/**
 * The LVS director's scripts (seed 002): `setup` converges a cluster member to a director —
 * forwarding on, ipvsadm and ldirectord present, ldirectord.cf written, ldirectord's systemd unit
 * disabled and masked (pacemaker alone starts it, with the OCF agent ocf:heartbeat:ldirectord,
 * which runs the daemon itself), the VIPcheck agent installed, the sorry page served — and is safe
 * to re-run; `state` reads what is live, and {@link parseDirectorState} turns its output into the
 * facts drift is judged on, the IPVS table (`ipvsadm -Ln`) included.
 */
import { HOST_LABEL } from "../../spec/patterns";
import { Problems } from "../../spec/problems";
import { fileDigestsProbe, holdsRendered, parseFileDigests } from "../exec/file-digests";
import { parseSections, SCRIPT_FAIL } from "../exec/node-exec";
import {
  DIRECTOR_SYSCTL_PATH,
  DIRECTOR_SYSCTLS,
  renderDirectorSysctlConf,
  renderSorryConf,
  renderSorryDropIn,
  renderSorryPage,
  SORRY_CONF_PATH,
  SORRY_DROPIN_PATH,
  SORRY_ROOT,
  type SorryPage,
} from "./director-files";
import { PUT_FUNCTION, putFile } from "./files";
import { ipvsDifferences, parseIpvsadmList, type IpvsService } from "./ipvsadm";
import {
  checkLdirectordConfig,
  LDIRECTORD_CF_PATH,
  renderLdirectordCf,
  type LdirectordConfig,
} from "./ldirectord-cf";
import { renderVipcheckAgent, VIPCHECK_AGENT_PATH } from "./vipcheck-agent";

/** ldirectord's systemd unit, which the director keeps masked. */
export const LDIRECTORD_UNIT = "ldirectord.service";

/** What a director's scripts are made from. */
export interface DirectorSetup {
  /** Director (node) name (`ld1`). */
  name: string;
  /** ldirectord.cf. */
  ldirectord: LdirectordConfig;
}

/** Records every problem of the input (field, problem, fix). */
export function checkDirectorSetup(problems: Problems, s: DirectorSetup): void {
  problems.need(
    HOST_LABEL.test(s.name),
    "name",
    `${JSON.stringify(s.name)} is not a node name`,
    "use e.g. ld1",
  );
  const inner = new Problems();
  checkLdirectordConfig(inner, s.ldirectord);
  problems.add(...inner.list.map((p) => ({ ...p, path: `ldirectord.${p.path}` })));
  problems.need(
    s.ldirectord.fallback.startsWith("127.0.0.1:"),
    "ldirectord.fallback",
    `${JSON.stringify(s.ldirectord.fallback)} is not on the director itself`,
    "use 127.0.0.1:<port>: the director serves the sorry page",
  );
}

function checked(s: DirectorSetup): void {
  const problems = new Problems();
  checkDirectorSetup(problems, s);
  problems.throwIfAny(`LVS director ${s.name}`);
}

/** The sorry page's inputs of a director. */
export function sorryPageOf(s: DirectorSetup): SorryPage {
  return { name: s.name, vip: s.ldirectord.vip, port: s.ldirectord.port, fallback: s.ldirectord.fallback };
}

/** The setup script (bash, as root). Pure; throws one error listing every problem of the input. */
export function renderDirectorSetup(s: DirectorSetup): string {
  checked(s);
  const sorry = sorryPageOf(s);
  const cf = LDIRECTORD_CF_PATH;
  return `# kvm-ha-lab: ${s.name} becomes an LVS director for ${s.ldirectord.vip}:${s.ldirectord.port} (seed 002).
${SCRIPT_FAIL}
${PUT_FUNCTION}
for tool in ipvsadm ldirectord; do
  command -v $tool >/dev/null || fail "$tool is not installed on ${s.name}. Fix: the lab image installs it (components/image/base-image.ts); recreate the node from a current image"
done
command -v lighttpd >/dev/null || fail "lighttpd is not installed on ${s.name}. Fix: add lighttpd to image.extraPackages; the image is rebuilt and the node must be recreated from it"
sysctl_changed=0 cf_changed=0 agent_changed=0 sorry_changed=0 dropin_changed=0

# 1. Forwarding (the seed's ip_forward) and the sorry page's binding of the VIP, now and at boot.
${putFile(DIRECTOR_SYSCTL_PATH, renderDirectorSysctlConf(), { mode: "0644", flag: "sysctl_changed" })}
sysctl -q -p ${DIRECTOR_SYSCTL_PATH}
modprobe ip_vs 2>/dev/null || true

# 2. ldirectord.cf; ldirectord is pacemaker's alone: its systemd unit stopped (only if systemd
#    started it), disabled and masked.
${putFile(cf, renderLdirectordCf(s.ldirectord), { mode: "0644", flag: "cf_changed" })}
if systemctl is-active --quiet ${LDIRECTORD_UNIT}; then systemctl stop ${LDIRECTORD_UNIT}; fi
systemctl disable ${LDIRECTORD_UNIT} >/dev/null 2>&1 || true
systemctl mask ${LDIRECTORD_UNIT} >/dev/null 2>&1 || fail "cannot mask ${LDIRECTORD_UNIT} on ${s.name}. Fix: remove a unit file copied to /etc/systemd/system/${LDIRECTORD_UNIT} (pacemaker starts ldirectord, not systemd)"
# A running ldirectord (the active director) takes a changed file at once.
if [ "$cf_changed" = 1 ] && ldirectord ${cf} status >/dev/null 2>&1; then ldirectord ${cf} reload; fi

# 3. The VIPcheck agent (ocf:kvmlab:VIPcheck) for the group's VIPcheck → VIP → ldirectord order.
${putFile(VIPCHECK_AGENT_PATH, renderVipcheckAgent(), { mode: "0755", flag: "agent_changed" })}

# 4. The sorry page of the fallback, on 127.0.0.1 and the VIP, from boot (pacemaker does not own it).
${putFile(SORRY_CONF_PATH, renderSorryConf(sorry), { mode: "0644", flag: "sorry_changed" })}
${putFile(`${SORRY_ROOT}/index.html`, renderSorryPage(sorry), { mode: "0644", flag: "sorry_changed" })}
${putFile(SORRY_DROPIN_PATH, renderSorryDropIn(), { mode: "0644", flag: "dropin_changed" })}
[ "$dropin_changed" = 0 ] || systemctl daemon-reload
systemctl enable --quiet lighttpd
if [ "$sorry_changed" = 1 ] || [ "$dropin_changed" = 1 ]; then systemctl restart lighttpd; else systemctl start lighttpd; fi
systemctl is-active --quiet lighttpd || fail "the sorry page's lighttpd does not run on ${s.name}. Fix: see journalctl -u lighttpd on ${s.name}"
`;
}

/** The files the setup script installs, as the state script lists their digests. */
const DIRECTOR_FILES: readonly string[] = [
  LDIRECTORD_CF_PATH,
  VIPCHECK_AGENT_PATH,
  SORRY_CONF_PATH,
  `${SORRY_ROOT}/index.html`,
  SORRY_DROPIN_PATH,
  DIRECTOR_SYSCTL_PATH,
];

/**
 * The state script: file digests, the sysctls, whether ip_vs is loaded (before `ipvsadm`, which
 * loads it), ldirectord's unit, lighttpd now and at boot, the IPVS table.
 */
export function renderDirectorState(s: DirectorSetup): string {
  checked(s);
  return `echo "== files"
${fileDigestsProbe(DIRECTOR_FILES)}
echo "== sysctl"
for key in ${DIRECTOR_SYSCTLS.map(([key]) => key).join(" ")}; do echo "$key=$(sysctl -n "$key" 2>/dev/null || echo missing)"; done
echo "== modules"
lsmod 2>/dev/null | awk '$1 == "ip_vs" { print $1 }'
echo "== ldirectord-unit"
systemctl is-enabled ${LDIRECTORD_UNIT} 2>/dev/null || true
echo "== sorry"
systemctl is-active lighttpd 2>/dev/null || true
echo "== sorry-boot"
systemctl is-enabled lighttpd 2>/dev/null || true
echo "== ipvs"
ipvsadm -Ln 2>/dev/null || true
`;
}

/** What the state script found on a director. */
export interface DirectorState {
  /** ldirectord.cf is the rendered one. */
  configCurrent: boolean;
  /** The VIPcheck agent is the rendered one. */
  agentCurrent: boolean;
  /** Forwarding and the non-local bind are on, their sysctl file is the rendered one, ip_vs is loaded. */
  forwarding: boolean;
  /** ldirectord's systemd unit is masked (pacemaker alone starts it). */
  ldirectordMasked: boolean;
  /** The sorry page is the rendered one and its lighttpd is active and enabled at boot. */
  sorryServed: boolean;
  /** The IPVS table (the active director's holds the virtual service; the standby's is empty). */
  ipvs: IpvsService[];
  /** How the VIP's virtual service differs from ldirectord.cf (none on the standby). */
  ipvsDifferences: string[];
}

/** Reads the state script's output against the setup it should show. */
export function parseDirectorState(stdout: string, s: DirectorSetup): DirectorState {
  const sections = parseSections(stdout);
  const lines = (name: string): string[] =>
    (sections[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  const digests = parseFileDigests(lines("files"));
  const sorry = sorryPageOf(s);
  const current = (path: string, content: string): boolean => holdsRendered(digests, path, content);
  const sysctls = Object.fromEntries(
    lines("sysctl").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const ipvs = parseIpvsadmList((sections.ipvs ?? []).join("\n"));
  return {
    configCurrent: current(LDIRECTORD_CF_PATH, renderLdirectordCf(s.ldirectord)),
    agentCurrent: current(VIPCHECK_AGENT_PATH, renderVipcheckAgent()),
    forwarding:
      DIRECTOR_SYSCTLS.every(([key, value]) => sysctls[key] === value) &&
      current(DIRECTOR_SYSCTL_PATH, renderDirectorSysctlConf()) &&
      lines("modules").includes("ip_vs"),
    ldirectordMasked: lines("ldirectord-unit")[0] === "masked",
    sorryServed:
      current(SORRY_CONF_PATH, renderSorryConf(sorry)) &&
      current(`${SORRY_ROOT}/index.html`, renderSorryPage(sorry)) &&
      current(SORRY_DROPIN_PATH, renderSorryDropIn()) &&
      lines("sorry")[0] === "active" &&
      lines("sorry-boot")[0] === "enabled",
    ipvs,
    ipvsDifferences: ipvsDifferences(ipvs, s.ldirectord),
  };
}
