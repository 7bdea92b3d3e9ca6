/**
 * The user-facing configuration: what a user writes in `Pulumi.<stack>.yaml` under the single
 * structured key `kvm-ha-lab:lab`.
 *
 * This schema checks structure only (types, enums, integer ranges, unknown keys). Almost every field
 * is optional: spec/defaults.ts fills it in so that an empty `lab` reproduces the lab of seeds
 * 000/001. Formats and cross-field rules (CIDRs, addresses, MACs, names, references) are checked in
 * spec/validate, so that all problems are reported together.
 *
 * Every object is strict: an unknown key (a typo) is an error that lists the allowed keys.
 */
import { z } from "zod";

/** Marker in a strict object's error message; spec/load.ts turns it into a "Fix:" hint. */
export const ALLOWED_KEYS_MARKER = "allowed keys: ";

/** A strict object whose unknown-key error names the allowed keys. */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).strict(`${ALLOWED_KEYS_MARKER}${Object.keys(shape).join(", ")}`);
}

const text = z.string().min(1);

/**
 * The range of every whole number of the lab, `[least, most]`. The upper bounds keep a typo (an
 * extra zero) from reaching libvirt, corosync or the disk: each is far above what a lab on one KVM
 * host uses, or the limit of the tool that takes the value.
 */
export const NUMBER_RANGES = {
  /** A TCP port. */
  port: [1, 65535],
  /** libvirt's vCPUs of a lab node. */
  vcpus: [1, 64],
  /** A node's memory: 256 MiB to 64 GiB. */
  memoryMiB: [256, 65536],
  /** A node's root disk: up to 1 TiB (a copy-on-write overlay). */
  diskGiB: [1, 1024],
  /** A node's failover-domain priority (rgmanager's range). */
  priority: [1, 100],
  /** The built image's root file system (the image builder's range). */
  imageSizeGiB: [2, 64],
  /** An iSCSI LUN number (0 is the target's controller; tgt's LUNs of the lab stop at 255). */
  lunId: [1, 255],
  /** A LUN's backing file: up to 1 TiB. */
  lunSizeMiB: [1, 1048576],
  /** GlusterFS replica count (bricks on at most 32 cluster members). */
  replica: [2, 32],
  /** corosync's totem token: 1 s to 5 min. */
  tokenMs: [1000, 300000],
  /** A netmask as a prefix length. */
  cidrNetmask: [1, 32],
  /** Resource stickiness (pacemaker's INFINITY is 1000000). */
  stickiness: [0, 1000000],
  /** ldirectord's check timeout and interval: up to an hour. */
  checkSeconds: [1, 3600],
  /** A node's boot: at least the 10 s the providers wait at least, at most an hour. */
  bootSeconds: [10, 3600],
} as const satisfies Record<string, readonly [number, number]>;

/** A whole number in one of the {@link NUMBER_RANGES}. */
function whole(range: keyof typeof NUMBER_RANGES) {
  const [least, most] = NUMBER_RANGES[range];
  return z.number().int().min(least).max(most);
}

/** Property values: YAML `true`/`20000` are accepted and stored as the strings pcs expects. */
const propertyValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const propertyMap = z.record(z.string(), propertyValue);

/** `host`: the KVM host. */
export const HostConfigSchema = strictObject({
  libvirtUri: text.optional(),
  domainType: z.enum(["auto", "kvm", "qemu"]).optional(),
  address: text.optional(),
  sshPort: whole("port").optional(),
  sshUser: text.optional(),
  daemon: z.enum(["managed", "external"]).optional(),
  stateDir: text.optional(),
});

/** One entry of `networks`. */
export const NetworkConfigSchema = strictObject({
  name: text,
  role: z.enum(["service", "management", "heartbeat"]),
  cidr: text,
  bridge: text.optional(),
  mode: z.enum(["isolated", "nat"]).optional(),
  gateway: text.optional(),
});

/**
 * One entry of `nodes`. `addresses` and `macs` are keyed by network name; an address left out is
 * derived as the seed's are (host part .121 + the entry's index, on every network).
 */
export const NodeConfigSchema = strictObject({
  name: text,
  domainName: text.optional(),
  vcpus: whole("vcpus").optional(),
  memoryMiB: whole("memoryMiB").optional(),
  diskGiB: whole("diskGiB").optional(),
  addresses: z.record(z.string(), text).optional(),
  macs: z.record(z.string(), text).optional(),
  priority: whole("priority").optional(),
  /** `member` (default): a cluster member; `real-server`: an LVS real server outside the cluster. */
  role: z.enum(["member", "real-server"]).optional(),
});

/** One entry of `reservedHosts` (an /etc/hosts line for a node that does not exist yet). */
export const ReservedHostConfigSchema = strictObject({
  hostname: text,
  address: text,
});

/** `image`: the base image of the nodes. */
export const ImageConfigSchema = strictObject({
  source: z.enum(["build", "path", "url"]).optional(),
  location: text.optional(),
  suite: text.optional(),
  mirror: text.optional(),
  extraPackages: z.array(text).optional(),
  sizeGiB: whole("imageSizeGiB").optional(),
  /** `cloud` (default): Debian's cloud kernel; `generic`: linux-image-amd64 (has OCFS2's modules). */
  kernel: z.enum(["cloud", "generic"]).optional(),
});

/** One entry of `iscsi.luns`. */
export const LunConfigSchema = strictObject({
  id: whole("lunId").optional(),
  file: text,
  sizeMiB: whole("lunSizeMiB"),
  purpose: z.enum(["quorum", "data", "other"]).optional(),
});

/** `iscsi`: the iSCSI target and its LUNs. */
export const IscsiConfigSchema = strictObject({
  enabled: z.boolean().optional(),
  host: text.optional(),
  iqn: text.optional(),
  directory: text.optional(),
  luns: z.array(LunConfigSchema).optional(),
});

/** `gluster`: the GlusterFS replica volume. */
export const GlusterConfigSchema = strictObject({
  enabled: z.boolean().optional(),
  volume: text.optional(),
  replica: whole("replica").optional(),
  arbiter: z.boolean().optional(),
  brickPath: text.optional(),
  brickDevice: text.optional(),
  network: text.optional(),
  mountPoint: text.optional(),
  mountBy: z.enum(["all", "service"]).optional(),
  options: propertyMap.optional(),
  allowDestructiveChanges: z.boolean().optional(),
});

/** `cluster`: the cluster stack. `properties` and `resourceDefaults` are merged over the defaults. */
export const ClusterConfigSchema = strictObject({
  stack: z.enum(["pacemaker", "cman"]).optional(),
  name: text.optional(),
  transport: z.enum(["knet", "udpu", "udp"]).optional(),
  tokenMs: whole("tokenMs").optional(),
  twoNode: z.boolean().optional(),
  links: z.array(text).optional(),
  startAtBoot: z.boolean().optional(),
  properties: propertyMap.optional(),
  resourceDefaults: propertyMap.optional(),
  allowNoStonithWithSharedData: z.boolean().optional(),
  /** Allow seed 002's stonith-enabled=false / no-quorum-policy=ignore in a load-balancer lab. */
  allowNoStonith: z.boolean().optional(),
});

/** One entry of `fencing`. */
export const FenceConfigSchema = strictObject({
  name: text,
  agent: z.literal("fence_virsh").optional(),
  ipaddr: text.optional(),
  login: text.optional(),
  identityFile: text.optional(),
  action: z.enum(["reboot", "off"]).optional(),
});

/** A resource of a service group, told apart by `kind`. Names default to `<group>-<kind>`. */
export const ServiceResourceConfigSchema = z.discriminatedUnion("kind", [
  strictObject({
    kind: z.literal("ip"),
    name: text.optional(),
    /** `192.168.7.99` or `192.168.7.99/24`. */
    address: text,
    cidrNetmask: whole("cidrNetmask").optional(),
    network: text.optional(),
    monitorLink: z.boolean().optional(),
  }),
  strictObject({
    kind: z.literal("gluster-mount"),
    name: text.optional(),
    volume: text.optional(),
    mountPoint: text.optional(),
  }),
  strictObject({
    kind: z.literal("iscsi-filesystem"),
    name: text.optional(),
    lun: whole("lunId"),
    fsType: z.enum(["ext4", "xfs"]).optional(),
    mountPoint: text,
  }),
  strictObject({
    kind: z.literal("postgresql"),
    name: text.optional(),
    dataDir: text.optional(),
    port: whole("port").optional(),
  }),
]);

/** One entry of `services`. */
export const ServiceGroupConfigSchema = strictObject({
  name: text,
  autostart: z.boolean().optional(),
  domain: strictObject({
    name: text.optional(),
    nodes: z.array(text).optional(),
    ordered: z.boolean().optional(),
    restricted: z.boolean().optional(),
  }).optional(),
  stickiness: whole("stickiness").optional(),
  resources: z.array(ServiceResourceConfigSchema).min(1),
});

/** The IPVS schedulers of Linux 6.1 (`ipvsadm -s`, ldirectord `scheduler=`). */
export const IPVS_SCHEDULERS = [
  "rr",
  "wrr",
  "lc",
  "wlc",
  "lblc",
  "lblcr",
  "dh",
  "sh",
  "sed",
  "nq",
  "fo",
  "ovf",
  "mh",
] as const;

const portNumber = whole("port");

/** `loadBalancer`: seed 002's LVS director pair (ldirectord) in front of the real servers. */
export const LoadBalancerConfigSchema = strictObject({
  vip: text.optional(),
  port: portNumber.optional(),
  scheduler: z.enum(IPVS_SCHEDULERS).optional(),
  protocol: z.enum(["tcp", "udp"]).optional(),
  forwarding: z.enum(["gate"]).optional(),
  checkType: z.enum(["negotiate", "connect"]).optional(),
  checkPort: portNumber.optional(),
  request: text.optional(),
  receive: text.optional(),
  checkTimeout: whole("checkSeconds").optional(),
  checkInterval: whole("checkSeconds").optional(),
  autoreload: z.boolean().optional(),
  quiescent: z.boolean().optional(),
  fallback: text.optional(),
  web: z.enum(["lighttpd"]).optional(),
  pingTargets: z.array(text).min(1).optional(),
});

/** One entry of `ocfs2.nodes`: a node name, or the name with its o2cb node number. */
export const Ocfs2NodeConfigSchema = z.union([
  text,
  strictObject({
    name: text,
    number: z.number().int().optional(),
  }),
]);

/**
 * `ocfs2`: seed 003's OCFS2 file system with the o2cb cluster stack on a LUN of the iSCSI target,
 * mounted on every node. Ranges and minimums are checked in spec/validate/ocfs2.ts.
 */
export const Ocfs2ConfigSchema = strictObject({
  clusterName: text.optional(),
  nodes: z.array(Ocfs2NodeConfigSchema).optional(),
  network: text.optional(),
  port: portNumber.optional(),
  heartbeatDeadThreshold: z.number().int().optional(),
  idleTimeoutMs: z.number().int().optional(),
  keepaliveDelayMs: z.number().int().optional(),
  reconnectDelayMs: z.number().int().optional(),
  lun: whole("lunId"),
  label: text.optional(),
  slots: z.number().int().optional(),
  mountPoint: text.optional(),
  mountOptions: z.array(text).optional(),
});

/** `timeouts`, in seconds. */
export const TimeoutsConfigSchema = strictObject({
  bootSeconds: whole("bootSeconds").optional(),
});

/** The whole `kvm-ha-lab:lab` value. Every top-level key is optional. */
export const LabConfigSchema = strictObject({
  name: text.optional(),
  host: HostConfigSchema.optional(),
  networks: z.array(NetworkConfigSchema).optional(),
  nodes: z.array(NodeConfigSchema).optional(),
  reservedHosts: z.array(ReservedHostConfigSchema).optional(),
  image: ImageConfigSchema.optional(),
  iscsi: IscsiConfigSchema.optional(),
  gluster: GlusterConfigSchema.optional(),
  cluster: ClusterConfigSchema.optional(),
  fencing: z.array(FenceConfigSchema).optional(),
  services: z.array(ServiceGroupConfigSchema).optional(),
  timeouts: TimeoutsConfigSchema.optional(),
  loadBalancer: LoadBalancerConfigSchema.optional(),
  ocfs2: Ocfs2ConfigSchema.optional(),
  layers: z.enum(["substrate", "storage", "cluster"]).optional(),
});

/** The config as a user writes it (before zod's transforms). */
export type LabConfigInput = z.input<typeof LabConfigSchema>;
/** The config after schema parsing (structure checked, property values as strings, no defaults yet). */
export type LabConfig = z.output<typeof LabConfigSchema>;
/** One parsed `nodes` entry. */
export type NodeConfig = z.output<typeof NodeConfigSchema>;
/** One parsed `networks` entry. */
export type NetworkConfig = z.output<typeof NetworkConfigSchema>;
/** One parsed service resource. */
export type ServiceResourceConfig = z.output<typeof ServiceResourceConfigSchema>;
/** One parsed `services` entry. */
export type ServiceGroupConfig = z.output<typeof ServiceGroupConfigSchema>;
/** The parsed `loadBalancer` section. */
export type LoadBalancerConfig = z.output<typeof LoadBalancerConfigSchema>;
/** The parsed `ocfs2` section. */
export type Ocfs2Config = z.output<typeof Ocfs2ConfigSchema>;
