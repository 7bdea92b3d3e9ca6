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
} from "../../../providers/host/host-prep";
import { addFakes, bashSyntaxCheck, failingTool, ownProcess } from "../../support/bash";
import { checked, failureOf, named } from "../../support/provider-driver";
import { HOST, STATE_DIR, URI } from "../../fixtures/lab";
import { HOST_LIBVIRT_TOOLS } from "../../fixtures/fake-tools";

const CPUINFO = "/proc/cpuinfo";
/** /proc/cpuinfo of a CPU with (or without) hardware virtualisation. */
const cpuinfo = (vmx: boolean) =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae${vmx ? " vmx" : ""} sse sse2 ssse3\n\n`;

/** The KVM host: virsh answers (libvirtd up), no domain, no network; the host's scripts run for real. */
function kvmHost(): FakeMachine {
  const host = fakeMachine(HOST_LIBVIRT_TOOLS, {
    paths: [STATE_DIR, CPUINFO, MANAGED_PID_FILES.libvirtd, MANAGED_PID_FILES.virtlogd],
    reads: ["/proc"],
  });
  host.write(CPUINFO, cpuinfo(true));
  on(/^if \[ -d /, forReal(host));
  on(/ version >\/dev\/null 2>&1$/, forReal(host));
  return host;
}

describe("HostPrep provider", () => {
  const p = hostPrepProvider;
  const raw = named(
    { host: HOST, daemon: "managed", requestedDomainType: "auto", timeClients: ["192.168.8.0/24"] },
    "dev-host-prep",
  );

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
