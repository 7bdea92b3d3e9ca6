import {
  addressAt,
  cidrContains,
  cidrsOverlap,
  firstHost,
  formatIpv4,
  parseCidr,
  parseIpv4,
} from "../../spec/ipv4";

describe("ipv4 helpers", () => {
  test("parse, contains, overlap, first host, broadcast", () => {
    expect(parseIpv4("192.168.7.121")).toBe(0xc0a80779);
    expect(parseIpv4("192.168.7")).toBeUndefined();
    expect(parseIpv4("192.168.7.256")).toBeUndefined();
    expect(parseIpv4("192.168.07.1")).toBeUndefined();
    const c = parseCidr("192.168.7.0/24");
    if (!c) throw new Error("parse failed");
    expect(formatIpv4(firstHost(c))).toBe("192.168.7.1");
    expect(formatIpv4(c.broadcast)).toBe("192.168.7.255");
    expect(cidrContains(c, "192.168.7.200")).toBe(true);
    expect(cidrContains(c, "192.168.8.1")).toBe(false);
    expect(formatIpv4(addressAt(c, 121) ?? 0)).toBe("192.168.7.121");
    expect(addressAt(c, 256)).toBeUndefined();
    const wide = parseCidr("192.168.6.0/23");
    const other = parseCidr("192.168.8.0/24");
    if (!wide || !other) throw new Error("parse failed");
    expect(cidrsOverlap(c, wide)).toBe(true);
    expect(cidrsOverlap(c, other)).toBe(false);
    expect(parseCidr("192.168.7.0/33")).toBeUndefined();
    expect(parseCidr("192.168.7.0")).toBeUndefined();
    expect(parseCidr("10.0.0.0/0")?.broadcast).toBe(0xffffffff);
  });
});
