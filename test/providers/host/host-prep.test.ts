/**
 * The HostPrep provider (libvirt daemons, CPU virtualisation, the domain type) against the fake
 * KVM host (test/support/fake-lab.ts), driven as the engine drives it. The converge script of an
 * `external` daemon, the read and the delete run for real on a fake host (fake virsh; the state
 * directory, /proc/cpuinfo and the managed daemons' pid files moved into its sandbox; the daemons
 * are processes of the test's own). The converge script of a `managed` daemon creates libvirt's
 * directories under /run, /var and /etc and starts the daemons: rules answer it.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import {
  hostPrepDeleteScript,
  hostPrepProvider,
  hostPrepScript,
  MANAGED_PID_FILES,
  NOKVM_FILES,
} from "../../../providers/host/host-prep";
import { addFakes, bashSyntaxCheck, failingTool, ownProcess } from "../../support/bash";
import { checked, failureOf, IN_PLACE, named } from "../../support/provider-driver";
import { HOST, STATE_DIR, URI } from "../../fixtures/lab";
import { HOST_LIBVIRT_TOOLS } from "../../fixtures/fake-tools";

const CPUINFO = "/proc/cpuinfo";
/** /proc/cpuinfo of a CPU with (or without) hardware virtualisation. */
const cpuinfo = (vmx: boolean) =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae${vmx ? " vmx" : ""} sse sse2 ssse3\n\n`;

/** The KVM host: virsh answers (libvirtd up), no domain, no network; the host's scripts run for real. */
function kvmHost(): FakeMachine {
  const host = fakeMachine(HOST_LIBVIRT_TOOLS, {
    paths: [STATE_DIR, CPUINFO, "/dev/kvm", ...LIBVIRT_PATHS],
    reads: ["/proc"],
  });
  host.write(CPUINFO, cpuinfo(true));
  on(/^if \[ -d /, forReal(host));
  on(/ version >\/dev\/null 2>&1$/, forReal(host));
  on(READ, forReal(host));
  return host;
}

/** The read's probe. */
const READ = /then echo daemon; fi\n/;

/** libvirt's directories and files the managed converge makes or reads, moved into a sandbox. */
const LIBVIRT_PATHS = [
  "/run/libvirt",
  "/var/log/libvirt",
  "/var/lib/libvirt",
  "/var/cache/libvirt",
  "/etc/libvirt",
];

/**
 * The daemons a managed converge starts, as fakes: `libvirtd` makes virsh answer; `unshare`
 * (the nokvm wrapping) runs the command after its options, whose `mount --bind` is logged.
 */
const DAEMON_FAKES: Record<string, string> = {
  virtlogd: "",
  libvirtd: 'rm -f "$FAKE_ROOT/state/libvirtd-down"',
  unshare: 'while [ "${1#-}" != "$1" ] || [ "$1" = private ]; do shift; done\nexec "$@"',
  mount: "",
};

/**
 * A KVM host whose scripts all run for real, its `/proc` a sandbox directory written by the test
 * (the daemons of the pid files are entries there, with their comm and mount table), `/dev/kvm`
 * present or not. Only for the read: nothing is signalled.
 */
function hostWithFakeProc(opts: { vmx: boolean; devKvm: boolean }): FakeMachine {
  const host = fakeMachine(HOST_LIBVIRT_TOOLS, { paths: [STATE_DIR, "/proc", "/dev/kvm", ...LIBVIRT_PATHS] });
  host.write(CPUINFO, cpuinfo(opts.vmx));
  if (opts.devKvm) host.write("/dev/kvm", "");
  fs.mkdirSync(host.at(STATE_DIR), { recursive: true, mode: 0o711 });
  fs.chmodSync(host.at(STATE_DIR), 0o711);
  on(READ, forReal(host));
  return host;
}

/** A daemon process as the fake /proc shows it: pid file, comm, status and mount table. */
function fakeDaemon(host: FakeMachine, pidFile: string, pid: number, comm: string, mounts: string[] = []) {
  host.write(pidFile, `${pid}\n`);
  host.write(`/proc/${pid}/comm`, `${comm}\n`);
  host.write(`/proc/${pid}/status`, `Name:\t${comm}\nState:\tS (sleeping)\n`);
  const table = [
    "22 1 0:21 / / rw,relatime - overlay overlay rw",
    ...mounts.map((m, i) => `${30 + i} 22 0:5 /kvmlab ${m} rw - tmpfs tmpfs rw`),
  ];
  host.write(`/proc/${pid}/mountinfo`, `${host.inside(table.join("\n"))}\n`);
}

describe("HostPrep provider", () => {
  const p = hostPrepProvider;
  const raw = named({ host: HOST, daemon: "managed", requestedDomainType: "auto" }, "dev-host-prep");

  test("check rejects a remote libvirt URI, naming libvirtUri and the fix", async () => {
    const r = await p.check({}, { ...raw, host: { ...HOST, libvirtUri: "qemu+ssh://root@h/system" } });
    expect(r.failures).toHaveLength(1);
    const [failure] = r.failures ?? [];
    expect(failure.property).toBe("host.libvirtUri");
    expect(failure.reason).toContain('libvirtUri "qemu+ssh://root@h/system" is not a local libvirt URI');
    expect(failure.reason).toContain(
      "Fix: run the program on the KVM host and set host.libvirtUri to qemu:///system",
    );
  });

  test.each(["qemu:///system", "qemu:///session", "qemu+unix:///system"])(
    "check accepts the local URI %s",
    async (uri) => {
      expect((await p.check({}, { ...raw, host: { ...HOST, libvirtUri: uri } })).failures).toEqual([]);
    },
  );

  test("check rejects a top-level or relative state directory, naming it", async () => {
    for (const stateDir of ["/var", "var/lib/x", "/var/lib/with space"]) {
      const r = await p.check({}, { ...raw, host: { ...HOST, stateDir } });
      expect([stateDir, r.failures?.map((f) => f.property)]).toEqual([stateDir, ["host.stateDir"]]);
    }
  });

  test.each<[string, string, string, boolean]>([
    ["auto", "kvm", "kvm", true],
    ["auto", "qemu", "qemu", false],
    ["qemu", "kvm", "qemu", true],
    ["kvm", "qemu", "kvm", false],
  ])("requested %s on a CPU with cpu=%s → domain type %s", async (requested, cpu, domainType, virt) => {
    // Run for real (an external daemon: the script starts nothing), the CPU's flags in /proc/cpuinfo.
    const host = kvmHost();
    host.write(CPUINFO, cpuinfo(cpu === "kvm"));
    on(/grep -qwE 'vmx\|svm'/, forReal(host));
    const inputs = await checked(p, { ...raw, daemon: "external", requestedDomainType: requested });
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(`${URI}#${STATE_DIR}`);
    expect(outs).toMatchObject({ domainType, cpuVirtualisation: virt, startedDaemons: false });
    expect(lab.calls[0].opts.timeoutSeconds).toBe(120);
  });

  test("records that it started the daemons, and keeps that across updates", async () => {
    on(/grep -qwE/, { stdout: "cpu=qemu\nstarted=yes\n" });
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    expect(outs.startedDaemons).toBe(true);
    lab.rules = [];
    on(/grep -qwE/, { stdout: "cpu=qemu\nstarted=no\n" });
    expect((await p.update("x", outs as Props, inputs)).outs.startedDaemons).toBe(true);
  });

  test("the script starts the daemons only when managed; external says how to fix it", async () => {
    const inputs = (await checked(p, raw)) as unknown as Parameters<typeof hostPrepScript>[0];
    const managed = hostPrepScript(inputs);
    const external = hostPrepScript({ ...inputs, daemon: "external" });
    expect(managed).toContain("libvirtd -d -p /run/libvirt/kvmlab-libvirtd.pid");
    expect(external).not.toContain("libvirtd -d");
    expect(external).toContain("Fix: start libvirtd on the host, or set host.daemon to managed");
    bashSyntaxCheck(managed);
    bashSyntaxCheck(external);
  });

  test("read: a daemon that stopped answering is drift, fixed in place", async () => {
    kvmHost().state("libvirtd-down", "");
    const inputs = await checked(p, raw);
    const olds = { ...inputs, domainType: "qemu", cpuVirtualisation: false, startedDaemons: false };
    const read = await p.read("x", olds);
    expect(read.props).toMatchObject({ daemonAnswers: false });
    expect(await p.diff("x", read.props as Props, inputs)).toMatchObject({ changes: true, replaces: [] });
  });

  describe("read → diff → update of the host's drift, run for real", () => {
    const stored = async (props: Props = raw): Promise<Props> => ({
      ...(await checked(p, props)),
      domainType: "qemu",
      cpuVirtualisation: false,
      startedDaemons: true,
    });
    const NOKVM_MOUNTS = ["/dev/kvm", "/etc/libvirt/qemu.conf"];

    test("read of a host as converged shows no drift (the nokvm wrapping in force)", async () => {
      const host = hostWithFakeProc({ vmx: false, devKvm: true });
      fakeDaemon(host, MANAGED_PID_FILES.libvirtd, 4100, "libvirtd", NOKVM_MOUNTS);
      fakeDaemon(host, MANAGED_PID_FILES.virtlogd, 4101, "virtlogd");
      host.write(NOKVM_FILES.kvm, "");
      host.write(NOKVM_FILES.qemuConf, "namespaces = [ ]\n");
      const olds = await stored();
      const read = await p.read("x", olds);
      expect(read.props).toEqual(olds);
      expect((await p.diff("x", read.props as Props, await checked(p, raw))).changes).toBe(false);
    });

    test("read: the state directory gone or re-moded → stateDirReady false; the update makes it 0711 again", async () => {
      const host = kvmHost();
      on(/^mkdir -p /, forReal(host));
      const external = { ...raw, daemon: "external" };
      const inputs = await checked(p, external);
      for (const damage of [
        () => fs.rmSync(host.at(STATE_DIR), { recursive: true }),
        () => fs.chmodSync(host.at(STATE_DIR), 0o755),
      ]) {
        await p.update("x", await stored(external), inputs);
        expect((await p.read("x", await stored(external))).props).toMatchObject({ stateDirReady: true });
        damage();
        const read = await p.read("x", await stored(external));
        expect(read.props).toMatchObject({ stateDirReady: false, daemonAnswers: true });
        expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
        await p.update("x", read.props as Props, inputs);
        expect(fs.statSync(host.at(STATE_DIR)).mode & 0o777).toBe(0o711);
      }
    });

    test("read: the virtlogd it started is gone while its libvirtd runs → virtlogdRunning false", async () => {
      const host = hostWithFakeProc({ vmx: true, devKvm: true });
      fakeDaemon(host, MANAGED_PID_FILES.libvirtd, 4100, "libvirtd");
      // A stale pid file: the pid is another program now.
      fakeDaemon(host, MANAGED_PID_FILES.virtlogd, 4101, "bash");
      const read = await p.read("x", await stored());
      expect(read.props).toMatchObject({ virtlogdRunning: false, daemonAnswers: true, nokvmInForce: true });
      expect(await p.diff("x", read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
    });

    test("read: the libvirtd it started runs without the nokvm wrapping on a TCG host with /dev/kvm → nokvmInForce false", async () => {
      for (const [label, setUp] of [
        ["no bind mounts", (h: FakeMachine) => fakeDaemon(h, MANAGED_PID_FILES.libvirtd, 4100, "libvirtd")],
        [
          "the wrapping's files gone",
          (h: FakeMachine) => {
            fakeDaemon(h, MANAGED_PID_FILES.libvirtd, 4100, "libvirtd", NOKVM_MOUNTS);
            fs.rmSync(h.at(NOKVM_FILES.kvm));
          },
        ],
      ] as const) {
        lab.rules = [];
        const host = hostWithFakeProc({ vmx: false, devKvm: true });
        fakeDaemon(host, MANAGED_PID_FILES.virtlogd, 4101, "virtlogd");
        host.write(NOKVM_FILES.kvm, "");
        host.write(NOKVM_FILES.qemuConf, "namespaces = [ ]\n");
        setUp(host);
        const read = await p.read("x", await stored());
        expect([label, read.props]).toMatchObject([label, { nokvmInForce: false, virtlogdRunning: true }]);
      }
      // A host with vmx, or without /dev/kvm, needs no wrapping.
      for (const opts of [
        { vmx: true, devKvm: true },
        { vmx: false, devKvm: false },
      ]) {
        lab.rules = [];
        const host = hostWithFakeProc(opts);
        fakeDaemon(host, MANAGED_PID_FILES.libvirtd, 4100, "libvirtd");
        fakeDaemon(host, MANAGED_PID_FILES.virtlogd, 4101, "virtlogd");
        expect((await p.read("x", await stored())).props).toMatchObject({ nokvmInForce: true });
      }
    });

    /** A managed host whose converge runs for real: its daemons are processes of the test's own. */
    function managedHost(vmx: boolean) {
      const host = fakeMachine(
        { ...HOST_LIBVIRT_TOOLS, ...DAEMON_FAKES },
        { paths: [STATE_DIR, CPUINFO, "/dev/kvm", ...LIBVIRT_PATHS], reads: ["/proc"] },
      );
      host.write(CPUINFO, cpuinfo(vmx));
      host.write("/dev/kvm", "");
      host.write("/etc/libvirt/qemu.conf", "# qemu.conf\n");
      const libvirtd = ownProcess("libvirtd");
      host.write(MANAGED_PID_FILES.libvirtd, `${libvirtd.pid}\n`);
      on(/^mkdir -p /, forReal(host));
      return { host, libvirtd };
    }

    test("update: virtlogd alone is started again beside the running libvirtd", async () => {
      const { host, libvirtd } = managedHost(true);
      const { outs } = await p.update("x", await stored(), await checked(p, raw));
      expect(outs.startedDaemons).toBe(true);
      expect(host.log().filter((l) => !l.startsWith("virsh "))).toEqual([
        "virtlogd -d -p /run/libvirt/kvmlab-virtlogd.pid",
      ]);
      expect(await libvirtd.ended(200)).toBe(false);
    });

    test("update: a libvirtd of its own running unwrapped on a TCG host with /dev/kvm is restarted in the nokvm wrapping", async () => {
      const { host, libvirtd } = managedHost(false);
      const virtlogd = ownProcess("virtlogd");
      host.write(MANAGED_PID_FILES.virtlogd, `${virtlogd.pid}\n`);
      await p.update("x", await stored(), await checked(p, raw));
      expect(await libvirtd.ended()).toBe(true);
      expect(await virtlogd.ended(200)).toBe(false);
      expect(host.log().filter((l) => /^(unshare|mount|libvirtd|virtlogd) /.test(l))).toEqual([
        "unshare -m --propagation private sh -c mount --bind /run/libvirt/kvmlab-nokvm /dev/kvm &&",
        "mount --bind /run/libvirt/kvmlab-nokvm /dev/kvm",
        "mount --bind /run/libvirt/kvmlab-qemu.conf /etc/libvirt/qemu.conf",
        "libvirtd -d -p /run/libvirt/kvmlab-libvirtd.pid",
      ]);
      expect(host.read(NOKVM_FILES.qemuConf)).toBe("# qemu.conf\nnamespaces = [ ]\n");
    });
  });

  describe("an external daemon, run for real", () => {
    const external = { ...raw, daemon: "external" };

    test.each<[boolean, string, boolean]>([
      [true, "kvm", true],
      [false, "qemu", false],
    ])("vmx %s: domain type %s; the state directory made, mode 0711", async (vmx, domainType, virt) => {
      const host = kvmHost();
      host.write(CPUINFO, cpuinfo(vmx));
      on(/grep -qwE 'vmx\|svm'/, forReal(host));
      const { outs } = await p.create(await checked(p, external));
      expect(outs).toMatchObject({ domainType, cpuVirtualisation: virt, startedDaemons: false });
      expect(fs.statSync(host.at(STATE_DIR)).mode & 0o777).toBe(0o711);
      expect(host.log()).toEqual([`virsh -q -c ${URI} version`]);
    });

    test("libvirtd not answering: the create fails with the fix, nothing started", async () => {
      const host = kvmHost();
      host.state("libvirtd-down", "");
      on(/grep -qwE 'vmx\|svm'/, forReal(host));
      const err = await failureOf(p.create(await checked(p, external)));
      expect(err.message).toMatch(/^HostPrep "dev-host-prep": create failed: /);
      expect(err.message).toContain(
        `libvirtd does not answer on ${URI}. Fix: start libvirtd on the host, or set host.daemon to managed so the program starts it`,
      );
    });
  });

  describe("delete, run for real", () => {
    /** The stored resource: `startedDaemons` as the create recorded it. */
    const stored = async (startedDaemons: boolean): Promise<Props> => ({
      ...(await checked(p, raw)),
      domainType: "qemu",
      cpuVirtualisation: false,
      startedDaemons,
    });

    /** The host with the daemons this resource started (processes of the test's own) and their pid files. */
    function withDaemons() {
      const host = kvmHost();
      const libvirtd = ownProcess("libvirtd");
      const virtlogd = ownProcess("virtlogd");
      host.write(MANAGED_PID_FILES.libvirtd, `${libvirtd.pid}\n`);
      host.write(MANAGED_PID_FILES.virtlogd, `${virtlogd.pid}\n`);
      fs.mkdirSync(host.at(`${STATE_DIR}/volumes`), { recursive: true });
      return { host, libvirtd, virtlogd };
    }
    const pidFiles = (host: FakeMachine) =>
      [MANAGED_PID_FILES.libvirtd, MANAGED_PID_FILES.virtlogd].filter((f) => host.read(f) !== undefined);

    test("daemons it started and that hold nothing: both stopped, pid files and the empty state directory gone", async () => {
      const { host, libvirtd, virtlogd } = withDaemons();
      await p.delete("x", await stored(true));
      expect(await libvirtd.ended()).toBe(true);
      expect(await virtlogd.ended()).toBe(true);
      expect(pidFiles(host)).toEqual([]);
      expect(fs.existsSync(host.at(STATE_DIR))).toBe(false);
    });

    test("a daemon ignoring TERM is killed", async () => {
      const host = kvmHost();
      const libvirtd = ownProcess("libvirtd", { ignoreTerm: true });
      // Let bash set its trap and become libvirtd.
      for (
        let i = 0;
        i < 50 && !(fs.readFileSync(`/proc/${libvirtd.pid}/comm`, "utf8").trim() === "libvirtd");
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      host.write(MANAGED_PID_FILES.libvirtd, `${libvirtd.pid}\n`);
      await p.delete("x", await stored(true));
      expect(await libvirtd.ended()).toBe(true);
      expect(pidFiles(host)).toEqual([]);
    });

    test("a pid file whose pid is another process (not a libvirt daemon): nobody is killed, the stale file goes", async () => {
      const host = kvmHost();
      const stranger = ownProcess();
      const another = ownProcess("virtlogd-old");
      host.write(MANAGED_PID_FILES.libvirtd, `${stranger.pid}\n`);
      host.write(MANAGED_PID_FILES.virtlogd, `${another.pid}\n`);
      await p.delete("x", await stored(true));
      expect(await stranger.ended(300)).toBe(false);
      expect(await another.ended(300)).toBe(false);
      expect(pidFiles(host)).toEqual([]);
    });

    test("a stale pid file (the daemon gone) and a missing one: removed, no error", async () => {
      const host = kvmHost();
      const gone = ownProcess("libvirtd");
      process.kill(gone.pid, "SIGKILL");
      expect(await gone.ended()).toBe(true);
      host.write(MANAGED_PID_FILES.libvirtd, `${gone.pid}\n`);
      await p.delete("x", await stored(true));
      expect(pidFiles(host)).toEqual([]);
      // Nothing at all: nothing to do.
      await p.delete("x", await stored(true));
    });

    test.each<[string, (host: FakeMachine) => void]>([
      ["a domain still defined", (host) => host.state("virsh-domains", "dev-node01\n")],
      ["a network still running", (host) => host.state("virsh-active-networks", "dev-service\n")],
      ["libvirtd not answering", (host) => host.state("libvirtd-down", "")],
    ])("%s: the daemons are left running with their pid files", async (_label, setUp) => {
      const { host, libvirtd, virtlogd } = withDaemons();
      setUp(host);
      await p.delete("x", await stored(true));
      expect(await libvirtd.ended(200)).toBe(false);
      expect(await virtlogd.ended(200)).toBe(false);
      expect(pidFiles(host)).toEqual([MANAGED_PID_FILES.libvirtd, MANAGED_PID_FILES.virtlogd]);
    });

    test("an inactive network (the package's `default`) does not keep the daemons", async () => {
      const { host, libvirtd } = withDaemons();
      host.state("virsh-networks", "default\n");
      await p.delete("x", await stored(true));
      expect(await libvirtd.ended()).toBe(true);
    });

    test("daemons it did not start are never stopped", async () => {
      const { host, libvirtd, virtlogd } = withDaemons();
      await p.delete("x", await stored(false));
      expect(await libvirtd.ended(200)).toBe(false);
      expect(await virtlogd.ended(200)).toBe(false);
      expect(pidFiles(host)).toHaveLength(2);
      expect(hostPrepDeleteScript({ host: HOST })).not.toContain("kill");
    });

    test("a state directory the stack left files in is kept (said on stderr), the daemons still stop", async () => {
      const { host, libvirtd } = withDaemons();
      host.write(`${STATE_DIR}/volumes/leftover.qcow2`, "disk\n");
      await p.delete("x", await stored(true));
      expect(host.read(`${STATE_DIR}/volumes/leftover.qcow2`)).toBe("disk\n");
      expect(lab.calls).toHaveLength(1);
      expect(await libvirtd.ended()).toBe(true);
    });

    test.each<[string, string]>([
      ["find", "find: cannot delete: Read-only file system"],
      ["rm", "rm: cannot remove: Read-only file system"],
    ])("%s failing: the delete fails naming the resource", async (tool, stderr) => {
      const { host } = withDaemons();
      addFakes(host.fake, { [tool]: failingTool(tool, stderr) });
      const err = await failureOf(p.delete("x", await stored(true)));
      expect(err.message).toMatch(/^HostPrep "dev-host-prep": delete failed: .*exit code 1/);
      expect(err.message).toContain(stderr);
    });

    test("the delete script is valid bash, with and without the daemons", () => {
      bashSyntaxCheck(hostPrepDeleteScript({ host: HOST, startedDaemons: true }));
      bashSyntaxCheck(hostPrepDeleteScript({ host: HOST }));
    });
  });
});
