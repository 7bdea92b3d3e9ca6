/**
 * The cloud-init seed renderer (user-data, network-config, meta-data), rendered for node01 of the
 * default lab. Compared byte for byte with its golden files under test/golden/; after an intended
 * change, regenerate them with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/node/cloud-init.test.ts
 *
 * and review the diff. Structural facts are also checked by parsing the output back (yaml.parse).
 */
import { parse as parseYaml } from "yaml";
import type { NodeSpec } from "../../../spec";
import { cloudInitInterfaces } from "../../../components/node/node-vm";
import { renderHostsFile } from "../../../providers/node/hosts-file";
import {
  CLOUD_INIT_DONE_MARKER,
  ROOT_PRIVATE_KEY_PATH,
  instanceId,
  interfaceNameFor,
  renderCloudInitSeed,
  renderNetworkConfig,
  seedFiles,
  type CloudInitSeedInput,
} from "../../../providers/node/cloud-init";
import { expectGolden } from "../../support/golden";
import { rec, recs, type Parsed } from "../../support/parsed";
import { dev, hosts, networkNamed, node01 } from "../../fixtures/default-lab";

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
const HOST_PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTestsOnly00000000000000000000 host@node01";
const HOST_PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "SE9TVC1URVNULU9OTFktTk9ULUEtUkVBTC1LRVk=",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");

function seedInput(node: NodeSpec): CloudInitSeedInput {
  const nics = cloudInitInterfaces(node, dev.networks);
  return {
    hostname: node.name,
    hosts,
    authorizedKeys: [PROGRAM_PUBLIC_KEY, ROOT_PUBLIC_KEY],
    rootPublicKey: ROOT_PUBLIC_KEY,
    rootPrivateKey: ROOT_PRIVATE_KEY,
    hostPublicKey: HOST_PUBLIC_KEY,
    hostPrivateKey: HOST_PRIVATE_KEY,
    // As the lab renders it: no time server (the host serves none).
    timeServers: [],
    interfaces: nics.map((nic, i) => ({
      ...nic,
      name: interfaceNameFor(networkNamed(node.interfaces[i].network).role),
    })),
  };
}

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
    // No time server: cloud-init leaves chrony alone (it would put Debian's pools in for an empty list).
    expect(rec(ud.ntp)).toEqual({ enabled: false });
    const withServer = rec(
      parseYaml(renderCloudInitSeed({ ...seedInput(node01), timeServers: ["192.168.8.2"] })["user-data"], {
        version: "1.1",
      }),
    );
    expect(rec(withServer.ntp)).toEqual({
      enabled: true,
      ntp_client: "chrony",
      servers: ["192.168.8.2"],
      pools: [],
    });
    expect(recs(ud.runcmd).at(-1)).toEqual(["touch", CLOUD_INIT_DONE_MARKER]);
  });

  test("user-data writes the seed's files, those NodeFiles keeps on the running node", () => {
    const ud = rec(parseYaml(seed["user-data"], { version: "1.1" }));
    expect(recs(ud.write_files)).toEqual(seedFiles(seedInput(node01)));
  });

  test("user-data: the root private key only in write_files, mode 0600; the host key only in ssh_keys", () => {
    const ud = rec(parseYaml(seed["user-data"], { version: "1.1" }));
    const holders = recs(ud.write_files).filter((f) => String(f.content).includes("PRIVATE KEY"));
    expect(holders).toEqual([
      { path: ROOT_PRIVATE_KEY_PATH, owner: "root:root", permissions: "0600", content: ROOT_PRIVATE_KEY },
    ]);
    // sshd presents the node's generated host key from the first boot (the program pins it).
    expect(rec(ud.ssh_keys)).toEqual({ ed25519_private: HOST_PRIVATE_KEY, ed25519_public: HOST_PUBLIC_KEY });
    expect(seed["user-data"].split("BEGIN OPENSSH PRIVATE KEY")).toHaveLength(3);
    expect(seed["network-config"]).not.toContain("PRIVATE KEY");
    expect(seed["meta-data"]).not.toContain("PRIVATE KEY");
  });

  test("user-data: a host key that is not an ed25519 pair is refused", () => {
    expect(() => renderCloudInitSeed({ ...seedInput(node01), hostPublicKey: "ssh-rsa AAAAB3Nza" })).toThrow(
      "user-data node01: the host key must be an ed25519 key pair",
    );
    expect(() => renderCloudInitSeed({ ...seedInput(node01), hostPrivateKey: " " })).toThrow(
      "user-data node01: the host key must be an ed25519 key pair",
    );
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
