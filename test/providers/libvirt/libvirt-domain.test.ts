/**
 * The LibvirtDomain provider against the fake KVM host (test/support/fake-lab.ts), driven as the
 * engine drives it: check → create, read → diff → update, delete.
 */
import { FAKE_HOST_KEY, lab, on, type Call } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { virshCommand } from "../../../providers/libvirt/virsh";
import { libvirtDomainProvider } from "../../../providers/libvirt/libvirt-domain";
import { DRAINED, shutdownScript } from "../../../providers/libvirt/domain-restart";
import { renderDomainXml } from "../../../providers/libvirt/domain-xml";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, failedProperties, failureOf, IN_PLACE, named } from "../../support/provider-driver";
import { DAEMON_DOWN, notFound, virshCall, virshRuns, virshSucceeds } from "../../support/virsh";
import { HOST, STATE_DIR, URI } from "../../fixtures/lab";

describe("LibvirtDomain provider", () => {
  const p = libvirtDomainProvider;
  const nics = [
    { network: "dev-service", mac: "52:54:00:ab:ba:d5" },
    { network: "dev-management", mac: "52:54:00:26:66:5d" },
  ];
  /** What the domain is made of, as the provider's inputs and the renderer's input name it alike. */
  const machine = {
    name: "dev-node01",
    domainType: "qemu" as const,
    memoryMiB: 1024,
    diskPath: `${STATE_DIR}/volumes/dev-node01.qcow2`,
    kernelPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/vmlinuz",
    initrdPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/initrd.img",
    kernelArgs: "root=/dev/vda rw console=ttyS0",
  };
  const ISO = `${STATE_DIR}/seeds/dev-node01-cidata.iso`;
  const raw = named({ host: HOST, ...machine, vcpus: 1, cloudInitPath: ISO, nics }, "dev-node01-domain");
  const UUID = "5d1f0a52-0000-4000-8000-000000000001";

  /**
   * `virsh dumpxml --inactive` of the defined domain as libvirt 9 prints it: KiB, single quotes,
   * the versioned machine, its CPU model for TCG, controllers, addresses and defaults added.
   */
  const liveXml = (vcpus: number, memoryKiB: number, liveNics = nics) => `<domain type='qemu'>
  <name>dev-node01</name>
  <uuid>${UUID}</uuid>
  <memory unit='KiB'>${memoryKiB}</memory>
  <currentMemory unit='KiB'>${memoryKiB}</currentMemory>
  <vcpu placement='static'>${vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <kernel>${machine.kernelPath}</kernel>
    <initrd>${machine.initrdPath}</initrd>
    <cmdline>${machine.kernelArgs}</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${machine.diskPath}'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${ISO}'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='ide' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
    </controller>
${liveNics
  .map(
    (n, i) => `    <interface type='network'>
      <mac address='${n.mac}'/>
      <source network='${n.network}'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x0${3 + i}' function='0x0'/>
    </interface>`,
  )
  .join("\n")}
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

  /** `virsh dominfo` of the domain (its autostart `enable` or `disable`). */
  const dominfo = (state: string, autostart = "enable") =>
    `Id:             3\nName:           dev-node01\nUUID:           ${UUID}\nOS Type:        hvm\nState:          ${state}\nCPU(s):         1\nMax memory:     1048576 KiB\nUsed memory:    1048576 KiB\nPersistent:     yes\nAutostart:      ${autostart}\nManaged save:   no\nSecurity model: none\nSecurity DOI:   0\n\n`;

  function liveDomain(
    state: string,
    vcpus = 1,
    memoryKiB = 1048576,
    liveNics = nics,
    edit = (xml: string) => xml,
    autostart = "enable",
  ): void {
    on(virshCall("domstate", "dev-node01"), { stdout: `${state}\n\n` });
    on(virshCall("dumpxml", "--inactive", "dev-node01"), {
      stdout: edit(liveXml(vcpus, memoryKiB, liveNics)),
    });
    on(virshCall("dominfo", "dev-node01"), { stdout: dominfo(state, autostart) });
    on(virshCall("domuuid", "dev-node01"), { stdout: `${UUID}\n` });
    on(/ define "\$t"/, {});
    virshSucceeds("start", "destroy", "autostart");
  }

  /** The domain XML the provider should define for the raw inputs (with `uuid` when redefining). */
  const expectedXml = (uuid?: string, vcpus = 1) =>
    renderDomainXml({
      ...machine,
      ...(uuid !== undefined ? { uuid } : {}),
      vcpus,
      cloudInitIsoPath: ISO,
      interfaces: nics,
    });

  /** The virsh runs of a converge of dev-node01: its uuid and state, then `steps`, autostart, its uuid again. */
  const converged = (...steps: string[]) => [
    "domuuid dev-node01",
    "domstate dev-node01",
    ...steps.map((s) => `${s} dev-node01`),
    "autostart dev-node01",
    "domuuid dev-node01",
  ];

  /** The one `virsh define` the provider ran. */
  function defineCall(): Call {
    const defines = lab.calls.filter((c) => c.script.includes(`${virshCommand(URI, ["define"])} "$t"`));
    expect(defines).toHaveLength(1);
    return defines[0];
  }

  test("create defines a new domain from its XML on stdin (no uuid: libvirt picks one) and starts it; the id is the uuid", async () => {
    // A host without the domain until it is defined.
    let defined = false;
    on(/ define "\$t"/, () => {
      defined = true;
      return {};
    });
    on(virshCall("domuuid", "dev-node01"), () =>
      defined ? { stdout: `${UUID}\n` } : notFound("domain", "dev-node01"),
    );
    on(virshCall("domstate", "dev-node01"), { stdout: "shut off\n" });
    virshSucceeds("start", "autostart");
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(UUID);
    expect(outs).toMatchObject({ uuid: UUID, running: true });
    expect(virshRuns()).toEqual(converged("start"));
    const define = defineCall();
    expect(define.opts.stdin).toBe(expectedXml());
    expect(String(define.opts.stdin)).not.toContain("<uuid>");
    expect(define.script).not.toContain("<domain");
    bashSyntaxCheck(define.script);
  });

  test("read returns gone (empty id) when the domain no longer exists", async () => {
    on(virshCall("domstate", "dev-node01"), notFound("domain", "dev-node01"));
    const olds = { ...(await checked(p, raw)), uuid: UUID };
    expect(await p.read(UUID, olds)).toEqual({ id: "", props: {} });
  });

  test("read of the running domain as created shows no drift", async () => {
    liveDomain("running");
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: UUID };
    const read = await p.read(UUID, olds);
    expect(read).toEqual({ id: UUID, props: olds });
    expect((await p.diff(UUID, read.props as Props, inputs)).changes).toBe(false);
  });

  test("read reports a shut-off domain (running: false); update starts it without a restart", async () => {
    liveDomain("shut off");
    const inputs = await checked(p, raw);
    const read = await p.read(UUID, { ...inputs, uuid: UUID });
    expect(read.props).toMatchObject({ running: false, vcpus: 1, memoryMiB: 1024 });
    expect(await p.diff(UUID, read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    await p.update(UUID, read.props as Props, inputs);
    expect(virshRuns()).toEqual(converged("start"));
    // Redefined with its own uuid (libvirt refuses a same-named definition with another one).
    expect(defineCall().opts.stdin).toBe(expectedXml(UUID));
  });

  test("read reports the domain not running while libvirtd does not answer (host restarted); update starts it only if it is off", async () => {
    on(virshCall("domstate", "dev-node01"), DAEMON_DOWN);
    const inputs = await checked(p, raw);
    const read = await p.read(UUID, { ...inputs, uuid: UUID });
    expect(read).toEqual({ id: UUID, props: { ...inputs, uuid: UUID, running: false } });
    expect((await p.diff(UUID, read.props as Props, inputs)).changes).toBe(true);
    // The daemon answers again and the domain is in fact running: no second start.
    lab.rules = [];
    lab.calls = [];
    liveDomain("running");
    await p.update(UUID, read.props as Props, inputs);
    expect(virshRuns()).toEqual(converged());
  });

  test("read reports out-of-band vCPU, memory and NIC changes from the live XML", async () => {
    liveDomain("running", 2, 2097152, [nics[1], nics[0]]);
    const inputs = await checked(p, raw);
    const read = await p.read(UUID, { ...inputs, uuid: UUID });
    expect(read.props).toMatchObject({ running: true, vcpus: 2, memoryMiB: 2048, nics: [nics[1], nics[0]] });
    expect(await p.diff(UUID, read.props as Props, inputs)).toMatchObject({
      changes: true,
      replaces: ["nics"],
    });
  });

  test("read reports autostart off (dominfo Autostart: disable); the update turns it on without a restart", async () => {
    liveDomain("running", 1, 1048576, nics, (xml) => xml, "disable");
    const inputs = await checked(p, raw);
    const read = await p.read(UUID, { ...inputs, uuid: UUID });
    expect(read.props).toMatchObject({ autostarted: false, running: true, definitionCurrent: true });
    expect(await p.diff(UUID, read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    await p.update(UUID, read.props as Props, inputs);
    expect(virshRuns()).toEqual(converged());
  });

  test.each<[string, (xml: string) => string]>([
    ["domain type", (xml) => xml.replace("<domain type='qemu'>", "<domain type='kvm'>")],
    ["disk path", (xml) => xml.replace(machine.diskPath, "/srv/other.qcow2")],
    ["seed ISO path", (xml) => xml.replace(ISO, "/srv/other.iso")],
    ["kernel", (xml) => xml.replace(machine.kernelPath, "/boot/vmlinuz")],
    ["initrd gone", (xml) => xml.replace(/ *<initrd>.*<\/initrd>\n/, "")],
    ["kernel command line", (xml) => xml.replace(machine.kernelArgs, `${machine.kernelArgs} single`)],
    ["on_crash", (xml) => xml.replace("<on_crash>restart</on_crash>", "<on_crash>destroy</on_crash>")],
    ["machine", (xml) => xml.replace("machine='pc-i440fx-7.2'", "machine='pc-q35-7.2'")],
    ["console gone", (xml) => xml.replace(/ *<console type='pty'>\n.*\n *<\/console>\n/, "")],
    ["NIC model", (xml) => xml.replace("<model type='virtio'/>", "<model type='e1000'/>")],
  ])(
    "read reports a definition edited out of band (%s): definitionCurrent false; the update defines it again as rendered, no restart",
    async (_label, edit) => {
      liveDomain("running", 1, 1048576, nics, edit);
      const inputs = await checked(p, raw);
      const read = await p.read(UUID, { ...inputs, uuid: UUID });
      expect(read.props).toMatchObject({
        definitionCurrent: false,
        running: true,
        vcpus: 1,
        memoryMiB: 1024,
      });
      expect(await p.diff(UUID, read.props as Props, inputs)).toEqual(IN_PLACE);
      lab.calls = [];
      await p.update(UUID, read.props as Props, inputs);
      expect(defineCall().opts.stdin).toBe(expectedXml(UUID));
      expect(virshRuns()).toEqual(converged());
    },
  );

  test("a KVM domain's host-passthrough CPU is read back (libvirt's added attributes are not drift)", async () => {
    const kvm = (xml: string) =>
      xml
        .replace("<domain type='qemu'>", "<domain type='kvm'>")
        .replace(
          / *<cpu mode='custom'[^]*?<\/cpu>\n/,
          "  <cpu mode='host-passthrough' check='none' migratable='on'/>\n",
        );
    liveDomain("running", 1, 1048576, nics, kvm);
    const inputs = await checked(p, { ...raw, domainType: "kvm" });
    expect((await p.read(UUID, { ...inputs, uuid: UUID })).props).toMatchObject({ definitionCurrent: true });
    lab.rules = [];
    liveDomain("running", 1, 1048576, nics, (xml) => kvm(xml).replace("host-passthrough", "host-model"));
    expect((await p.read(UUID, { ...inputs, uuid: UUID })).props).toMatchObject({ definitionCurrent: false });
  });

  /** The KVM host's clean shutdown of dev-node01 answered: it stopped. */
  const shutsDown = () => on(/ shutdown dev-node01/, {});
  /** Where each script ran, named by what it is, in order (drain, shutdown, readiness, rejoin, virsh). */
  const steps = () =>
    lab.calls.map((c) => {
      if (c.script === shutdownScript(URI, "dev-node01")) return `${c.where}: shutdown`;
      if (c.script.includes("pcs node standby")) return `${c.where}: drain`;
      if (c.script.includes("pcs node unstandby")) return `${c.where}: rejoin`;
      if (c.script.includes("cloud-init status")) return `${c.where}: ready`;
      return `${c.where}: ${/virsh -q -c \S+ (\S+)/.exec(c.script)?.[1] ?? c.script}`;
    });

  test("update restarts a running domain only when vCPUs or memory change, with a clean shutdown", async () => {
    liveDomain("running");
    shutsDown();
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: UUID };

    await p.update(UUID, olds, { ...inputs, vcpus: 2 });
    expect(virshRuns()).toEqual(converged("start"));
    expect(lab.calls.filter((c) => c.script === shutdownScript(URI, "dev-node01"))).toHaveLength(1);
    expect(defineCall().opts.stdin).toBe(expectedXml(UUID, 2));

    lab.calls = [];
    await p.update(UUID, olds, { ...inputs, memoryMiB: 2048 });
    expect(steps()).toContain("kvm-host: shutdown");

    // Same size (e.g. only the desired running flag differed while it runs): redefine, no restart.
    lab.calls = [];
    await p.update(UUID, { ...olds, running: false }, inputs);
    expect(virshRuns()).toEqual(converged());
    expect(steps()).not.toContain("kvm-host: shutdown");
  });

  describe("a cluster member's restart", () => {
    const ADDRESS = "192.168.8.121";
    const member = {
      node: { address: ADDRESS, port: 22, user: "root", hostKey: FAKE_HOST_KEY },
      hostname: "node01",
      clusterNode: "node01h",
      bootSeconds: 60,
    };
    const memberRaw = { ...raw, member, sshPrivateKey: "PRIVATE KEY" };

    /** The member answers: drained (or `idle`), ready again after its restart, rejoined. */
    function memberAnswers(drain: string): void {
      on(/pcs node standby node01h/, { stdout: `${drain}\n` });
      on(/cloud-init status/, { stdout: "node01\nboot-2\n" });
      on(/pcs node unstandby node01h/, {});
    }

    test("drained before its shutdown, waited for and rejoined after its start", async () => {
      liveDomain("running");
      shutsDown();
      memberAnswers(DRAINED);
      const inputs = await checked(p, memberRaw);
      await p.update(UUID, { ...inputs, uuid: UUID }, { ...inputs, memoryMiB: 1536 });
      expect(steps()).toEqual([
        "kvm-host: domuuid",
        "kvm-host: define",
        "kvm-host: domstate",
        `${ADDRESS}: drain`,
        "kvm-host: shutdown",
        "kvm-host: start",
        `${ADDRESS}: ready`,
        `${ADDRESS}: rejoin`,
        "kvm-host: autostart",
        "kvm-host: domuuid",
      ]);
      // The program's key reaches the node and nothing else.
      expect(lab.calls.some((c) => c.script.includes("PRIVATE KEY"))).toBe(false);
    });

    test("a member whose cluster does not run is restarted and waited for, not rejoined", async () => {
      liveDomain("running");
      shutsDown();
      memberAnswers("idle");
      const inputs = await checked(p, memberRaw);
      await p.update(UUID, { ...inputs, uuid: UUID }, { ...inputs, vcpus: 2 });
      expect(steps().filter((s) => s.startsWith(ADDRESS))).toEqual([
        `${ADDRESS}: drain`,
        `${ADDRESS}: ready`,
      ]);
    });

    test("a drain refused (another member down) stops the update before the VM is touched", async () => {
      liveDomain("running");
      on(/pcs node standby node01h/, {
        code: 65,
        stderr:
          "kvmlab: node01h is not restarted while other members are not online (node02h ): two members down at once is an outage. Fix: bring them back (pcs status), then run `pulumi up` again\n",
      });
      const inputs = await checked(p, memberRaw);
      const err = await failureOf(p.update(UUID, { ...inputs, uuid: UUID }, { ...inputs, vcpus: 2 }));
      expect(err.message).toContain("node01h is not restarted while other members are not online (node02h )");
      expect(steps()).not.toContain("kvm-host: shutdown");
      expect(steps()).not.toContain("kvm-host: start");
    });

    test("the member's fields are checked: a plain cluster node name, a pinned ed25519 host key", async () => {
      const bad = {
        ...memberRaw,
        member: {
          ...member,
          clusterNode: "node01h; reboot",
          node: { ...member.node, hostKey: "ssh-rsa AAAA" },
        },
      };
      expect(await failedProperties(p, bad)).toEqual(["member.clusterNode", "member.node.hostKey"]);
    });
  });

  test("vCPU/memory changes are in place; what shapes the machine replaces, deleting first", async () => {
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: UUID };
    expect(await p.diff(UUID, olds, { ...inputs, vcpus: 2, memoryMiB: 2048 })).toEqual(IN_PLACE);
    for (const [key, value] of Object.entries({
      name: "dev-node09",
      domainType: "kvm",
      diskPath: "/srv/other.qcow2",
      cloudInitPath: "/srv/other.iso",
      kernelPath: "/srv/vmlinuz",
      initrdPath: "/srv/initrd.img",
      kernelArgs: "root=/dev/vda ro",
      nics: [nics[0]],
      host: { ...HOST, stateDir: "/var/lib/kvm-ha-lab/other" },
    })) {
      expect([key, await p.diff(UUID, olds, { ...inputs, [key]: value })]).toEqual([
        key,
        { changes: true, replaces: [key], deleteBeforeReplace: true },
      ]);
    }
  });

  test("delete reads the domain's state, destroys it when it runs and undefines it (virsh-remove.test.ts: every case)", async () => {
    on(virshCall("domstate", "dev-node01"), { stdout: "running\n" });
    virshSucceeds("destroy", "undefine");
    await p.delete(UUID, { ...(await checked(p, raw)), uuid: UUID });
    expect(virshRuns()).toEqual(["domstate dev-node01", "destroy dev-node01", "undefine dev-node01"]);
  });

  test("delete with libvirtd down fails instead of reading the domain as gone", async () => {
    on(virshCall("domstate", "dev-node01"), DAEMON_DOWN);
    const err = await failureOf(p.delete(UUID, { ...(await checked(p, raw)), uuid: UUID }));
    expect(err.message).toMatch(
      /^LibvirtDomain "dev-node01-domain": delete failed: libvirtd does not answer/,
    );
  });
});
