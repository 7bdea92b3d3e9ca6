/** ldirectord.cf rendered from the model with seed 002's values (golden), and its input checks. */
import { renderLdirectordCf } from "../../../providers/lb/ldirectord-cf";
import { expectGolden } from "../../support/golden";
import { SEED_LDIRECTORD } from "../../fixtures/lb";

describe("ldirectord.cf", () => {
  const cf = renderLdirectordCf(SEED_LDIRECTORD);

  test("seed 002's file, byte for byte (golden)", () => {
    expectGolden("ldirectord.cf-ultramonkey", cf);
  });

  test("the seed's directives: globals first, the virtual service's lines indented under it", () => {
    const lines = cf.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(lines).toEqual([
      "checktimeout=5",
      "checkinterval=10",
      "autoreload=yes",
      "quiescent=no",
      "virtual=192.168.5.55:80",
      "\treal=192.168.5.33:80 gate",
      "\treal=192.168.5.43:80 gate",
      "\tfallback=127.0.0.1:80 gate",
      "\tservice=http",
      "\tscheduler=rr",
      "\tprotocol=tcp",
      "\tchecktype=negotiate",
      "\tcheckport=80",
      '\trequest="haCheker/haCheck.html"',
      '\treceive="up and running"',
    ]);
  });

  test("quiescent, autoreload and a connect check change only their lines", () => {
    const other = renderLdirectordCf({
      ...SEED_LDIRECTORD,
      quiescent: true,
      autoreload: false,
      checkType: "connect",
    });
    expect(other).toContain("quiescent=yes\n");
    expect(other).toContain("autoreload=no\n");
    expect(other).toContain("\tchecktype=connect\n");
    expect(other).not.toContain("request=");
    expect(other).not.toContain("receive=");
  });

  test("every problem of the input at once, each with its field and fix", () => {
    const bad = {
      ...SEED_LDIRECTORD,
      vip: "192.168.5",
      receive: 'say "up"',
      request: "../etc/passwd",
      fallback: "localhost",
      realServers: [{ name: "FE 1", address: "192.168.5.300" }],
      checkInterval: 0,
    };
    const message = (() => {
      try {
        renderLdirectordCf(bad);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    for (const field of [
      "vip",
      "receive",
      "request",
      "fallback",
      "realServers[0].name",
      "realServers[0].address",
      "checkInterval",
    ]) {
      expect(message).toContain(`  - ${field}: `);
    }
    expect(message.startsWith("ldirectord.cf:\n")).toBe(true);
    for (const line of message.split("\n").slice(1)) expect(line).toMatch(/^ {2}- \S+: .+\. Fix: .+$/);
  });

  test("a real server on the VIP itself is refused", () => {
    expect(() =>
      renderLdirectordCf({ ...SEED_LDIRECTORD, realServers: [{ name: "fe1", address: "192.168.5.55" }] }),
    ).toThrow(/realServers\[0\]\.address: "192\.168\.5\.55" is not an IPv4 address other than the VIP/);
  });
});
