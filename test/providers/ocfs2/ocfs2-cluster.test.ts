/**
 * The Ocfs2Cluster provider on seed 003's three hosts against the fake lab
 * (test/support/fake-lab.ts): every script runs for real on a fake o2cb node
 * (test/fixtures/fake-tools.ts `OCFS2_TOOLS`) sharing one fake LUN, driven as the engine drives
 * it: check → create, read → diff → update (drift repaired, a node added online, a node removed),
 * delete.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../support/fake-lab";
import { tempDir } from "../../support/bash";
import type { Props } from "../../../providers/core/base";
import { ocfs2ClusterProvider, renumbered } from "../../../providers/ocfs2/ocfs2-cluster";
import { renderClusterConf } from "../../../providers/ocfs2/o2cb-files";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  named,
  NO_DIFF,
} from "../../support/provider-driver";
import { OCFS2_TOOLS } from "../../fixtures/fake-tools";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { SEED_O2CB } from "../../fixtures/ocfs2";

const p = ocfs2ClusterProvider;
const DEVICE =
  "/dev/disk/by-path/ip-192.168.13.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:ocfs2-tgt01-lun-3";
const MP = "/srv/ocfs2";
const UUID = "a53baf65-48a3-4456-8d70-9bb62b2ec7b4";
const access = (n: number) => ({ address: `192.168.13.${n}`, port: 22, user: "root" });
const [H03, H02, H04] = SEED_O2CB.nodes.map((n) => ({
  ...n,
  access: access(Number(n.address.split(".")[3])),
}));

function raw(nodes: Props[] = [H03, H02], change: Props = {}): Props {
  return named(
    {
      nodes,
      sshPrivateKey: PROGRAM_KEY,
      clusterName: "ocfs2",
      port: 7777,
      heartbeatDeadThreshold: 31,
      idleTimeoutMs: 30000,
      keepaliveDelayMs: 2000,
      reconnectDelayMs: 2000,
      device: DEVICE,
      label: "ocfs2-ocfs2",
      slots: 4,
      mountPoint: MP,
      mountOptions: [],
      ...change,
    },
    "ocfs2-ocfs2",
  );
}

/** The shared LUN of a test. */
let lun: string;
/** The fake nodes by name. */
let machines: Record<string, FakeMachine>;

/** A fake o2cb node answering every script sent to its address, for real. */
function node(n: typeof H03): FakeMachine {
  const m = fakeMachine(OCFS2_TOOLS, {
    paths: [
      "/etc/ocfs2",
      "/etc/default/o2cb",
      "/etc/sysctl.d",
      "/etc/fstab",
      "/sys/kernel/config/cluster",
      MP,
    ],
    // Named in messages and in the defaults file's comment only.
    reads: [DEVICE, "/etc/hosts", "/etc/hosts,", "/etc/init.d/o2cb"],
    env: { FAKE_LUN: lun },
  });
  m.state("hostname", `${n.name}\n`);
  m.state("hosts", `127.0.0.1 localhost\n${n.address} ${n.name}\n`);
  m.write("/etc/fstab", "/dev/vda / ext4 errors=remount-ro 0 1\n");
  on(/./, forReal(m), n.access.address);
  return m;
}

beforeEach(() => {
  lun = tempDir("fake-lun-");
  machines = Object.fromEntries([H03, H02, H04].map((n) => [n.name, node(n)]));
});

/** The provider's read, its props always there (the resource is never gone here). */
async function readOf(id: string, olds: Props): Promise<{ props: Props }> {
  const r = await p.read(id, olds);
  return { props: r.props ?? {} };
}

const onLun = (file: string) => {
  const f = path.join(lun, file);
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
};

describe("Ocfs2Cluster", () => {
  test("check: fields one by one, then duplicate names or numbers and too few slots", async () => {
    expect(await failedProperties(p, raw([H03], { clusterName: "o2-cb", slots: 0 }))).toEqual([
      "clusterName",
      "slots",
    ]);
    expect(await failedProperties(p, raw([H03, { ...H02, number: 0 }]))).toEqual(["nodes"]);
    expect(await failedProperties(p, raw([H03, H02, H04], { slots: 2 }))).toEqual(["slots"]);
    const inputs = await checked(p, raw());
    expect(inputs).toMatchObject({ drift: [] });
    expect(inputs.renderedDigest).toMatch(/^[0-9a-f]{16}$/);
  });

  test("create: o2cb online on every node with identical files, a blank LUN formatted once, mounted everywhere", async () => {
    const inputs = await checked(p, raw());
    const { id, outs } = await p.create(inputs);
    expect(id).toBe("ocfs2:ocfs2-ocfs2");
    expect(outs.uuid).toBe(UUID);
    const conf = renderClusterConf({ ...SEED_O2CB, nodes: [H03, H02] });
    for (const name of ["vm-host03", "vm-host02"]) {
      const m = machines[name];
      expect(m.read("/etc/ocfs2/cluster.conf")).toBe(conf);
      expect(m.read("/etc/default/o2cb")).toContain("O2CB_BOOTCLUSTER=ocfs2\n");
      expect(m.read("/sys/kernel/config/cluster/ocfs2/idle_timeout_ms")).toBe("30000\n");
      expect(m.stateOf("enabled")).toBeDefined();
      expect(m.stateOf("mounted")).toBeDefined();
      expect(m.outside(m.read("/etc/fstab") ?? "")).toContain(
        `${DEVICE} ${MP} ocfs2 _netdev,x-systemd.requires=open-iscsi.service,x-systemd.requires=o2cb.service 0 0\n`,
      );
      expect(m.stateOf("debconf")).toContain("ocfs2-tools/clustername string ocfs2");
    }
    expect(onLun("volume")).toContain("LABEL=ocfs2-ocfs2\n");
    expect(onLun("slots")).toBe("4\n");
    // Formatted on one node only (the first by number), after o2cb came online on every node.
    expect(scripts().filter((s) => s.includes("mkfs.ocfs2 -q"))).toHaveLength(1);
    expect(scripts(H02.access.address).some((s) => s.includes("mkfs.ocfs2"))).toBe(false);
  });

  test("create again: this lab's volume is kept, never reformatted; a second run changes nothing", async () => {
    const inputs = await checked(p, raw());
    await p.create(inputs);
    fs.appendFileSync(path.join(lun, "volume"), "SENTINEL=1\n");
    await p.create(inputs);
    expect(onLun("volume")).toContain("SENTINEL=1\n");
    const read = await readOf("x", { ...inputs, uuid: UUID });
    expect(read.props.drift).toEqual([]);
    expect(await p.diff("x", read.props, inputs)).toEqual(NO_DIFF);
  });

  test("a volume in local mode is switched to cluster mode keeping its data; too few slots are grown", async () => {
    fs.writeFileSync(path.join(lun, "volume"), `TYPE=ocfs2\nLABEL=ocfs2-ocfs2\nUUID=${UUID}\nSENTINEL=1\n`);
    fs.writeFileSync(path.join(lun, "slots"), "2\n");
    fs.writeFileSync(path.join(lun, "flags"), "sparse local xattr\n");
    const inputs = await checked(p, raw());
    await p.create(inputs);
    expect(onLun("flags")).toBe("sparse xattr\n");
    expect(onLun("slots")).toBe("4\n");
    expect(onLun("volume")).toContain("SENTINEL=1\n");
  });

  test("more slots for a volume still mounted: refused with the fix (tunefs adds slots offline only)", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    fs.writeFileSync(path.join(lun, "in-use"), "");
    const more = await checked(p, raw(undefined, { slots: 6 }));
    const err = await failureOf(p.update("x", { ...inputs, ...outs }, more));
    expect(err.message).toContain("tunefs.ocfs2 -N 6");
    expect(err.message).toContain(
      "Fix: adding node slots needs the volume unmounted on every node: unmount /srv/ocfs2 everywhere",
    );
    expect(onLun("slots")).toBe("4\n");
  });

  test("another file system, or an OCFS2 volume of another label, is refused untouched with the fix", async () => {
    fs.writeFileSync(path.join(lun, "volume"), "TYPE=ext4\nUUID=1234\n");
    const inputs = await checked(p, raw());
    const err = await failureOf(p.create(inputs));
    expect(err.message).toContain(
      `holds a ext4 file system, not OCFS2: it is not reformatted. Fix: give ocfs2.lun a LUN of its own`,
    );
    expect(onLun("volume")).toBe("TYPE=ext4\nUUID=1234\n");
    fs.writeFileSync(path.join(lun, "volume"), "TYPE=ocfs2\nLABEL=theirs\nUUID=1\n");
    const other = await failureOf(p.create(inputs));
    expect(other.message).toContain("holds an OCFS2 volume labelled theirs, not this lab's ocfs2-ocfs2");
    expect(other.message).toContain("Fix: set ocfs2.label to theirs");
  });

  test("a node whose host name or /etc/hosts is wrong, or whose kernel lacks OCFS2, is refused with the fix", async () => {
    const inputs = await checked(p, raw());
    machines["vm-host03"].state("hosts", "127.0.0.1 localhost vm-host03\n");
    expect((await failureOf(p.create(inputs))).message).toContain(
      "/etc/hosts does not map vm-host03 to its real address (seed 003: never 127.0.0.1)",
    );
    machines["vm-host03"].state("hosts", `${H03.address} vm-host03\n`);
    machines["vm-host03"].state("no-ocfs2", "");
    expect((await failureOf(p.create(inputs))).message).toContain("Fix: set image.kernel: generic");
  });

  test("read reports each drift by node; up repairs it", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const h02 = machines["vm-host02"];
    h02.write("/etc/ocfs2/cluster.conf", "cluster:\n\tname = other\n\n");
    h02.state("online", undefined);
    machines["vm-host03"].state(
      "mount-pairs",
      `FSTYPE="ocfs2" OPTIONS="ro,relatime,heartbeat=local" UUID="${UUID}"\n`,
    );
    fs.writeFileSync(path.join(lun, "slots"), "3\n");
    const read = await readOf("x", stored);
    expect(read.props.drift).toEqual([
      "vm-host03: /srv/ocfs2 mounted read-only",
      "vm-host02: cluster.conf differs from the model",
      "vm-host02: o2cb cluster ocfs2 offline",
      "volume: 3 slots (want 4)",
    ]);
    expect(await p.diff("x", read.props, inputs)).toEqual(IN_PLACE);
    await p.update("x", read.props, inputs);
    const again = await readOf("x", stored);
    expect(again.props.drift).toEqual([]);
    // The read-only mount was unmounted (nothing used it) and mounted again from fstab.
    expect(machines["vm-host03"].log()).toEqual(expect.arrayContaining([`umount ${MP}`, `mount ${MP}`]));
  });

  test("/etc/default/o2cb, the debconf answers, the sysctl file, the kernel settings, o2cb's boot state and the fstab line are drift; up repairs them", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const h03 = machines["vm-host03"];
    const h02 = machines["vm-host02"];
    h03.write("/etc/default/o2cb", (h03.read("/etc/default/o2cb") ?? "").replace("=31", "=61"));
    h03.state(
      "debconf",
      (h03.stateOf("debconf") ?? "").replace("idle_timeout string 30000", "idle_timeout string 60000"),
    );
    h03.state("sysctl.kernel.panic", "0\n");
    h02.write("/etc/sysctl.d/60-kvmlab-ocfs2.conf", "kernel.panic = 0\n");
    h02.state("enabled", undefined);
    h02.write("/etc/fstab", "/dev/vda / ext4 errors=remount-ro 0 1\n");
    const read = await readOf("x", stored);
    expect(read.props.drift).toEqual([
      "vm-host03: /etc/default/o2cb differs from the model",
      'vm-host03: debconf ocfs2-tools/idle_timeout is "60000" (want 30000)',
      "vm-host03: kernel.panic is 0 (want 30)",
      "vm-host02: /etc/sysctl.d/60-kvmlab-ocfs2.conf differs from the model",
      "vm-host02: o2cb.service not enabled at boot (disabled)",
      "vm-host02: no fstab line for /srv/ocfs2",
    ]);
    expect(await p.diff("x", read.props, inputs)).toEqual(IN_PLACE);
    await p.update("x", read.props, inputs);
    expect((await readOf("x", stored)).props.drift).toEqual([]);
    expect(h03.read("/etc/default/o2cb")).toContain("O2CB_HEARTBEAT_THRESHOLD=31\n");
    expect(h02.outside(h02.read("/etc/fstab") ?? "")).toContain(`${DEVICE} ${MP} ocfs2 _netdev,`);
  });

  test("a mount without heartbeat=local, or of another volume, is mounted again where nothing uses it", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const other = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const pairs = (options: string, uuid = UUID) => `FSTYPE="ocfs2" OPTIONS="${options}" UUID="${uuid}"\n`;
    machines["vm-host03"].state("mount-pairs", pairs("rw,relatime"));
    machines["vm-host02"].state("mount-pairs", pairs("rw,relatime,heartbeat=local", other));
    const read = await readOf("x", stored);
    expect(read.props.drift).toEqual([
      "vm-host03: /srv/ocfs2 mounted without heartbeat=local (rw,relatime)",
      `vm-host02: /srv/ocfs2 mounts volume ${other}, not ${UUID}`,
    ]);
    expect(await p.diff("x", read.props, inputs)).toEqual(IN_PLACE);
    await p.update("x", read.props, inputs);
    expect((await readOf("x", stored)).props.drift).toEqual([]);
    for (const name of ["vm-host03", "vm-host02"]) {
      const log = machines[name].log();
      expect([name, log.includes(`umount ${MP}`), log.includes(`mount ${MP}`)]).toEqual([name, true, true]);
    }
  });

  test("a configured mount option the live mount lacks is drift and mounts it again; fstab-only options are not compared", async () => {
    const inputs = await checked(p, raw(undefined, { mountOptions: ["noatime", "nofail"] }));
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const h03 = machines["vm-host03"];
    const kernel = "rw,noatime,_netdev,heartbeat=local,nointr,data=ordered";
    machines["vm-host02"].state("mount-pairs", `FSTYPE="ocfs2" OPTIONS="${kernel}" UUID="${UUID}"\n`);
    const read = await readOf("x", stored);
    expect(read.props.drift).toEqual(["vm-host03: /srv/ocfs2 mounted without noatime"]);
    for (const m of Object.values(machines)) fs.writeFileSync(m.fake.log, "");
    await p.update("x", read.props, inputs);
    expect(h03.log()).toEqual(expect.arrayContaining([`umount ${MP}`, `mount ${MP}`]));
    expect(machines["vm-host02"].log().some((l) => l.startsWith("umount"))).toBe(false);
  });

  test("a drifted mount that a process uses is not unmounted under it: the update fails naming the node, the mount point and the fix", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const h03 = machines["vm-host03"];
    h03.state("mount-pairs", `FSTYPE="ocfs2" OPTIONS="ro,relatime,heartbeat=local" UUID="${UUID}"\n`);
    h03.state("busy", " 4242c\n");
    const read = await readOf("x", { ...inputs, ...outs });
    expect(read.props.drift).toEqual(["vm-host03: /srv/ocfs2 mounted read-only"]);
    const err = await failureOf(p.update("x", read.props, inputs));
    expect(err.message).toContain(
      "on vm-host03 (192.168.13.153): /srv/ocfs2 must be mounted again (read-only), but processes 4242c use it",
    );
    expect(err.message).toContain("Fix: stop what uses /srv/ocfs2 on this node (fuser -vm /srv/ocfs2)");
    expect(h03.log().some((l) => l.startsWith("umount"))).toBe(false);
    expect(h03.stateOf("mount-pairs")).toContain("ro,");
  });

  test("another file system mounted there is drift; the update refuses it with the fix, untouched", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const h02 = machines["vm-host02"];
    h02.state("mount-pairs", 'FSTYPE="ext4" OPTIONS="rw,relatime" UUID="1234"\n');
    const read = await readOf("x", { ...inputs, ...outs });
    expect(read.props.drift).toEqual(["vm-host02: /srv/ocfs2 is ext4, not ocfs2"]);
    const err = await failureOf(p.update("x", read.props, inputs));
    expect(err.message).toContain("/srv/ocfs2 holds a ext4 mount, not the OCFS2 volume. Fix: unmount it");
    expect(h02.log().some((l) => l.startsWith("umount"))).toBe(false);
  });

  test("read reports the volume in local mode, another label, another UUID and a missing device", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const volume = onLun("volume") ?? "";
    fs.writeFileSync(path.join(lun, "flags"), "sparse local xattr\n");
    expect((await readOf("x", stored)).props.drift).toEqual(["volume: in local mode"]);
    fs.writeFileSync(path.join(lun, "flags"), "sparse xattr\n");
    fs.writeFileSync(path.join(lun, "volume"), volume.replace("LABEL=ocfs2-ocfs2", "LABEL=theirs"));
    expect((await readOf("x", stored)).props.drift).toEqual(["volume: label theirs (want ocfs2-ocfs2)"]);
    const other = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    fs.writeFileSync(path.join(lun, "volume"), volume.replace(UUID, other));
    expect((await readOf("x", stored)).props.drift).toEqual([`volume: UUID ${other} (was ${UUID})`]);
    fs.rmSync(lun, { recursive: true });
    expect((await readOf("x", stored)).props.drift).toEqual(["volume: the LUN's device is missing"]);
  });

  test("another UUID on the LUN is not taken as the volume's: the update refuses it with the fix, untouched", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs };
    const other = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const volume = (onLun("volume") ?? "").replace(UUID, other);
    fs.writeFileSync(path.join(lun, "volume"), volume);
    const read = await readOf("x", stored);
    expect(await p.diff("x", read.props, inputs)).toEqual(IN_PLACE);
    const err = await failureOf(p.update("x", read.props, inputs));
    expect(err.message).toContain(
      `holds an OCFS2 volume labelled ocfs2-ocfs2 with the UUID ${other}, not this lab's volume ${UUID}`,
    );
    expect(err.message).toContain("Fix: look at what it holds");
    expect(err.message).toContain("replace the Ocfs2Cluster (pulumi up --replace");
    expect(onLun("volume")).toBe(volume);
    expect((await readOf("x", stored)).props.drift).toEqual([`volume: UUID ${other} (was ${UUID})`]);
    // A new resource (the replacement) takes the volume as it is.
    const created = await p.create(inputs);
    expect(created.outs.uuid).toBe(other);
  });

  test("live timeouts that differ, an unmounted node and an unreachable one are drift", async () => {
    const inputs = await checked(p, raw());
    const { outs } = await p.create(inputs);
    machines["vm-host03"].write("/sys/kernel/config/cluster/ocfs2/idle_timeout_ms", "60000\n");
    machines["vm-host03"].state("mounted", undefined);
    lab.down.push(H02.access.address);
    const read = await readOf("x", { ...inputs, ...outs });
    expect(read.props.drift).toEqual([
      "vm-host03: live timeouts 31 60000 2000 2000 (want 31 30000 2000 2000)",
      "vm-host03: /srv/ocfs2 not mounted",
      "vm-host02: unreachable",
    ]);
  });

  test("a node added later joins online: cluster.conf on every node, registered without unmounting the others", async () => {
    const olds = await checked(p, raw());
    const { outs } = await p.create(olds);
    for (const m of Object.values(machines)) fs.writeFileSync(m.fake.log, "");
    const news = await checked(p, raw([H03, H02, H04]));
    expect(await p.diff("x", { ...olds, ...outs }, news)).toEqual(IN_PLACE);
    await p.update("x", { ...olds, ...outs }, news);
    const conf = renderClusterConf(SEED_O2CB);
    for (const m of Object.values(machines)) expect(m.read("/etc/ocfs2/cluster.conf")).toBe(conf);
    // The mounted nodes took the new node with register-cluster (no umount, no o2cb restart).
    for (const n of [H03, H02]) {
      const log = machines[n.name].log();
      expect(log).toContain("o2cb register-cluster ocfs2");
      expect(log.some((l) => l.startsWith("umount") || l.startsWith("systemctl restart"))).toBe(false);
    }
    expect(machines["vm-host04"].stateOf("mounted")).toBeDefined();
    for (const m of Object.values(machines))
      expect(m.log().some((l) => l.startsWith("mkfs.ocfs2"))).toBe(false);
  });

  test("a node removed is unmounted and stopped first; the others keep theirs", async () => {
    const olds = await checked(p, raw([H03, H02, H04]));
    const { outs } = await p.create(olds);
    const news = await checked(p, raw([H03, H02]));
    await p.update("x", { ...olds, ...outs }, news);
    const h04 = machines["vm-host04"];
    expect(h04.stateOf("mounted")).toBeUndefined();
    expect(h04.stateOf("online")).toBeUndefined();
    expect(h04.read("/etc/ocfs2/cluster.conf")).toBeUndefined();
    expect(h04.outside(h04.read("/etc/fstab") ?? "")).not.toContain(MP);
    expect(machines["vm-host03"].read("/etc/ocfs2/cluster.conf")).toBe(
      renderClusterConf({ ...SEED_O2CB, nodes: [H03, H02] }),
    );
  });

  test("a change that would renumber a node that stays fails the preview with the fix", async () => {
    const olds = await checked(p, raw([H03, H02, H04]));
    const news = await checked(p, raw([H03, { ...H04, number: 1 }]));
    expect(renumbered(olds as never, news as never)).toEqual(["vm-host04: 2 → 1"]);
    const err = await failureOf(p.diff("x", olds, news));
    expect(err.message).toContain(
      "o2cb node numbers would change (vm-host04: 2 → 1). Fix: write each node's number",
    );
  });

  test("another LUN, cluster name or label replaces (delete first)", async () => {
    const olds = await checked(p, raw());
    for (const change of [{ device: `${DEVICE}0` }, { clusterName: "pool2" }, { label: "other" }]) {
      const d = await p.diff("x", olds, await checked(p, raw(undefined, change)));
      expect(d).toMatchObject({ changes: true, deleteBeforeReplace: true, replaces: Object.keys(change) });
    }
  });

  test("delete unmounts and stops o2cb on every node, leaving the data; an unreachable node is no error", async () => {
    const inputs = await checked(p, raw());
    await p.create(inputs);
    lab.down.push(H02.access.address);
    await p.delete("x", inputs);
    const h03 = machines["vm-host03"];
    expect(h03.stateOf("mounted")).toBeUndefined();
    expect(h03.stateOf("enabled")).toBeUndefined();
    expect(h03.read("/etc/fstab")).toBe("/dev/vda / ext4 errors=remount-ro 0 1\n");
    expect(onLun("volume")).toContain("TYPE=ocfs2");
  });
});
