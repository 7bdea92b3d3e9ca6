/**
 * cloud-init NoCloud seed of a cluster node (seeds 000/003/004): meta-data, network-config
 * (version 2, NICs matched by MAC) and user-data (#cloud-config: host name, /etc/hosts, root SSH
 * keys, chrony, a completion marker).
 *
 * Every document is built with the `yaml` package as YAML 1.1, the dialect cloud-init's PyYAML
 * reads: strings that 1.1 would take for something else (`52:54:00:12:34:56` is a base-60
 * number there, `0600` an octal one, `on` a boolean) come out quoted.
 */
import { createHash } from "node:crypto";
import { Document } from "yaml";
import type { NetworkRole } from "../../spec/types";
import { ROLE_BRIDGE_TAG } from "../../spec/defaults";
import type { CloudInitDiskInputs, CloudInitInterface } from "./cloud-init-disk";
import { renderHostsFile } from "./hosts-file";

/** File the seed's last step creates: the node finished its first boot configuration. */
export const CLOUD_INIT_DONE_MARKER = "/var/lib/kvm-ha-lab/cloud-init.done";

/** Where root's shared private key goes (password-less root SSH between the nodes). */
export const ROOT_PRIVATE_KEY_PATH = "/root/.ssh/id_ed25519";

/** A document object as handed to the YAML builder. */
type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

/** Serialises one YAML 1.1 document, with an optional leading comment line (`#cloud-config`). */
function yamlDocument(value: YamlValue, comment?: string): string {
  const doc = new Document(value, { version: "1.1" });
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// network-config
// ---------------------------------------------------------------------------------------------

/** A NIC as network-config renders it: a {@link CloudInitInterface} plus the name it gets. */
export interface NetworkConfigInterface extends CloudInitInterface {
  /**
   * Interface name set by cloud-init (≤ 15 characters), e.g. {@link interfaceNameFor}(role).
   * Default: `lab<index>` (`lab0`, `lab1`, …).
   */
  name?: string;
}

/** Input of {@link renderNetworkConfig}. */
export interface NetworkConfigInput {
  /** The node's NICs, in domain order. */
  interfaces: NetworkConfigInterface[];
}

/** The guest interface name of a NIC on a network of the given role: `lab-svc`, `lab-mgt`, `lab-hb`. */
export function interfaceNameFor(role: NetworkRole): string {
  return `lab-${ROLE_BRIDGE_TAG[role]}`;
}

const IFNAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Renders network-config version 2: one `ethernets` entry per NIC, matched by MAC (never by the
 * guest's own name, which is enp0s<slot>), renamed with `set-name`, with its static address. A
 * default route only through NICs with a gateway (NAT networks); no DHCP, no DNS servers.
 * Throws on a malformed or repeated MAC or name.
 */
export function renderNetworkConfig(input: NetworkConfigInput): string {
  const ethernets: { [name: string]: YamlValue } = {};
  const macs = new Set<string>();
  input.interfaces.forEach((nic, index) => {
    const name = nic.name ?? `lab${index}`;
    if (!IFNAME.test(name))
      throw new Error(`network-config: "${name}" is not an interface name of ≤ 15 characters`);
    if (name in ethernets) throw new Error(`network-config: interface name "${name}" is used twice`);
    if (!MAC.test(nic.mac)) throw new Error(`network-config: "${nic.mac}" is not a lower-case MAC address`);
    if (macs.has(nic.mac)) throw new Error(`network-config: MAC ${nic.mac} is used twice`);
    macs.add(nic.mac);
    ethernets[name] = {
      match: { macaddress: nic.mac },
      "set-name": name,
      dhcp4: false,
      dhcp6: false,
      addresses: [`${nic.address}/${nic.prefix}`],
      ...(nic.gateway !== undefined ? { routes: [{ to: "0.0.0.0/0", via: nic.gateway }] } : {}),
    };
  });
  return yamlDocument({ version: 2, ethernets });
}

// ---------------------------------------------------------------------------------------------
// user-data
// ---------------------------------------------------------------------------------------------

/** Input of {@link renderUserData}: the host-independent part of the CloudInitDisk inputs. */
export type UserDataInput = Pick<
  CloudInitDiskInputs,
  | "hostname"
  | "hosts"
  | "authorizedKeys"
  | "rootPublicKey"
  | "rootPrivateKey"
  | "hostPublicKey"
  | "hostPrivateKey"
  | "timeServers"
>;

/** Keys without blank ones or repeats, trimmed, in first-seen order. */
function uniqueKeys(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.trim()).filter((k) => k !== ""))];
}

/** Input of {@link seedFiles}: what the seed's files are made of. */
export type SeedFilesInput = Pick<
  UserDataInput,
  "hosts" | "authorizedKeys" | "rootPublicKey" | "rootPrivateKey"
>;

/** One file the seed writes (a `write_files` entry of user-data). */
export type SeedFile = {
  path: string;
  owner: string;
  /** Octal mode, as cloud-init takes it (`0644`). */
  permissions: string;
  content: string;
};

/**
 * The files the seed writes on a node, in order: /etc/hosts (whole, from `hosts`), root's
 * authorised keys (with the shared root public key), and root's shared key pair at
 * {@link ROOT_PRIVATE_KEY_PATH}. The first boot writes them from user-data; NodeFiles keeps them on
 * a running node. The private key is in the result: treat it as a secret.
 */
export function seedFiles(input: SeedFilesInput): SeedFile[] {
  const authorizedKeys = uniqueKeys([...input.authorizedKeys, input.rootPublicKey]);
  return [
    { path: "/etc/hosts", owner: "root:root", permissions: "0644", content: renderHostsFile(input.hosts) },
    {
      path: "/root/.ssh/authorized_keys",
      owner: "root:root",
      permissions: "0600",
      content: `${authorizedKeys.join("\n")}\n`,
    },
    {
      path: ROOT_PRIVATE_KEY_PATH,
      owner: "root:root",
      permissions: "0600",
      content: `${input.rootPrivateKey.trim()}\n`,
    },
    {
      path: `${ROOT_PRIVATE_KEY_PATH}.pub`,
      owner: "root:root",
      permissions: "0644",
      content: `${input.rootPublicKey.trim()}\n`,
    },
  ];
}

/**
 * Renders user-data (`#cloud-config`). cloud-init is told not to manage /etc/hosts
 * (`manage_etc_hosts: false`): the file is written whole from `hosts`, so the node's own names map
 * to its lab addresses, never to 127.0.1.1 (seed 003). Root gets the authorised keys (with the
 * shared root public key), the shared private key at {@link ROOT_PRIVATE_KEY_PATH} (mode 0600):
 * the {@link seedFiles}; and SSH logins by key only. sshd's ed25519 host key is the node's
 * generated one (`hostPublicKey`/`hostPrivateKey`), so the program pins it from the first
 * connection on: a node's identity is known before it boots and never changes with a restart.
 * chrony syncs with `timeServers` (none: cloud-init leaves chrony to NodeFiles). The last command creates {@link CLOUD_INIT_DONE_MARKER}; nothing
 * phones home. The private keys appear in this document only (root's also in NodeFiles' payload):
 * treat the output as a secret.
 */
export function renderUserData(input: UserDataInput): string {
  if (input.rootPrivateKey.trim() === "")
    throw new Error(`user-data ${input.hostname}: root private key is empty`);
  if (input.hostPrivateKey.trim() === "" || !input.hostPublicKey.trim().startsWith("ssh-ed25519 "))
    throw new Error(`user-data ${input.hostname}: the host key must be an ed25519 key pair`);
  const markerDir = CLOUD_INIT_DONE_MARKER.slice(0, CLOUD_INIT_DONE_MARKER.lastIndexOf("/"));
  return yamlDocument(
    {
      hostname: input.hostname,
      fqdn: input.hostname,
      prefer_fqdn_over_hostname: false,
      preserve_hostname: false,
      manage_etc_hosts: false,
      ssh_pwauth: false,
      disable_root: false,
      // Keep host keys across instance ids: a changed seed must not make the node a stranger.
      ssh_deletekeys: false,
      ssh_keys: {
        ed25519_private: `${input.hostPrivateKey.trim()}\n`,
        ed25519_public: input.hostPublicKey.trim(),
      },
      // The image has no locales package (minbase): leave the C.UTF-8 default alone.
      locale: false,
      write_files: seedFiles(input),
      // cloud-init puts Debian's pools in for an empty list: without servers it leaves chrony
      // alone, and NodeFiles takes the package's pool line out (the lab has no time server).
      ntp:
        input.timeServers.length > 0
          ? { enabled: true, ntp_client: "chrony", servers: [...input.timeServers], pools: [] }
          : { enabled: false },
      runcmd: [
        ["chmod", "0700", "/root/.ssh"],
        ["mkdir", "-p", markerDir],
        ["touch", CLOUD_INIT_DONE_MARKER],
      ],
    },
    "cloud-config",
  );
}

// ---------------------------------------------------------------------------------------------
// meta-data and the whole seed
// ---------------------------------------------------------------------------------------------

/** Input of {@link renderMetaData}. */
export interface MetaDataInput {
  /** The node's host name (`local-hostname`). */
  hostname: string;
  /** The other seed documents: their hash is the instance id, so any change makes cloud-init re-run. */
  documents: readonly string[];
}

/** Instance id of a seed: `<hostname>-<first 16 hex digits of sha256 over the documents>`. */
export function instanceId(input: MetaDataInput): string {
  const hash = createHash("sha256");
  for (const doc of input.documents) hash.update(`${doc.length}:`).update(doc);
  return `${input.hostname}-${hash.digest("hex").slice(0, 16)}`;
}

/**
 * Renders meta-data: `instance-id` ({@link instanceId}, a content hash: a new seed is a new
 * instance, so cloud-init applies it on the next boot) and `local-hostname`.
 */
export function renderMetaData(input: MetaDataInput): string {
  return yamlDocument({ "instance-id": instanceId(input), "local-hostname": input.hostname });
}

/** Input of {@link renderCloudInitSeed}. */
export type CloudInitSeedInput = UserDataInput & NetworkConfigInput;

/** The three files of a NoCloud seed (the ISO's volume label is `cidata`). */
export interface CloudInitSeed {
  "meta-data": string;
  "user-data": string;
  "network-config": string;
}

/** Renders the whole NoCloud seed; meta-data's instance id hashes user-data and network-config. */
export function renderCloudInitSeed(input: CloudInitSeedInput): CloudInitSeed {
  const userData = renderUserData(input);
  const networkConfig = renderNetworkConfig(input);
  return {
    "meta-data": renderMetaData({ hostname: input.hostname, documents: [userData, networkConfig] }),
    "user-data": userData,
    "network-config": networkConfig,
  };
}
