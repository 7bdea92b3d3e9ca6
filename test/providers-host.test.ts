/**
 * Unit tests of the host-side providers (networks, domains, volumes, seeds, host prep, image build,
 * host sshd) against a fake KVM host: `runOnHost` is mocked, records every script with its options
 * and answers from per-test rules the way the real one does (resolve on an ok exit code, reject with
 * a {@link RemoteCommandError} otherwise). Nothing is run on this machine.
 *
 * The providers are driven through their public methods as the engine drives them:
 * check → create, read → diff → update, delete.
 */
import { spawnSync } from "node:child_process";
import { RESOURCE_NAME_KEY, type Props } from "../providers/core/base";
import type { HostRunOptions } from "../providers/exec/host-exec";
import { RemoteCommandError, type RunResult } from "../providers/exec/ssh";
import { virshCommand } from "../providers/libvirt/virsh";
import { libvirtNetworkProvider, networkXml } from "../providers/libvirt/libvirt-network";
import { libvirtDomainProvider } from "../providers/libvirt/libvirt-domain";
import { createVolumeScript, nodeVolumeProvider } from "../providers/libvirt/node-volume";
import { cloudInitDiskProvider, seedIsoScript } from "../providers/node/cloud-init-disk";
import { hostPrepProvider, hostPrepScript } from "../providers/host/host-prep";
import { baseImageBuildProvider } from "../providers/image/base-image-build";
import { hostSshdProvider, hostSshdScript } from "../providers/host/host-sshd";
import {
  builtImagePaths,
  imageContentKey,
  renderImageBuildScript,
} from "../providers/image/image-build-script";
import { renderNetworkXml } from "../providers/libvirt/network-xml";
import { renderDomainXml } from "../providers/libvirt/domain-xml";

// ---------------------------------------------------------------------------------------------
// The fake host
// ---------------------------------------------------------------------------------------------

/** What the fake host answers to one script. */
interface Reply {
  stdout?: string;
  stderr?: string;
  code?: number;
}
type Rule = [RegExp, Reply | ((script: string) => Reply)];
interface Call {
  script: string;
  opts: HostRunOptions;
}

const mockHost: { calls: Call[]; rules: Rule[] } = { calls: [], rules: [] };

/** The fake `runOnHost`: first matching rule wins; no rule means success with no output. */
async function mockRunOnHost(script: string, opts: HostRunOptions = {}): Promise<RunResult> {
  mockHost.calls.push({ script, opts });
  const rule = mockHost.rules.find(([pattern]) => pattern.test(script));
  const reply = rule === undefined ? {} : typeof rule[1] === "function" ? rule[1](script) : rule[1];
  const code = reply.code ?? 0;
  const stdout = reply.stdout ?? "";
  const stderr = reply.stderr ?? "";
  if ((opts.okExitCodes ?? [0]).includes(code)) return { stdout, stderr, code };
  throw new RemoteCommandError({
    host: "kvm host (local)",
    command: script,
    code,
    stderrTail: stderr,
    stdoutTail: stdout,
    timedOut: false,
    reason: `exit code ${code}`,
  });
}

jest.mock("../providers/exec/host-exec", () => ({
  ...jest.requireActual<typeof import("../providers/exec/host-exec")>("../providers/exec/host-exec"),
  runOnHost: (script: string, opts?: HostRunOptions) => mockRunOnHost(script, opts),
  progress: () => undefined,
}));

beforeEach(() => {
  mockHost.calls = [];
  mockHost.rules = [];
});

/** The fake host answers scripts matching `pattern` with `reply` (earlier rules win). */
function on(pattern: RegExp, reply: Rule[1]): void {
  mockHost.rules.push([pattern, reply]);
}

function escapeRegExp(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
}

/** Matches exactly the one-line virsh command with `args`. */
function virshCall(...args: string[]): RegExp {
  return new RegExp(`^${escapeRegExp(virshCommand(URI, args)).source}$`);
}

/** The scripts the fake host ran, in order. */
function scripts(): string[] {
  return mockHost.calls.map((c) => c.script);
}

/** The virsh subcommands run as one-line virsh commands (e.g. `net-start dev-service`), in order. */
function virshRuns(): string[] {
  const prefix = `${virshCommand(URI, [])} `;
  return scripts()
    .filter((s) => s.startsWith(prefix) && !s.includes("\n"))
    .map((s) => s.slice(prefix.length));
}

/** A virsh "no such object" failure, as libvirt words it. */
function notFound(kind: "network" | "domain", name: string): Reply {
  return kind === "network"
    ? {
        code: 1,
        stderr: `error: failed to get network '${name}'\nerror: Network not found: no network with matching name '${name}'\n`,
      }
    : {
        code: 1,
        stderr: `error: failed to get domain '${name}'\nerror: Domain not found: no domain with matching name '${name}'\n`,
      };
}

function bashSyntaxCheck(script: string): void {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
}

/** virsh's answer when libvirtd is not running. */
const DAEMON_DOWN: Reply = {
  code: 1,
  stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket\n",
};

const URI = "qemu:///system";
const STATE_DIR = "/var/lib/kvm-ha-lab/dev";
const HOST = { libvirtUri: URI, stateDir: STATE_DIR };

const named = (props: Props, name: string): Props => ({ ...props, [RESOURCE_NAME_KEY]: name });

/** Runs `check` as the engine does and returns the normalised inputs (failing on any failure). */
async function checked(
  provider: { check: (o: Props, n: Props) => Promise<{ inputs?: Props; failures?: unknown[] }> },
  news: Props,
) {
  const r = await provider.check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Props;
}

// ---------------------------------------------------------------------------------------------
// LibvirtNetwork
// ---------------------------------------------------------------------------------------------

describe("LibvirtNetwork provider", () => {
  const p = libvirtNetworkProvider;
  const raw = named(
    {
      host: HOST,
      name: "dev-service",
      bridge: "dev-svc",
      cidr: "192.168.7.0/24",
      gateway: "192.168.7.1",
      mode: "isolated",
    },
    "dev-net-service-libvirt",
  );
  const liveXml = `<network>
  <name>dev-service</name>
  <uuid>0b1c2d3e-0000-4000-8000-000000000001</uuid>
  <bridge name='dev-svc' stp='on' delay='0'/>
  <mac address='52:54:00:aa:bb:cc'/>
  <dns enable='no'/>
  <ip address='192.168.7.1' prefix='24'>
  </ip>
</network>
`;
  const info = (active: "yes" | "no") =>
    `Name:           dev-service\nUUID:           0b1c2d3e-0000-4000-8000-000000000001\nActive:         ${active}\nPersistent:     yes\nAutostart:      yes\nBridge:         dev-svc\n`;

  test("check applies the desired-state defaults and rejects a long bridge name, naming it", async () => {
    const inputs = await checked(p, raw);
    expect(inputs).toMatchObject({ active: true, portsAttached: true });
    const r = await p.check({}, { ...raw, bridge: "a-very-long-bridge" });
    expect(r.failures?.map((f) => f.property)).toEqual(["bridge"]);
  });

  test("create on a host without the network: defines it from the XML through a temp file, starts it, autostarts it", async () => {
    on(virshCall("net-info", "dev-service"), notFound("network", "dev-service"));
    on(virshCall("net-uuid", "dev-service"), { stdout: "0b1c2d3e-0000-4000-8000-000000000001\n" });
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);

    expect(id).toBe("dev-service");
    expect(outs).toEqual({ ...inputs, uuid: "0b1c2d3e-0000-4000-8000-000000000001" });
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-start dev-service",
      "net-autostart dev-service",
      "net-uuid dev-service",
    ]);
    const define = mockHost.calls.find((c) => c.script.includes("net-define"));
    if (define === undefined) throw new Error("no net-define ran");
    // The XML travels on stdin into a temp file that is removed again; never on the command line.
    expect(define.script).toMatch(/t=\$\(mktemp\)/);
    expect(define.script).toContain(`trap 'rm -f "$t"' EXIT`);
    expect(define.script).toContain(`${virshCommand(URI, ["net-define"])} "$t"`);
    expect(define.opts.stdin).toBe(
      renderNetworkXml({
        name: "dev-service",
        bridge: "dev-svc",
        mode: "isolated",
        gatewayAddress: "192.168.7.1",
        prefix: 24,
      }),
    );
    expect(define.script).not.toContain("<network>");
    bashSyntaxCheck(define.script);
    // Order: define before start; the guests' ports re-plugged before the uuid is read.
    const order = scripts();
    const at = (needle: string) => order.findIndex((s) => s.includes(needle));
    expect(at("net-define")).toBeLessThan(at("net-start"));
    expect(at("net-autostart")).toBeLessThan(at("domiflist"));
    bashSyntaxCheck(order[at("domiflist")]);
  });

  test("create on a host where the network already runs: no redefinition, no start", async () => {
    on(virshCall("net-info", "dev-service"), { stdout: info("yes") });
    const { outs } = await p.create(await checked(p, raw));
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-autostart dev-service",
      "net-uuid dev-service",
    ]);
    expect(scripts().some((s) => s.includes("net-define"))).toBe(false);
    expect(outs.uuid).toBe("");
  });

  test("read returns gone (empty id) when net-info says the network does not exist", async () => {
    on(virshCall("net-info", "dev-service"), notFound("network", "dev-service"));
    const { outs } = await (async () => {
      const inputs = await checked(p, raw);
      return { outs: { ...inputs, uuid: "u" } };
    })();
    expect(await p.read("dev-service", outs)).toEqual({ id: "", props: {} });
    expect(virshRuns()).toEqual(["net-info dev-service"]);
  });

  test("read reports the network inactive while libvirtd does not answer; the up's update checks the live state", async () => {
    on(virshCall("net-info", "dev-service"), DAEMON_DOWN);
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: "u" };
    const result = await p.read("dev-service", olds);
    expect(result.id).toBe("dev-service");
    expect(result.props).toEqual({ ...olds, active: false });
    expect((await p.diff("dev-service", result.props as Props, inputs)).changes).toBe(true);
  });

  test("read fails loudly (wrapped with kind and name) when virsh fails for another reason", async () => {
    on(virshCall("net-info", "dev-service"), {
      code: 1,
      stderr: "error: internal error: client socket is closed\n",
    });
    const olds = { ...(await checked(p, raw)), uuid: "u" };
    await expect(p.read("dev-service", olds)).rejects.toThrow(
      /^LibvirtNetwork "dev-net-service-libvirt": read failed: .*exit code 1/,
    );
  });

  test("read of a running network with its guests plugged in shows no drift", async () => {
    on(virshCall("net-info", "dev-service"), { stdout: info("yes") });
    on(virshCall("net-dumpxml", "dev-service"), { stdout: liveXml });
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: "0b1c2d3e-0000-4000-8000-000000000001" };
    const read = await p.read("dev-service", olds);
    expect(read).toEqual({ id: "dev-service", props: olds });
    expect(await p.diff("dev-service", read.props as Props, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("read reports a stopped network (Active: no); diff then shows an in-place change; update starts it", async () => {
    on(virshCall("net-info", "dev-service"), { stdout: info("no") });
    on(virshCall("net-dumpxml", "dev-service"), { stdout: liveXml });
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: "0b1c2d3e-0000-4000-8000-000000000001" };
    const read = await p.read("dev-service", olds);
    expect(read.props).toMatchObject({
      active: false,
      portsAttached: true,
      mode: "isolated",
      cidr: "192.168.7.0/24",
    });

    const d = await p.diff("dev-service", read.props as Props, inputs);
    expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    mockHost.calls = [];
    await p.update("dev-service", read.props as Props, inputs);
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-start dev-service",
      "net-autostart dev-service",
      "net-uuid dev-service",
    ]);
  });

  test("read reports unplugged guests; a changed bridge in the live XML replaces the network", async () => {
    on(virshCall("net-info", "dev-service"), { stdout: info("yes") });
    on(virshCall("net-dumpxml", "dev-service"), { stdout: liveXml.replace("dev-svc", "virbr9") });
    on(/domiflist/, { stdout: "unplugged dev-node01 vnet3\n" });
    const inputs = await checked(p, raw);
    const read = await p.read("dev-service", { ...inputs, uuid: "u" });
    expect(read.props).toMatchObject({ portsAttached: false, bridge: "virbr9" });
    const dryRun = mockHost.calls.find((c) => c.script.includes("domiflist"));
    expect(dryRun?.script).not.toContain("ip link set");
    expect(await p.diff("dev-service", read.props as Props, inputs)).toEqual({
      changes: true,
      replaces: ["bridge"],
      deleteBeforeReplace: true,
    });
  });

  test("a changed CIDR or mode replaces, deleting first (the name is fixed)", async () => {
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: "u" };
    expect(await p.diff("dev-service", olds, { ...inputs, cidr: "192.168.17.0/24" })).toMatchObject({
      replaces: ["cidr"],
      deleteBeforeReplace: true,
    });
    expect(await p.diff("dev-service", olds, { ...inputs, mode: "nat" })).toMatchObject({
      replaces: ["mode"],
    });
  });

  test("delete destroys and undefines, tolerating a network already gone", async () => {
    const olds = { ...(await checked(p, raw)), uuid: "u" };
    await p.delete("dev-service", olds);
    expect(scripts()).toHaveLength(1);
    expect(scripts()[0]).toContain(
      `${virshCommand(URI, ["net-destroy"])} dev-service >/dev/null 2>&1 || true`,
    );
    expect(scripts()[0]).toContain(`${virshCommand(URI, ["net-undefine"])} dev-service`);
    bashSyntaxCheck(scripts()[0]);
  });

  test("networkXml renders the inputs' network", async () => {
    const inputs = await checked(p, { ...raw, mode: "nat" });
    expect(networkXml(inputs as Parameters<typeof networkXml>[0])).toContain('<forward mode="nat"/>');
  });
});

// ---------------------------------------------------------------------------------------------
// LibvirtDomain
// ---------------------------------------------------------------------------------------------

describe("LibvirtDomain provider", () => {
  const p = libvirtDomainProvider;
  const nics = [
    { network: "dev-service", mac: "52:54:00:ab:ba:d5" },
    { network: "dev-management", mac: "52:54:00:26:66:5d" },
  ];
  const raw = named(
    {
      host: HOST,
      name: "dev-node01",
      domainType: "qemu",
      vcpus: 1,
      memoryMiB: 1024,
      diskPath: `${STATE_DIR}/volumes/dev-node01.qcow2`,
      cloudInitPath: `${STATE_DIR}/seeds/dev-node01-cidata.iso`,
      kernelPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/vmlinuz",
      initrdPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/initrd.img",
      kernelArgs: "root=/dev/vda rw console=ttyS0",
      nics,
    },
    "dev-node01-domain",
  );
  const UUID = "5d1f0a52-0000-4000-8000-000000000001";

  /** `virsh dumpxml --inactive` as libvirt prints it (KiB, single quotes, addresses added). */
  const liveXml = (vcpus: number, memoryKiB: number, liveNics = nics) => `<domain type='qemu'>
  <name>dev-node01</name>
  <uuid>${UUID}</uuid>
  <memory unit='KiB'>${memoryKiB}</memory>
  <currentMemory unit='KiB'>${memoryKiB}</currentMemory>
  <vcpu placement='static'>${vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
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
  </devices>
</domain>
`;

  function liveDomain(state: string, vcpus = 1, memoryKiB = 1048576, liveNics = nics): void {
    on(virshCall("domstate", "dev-node01"), { stdout: `${state}\n\n` });
    on(virshCall("dumpxml", "--inactive", "dev-node01"), { stdout: liveXml(vcpus, memoryKiB, liveNics) });
    on(virshCall("domuuid", "dev-node01"), { stdout: `${UUID}\n` });
  }

  /** The domain XML the provider should define for the raw inputs (with `uuid` when redefining). */
  const expectedXml = (uuid?: string, vcpus = 1) =>
    renderDomainXml({
      name: "dev-node01",
      ...(uuid !== undefined ? { uuid } : {}),
      domainType: "qemu",
      vcpus,
      memoryMiB: 1024,
      diskPath: `${STATE_DIR}/volumes/dev-node01.qcow2`,
      cloudInitIsoPath: `${STATE_DIR}/seeds/dev-node01-cidata.iso`,
      kernelPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/vmlinuz",
      initrdPath: "/var/cache/kvm-ha-lab/images/bookworm-abc/initrd.img",
      kernelArgs: "root=/dev/vda rw console=ttyS0",
      interfaces: nics,
    });

  /** The one `virsh define` the provider ran. */
  function defineCall(): Call {
    const defines = mockHost.calls.filter((c) => c.script.includes(`${virshCommand(URI, ["define"])} "$t"`));
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
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(UUID);
    expect(outs).toMatchObject({ uuid: UUID, running: true });
    expect(virshRuns()).toEqual([
      "domuuid dev-node01",
      "domstate dev-node01",
      "start dev-node01",
      "autostart dev-node01",
      "domuuid dev-node01",
    ]);
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
    expect(await p.diff(UUID, read.props as Props, inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    mockHost.calls = [];
    await p.update(UUID, read.props as Props, inputs);
    expect(virshRuns()).toEqual([
      "domuuid dev-node01",
      "domstate dev-node01",
      "start dev-node01",
      "autostart dev-node01",
      "domuuid dev-node01",
    ]);
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
    mockHost.rules = [];
    mockHost.calls = [];
    liveDomain("running");
    await p.update(UUID, read.props as Props, inputs);
    expect(virshRuns()).toEqual([
      "domuuid dev-node01",
      "domstate dev-node01",
      "autostart dev-node01",
      "domuuid dev-node01",
    ]);
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

  test("update restarts a running domain only when vCPUs or memory change", async () => {
    liveDomain("running");
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: UUID };

    await p.update(UUID, olds, { ...inputs, vcpus: 2 });
    expect(virshRuns()).toEqual([
      "domuuid dev-node01",
      "domstate dev-node01",
      "destroy dev-node01",
      "start dev-node01",
      "autostart dev-node01",
      "domuuid dev-node01",
    ]);
    expect(defineCall().opts.stdin).toBe(expectedXml(UUID, 2));

    mockHost.calls = [];
    await p.update(UUID, olds, { ...inputs, memoryMiB: 2048 });
    expect(virshRuns()).toContain("destroy dev-node01");

    // Same size (e.g. only the desired running flag differed while it runs): redefine, no restart.
    mockHost.calls = [];
    await p.update(UUID, { ...olds, running: false }, inputs);
    expect(virshRuns()).toEqual([
      "domuuid dev-node01",
      "domstate dev-node01",
      "autostart dev-node01",
      "domuuid dev-node01",
    ]);
  });

  test("vCPU/memory changes are in place; what shapes the machine replaces, deleting first", async () => {
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid: UUID };
    expect(await p.diff(UUID, olds, { ...inputs, vcpus: 2, memoryMiB: 2048 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
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

  test("delete destroys and undefines, tolerating a domain already gone", async () => {
    await p.delete(UUID, { ...(await checked(p, raw)), uuid: UUID });
    expect(scripts()[0]).toContain(`${virshCommand(URI, ["destroy"])} dev-node01 >/dev/null 2>&1 || true`);
    expect(scripts()[0]).toContain(`${virshCommand(URI, ["undefine"])} dev-node01`);
    bashSyntaxCheck(scripts()[0]);
  });
});

// ---------------------------------------------------------------------------------------------
// NodeVolume
// ---------------------------------------------------------------------------------------------

describe("NodeVolume provider", () => {
  const p = nodeVolumeProvider;
  const BASE = "/var/cache/kvm-ha-lab/images/bookworm-abc/disk.qcow2";
  const PATH = `${STATE_DIR}/volumes/dev-node01.qcow2`;
  const GIB = 1024 ** 3;
  const raw = named(
    { host: HOST, name: "dev-node01.qcow2", baseImagePath: BASE, sizeGiB: 8 },
    "dev-node01-volume",
  );

  test("create: a qcow2 overlay with -b <base> and -F <its format>, at least the requested size", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(PATH);
    expect(outs.path).toBe(PATH);
    expect(scripts()).toHaveLength(1);
    const script = scripts()[0];
    expect(script).toMatch(
      new RegExp(
        `qemu-img create -q -f qcow2 -F "\\$fmt" -b ${escapeRegExp(BASE).source} ${escapeRegExp(PATH).source}\\.tmp "\\$want"`,
      ),
    );
    expect(script).toContain(`want=$((8 * ${GIB}))`);
    expect(script).toContain(`mv -f ${PATH}.tmp ${PATH}`);
    expect(mockHost.calls[0].opts.timeoutSeconds).toBe(120);
    expect(script).toBe(createVolumeScript(inputs as Parameters<typeof createVolumeScript>[0]));
    bashSyntaxCheck(script);
  });

  test("read returns gone (empty id) when qemu-img info fails", async () => {
    on(/qemu-img info/, { code: 1, stderr: "qemu-img: Could not open: No such file or directory" });
    const olds = { ...(await checked(p, raw)), path: PATH };
    expect(await p.read(PATH, olds)).toEqual({ id: "", props: {} });
    expect(mockHost.calls[0].opts.okExitCodes).toEqual([0, 1]);
  });

  test("read reports the live backing file; a different one replaces the volume", async () => {
    on(/qemu-img info/, {
      stdout: JSON.stringify({ "virtual-size": 8 * GIB, "backing-filename": "/srv/old/disk.qcow2" }),
    });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ baseImagePath: "/srv/old/disk.qcow2", sizeGiB: 8 });
    expect(await p.diff(PATH, read.props as Props, inputs)).toEqual({
      changes: true,
      replaces: ["baseImagePath"],
      deleteBeforeReplace: true,
    });
  });

  test("a volume grown to a larger base image's size still counts as the requested size (no drift)", async () => {
    on(/qemu-img info/, { stdout: JSON.stringify({ "virtual-size": 10 * GIB, "backing-filename": BASE }) });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ sizeGiB: 8, baseImagePath: BASE });
    expect((await p.diff(PATH, read.props as Props, inputs)).changes).toBe(false);
  });

  test("a volume smaller than requested is drift (replaced)", async () => {
    on(/qemu-img info/, { stdout: JSON.stringify({ "virtual-size": 4 * GIB, "backing-filename": BASE }) });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ sizeGiB: 4 });
    expect((await p.diff(PATH, read.props as Props, inputs)).replaces).toEqual(["sizeGiB"]);
  });

  test("delete removes the file", async () => {
    await p.delete(PATH, { ...(await checked(p, raw)), path: PATH });
    expect(scripts()).toEqual([`rm -f ${PATH}`]);
  });
});

// ---------------------------------------------------------------------------------------------
// CloudInitDisk
// ---------------------------------------------------------------------------------------------

describe("CloudInitDisk provider", () => {
  const p = cloudInitDiskProvider;
  const PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==",
    "-----END OPENSSH PRIVATE KEY-----",
    "",
  ].join("\n");
  const ISO = `${STATE_DIR}/seeds/dev-node01-cidata.iso`;
  const raw = named(
    {
      host: HOST,
      name: "dev-node01-cidata.iso",
      hostname: "node01",
      interfaces: [
        { name: "lab-svc", mac: "52:54:00:ab:ba:d5", address: "192.168.7.121", prefix: 24 },
        { name: "lab-mgt", mac: "52:54:00:26:66:5d", address: "192.168.8.121", prefix: 24 },
      ],
      hosts: [
        { address: "192.168.7.121", names: ["node01"] },
        { address: "192.168.8.121", names: ["node01m"] },
      ],
      authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProgramKeyForTestsOnly program@dev"],
      rootPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRootKeyForTestsOnly root@dev",
      rootPrivateKey: PRIVATE_KEY,
      timeServers: ["192.168.8.1"],
    },
    "dev-node01-cloud-init",
  );

  test("create: the private key never appears in the script, only on stdin as 3 base64 lines", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(ISO);
    expect(outs).toMatchObject({ path: ISO, instanceId: expect.stringMatching(/^node01-[0-9a-f]{16}$/) });

    expect(mockHost.calls).toHaveLength(1);
    const { script, opts } = mockHost.calls[0];
    expect(script).toBe(seedIsoScript(ISO));
    expect(script).not.toContain("PRIVATE KEY");
    expect(script).not.toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA");
    expect(script).not.toContain(Buffer.from(PRIVATE_KEY).toString("base64").slice(0, 40));
    bashSyntaxCheck(script);

    const stdin = String(opts.stdin);
    expect(stdin).not.toContain("PRIVATE KEY");
    expect(stdin.endsWith("\n")).toBe(true);
    const lines = stdin.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const [metaData, userData, networkConfig] = lines.map((l) => Buffer.from(l, "base64").toString("utf8"));
    expect(metaData).toContain("local-hostname: node01");
    expect(metaData).toContain(`instance-id: ${String(outs.instanceId)}`);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==");
    expect(networkConfig).toMatch(/macaddress: "?52:54:00:26:66:5d"?\n/);
    expect(networkConfig).not.toContain("PRIVATE KEY");
    // Errors of that command redact the key.
    expect(opts.sensitive).toEqual([PRIVATE_KEY]);
  });

  test("the ISO script decodes the three stdin lines into the three seed files", () => {
    // Run only the decode loop of the script (no genisoimage): a real check of the stdin protocol.
    const loop = seedIsoScript(ISO)
      .split("\n")
      .find((l) => l.startsWith("for f in"));
    if (loop === undefined) throw new Error("no decode loop");
    const docs = ["meta: 1\n", "#cloud-config\nx: 'y'\n", "version: 2\n"];
    const stdin = docs.map((d) => Buffer.from(d).toString("base64")).join("\n") + "\n";
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -euo pipefail\ndir=$(mktemp -d)\n${loop}\ncat "$dir/meta-data" "$dir/user-data" "$dir/network-config"\nrm -rf "$dir"`,
      ],
      { input: stdin, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(docs.join(""));
  });

  test("a changed seed updates in place with a new instance id; host or name replace", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    const news = { ...inputs, timeServers: ["192.168.8.2"] };
    expect(await p.diff(ISO, outs as Props, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await p.update(ISO, outs as Props, news);
    expect(updated.outs.instanceId).not.toBe(outs.instanceId);
    expect(await p.diff(ISO, outs as Props, { ...inputs, name: "x.iso" })).toMatchObject({
      replaces: ["name"],
    });
  });

  test("read: gone when the ISO is missing or empty", async () => {
    on(/^test -s /, { code: 1 });
    const outs = { ...(await checked(p, raw)), path: ISO, instanceId: "node01-0" };
    expect(await p.read(ISO, outs)).toEqual({ id: "", props: {} });
    mockHost.rules = [];
    expect(await p.read(ISO, outs)).toEqual({ id: ISO, props: outs });
  });

  test("check rejects a missing private key, naming it", async () => {
    const r = await p.check({}, { ...raw, rootPrivateKey: "" });
    expect(r.failures).toEqual([
      { property: "rootPrivateKey", reason: "rootPrivateKey: rootPrivateKey is required" },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// HostPrep
// ---------------------------------------------------------------------------------------------

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
    expect(mockHost.calls[0].opts.timeoutSeconds).toBe(120);
  });

  test("records that it started the daemons, and keeps that across updates", async () => {
    on(/grep -qwE/, { stdout: "cpu=qemu\nstarted=yes\n" });
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    expect(outs.startedDaemons).toBe(true);
    mockHost.rules = [];
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

// ---------------------------------------------------------------------------------------------
// BaseImageBuild
// ---------------------------------------------------------------------------------------------

describe("BaseImageBuild provider", () => {
  const p = baseImageBuildProvider;
  const raw = named(
    {
      host: HOST,
      suite: "bookworm",
      mirror: "http://deb.debian.org/debian",
      packages: ["systemd-sysv", "openssh-server", "cloud-init", "openssh-server"],
      sizeGiB: 4,
    },
    "dev-image-build",
  );
  const normalised = {
    suite: "bookworm",
    mirror: "http://deb.debian.org/debian",
    packages: ["cloud-init", "openssh-server", "systemd-sysv"],
    sizeGiB: 4,
  };

  test("check sorts and de-duplicates the packages and rejects bad ones, naming them", async () => {
    expect(await checked(p, raw)).toMatchObject({ ...normalised, present: true });
    const r = await p.check({}, { ...raw, packages: ["ok", "Bad Name"], sizeGiB: 1, mirror: "ftp://x" });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["mirror", "packages[1]", "sizeGiB"]);
  });

  test("create runs the rendered builder; the id is the content key", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    const key = imageContentKey(normalised);
    const paths = builtImagePaths(normalised);
    expect(id).toBe(key);
    expect(outs).toMatchObject({
      contentKey: key,
      imagePath: paths.imagePath,
      kernelPath: paths.kernelPath,
      initrdPath: paths.initrdPath,
    });
    expect(scripts()).toEqual([renderImageBuildScript(normalised)]);
    expect(mockHost.calls[0].opts.timeoutSeconds).toBe(3600);
    expect(typeof mockHost.calls[0].opts.onStderrLine).toBe("function");
  });

  test("read: present while the complete marker exists; gone marker → present false → rebuild in place", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    const marker = `${builtImagePaths(normalised).dir}/complete`;
    mockHost.calls = [];
    expect((await p.read(id, outs as Props)).props).toMatchObject({ present: true });
    expect(scripts()).toEqual([`test -f ${marker}`]);

    on(/^test -f /, { code: 1 });
    const read = await p.read(id, outs as Props);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ present: false });
    expect(await p.diff(id, read.props as Props, inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    mockHost.calls = [];
    await p.update(id, read.props as Props, inputs);
    expect(scripts()).toEqual([renderImageBuildScript(normalised)]);
  });

  test("a new mirror updates in place; suite, packages or size replace (a new cache entry)", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    const diff = (change: Props) => p.diff("k", outs as Props, { ...inputs, ...change });
    expect(await diff({ mirror: "http://ftp.de.debian.org/debian" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff({ suite: "trixie" })).toMatchObject({ replaces: ["suite"] });
    expect(await diff({ packages: ["cloud-init"] })).toMatchObject({ replaces: ["packages"] });
    expect(await diff({ sizeGiB: 6 })).toMatchObject({ replaces: ["sizeGiB"] });
    expect(await diff({})).toMatchObject({ changes: false });
  });

  test("delete leaves the shared cache alone", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    mockHost.calls = [];
    await p.delete(id, outs as Props);
    expect(scripts()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// HostSshd (scripts only)
// ---------------------------------------------------------------------------------------------

describe("HostSshd provider", () => {
  const p = hostSshdProvider;
  const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFenceKeyForTestsOnly dev-fence";
  const raw = named(
    {
      host: HOST,
      daemon: "managed",
      address: "192.168.8.1",
      port: 22,
      user: "root",
      fenceAuthorizedKey: KEY,
      fenceDomains: ["dev-node02", "dev-node01"],
    },
    "dev-host-sshd",
  );

  test("the converge scripts (managed and external) are valid bash with the restricted key line", async () => {
    const inputs = (await checked(p, raw)) as Parameters<typeof hostSshdScript>[0];
    for (const script of [hostSshdScript(inputs), hostSshdScript({ ...inputs, daemon: "external" })]) {
      bashSyntaxCheck(script);
      expect(script).toContain(`restrict,pty,command="${STATE_DIR}/sshd/fence-shell" ${KEY}`);
      expect(script).toContain("domains=(dev-node01 dev-node02)");
    }
    expect(hostSshdScript(inputs)).toContain("ListenAddress 192.168.8.1:22");
  });

  test("create returns the host key; the id is address:port", async () => {
    on(/KVMLAB_FENCE_SHELL/, { stdout: "ssh-ed25519 AAAAhostkey kvmlab-host\n" });
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe("192.168.8.1:22");
    expect(outs.sshHostKey).toBe("ssh-ed25519 AAAAhostkey");
  });

  test("check rejects a fence domain list that is empty and a key that is not one ed25519 line", async () => {
    const r = await p.check({}, { ...raw, fenceDomains: [], fenceAuthorizedKey: `${KEY}\nssh-rsa AAAA x` });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["fenceAuthorizedKey", "fenceDomains"]);
  });
});
