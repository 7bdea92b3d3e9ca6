/**
 * The LibvirtNetwork provider against the fake KVM host (test/support/fake-lab.ts: `runOnHost`
 * records every script with its options and answers from per-test rules), driven as the engine
 * drives it: check → create, read → diff → update, delete. One-line virsh commands are answered by
 * rules in virsh's words (test/support/virsh.ts); the re-plug script, which reads several domains
 * and the kernel's bridge ports, runs for real against a fake virsh and ip with /sys/class/net
 * moved into the host's sandbox (test/fixtures/fake-tools.ts).
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { virshCommand } from "../../../providers/libvirt/virsh";
import { libvirtNetworkProvider, networkXml } from "../../../providers/libvirt/libvirt-network";
import { renderNetworkXml } from "../../../providers/libvirt/network-xml";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../support/provider-driver";
import { DAEMON_DOWN, notFound, virshCall, virshRuns, virshSucceeds } from "../../support/virsh";
import { HOST, URI } from "../../fixtures/lab";
import { HOST_LIBVIRT_TOOLS } from "../../fixtures/fake-tools";

const SYS_NET = "/sys/class/net";
const REPLUG = /domiflist/;

/**
 * The KVM host with running domains and their NICs (`tap` on `network`), and the bridge each tap
 * is plugged into (`master`, none: unplugged); the re-plug script runs there for real.
 */
function kvmHost(domains: { name: string; nics: { tap: string; network: string; master?: string }[] }[]) {
  const host = fakeMachine(HOST_LIBVIRT_TOOLS, { paths: [SYS_NET] });
  host.env.FAKE_SYS_NET = host.at(SYS_NET);
  host.state("virsh-running", domains.map((d) => `${d.name}\n`).join(""));
  for (const d of domains) {
    const rows = d.nics.map(
      (n) => ` ${n.tap}      network    ${n.network}   virtio      52:54:00:ab:ba:d5\n`,
    );
    host.state(`virsh-domiflist.${d.name}`, rows.join(""));
    for (const n of d.nics) {
      fs.mkdirSync(host.at(`${SYS_NET}/${n.tap}`), { recursive: true });
      if (n.master !== undefined) fs.symlinkSync(`../${n.master}`, host.at(`${SYS_NET}/${n.tap}/master`));
    }
  }
  on(REPLUG, forReal(host));
  return host;
}

/** Where a tap is plugged in on `host` (its master bridge), `undefined` when unplugged. */
function masterOf(host: FakeMachine, tap: string): string | undefined {
  try {
    return fs.readlinkSync(host.at(`${SYS_NET}/${tap}/master`)).replace(/^\.\.\//, "");
  } catch {
    return undefined;
  }
}

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
  /**
   * The virsh runs that start a stopped network: look it up, check its definition, start it,
   * autostart it, read its uuid.
   */
  const STARTED = [
    "net-info dev-service",
    "net-dumpxml --inactive dev-service",
    "net-start dev-service",
    "net-autostart dev-service",
    "net-uuid dev-service",
  ];
  const info = (active: "yes" | "no", autostart: "yes" | "no" = "yes") =>
    `Name:           dev-service\nUUID:           0b1c2d3e-0000-4000-8000-000000000001\nActive:         ${active}\nPersistent:     yes\nAutostart:      ${autostart}\nBridge:         dev-svc\n`;

  test("check applies the desired-state defaults and rejects a long bridge name, naming it", async () => {
    const inputs = await checked(p, raw);
    expect(inputs).toMatchObject({ active: true, portsAttached: true });
    const r = await p.check({}, { ...raw, bridge: "a-very-long-bridge" });
    expect(r.failures?.map((f) => f.property)).toEqual(["bridge"]);
  });

  test("create on a host without the network: defines it from the XML through a temp file, starts it, autostarts it", async () => {
    on(virshCall("net-info", "dev-service"), notFound("network", "dev-service"));
    on(virshCall("net-uuid", "dev-service"), { stdout: "0b1c2d3e-0000-4000-8000-000000000001\n" });
    on(/ net-define "\$t"/, {});
    virshSucceeds("net-start", "net-autostart");
    // A guest running on the network since before: its tap is plugged back in, for real.
    const host = kvmHost([
      { name: "dev-node01", nics: [{ tap: "vnet3", network: "dev-service" }] },
      { name: "dev-node02", nics: [{ tap: "vnet5", network: "dev-service", master: "dev-svc" }] },
    ]);
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(masterOf(host, "vnet3")).toBe("dev-svc");
    expect(host.log().filter((l) => l.startsWith("ip "))).toEqual([
      "ip link set vnet3 master dev-svc",
      "ip link set vnet3 up",
    ]);

    expect(id).toBe("dev-service");
    expect(outs).toEqual({ ...inputs, uuid: "0b1c2d3e-0000-4000-8000-000000000001" });
    expect(virshRuns()).toEqual(STARTED.filter((run) => !run.startsWith("net-dumpxml")));
    const define = lab.calls.find((c) => c.script.includes("net-define"));
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
    on(virshCall("net-dumpxml", "--inactive", "dev-service"), { stdout: liveXml });
    on(virshCall("net-dumpxml", "dev-service"), { stdout: liveXml });
    virshSucceeds("net-autostart", "net-uuid");
    kvmHost([]);
    const { outs } = await p.create(await checked(p, raw));
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-dumpxml --inactive dev-service",
      "net-dumpxml dev-service",
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

  /**
   * Reads the network as created while the host has it (`Active: active`, its live XML `xml`, its
   * persistent one `persistent`, autostart `autostart`).
   */
  async function readLive(
    active: "yes" | "no",
    xml = liveXml,
    uuid = "0b1c2d3e-0000-4000-8000-000000000001",
    persistent = xml,
    autostart: "yes" | "no" = "yes",
  ) {
    on(virshCall("net-info", "dev-service"), { stdout: info(active, autostart) });
    on(virshCall("net-dumpxml", "dev-service"), { stdout: xml });
    on(virshCall("net-dumpxml", "--inactive", "dev-service"), { stdout: persistent });
    const inputs = await checked(p, raw);
    const olds = { ...inputs, uuid };
    return { inputs, olds, read: await p.read("dev-service", olds) };
  }

  test("read of a running network with its guests plugged in shows no drift", async () => {
    const host = kvmHost([
      { name: "dev-node01", nics: [{ tap: "vnet3", network: "dev-service", master: "dev-svc" }] },
    ]);
    const { inputs, olds, read } = await readLive("yes");
    expect(host.log()).toEqual([
      `virsh -q -c ${URI} list --name --state-running`,
      `virsh -q -c ${URI} domiflist dev-node01`,
    ]);
    expect(read).toEqual({ id: "dev-service", props: olds });
    expect(await p.diff("dev-service", read.props as Props, inputs)).toEqual(NO_DIFF);
  });

  test("read reports a stopped network (Active: no); diff then shows an in-place change; update starts it", async () => {
    kvmHost([]);
    virshSucceeds("net-start", "net-autostart", "net-uuid");
    const { inputs, read } = await readLive("no");
    expect(read.props).toMatchObject({
      active: false,
      portsAttached: true,
      mode: "isolated",
      cidr: "192.168.7.0/24",
    });

    const d = await p.diff("dev-service", read.props as Props, inputs);
    expect(d).toEqual(IN_PLACE);

    lab.calls = [];
    await p.update("dev-service", read.props as Props, inputs);
    expect(virshRuns()).toEqual(STARTED);
  });

  test("read reports unplugged guests; a changed bridge in the live XML replaces the network", async () => {
    // vnet3 is in no bridge; vnet4 is on another network (not this one's business).
    const host = kvmHost([
      {
        name: "dev-node01",
        nics: [
          { tap: "vnet3", network: "dev-service" },
          { tap: "vnet4", network: "dev-management" },
        ],
      },
    ]);
    const { inputs, read } = await readLive("yes", liveXml.replace("dev-svc", "virbr9"), "u");
    expect(read.props).toMatchObject({ portsAttached: false, bridge: "virbr9" });
    const dryRun = lab.calls.find((c) => c.script.includes("domiflist"));
    expect(dryRun?.script).not.toContain("ip link set");
    // The dry run printed it and changed nothing.
    expect(masterOf(host, "vnet3")).toBeUndefined();
    expect(host.log().filter((l) => l.startsWith("ip "))).toEqual([]);
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

  test("read reports another gateway, prefix or forward mode in the live XML; the diff replaces the network, deleting first", async () => {
    const cases: [string, string, Props][] = [
      [
        "gateway",
        liveXml.replace("address='192.168.7.1'", "address='192.168.7.254'"),
        { gateway: "192.168.7.254" },
      ],
      ["cidr", liveXml.replace("prefix='24'", "prefix='16'"), { cidr: "192.168.0.0/16" }],
      [
        "mode",
        liveXml.replace(
          "<bridge",
          "<forward mode='nat'>\n    <nat>\n      <port start='1024' end='65535'/>\n    </nat>\n  </forward>\n  <bridge",
        ),
        { mode: "nat" },
      ],
    ];
    for (const [field, xml, found] of cases) {
      lab.rules = [];
      kvmHost([]);
      const { inputs, read } = await readLive("yes", xml);
      expect(read.props).toMatchObject(found);
      expect([field, await p.diff("dev-service", read.props as Props, inputs)]).toEqual([
        field,
        { changes: true, replaces: [field], deleteBeforeReplace: true },
      ]);
    }
  });

  test("read reports autostart off (net-info Autostart: no); the update turns it on", async () => {
    kvmHost([]);
    virshSucceeds("net-autostart", "net-uuid");
    const { inputs, read } = await readLive("yes", liveXml, undefined, liveXml, "no");
    expect(read.props).toMatchObject({ autostarted: false, active: true, definitionCurrent: true });
    expect(await p.diff("dev-service", read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    await p.update("dev-service", read.props as Props, inputs);
    expect(virshRuns()).toContain("net-autostart dev-service");
  });

  /** The definition as `net-edit` leaves it: DNS on, STP off with a delay. */
  const editedXml = liveXml
    .replace("<dns enable='no'/>", "<dns enable='yes'/>")
    .replace("stp='on' delay='0'", "stp='off' delay='2'");

  test("read: the persistent definition edited (DNS on, STP off) → definitionCurrent false; the update defines it again with its uuid and leaves the running network alone", async () => {
    kvmHost([]);
    on(/ net-define "\$t"/, {});
    virshSucceeds("net-autostart", "net-uuid");
    const { inputs, read } = await readLive("yes", liveXml, undefined, editedXml);
    expect(read.props).toMatchObject({ definitionCurrent: false, active: true, bridge: "dev-svc" });
    expect(await p.diff("dev-service", read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    await p.update("dev-service", read.props as Props, inputs);
    const define = lab.calls.find((c) => c.script.includes("net-define"));
    expect(define?.opts.stdin).toBe(
      renderNetworkXml({
        name: "dev-service",
        uuid: "0b1c2d3e-0000-4000-8000-000000000001",
        bridge: "dev-svc",
        mode: "isolated",
        gatewayAddress: "192.168.7.1",
        prefix: 24,
      }),
    );
    expect(virshRuns()).not.toContain("net-destroy dev-service");
    expect(virshRuns()).not.toContain("net-start dev-service");
  });

  test("read: the network runs with an edited definition → definitionCurrent false; the update restarts it and plugs its guests back", async () => {
    const host = kvmHost([
      { name: "dev-node01", nics: [{ tap: "vnet3", network: "dev-service", master: "dev-svc" }] },
    ]);
    virshSucceeds("net-destroy", "net-start", "net-autostart", "net-uuid");
    const { inputs, read } = await readLive("yes", editedXml, undefined, liveXml);
    expect(read.props).toMatchObject({ definitionCurrent: false, portsAttached: true });
    // The restart leaves the guest's tap out of the bridge, as libvirt does.
    fs.unlinkSync(host.at(`${SYS_NET}/vnet3/master`));
    lab.calls = [];
    await p.update("dev-service", read.props as Props, inputs);
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-dumpxml --inactive dev-service",
      "net-dumpxml dev-service",
      "net-destroy dev-service",
      "net-start dev-service",
      "net-autostart dev-service",
      "net-uuid dev-service",
    ]);
    expect(masterOf(host, "vnet3")).toBe("dev-svc");
  });

  test("delete reads the network's state, destroys it when active and undefines it (virsh-remove.test.ts: every case)", async () => {
    const olds = { ...(await checked(p, raw)), uuid: "u" };
    on(virshCall("net-info", "dev-service"), { stdout: "Name: dev-service\nActive: yes\n" });
    virshSucceeds("net-destroy", "net-undefine");
    await p.delete("dev-service", olds);
    expect(virshRuns()).toEqual([
      "net-info dev-service",
      "net-destroy dev-service",
      "net-undefine dev-service",
    ]);
  });

  test("delete with libvirtd down fails instead of reading the network as gone", async () => {
    on(virshCall("net-info", "dev-service"), DAEMON_DOWN);
    const err = await failureOf(p.delete("dev-service", { ...(await checked(p, raw)), uuid: "u" }));
    expect(err.message).toMatch(
      /^LibvirtNetwork "dev-net-service-libvirt": delete failed: libvirtd does not answer/,
    );
  });

  test("networkXml renders the inputs' network", async () => {
    const inputs = await checked(p, { ...raw, mode: "nat" });
    expect(networkXml(inputs as Parameters<typeof networkXml>[0])).toContain('<forward mode="nat"/>');
  });
});
