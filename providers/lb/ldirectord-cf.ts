/**
 * /etc/ha.d/ldirectord.cf of seed 002: the global directives (checktimeout, checkinterval,
 * autoreload, quiescent) and one virtual service — the VIP, every real server in direct routing
 * (`real=IP:PORT gate`), the fallback to the director's own sorry page, the scheduler, and the
 * negotiate check that fetches the check page and matches its text. The layout is the seed's
 * (ldirectord's sample file): directives of the virtual service are indented under `virtual=`.
 *
 * ldirectord (Debian 12: 4.12) reads `key=value` lines; a `virtual=` line opens a block whose lines
 * start with whitespace. `request` and `receive` are written between double quotes, so a value with
 * a double quote or a line break cannot be written and is refused.
 */
import { parseIpv4 } from "../../spec/ipv4";
import { CONTROL_CHARACTER, HOST_LABEL, isPagePath } from "../../spec/patterns";
import { Problems } from "../../spec/problems";
import type { LoadBalancerSpec } from "../../spec/types";

/** Where ldirectord (and its OCF agent's default `configfile`) reads its configuration. */
export const LDIRECTORD_CF_PATH = "/etc/ha.d/ldirectord.cf";

/** One real server behind the VIP. */
export interface LvsRealServer {
  /** Node name (`fe1`). */
  name: string;
  /** Its address on the VIP's network (`192.168.5.33`). */
  address: string;
}

/**
 * What ldirectord.cf says: the load balancer's settings as the lab model describes them
 * (spec/types.ts {@link LoadBalancerSpec}; the scheduler as any name) and its real servers.
 */
export type LdirectordConfig = Pick<
  LoadBalancerSpec,
  | "vip"
  | "port"
  | "protocol"
  | "forwarding"
  | "fallback"
  | "checkType"
  | "checkPort"
  | "request"
  | "receive"
  | "checkTimeout"
  | "checkInterval"
  | "autoreload"
  | "quiescent"
> & {
  /** IPVS scheduler (`rr`). */
  scheduler: string;
  /** The real servers, in order. */
  realServers: LvsRealServer[];
};

/** `address:port` of an IPv4 address. */
const ADDRESS_PORT = /^([0-9.]+):([0-9]{1,5})$/;

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** True for `a.b.c.d:port`. */
export function isAddressPort(text: string): boolean {
  const m = ADDRESS_PORT.exec(text);
  return m !== null && parseIpv4(m[1] ?? "") !== undefined && isPort(Number(m[2]));
}

/** Records every problem of a configuration (field, problem, fix). */
export function checkLdirectordConfig(problems: Problems, c: LdirectordConfig): void {
  problems.need(
    parseIpv4(c.vip) !== undefined,
    "vip",
    `${JSON.stringify(c.vip)} is not an IPv4 address`,
    "give the VIP, e.g. 192.168.5.55",
  );
  problems.need(isPort(c.port), "port", `${c.port} is not a port`, "use 1–65535 (seed 002: 80)");
  problems.need(
    isPort(c.checkPort),
    "checkPort",
    `${c.checkPort} is not a port`,
    "use 1–65535 (seed 002: 80)",
  );
  problems.need(
    ["tcp", "udp"].includes(c.protocol),
    "protocol",
    `${JSON.stringify(c.protocol)} is not tcp or udp`,
    "use tcp",
  );
  problems.need(
    /^[a-z]+$/.test(c.scheduler),
    "scheduler",
    `${JSON.stringify(c.scheduler)} is not a scheduler name`,
    "use e.g. rr",
  );
  problems.need(
    c.forwarding === "gate",
    "forwarding",
    `${JSON.stringify(c.forwarding)} is not modelled`,
    "use gate (direct routing)",
  );
  problems.need(
    c.realServers.length > 0,
    "realServers",
    "there is no real server",
    "list at least one real server",
  );
  c.realServers.forEach((r, i) => {
    problems.need(
      HOST_LABEL.test(r.name),
      `realServers[${i}].name`,
      `${JSON.stringify(r.name)} is not a node name`,
      "use the node's name, e.g. fe1",
    );
    problems.need(
      parseIpv4(r.address) !== undefined && r.address !== c.vip,
      `realServers[${i}].address`,
      `${JSON.stringify(r.address)} is not an IPv4 address other than the VIP`,
      "give the real server's own address on the VIP's network, e.g. 192.168.5.33",
    );
  });
  problems.need(
    isAddressPort(c.fallback),
    "fallback",
    `${JSON.stringify(c.fallback)} is not address:port`,
    "use e.g. 127.0.0.1:80",
  );
  problems.need(
    ["negotiate", "connect"].includes(c.checkType),
    "checkType",
    `${JSON.stringify(c.checkType)} is not modelled`,
    "use negotiate or connect",
  );
  problems.need(
    isPagePath(c.request),
    "request",
    `${JSON.stringify(c.request)} is not a page path`,
    "use a relative path such as haCheker/haCheck.html",
  );
  problems.need(
    c.receive !== "" && !c.receive.includes('"') && !CONTROL_CHARACTER.test(c.receive),
    "receive",
    `${JSON.stringify(c.receive)} is empty or holds a double quote or a control character`,
    "use a one-line phrase such as up and running",
  );
  for (const key of ["checkTimeout", "checkInterval"] as const) {
    problems.need(
      Number.isInteger(c[key]) && c[key] >= 1,
      key,
      `${c[key]} is not a whole number of seconds ≥ 1`,
      "use e.g. 5 (checkTimeout) or 10 (checkInterval)",
    );
  }
}

const yesNo = (b: boolean): string => (b ? "yes" : "no");

/** Renders ldirectord.cf. Pure; throws one error listing every problem of the input. */
export function renderLdirectordCf(c: LdirectordConfig): string {
  const problems = new Problems();
  checkLdirectordConfig(problems, c);
  problems.throwIfAny("ldirectord.cf");
  const virtual = [
    ...c.realServers.map((r) => `real=${r.address}:${c.port} ${c.forwarding}`),
    `fallback=${c.fallback} ${c.forwarding}`,
    "service=http",
    `scheduler=${c.scheduler}`,
    `protocol=${c.protocol}`,
    `checktype=${c.checkType}`,
    `checkport=${c.checkPort}`,
    ...(c.checkType === "negotiate" ? [`request="${c.request}"`, `receive="${c.receive}"`] : []),
  ];
  return `# ${LDIRECTORD_CF_PATH}: generated by kvm-ha-lab from the lab description (seed 002), do not edit.
# ldirectord runs under pacemaker only (its systemd unit is masked).
# Real servers: ${c.realServers.map((r) => `${r.name} ${r.address}`).join(", ")}.

# Global Directives
checktimeout=${c.checkTimeout}
checkinterval=${c.checkInterval}
autoreload=${yesNo(c.autoreload)}
quiescent=${yesNo(c.quiescent)}

# The load-balanced web service, direct routing (${c.forwarding})
virtual=${c.vip}:${c.port}
${virtual.map((line) => `\t${line}`).join("\n")}
`;
}
