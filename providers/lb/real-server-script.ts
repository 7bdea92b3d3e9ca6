/**
 * The real server's scripts (seed 002, direct routing): `setup` converges a node to an LVS real
 * server — the ARP sysctls written and applied, the VIP on lo now and at boot, lighttpd enabled
 * and serving the check page and the index page — and is safe to re-run; `state` reads what is
 * live, and {@link parseRealServerState} turns its output into the facts drift is judged on.
 *
 * The service NIC is found by its MAC address (cloud-init matched it the same way), so the
 * scripts do not depend on the name the guest gave it.
 */
import { parseIpv4 } from "../../spec/ipv4";
import { CONTROL_CHARACTER, HOST_LABEL, isPagePath, MAC } from "../../spec/patterns";
import { Problems } from "../../spec/problems";
import { fileDigestsProbe, holdsRendered, parseFileDigests } from "../exec/file-digests";
import { parseSections, SCRIPT_FAIL } from "../exec/node-exec";
import { PUT_FUNCTION, putFile } from "./files";
import {
  arpSysctls,
  checkPagePath,
  LIGHTTPD_PORTS_PATH,
  LO_VIP_UNIT,
  LO_VIP_UNIT_PATH,
  REAL_SERVER_SYSCTL_PATH,
  renderArpSysctlConf,
  renderCheckPage,
  renderIndexPage,
  renderLighttpdPorts,
  renderLoVipUnit,
  WEB_ROOT,
  type RealServerFiles,
} from "./real-server-files";

/** What the real server's scripts are made from: its files and its service NIC's MAC. */
export interface RealServerSetup extends RealServerFiles {
  /** MAC address of the NIC on the VIP's network (lowercase). */
  serviceMac: string;
}

/** Records every problem of the input (field, problem, fix). */
export function checkRealServerSetup(problems: Problems, s: RealServerSetup): void {
  problems.need(
    HOST_LABEL.test(s.name),
    "name",
    `${JSON.stringify(s.name)} is not a node name`,
    "use e.g. fe1",
  );
  for (const key of ["address", "vip"] as const) {
    problems.need(
      parseIpv4(s[key]) !== undefined,
      key,
      `${JSON.stringify(s[key])} is not an IPv4 address`,
      "use e.g. 192.168.5.33",
    );
  }
  problems.need(
    s.address !== s.vip,
    "vip",
    `the VIP ${s.vip} is the node's own address`,
    "use the load balancer's VIP",
  );
  problems.need(
    MAC.test(s.serviceMac),
    "serviceMac",
    `${JSON.stringify(s.serviceMac)} is not a lowercase MAC address`,
    "use e.g. 52:54:00:12:34:56",
  );
  problems.need(
    isPagePath(s.request),
    "request",
    `${JSON.stringify(s.request)} is not a page path`,
    "use a relative path such as haCheker/haCheck.html",
  );
  problems.need(
    s.receive !== "" && !CONTROL_CHARACTER.test(s.receive),
    "receive",
    `${JSON.stringify(s.receive)} is empty or holds a control character`,
    "use a plain phrase such as up and running",
  );
  problems.need(
    s.ports.length > 0 && s.ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535),
    "ports",
    `${JSON.stringify(s.ports)} are not ports`,
    "list the service port and the check port (e.g. [80])",
  );
}

/** Shell lines that set `nic` to the name of the NIC with the service MAC (empty when none). */
function findNic(mac: string): string {
  return `nic=$(ip -o link show | awk -v mac=${mac} '{ for (i = 1; i < NF; i++) if ($i == "link/ether" && $(i + 1) == mac) { sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2 } }')`;
}

function checked(s: RealServerSetup): void {
  const problems = new Problems();
  checkRealServerSetup(problems, s);
  problems.throwIfAny(`real server ${s.name}`);
}

/** The setup script (bash, as root). Pure; throws one error listing every problem of the input. */
export function renderRealServerSetup(s: RealServerSetup): string {
  checked(s);
  const ports = renderLighttpdPorts(s);
  const page = checkPagePath(s.request);
  return `# kvm-ha-lab: ${s.name} becomes an LVS real server behind ${s.vip} (seed 002, direct routing).
${SCRIPT_FAIL}
${PUT_FUNCTION}
command -v lighttpd >/dev/null || fail "lighttpd is not installed on ${s.name}. Fix: add lighttpd to image.extraPackages; the image is rebuilt and the node must be recreated from it"
${findNic(s.serviceMac)}
[ -n "$nic" ] || fail "${s.name} has no NIC with MAC ${s.serviceMac} (the service network's). Fix: check nodes[].macs and the domain's interfaces (virsh domiflist)"
sysctl_changed=0 unit_changed=0 web_changed=0 ports_changed=0

# 1. ARP for the VIP suppressed, now and at boot (before the VIP exists).
${putFile(REAL_SERVER_SYSCTL_PATH, renderArpSysctlConf("${nic}"), { mode: "0644", flag: "sysctl_changed", expand: true })}
sysctl -q -p ${REAL_SERVER_SYSCTL_PATH}

# 2. The VIP on lo as /32 (the seed's lo:0), now and at every boot.
${putFile(LO_VIP_UNIT_PATH, renderLoVipUnit(s), { mode: "0644", flag: "unit_changed" })}
[ "$unit_changed" = 0 ] || systemctl daemon-reload
systemctl enable --quiet ${LO_VIP_UNIT}
if [ "$unit_changed" = 1 ]; then systemctl restart ${LO_VIP_UNIT}; else systemctl start ${LO_VIP_UNIT}; fi
# Also when the unit ran but the address was removed since.
ip address replace ${s.vip}/32 dev lo label lo:0

# 3. The web service: the check page the directors fetch, an index page naming this server.
${putFile(page, renderCheckPage(s), { mode: "0644", flag: "web_changed" })}
${putFile(`${WEB_ROOT}/index.html`, renderIndexPage(s), { mode: "0644", flag: "web_changed" })}
${
  ports === undefined
    ? `if [ -e ${LIGHTTPD_PORTS_PATH} ]; then rm -f ${LIGHTTPD_PORTS_PATH}; ports_changed=1; fi`
    : putFile(LIGHTTPD_PORTS_PATH, ports, { mode: "0644", flag: "ports_changed" })
}
systemctl enable --quiet lighttpd
if [ "$ports_changed" = 1 ]; then systemctl restart lighttpd; else systemctl start lighttpd; fi
systemctl is-active --quiet lighttpd || fail "lighttpd does not run on ${s.name}. Fix: see journalctl -u lighttpd on ${s.name}"
echo "nic=$nic"
`;
}

/** The files the setup script installs (or, for the ports file, may remove), in the state script's order. */
function realServerFiles(s: RealServerSetup): string[] {
  return [
    checkPagePath(s.request),
    `${WEB_ROOT}/index.html`,
    REAL_SERVER_SYSCTL_PATH,
    LO_VIP_UNIT_PATH,
    LIGHTTPD_PORTS_PATH,
  ];
}

/**
 * The state script: the NIC, the addresses on lo, the sysctls, the digests of the files, lighttpd
 * now and at boot, the VIP unit at boot.
 */
export function renderRealServerState(s: RealServerSetup): string {
  checked(s);
  const keys = arpSysctls("$nic")
    .map(([key]) => `"${key}"`)
    .join(" ");
  return `${findNic(s.serviceMac)}
echo "== nic"
echo "$nic"
echo "== lo"
ip -4 -o address show dev lo | awk '{ print $4 }'
echo "== sysctl"
for key in ${keys}; do echo "$key=$(sysctl -n "$key" 2>/dev/null || echo missing)"; done
echo "== files"
${fileDigestsProbe(realServerFiles(s))}
echo "== web"
systemctl is-active lighttpd 2>/dev/null || true
echo "== web-boot"
systemctl is-enabled lighttpd 2>/dev/null || true
echo "== unit"
systemctl is-enabled ${LO_VIP_UNIT} 2>/dev/null || true
`;
}

/** What the state script found on a real server. */
export interface RealServerState {
  /** Name of the service NIC ("" when no NIC has the service MAC). */
  nic: string;
  /** The VIP is on lo as /32. */
  vipOnLo: boolean;
  /** Every ARP sysctl has its value (for `all` and for the NIC). */
  arpSuppressed: boolean;
  /** The sysctls as read (`key` → value, `missing` when absent). */
  sysctls: Record<string, string>;
  /** The check page and the index page are the rendered ones. */
  pagesCurrent: boolean;
  /** lighttpd is active. */
  webActive: boolean;
  /** The VIP unit is enabled (the VIP comes back after a reboot). */
  vipAtBoot: boolean;
  /** The sysctl file is the rendered one for the service NIC (the ARP sysctls at boot). */
  sysctlFileCurrent: boolean;
  /** The VIP unit's file is the rendered one. */
  unitFileCurrent: boolean;
  /** lighttpd is enabled at boot. */
  webAtBoot: boolean;
  /** lighttpd's ports file is the rendered one, or absent when the service needs none. */
  portsCurrent: boolean;
}

/** Reads the state script's output against the setup it should show. */
export function parseRealServerState(stdout: string, s: RealServerSetup): RealServerState {
  const sections = parseSections(stdout);
  const lines = (name: string): string[] =>
    (sections[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  const nic = lines("nic")[0] ?? "";
  const sysctls = Object.fromEntries(
    lines("sysctl").map((l) => {
      const at = l.indexOf("=");
      return [l.slice(0, at), l.slice(at + 1)];
    }),
  );
  const wanted = nic === "" ? [] : arpSysctls(nic);
  const digests = parseFileDigests(lines("files"));
  const current = (path: string, content: string | undefined): boolean =>
    holdsRendered(digests, path, content);
  return {
    nic,
    vipOnLo: lines("lo").includes(`${s.vip}/32`),
    arpSuppressed: wanted.length > 0 && wanted.every(([key, value]) => sysctls[key] === value),
    sysctls,
    pagesCurrent:
      current(checkPagePath(s.request), renderCheckPage(s)) &&
      current(`${WEB_ROOT}/index.html`, renderIndexPage(s)),
    webActive: lines("web")[0] === "active",
    vipAtBoot: lines("unit")[0] === "enabled",
    sysctlFileCurrent: nic !== "" && current(REAL_SERVER_SYSCTL_PATH, renderArpSysctlConf(nic)),
    unitFileCurrent: current(LO_VIP_UNIT_PATH, renderLoVipUnit(s)),
    webAtBoot: lines("web-boot")[0] === "enabled",
    portsCurrent: current(LIGHTTPD_PORTS_PATH, renderLighttpdPorts(s)),
  };
}
