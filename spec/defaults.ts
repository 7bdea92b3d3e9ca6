/**
 * Defaults and derived fields: turn a schema-checked {@link LabConfig} into a complete {@link LabSpec}.
 *
 * An empty config reproduces the lab of seeds 000/001: nodes node01/node02 (node03 reserved in
 * /etc/hosts), networks service 192.168.7.0/24, management 192.168.8.0/24 (the host is .1) and
 * heartbeat 192.168.9.0/24, an iSCSI target on the host with a 100 MiB quorum LUN and a 1 GiB data
 * LUN, GlusterFS volume data00 (replica 2, brick /glvol00, mount /gldata00), cluster01 with
 * two_node and token 20000, fence_virsh device kvmhost01, and service group service01
 * (VIP 192.168.7.99 + data00 mount + PostgreSQL) in failover domain dom01.
 *
 * A `loadBalancer` section adds seed 002's LVS load balancer (ldirectord's settings of the seed,
 * the VIP at .55 of the service network) and makes no service group by default; nodes with
 * `role: real-server` stand outside the cluster (512 MiB, node id 0, no heartbeat NIC unless given).
 *
 * Defaults that depend on other fields are derived from them (a node's default addresses from the
 * network CIDRs, the fence address from the host address, …), so a user who changes one figure does
 * not have to restate the others. Nothing here rejects input: malformed values are passed through
 * (or derived as "") and reported by spec/validate.
 */
import { createHash } from "crypto";
import { addressAt, firstHost, formatIpv4, parseCidr, cidrContains } from "./ipv4";
import { clusterMembers, networkWithRole } from "./queries";
import type {
  LabConfig,
  LoadBalancerConfig,
  Ocfs2Config,
  NetworkConfig,
  NodeConfig,
  ServiceGroupConfig,
  ServiceResourceConfig,
} from "./schema";
import type {
  ClusterSpec,
  FenceDeviceSpec,
  GlusterSpec,
  HostSpec,
  IscsiSpec,
  LabSpec,
  LoadBalancerSpec,
  LunSpec,
  NetworkRole,
  NetworkSpec,
  NodeSpec,
  Ocfs2Spec,
  ServiceGroupSpec,
  ServiceResourceSpec,
} from "./types";

/** Default lab name (prefix of every libvirt object). */
export const DEFAULT_LAB_NAME = "halab";

/** The seed's three networks (seed 000). */
export const DEFAULT_NETWORKS: readonly NetworkConfig[] = [
  { name: "service", role: "service", cidr: "192.168.7.0/24" },
  { name: "management", role: "management", cidr: "192.168.8.0/24" },
  { name: "heartbeat", role: "heartbeat", cidr: "192.168.9.0/24" },
];

/** Default node names (seed 000) and the host offset of the first node's addresses (.121). */
export const DEFAULT_NODE_NAMES: readonly string[] = ["node01", "node02"];
/** Host part of node01's address on every network (node02 is .122, reserved node03 .123). */
export const FIRST_NODE_HOST_OFFSET = 121;
/** Host part of the default service VIP (192.168.7.99). */
export const DEFAULT_VIP_HOST_OFFSET = 99;

/** Suffix of a node's host name on a network of each role: node01, node01m, node01h. */
export const ROLE_HOSTNAME_SUFFIX: Readonly<Record<NetworkRole, string>> = {
  service: "",
  management: "m",
  heartbeat: "h",
};

/** Short role tags used in derived bridge names. */
export const ROLE_BRIDGE_TAG: Readonly<Record<NetworkRole, string>> = {
  service: "svc",
  management: "mgt",
  heartbeat: "hb",
};

/** Node sizing defaults (TCG guests: 1 vCPU, 1 GiB, 8 GiB disk). */
export const DEFAULT_NODE_SIZE = { vcpus: 1, memoryMiB: 1024, diskGiB: 8 } as const;

/** Default memory of a real server (a web server only: no cluster stack runs there). */
export const DEFAULT_REAL_SERVER_MEMORY_MIB = 512;

/** Host part of the default load-balancer VIP (seed 002: FIP 192.168.5.55). */
export const DEFAULT_LB_VIP_HOST_OFFSET = 55;

/** Seed 002's ldirectord settings (/etc/ha.d/ldirectord.cf) and its check page. */
export const DEFAULT_LOAD_BALANCER = {
  port: 80,
  scheduler: "rr",
  protocol: "tcp",
  forwarding: "gate",
  checkType: "negotiate",
  request: "haCheker/haCheck.html",
  receive: "up and running",
  checkTimeout: 5,
  checkInterval: 10,
  autoreload: true,
  quiescent: false,
  fallback: "127.0.0.1:80",
  web: "lighttpd",
} as const;

/**
 * Default cluster properties. `no-quorum-policy` stays at pacemaker's `stop`: with corosync's
 * two_node (votequorum) or cman's two_node="1" the surviving node keeps quorum after fencing its
 * peer, so the old `ignore` work-around is neither needed nor safe.
 */
export const DEFAULT_CLUSTER_PROPERTIES: Readonly<Record<string, string>> = {
  "stonith-enabled": "true",
  "no-quorum-policy": "stop",
};

/** Stickiness of a group in an unordered failover domain: above any location score (no failback). */
export const UNORDERED_DOMAIN_STICKINESS = 1000;

/** Default timeouts in seconds (TCG guests are slow). */
export const DEFAULT_TIMEOUTS = { bootSeconds: 600 } as const;

/** Host part of the libvirt state directory; the lab name is appended. */
export const DEFAULT_STATE_ROOT = "/var/lib/kvm-ha-lab";

/** The name `iscsi.host` gives the KVM host (the default: the target runs there); no node has it. */
export const KVM_HOST = "kvmhost";

/** Path of the fence_virsh private key on the nodes (seed 001). */
export const DEFAULT_FENCE_IDENTITY_FILE = "/etc/cluster/fence_virsh_key";

/** Two-digit zero-padded number: 1 → "01". */
function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Deterministic MAC address of a node's NIC on a network, in QEMU's 52:54:00 prefix: the next
 * three octets are the first bytes of sha256(`<lab>/<node>/<network>`).
 */
export function deriveMac(labName: string, nodeName: string, networkName: string): string {
  const h = sha256(`${labName}/${nodeName}/${networkName}`);
  return ["52", "54", "00", ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/**
 * Bridge name of a lab network: `<lab>-<roletag>` (e.g. `halab-mgt`), or — when that would exceed
 * the kernel's 15-character limit — the lab name cut short plus 4 hex digits of its hash
 * (`averylo1a2b-mgt`), so that two long lab names with the same beginning still differ.
 */
export function deriveBridgeName(labName: string, role: NetworkRole): string {
  const tag = ROLE_BRIDGE_TAG[role];
  const plain = `${labName}-${tag}`;
  if (plain.length <= 15) return plain;
  const hash = sha256(labName).toString("hex").slice(0, 4);
  return `${labName.slice(0, 15 - 1 - tag.length - hash.length)}${hash}-${tag}`;
}

/** Host name of a node on a network of the given role (`node01` + `m` → `node01m`). */
export function deriveHostname(nodeName: string, role: NetworkRole): string {
  return `${nodeName}${ROLE_HOSTNAME_SUFFIX[role]}`;
}

/** Address `offset` places into a network given as CIDR text, or "" when that is not possible. */
function offsetAddress(cidrText: string, offset: number): string {
  const cidr = parseCidr(cidrText);
  const a = cidr === undefined ? undefined : addressAt(cidr, offset);
  return a === undefined ? "" : formatIpv4(a);
}

function resolveNetworks(config: LabConfig, labName: string): NetworkSpec[] {
  const hostAddress = config.host?.address;
  return (config.networks ?? DEFAULT_NETWORKS).map((n) => {
    const cidr = parseCidr(n.cidr);
    let gateway = "";
    if (cidr !== undefined) {
      // The host's side of the management bridge is the host address, when one is given and fits.
      gateway =
        n.role === "management" && hostAddress !== undefined && cidrContains(cidr, hostAddress)
          ? hostAddress
          : formatIpv4(firstHost(cidr));
    }
    return {
      name: n.name,
      libvirtName: `${labName}-${n.name}`,
      role: n.role,
      cidr: n.cidr,
      bridge: n.bridge ?? deriveBridgeName(labName, n.role),
      mode: n.mode ?? "isolated",
      gateway: n.gateway ?? gateway,
    };
  });
}

/** The seed's nodes, by name: their addresses are derived (.121, .122, … of every network). */
const DEFAULT_NODE_CONFIGS: readonly NodeConfig[] = DEFAULT_NODE_NAMES.map((name) => ({ name }));

/**
 * The address of the node at `index` in `nodes` on a network when its entry gives none, as the
 * seed's nodes are addressed: host part .121 + index (node01 .121, node02 .122, a third .123), or
 * "" when the network cannot hold it.
 */
export function derivedNodeAddress(cidr: string, index: number): string {
  return offsetAddress(cidr, FIRST_NODE_HOST_OFFSET + index);
}

/**
 * The nodes. Cluster members are numbered (node id, default priority) among themselves. An address
 * the entry does not give is derived from its index ({@link derivedNodeAddress}). A real server
 * (seed 002) gets node id and priority 0, 512 MiB by default, and a NIC on a heartbeat network only
 * when it is given an address there (it takes no part in the cluster's traffic).
 */
function resolveNodes(labName: string, networks: NetworkSpec[], nodes: readonly NodeConfig[]): NodeSpec[] {
  let memberIndex = 0;
  return nodes.map((n, position) => {
    const realServer = n.role === "real-server";
    const index = realServer ? -1 : memberIndex++;
    const given = n.addresses ?? {};
    const onNetworks = networks.filter(
      (net) => !realServer || net.role !== "heartbeat" || given[net.name] !== undefined,
    );
    return {
      name: n.name,
      domainName: n.domainName ?? `${labName}-${n.name}`,
      nodeId: index + 1,
      vcpus: n.vcpus ?? DEFAULT_NODE_SIZE.vcpus,
      memoryMiB: n.memoryMiB ?? (realServer ? DEFAULT_REAL_SERVER_MEMORY_MIB : DEFAULT_NODE_SIZE.memoryMiB),
      diskGiB: n.diskGiB ?? DEFAULT_NODE_SIZE.diskGiB,
      interfaces: onNetworks.map((net) => ({
        network: net.name,
        address: given[net.name] ?? derivedNodeAddress(net.cidr, position),
        mac: (n.macs?.[net.name] ?? deriveMac(labName, n.name, net.name)).toLowerCase(),
        hostname: deriveHostname(n.name, net.role),
      })),
      priority: n.priority ?? index + 1,
      ...(n.role !== undefined ? { role: n.role } : {}),
    };
  });
}

function resolveHost(config: LabConfig, labName: string, networks: NetworkSpec[]): HostSpec {
  const h = config.host ?? {};
  const management = networkWithRole(networks, "management");
  return {
    libvirtUri: h.libvirtUri ?? "qemu:///system",
    domainType: h.domainType ?? "auto",
    address: h.address ?? management?.gateway ?? "",
    sshPort: h.sshPort ?? 22,
    sshUser: h.sshUser ?? "root",
    daemon: h.daemon ?? "managed",
    stateDir: h.stateDir ?? `${DEFAULT_STATE_ROOT}/${labName}`,
  };
}

/** The LUN directory the target gets unless configured: `<stateDir>/tgtd/<cluster name>`. */
export function defaultIscsiDirectory(stateDir: string, clusterName: string): string {
  return `${stateDir}/tgtd/${clusterName}`;
}

function resolveIscsi(config: LabConfig, labName: string, host: HostSpec, clusterName: string): IscsiSpec {
  const i = config.iscsi ?? {};
  const luns: { id?: number; file: string; sizeMiB: number; purpose?: LunSpec["purpose"] }[] = i.luns ?? [
    { file: "volume01.img", sizeMiB: 100, purpose: "quorum" },
    { file: "volume02.img", sizeMiB: 1024, purpose: "data" },
  ];
  return {
    enabled: i.enabled ?? true,
    host: i.host ?? KVM_HOST,
    // Scoped by lab name so that two labs on one host get distinct targets.
    iqn:
      i.iqn ?? `iqn.2011-08.com.example.kvmhost:${labName.toLowerCase().replace(/[^a-z0-9.-]/g, "-")}-tgt01`,
    directory: i.directory ?? defaultIscsiDirectory(host.stateDir, clusterName),
    luns: luns.map((l, k) => ({
      id: l.id ?? k + 1,
      file: l.file,
      sizeMiB: l.sizeMiB,
      purpose: l.purpose ?? "data",
    })),
  };
}

function resolveGluster(config: LabConfig, networks: NetworkSpec[], nodeCount: number): GlusterSpec {
  const g = config.gluster ?? {};
  const management = networkWithRole(networks, "management");
  return {
    enabled: g.enabled ?? true,
    volume: g.volume ?? "data00",
    replica: g.replica ?? Math.max(2, nodeCount),
    arbiter: g.arbiter ?? false,
    brickPath: g.brickPath ?? "/glvol00",
    ...(g.brickDevice !== undefined ? { brickDevice: g.brickDevice } : {}),
    network: g.network ?? management?.name ?? "",
    mountPoint: g.mountPoint ?? "/gldata00",
    // Placeholder; settled after the services are known (see applyDefaults).
    mountBy: g.mountBy ?? "service",
    options: { ...(g.options ?? {}) },
    allowDestructiveChanges: g.allowDestructiveChanges ?? false,
  };
}

function resolveCluster(config: LabConfig, networks: NetworkSpec[], memberCount: number): ClusterSpec {
  const c = config.cluster ?? {};
  const stack = c.stack ?? "pacemaker";
  // Link 0 is the heartbeat network; without one, heartbeat shares the service network (seed 000).
  // The management network is the redundant link 1.
  const linkRoles = networkWithRole(networks, "heartbeat")
    ? (["heartbeat", "management"] as const)
    : (["service", "management"] as const);
  const defaultLinks = linkRoles
    .map((role) => networkWithRole(networks, role)?.name)
    .filter((n): n is string => n !== undefined);
  return {
    stack,
    name: c.name ?? "cluster01",
    transport: c.transport ?? (stack === "cman" ? "udpu" : "knet"),
    tokenMs: c.tokenMs ?? 20000,
    twoNode: c.twoNode ?? memberCount === 2,
    links: c.links ?? defaultLinks,
    startAtBoot: c.startAtBoot ?? false,
    properties: { ...DEFAULT_CLUSTER_PROPERTIES, ...(c.properties ?? {}) },
    resourceDefaults: { ...(c.resourceDefaults ?? {}) },
    allowNoStonithWithSharedData: c.allowNoStonithWithSharedData ?? false,
    ...(c.allowNoStonith !== undefined ? { allowNoStonith: c.allowNoStonith } : {}),
  };
}

function resolveFencing(config: LabConfig, host: HostSpec): FenceDeviceSpec[] {
  return (config.fencing ?? [{ name: "kvmhost01" }]).map((f) => ({
    name: f.name,
    agent: f.agent ?? "fence_virsh",
    ipaddr: f.ipaddr ?? host.address,
    login: f.login ?? host.sshUser,
    identityFile: f.identityFile ?? DEFAULT_FENCE_IDENTITY_FILE,
    action: f.action ?? "reboot",
  }));
}

/** Seed 003's o2cb settings (`/etc/init.d/o2cb configure`'s defaults) and the lab's volume. */
export const DEFAULT_OCFS2 = {
  clusterName: "ocfs2",
  port: 7777,
  heartbeatDeadThreshold: 31,
  idleTimeoutMs: 30000,
  keepaliveDelayMs: 2000,
  reconnectDelayMs: 2000,
  slots: 4,
  mountPoint: "/srv/ocfs2",
} as const;

/**
 * Seed 003's OCFS2 cluster: every cluster member unless listed, numbered by its place in the list
 * (0, 1, …: a node appended later never renumbers the others) unless its number is given; the
 * interconnect on the heartbeat network (a private interconnect, as OCFS2 recommends), else the
 * service network; the seed's timeouts; the label `<lab>-<cluster>`.
 */
function resolveOcfs2(
  o: Ocfs2Config,
  labName: string,
  networks: NetworkSpec[],
  nodes: NodeSpec[],
): Ocfs2Spec {
  const d = DEFAULT_OCFS2;
  const network =
    o.network ?? (networkWithRole(networks, "heartbeat") ?? networkWithRole(networks, "service"))?.name ?? "";
  const entries = (o.nodes ?? clusterMembers(nodes).map((n) => n.name)).map((e) =>
    typeof e === "string" ? { name: e } : e,
  );
  const clusterName = o.clusterName ?? d.clusterName;
  return {
    clusterName,
    nodes: entries.map((e, i) => ({
      name: e.name,
      number: e.number ?? i,
      address:
        nodes.find((n) => n.name === e.name)?.interfaces.find((nic) => nic.network === network)?.address ??
        "",
    })),
    network,
    port: o.port ?? d.port,
    heartbeatDeadThreshold: o.heartbeatDeadThreshold ?? d.heartbeatDeadThreshold,
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    keepaliveDelayMs: o.keepaliveDelayMs ?? d.keepaliveDelayMs,
    reconnectDelayMs: o.reconnectDelayMs ?? d.reconnectDelayMs,
    lun: o.lun,
    label: o.label ?? `${labName}-${clusterName}`,
    slots: o.slots ?? d.slots,
    mountPoint: o.mountPoint ?? d.mountPoint,
    mountOptions: [...(o.mountOptions ?? [])],
  };
}

/**
 * Seed 002's load balancer: the VIP at .55 of the service network, ldirectord's settings of the
 * seed, the check port the service port, the directors pinging the service network's gateway.
 */
function resolveLoadBalancer(lb: LoadBalancerConfig, networks: NetworkSpec[]): LoadBalancerSpec {
  const service = networkWithRole(networks, "service");
  const d = DEFAULT_LOAD_BALANCER;
  const port = lb.port ?? d.port;
  return {
    vip: lb.vip ?? (service ? offsetAddress(service.cidr, DEFAULT_LB_VIP_HOST_OFFSET) : ""),
    network: service?.name ?? "",
    port,
    scheduler: lb.scheduler ?? d.scheduler,
    protocol: lb.protocol ?? d.protocol,
    forwarding: lb.forwarding ?? d.forwarding,
    checkType: lb.checkType ?? d.checkType,
    checkPort: lb.checkPort ?? port,
    request: lb.request ?? d.request,
    receive: lb.receive ?? d.receive,
    checkTimeout: lb.checkTimeout ?? d.checkTimeout,
    checkInterval: lb.checkInterval ?? d.checkInterval,
    autoreload: lb.autoreload ?? d.autoreload,
    quiescent: lb.quiescent ?? d.quiescent,
    fallback: lb.fallback ?? d.fallback,
    web: lb.web ?? d.web,
    pingTargets: [...(lb.pingTargets ?? (service ? [service.gateway] : []))],
  };
}

/** The seed's service01: VIP .99 on the service network, the shared file system, PostgreSQL. */
function defaultServiceConfigs(
  networks: NetworkSpec[],
  gluster: GlusterSpec,
  iscsi: IscsiSpec,
): ServiceGroupConfig[] {
  const service = networkWithRole(networks, "service");
  const resources: ServiceResourceConfig[] = [
    { kind: "ip", address: service ? offsetAddress(service.cidr, DEFAULT_VIP_HOST_OFFSET) : "" },
  ];
  const dataLun = iscsi.luns.find((l) => l.purpose === "data");
  if (gluster.enabled) resources.push({ kind: "gluster-mount" });
  else if (iscsi.enabled && dataLun) {
    resources.push({ kind: "iscsi-filesystem", lun: dataLun.id, mountPoint: "/shared00" });
  }
  resources.push({ kind: "postgresql" });
  return [{ name: "service01", resources }];
}

const RESOURCE_NAME_TAG: Readonly<Record<ServiceResourceConfig["kind"], string>> = {
  ip: "ip",
  "gluster-mount": "fs",
  "iscsi-filesystem": "fs",
  postgresql: "db",
};

function resolveServices(
  groups: ServiceGroupConfig[],
  networks: NetworkSpec[],
  nodes: NodeSpec[],
  gluster: GlusterSpec,
): ServiceGroupSpec[] {
  const service = networkWithRole(networks, "service");
  const byPriority = [...nodes].sort((a, b) => a.priority - b.priority).map((n) => n.name);
  return groups.map((g, gi) => {
    let lastMount: string | undefined;
    const resources = g.resources.map((r): ServiceResourceSpec => {
      const name = r.name ?? `${g.name}-${RESOURCE_NAME_TAG[r.kind]}`;
      switch (r.kind) {
        case "ip": {
          // `a.b.c.d` or `a.b.c.d/nn`; anything else (`…/abc`, `…/24/1`) is passed on whole, for
          // validation to report as no address.
          const m = /^([^/]*)(?:\/([0-9]{1,2}))?$/.exec(r.address);
          const address = m ? m[1] : r.address;
          const suffixPrefix = m?.[2] !== undefined ? Number(m[2]) : undefined;
          const networkName = r.network ?? service?.name ?? "";
          const net = networks.find((n) => n.name === networkName);
          const netPrefix = net ? parseCidr(net.cidr)?.prefix : undefined;
          return {
            kind: "ip",
            name,
            address,
            cidrNetmask: r.cidrNetmask ?? suffixPrefix ?? netPrefix ?? 24,
            network: networkName,
            monitorLink: r.monitorLink ?? true,
          };
        }
        case "gluster-mount":
          lastMount = r.mountPoint ?? gluster.mountPoint;
          return { kind: "gluster-mount", name, volume: r.volume ?? gluster.volume, mountPoint: lastMount };
        case "iscsi-filesystem":
          lastMount = r.mountPoint;
          return {
            kind: "iscsi-filesystem",
            name,
            lun: r.lun,
            fsType: r.fsType ?? "ext4",
            mountPoint: lastMount,
          };
        case "postgresql":
          return {
            kind: "postgresql",
            name,
            dataDir:
              r.dataDir ?? (lastMount !== undefined ? `${lastMount}/pgsql` : "/var/lib/postgresql/lab"),
            port: r.port ?? 5432,
          };
      }
    });
    const d = g.domain ?? {};
    const ordered = d.ordered ?? false;
    // rgmanager's unordered domain (seed 001: ordered=0) never moves a service back by itself: the
    // operator relocates it after healing storage. Pacemaker: stickiness above the location scores.
    const stickiness = g.stickiness ?? (ordered ? undefined : UNORDERED_DOMAIN_STICKINESS);
    return {
      name: g.name,
      autostart: g.autostart ?? false,
      domain: {
        name: d.name ?? `dom${pad2(gi + 1)}`,
        nodes: d.nodes ?? byPriority,
        ordered,
        restricted: d.restricted ?? true,
      },
      ...(stickiness !== undefined ? { stickiness } : {}),
      resources,
    };
  });
}

/**
 * The seed's reserved /etc/hosts names: the node after the seed's two (node03, node03m, node03h)
 * at .123 of every network. They are the default whether the nodes are written out or not (a user
 * who lists the nodes to change one of them keeps every other default); an entry whose name or
 * address the lab already gives to a node, a service IP or the load balancer's VIP is left out —
 * node03 added as a node takes its own names — and so is one its network cannot hold.
 */
function defaultReservedHosts(
  networks: NetworkSpec[],
  nodes: NodeSpec[],
  services: ServiceGroupSpec[],
  loadBalancer: LoadBalancerSpec | undefined,
): { hostname: string; address: string }[] {
  const next = DEFAULT_NODE_NAMES.length;
  const taken = [
    ...nodes.flatMap((n) => n.interfaces.flatMap((nic) => [nic.address, nic.hostname])),
    ...services.flatMap((g) => g.resources.flatMap((r) => (r.kind === "ip" ? [r.address] : []))),
    ...(loadBalancer !== undefined ? [loadBalancer.vip] : []),
  ];
  return networks
    .map((net) => ({
      hostname: deriveHostname(`node${pad2(next + 1)}`, net.role),
      address: derivedNodeAddress(net.cidr, next),
      gateway: net.gateway,
    }))
    .filter((r) => r.address !== "" && r.address !== r.gateway)
    .filter((r) => !taken.includes(r.hostname) && !taken.includes(r.address))
    .map(({ hostname, address }) => ({ hostname, address }));
}

/**
 * Fills in every default and derived field of a schema-checked config. Pure and total: it never
 * throws; values it cannot derive from malformed input come out as "" for spec/validate to
 * report.
 */
export function applyDefaults(config: LabConfig): LabSpec {
  const name = config.name ?? DEFAULT_LAB_NAME;
  const networks = resolveNetworks(config, name);
  const nodeConfigs = config.nodes ?? DEFAULT_NODE_CONFIGS;
  const nodes = resolveNodes(name, networks, nodeConfigs);
  const host = resolveHost(config, name, networks);
  const members = clusterMembers(nodes);
  const cluster = resolveCluster(config, networks, members.length);
  const iscsi = resolveIscsi(config, name, host, cluster.name);
  const gluster = resolveGluster(config, networks, members.length);
  // A load-balancer lab's service is the load balancer itself, an OCFS2 lab's the shared file
  // system: no service group unless configured.
  const serviceConfigs =
    config.services ??
    (config.loadBalancer !== undefined || config.ocfs2 !== undefined
      ? []
      : defaultServiceConfigs(networks, gluster, iscsi));
  const services = resolveServices(serviceConfigs, networks, members, gluster);
  if (config.gluster?.mountBy === undefined) {
    // Without the cluster layer no service group mounts it: the program does, on every node.
    const withServices = (config.layers ?? "cluster") === "cluster";
    const mountedByService = services.some((s) =>
      s.resources.some((r) => r.kind === "gluster-mount" && r.volume === gluster.volume),
    );
    gluster.mountBy = withServices && mountedByService ? "service" : "all";
  }
  const loadBalancer =
    config.loadBalancer !== undefined ? resolveLoadBalancer(config.loadBalancer, networks) : undefined;
  const reservedHosts = config.reservedHosts ?? defaultReservedHosts(networks, nodes, services, loadBalancer);
  const i = config.image ?? {};
  return {
    name,
    host,
    networks,
    nodes,
    reservedHosts: reservedHosts.map((r) => ({ hostname: r.hostname, address: r.address })),
    image: {
      source: i.source ?? "build",
      ...(i.location !== undefined ? { location: i.location } : {}),
      suite: i.suite ?? "bookworm",
      mirror: i.mirror ?? "http://deb.debian.org/debian",
      extraPackages: [...(i.extraPackages ?? [])],
      sizeGiB: i.sizeGiB ?? 4,
      kernel: i.kernel ?? "cloud",
    },
    iscsi,
    gluster,
    cluster,
    fencing: resolveFencing(config, host),
    services,
    ...(loadBalancer !== undefined ? { loadBalancer } : {}),
    ...(config.ocfs2 !== undefined ? { ocfs2: resolveOcfs2(config.ocfs2, name, networks, nodes) } : {}),
    layers: config.layers ?? "cluster",
    timeouts: {
      bootSeconds: config.timeouts?.bootSeconds ?? DEFAULT_TIMEOUTS.bootSeconds,
    },
  };
}
