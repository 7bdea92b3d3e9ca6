/**
 * Cross-field validation of a complete {@link LabSpec}, as pure functions that return problems
 * instead of throwing, so that every problem is reported at once (spec/load.ts throws them together).
 *
 * Each problem names the config field to change, as a path into the user's `kvm-ha-lab:lab` value
 * (`nodes[1].addresses.heartbeat`), and says how to fix it. Array indexes in a LabSpec follow the
 * user's config (networks[i], nodes[i], fencing[i], services[i].resources[j], iscsi.luns[i]), and a
 * node's interfaces follow the order of the networks.
 */
import { cidrContains, cidrsOverlap, firstHost, formatCidr, formatIpv4, parseCidr, parseIpv4 } from "./ipv4";
import type { Ipv4Cidr } from "./ipv4";
import type { LabConfig } from "./schema";
import type { LabSpec, NetworkRole, NetworkSpec, ServiceGroupSpec } from "./types";

/** One problem in a lab description. */
export interface Problem {
  /** Path of the field to change, e.g. `nodes[1].addresses.heartbeat`. */
  path: string;
  /** What is wrong (no trailing period). */
  problem: string;
  /** What to do about it (no trailing period). */
  fix: string;
}

/** Formats a problem as `<path>: <problem>. Fix: <fix>`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.problem}. Fix: ${p.fix}`;
}

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const RESOURCE_ID = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const BRIDGE = /^[A-Za-z0-9_.-]{1,15}$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const IQN =
  /^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:_-]+)?$/;
const GLUSTER_VOLUME = /^[A-Za-z0-9_-]{1,64}$/;
const LIBVIRT_NAME = /^[A-Za-z0-9_.+-]{1,200}$/;
const LUN_FILE = /^[A-Za-z0-9_.-]+$/;
const QUOTED = (s: string): string => JSON.stringify(s);

/** True for an RFC 1123 host label: 1–63 characters, lowercase letters, digits and inner hyphens. */
export function isHostLabel(name: string): boolean {
  return name.length <= 63 && HOST_LABEL.test(name);
}

/** True for a cluster resource id: a host label that starts with a letter (CIB ids are XML ids). */
export function isResourceId(name: string): boolean {
  return name.length <= 63 && RESOURCE_ID.test(name);
}

/** True for a MAC address written as six lowercase or uppercase hex octets separated by `:`. */
export function isMac(mac: string): boolean {
  return MAC.test(mac.toLowerCase());
}

/** True for an absolute path other than `/` without `..` components or whitespace. */
export function isAbsolutePath(path: string): boolean {
  return /^\/\S*$/.test(path) && path !== "/" && !path.split("/").includes("..");
}

/** A problem for a name that is not an RFC 1123 host label, or none. */
export function checkHostLabel(path: string, name: string, what: string): Problem[] {
  if (isHostLabel(name)) return [];
  return [
    {
      path,
      problem: `${QUOTED(name)} is not a valid ${what} (an RFC 1123 host label)`,
      fix: "use 1–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (e.g. node01)",
    },
  ];
}

function checkResourceId(path: string, name: string, what: string): Problem[] {
  if (isResourceId(name)) return [];
  return [
    {
      path,
      problem: `${QUOTED(name)} is not a valid ${what}`,
      fix: "use 1–63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (e.g. service01)",
    },
  ];
}

function checkAbsolutePath(path: string, value: string, what: string): Problem[] {
  if (isAbsolutePath(value)) return [];
  return [
    {
      path,
      problem: `${QUOTED(value)} is not a usable ${what}`,
      fix: "give an absolute path other than / without spaces or '..' (e.g. /gldata00)",
    },
  ];
}

/** Reports every later occurrence of a value already seen, pointing at the first one. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  path: (index: number) => string,
  what: string,
  fix: string,
): Problem[] {
  const seen = new Map<string, number>();
  const out: Problem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === "") return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else out.push({ path: path(i), problem: `duplicate ${what} ${QUOTED(k)} (also at ${path(first)})`, fix });
  });
  return out;
}

/** A lab network with its index in `networks` and, when its CIDR is well-formed, the parsed CIDR. */
export interface NetworkInfo {
  net: NetworkSpec;
  index: number;
  cidr?: Ipv4Cidr;
}

function networkInfos(spec: LabSpec): Map<string, NetworkInfo> {
  const m = new Map<string, NetworkInfo>();
  spec.networks.forEach((net, index) => {
    if (!m.has(net.name)) m.set(net.name, { net, index, cidr: parseCidr(net.cidr) });
  });
  return m;
}

function networkByRole(spec: LabSpec, role: NetworkRole): NetworkInfo | undefined {
  const index = spec.networks.findIndex((n) => n.role === role);
  if (index < 0) return undefined;
  const net = spec.networks[index];
  return { net, index, cidr: parseCidr(net.cidr) };
}

function hostRange(info: NetworkInfo): string {
  if (!info.cidr) return `an address inside ${info.net.cidr}`;
  const c = info.cidr;
  const gw = parseIpv4(info.net.gateway);
  const last = gw === c.broadcast - 1 ? c.broadcast - 2 : c.broadcast - 1;
  const first = gw === c.network + 1 ? c.network + 2 : c.network + 1;
  const gwInside = gw !== undefined && gw > first && gw < last;
  return `an address in ${formatIpv4(first)}–${formatIpv4(last)}${gwInside ? ` other than the gateway ${info.net.gateway}` : ""}`;
}

/**
 * Problems of one address that must be a host address of a network: malformed, outside the network,
 * the network or broadcast address, or (unless `allowGateway`) the network's gateway (the host).
 */
export function checkHostAddress(
  path: string,
  address: string,
  info: NetworkInfo,
  what: string,
  allowGateway = false,
): Problem[] {
  const a = parseIpv4(address);
  const where = `network ${info.net.name} (${info.net.cidr})`;
  if (a === undefined) {
    return [
      {
        path,
        problem: `${what} ${QUOTED(address)} is not an IPv4 address`,
        fix: `write a dotted-quad IPv4 address: ${hostRange(info)}`,
      },
    ];
  }
  const c = info.cidr;
  if (!c) return []; // the CIDR itself is reported elsewhere
  if (!cidrContains(c, a)) {
    return [{ path, problem: `${what} ${address} is outside ${where}`, fix: `use ${hostRange(info)}` }];
  }
  if (a === c.network) {
    return [
      {
        path,
        problem: `${what} ${address} is the network address of ${where}`,
        fix: `use ${hostRange(info)}`,
      },
    ];
  }
  if (a === c.broadcast) {
    return [
      {
        path,
        problem: `${what} ${address} is the broadcast address of ${where}`,
        fix: `use ${hostRange(info)}`,
      },
    ];
  }
  if (!allowGateway && address === info.net.gateway) {
    return [
      {
        path,
        problem: `${what} ${address} is the gateway (the KVM host's address) of ${where}`,
        fix: `use ${hostRange(info)}`,
      },
    ];
  }
  return [];
}

/** Lab name: a host label (it prefixes libvirt domains, networks and bridges). */
export function checkLabName(spec: LabSpec): Problem[] {
  return checkHostLabel("name", spec.name, "lab name");
}

/** Networks: names, CIDRs (well-formed, not overlapping), roles, bridges, gateways. */
export function checkNetworks(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const parsed = spec.networks.map((n) => parseCidr(n.cidr));
  spec.networks.forEach((net, i) => {
    const p = `networks[${i}]`;
    out.push(...checkHostLabel(`${p}.name`, net.name, "network name"));
    const c = parsed[i];
    if (!c) {
      out.push({
        path: `${p}.cidr`,
        problem: `${QUOTED(net.cidr)} is not an IPv4 network in CIDR notation`,
        fix: "write it as a.b.c.d/nn with the host bits zero (e.g. 192.168.7.0/24)",
      });
      return;
    }
    if (c.address !== c.network) {
      out.push({
        path: `${p}.cidr`,
        problem: `${net.cidr} has host bits set`,
        fix: `write the network address: ${formatCidr(c)}`,
      });
    }
    if (c.prefix > 30 || c.prefix < 8) {
      out.push({
        path: `${p}.cidr`,
        problem: `prefix length /${c.prefix} of ${net.cidr} is out of range for a lab network`,
        fix: "use a prefix length between /8 and /30 (e.g. /24)",
      });
    }
    for (let j = 0; j < i; j++) {
      const other = parsed[j];
      if (other && cidrsOverlap(c, other)) {
        out.push({
          path: `${p}.cidr`,
          problem: `${net.cidr} overlaps networks[${j}].cidr (${spec.networks[j].cidr})`,
          fix: "give every network its own, non-overlapping address range (e.g. 192.168.7.0/24, 192.168.8.0/24, 192.168.9.0/24)",
        });
      }
    }
    if (!BRIDGE.test(net.bridge)) {
      out.push({
        path: `${p}.bridge`,
        problem: `bridge name ${QUOTED(net.bridge)} is ${net.bridge.length > 15 ? `${net.bridge.length} characters long (the kernel allows 15)` : "not a valid interface name"}`,
        fix: "use at most 15 letters, digits, '-', '_' or '.', or leave bridge out to derive one from the lab name",
      });
    }
    if (!LIBVIRT_NAME.test(net.libvirtName)) {
      out.push({
        path: `${p}.name`,
        problem: `libvirt network name ${QUOTED(net.libvirtName)} is not valid`,
        fix: "use a shorter network name of letters, digits and hyphens",
      });
    }
    const gw = parseIpv4(net.gateway);
    if (gw === undefined || !cidrContains(c, gw) || gw === c.network || gw === c.broadcast) {
      out.push({
        path: `${p}.gateway`,
        problem: `gateway ${QUOTED(net.gateway)} is not a host address of ${net.cidr}`,
        fix: `use a host address inside ${formatCidr(c)}, usually the first one (${formatIpv4(firstHost(c))}), or leave gateway out`,
      });
    }
  });
  out.push(
    ...duplicates(
      spec.networks,
      (n) => n.name,
      (i) => `networks[${i}].name`,
      "network name",
      "give every network a unique name",
    ),
    ...duplicates(
      spec.networks,
      (n) => n.role,
      (i) => `networks[${i}].role`,
      "network role",
      "give each role (service, management, heartbeat) to at most one network",
    ),
    ...duplicates(
      spec.networks,
      (n) => n.bridge,
      (i) => `networks[${i}].bridge`,
      "bridge name",
      "give every network its own bridge, or leave bridge out to derive one",
    ),
  );
  const examples: Record<NetworkRole, string> = {
    service: "{name: service, role: service, cidr: 192.168.7.0/24}",
    management: "{name: management, role: management, cidr: 192.168.8.0/24}",
    heartbeat: "{name: heartbeat, role: heartbeat, cidr: 192.168.9.0/24}",
  };
  for (const role of ["service", "management"] as const) {
    if (!spec.networks.some((n) => n.role === role)) {
      out.push({
        path: "networks",
        problem: `no network has role ${role}`,
        fix: `add a network such as ${examples[role]}`,
      });
    }
  }
  return out;
}

/** The KVM host: libvirt URI, address (must be the management gateway), state directory, user. */
export function checkHost(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const h = spec.host;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/.test(h.libvirtUri)) {
    out.push({
      path: "host.libvirtUri",
      problem: `${QUOTED(h.libvirtUri)} is not a libvirt URI`,
      fix: "use a URI such as qemu:///system or qemu+ssh://root@kvm01/system",
    });
  }
  out.push(...checkAbsolutePath("host.stateDir", h.stateDir, "state directory"));
  if (!USER.test(h.sshUser)) {
    out.push({
      path: "host.sshUser",
      problem: `${QUOTED(h.sshUser)} is not a valid user name`,
      fix: "use a POSIX user name such as root",
    });
  }
  const mgmt = networkByRole(spec, "management");
  if (mgmt) {
    const p = checkHostAddress("host.address", h.address, mgmt, "host address", true);
    out.push(...p);
    if (p.length === 0 && h.address !== mgmt.net.gateway) {
      out.push({
        path: "host.address",
        problem: `host address ${h.address} differs from networks[${mgmt.index}].gateway (${mgmt.net.gateway}), the host's address on the management bridge`,
        fix: `set host.address to ${mgmt.net.gateway}, or set networks[${mgmt.index}].gateway to ${h.address}`,
      });
    }
  }
  return out;
}

/** Nodes: count, names, domain names, addresses, MACs, host names, sizes. */
export function checkNodes(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const infos = networkInfos(spec);
  if (spec.nodes.length < 2) {
    out.push({
      path: "nodes",
      problem: `a cluster needs at least 2 nodes, found ${spec.nodes.length}`,
      fix: "define at least two nodes (or leave nodes out for the seed's node01/node02)",
    });
  }
  spec.nodes.forEach((node, i) => {
    const p = `nodes[${i}]`;
    out.push(...checkHostLabel(`${p}.name`, node.name, "node name"));
    if (!LIBVIRT_NAME.test(node.domainName)) {
      out.push({
        path: `${p}.domainName`,
        problem: `${QUOTED(node.domainName)} is not a valid libvirt domain name`,
        fix: "use letters, digits, '-', '_', '.' or '+' only (or leave domainName out)",
      });
    }
    if (node.diskGiB < spec.image.sizeGiB) {
      out.push({
        path: `${p}.diskGiB`,
        problem: `disk of ${node.diskGiB} GiB is smaller than the base image (image.sizeGiB = ${spec.image.sizeGiB})`,
        fix: `set diskGiB to at least ${spec.image.sizeGiB}`,
      });
    }
    for (const iface of node.interfaces) {
      const info = infos.get(iface.network);
      if (!info) continue;
      const ap = `${p}.addresses.${iface.network}`;
      if (iface.address === "") {
        out.push({
          path: ap,
          problem: `node ${node.name} has no address on network ${iface.network}`,
          fix: `add addresses.${iface.network}: ${hostRange(info)}`,
        });
      } else {
        out.push(...checkHostAddress(ap, iface.address, info, "address"));
      }
      const mp = `${p}.macs.${iface.network}`;
      if (!isMac(iface.mac)) {
        out.push({
          path: mp,
          problem: `${QUOTED(iface.mac)} is not a MAC address`,
          fix: "write six hex octets separated by ':' (e.g. 52:54:00:12:34:56), or leave it out to derive one",
        });
      } else if ((parseInt(iface.mac.slice(0, 2), 16) & 1) === 1) {
        out.push({
          path: mp,
          problem: `${iface.mac} is a multicast MAC address`,
          fix: "use a unicast MAC (even first octet), e.g. in QEMU's 52:54:00 prefix",
        });
      }
      if (iface.hostname !== node.name && !isHostLabel(iface.hostname)) {
        out.push({
          path: `${p}.name`,
          problem: `host name ${QUOTED(iface.hostname)} on network ${iface.network} is not a valid host label (over 63 characters)`,
          fix: "shorten the node name",
        });
      }
    }
  });
  out.push(
    ...duplicates(
      spec.nodes,
      (n) => n.name,
      (i) => `nodes[${i}].name`,
      "node name",
      "give every node a unique name",
    ),
    ...duplicates(
      spec.nodes,
      (n) => n.domainName,
      (i) => `nodes[${i}].domainName`,
      "libvirt domain name",
      "give every node a unique domainName (or leave it out)",
    ),
  );
  const macs = spec.nodes.flatMap((n, i) =>
    n.interfaces.map((f) => ({ mac: f.mac, path: `nodes[${i}].macs.${f.network}` })),
  );
  out.push(
    ...duplicates(
      macs,
      (m) => m.mac,
      (k) => macs[k].path,
      "MAC address",
      "give every NIC its own MAC address (or leave macs out to derive them)",
    ),
  );
  return out;
}

/** Every address and host name that goes into /etc/hosts or onto a NIC must be unique. */
export function checkAddressConflicts(spec: LabSpec): Problem[] {
  const claims: { address: string; path: string }[] = [];
  spec.nodes.forEach((n, i) =>
    n.interfaces.forEach((f) =>
      claims.push({ address: f.address, path: `nodes[${i}].addresses.${f.network}` }),
    ),
  );
  spec.reservedHosts.forEach((r, i) =>
    claims.push({ address: r.address, path: `reservedHosts[${i}].address` }),
  );
  spec.services.forEach((g, i) =>
    g.resources.forEach((r, j) => {
      if (r.kind === "ip")
        claims.push({ address: r.address, path: `services[${i}].resources[${j}].address` });
    }),
  );
  // Host names of a node (node01, node01m, node01h), once each, then the reserved ones.
  const uniqueNames: { name: string; path: string }[] = [];
  spec.nodes.forEach((n, i) =>
    [...new Set(n.interfaces.map((f) => f.hostname))].forEach((name) =>
      uniqueNames.push({ name, path: `nodes[${i}].name` }),
    ),
  );
  spec.reservedHosts.forEach((r, i) =>
    uniqueNames.push({ name: r.hostname, path: `reservedHosts[${i}].hostname` }),
  );
  return [
    ...duplicates(
      claims,
      (c) => (parseIpv4(c.address) === undefined ? "" : c.address),
      (k) => claims[k].path,
      "address",
      "give every node NIC, reserved host and service IP its own address",
    ),
    ...duplicates(
      uniqueNames,
      (n) => n.name,
      (k) => uniqueNames[k].path,
      "host name",
      "rename the node or reserved host so that every /etc/hosts name is unique",
    ),
  ];
}

/** Reserved /etc/hosts entries: valid host names and host addresses of a lab network. */
export function checkReservedHosts(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const infos = [...networkInfos(spec).values()];
  spec.reservedHosts.forEach((r, i) => {
    const p = `reservedHosts[${i}]`;
    out.push(...checkHostLabel(`${p}.hostname`, r.hostname, "host name"));
    const info = infos.find((n) => n.cidr && cidrContains(n.cidr, r.address));
    if (info) out.push(...checkHostAddress(`${p}.address`, r.address, info, "reserved address"));
    else {
      out.push({
        path: `${p}.address`,
        problem: `${QUOTED(r.address)} is not an address on any lab network`,
        fix: `use a host address inside one of ${spec.networks.map((n) => n.cidr).join(", ")}`,
      });
    }
  });
  return out;
}

/** Base image: where it comes from. */
export function checkImage(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const img = spec.image;
  if (img.source === "path" && (img.location === undefined || !isAbsolutePath(img.location))) {
    out.push({
      path: "image.location",
      problem: "source path needs the absolute path of an image file on the host",
      fix: "set image.location to e.g. /var/lib/libvirt/images/debian-12.qcow2",
    });
  }
  if (img.source === "url" && (img.location === undefined || !/^https?:\/\/\S+$/.test(img.location))) {
    out.push({
      path: "image.location",
      problem: "source url needs an http(s) URL",
      fix: "set image.location to the image's URL",
    });
  }
  if (img.source === "build" && img.location !== undefined) {
    out.push({
      path: "image.location",
      problem: "location is not used when source is build",
      fix: "remove image.location, or set image.source to path or url",
    });
  }
  if (!/^https?:\/\/\S+$/.test(img.mirror)) {
    out.push({
      path: "image.mirror",
      problem: `${QUOTED(img.mirror)} is not an http(s) URL`,
      fix: "use a Debian mirror URL such as http://deb.debian.org/debian",
    });
  }
  if (!HOST_LABEL.test(img.suite)) {
    out.push({
      path: "image.suite",
      problem: `${QUOTED(img.suite)} is not a suite name`,
      fix: "use e.g. bookworm",
    });
  }
  return out;
}

/** iSCSI target: where it runs, IQN, LUNs. */
export function checkIscsi(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const t = spec.iscsi;
  if (!t.enabled) return out;
  if (t.host !== "kvmhost" && !spec.nodes.some((n) => n.name === t.host)) {
    out.push({
      path: "iscsi.host",
      problem: `${QUOTED(t.host)} is neither kvmhost nor a node`,
      fix: `use kvmhost or one of the node names (${spec.nodes.map((n) => n.name).join(", ")})`,
    });
  }
  if (!IQN.test(t.iqn)) {
    out.push({
      path: "iscsi.iqn",
      problem: `${QUOTED(t.iqn)} is not an iSCSI qualified name`,
      fix: "write iqn.YYYY-MM.<reversed domain>:<name> in lowercase (e.g. iqn.2011-08.com.example.kvmhost:tgt01)",
    });
  }
  out.push(...checkAbsolutePath("iscsi.directory", t.directory, "LUN directory"));
  if (t.luns.length === 0) {
    out.push({
      path: "iscsi.luns",
      problem: "the target has no LUNs",
      fix: "add at least one LUN (e.g. {file: volume01.img, sizeMiB: 100, purpose: quorum}) or set iscsi.enabled: false",
    });
  }
  t.luns.forEach((l, i) => {
    if (!LUN_FILE.test(l.file) || l.file === "." || l.file === "..") {
      out.push({
        path: `iscsi.luns[${i}].file`,
        problem: `${QUOTED(l.file)} is not a plain file name`,
        fix: "use a file name without '/' (e.g. volume01.img); the file lives in iscsi.directory",
      });
    }
  });
  out.push(
    ...duplicates(
      t.luns,
      (l) => String(l.id),
      (i) => `iscsi.luns[${i}].id`,
      "LUN id",
      "give every LUN its own id (1, 2, …)",
    ),
    ...duplicates(
      t.luns,
      (l) => l.file,
      (i) => `iscsi.luns[${i}].file`,
      "LUN file",
      "give every LUN its own backing file",
    ),
  );
  return out;
}

function mountsGluster(spec: LabSpec): boolean {
  return spec.services.some((s) =>
    s.resources.some((r) => r.kind === "gluster-mount" && r.volume === spec.gluster.volume),
  );
}

/** GlusterFS: replica layout against the node count, paths, network, who mounts it. */
export function checkGluster(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const g = spec.gluster;
  if (!g.enabled) return out;
  const n = spec.nodes.length;
  if (!GLUSTER_VOLUME.test(g.volume)) {
    out.push({
      path: "gluster.volume",
      problem: `${QUOTED(g.volume)} is not a valid volume name`,
      fix: "use letters, digits, '-' and '_' only (e.g. data00)",
    });
  }
  if (g.replica > n) {
    out.push({
      path: "gluster.replica",
      problem: `replica ${g.replica} needs ${g.replica} bricks but there are only ${n} nodes (one brick each)`,
      fix: `set gluster.replica to at most ${n}, or add nodes`,
    });
  } else if (n % g.replica !== 0) {
    out.push({
      path: "gluster.replica",
      problem: `${n} bricks (one per node) are not a multiple of replica ${g.replica}`,
      fix: `set gluster.replica to ${n} or to a divisor of ${n}`,
    });
  }
  if (g.arbiter && g.replica !== 3) {
    out.push({
      path: "gluster.arbiter",
      problem: `an arbiter needs replica 3 (two data bricks and the arbiter), but replica is ${g.replica}`,
      fix: "set gluster.replica: 3 (with 3 nodes), or gluster.arbiter: false",
    });
  }
  out.push(...checkAbsolutePath("gluster.brickPath", g.brickPath, "brick directory"));
  out.push(...checkAbsolutePath("gluster.mountPoint", g.mountPoint, "mount point"));
  const under = (a: string, b: string): boolean => a === b || a.startsWith(`${b}/`);
  if (under(g.brickPath, g.mountPoint) || under(g.mountPoint, g.brickPath)) {
    out.push({
      path: "gluster.mountPoint",
      problem: `mount point ${g.mountPoint} and brick directory ${g.brickPath} overlap`,
      fix: "keep the brick (e.g. /glvol00) and the mount point (e.g. /gldata00) apart",
    });
  }
  if (g.brickDevice !== undefined && !/^\/dev\/\S+$/.test(g.brickDevice)) {
    out.push({
      path: "gluster.brickDevice",
      problem: `${QUOTED(g.brickDevice)} is not a device path`,
      fix: "use a block device under /dev (e.g. /dev/vdb), or leave brickDevice out",
    });
  }
  if (!spec.networks.some((net) => net.name === g.network)) {
    out.push({
      path: "gluster.network",
      problem: `no network named ${QUOTED(g.network)}`,
      fix: `use one of ${spec.networks.map((net) => net.name).join(", ")} (the seed uses the management network)`,
    });
  }
  const byService = mountsGluster(spec);
  // Service groups are only built with the cluster layer.
  if (g.mountBy === "all" && byService && spec.layers === "cluster") {
    out.push({
      path: "gluster.mountBy",
      problem: `mountBy is all but a service group also mounts ${g.volume}`,
      fix: "set gluster.mountBy: service, or remove the gluster-mount resource",
    });
  }
  if (g.mountBy === "service" && !byService) {
    out.push({
      path: "gluster.mountBy",
      problem: `mountBy is service but no service group has a gluster-mount of ${g.volume}`,
      fix: "add a {kind: gluster-mount} resource to a service group, or set gluster.mountBy: all",
    });
  }
  return out;
}

/** True when a service group holds shared data (a GlusterFS mount or an iSCSI file system). */
export function hasSharedData(group: ServiceGroupSpec): boolean {
  return group.resources.some((r) => r.kind === "gluster-mount" || r.kind === "iscsi-filesystem");
}

/** Cluster: quorum (two_node), links, transport, properties, STONITH against shared data. */
export function checkCluster(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const c = spec.cluster;
  const n = spec.nodes.length;
  out.push(...checkHostLabel("cluster.name", c.name, "cluster name"));
  if (c.stack === "cman" && c.name.length > 15) {
    out.push({
      path: "cluster.name",
      problem: `cman allows cluster names of at most 15 characters, ${QUOTED(c.name)} has ${c.name.length}`,
      fix: "use a shorter name (e.g. cluster01)",
    });
  }
  if (n === 2 && !c.twoNode) {
    out.push({
      path: "cluster.twoNode",
      problem: "a two-node cluster loses quorum when one node fails unless two_node is set",
      fix: "set cluster.twoNode: true, or add a third node",
    });
  }
  if (n !== 2 && c.twoNode) {
    out.push({
      path: "cluster.twoNode",
      problem: `two_node is only valid with exactly 2 nodes, there are ${n}`,
      fix: "set cluster.twoNode: false (quorum then needs a majority of the nodes)",
    });
  }
  if (c.links.length === 0) {
    out.push({
      path: "cluster.links",
      problem: "the cluster has no corosync link",
      fix: "list at least one network, heartbeat first (e.g. [heartbeat, management])",
    });
  }
  const names = spec.networks.map((net) => net.name);
  c.links.forEach((l, i) => {
    if (!names.includes(l)) {
      out.push({
        path: `cluster.links[${i}]`,
        problem: `no network named ${QUOTED(l)}`,
        fix: `use one of ${names.join(", ")}`,
      });
    }
  });
  out.push(
    ...duplicates(
      c.links,
      (l) => l,
      (i) => `cluster.links[${i}]`,
      "link network",
      "list every network at most once",
    ),
  );
  const mgmt = networkByRole(spec, "management");
  if (mgmt && c.links.length > 0 && c.links.every((l) => l === mgmt.net.name)) {
    out.push({
      path: "cluster.links",
      problem: `the only corosync link is the management network ${mgmt.net.name}, which fencing also uses: a lost heartbeat would leave no path to fence`,
      fix: "put a heartbeat (or service) network first in cluster.links",
    });
  }
  if (c.stack === "cman") {
    if (c.transport === "knet") {
      out.push({
        path: "cluster.transport",
        problem: "knet is corosync 3 only; cman (corosync 1) cannot use it",
        fix: "set cluster.transport to udpu or udp",
      });
    }
    if (c.links.length > 2) {
      out.push({
        path: "cluster.links",
        problem: `cman supports at most 2 rings, ${c.links.length} links are listed`,
        fix: "list at most 2 networks",
      });
    }
  } else {
    if (c.transport !== "knet" && c.links.length > 1) {
      out.push({
        path: "cluster.transport",
        problem: `corosync 3 supports only one link with transport ${c.transport}`,
        fix: "set cluster.transport: knet, or list a single network in cluster.links",
      });
    }
    if (c.links.length > 8) {
      out.push({
        path: "cluster.links",
        problem: "knet supports at most 8 links",
        fix: "list at most 8 networks",
      });
    }
  }
  const stonith = c.properties["stonith-enabled"];
  if (stonith !== "true" && stonith !== "false") {
    out.push({
      path: "cluster.properties.stonith-enabled",
      problem: `${QUOTED(stonith)} is not a boolean`,
      fix: "set it to true or false",
    });
  }
  const nqp = c.properties["no-quorum-policy"];
  if (!["stop", "freeze", "ignore", "demote", "suicide"].includes(nqp)) {
    out.push({
      path: "cluster.properties.no-quorum-policy",
      problem: `${QUOTED(nqp)} is not a no-quorum-policy`,
      fix: "use stop (default), freeze, ignore, demote or suicide",
    });
  }
  if (stonith === "false" && !c.allowNoStonithWithSharedData) {
    const shared = spec.services.findIndex(hasSharedData);
    if (shared >= 0) {
      out.push({
        path: "cluster.properties.stonith-enabled",
        problem: `STONITH is disabled while service group ${spec.services[shared].name} (services[${shared}]) holds shared data: a split brain would corrupt it`,
        fix: "set stonith-enabled to true and keep a fence device, or for a throwaway lab set cluster.allowNoStonithWithSharedData: true",
      });
    }
  }
  if (stonith === "true" && spec.fencing.length === 0) {
    out.push({
      path: "fencing",
      problem: "STONITH is enabled but no fence device is defined",
      fix: "add a fence device (e.g. {name: kvmhost01}) or leave fencing out for the default one",
    });
  }
  return out;
}

/** Fence devices: names, addresses on the management network, key path. */
export function checkFencing(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const mgmt = networkByRole(spec, "management");
  spec.fencing.forEach((f, i) => {
    const p = `fencing[${i}]`;
    out.push(...checkHostLabel(`${p}.name`, f.name, "fence device name"));
    if (mgmt) out.push(...checkHostAddress(`${p}.ipaddr`, f.ipaddr, mgmt, "fence address", true));
    if (!USER.test(f.login)) {
      out.push({
        path: `${p}.login`,
        problem: `${QUOTED(f.login)} is not a user name`,
        fix: "use e.g. root",
      });
    }
    out.push(...checkAbsolutePath(`${p}.identityFile`, f.identityFile, "key path"));
  });
  out.push(
    ...duplicates(
      spec.fencing,
      (f) => f.name,
      (i) => `fencing[${i}].name`,
      "fence device name",
      "give every fence device a unique name",
    ),
  );
  return out;
}

/** Service groups: names, failover domains, resources and their references and order. */
export function checkServices(spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const infos = networkInfos(spec);
  const nodeNames = spec.nodes.map((n) => n.name);
  spec.services.forEach((g, i) => {
    const p = `services[${i}]`;
    out.push(...checkResourceId(`${p}.name`, g.name, "service group name"));
    out.push(...checkResourceId(`${p}.domain.name`, g.domain.name, "failover domain name"));
    if (g.domain.nodes.length === 0) {
      out.push({
        path: `${p}.domain.nodes`,
        problem: "the failover domain has no nodes",
        fix: `list the nodes in priority order (e.g. [${nodeNames.join(", ")}]) or leave nodes out`,
      });
    }
    g.domain.nodes.forEach((n, k) => {
      if (!nodeNames.includes(n)) {
        out.push({
          path: `${p}.domain.nodes[${k}]`,
          problem: `no node named ${QUOTED(n)}`,
          fix: `use one of ${nodeNames.join(", ")}`,
        });
      }
    });
    out.push(
      ...duplicates(
        g.domain.nodes,
        (n) => n,
        (k) => `${p}.domain.nodes[${k}]`,
        "domain node",
        "list every node at most once",
      ),
    );
    const mounts: { mountPoint: string; index: number }[] = [];
    g.resources.forEach((r, j) => {
      const rp = `${p}.resources[${j}]`;
      out.push(...checkResourceId(`${rp}.name`, r.name, "resource name"));
      switch (r.kind) {
        case "ip": {
          const info = infos.get(r.network);
          if (!info) {
            out.push({
              path: `${rp}.network`,
              problem: `no network named ${QUOTED(r.network)}`,
              fix: `use one of ${spec.networks.map((n) => n.name).join(", ")} (the VIP belongs on the service network)`,
            });
            break;
          }
          out.push(...checkHostAddress(`${rp}.address`, r.address, info, "service IP"));
          if (info.cidr && r.cidrNetmask !== info.cidr.prefix) {
            out.push({
              path: `${rp}.cidrNetmask`,
              problem: `netmask /${r.cidrNetmask} differs from network ${info.net.name} (${info.net.cidr})`,
              fix: `use /${info.cidr.prefix} or leave cidrNetmask out`,
            });
          }
          break;
        }
        case "gluster-mount":
          if (!spec.gluster.enabled || r.volume !== spec.gluster.volume) {
            out.push({
              path: `${rp}.volume`,
              problem: spec.gluster.enabled
                ? `volume ${QUOTED(r.volume)} is not the lab's GlusterFS volume (${spec.gluster.volume})`
                : "GlusterFS is disabled (gluster.enabled: false)",
              fix: spec.gluster.enabled
                ? `use ${spec.gluster.volume} or leave volume out`
                : "set gluster.enabled: true, or remove this resource",
            });
          }
          out.push(...checkAbsolutePath(`${rp}.mountPoint`, r.mountPoint, "mount point"));
          mounts.push({ mountPoint: r.mountPoint, index: j });
          break;
        case "iscsi-filesystem": {
          const lun = spec.iscsi.luns.find((l) => l.id === r.lun);
          if (!spec.iscsi.enabled) {
            out.push({
              path: `${rp}.lun`,
              problem: "iSCSI is disabled (iscsi.enabled: false)",
              fix: "set iscsi.enabled: true, or remove this resource",
            });
          } else if (!lun) {
            out.push({
              path: `${rp}.lun`,
              problem: `no iSCSI LUN with id ${r.lun}`,
              fix: `use one of the LUN ids ${spec.iscsi.luns.map((l) => l.id).join(", ")}`,
            });
          } else if (lun.purpose === "quorum") {
            out.push({
              path: `${rp}.lun`,
              problem: `LUN ${r.lun} is the quorum LUN`,
              fix: "use a LUN with purpose data",
            });
          }
          out.push(...checkAbsolutePath(`${rp}.mountPoint`, r.mountPoint, "mount point"));
          mounts.push({ mountPoint: r.mountPoint, index: j });
          break;
        }
        case "postgresql":
          out.push(...checkAbsolutePath(`${rp}.dataDir`, r.dataDir, "data directory"));
          break;
      }
    });
    out.push(
      ...duplicates(
        mounts,
        (m) => m.mountPoint,
        (k) => `${p}.resources[${mounts[k].index}].mountPoint`,
        "mount point",
        "mount each file system on its own directory",
      ),
    );
    g.resources.forEach((r, j) => {
      if (r.kind !== "postgresql" || mounts.length === 0) return;
      const home = mounts.find((m) => r.dataDir === m.mountPoint || r.dataDir.startsWith(`${m.mountPoint}/`));
      const rp = `${p}.resources[${j}].dataDir`;
      if (!home) {
        out.push({
          path: rp,
          problem: `data directory ${r.dataDir} is not on the group's shared file system (${mounts.map((m) => m.mountPoint).join(", ")})`,
          fix: `put it under ${mounts[0].mountPoint} (e.g. ${mounts[0].mountPoint}/pgsql) or leave dataDir out`,
        });
      } else if (home.index > j) {
        out.push({
          path: `${p}.resources[${j}]`,
          problem: `PostgreSQL starts before the file system it lives on (resources[${home.index}])`,
          fix: "list the mount before the database: resources start in the order given",
        });
      }
    });
  });
  out.push(
    ...duplicates(
      spec.services,
      (g) => g.name,
      (i) => `services[${i}].name`,
      "service group name",
      "give every service group a unique name",
    ),
  );
  const ids = spec.services.flatMap((g, i) => [
    { id: g.name, path: `services[${i}].name` },
    ...g.resources.map((r, j) => ({ id: r.name, path: `services[${i}].resources[${j}].name` })),
  ]);
  const resourceIds = ids.filter((x) => x.path.includes(".resources["));
  const groupNames = new Set(spec.services.map((g) => g.name));
  out.push(
    ...duplicates(
      resourceIds,
      (x) => x.id,
      (k) => resourceIds[k].path,
      "resource name",
      "give every resource a unique name (set name on one of them)",
    ),
  );
  for (const x of resourceIds) {
    if (groupNames.has(x.id)) {
      out.push({
        path: x.path,
        problem: `resource name ${QUOTED(x.id)} is also a service group name`,
        fix: "rename the resource: groups and resources share one id space",
      });
    }
  }
  const domains = new Map<string, { json: string; index: number }>();
  spec.services.forEach((g, i) => {
    const json = JSON.stringify(g.domain);
    const seen = domains.get(g.domain.name);
    if (!seen) domains.set(g.domain.name, { json, index: i });
    else if (seen.json !== json) {
      out.push({
        path: `services[${i}].domain`,
        problem: `failover domain ${QUOTED(g.domain.name)} is defined differently in services[${seen.index}]`,
        fix: "give this domain another name, or make both definitions equal",
      });
    }
  });
  return out;
}

/**
 * Checks that only the user's config can show: keys of `nodes[].addresses` and `nodes[].macs` that
 * name no network (they would be silently ignored otherwise).
 */
export function checkConfigReferences(config: LabConfig, spec: LabSpec): Problem[] {
  const out: Problem[] = [];
  const names = spec.networks.map((n) => n.name);
  (config.nodes ?? []).forEach((node, i) => {
    for (const field of ["addresses", "macs"] as const) {
      for (const key of Object.keys(node[field] ?? {})) {
        if (!names.includes(key)) {
          out.push({
            path: `nodes[${i}].${field}.${key}`,
            problem: `no network named ${QUOTED(key)}`,
            fix: `use one of ${names.join(", ")}, or remove it`,
          });
        }
      }
    }
  });
  return out;
}

/**
 * Runs every check and returns all problems (empty when the lab is valid), without duplicates.
 * Pass the parsed config too, so that references only it can show are checked.
 */
export function validateLabSpec(spec: LabSpec, config?: LabConfig): Problem[] {
  const all = [
    ...checkLabName(spec),
    ...checkNetworks(spec),
    ...checkHost(spec),
    ...checkNodes(spec),
    ...(config ? checkConfigReferences(config, spec) : []),
    ...checkAddressConflicts(spec),
    ...checkReservedHosts(spec),
    ...checkImage(spec),
    ...checkIscsi(spec),
    ...checkGluster(spec),
    ...checkCluster(spec),
    ...checkFencing(spec),
    ...checkServices(spec),
  ];
  const seen = new Set<string>();
  return all.filter((p) => {
    const line = formatProblem(p);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
