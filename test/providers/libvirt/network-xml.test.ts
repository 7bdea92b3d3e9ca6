/**
 * The libvirt network XML renderer, rendered from the default lab. Compared byte for byte with its
 * golden files under test/golden/; after an intended change, regenerate them with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/libvirt/network-xml.test.ts
 *
 * and review the diff. Structural facts are also checked by parsing the output back, so a wrong
 * golden file cannot hide a broken rendering.
 */
import { XMLParser } from "fast-xml-parser";
import { parseCidr } from "../../../spec/ipv4";
import type { NetworkSpec } from "../../../spec";
import { renderNetworkXml, type NetworkXmlInput } from "../../../providers/libvirt/network-xml";
import { expectGolden } from "../../support/golden";
import { rec, xml } from "../../support/parsed";
import { networkNamed } from "../../fixtures/default-lab";

function networkInput(network: NetworkSpec): NetworkXmlInput {
  const prefix = parseCidr(network.cidr)?.prefix;
  if (prefix === undefined) throw new Error(`bad CIDR ${network.cidr}`);
  return {
    name: network.libvirtName,
    bridge: network.bridge,
    mode: network.mode,
    gatewayAddress: network.gateway,
    prefix,
  };
}

describe("libvirt network XML", () => {
  const service = renderNetworkXml(networkInput(networkNamed("service")));

  test("matches the golden file (isolated service network)", () => {
    expectGolden("network-service.xml", service);
  });

  test("matches the golden file (NAT variant)", () => {
    expectGolden(
      "network-nat.xml",
      renderNetworkXml({ ...networkInput(networkNamed("service")), mode: "nat" }),
    );
  });

  test("isolated: bridge and host address, no forward, no DHCP", () => {
    const net = rec(rec(xml.parse(service)).network);
    expect(net.name).toBe("dev-service");
    expect(rec(net.bridge)["@_name"]).toBe("dev-svc");
    expect(rec(net.ip)["@_address"]).toBe("192.168.7.1");
    expect(rec(net.ip)["@_prefix"]).toBe("24");
    expect(net).not.toHaveProperty("forward");
    expect(rec(net.ip)).not.toHaveProperty("dhcp");
  });

  test("nat: forward mode nat", () => {
    const out = renderNetworkXml({ ...networkInput(networkNamed("service")), mode: "nat" });
    expect(rec(rec(rec(xml.parse(out)).network).forward)["@_mode"]).toBe("nat");
  });

  test("values are escaped by the builder", () => {
    const out = renderNetworkXml({ ...networkInput(networkNamed("service")), name: `a&b<'"` });
    expect(out).toContain("a&amp;b&lt;&apos;&quot;");
    expect(rec(rec(new XMLParser({ processEntities: true }).parse(out)).network).name).toBe(`a&b<'"`);
  });

  test("rejects a bridge name longer than 15 characters", () => {
    expect(() =>
      renderNetworkXml({ ...networkInput(networkNamed("service")), bridge: "a-very-long-bridge" }),
    ).toThrow(/bridge "a-very-long-bridge"/);
  });
});
