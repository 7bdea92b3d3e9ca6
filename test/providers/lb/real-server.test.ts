/**
 * The RealServer provider on fe1 against the fake lab (test/support/fake-lab.ts), driven as the
 * engine drives it: check → create, read → diff → update, delete.
 */
import { byDefault, lab, on, scripts, theCall } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { realServerProvider, realServerRemoval, realServerSetupOf } from "../../../providers/lb/real-server";
import { renderRealServerSetup, renderRealServerState } from "../../../providers/lb/real-server-script";
import {
  checked,
  failedProperties,
  IN_PLACE,
  named,
  NO_DIFF,
  refreshDiff,
} from "../../support/provider-driver";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { expectEachDriftInPlace } from "../../support/drift-cases";
import { digestLines, FE1, fe1Files, fe1StateOutput, lbNodeAccess, VIP } from "../../fixtures/lb";

const p = realServerProvider;
const NODE = lbNodeAccess(33);
const raw = named(
  {
    node: NODE,
    sshPrivateKey: PROGRAM_KEY,
    name: FE1.name,
    address: FE1.address,
    serviceMac: FE1.serviceMac,
    vip: FE1.vip,
    request: FE1.request,
    receive: FE1.receive,
    ports: FE1.ports,
  },
  "ultramonkey-lb-real-fe1",
);
type Inputs = Parameters<typeof realServerSetupOf>[0];
const STATE = /echo "== nic"/;
const SETUP = /becomes an LVS real server/;
const stateOut = fe1StateOutput;

/** The node's usual answers (the strict fake lab answers nothing by itself). */
beforeEach(() => {
  byDefault(SETUP, { stdout: "nic=lab-svc\n" });
  byDefault(/^ip address del /, {});
  byDefault(/^systemctl disable --now kvmlab-lvs-vip\.service /, {});
});

describe("RealServer", () => {
  test("check: the fields are validated one by one, the desired state defaults to converged", async () => {
    expect(await failedProperties(p, { ...raw, serviceMac: "52:54:00:55:44:BB", ports: [] })).toEqual([
      "ports",
      "serviceMac",
    ]);
    const inputs = await checked(p, raw);
    expect(inputs).toMatchObject({ vipOnLo: true, arpSuppressed: true, pagesCurrent: true, webActive: true });
    expect(inputs.renderedDigest).toMatch(/^[0-9a-f]{16}$/);
  });

  test("create runs the rendered setup on the node and records the NIC it found", async () => {
    on(SETUP, { stdout: "nic=lab-svc\n" });
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe("fe1:192.168.5.55");
    expect(outs).toMatchObject({ nic: "lab-svc" });
    const call = theCall(SETUP);
    expect(call.where).toBe(NODE.address);
    expect(call.script).toBe(renderRealServerSetup(realServerSetupOf(inputs as unknown as Inputs)));
  });

  test("read of a converged real server: no change", async () => {
    on(STATE, { stdout: stateOut() });
    const inputs = await checked(p, raw);
    const { props, diff } = await refreshDiff(p, "fe1:192.168.5.55", { ...inputs, nic: "lab-svc" }, inputs);
    expect(scripts(NODE.address)).toEqual([
      renderRealServerState(realServerSetupOf(inputs as unknown as Inputs)),
    ]);
    expect(props).toMatchObject({ vipOnLo: true, arpSuppressed: true, pagesCurrent: true, webActive: true });
    expect(diff).toEqual(NO_DIFF);
  });

  test("each drift reads false and is an in-place change; update converges again", async () => {
    const inputs = await checked(p, raw);
    const files = (overrides: Record<string, string>) => digestLines(fe1Files(overrides));
    await expectEachDriftInPlace(
      p,
      STATE,
      stateOut,
      [
        [{ lo: ["127.0.0.1/8"] }, "vipOnLo"],
        [{ unit: ["disabled"] }, "vipOnLo"],
        [{ sysctl: ["net.ipv4.conf.all.arp_ignore=0"] }, "arpSuppressed"],
        [{ files: files({ "/var/www/html/haCheker/haCheck.html": "down\n" }) }, "pagesCurrent"],
        [{ web: ["inactive"] }, "webActive"],
      ],
      { ...inputs, nic: "lab-svc" },
      inputs,
    );
    on(SETUP, { stdout: "nic=lab-svc\n" });
    const outs = await p.update("x", { ...inputs, webActive: false }, inputs);
    expect(outs.outs).toMatchObject({ webActive: true, nic: "lab-svc" });
  });

  test("the boot side: the sysctl file, the VIP unit's file, lighttpd disabled or a stray ports file are drift; update rewrites them", async () => {
    const inputs = await checked(p, raw);
    const files = (overrides: Record<string, string>) => digestLines(fe1Files(overrides));
    await expectEachDriftInPlace(
      p,
      STATE,
      stateOut,
      [
        [{ files: files({ "/etc/sysctl.d/60-kvmlab-lvs-real-server.conf": "" }) }, "arpSuppressed"],
        [{ files: files({ "/etc/systemd/system/kvmlab-lvs-vip.service": "[Unit]\n" }) }, "vipOnLo"],
        [{ "web-boot": ["disabled"] }, "webActive"],
        [
          { files: files({ "/etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf": "# stray\n" }) },
          "webActive",
        ],
      ],
      { ...inputs, nic: "lab-svc" },
      inputs,
    );
    lab.calls = [];
    await p.update("x", { ...inputs, arpSuppressed: false, vipOnLo: false, webActive: false }, inputs);
    const [setup] = scripts(NODE.address);
    for (const part of [
      "put /etc/sysctl.d/60-kvmlab-lvs-real-server.conf 0644 sysctl_changed",
      "put /etc/systemd/system/kvmlab-lvs-vip.service 0644 unit_changed",
      "systemctl enable --quiet lighttpd",
      "if [ -e /etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf ]; then rm -f",
    ]) {
      expect(setup).toContain(part);
    }
  });

  test("an unreachable node reads as everything lost", async () => {
    lab.down.push(NODE.address);
    const inputs = await checked(p, raw);
    const read = await p.read("x", inputs);
    expect(read.props).toMatchObject({
      vipOnLo: false,
      arpSuppressed: false,
      pagesCurrent: false,
      webActive: false,
    });
  });

  test("a new VIP removes the old one from lo first", async () => {
    const olds = await checked(p, raw);
    const news = await checked(p, { ...raw, vip: "192.168.5.56" });
    expect(await p.diff("x", olds, news)).toEqual({ ...IN_PLACE });
    await p.update("x", olds, news);
    const [first, second] = scripts(NODE.address);
    expect(first).toContain(`ip address del ${VIP}/32 dev lo`);
    expect(second).toContain("ip address replace 192.168.5.56/32 dev lo label lo:0");
  });

  test("another node replaces the resource", async () => {
    const olds = await checked(p, raw);
    const news = await checked(p, { ...raw, node: lbNodeAccess(43) });
    expect(await p.diff("x", olds, news)).toMatchObject({ changes: true, replaces: ["node"] });
  });

  test("delete removes the unit, the VIP, the sysctls and the pages; an unreachable node is no error", async () => {
    const inputs = await checked(p, raw);
    await p.delete("x", inputs);
    expect(scripts(NODE.address)).toEqual([realServerRemoval(inputs as unknown as Inputs)]);
    const removal = realServerRemoval(inputs as unknown as Inputs);
    for (const part of [
      "systemctl disable --now kvmlab-lvs-vip.service",
      `ip address del ${VIP}/32 dev lo`,
      "rm -f /etc/sysctl.d/60-kvmlab-lvs-real-server.conf",
      "rm -f /var/www/html/haCheker/haCheck.html /var/www/html/index.html",
    ]) {
      expect(removal).toContain(part);
    }
    lab.down.push(NODE.address);
    await expect(p.delete("x", inputs as Props)).resolves.toBeUndefined();
  });
});
