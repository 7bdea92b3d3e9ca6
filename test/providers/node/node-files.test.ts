/**
 * The NodeFiles provider (what the seed set up, kept on a running node) against the fake lab
 * (test/support/fake-lab.ts), driven as the engine drives it: check → create, read → diff →
 * update. Its scripts run for real on node01 with the node's files moved into its sandbox and
 * systemd, ip, sshd, hostname and cloud-init faked (test/fixtures/fake-tools.ts; chown is a fake;
 * the tests run as root, as the nodes' scripts do, so the owner `stat` prints is root:root).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, lab, on, theCall, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { CLOUD_INIT_DONE_MARKER, seedFiles } from "../../../providers/node/cloud-init";
import { applyScript, nodeFilesProvider } from "../../../providers/node/node-files";
import {
  firstBootProbe,
  parseFileStates,
  staleFiles,
  stateScript,
  statMode,
} from "../../../providers/node/first-boot-probe";
import { repairScript, SSHD_DROP_IN } from "../../../providers/node/first-boot-repair";
import { IMAGE_DATASOURCE, IMAGE_FSTAB } from "../../../providers/image/image-build-script";
import { bashSyntaxCheck } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../fixtures/lab";
import { cloudInitResult, NODE_BOOT_TOOLS, NODE_SYSTEM_TOOLS } from "../../fixtures/fake-tools";

const p = nodeFilesProvider;
const N1 = nodeAccess(1);
const ROOT_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nUk9PVC1LRVktVEVTVA==\n-----END OPENSSH PRIVATE KEY-----\n";
const HOSTS = [
  { address: "192.168.8.121", names: ["node01m"] },
  { address: "192.168.8.122", names: ["node02m"] },
  { address: "192.168.8.123", names: ["node03m"] },
];
const raw = named(
  {
    node: N1,
    sshPrivateKey: PROGRAM_KEY,
    hosts: HOSTS,
    authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProgramKeyForTestsOnly program@dev"],
    rootPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRootKeyForTestsOnly root@dev",
    rootPrivateKey: ROOT_KEY,
    hostname: "node01",
    interfaces: [
      {
        name: "lab-svc",
        mac: "52:54:00:ab:ba:d5",
        address: "192.168.7.121",
        prefix: 24,
        gateway: "192.168.7.1",
      },
      { name: "lab-mgt", mac: "52:54:00:26:66:5d", address: "192.168.8.121", prefix: 24 },
      { name: "lab-hb", mac: "52:54:00:11:22:33", address: "10.10.0.121", prefix: 24 },
    ],
    timeServers: ["192.168.8.1"],
    offAtBoot: ["postgresql", "tgt"],
    labImage: true,
  },
  "dev-node01-files",
);
type Inputs = Parameters<typeof seedFiles>[0];
const inputsOf = async (props: Props = raw) => (await checked(p, props)) as unknown as Inputs & Props;
const stdinOf = (inputs: Inputs) =>
  `${seedFiles(inputs)
    .map((f) => Buffer.from(f.content).toString("base64"))
    .join("\n")}\n`;

const APPLY = /^set -euo pipefail\nfail\(\)[\s\S]*\nput\(\) \{/;
const PROBE = /^echo "== files"\n/;
const REPAIR = /^set -euo pipefail\nfail\(\)[^\n]*\n(?!tmp="")/;

/** `ip -o link show` of node01: each NIC under its name, up. */
const link = (n: number, name: string, mac: string, flags = "BROADCAST,MULTICAST,UP,LOWER_UP") =>
  `${n}: ${name}: <${flags}> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether ${mac} brd ff:ff:ff:ff:ff:ff\\    altname enp${n}s0`;
const LINKS = [
  "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
  link(2, "lab-svc", "52:54:00:ab:ba:d5"),
  link(3, "lab-mgt", "52:54:00:26:66:5d"),
  link(4, "lab-hb", "52:54:00:11:22:33"),
];
const addr = (n: number, name: string, cidr: string) =>
  `${n}: ${name}    inet ${cidr} brd 0.0.0.0 scope global ${name}\\       valid_lft forever preferred_lft forever`;
const ADDRS = [
  "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
  addr(2, "lab-svc", "192.168.7.121/24"),
  // A cluster's virtual address beside the node's own: no drift.
  addr(2, "lab-svc", "192.168.7.200/24"),
  addr(3, "lab-mgt", "192.168.8.121/24"),
  addr(4, "lab-hb", "10.10.0.121/24"),
];
const ROUTES = "default via 192.168.7.1 dev lab-svc proto static\n";

/** node01 as cloud-init left it (the files of `inputs`, or none), its scripts run for real. */
function node01(inputs?: Inputs): FakeMachine {
  const node = fakeMachine(
    { chown: ":", ...NODE_SYSTEM_TOOLS, "cloud-init": NODE_BOOT_TOOLS["cloud-init"] ?? "" },
    {
      paths: [
        "/etc/hosts",
        "/etc/hostname",
        IMAGE_FSTAB.path,
        "/etc/cloud",
        "/etc/chrony",
        "/etc/ssh",
        "/root/.ssh",
        "/run/cloud-init",
        "/var/lib/kvm-ha-lab",
      ],
      // The image's root line names the root device; nothing touches it.
      reads: ["/dev/vda"],
    },
  );
  node.env.FAKE_RESULT_JSON = node.at("/run/cloud-init/result.json");
  node.env.FAKE_SSHD_DROP_IN = node.at(SSHD_DROP_IN);
  for (const f of inputs === undefined ? [] : seedFiles(inputs)) {
    node.write(f.path, f.content);
    fs.chmodSync(node.at(f.path), Number.parseInt(f.permissions, 8));
  }
  fs.mkdirSync(node.at("/root/.ssh"), { recursive: true });
  fs.chmodSync(node.at("/root/.ssh"), 0o700);
  node.state("hostname", "node01\n");
  node.write("/etc/hostname", "node01\n");
  // As the built image has them, with a line of a mount of the lab's after the root's.
  node.write(
    IMAGE_FSTAB.path,
    `${IMAGE_FSTAB.content}localhost:data00 /gldata00 glusterfs defaults,_netdev 0 0\n`,
  );
  node.write(IMAGE_DATASOURCE.path, IMAGE_DATASOURCE.content);
  node.state("links", `${LINKS.join("\n")}\n`);
  node.state("addrs", `${ADDRS.join("\n")}\n`);
  node.state("routes", ROUTES);
  node.write(
    "/etc/chrony/chrony.conf",
    "# from cloud-init\nserver 192.168.8.1 iburst\nsourcedir /run/chrony-dhcp\n",
  );
  node.state("enabled.chrony", "enabled\n");
  node.state("active.chrony", "");
  node.state("enabled.postgresql", "disabled\n");
  node.state("sshd-T", "passwordauthentication no\npermitrootlogin without-password\n");
  node.write("/run/cloud-init/result.json", cloudInitResult());
  node.write(CLOUD_INIT_DONE_MARKER, "");
  on(APPLY, forReal(node), N1.address);
  on(PROBE, forReal(node), N1.address);
  on(REPAIR, forReal(node), N1.address);
  return node;
}

/** What the fakes changed: their log without the probe's reads. */
const changes = (node: FakeMachine) =>
  node
    .log()
    .filter(
      (l) =>
        !/^(hostname|ip -o|ip -4 route show|systemctl is-|sshd -T|cloud-init status)/.test(l) &&
        l !== "hostname",
    );

/** What the sandbox holds besides the files (a temporary file left behind). */
const leftovers = (node: FakeMachine) => [
  ...fs
    .readdirSync(path.dirname(node.at("/etc/hosts")))
    .filter((f) => !["hosts", "hostname", "fstab", "cloud", "chrony", "ssh"].includes(f)),
  ...fs.readdirSync(node.at("/root/.ssh")).filter((f) => !/^(authorized_keys|id_ed25519(\.pub)?)$/.test(f)),
];

describe("NodeFiles", () => {
  test("the scripts are the golden ones and valid bash; the modes are stat's", async () => {
    const inputs = await inputsOf();
    const files = seedFiles(inputs);
    bashSyntaxCheck(applyScript(files));
    bashSyntaxCheck(stateScript(files));
    expectGolden("node-files-apply.sh", applyScript(files));
    expectGolden("node-files-state.sh", stateScript(files));
    const probe = firstBootProbe({ files, offAtBoot: ["postgresql", "tgt"], labImage: true });
    bashSyntaxCheck(probe);
    expectGolden("node-first-boot-probe.sh", probe);
    const repair = repairScript({
      sshDir: true,
      hostname: "node01",
      network: ["ip addr add 192.168.7.121/24 dev lab-svc"],
      timeServers: ["192.168.8.1"],
      sshd: true,
      disable: ["postgresql"],
      marker: true,
      imageFiles: [IMAGE_FSTAB.path, IMAGE_DATASOURCE.path],
    });
    bashSyntaxCheck(repair);
    expectGolden("node-first-boot-repair.sh", repair);
    expect(repairScript({})).toBe("");
    expect([statMode("0644"), statMode("0600"), statMode("0755")]).toEqual(["644", "600", "755"]);
  });

  test("the rendering digest follows the files but not root's private key (an input of its own)", async () => {
    const digest = async (props: Props) => (await checked(p, props)).renderedDigest;
    const otherKey = ROOT_KEY.replace("Uk9PVC", "T1RIRV");
    expect(await digest({ ...raw, rootPrivateKey: otherKey })).toBe(await digest(raw));
    expect(await digest({ ...raw, hosts: HOSTS.slice(0, 2) })).not.toBe(await digest(raw));
  });

  test("create on a node cloud-init just set up: everything read and compared, nothing written or repaired", async () => {
    const inputs = await inputsOf();
    const node = node01(inputs);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe("192.168.8.121:seed-files");
    expect(outs).toMatchObject({
      paths: [
        "/etc/hosts",
        "/root/.ssh/authorized_keys",
        "/root/.ssh/id_ed25519",
        "/root/.ssh/id_ed25519.pub",
      ],
    });
    const call = theCall(APPLY);
    expect(call.opts.stdin).toBe(stdinOf(inputs));
    expect(call.opts.sensitive).toEqual([ROOT_KEY]);
    expect(changes(node)).toEqual([]);
    expect(leftovers(node)).toEqual([]);
  });

  test("update: only the files that differ are written, with their modes; the rest is left alone", async () => {
    const olds = await inputsOf({ ...raw, hosts: HOSTS.slice(0, 2) });
    const node = node01(olds);
    // Out of band, the public key lost its mode (nothing else about it changed).
    fs.chmodSync(node.at("/root/.ssh/id_ed25519.pub"), 0o600);
    const news = await inputsOf();
    expect(await p.diff("x", { ...olds, paths: [] }, news)).toEqual(IN_PLACE);
    await p.update("x", olds, news);
    for (const f of seedFiles(news)) {
      expect([f.path, node.read(f.path)]).toEqual([f.path, f.content]);
      expect([f.path, (fs.statSync(node.at(f.path)).mode & 0o777).toString(8)]).toEqual([
        f.path,
        statMode(f.permissions),
      ]);
    }
    expect(changes(node)).toEqual(
      ["chown root:root /etc/hosts.kvmlab.", "chown root:root /root/.ssh/id_ed25519.pub.kvmlab."].map(
        (prefix) => expect.stringContaining(prefix),
      ),
    );
    expect(leftovers(node)).toEqual([]);
  });

  test("read: the files as rendered → no drift; one edited, re-moded or removed → filesCurrent false, an update", async () => {
    const inputs = await inputsOf();
    const stored = { ...inputs, paths: [] };
    const node = node01(inputs);
    const readDiff = async () => {
      const read = await p.read("x", stored);
      return p.diff("x", read.props as Props, inputs);
    };
    expect(await readDiff()).toEqual(NO_DIFF);

    node.write("/etc/hosts", "127.0.0.1 localhost\n");
    expect(await readDiff()).toEqual(IN_PLACE);
    node.write("/etc/hosts", seedFiles(inputs)[0].content);
    fs.chmodSync(node.at("/root/.ssh/id_ed25519"), 0o644);
    expect((await p.read("x", stored)).props).toMatchObject({ filesCurrent: false });
    fs.chmodSync(node.at("/root/.ssh/id_ed25519"), 0o600);
    fs.rmSync(node.at("/root/.ssh/id_ed25519.pub"));
    expect((await p.read("x", stored)).props).toMatchObject({ filesCurrent: false });
  });

  test.each<[string, string, (node: FakeMachine) => void, (node: FakeMachine) => void]>([
    [
      "/root/.ssh made 0755",
      "filesCurrent",
      (node) => fs.chmodSync(node.at("/root/.ssh"), 0o755),
      (node) => expect((fs.statSync(node.at("/root/.ssh")).mode & 0o777).toString(8)).toBe("700"),
    ],
    [
      "another host name, running and in /etc/hostname",
      "hostnameCurrent",
      (node) => {
        node.state("hostname", "rogue\n");
        node.write("/etc/hostname", "rogue\n");
      },
      (node) => {
        expect(node.stateOf("hostname")).toBe("node01\n");
        expect(node.read("/etc/hostname")).toBe("node01\n");
      },
    ],
    [
      "the heartbeat NIC down without its address, a stray default route on the management NIC",
      "networkCurrent",
      (node) => {
        node.state(
          "links",
          `${[...LINKS.slice(0, 3), link(4, "lab-hb", "52:54:00:11:22:33", "BROADCAST,MULTICAST")].join("\n")}\n`,
        );
        node.state("addrs", `${ADDRS.filter((a) => !a.includes("lab-hb")).join("\n")}\n`);
        node.state("routes", `${ROUTES}default via 192.168.8.1 dev lab-mgt\n`);
      },
      (node) =>
        expect(changes(node)).toEqual([
          "ip link set dev lab-hb up",
          "ip addr add 10.10.0.121/24 dev lab-hb",
          "ip route del default via 192.168.8.1 dev lab-mgt",
        ]),
    ],
    [
      "the service NIC renamed and its default route gone",
      "networkCurrent",
      (node) => {
        node.state(
          "links",
          `${[LINKS[0], link(2, "enp2s0", "52:54:00:ab:ba:d5"), ...LINKS.slice(2)].join("\n")}\n`,
        );
        node.state("addrs", `${ADDRS.map((a) => a.split("lab-svc").join("enp2s0")).join("\n")}\n`);
        node.state("routes", "");
      },
      (node) =>
        expect(changes(node)).toEqual([
          "ip link set dev enp2s0 down",
          "ip link set dev enp2s0 name lab-svc",
          "ip link set dev lab-svc up",
          "ip route add default via 192.168.7.1 dev lab-svc",
        ]),
    ],
    [
      "chrony pointed at a pool and disabled",
      "timeSyncCurrent",
      (node) => {
        node.write(
          "/etc/chrony/chrony.conf",
          "pool 2.debian.pool.ntp.org iburst\nsourcedir /run/chrony-dhcp\n",
        );
        node.state("enabled.chrony", "disabled\n");
      },
      (node) => {
        expect(node.read("/etc/chrony/chrony.conf")).toBe(
          "sourcedir /run/chrony-dhcp\nserver 192.168.8.1 iburst\n",
        );
        expect(node.stateOf("enabled.chrony")).toBe("enabled\n");
        expect(changes(node)).toEqual(expect.arrayContaining(["systemctl restart chrony"]));
      },
    ],
    [
      "sshd allowing passwords and root only by password",
      "sshdCurrent",
      (node) => node.state("sshd-T", "passwordauthentication yes\npermitrootlogin yes\n"),
      (node) => {
        expect(node.read(SSHD_DROP_IN)).toBe(
          "PasswordAuthentication no\nPermitRootLogin prohibit-password\n",
        );
        expect(changes(node)).toEqual(expect.arrayContaining(["sshd -t", "systemctl reload ssh"]));
      },
    ],
    [
      "postgresql enabled at boot",
      "bootStatesCurrent",
      (node) => node.state("enabled.postgresql", "enabled\n"),
      (node) => {
        expect(node.stateOf("enabled.postgresql")).toBeUndefined();
        expect(changes(node)).toEqual(["systemctl disable postgresql"]);
      },
    ],
    [
      "the image's root line in /etc/fstab changed",
      "imageFilesCurrent",
      (node) =>
        node.write(
          IMAGE_FSTAB.path,
          "/dev/vda / ext4 defaults 0 1\nlocalhost:data00 /gldata00 glusterfs defaults,_netdev 0 0\n",
        ),
      (node) => {
        // The root line put back; the lab's other lines left as they are.
        expect(node.read(IMAGE_FSTAB.path)).toBe(
          `localhost:data00 /gldata00 glusterfs defaults,_netdev 0 0\n${IMAGE_FSTAB.content}`,
        );
        expect(node.read(IMAGE_DATASOURCE.path)).toBe(IMAGE_DATASOURCE.content);
      },
    ],
    [
      "the datasource file edited (the EC2 metadata service probed)",
      "imageFilesCurrent",
      (node) => node.write(IMAGE_DATASOURCE.path, "datasource_list: [ NoCloud, Ec2, None ]\n"),
      (node) => {
        expect(node.read(IMAGE_DATASOURCE.path)).toBe(IMAGE_DATASOURCE.content);
        expect(node.read(IMAGE_FSTAB.path)?.startsWith(IMAGE_FSTAB.content)).toBe(true);
      },
    ],
    [
      "the seed's marker removed",
      "cloudInitDone",
      (node) => fs.rmSync(node.at(CLOUD_INIT_DONE_MARKER)),
      (node) => expect(node.read(CLOUD_INIT_DONE_MARKER)).toBe(""),
    ],
  ])("read: %s → %s false, an update repairs it in place", async (_what, field, breakIt, repaired) => {
    const inputs = await inputsOf();
    const stored = { ...inputs, paths: [] };
    const node = node01(inputs);
    breakIt(node);
    const read = await p.read("x", stored);
    const drift = Object.entries(read.props ?? {})
      .filter(([, v]) => v === false)
      .map(([k]) => k);
    expect(drift).toEqual([field]);
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
    fs.rmSync(node.fake.log, { force: true });
    await p.update("x", read.props as Props, inputs);
    repaired(node);
    // The fake ip only logs its changes: the network is checked by the commands that ran.
    if (field !== "networkCurrent") {
      expect((await p.read("x", stored)).props).toMatchObject({ [field]: true });
    }
  });

  test("units the lab enables on this node are no drift (offAtBoot leaves them out)", async () => {
    const inputs = await inputsOf();
    const node = node01(inputs);
    node.state("enabled.pacemaker", "enabled\n");
    node.state("enabled.corosync", "enabled\n");
    expect((await p.read("x", { ...inputs, paths: [] })).props).toMatchObject({ bootStatesCurrent: true });
  });

  test("a node of a fetched or local image (labImage false): its own fstab and datasource are not the lab's to check", async () => {
    const inputs = await inputsOf({ ...raw, labImage: false });
    const node = node01(inputs);
    node.write(IMAGE_FSTAB.path, "PARTUUID=1d2c-01 / ext4 rw,discard,errors=remount-ro 0 1\n");
    fs.rmSync(node.at(IMAGE_DATASOURCE.path));
    const read = await p.read("x", { ...inputs, paths: [] });
    expect(read.props).toMatchObject({ imageFilesCurrent: true });
    expect(theCall(PROBE).script).not.toContain("== root-fstab");
  });

  test("no time server (the lab's nodes): chrony still pointed at the host, or at Debian's pool as the package ships it → timeSyncCurrent false; the update takes every source out", async () => {
    const inputs = await inputsOf({ ...raw, timeServers: [] });
    for (const conf of [
      "# from cloud-init\nserver 192.168.8.1 iburst\nsourcedir /run/chrony-dhcp\n",
      "pool 2.debian.pool.ntp.org iburst\nsourcedir /run/chrony-dhcp\n",
    ]) {
      const node = node01(inputs);
      node.write("/etc/chrony/chrony.conf", conf);
      const read = await p.read("x", { ...inputs, paths: [] });
      expect(read.props).toMatchObject({ timeSyncCurrent: false });
      await p.update("x", read.props as Props, inputs);
      expect(node.read("/etc/chrony/chrony.conf")).toBe(
        conf
          .split("\n")
          .filter((l) => !/^(server|pool) /.test(l))
          .join("\n"),
      );
      expect((await p.read("x", { ...inputs, paths: [] })).props).toMatchObject({ timeSyncCurrent: true });
      lab.rules = [];
    }
  });

  test("update fails naming the node and the fix where no repair is safe: the management NIC renamed, cloud-init errors", async () => {
    const inputs = await inputsOf();
    const node = node01(inputs);
    node.state(
      "links",
      `${[...LINKS.slice(0, 2), link(3, "eth1", "52:54:00:26:66:5d"), LINKS[3]].join("\n")}\n`,
    );
    node.write("/run/cloud-init/result.json", cloudInitResult(["('ntp', RuntimeError('no ntp client'))"]));
    node.state("enabled.postgresql", "enabled\n");
    const read = await p.read("x", { ...inputs, paths: [] });
    expect(read.props).toMatchObject({
      networkCurrent: false,
      cloudInitDone: false,
      bootStatesCurrent: false,
    });
    const err = await failureOf(p.update("x", read.props as Props, inputs));
    expect(err.message).toContain(
      "node01: the management NIC (MAC 52:54:00:26:66:5d) is eth1, not lab-mgt; renaming it would cut the connection. Fix: restart the node",
    );
    expect(err.message).toContain("node01: cloud-init reported errors. Fix: read /var/log/cloud-init.log");
    // What could be repaired was, and the management NIC was left alone.
    expect(changes(node)).toEqual(["systemctl disable postgresql"]);
  });

  test("read of a node that cannot be reached: no drift reported (NodeReady reports the node)", async () => {
    lab.down = [N1.address];
    const inputs = await inputsOf();
    const read = await p.read("x", { ...inputs, paths: [] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(NO_DIFF);
  });

  test("the state probe's lines parse into each file's digest, mode and owner, or missing", () => {
    const found = parseFileStates(
      "3f2a 644 root:root /etc/hosts\nmissing /root/.ssh/id_ed25519.pub\n9c1b 600 root:root /root/a b\n",
    );
    expect(found).toEqual([
      { path: "/etc/hosts", sha256: "3f2a", mode: "644", owner: "root:root" },
      { path: "/root/.ssh/id_ed25519.pub" },
      { path: "/root/a b", sha256: "9c1b", mode: "600", owner: "root:root" },
    ]);
    const file = { path: "/etc/hosts", owner: "root:root", permissions: "0644", content: "x\n" };
    expect(staleFiles([file], found)).toEqual(["/etc/hosts"]);
    expect(staleFiles([{ ...file, path: "/nowhere" }], found)).toEqual(["/nowhere"]);
  });
});
