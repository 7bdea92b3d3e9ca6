/**
 * Bad input, table-driven: every row is a lab description with one thing wrong, the field the
 * problem must name and a fragment its fix must give. Each row's problem line must read
 * `<path>: <problem>. Fix: <fix>` with the fragment in the fix, so that a user who reads only that
 * line can correct the field. Then a few edge cases that must be accepted.
 */
import { parseLabSpec } from "../../spec";
import { ocfs2Config } from "../fixtures/ocfs2";
import { ultramonkeyConfig } from "../fixtures/ultramonkey";
import { expectFix, iface, labWith, nets, nodes, problemsOf } from "./helpers";

/** The seed lab (an empty description) with a change. */
const seed = (change: unknown): unknown => labWith({}, change);
/** Pulumi.ultramonkey.yaml (seed 002's load balancer) with a change. */
const lb = (change: unknown): unknown => labWith(ultramonkeyConfig(), change);
/** Pulumi.ocfs2.yaml (seed 003's OCFS2 lab) with a change. */
const o2 = (change: unknown): unknown => labWith(ocfs2Config(), change);

type Resource = Record<string, unknown>;
/** A service group of the seed's network (VIP .99 unless given) with the given resources. */
const group = (name: string, ...resources: Resource[]) => ({ name, resources });
const VIP: Resource = { kind: "ip", address: "192.168.7.99" };
const GLUSTER_MOUNT: Resource = { kind: "gluster-mount" };
const DATABASE: Resource = { kind: "postgresql" };
/** The seed's service01 with one resource changed (0: the VIP, 1: the GlusterFS mount, 2: PostgreSQL). */
function service01(index: number, change: Resource) {
  const resources = [VIP, GLUSTER_MOUNT, DATABASE].map((r, k) => (k === index ? { ...r, ...change } : r));
  return { services: [group("service01", ...resources)] };
}
/** The seed lab without GlusterFS: service01 lives on the iSCSI data LUN 2. */
const ISCSI_ONLY = { gluster: { enabled: false } };

/** Nodes given by name only, `n` of them (node01, node02, …). */
const byName = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `node${String(i + 1).padStart(2, "0")}` }));

/** [what is wrong, the lab description, the field the problem names, a fragment of its fix]. */
type Row = [string, unknown, string, string];

const SYSTEM_PATHS: Row[] = [
  [
    "GlusterFS mounted over /etc",
    seed({ gluster: { mountPoint: "/etc" } }),
    "gluster.mountPoint",
    "e.g. /gldata00",
  ],
  [
    "GlusterFS mounted over /",
    seed({ gluster: { mountPoint: "/" } }),
    "gluster.mountPoint",
    "e.g. /gldata00",
  ],
  [
    "GlusterFS mounted over /var",
    seed({ gluster: { mountPoint: "/var" } }),
    "gluster.mountPoint",
    "e.g. /gldata00",
  ],
  [
    "GlusterFS mounted inside /usr",
    seed({ gluster: { mountPoint: "/usr/local/data" } }),
    "gluster.mountPoint",
    "e.g. /gldata00",
  ],
  [
    "GlusterFS mount point with a trailing /",
    seed({ gluster: { mountPoint: "/gldata00/" } }),
    "gluster.mountPoint",
    "without spaces, quotes, '..' or a trailing '/'",
  ],
  [
    "GlusterFS mount point with a blank",
    seed({ gluster: { mountPoint: "/gl data" } }),
    "gluster.mountPoint",
    "e.g. /gldata00",
  ],
  ["brick directory /boot", seed({ gluster: { brickPath: "/boot" } }), "gluster.brickPath", "e.g. /glvol00"],
  [
    "brick directory inside /sys",
    seed({ gluster: { brickPath: "/sys/brick" } }),
    "gluster.brickPath",
    "e.g. /glvol00",
  ],
  [
    "brick directory with '..'",
    seed({ gluster: { brickPath: "/glvol00/../etc" } }),
    "gluster.brickPath",
    "e.g. /glvol00",
  ],
  [
    "a group's GlusterFS mount on /home",
    seed(service01(1, { mountPoint: "/home" })),
    "services[0].resources[1].mountPoint",
    "e.g. /gldata00",
  ],
  [
    "a group's iSCSI file system on /proc",
    seed({
      ...ISCSI_ONLY,
      services: [group("service01", VIP, { kind: "iscsi-filesystem", lun: 2, mountPoint: "/proc" })],
    }),
    "services[0].resources[1].mountPoint",
    "e.g. /shared00",
  ],
  [
    "PostgreSQL data in /root",
    seed(service01(2, { dataDir: "/root" })),
    "services[0].resources[2].dataDir",
    "e.g. /gldata00/pgsql",
  ],
  ["OCFS2 mounted over /tmp", o2({ ocfs2: { mountPoint: "/tmp" } }), "ocfs2.mountPoint", "e.g. /srv/ocfs2"],
  [
    "OCFS2 mounted inside /run",
    o2({ ocfs2: { mountPoint: "/run/ocfs2" } }),
    "ocfs2.mountPoint",
    "e.g. /srv/ocfs2",
  ],
  [
    "state directory /etc",
    seed({ host: { stateDir: "/etc" } }),
    "host.stateDir",
    "e.g. /var/lib/kvm-ha-lab/halab",
  ],
  [
    "state directory /var/lib",
    seed({ host: { stateDir: "/var/lib" } }),
    "host.stateDir",
    "e.g. /var/lib/kvm-ha-lab/halab",
  ],
  [
    "relative state directory",
    seed({ host: { stateDir: "state" } }),
    "host.stateDir",
    "e.g. /var/lib/kvm-ha-lab/halab",
  ],
  [
    "top-level state directory",
    seed({ name: "lab2", host: { stateDir: "/srv" } }),
    "host.stateDir",
    "below one (e.g. /var/lib/kvm-ha-lab/lab2)",
  ],
  [
    "LUN directory inside /dev",
    seed({ iscsi: { directory: "/dev/luns" } }),
    "iscsi.directory",
    "e.g. /var/lib/kvm-ha-lab/halab/tgtd/cluster01",
  ],
  [
    "fence key path /etc",
    seed({ fencing: [{ name: "kvmhost01", identityFile: "/etc" }] }),
    "fencing[0].identityFile",
    "e.g. /etc/cluster/fence_virsh_key",
  ],
  [
    "fence key written over /etc/passwd",
    seed({ fencing: [{ name: "kvmhost01", identityFile: "/etc/passwd" }] }),
    "fencing[0].identityFile",
    "e.g. /etc/cluster/fence_virsh_key",
  ],
  [
    "fence key on the run-time tmpfs",
    seed({ fencing: [{ name: "kvmhost01", identityFile: "/run/fence/key" }] }),
    "fencing[0].identityFile",
    "e.g. /etc/cluster/fence_virsh_key",
  ],
];

const NODE_DIRECTORIES: Row[] = [
  [
    "two groups mounting the volume on one directory",
    seed({
      services: [
        group("service01", VIP, GLUSTER_MOUNT),
        group("service02", { kind: "ip", address: "192.168.7.98" }, GLUSTER_MOUNT),
      ],
    }),
    "services[1].resources[1].mountPoint",
    "apart from /gldata00 (e.g. /srv/service02)",
  ],
  [
    "a database inside the brick",
    seed({
      gluster: { mountBy: "all" },
      services: [group("service01", VIP, { kind: "postgresql", dataDir: "/glvol00/pgsql" })],
    }),
    "services[0].resources[1].dataDir",
    "apart from /glvol00",
  ],
  [
    "a database on the mount point itself",
    seed(service01(2, { dataDir: "/gldata00" })),
    "services[0].resources[2].dataDir",
    "use a directory inside it (e.g. /gldata00/pgsql)",
  ],
  [
    "OCFS2 mounted where GlusterFS is",
    o2({ gluster: { enabled: true }, ocfs2: { mountPoint: "/gldata00" } }),
    "ocfs2.mountPoint",
    "apart from /gldata00 (e.g. /srv/ocfs2)",
  ],
  [
    "brick and mount point overlapping",
    seed({ gluster: { brickPath: "/gldata00/brick" } }),
    "gluster.mountPoint",
    "keep the brick (e.g. /glvol00)",
  ],
  [
    "two groups on one iSCSI LUN",
    seed({
      ...ISCSI_ONLY,
      services: [
        group("service01", VIP, { kind: "iscsi-filesystem", lun: 2, mountPoint: "/shared00" }),
        group(
          "service02",
          { kind: "ip", address: "192.168.7.98" },
          { kind: "iscsi-filesystem", lun: 2, mountPoint: "/shared01" },
        ),
      ],
    }),
    "services[1].resources[1].lun",
    "a LUN of its own",
  ],
];

const RANGES: Row[] = [
  [
    "a LUN of 0 MiB",
    seed({ iscsi: { luns: [{ file: "volume01.img", sizeMiB: 0 }] } }),
    "iscsi.luns[0].sizeMiB",
    "use a value of at least 1",
  ],
  [
    "a LUN of 2 TiB",
    seed({ iscsi: { luns: [{ file: "volume01.img", sizeMiB: 2097152 }] } }),
    "iscsi.luns[0].sizeMiB",
    "use a value of at most 1048576",
  ],
  [
    "LUN id 0 (the controller)",
    seed({ iscsi: { luns: [{ id: 0, file: "volume01.img", sizeMiB: 100 }] } }),
    "iscsi.luns[0].id",
    "at least 1",
  ],
  [
    "LUN id 300",
    seed({ iscsi: { luns: [{ id: 300, file: "volume01.img", sizeMiB: 100 }] } }),
    "iscsi.luns[0].id",
    "at most 255",
  ],
  ["a token of half a second", seed({ cluster: { tokenMs: 500 } }), "cluster.tokenMs", "at least 1000"],
  ["a token of an hour", seed({ cluster: { tokenMs: 3600000 } }), "cluster.tokenMs", "at most 300000"],
  [
    "a token that is not a whole number",
    seed({ cluster: { tokenMs: 1500.5 } }),
    "cluster.tokenMs",
    "write an integer",
  ],
  [
    "100 MiB of memory",
    seed({ nodes: nodes(2, { 0: { memoryMiB: 100 } }) }),
    "nodes[0].memoryMiB",
    "at least 256",
  ],
  [
    "a terabyte of memory",
    seed({ nodes: nodes(2, { 1: { memoryMiB: 1048576 } }) }),
    "nodes[1].memoryMiB",
    "at most 65536",
  ],
  ["no vCPU", seed({ nodes: nodes(2, { 0: { vcpus: 0 } }) }), "nodes[0].vcpus", "at least 1"],
  ["128 vCPUs", seed({ nodes: nodes(2, { 0: { vcpus: 128 } }) }), "nodes[0].vcpus", "at most 64"],
  ["a disk of 0 GiB", seed({ nodes: nodes(2, { 0: { diskGiB: 0 } }) }), "nodes[0].diskGiB", "at least 1"],
  [
    "a disk of 5 TiB",
    seed({ nodes: nodes(2, { 0: { diskGiB: 5000 } }) }),
    "nodes[0].diskGiB",
    "at most 1024",
  ],
  [
    "a disk smaller than the image",
    seed({ nodes: nodes(2, { 0: { diskGiB: 2 } }) }),
    "nodes[0].diskGiB",
    "set diskGiB to at least 4",
  ],
  ["priority 0", seed({ nodes: nodes(2, { 0: { priority: 0 } }) }), "nodes[0].priority", "at least 1"],
  ["priority 1000", seed({ nodes: nodes(2, { 0: { priority: 1000 } }) }), "nodes[0].priority", "at most 100"],
  ["an image of 1 GiB", seed({ image: { sizeGiB: 1 } }), "image.sizeGiB", "at least 2"],
  ["an image of 200 GiB", seed({ image: { sizeGiB: 200 } }), "image.sizeGiB", "at most 64"],
  ["replica 1", seed({ gluster: { replica: 1 } }), "gluster.replica", "at least 2"],
  [
    "negative stickiness",
    seed({ services: [{ ...group("service01", VIP, GLUSTER_MOUNT, DATABASE), stickiness: -1 }] }),
    "services[0].stickiness",
    "at least 0",
  ],
  [
    "stickiness above INFINITY",
    seed({ services: [{ ...group("service01", VIP, GLUSTER_MOUNT, DATABASE), stickiness: 2000000 }] }),
    "services[0].stickiness",
    "at most 1000000",
  ],
  [
    "netmask /33",
    seed(service01(0, { cidrNetmask: 33 })),
    "services[0].resources[0].cidrNetmask",
    "at most 32",
  ],
  ["PostgreSQL on port 0", seed(service01(2, { port: 0 })), "services[0].resources[2].port", "at least 1"],
  [
    "PostgreSQL on port 70000",
    seed(service01(2, { port: 70000 })),
    "services[0].resources[2].port",
    "at most 65535",
  ],
  ["host sshd on port 0", seed({ host: { sshPort: 0 } }), "host.sshPort", "at least 1"],
  [
    "a check timeout of 0 s",
    lb({ loadBalancer: { checkTimeout: 0 } }),
    "loadBalancer.checkTimeout",
    "at least 1",
  ],
  [
    "a check interval of two hours",
    lb({ loadBalancer: { checkInterval: 7200 } }),
    "loadBalancer.checkInterval",
    "at most 3600",
  ],
  ["a boot timeout of 5 s", seed({ timeouts: { bootSeconds: 5 } }), "timeouts.bootSeconds", "at least 10"],
  [
    "a boot timeout of a day",
    seed({ timeouts: { bootSeconds: 86400 } }),
    "timeouts.bootSeconds",
    "at most 3600",
  ],
  [
    "an o2cb idle timeout of three hours",
    o2({ ocfs2: { idleTimeoutMs: 10800000 } }),
    "ocfs2.idleTimeoutMs",
    "set at most 600000",
  ],
  [
    "an o2cb dead threshold of 1000 heartbeats",
    o2({ ocfs2: { heartbeatDeadThreshold: 1000 } }),
    "ocfs2.heartbeatDeadThreshold",
    "set at most 301",
  ],
];

const NODES: Row[] = [
  [
    "a node by name whose derived address clashes with a given one",
    seed({ nodes: [{ name: "node01" }, { name: "node02", addresses: { service: "192.168.7.121" } }] }),
    "nodes[1].addresses.service",
    "its own address",
  ],
  [
    "a node by name on a network too small for the derived address",
    seed({ nodes: byName(2), networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/26"]) }),
    "nodes[0].addresses.heartbeat",
    "add addresses.heartbeat: an address in 192.168.9.2–192.168.9.62",
  ],
  [
    "a node by name whose derived address is the broadcast address",
    seed({ nodes: byName(7), networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/25"]) }),
    "nodes[6].addresses.heartbeat",
    "use an address in 192.168.9.2–192.168.9.126",
  ],
  ["33 cluster members", seed({ nodes: byName(33) }), "nodes", "at most 32 cluster members"],
  [
    "a node named kvmhost",
    seed({ nodes: [{ name: "kvmhost" }, { name: "node02" }] }),
    "nodes[0].name",
    "e.g. node01",
  ],
  [
    "a node name with capitals",
    seed({ nodes: [{ name: "node01" }, { name: "Node02" }] }),
    "nodes[1].name",
    "e.g. node02",
  ],
  [
    "a domain name starting with '-'",
    seed({ nodes: nodes(2, { 0: { domainName: "-node01" } }) }),
    "nodes[0].domainName",
    "e.g. halab-node01",
  ],
  [
    "a domain name with '+' (the domain provider refuses it)",
    seed({ nodes: nodes(2, { 1: { domainName: "halab+node02" } }) }),
    "nodes[1].domainName",
    "e.g. halab-node02",
  ],
  [
    "a fence address that is a node's own",
    seed({ fencing: [{ name: "kvmhost01", ipaddr: "192.168.8.121" }] }),
    "fencing[0].ipaddr",
    "e.g. 192.168.8.1",
  ],
  [
    "a reserved host name with capitals",
    seed({ reservedHosts: [{ hostname: "Node03", address: "192.168.7.123" }] }),
    "reservedHosts[0].hostname",
    "e.g. node03",
  ],
];

const NAMES: Row[] = [
  ["a lab name with '_'", seed({ name: "lab_1" }), "name", "e.g. halab"],
  [
    "a network name with capitals",
    seed({
      networks: nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]).map((n, i) =>
        i === 0 ? { ...n, name: "Svc" } : n,
      ),
    }),
    "networks[0].name",
    "e.g. service",
  ],
  [
    "a cluster name with capitals",
    seed({ cluster: { name: "Cluster01" } }),
    "cluster.name",
    "e.g. cluster01",
  ],
  [
    "a corosync cluster name of 33 characters",
    seed({ cluster: { name: "c".repeat(33) } }),
    "cluster.name",
    "a shorter name (e.g. cluster01)",
  ],
  [
    "a fence device name with capitals",
    seed({ fencing: [{ name: "KVM01" }] }),
    "fencing[0].name",
    "e.g. kvmhost01",
  ],
  [
    "a group name starting with a digit",
    seed({ services: [group("1svc", VIP, GLUSTER_MOUNT, DATABASE)] }),
    "services[0].name",
    "e.g. service01",
  ],
  [
    "a failover domain name with capitals",
    seed({ services: [{ ...group("service01", VIP, GLUSTER_MOUNT, DATABASE), domain: { name: "Dom01" } }] }),
    "services[0].domain.name",
    "e.g. dom01",
  ],
  [
    "a resource name with capitals",
    seed(service01(0, { name: "VIP" })),
    "services[0].resources[0].name",
    "e.g. service01-ip",
  ],
  [
    "a cluster property name with a blank",
    seed({ cluster: { properties: { "no quorum": "stop" } } }),
    "cluster.properties.no quorum",
    "e.g. no-quorum-policy",
  ],
  [
    "an empty cluster property",
    seed({ cluster: { properties: { "stonith-timeout": "" } } }),
    "cluster.properties.stonith-timeout",
    "give a value on one line",
  ],
  [
    "a resource default over two lines",
    seed({ cluster: { resourceDefaults: { "resource-stickiness": "100\n200" } } }),
    "cluster.resourceDefaults.resource-stickiness",
    "give a value on one line",
  ],
  [
    "a volume option without its translator",
    seed({ gluster: { options: { "cache-size": "64MB" } } }),
    "gluster.options.cache-size",
    "<translator>.<option> (e.g. performance.cache-size)",
  ],
  [
    "an empty volume option",
    seed({ gluster: { options: { "performance.cache-size": "" } } }),
    "gluster.options.performance.cache-size",
    "e.g. 64MB",
  ],
  ["a typo in a key", seed({ cluster: { tokenMS: 20000 } }), "cluster.tokenMS", "tokenMs"],
];

const STORAGE_AND_IMAGE: Row[] = [
  [
    "the root disk as the brick device",
    seed({ gluster: { brickDevice: "/dev/vda" } }),
    "gluster.brickDevice",
    "e.g. /dev/vdb",
  ],
  [
    "the seed ISO as the brick device",
    seed({ gluster: { brickDevice: "/dev/sr0" } }),
    "gluster.brickDevice",
    "e.g. /dev/vdb",
  ],
  [
    "a brick device outside /dev",
    seed({ gluster: { brickDevice: "/dev/../etc/vdb" } }),
    "gluster.brickDevice",
    "e.g. /dev/vdb",
  ],
  [
    "replica 2 with three nodes",
    seed({ nodes: nodes(3), gluster: { replica: 2 } }),
    "gluster.replica",
    "set gluster.replica to 3",
  ],
  [
    "replica 3 with two nodes",
    seed({ gluster: { replica: 3 } }),
    "gluster.replica",
    "set gluster.replica to 2",
  ],
  ["OCFS2 on the quorum LUN", o2({ ocfs2: { lun: 1 } }), "ocfs2.lun", "purpose data"],
  [
    "an IQN in capitals",
    seed({ iscsi: { iqn: "IQN.2011-08.com.example:tgt01" } }),
    "iscsi.iqn",
    "e.g. iqn.2011-08.com.example.kvmhost:tgt01",
  ],
  [
    "a package name in capitals",
    seed({ image: { extraPackages: ["Lighttpd"] } }),
    "image.extraPackages[0]",
    "e.g. lighttpd",
  ],
  [
    "two packages in one entry",
    seed({ image: { extraPackages: ["lighttpd postgresql"] } }),
    "image.extraPackages[0]",
    "one package name per entry",
  ],
  ["a suite starting with a digit", seed({ image: { suite: "12" } }), "image.suite", "e.g. bookworm"],
  [
    "a mirror with a quote",
    seed({ image: { mirror: "http://deb.debian.org/deb'ian" } }),
    "image.mirror",
    "http://deb.debian.org/debian",
  ],
  [
    "an image URL that is not http",
    seed({ image: { source: "url", location: "ftp://example.org/debian.qcow2" } }),
    "image.location",
    "e.g. https://cloud.debian.org/",
  ],
];

const SERVICES_AND_PORTS: Row[] = [
  [
    "a VIP with a malformed suffix",
    seed(service01(0, { address: "192.168.7.99/abc" })),
    "services[0].resources[0].address",
    "dotted-quad",
  ],
  [
    "a VIP whose suffix and cidrNetmask disagree",
    seed(service01(0, { address: "192.168.7.99/16", cidrNetmask: 24 })),
    "services[0].resources[0].cidrNetmask",
    "give the netmask once",
  ],
  [
    "PostgreSQL on sshd's port",
    seed(service01(2, { port: 22 })),
    "services[0].resources[2].port",
    "e.g. 5432",
  ],
  [
    "PostgreSQL on pcsd's port",
    seed(service01(2, { port: 2224 })),
    "services[0].resources[2].port",
    "e.g. 5432",
  ],
  [
    "PostgreSQL on glusterd's port",
    seed(service01(2, { port: 24007 })),
    "services[0].resources[2].port",
    "e.g. 5432",
  ],
  [
    "two databases on one port of the same nodes",
    seed({
      services: [
        group("service01", VIP, GLUSTER_MOUNT, DATABASE),
        group(
          "service02",
          { kind: "ip", address: "192.168.7.98" },
          { kind: "postgresql", dataDir: "/var/lib/postgresql/two" },
        ),
      ],
    }),
    "services[1].resources[1].port",
    "e.g. 5433",
  ],
  ["the web service on sshd's port", lb({ loadBalancer: { port: 22 } }), "loadBalancer.port", "e.g. 80"],
  [
    "the sorry page on pcsd's port",
    lb({ loadBalancer: { fallback: "127.0.0.1:2224" } }),
    "loadBalancer.fallback",
    "e.g. 127.0.0.1:80",
  ],
  ["the o2cb interconnect on sshd's port", o2({ ocfs2: { port: 22 } }), "ocfs2.port", "e.g. 7777"],
  [
    "the host's sshd on the iSCSI target's port",
    seed({ host: { sshPort: 3260 } }),
    "host.sshPort",
    "e.g. 22",
  ],
  [
    "a director pinging itself",
    lb({ loadBalancer: { pingTargets: ["192.168.5.35"] } }),
    "loadBalancer.pingTargets[0]",
    "outside the director pair",
  ],
  [
    "the same ping target twice",
    lb({ loadBalancer: { pingTargets: ["192.168.5.1", "192.168.5.1"] } }),
    "loadBalancer.pingTargets[1]",
    "list every address once",
  ],
  [
    "a UDP service in front of a web server",
    lb({ loadBalancer: { protocol: "udp" } }),
    "loadBalancer.protocol",
    "set protocol: tcp",
  ],
];

const ROWS: Row[] = [
  ...SYSTEM_PATHS,
  ...NODE_DIRECTORIES,
  ...RANGES,
  ...NODES,
  ...NAMES,
  ...STORAGE_AND_IMAGE,
  ...SERVICES_AND_PORTS,
];

describe("bad input: the problem names the field and the fix fits it", () => {
  test("the table is thorough", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(70);
    expect(new Set(ROWS.map(([what]) => what)).size).toBe(ROWS.length);
  });

  test.each(ROWS)("%s", (_what, lab, path, fix) => {
    const line = expectFix(lab, path, fix);
    expect(line).toMatch(/^\S.*: .+\. Fix: .+$/);
  });

  test("a bad path is reported once, where it is written, not again through what is derived from it", () => {
    expect(problemsOf(seed({ gluster: { mountPoint: "/etc" } }))).toEqual([
      expect.stringMatching(/^gluster\.mountPoint: \/etc is a system directory/),
    ]);
    expect(problemsOf(seed({ host: { stateDir: "/etc" } }))).toEqual([
      expect.stringMatching(/^host\.stateDir: \/etc is a system directory/),
    ]);
  });
});

describe("accepted edge cases", () => {
  test("three nodes with twoNode false", () => {
    const spec = parseLabSpec({ nodes: nodes(3), cluster: { twoNode: false } });
    expect(spec.cluster.twoNode).toBe(false);
    expect(spec.gluster.replica).toBe(3);
  });

  test("no iSCSI target: the service lives on GlusterFS", () => {
    const spec = parseLabSpec({ iscsi: { enabled: false } });
    expect(spec.iscsi.enabled).toBe(false);
    expect(spec.services[0].resources.map((r) => r.kind)).toEqual(["ip", "gluster-mount", "postgresql"]);
  });

  test("a NAT network", () => {
    const networks = nets(["192.168.7.0/24", "192.168.8.0/24", "192.168.9.0/24"]);
    const spec = parseLabSpec({ networks: [{ ...networks[0], mode: "nat" }, networks[1], networks[2]] });
    expect(spec.networks.map((n) => n.mode)).toEqual(["nat", "isolated", "isolated"]);
  });

  test("a second service group with its own VIP and database", () => {
    const spec = parseLabSpec({
      services: [
        group("service01", VIP, GLUSTER_MOUNT, DATABASE),
        group(
          "service02",
          { kind: "ip", address: "192.168.7.98" },
          { kind: "postgresql", dataDir: "/var/lib/postgresql/two", port: 5433 },
        ),
      ],
    });
    expect(spec.services.map((g) => [g.name, g.domain.name])).toEqual([
      ["service01", "dom01"],
      ["service02", "dom02"],
    ]);
  });

  test("a node given by name only: its addresses derived at .123, the seed's reservation gone", () => {
    const spec = parseLabSpec({ nodes: [...nodes(2), { name: "node03" }], cluster: { twoNode: false } });
    expect(spec.nodes[2].interfaces.map((f) => [f.address, f.hostname])).toEqual([
      ["192.168.7.123", "node03"],
      ["192.168.8.123", "node03m"],
      ["192.168.9.123", "node03h"],
    ]);
    expect(spec.reservedHosts).toEqual([]);
  });

  test("every node by name only is the seed lab's addressing", () => {
    const spec = parseLabSpec({ nodes: byName(2) });
    expect(spec.nodes).toEqual(parseLabSpec({}).nodes);
    expect(iface(spec, 1, "heartbeat").address).toBe("192.168.9.122");
  });

  test("a node by name next to one written out: each takes its own place", () => {
    const spec = parseLabSpec({
      nodes: [{ name: "node01", addresses: { service: "192.168.7.50" } }, { name: "node02" }],
    });
    expect(spec.nodes.map((n) => n.interfaces.map((f) => f.address))).toEqual([
      ["192.168.7.50", "192.168.8.121", "192.168.9.121"],
      ["192.168.7.122", "192.168.8.122", "192.168.9.122"],
    ]);
  });
});
