/**
 * libvirt network XML of a lab network (seed 000): a Linux bridge with the host's address on it,
 * no DHCP and no DNS (nodes get static addresses from cloud-init), and outbound NAT only when asked.
 * Also the one XML builder shared by the libvirt renderers, so every document is built (and every
 * value escaped) by fast-xml-parser in the same way.
 */
import { XMLBuilder } from "fast-xml-parser";
import { parseIpv4 } from "../../spec/ipv4";

/** A libvirt XML document as fast-xml-parser builds it: attributes are keys prefixed with `@_`. */
export type XmlNode = { [key: string]: string | number | XmlNode | XmlNode[] };

/** Prefix of attribute keys in {@link XmlNode} (`{ "@_name": "x" }` → `name="x"`). */
export const XML_ATTRIBUTE_PREFIX = "@_";

/**
 * Serialises a libvirt XML document: two-space indentation, empty elements as `<x/>`, text and
 * attribute values escaped by the library, one trailing newline.
 */
export function buildLibvirtXml(document: XmlNode): string {
  // Made per call: a builder at module level would be serialised with every provider.
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
    processEntities: true,
  });
  return `${builder.build(document).trimEnd()}\n`;
}

/** Input of {@link renderNetworkXml}. */
export interface NetworkXmlInput {
  /** libvirt network name (`dev-service`). */
  name: string;
  /** Linux bridge name (≤ 15 characters). */
  bridge: string;
  /** `isolated`: no forward element (no route off the bridge); `nat`: outbound NAT through the host. */
  mode: "isolated" | "nat";
  /** The host's address on the bridge. */
  gatewayAddress: string;
  /** Prefix length of the network (0–32). */
  prefix: number;
  /** UUID of an existing network being redefined (libvirt refuses a same-named definition with a new one). */
  uuid?: string;
}

function checkNetwork(net: NetworkXmlInput): void {
  if (net.name.trim() === "") throw new Error("libvirt network: name is empty");
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(net.bridge)) {
    throw new Error(
      `libvirt network ${net.name}: bridge "${net.bridge}" is not a valid name of ≤ 15 characters`,
    );
  }
  if (parseIpv4(net.gatewayAddress) === undefined) {
    throw new Error(`libvirt network ${net.name}: gateway "${net.gatewayAddress}" is not an IPv4 address`);
  }
  if (!Number.isInteger(net.prefix) || net.prefix < 0 || net.prefix > 32) {
    throw new Error(`libvirt network ${net.name}: prefix ${net.prefix} is not in 0–32`);
  }
}

/**
 * Renders the `<network>` XML that `virsh net-define` takes. Isolated networks have no `<forward>`
 * element; NAT networks have `<forward mode="nat"/>`. There is no `<dhcp>` and DNS is disabled, so
 * libvirt starts no dnsmasq for the network. Throws on an empty name, a bad bridge name, gateway or
 * prefix.
 */
export function renderNetworkXml(net: NetworkXmlInput): string {
  checkNetwork(net);
  return buildLibvirtXml({
    network: {
      name: net.name,
      ...(net.uuid !== undefined ? { uuid: net.uuid } : {}),
      ...(net.mode === "nat" ? { forward: { "@_mode": "nat" } } : {}),
      bridge: { "@_name": net.bridge, "@_stp": "on", "@_delay": "0" },
      dns: { "@_enable": "no" },
      ip: { "@_address": net.gatewayAddress, "@_prefix": String(net.prefix) },
    },
  });
}
