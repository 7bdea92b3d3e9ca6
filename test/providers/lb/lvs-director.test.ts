/**
 * The LvsDirector provider on ld1 against the fake lab (test/support/fake-lab.ts), driven as the
 * engine drives it: check → create, read → diff → update (the IPVS table repaired), delete.
 */
import { byDefault, exactly, lab, on, scripts, theCall } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { directorRemoval, directorSetupOf, lvsDirectorProvider } from "../../../providers/lb/lvs-director";
import { renderDirectorSetup, renderDirectorState } from "../../../providers/lb/director-script";
import { checked, failedProperties, named, NO_DIFF, refreshDiff } from "../../support/provider-driver";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { expectEachDriftInPlace } from "../../support/drift-cases";
import { IPVS_DRIFTED, IPVS_STANDBY } from "../../fixtures/ipvsadm";
import { LD1, ld1Files, ld1StateOutput, lbNodeAccess, SEED_LDIRECTORD } from "../../fixtures/lb";

const p = lvsDirectorProvider;
const NODE = lbNodeAccess(35);
const raw = named(
  { node: NODE, sshPrivateKey: PROGRAM_KEY, name: LD1.name, ldirectord: SEED_LDIRECTORD },
  "ultramonkey-lb-director-ld1",
);
type Inputs = Parameters<typeof directorSetupOf>[0];
const STATE = /echo "== files"/;
const SETUP = /becomes an LVS director/;
const stateOut = ld1StateOutput;

/** The director's usual answers (the strict fake lab answers nothing by itself). */
beforeEach(() => {
  byDefault(SETUP, {});
  byDefault(/^set -e\nipvsadm /, {});
  byDefault(exactly(directorRemoval()), {});
});

describe("LvsDirector", () => {
  test("check: ldirectord's settings are typed, the desired state defaults to converged", async () => {
    expect(
      await failedProperties(p, {
        ...raw,
        ldirectord: { ...SEED_LDIRECTORD, forwarding: "masq", realServers: [] },
      }),
    ).toEqual(["ldirectord.forwarding", "ldirectord.realServers"]);
    expect(await checked(p, raw)).toMatchObject({
      configCurrent: true,
      agentCurrent: true,
      forwarding: true,
      ldirectordMasked: true,
      sorryServed: true,
      ipvsCurrent: true,
    });
  });

  test("create runs the rendered setup on the director", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe("ld1:192.168.5.55");
    expect(outs).toMatchObject({ ipvs: [] });
    const call = theCall(SETUP);
    expect(call.where).toBe(NODE.address);
    expect(call.script).toBe(renderDirectorSetup(directorSetupOf(inputs as unknown as Inputs)));
  });

  test("read of the converged active director and of the standby: no change, the table as an output", async () => {
    const inputs = await checked(p, raw);
    on(STATE, { stdout: stateOut() });
    const active = await refreshDiff(p, "x", { ...inputs, ipvs: [] }, inputs);
    expect(scripts(NODE.address)).toEqual([
      renderDirectorState(directorSetupOf(inputs as unknown as Inputs)),
    ]);
    expect(active.diff).toEqual(NO_DIFF);
    expect((active.props.ipvs as { scheduler: string }[])[0]?.scheduler).toBe("rr");
    lab.rules = [];
    on(STATE, { stdout: stateOut({ ipvs: IPVS_STANDBY }) });
    const standby = await refreshDiff(p, "x", { ...inputs, ipvs: [] }, inputs);
    expect(standby.diff).toEqual(NO_DIFF);
    expect(standby.props.ipvs).toEqual([]);
  });

  test("each drift reads false and is an in-place change", async () => {
    const inputs = await checked(p, raw);
    await expectEachDriftInPlace(
      p,
      STATE,
      stateOut,
      [
        [{ files: ld1Files({ "/etc/ha.d/ldirectord.cf": "virtual=192.168.5.55:80\n" }) }, "configCurrent"],
        [{ unit: "enabled" }, "ldirectordMasked"],
        [{ sysctl: ["net.ipv4.ip_forward=0", "net.ipv4.ip_nonlocal_bind=1"] }, "forwarding"],
        [{ sorry: "inactive" }, "sorryServed"],
        [{ ipvs: IPVS_DRIFTED }, "ipvsCurrent"],
      ],
      inputs,
    );
  });

  test("the boot side: the sysctl file, ip_vs unloaded, lighttpd disabled are drift; update restores them", async () => {
    const inputs = await checked(p, raw);
    await expectEachDriftInPlace(
      p,
      STATE,
      stateOut,
      [
        [{ files: ld1Files({ "/etc/sysctl.d/60-kvmlab-lvs-director.conf": "" }) }, "forwarding"],
        [{ modules: [] }, "forwarding"],
        [{ sorryBoot: "disabled" }, "sorryServed"],
      ],
      inputs,
    );
    lab.calls = [];
    await p.update("x", { ...inputs, forwarding: false, sorryServed: false }, inputs);
    const [setup] = scripts(NODE.address);
    for (const part of [
      "put /etc/sysctl.d/60-kvmlab-lvs-director.conf 0644 sysctl_changed",
      "modprobe ip_vs",
      "systemctl enable --quiet lighttpd",
    ]) {
      expect(setup).toContain(part);
    }
  });

  test("update converges and, after IPVS drift, repairs the table from a fresh listing", async () => {
    const inputs = await checked(p, raw);
    on(/^ipvsadm -Ln$/, { stdout: IPVS_DRIFTED });
    await p.update("x", { ...inputs, ipvsCurrent: false }, inputs);
    const ran = scripts(NODE.address);
    expect(ran[0]).toMatch(SETUP);
    expect(ran[1]).toBe("ipvsadm -Ln");
    expect(ran[2]).toBe(
      [
        "set -e",
        "ipvsadm -E -t 192.168.5.55:80 -s rr",
        "ipvsadm -e -t 192.168.5.55:80 -r 192.168.5.43:80 -g -w 1",
        "ipvsadm -d -t 192.168.5.55:80 -r 192.168.5.99:80",
      ].join("\n"),
    );
  });

  test("update without IPVS drift only converges", async () => {
    const inputs = await checked(p, raw);
    await p.update("x", { ...inputs, configCurrent: false }, inputs);
    expect(scripts(NODE.address)).toHaveLength(1);
  });

  test("an unreachable director reads as everything lost; delete there is no error", async () => {
    lab.down.push(NODE.address);
    const inputs = await checked(p, raw);
    expect((await p.read("x", inputs)).props).toMatchObject({ configCurrent: false, ipvsCurrent: false });
    await expect(p.delete("x", inputs as Props)).resolves.toBeUndefined();
  });

  test("delete unmasks ldirectord and removes the director's files", async () => {
    const inputs = await checked(p, raw);
    await p.delete("x", inputs);
    expect(scripts(NODE.address)).toEqual([directorRemoval()]);
    for (const part of [
      "systemctl unmask ldirectord.service",
      "rm -f /etc/ha.d/ldirectord.cf /usr/lib/ocf/resource.d/kvmlab/VIPcheck",
    ]) {
      expect(directorRemoval()).toContain(part);
    }
  });
});
