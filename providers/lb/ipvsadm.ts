/**
 * The kernel's IPVS table as `ipvsadm -Ln` prints it (ipvsadm 1.31, Debian 12), parsed into a
 * structure, and compared with what ldirectord.cf asks for.
 *
 * The format (ipvsadm.c `print_title`, `print_service_entry`):
 *
 *     IP Virtual Server version 1.2.1 (size=4096)
 *     Prot LocalAddress:Port Scheduler Flags
 *       -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *     TCP  192.168.5.55:80 rr
 *       -> 192.168.5.33:80              Route   1      0          0
 *
 * A service line is `TCP|UDP|SCTP  ADDRESS:PORT SCHEDULER [persistent N [mask M]] [ops] [(flags)]`
 * or `FWM  MARK SCHEDULER …`; a destination line `  -> ADDRESS:PORT FORWARD WEIGHT ACTIVE INACTIVE`
 * with FORWARD one of `Route` (direct routing, ldirectord's `gate`), `Masq`, `Tunnel` or `Local`
 * (a destination on the director itself, such as the fallback 127.0.0.1). IPv6 addresses are
 * bracketed.
 */
import type { LdirectordConfig } from "./ldirectord-cf";

/** A destination (real server) of a virtual service. */
export interface IpvsDestination {
  /** Address (IPv6 in brackets). */
  address: string;
  port: number;
  /** `Route`, `Masq`, `Tunnel` or `Local`. */
  forward: string;
  weight: number;
  activeConnections: number;
  inactiveConnections: number;
}

/** A virtual service. */
export interface IpvsService {
  /** `TCP`, `UDP`, `SCTP` or `FWM`. */
  protocol: string;
  /** Virtual address (IPv6 in brackets), or the firewall mark of an `FWM` service. */
  address: string;
  /** Virtual port (0 for `FWM`). */
  port: number;
  scheduler: string;
  /** What follows the scheduler (`persistent 600`, `ops`, …), as words. */
  flags: string[];
  destinations: IpvsDestination[];
}

const HEADER = /^(IP Virtual Server version |Prot LocalAddress:Port |\s+-> RemoteAddress:Port )/;
const SERVICE = /^(TCP|UDP|SCTP)\s+(\[[^\]]+\]|[^\s:]+):(\d+)\s+(\S+)(.*)$/;
const FWM_SERVICE = /^FWM\s+(\d+)\s+(\S+)(.*)$/;
const DESTINATION = /^\s+->\s+(\[[^\]]+\]|[^\s:]+):(\d+)\s+(\S+)\s+(-?\d+)\s+(\d+)\s+(\d+)\s*$/;

/** Parses `ipvsadm -Ln` output. Throws on a line it does not recognise, naming it. */
export function parseIpvsadmList(text: string): IpvsService[] {
  const services: IpvsService[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "" || HEADER.test(line)) return;
    const s = SERVICE.exec(line);
    const f = s ? null : FWM_SERVICE.exec(line);
    if (s || f) {
      const [protocol, address, port, scheduler, rest] = s
        ? [s[1], s[2], Number(s[3]), s[4], s[5]]
        : ["FWM", f?.[1], 0, f?.[2], f?.[3]];
      services.push({
        protocol: protocol ?? "",
        address: address ?? "",
        port,
        scheduler: scheduler ?? "",
        flags: (rest ?? "")
          .trim()
          .split(/\s+/)
          .filter((w) => w !== ""),
        destinations: [],
      });
      return;
    }
    const d = DESTINATION.exec(line);
    const current = services[services.length - 1];
    if (d && current) {
      current.destinations.push({
        address: d[1] ?? "",
        port: Number(d[2]),
        forward: d[3] ?? "",
        weight: Number(d[4]),
        activeConnections: Number(d[5]),
        inactiveConnections: Number(d[6]),
      });
      return;
    }
    throw new Error(
      `ipvsadm -Ln: line ${i + 1} is neither a service nor a destination: ${JSON.stringify(line)}`,
    );
  });
  return services;
}

/** What ldirectord.cf asks the IPVS table for. */
export type IpvsExpectation = Pick<
  LdirectordConfig,
  "vip" | "port" | "protocol" | "scheduler" | "realServers" | "fallback"
>;

/** The virtual service of the VIP in a parsed table, if this director has it (the active one does). */
export function virtualServiceOf(table: readonly IpvsService[], e: IpvsExpectation): IpvsService | undefined {
  return table.find(
    (s) => s.protocol === e.protocol.toUpperCase() && s.address === e.vip && s.port === e.port,
  );
}

/** `-t VIP:PORT` or `-u VIP:PORT`: the virtual service in ipvsadm's arguments. */
function serviceArgs(e: IpvsExpectation): string[] {
  return [e.protocol === "udp" ? "-u" : "-t", `${e.vip}:${e.port}`];
}

/**
 * ipvsadm commands (argv) that put the VIP's virtual service back in line with ldirectord.cf
 * where it differs ({@link ipvsDifferences}): the scheduler set back, foreign destinations
 * removed, real servers switched back to direct routing with their weight kept. Which real servers
 * are in the table stays ldirectord's business. None on the standby.
 */
export function ipvsRepairCommands(table: readonly IpvsService[], e: IpvsExpectation): string[][] {
  const service = virtualServiceOf(table, e);
  if (service === undefined) return [];
  const out: string[][] = [];
  if (service.scheduler !== e.scheduler) out.push(["ipvsadm", "-E", ...serviceArgs(e), "-s", e.scheduler]);
  for (const d of service.destinations) {
    const where = `${d.address}:${d.port}`;
    if (where === e.fallback) continue;
    const real = e.realServers.some((r) => r.address === d.address && d.port === e.port);
    if (!real) out.push(["ipvsadm", "-d", ...serviceArgs(e), "-r", where]);
    else if (d.forward !== "Route")
      out.push(["ipvsadm", "-e", ...serviceArgs(e), "-r", where, "-g", "-w", String(d.weight)]);
  }
  return out;
}

/**
 * How the VIP's virtual service differs from ldirectord.cf, one sentence each; none when it agrees
 * or when this director has no such service (the standby: pacemaker runs ldirectord on the active
 * director only). A real server missing from the table is no difference: ldirectord removes one
 * that fails its check (quiescent=no). Every destination must be a configured real server in
 * direct routing (`Route`), or the fallback (`Local` on the director itself).
 */
export function ipvsDifferences(table: readonly IpvsService[], e: IpvsExpectation): string[] {
  const service = virtualServiceOf(table, e);
  if (service === undefined) return [];
  const out: string[] = [];
  const name = `${e.protocol.toUpperCase()} ${e.vip}:${e.port}`;
  if (service.scheduler !== e.scheduler)
    out.push(`${name} uses scheduler ${service.scheduler}, not ${e.scheduler}`);
  for (const d of service.destinations) {
    const where = `${d.address}:${d.port}`;
    if (where === e.fallback) continue;
    const real = e.realServers.find((r) => r.address === d.address && d.port === e.port);
    if (real === undefined)
      out.push(`${name} sends to ${where}, which is not a real server of ldirectord.cf`);
    else if (d.forward !== "Route")
      out.push(`${name} reaches ${real.name} (${where}) by ${d.forward}, not Route (direct routing)`);
  }
  return out;
}
