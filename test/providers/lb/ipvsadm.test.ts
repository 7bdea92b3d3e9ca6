/** `ipvsadm -Ln` (1.31 format) parsed, and the VIP's virtual service compared with ldirectord.cf. */
import {
  ipvsDifferences,
  ipvsRepairCommands,
  parseIpvsadmList,
  virtualServiceOf,
} from "../../../providers/lb/ipvsadm";
import { SEED_LDIRECTORD } from "../../fixtures/lb";
import {
  IPVS_ACTIVE,
  IPVS_DRIFTED,
  IPVS_FALLBACK,
  IPVS_ONE_DOWN,
  IPVS_STANDBY,
} from "../../fixtures/ipvsadm";

describe("parseIpvsadmList", () => {
  test("the active director: the virtual service, its scheduler, the reals in direct routing (Route)", () => {
    expect(parseIpvsadmList(IPVS_ACTIVE)).toEqual([
      {
        protocol: "TCP",
        address: "192.168.5.55",
        port: 80,
        scheduler: "rr",
        flags: [],
        destinations: [
          {
            address: "192.168.5.33",
            port: 80,
            forward: "Route",
            weight: 1,
            activeConnections: 0,
            inactiveConnections: 3,
          },
          {
            address: "192.168.5.43",
            port: 80,
            forward: "Route",
            weight: 1,
            activeConnections: 1,
            inactiveConnections: 2,
          },
        ],
      },
    ]);
  });

  test("the standby's empty table, and an empty answer (ipvsadm missing) are no services", () => {
    expect(parseIpvsadmList(IPVS_STANDBY)).toEqual([]);
    expect(parseIpvsadmList("")).toEqual([]);
  });

  test("flags, UDP and firewall-mark services", () => {
    const table = parseIpvsadmList(IPVS_DRIFTED);
    expect(table.map((s) => [s.protocol, s.address, s.port, s.scheduler, s.flags])).toEqual([
      ["TCP", "192.168.5.55", 80, "wlc", []],
      ["TCP", "192.168.5.56", 443, "wlc", ["persistent", "600", "mask", "255.255.255.0"]],
      ["UDP", "192.168.5.55", 53, "sh", ["ops", "(sh-fallback,sh-port)"]],
      ["FWM", "1", 0, "rr", []],
    ]);
    expect(table[0]?.destinations.map((d) => `${d.address}:${d.port} ${d.forward}`)).toEqual([
      "192.168.5.33:80 Route",
      "192.168.5.43:80 Masq",
      "192.168.5.99:80 Route",
    ]);
  });

  test("a line it does not know is an error that names it", () => {
    expect(() => parseIpvsadmList(`${IPVS_ACTIVE}Memory allocation problem\n`)).toThrow(
      /line 7 is neither a service nor a destination: "Memory allocation problem"/,
    );
  });
});

describe("ipvsDifferences and ipvsRepairCommands", () => {
  test("none when the table agrees, on the standby, with a real server down, or on the fallback", () => {
    for (const listing of [IPVS_ACTIVE, IPVS_STANDBY, IPVS_ONE_DOWN, IPVS_FALLBACK]) {
      expect(ipvsDifferences(parseIpvsadmList(listing), SEED_LDIRECTORD)).toEqual([]);
      expect(ipvsRepairCommands(parseIpvsadmList(listing), SEED_LDIRECTORD)).toEqual([]);
    }
    expect(virtualServiceOf(parseIpvsadmList(IPVS_STANDBY), SEED_LDIRECTORD)).toBeUndefined();
  });

  test("scheduler, forwarding and a foreign destination of the VIP's service are named and repaired", () => {
    const table = parseIpvsadmList(IPVS_DRIFTED);
    expect(ipvsDifferences(table, SEED_LDIRECTORD)).toEqual([
      "TCP 192.168.5.55:80 uses scheduler wlc, not rr",
      "TCP 192.168.5.55:80 reaches fe2 (192.168.5.43:80) by Masq, not Route (direct routing)",
      "TCP 192.168.5.55:80 sends to 192.168.5.99:80, which is not a real server of ldirectord.cf",
    ]);
    expect(ipvsRepairCommands(table, SEED_LDIRECTORD)).toEqual([
      ["ipvsadm", "-E", "-t", "192.168.5.55:80", "-s", "rr"],
      ["ipvsadm", "-e", "-t", "192.168.5.55:80", "-r", "192.168.5.43:80", "-g", "-w", "1"],
      ["ipvsadm", "-d", "-t", "192.168.5.55:80", "-r", "192.168.5.99:80"],
    ]);
  });
});
