/**
 * Golden tests of the lab substrate renderers (libvirt network and domain XML, cloud-init seed,
 * /etc/hosts), rendered from the default lab (`parseLabSpec({ name: "dev" })`).
 *
 * Each rendering is compared byte for byte with its file under test/golden/. After an intended
 * change of a renderer, regenerate the files with
 *
 *     UPDATE_GOLDEN=1 npx jest test/render.test.ts
 *
 * and review the diff before committing it. Structural facts are also checked by parsing the
 * output back (XMLParser, yaml.parse), so a wrong golden file cannot hide a broken rendering.
 */
import { XMLParser } from "fast-xml-parser";
import { parse as parseYaml } from "yaml";
import { parseLabSpec } from "../spec";
import { parseCidr } from "../spec/ipv4";
import type { NetworkSpec, NodeSpec } from "../spec";
import { cloudInitInterfaces, NODE_KERNEL_ARGS } from "../components/node/node-vm";
import { hostsTable } from "../components/node/hosts-table";
import { renderNetworkXml, type NetworkXmlInput } from "../providers/libvirt/network-xml";
import { renderDomainXml, type DomainXmlInput } from "../providers/libvirt/domain-xml";
import { renderHostsFile } from "../providers/node/hosts-file";
import {
  CLOUD_INIT_DONE_MARKER,
  ROOT_PRIVATE_KEY_PATH,
  instanceId,
  interfaceNameFor,
  renderCloudInitSeed,
  renderNetworkConfig,
  type CloudInitSeedInput,
} from "../providers/node/cloud-init";

import { expectGolden } from "./golden";

// Test-only key material: not real keys.
const PROGRAM_PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProgramKeyForTestsOnly0000000000000000 program@dev";
const ROOT_PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRootKeyForTestsOnly00000000000000000000 root@dev";
const ROOT_PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "VEVTVC1PTkxZLU5PVC1BLVJFQUwtS0VZ",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");

const spec = parseLabSpec({ name: "dev" });
const node01: NodeSpec = spec.nodes[0];
const hosts = hostsTable(spec);

function networkNamed(name: string): NetworkSpec {
  const network = spec.networks.find((n) => n.name === name);
  if (network === undefined) throw new Error(`no network ${name}`);
  return network;
}

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

function domainInput(node: NodeSpec, domainType: "kvm" | "qemu"): DomainXmlInput {
  const dir = spec.host.stateDir;
  return {
    name: node.domainName,
    domainType,
    vcpus: node.vcpus,
    memoryMiB: node.memoryMiB,
    diskPath: `${dir}/volumes/${node.domainName}.qcow2`,
    cloudInitIsoPath: `${dir}/volumes/${node.domainName}-cidata.iso`,
    kernelPath: `${dir}/image/vmlinuz`,
    initrdPath: `${dir}/image/initrd.img`,
    kernelArgs: NODE_KERNEL_ARGS,
    interfaces: node.interfaces.map((nic) => ({
      network: networkNamed(nic.network).libvirtName,
      mac: nic.mac,
    })),
  };
}

function seedInput(node: NodeSpec): CloudInitSeedInput {
  const nics = cloudInitInterfaces(node, spec.networks);
  return {
    hostname: node.name,
    hosts,
    authorizedKeys: [PROGRAM_PUBLIC_KEY, ROOT_PUBLIC_KEY],
    rootPublicKey: ROOT_PUBLIC_KEY,
    rootPrivateKey: ROOT_PRIVATE_KEY,
    timeServers: [spec.host.address],
    interfaces: nics.map((nic, i) => ({
      ...nic,
      name: interfaceNameFor(networkNamed(node.interfaces[i].network).role),
    })),
  };
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  isArray: (name) => ["disk", "interface"].includes(name),
});

/** The parsed document as a plain record (parse results are untyped). */
type Parsed = Record<string, unknown>;
const rec = (v: unknown): Parsed => v as Parsed;
const recs = (v: unknown): Parsed[] => v as Parsed[];

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

describe("libvirt domain XML", () => {
  const out = renderDomainXml(domainInput(node01, "qemu"));
  const domain = rec(rec(xml.parse(out)).domain);
  const devices = rec(domain.devices);

  test("matches the golden file (node01, TCG)", () => {
    expectGolden("domain-node01.xml", out);
  });

  test("pc machine, direct kernel boot, crash restarts, no host-passthrough under TCG", () => {
    expect(domain["@_type"]).toBe("qemu");
    const os = rec(domain.os);
    expect(rec(os.type)["@_machine"]).toBe("pc");
    expect(os.kernel).toBe("/var/lib/kvm-ha-lab/dev/image/vmlinuz");
    expect(os.initrd).toBe("/var/lib/kvm-ha-lab/dev/image/initrd.img");
    expect(os.cmdline).toBe(NODE_KERNEL_ARGS);
    expect(domain.on_crash).toBe("restart");
    expect(domain).not.toHaveProperty("cpu");
  });

  test("kvm: host-passthrough CPU", () => {
    const kvm = rec(rec(xml.parse(renderDomainXml(domainInput(node01, "kvm")))).domain);
    expect(kvm["@_type"]).toBe("kvm");
    expect(rec(kvm.cpu)["@_mode"]).toBe("host-passthrough");
  });

  test("virtio qcow2 root disk as vda, cloud-init ISO as a read-only cdrom", () => {
    const [disk, cdrom] = recs(devices.disk);
    expect(disk["@_device"]).toBe("disk");
    expect(rec(disk.driver)["@_type"]).toBe("qcow2");
    expect(rec(disk.target)).toEqual({ "@_dev": "vda", "@_bus": "virtio" });
    expect(cdrom["@_device"]).toBe("cdrom");
    expect(rec(cdrom.source)["@_file"]).toBe("/var/lib/kvm-ha-lab/dev/volumes/dev-node01-cidata.iso");
    expect(cdrom).toHaveProperty("readonly");
  });

  test("one virtio NIC per lab network, with the node's MACs", () => {
    const nics = recs(devices.interface);
    expect(nics.map((n) => rec(n.source)["@_network"])).toEqual([
      "dev-service",
      "dev-management",
      "dev-heartbeat",
    ]);
    expect(nics.map((n) => rec(n.mac)["@_address"])).toEqual(node01.interfaces.map((i) => i.mac));
    expect(nics.every((n) => rec(n.model)["@_type"] === "virtio")).toBe(true);
  });

  test("serial console on a pty", () => {
    expect(rec(devices.serial)["@_type"]).toBe("pty");
    expect(rec(devices.console)["@_type"]).toBe("pty");
  });

  test("boots from the disk when no kernel is given", () => {
    const input = { ...domainInput(node01, "qemu"), kernelPath: "", initrdPath: "" };
    const os = rec(rec(rec(xml.parse(renderDomainXml(input))).domain).os);
    expect(os).not.toHaveProperty("kernel");
    expect(rec(os.boot)["@_dev"]).toBe("hd");
  });

  test("rejects a repeated MAC", () => {
    const input = domainInput(node01, "qemu");
    input.interfaces.push({ ...input.interfaces[0] });
    expect(() => renderDomainXml(input)).toThrow(/used twice/);
  });
});

describe("/etc/hosts", () => {
  const out = renderHostsFile(hosts);
  const lines = out
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/));
  const addressOf = (name: string): string | undefined => lines.find((l) => l.slice(1).includes(name))?.[0];

  test("matches the golden file", () => {
    expectGolden("hosts-node01", out);
  });

  test("lists every node name on every network, and the reserved node03", () => {
    expect(addressOf("node01")).toBe("192.168.7.121");
    expect(addressOf("node01m")).toBe("192.168.8.121");
    expect(addressOf("node01h")).toBe("192.168.9.121");
    expect(addressOf("node02")).toBe("192.168.7.122");
    expect(addressOf("node02h")).toBe("192.168.9.122");
    expect(addressOf("node03")).toBe("192.168.7.123");
    expect(addressOf("node03m")).toBe("192.168.8.123");
  });

  test("never maps a lab name to a loopback address", () => {
    for (const [address, ...names] of lines) {
      if (address.startsWith("127.") || address === "::1") {
        expect(names.every((n) => n.startsWith("localhost") || n.startsWith("ip6-"))).toBe(true);
      }
    }
    expect(() => renderHostsFile([{ address: "127.0.1.1", names: ["node01"] }])).toThrow(/loopback/);
  });

  test("does not depend on the order of the entries", () => {
    expect(renderHostsFile([...hosts].reverse())).toBe(out);
  });

  test("rejects a name on two addresses", () => {
    expect(() =>
      renderHostsFile([
        { address: "192.168.7.1", names: ["x"] },
        { address: "192.168.7.2", names: ["x"] },
      ]),
    ).toThrow(/maps to both/);
  });
});

describe("cloud-init seed", () => {
  const seed = renderCloudInitSeed(seedInput(node01));

  test("matches the golden files (node01)", () => {
    expectGolden("user-data-node01.yaml", seed["user-data"]);
    expectGolden("network-config-node01.yaml", seed["network-config"]);
    expectGolden("meta-data-node01.yaml", seed["meta-data"]);
  });

  test("network-config: one ethernet per NIC, matched by MAC, static, no gateway on isolated networks", () => {
    const config = rec(parseYaml(seed["network-config"], { version: "1.1" }));
    expect(config.version).toBe(2);
    const ethernets = rec(config.ethernets);
    expect(Object.keys(ethernets)).toEqual(["lab-svc", "lab-mgt", "lab-hb"]);
    node01.interfaces.forEach((nic, i) => {
      const eth = rec(Object.values(ethernets)[i]);
      expect(rec(eth.match).macaddress).toBe(nic.mac);
      expect(eth["set-name"]).toBe(Object.keys(ethernets)[i]);
      expect(eth.addresses).toEqual([`${nic.address}/24`]);
      expect(eth).not.toHaveProperty("routes");
      expect(eth).not.toHaveProperty("gateway4");
    });
  });

  test("network-config: MACs are quoted (YAML 1.1 would read 52:54:00:12:34:56 as a number)", () => {
    const out = renderNetworkConfig({
      interfaces: [{ mac: "52:54:00:12:34:56", address: "10.0.0.2", prefix: 24 }],
    });
    expect(out).toContain('macaddress: "52:54:00:12:34:56"');
  });

  test("network-config: a default route only through a NAT NIC", () => {
    const out = renderNetworkConfig({
      interfaces: [{ mac: "52:54:00:12:34:56", address: "10.0.0.2", prefix: 24, gateway: "10.0.0.1" }],
    });
    const eth = rec(rec(rec(parseYaml(out)).ethernets).lab0);
    expect(eth.routes).toEqual([{ to: "0.0.0.0/0", via: "10.0.0.1" }]);
  });

  test("user-data: cloud-config with host name, /etc/hosts, keys, chrony and the marker", () => {
    expect(seed["user-data"].startsWith("#cloud-config\n")).toBe(true);
    const ud = rec(parseYaml(seed["user-data"], { version: "1.1" }));
    expect(ud.hostname).toBe("node01");
    expect(ud.manage_etc_hosts).toBe(false);
    expect(ud.ssh_pwauth).toBe(false);
    expect(ud.disable_root).toBe(false);
    // Host keys survive a new instance id (a changed seed must not make the node a stranger).
    expect(ud.ssh_deletekeys).toBe(false);
    const files = recs(ud.write_files);
    const file = (p: string): Parsed | undefined => files.find((f) => f.path === p);
    expect(file("/etc/hosts")?.content).toBe(renderHostsFile(hosts));
    expect(String(file("/root/.ssh/authorized_keys")?.content).trim().split("\n")).toEqual([
      PROGRAM_PUBLIC_KEY,
      ROOT_PUBLIC_KEY,
    ]);
    expect(rec(ud.ntp)).toMatchObject({ enabled: true, ntp_client: "chrony", servers: ["192.168.8.1"] });
    expect(recs(ud.runcmd).at(-1)).toEqual(["touch", CLOUD_INIT_DONE_MARKER]);
  });

  test("user-data: the root private key only in write_files, mode 0600", () => {
    const ud = rec(parseYaml(seed["user-data"], { version: "1.1" }));
    const holders = recs(ud.write_files).filter((f) => String(f.content).includes("PRIVATE KEY"));
    expect(holders).toEqual([
      { path: ROOT_PRIVATE_KEY_PATH, owner: "root:root", permissions: "0600", content: ROOT_PRIVATE_KEY },
    ]);
    expect(seed["user-data"].split("BEGIN OPENSSH PRIVATE KEY")).toHaveLength(2);
    expect(seed["network-config"]).not.toContain("PRIVATE KEY");
    expect(seed["meta-data"]).not.toContain("PRIVATE KEY");
  });

  test("meta-data: instance id is a content hash, local-hostname is the node", () => {
    const md = rec(parseYaml(seed["meta-data"]));
    expect(md["local-hostname"]).toBe("node01");
    expect(md["instance-id"]).toMatch(/^node01-[0-9a-f]{16}$/);
    const changed = renderCloudInitSeed({ ...seedInput(node01), timeServers: ["192.168.8.2"] });
    expect(rec(parseYaml(changed["meta-data"]))["instance-id"]).not.toBe(md["instance-id"]);
    expect(instanceId({ hostname: "node01", documents: [seed["user-data"], seed["network-config"]] })).toBe(
      md["instance-id"],
    );
  });
});
