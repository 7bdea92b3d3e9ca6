/**
 * The StonithDevice provider for the default lab's fence device: its builders (the key script run
 * for real), and the provider against the fake lab (test/support/fake-lab.ts), driven as the
 * engine drives it: check → create, read → diff → update, delete.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { forget, inTurn, lab, on, succeeds } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { shellJoin } from "../../../../providers/exec/ssh";
import { parseCib } from "../../../../providers/cluster/pacemaker/cib";
import { createArgv } from "../../../../providers/cluster/pacemaker/pcs-resource";
import {
  deviceDrift,
  keyScript,
  keySumScript,
  stonithDeviceProvider,
  wantedDevice,
} from "../../../../providers/cluster/pacemaker/stonith-device";
import { bashSyntaxCheck, fakeBin, removeTempDirs, runWithFakes } from "../../../support/bash";
import { checked, failureOf, IN_PLACE, NO_DIFF, refreshDiff } from "../../../support/provider-driver";
import { batches, callsOf, steps } from "../../../support/pacemaker-calls";
import {
  FENCE_KEY,
  KVMHOST01_CREATE,
  N1,
  N2,
  stonithInputs,
  stonithRaw,
} from "../../../fixtures/cluster-lab";
import {
  cib,
  CIB_CONFIGURED,
  CIB_QUERY,
  edited,
  READ_CIB,
  STONITH_XML,
  stoppedMember,
} from "../../../fixtures/pacemaker";

afterEach(removeTempDirs);

/** The sha256 the key sum script prints for `key` as installed (with its final newline). */
function keySum(key: string): string {
  return createHash("sha256")
    .update(key.endsWith("\n") ? key : `${key}\n`)
    .digest("hex");
}
const WANTED_ATTRIBUTES = {
  ip: "192.168.8.1",
  username: "root",
  identity_file: "/etc/cluster/fence_virsh_key",
  pcmk_host_map: "node01h:dev-node01;node02h:dev-node02",
  pcmk_monitor_timeout: "120s",
  pcmk_reboot_timeout: "300s",
};

/**
 * The fake fencing side: key installs (run for real above), pcs batches and crm_verify succeed,
 * the CIB and key sums as given.
 */
function stonithAnswers(p: { cib: string; sums?: Record<string, string> }): void {
  on(CIB_QUERY, { stdout: p.cib });
  on(READ_CIB, { stdout: `== cib\n${p.cib}` });
  succeeds(/base64 -d > \/etc\/cluster\/fence_virsh_key\.new/, /^set -e\npcs stonith /, /^crm_verify -L/);
  for (const [where, sum] of Object.entries(p.sums ?? { [N1]: keySum(FENCE_KEY), [N2]: keySum(FENCE_KEY) })) {
    on(/sha256sum/, { stdout: `${sum}\n` }, where);
  }
}

describe("StonithDevice: builders", () => {
  test("the wanted device for the default lab: the current fence_virsh parameter names, host map in member order", async () => {
    expect(createArgv(wantedDevice(await stonithInputs()))).toEqual(KVMHOST01_CREATE);
    expect(wantedDevice(await stonithInputs()).attributes).toEqual(WANTED_ATTRIBUTES);
    expect(wantedDevice(await stonithInputs({ action: "off" })).attributes).toEqual({
      ...WANTED_ATTRIBUTES,
      pcmk_reboot_action: "off",
    });
  });

  test("deviceDrift: the CIB's device against the wanted one", async () => {
    const live = parseCib(CIB_CONFIGURED).stonith[0];
    const want = wantedDevice(await stonithInputs());
    expect(deviceDrift(want, live)).toEqual([]);
    expect(deviceDrift(want, { ...live, type: "fence_xvm" })).not.toEqual([]);
    expect(
      deviceDrift({ ...want, attributes: { ...WANTED_ATTRIBUTES, ip: "192.168.8.254" } }, live),
    ).not.toEqual([]);
    expect(deviceDrift(wantedDevice(await stonithInputs({ action: "off" })), live)).not.toEqual([]);
  });

  test("keyScript writes the decoded stdin atomically with mode 0600 (run for real)", () => {
    const script = keyScript("/etc/cluster/fence_virsh_key");
    expect(script).toContain("base64 -d > /etc/cluster/fence_virsh_key.new");
    expect(script).toContain("mv -f /etc/cluster/fence_virsh_key.new /etc/cluster/fence_virsh_key");
    bashSyntaxCheck(script);
    bashSyntaxCheck(keySumScript("/etc/cluster/fence_virsh_key"));

    // install -d -m MODE DIR, within the sandbox.
    const fake = fakeBin(
      { install: `[ "$1 $2" = "-d -m" ] || exit 1\nmkdir -p "$4" && chmod "$3" "$4"` },
      { sandbox: true },
    );
    const root = fake.root;
    const file = path.join(root, "cluster", "fence_virsh_key");
    const r = runWithFakes(fake, keyScript(file), Buffer.from(`${FENCE_KEY}\n`).toString("base64"));
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(`${FENCE_KEY}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${file}.new`)).toBe(false);
    const sum = runWithFakes(fake, keySumScript(file), "");
    expect(sum.stdout.trim()).toBe(keySum(FENCE_KEY));
    const missing = runWithFakes(fake, keySumScript(path.join(root, "none")), "");
    expect({ status: missing.status, stdout: missing.stdout.trim() }).toEqual({ status: 0, stdout: "" });
  });
});

describe("StonithDevice: create", () => {
  test("the key on every node via stdin base64, then on node01 pcs stonith create and crm_verify -L", async () => {
    stonithAnswers({ cib: cib() });
    const inputs = await stonithInputs();
    const { id, outs } = await stonithDeviceProvider.create(inputs as unknown as Props);
    expect(id).toBe("kvmhost01");
    expect(outs.deviceId).toBe("kvmhost01");
    const all = steps();
    expect(all.slice(0, 2).sort()).toEqual(["node01 key", "node02 key"]);
    expect(all.slice(2)).toEqual(["node01 cib", "node01 batch", "node01 verify"]);
    expect(batches()).toEqual([[shellJoin(createArgv(wantedDevice(inputs)))]]);
    expect(batches()[0]?.[0]).toBe(
      "pcs stonith create kvmhost01 fence_virsh ip=192.168.8.1 username=root " +
        "identity_file=/etc/cluster/fence_virsh_key 'pcmk_host_map=node01h:dev-node01;node02h:dev-node02' pcmk_monitor_timeout=120s pcmk_reboot_timeout=300s",
    );
    for (const call of callsOf("key")) {
      expect(call.script).toBe(keyScript("/etc/cluster/fence_virsh_key"));
      expect(Buffer.from(String(call.opts.stdin), "base64").toString("utf8")).toBe(`${FENCE_KEY}\n`);
      expect(call.opts.sensitive).toEqual([FENCE_KEY]);
    }
    const b64 = Buffer.from(`${FENCE_KEY}\n`).toString("base64");
    for (const call of lab.calls) {
      expect(call.script).not.toContain("RkVOQ0UtS0VZLUZPUi1USEUtTEFC");
      expect(call.script).not.toContain(b64);
    }
    expect(callsOf("verify")[0]?.opts.okExitCodes).toEqual([0, 1, 2, 3, 4]);
  });

  test("crm_verify -L exit 1: the create fails with crm_verify's output", async () => {
    // First matching rule wins: the failure before the fake fencing side's answers.
    on(/^crm_verify -L/, {
      code: 1,
      stdout: "error: kvmhost01: unknown parameter 'ipaddr'\nErrors found during check: config not valid\n",
    });
    stonithAnswers({ cib: cib() });
    const inputs = await checked(stonithDeviceProvider, stonithRaw());
    await expect(stonithDeviceProvider.create(inputs)).rejects.toThrow(
      'StonithDevice "dev-fence-kvmhost01-stonith": create failed: crm_verify -L is not clean after the STONITH device was set: ' +
        "error: kvmhost01: unknown parameter 'ipaddr'\nErrors found during check: config not valid",
    );
  });

  test("the device already there as wanted: no pcs command, crm_verify still checked", async () => {
    stonithAnswers({ cib: CIB_CONFIGURED });
    await stonithDeviceProvider.create(await checked(stonithDeviceProvider, stonithRaw()));
    expect(batches()).toEqual([]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 verify"]);
  });

  test("cman stack: only the keys, no pcs, cibadmin or crm_verify at all", async () => {
    stonithAnswers({ cib: CIB_CONFIGURED });
    const { outs } = await stonithDeviceProvider.create(
      await checked(stonithDeviceProvider, stonithRaw({ stack: "cman" })),
    );
    expect(outs.deviceId).toBe("kvmhost01");
    expect(steps().sort()).toEqual(["node01 key", "node02 key"]);
    expect(lab.calls.some((c) => /pcs|cibadmin|crm_verify/.test(c.script))).toBe(false);
  });
});

describe("StonithDevice: read, diff, update, delete", () => {
  async function createdDevice(extra: Props = {}, live = CIB_CONFIGURED): Promise<Props> {
    stonithAnswers({ cib: live });
    const { outs } = await stonithDeviceProvider.create(
      await checked(stonithDeviceProvider, stonithRaw(extra)),
    );
    forget();
    return outs;
  }

  test("healthy: keys equal on both nodes, the device as configured and enabled → no diff", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: CIB_CONFIGURED });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ keyInstalled: true, enabled: true, configured: true, verified: true });
    expect(diff).toEqual(NO_DIFF);
    expect(steps().sort()).toEqual(["node01 keysum", "node01 read-cib", "node02 keysum"]);
  });

  test("no CIB answered (the cluster destroyed) → verified false, an update; the update, after the cluster's, creates the device in the live CIB", async () => {
    const olds = await createdDevice();
    // The refresh ran while the cluster was destroyed: no member answers with a CIB.
    on(READ_CIB, { stdout: "== cib\n" });
    stonithAnswers({ cib: cib() });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ verified: false, keyInstalled: true, enabled: true, configured: true });
    expect(diff).toEqual(IN_PLACE);
    // The cluster's update set it up again with an empty CIB: the device's update creates it there.
    forget();
    stonithAnswers({ cib: cib() });
    const { outs } = await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(batches()).toEqual([[shellJoin(KVMHOST01_CREATE)]]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 batch", "node01 verify"]);
    // Verified again: the next refresh that sees the device as configured shows no change.
    expect(outs.verified).toBe(true);
    forget();
    stonithAnswers({ cib: CIB_CONFIGURED });
    expect((await refreshDiff(stonithDeviceProvider, "kvmhost01", outs, news)).diff).toEqual(NO_DIFF);
  });

  test("no CIB answered while the device is there (the cluster stopped, started again by its update): the update only verifies", async () => {
    const olds = await createdDevice();
    on(READ_CIB, { stdout: "== cib\n" });
    stonithAnswers({ cib: CIB_CONFIGURED });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(diff).toEqual(IN_PLACE);
    forget();
    stonithAnswers({ cib: CIB_CONFIGURED });
    await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(batches()).toEqual([]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 verify"]);
  });

  /**
   * read → diff against `news` (default: the lab's) with the fence side answering `live`, which must
   * be an in-place change; then the update against the same CIB. Returns the read props.
   */
  async function driftThenUpdate(
    olds: Props,
    live: { cib: string; sums?: Record<string, string> },
    news?: Props,
  ): Promise<Props> {
    stonithAnswers(live);
    const wanted = news ?? (await checked(stonithDeviceProvider, stonithRaw()));
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, wanted);
    expect(diff).toEqual(IN_PLACE);
    forget();
    stonithAnswers({ cib: live.cib });
    await stonithDeviceProvider.update("kvmhost01", props, wanted);
    return props;
  }

  test("the key differs on node02 → keyInstalled false → the update installs it again, no pcs command", async () => {
    const olds = await createdDevice();
    const props = await driftThenUpdate(olds, {
      cib: CIB_CONFIGURED,
      sums: { [N1]: keySum(FENCE_KEY), [N2]: keySum("another key") },
    });
    expect(props).toMatchObject({ keyInstalled: false, enabled: true, configured: true });
    expect(steps().slice(0, 2).sort()).toEqual(["node01 key", "node02 key"]);
    expect(batches()).toEqual([]);
  });

  test("a node unreachable at read: its key counts as missing", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: CIB_CONFIGURED });
    lab.down = [N2];
    const read = await stonithDeviceProvider.read("kvmhost01", olds);
    expect(read.props).toMatchObject({ keyInstalled: false, configured: true });
  });

  test("the device deleted from the CIB → the resource is gone (read id '')", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: cib() });
    expect(await stonithDeviceProvider.read("kvmhost01", olds)).toEqual({ id: "", props: {} });
  });

  test("target-role Stopped → enabled false → the update runs pcs stonith enable only", async () => {
    const olds = await createdDevice();
    const disabled = cib({ resources: stoppedMember(STONITH_XML, "kvmhost01") });
    const props = await driftThenUpdate(olds, { cib: disabled });
    expect(props).toMatchObject({ keyInstalled: true, enabled: false, configured: true });
    expect(batches()).toEqual([["pcs stonith enable kvmhost01"]]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 batch", "node01 verify"]);
  });

  test("an attribute changed out of band → configured false → pcs stonith update with every wanted attribute", async () => {
    const olds = await createdDevice();
    const changed = cib({
      resources: edited(STONITH_XML, 'name="ip" value="192.168.8.1"', 'name="ip" value="192.168.8.254"'),
    });
    const props = await driftThenUpdate(olds, { cib: changed });
    expect(props).toMatchObject({ keyInstalled: true, enabled: true, configured: false });
    expect(batches()).toEqual([
      [
        "pcs stonith update kvmhost01 ip=192.168.8.1 username=root identity_file=/etc/cluster/fence_virsh_key " +
          "'pcmk_host_map=node01h:dev-node01;node02h:dev-node02' pcmk_monitor_timeout=120s pcmk_reboot_timeout=300s",
      ],
    ]);
  });

  test("action off → reboot: the update removes the stale pcmk_reboot_action=off", async () => {
    const withOff = cib({
      resources: edited(
        STONITH_XML,
        '          <nvpair id="kvmhost01-instance_attributes-username"',
        '          <nvpair id="kvmhost01-instance_attributes-pcmk_reboot_action" name="pcmk_reboot_action" value="off"/>\n' +
          '          <nvpair id="kvmhost01-instance_attributes-username"',
      ),
    });
    const olds = await createdDevice({ action: "off" }, withOff);
    const news = await checked(stonithDeviceProvider, stonithRaw({ action: "reboot" }));
    // As configured before (off); the config changed → an in-place update, which removes the attribute.
    const props = await driftThenUpdate(olds, { cib: withOff }, news);
    expect(props.configured).toBe(true);
    expect(batches().flat().join("\n")).toMatch(/^pcs stonith update kvmhost01 .* pcmk_reboot_action=$/m);
  });

  test("cman stack: read checks only the keys", async () => {
    const olds = await createdDevice({ stack: "cman" });
    stonithAnswers({ cib: CIB_CONFIGURED });
    const read = await stonithDeviceProvider.read("kvmhost01", olds);
    expect(read.props).toMatchObject({ keyInstalled: true });
    expect(steps().sort()).toEqual(["node01 keysum", "node02 keysum"]);
  });

  describe("delete", () => {
    const RM_KEY = /^rm -f \/etc\/cluster\/fence_virsh_key$/;
    /** The CIB as node01's pacemaker answers it: each read in turn (an empty answer: pacemaker stopped). */
    const cibReads = (...cibs: string[]) =>
      on(READ_CIB, inTurn(...cibs.map((c) => ({ stdout: c === "" ? "== cib\n" : `== cib\n${c}` }))));

    test("the device in the CIB: pcs stonith delete on node01, the CIB read again without it, then the key removed from every node", async () => {
      const olds = await createdDevice();
      cibReads(CIB_CONFIGURED, cib());
      succeeds(/^set -e\npcs stonith delete kvmhost01$/, RM_KEY);
      await stonithDeviceProvider.delete("kvmhost01", olds);
      expect(steps().slice(0, 3)).toEqual(["node01 read-cib", "node01 batch", "node01 read-cib"]);
      expect(batches()).toEqual([["pcs stonith delete kvmhost01"]]);
      expect(steps().slice(3).sort()).toEqual(["node01 rm-key", "node02 rm-key"]);
      expect(callsOf("rm-key")[0]?.script).toBe("rm -f /etc/cluster/fence_virsh_key");
    });

    test("the CIB without the device: verified gone, no pcs command; the keys go", async () => {
      const olds = await createdDevice();
      cibReads(cib());
      succeeds(RM_KEY);
      await stonithDeviceProvider.delete("kvmhost01", olds);
      expect(batches()).toEqual([]);
      expect(
        steps()
          .filter((s) => s.endsWith("rm-key"))
          .sort(),
      ).toEqual(["node01 rm-key", "node02 rm-key"]);
    });

    test("pcs stonith delete failing fails the delete with pcs's words; the keys stay", async () => {
      const olds = await createdDevice();
      cibReads(CIB_CONFIGURED);
      on(/^set -e\npcs stonith delete /, {
        code: 1,
        stderr: "Error: Unable to delete resource 'kvmhost01'\n",
      });
      const err = await failureOf(stonithDeviceProvider.delete("kvmhost01", olds));
      expect(err.message).toMatch(/^StonithDevice "dev-fence-kvmhost01-stonith": delete failed: /);
      expect(err.message).toContain("Error: Unable to delete resource 'kvmhost01'");
      expect(callsOf("rm-key")).toEqual([]);
    });

    test("the device still in the CIB after pcs said it deleted it: the delete fails saying so", async () => {
      const olds = await createdDevice();
      cibReads(CIB_CONFIGURED, CIB_CONFIGURED);
      succeeds(/^set -e\npcs stonith delete /);
      const err = await failureOf(stonithDeviceProvider.delete("kvmhost01", olds));
      expect(err.message).toBe(
        'StonithDevice "dev-fence-kvmhost01-stonith": delete failed: pcs stonith delete kvmhost01 succeeded, but the CIB still holds kvmhost01. ' +
          "Fix: see pcs status on a node, then run pulumi destroy again",
      );
    });

    test("node01 down: the CIB is read and changed on node02", async () => {
      const olds = await createdDevice();
      lab.down = [N1];
      cibReads(CIB_CONFIGURED, cib());
      succeeds(/^set -e\npcs stonith delete /, RM_KEY);
      await stonithDeviceProvider.delete("kvmhost01", olds);
      expect(steps()).toEqual(["node02 read-cib", "node02 batch", "node02 read-cib", "node02 rm-key"]);
    });

    test("pacemaker answering on no member that was reached: the delete fails with the fix (the device would come back)", async () => {
      const olds = await createdDevice();
      cibReads("");
      const err = await failureOf(stonithDeviceProvider.delete("kvmhost01", olds));
      expect(err.message).toBe(
        'StonithDevice "dev-fence-kvmhost01-stonith": delete failed: STONITH kvmhost01: pacemaker answers on no member, so it cannot be removed from the CIB. ' +
          "Fix: start the cluster (pcs cluster start --all on a node), then run pulumi destroy again",
      );
      expect(steps()).toEqual(["node01 read-cib", "node02 read-cib"]);
    });

    test("no member reachable: nothing to do there, the delete succeeds", async () => {
      const olds = await createdDevice();
      lab.down = [N1, N2];
      await expect(stonithDeviceProvider.delete("kvmhost01", olds)).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });

    test("a key that cannot be removed fails the delete naming the node", async () => {
      const olds = await createdDevice();
      cibReads(cib());
      on(
        RM_KEY,
        { code: 1, stderr: "rm: cannot remove '/etc/cluster/fence_virsh_key': Read-only file system\n" },
        N2,
      );
      on(RM_KEY, {});
      const err = await failureOf(stonithDeviceProvider.delete("kvmhost01", olds));
      expect(err.message).toContain("ssh root@192.168.8.122:22: command failed with exit code 1");
      expect(err.message).toContain("Read-only file system");
    });

    test("cman: only the keys are removed", async () => {
      const olds = await createdDevice({ stack: "cman" });
      succeeds(RM_KEY);
      await stonithDeviceProvider.delete("kvmhost01", olds);
      expect(steps().sort()).toEqual(["node01 rm-key", "node02 rm-key"]);
    });
  });
});
