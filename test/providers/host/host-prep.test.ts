/**
 * The HostPrep provider (libvirt daemons, CPU virtualisation, the domain type) against the fake
 * KVM host (test/support/fake-lab.ts), driven as the engine drives it.
 */
import { lab, on } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { hostPrepProvider, hostPrepScript } from "../../../providers/host/host-prep";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, named } from "../../support/provider-driver";
import { HOST, STATE_DIR, URI } from "../../fixtures/lab";

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
    on(/grep -qwE 'vmx\|svm'/, { stdout: `cpu=${cpu}\nstarted=no\n` });
    const inputs = await checked(p, { ...raw, requestedDomainType: requested });
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
    on(/ version /, { code: 1 });
    const inputs = await checked(p, raw);
    const olds = { ...inputs, domainType: "qemu", cpuVirtualisation: false, startedDaemons: false };
    const read = await p.read("x", olds);
    expect(read.props).toMatchObject({ daemonAnswers: false });
    expect(await p.diff("x", read.props as Props, inputs)).toMatchObject({ changes: true, replaces: [] });
  });
});
