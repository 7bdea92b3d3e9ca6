/**
 * The LvsPacemaker provider (seed 002's pacemaker resources on the directors ld1/ld2) against the
 * fake lab (test/support/fake-lab.ts), driven as the engine drives it: check → create,
 * read → diff → update, delete. The directors answer with the CIBs of test/fixtures/lb-pacemaker.ts.
 */
import { exactly, forget, inTurn, lab, on } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { groupRebuildRemoval } from "../../../providers/cluster/pacemaker/group-commands";
import { resourceSetCreateArgv } from "../../../providers/cluster/pacemaker/resource-set";
import { shellJoin } from "../../../providers/exec/ssh";
import { directorResourceSet } from "../../../providers/lb/director-pacemaker";
import { lvsPacemakerProvider } from "../../../providers/lb/lvs-pacemaker";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  named,
  NO_DIFF,
  refreshDiff,
} from "../../support/provider-driver";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { DIRECTOR_PACEMAKER, lbNodeAccess } from "../../fixtures/lb";
import {
  COLOCATION_XML,
  LB_CIB_CONFIGURED,
  LB_CIB_EMPTY,
  LB_CONSTRAINTS_XML,
  LB_VIP_XML,
  LDIRECTOR_XML,
  lbCib,
  lbGroupXml,
  ORDER_XML,
  PING_CLONE_XML,
  RULE_XML,
  VIPCHK_XML,
} from "../../fixtures/lb-pacemaker";
import { CIB_QUERY, edited, READ_CIB } from "../../fixtures/pacemaker";
import { failCountStatus } from "../../fixtures/pacemaker-xml";

const p = lvsPacemakerProvider;
const LD1 = lbNodeAccess(35);
const LD2 = lbNodeAccess(45);
const NAME = "ultramonkey-lb-pacemaker";
const raw = named({ nodes: [LD1, LD2], sshPrivateKey: PROGRAM_KEY, ...DIRECTOR_PACEMAKER }, NAME);
const SET = directorResourceSet(DIRECTOR_PACEMAKER);
const CREATE = resourceSetCreateArgv(SET).map((argv) => shellJoin(argv));
const DIRECTOR: Record<string, string> = { [LD1.address]: "ld1", [LD2.address]: "ld2" };

/** The removal before the group is built again (one script). */
const REBUILD_REMOVAL = `set -e\n${groupRebuildRemoval("GrpBalancer")}`;

/** `<director> <what>` of every script that ran. */
function steps(): string[] {
  return lab.calls.map((c) => {
    const what = CIB_QUERY.test(c.script)
      ? "cib"
      : READ_CIB.test(c.script)
        ? "read-cib"
        : c.script === REBUILD_REMOVAL
          ? "rebuild-removal"
          : c.script.startsWith("set -e\n")
            ? "batch"
            : c.script.split("\n")[0];
    return `${DIRECTOR[c.where] ?? c.where} ${what}`;
  });
}

/** The command lines of every batch. */
const batches = (): string[][] =>
  lab.calls
    .filter((c) => c.script.startsWith("set -e\n") && c.script !== REBUILD_REMOVAL)
    .map((c) => c.script.split("\n").slice(1));

describe("LvsPacemaker: check and create", () => {
  test("check: the desired state defaults to converged; a bad VIP, prefix or ping target is named", async () => {
    expect(await checked(p, raw)).toMatchObject({
      groupAsConfigured: true,
      clonesAsConfigured: true,
      constraintsAsConfigured: true,
      enabled: true,
      verified: true,
    });
    expect(
      await failedProperties(p, { ...raw, vip: "192.168.5", cidrNetmask: 40, pingTargets: ["a b"] }),
    ).toEqual(["cidrNetmask", "pingTargets[0]", "vip"]);
    expect(await failedProperties(p, { ...raw, nodes: [], pingTargets: [] })).toEqual([
      "nodes",
      "pingTargets",
    ]);
  });

  test("a cluster without the set: the CIB read on ld1, then the whole create as one batch", async () => {
    on(CIB_QUERY, { stdout: LB_CIB_EMPTY });
    on(/^set -e\npcs /, {});
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe("GrpBalancer");
    expect(outs).toMatchObject({ groupId: "GrpBalancer", drift: [] });
    expect(steps()).toEqual(["ld1 cib", "ld1 batch"]);
    expect(lab.connects).toEqual([LD1.address]);
    expect(batches()).toEqual([CREATE]);
    for (const call of lab.calls) expect(call.script).not.toContain(PROGRAM_KEY);
  });

  test("a pcs failure fails the create, naming the director", async () => {
    on(CIB_QUERY, { stdout: LB_CIB_EMPTY });
    on(/^set -e\npcs /, {
      code: 1,
      stderr: "Error: Agent 'ocf:kvmlab:VIPcheck' is not installed or does not provide valid metadata\n",
    });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(
      /^LvsPacemaker "ultramonkey-lb-pacemaker": create failed: ssh root@192\.168\.15\.35:22: command failed with exit code 1: set -e\npcs resource create PINGD [\s\S]*stderr: Error: Agent 'ocf:kvmlab:VIPcheck' is not installed/,
    );
  });
});

describe("LvsPacemaker: read, diff, update, delete", () => {
  async function created(): Promise<Props> {
    on(CIB_QUERY, { stdout: LB_CIB_CONFIGURED });
    const { outs } = await p.create(await checked(p, raw));
    forget();
    return outs;
  }

  test("converged: no diff, no drift; an update with nothing to do only reads the CIB", async () => {
    const olds = await created();
    on(READ_CIB, { stdout: `== cib\n${LB_CIB_CONFIGURED}` });
    const { props, diff } = await refreshDiff(p, "GrpBalancer", olds, await checked(p, raw));
    expect(diff).toEqual(NO_DIFF);
    expect(props.drift).toEqual([]);
    expect(steps()).toEqual(["ld1 read-cib"]);
    forget();
    on(CIB_QUERY, { stdout: LB_CIB_CONFIGURED });
    await p.update("GrpBalancer", props, await checked(p, raw));
    expect(steps()).toEqual(["ld1 cib"]);
  });

  test("ld1 down or without a CIB: read takes ld2's; no director answers: not verified", async () => {
    const olds = await created();
    lab.down = [LD1.address];
    on(READ_CIB, {
      stdout: `== cib\n${lbCib({ resources: PING_CLONE_XML + lbGroupXml(), constraints: RULE_XML })}`,
    });
    const read = await p.read("GrpBalancer", olds);
    expect(steps()).toEqual(["ld2 read-cib"]);
    expect(read.props).toMatchObject({
      constraintsAsConfigured: false,
      groupAsConfigured: true,
      verified: true,
    });
    forget();
    lab.down = [LD1.address, LD2.address];
    expect(await p.read("GrpBalancer", olds)).toEqual({
      id: "GrpBalancer",
      props: { ...olds, verified: false },
    });
  });

  test("no CIB answered (the cluster destroyed) → verified false, an update; the update, after the cluster's, creates the set in the live CIB", async () => {
    const olds = await created();
    // The refresh ran while the cluster was destroyed: no director answers with a CIB.
    on(READ_CIB, { stdout: "== cib\n" });
    const news = await checked(p, raw);
    const { props, diff } = await refreshDiff(p, "GrpBalancer", olds, news);
    expect(props).toMatchObject({ verified: false, groupAsConfigured: true });
    expect(diff).toEqual(IN_PLACE);
    // The cluster's update set it up again with an empty CIB: the set's update creates it there.
    forget();
    on(CIB_QUERY, { stdout: LB_CIB_EMPTY });
    on(/^set -e\npcs /, {});
    const { outs } = await p.update("GrpBalancer", props, news);
    expect(steps()).toEqual(["ld1 cib", "ld1 batch"]);
    expect(batches()).toEqual([CREATE]);
    // Verified again: the next refresh that sees the set as configured shows no change.
    expect(outs.verified).toBe(true);
    forget();
    on(READ_CIB, { stdout: `== cib\n${LB_CIB_CONFIGURED}` });
    expect((await refreshDiff(p, "GrpBalancer", outs, news)).diff).toEqual(NO_DIFF);
  });

  test("nothing of the set in the CIB: the resource is gone", async () => {
    const olds = await created();
    on(READ_CIB, { stdout: `== cib\n${LB_CIB_EMPTY}` });
    expect(await p.read("GrpBalancer", olds)).toEqual({ id: "", props: {} });
  });

  test("a member disabled and the ping rule changed: shown as drift, repaired by enable and the constraints re-added", async () => {
    const olds = await created();
    const stoppedVip = edited(
      LB_VIP_XML,
      '<meta_attributes id="LB_VIP-meta_attributes"/>',
      '<meta_attributes id="LB_VIP-meta_attributes"><nvpair id="LB_VIP-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes>',
    );
    const drifted = lbCib({
      resources: PING_CLONE_XML + lbGroupXml([VIPCHK_XML, stoppedVip, LDIRECTOR_XML]),
      constraints: edited(RULE_XML, 'value="1"', 'value="100"') + COLOCATION_XML + ORDER_XML,
    });
    on(READ_CIB, { stdout: `== cib\n${drifted}` });
    const { props, diff } = await refreshDiff(p, "GrpBalancer", olds, await checked(p, raw));
    expect(diff).toEqual(IN_PLACE);
    expect(props).toMatchObject({ enabled: false, constraintsAsConfigured: false, groupAsConfigured: true });
    expect(props.drift).toEqual([
      "location-GrpBalancer-pingd: GrpBalancer score=-INFINITY pingd_score lt integer 100 or not_defined pingd_score → " +
        "GrpBalancer score=-INFINITY pingd_score lt integer 1 or not_defined pingd_score",
      "LB_VIP.meta.target-role: Stopped → (none)",
    ]);
    forget();
    on(CIB_QUERY, { stdout: drifted });
    on(/^set -e\npcs /, {});
    await p.update("GrpBalancer", props, await checked(p, raw));
    expect(steps()).toEqual(["ld1 cib", "ld1 batch"]);
    expect(batches()).toEqual([
      [
        "pcs constraint remove location-GrpBalancer-pingd GrpBalancer-with-PINGD order-PINGD-then-GrpBalancer",
        ...CREATE.filter((l) => l.startsWith("pcs constraint ")),
        "pcs resource enable LB_VIP",
      ],
    ]);
  });

  test("ldirectord banned from ld2 by a failed start: shown as drift, repaired by a cleanup there only", async () => {
    const olds = await created();
    // What a start that timed out during the converge leaves (found live): the group can no
    // longer fail over with ldirectord. A monitor failure counted once bans nothing.
    const banned = lbCib({
      resources: PING_CLONE_XML + lbGroupXml(),
      constraints: LB_CONSTRAINTS_XML,
      status: failCountStatus([
        { id: 2, node: "ld2h", resource: "LDIRECTOR1", operation: "start_0", value: "INFINITY" },
        { id: 1, node: "ld1h", resource: "LB_VIP", operation: "monitor_10000", value: "1" },
      ]),
    });
    on(READ_CIB, { stdout: `== cib\n${banned}` });
    const { props, diff } = await refreshDiff(p, "GrpBalancer", olds, await checked(p, raw));
    expect(diff).toEqual(IN_PLACE);
    expect(props).toMatchObject({ failuresCleared: false, groupAsConfigured: true, enabled: true });
    expect(props.drift).toEqual(["LDIRECTOR1 on ld2h: banned by a failure (its start failed) → cleaned up"]);
    forget();
    on(CIB_QUERY, { stdout: banned });
    on(/^set -e\npcs /, {});
    await p.update("GrpBalancer", props, await checked(p, raw));
    expect(batches()).toEqual([["pcs resource cleanup LDIRECTOR1 node=ld2h"]]);
  });

  test("a member deleted: the group stopped and deleted, the CIB read again, the group built again", async () => {
    const olds = await created();
    const missing = lbCib({
      resources: PING_CLONE_XML + lbGroupXml([VIPCHK_XML, LDIRECTOR_XML]),
      constraints: LB_CONSTRAINTS_XML,
    });
    on(READ_CIB, { stdout: `== cib\n${missing}` });
    const { props } = await refreshDiff(p, "GrpBalancer", olds, await checked(p, raw));
    expect(props).toMatchObject({ groupAsConfigured: false });
    forget();
    on(CIB_QUERY, inTurn({ stdout: missing }, { stdout: lbCib({ resources: PING_CLONE_XML }) }));
    on(exactly(REBUILD_REMOVAL), {});
    on(/^set -e\npcs /, {});
    await p.update("GrpBalancer", props, await checked(p, raw));
    expect(steps()).toEqual(["ld1 cib", "ld1 rebuild-removal", "ld1 cib", "ld1 batch"]);
    expect(batches()).toEqual([CREATE.slice(1)]);
  });

  test("a changed VIP is an update in place of LB_VIP and VIPCHK1", async () => {
    const olds = await created();
    const news = await checked(p, { ...raw, vip: "192.168.5.56" });
    expect(await p.diff("GrpBalancer", olds, news)).toEqual(IN_PLACE);
    on(CIB_QUERY, { stdout: LB_CIB_CONFIGURED });
    on(/^set -e\npcs /, {});
    await p.update("GrpBalancer", olds, news);
    expect(batches()).toEqual([
      [
        "pcs resource update VIPCHK1 target_ip=192.168.5.56",
        "pcs resource update LB_VIP ip=192.168.5.56 cidr_netmask=24 op monitor interval=10s timeout=60s",
      ],
    ]);
  });

  describe("delete", () => {
    const DELETE = /^set -e\npcs resource delete /;
    /** The CIB as the director's pacemaker answers it: each read in turn (empty: pacemaker stopped). */
    const cibReads = (...cibs: string[]) =>
      on(READ_CIB, inTurn(...cibs.map((c) => ({ stdout: c === "" ? "== cib\n" : `== cib\n${c}` }))));

    test("the group, then the clone, deleted on ld1 and the CIB read again without them; on ld2 when ld1 is down", async () => {
      const olds = await created();
      cibReads(LB_CIB_CONFIGURED, LB_CIB_EMPTY);
      on(DELETE, {});
      await p.delete("GrpBalancer", olds);
      expect(steps()).toEqual(["ld1 read-cib", "ld1 batch", "ld1 read-cib"]);
      expect(batches()).toEqual([
        ["pcs resource delete GrpBalancer --force", "pcs resource delete PINGD-clone --force"],
      ]);
      forget();
      lab.down = [LD1.address];
      cibReads(LB_CIB_CONFIGURED, LB_CIB_EMPTY);
      on(DELETE, {});
      await p.delete("GrpBalancer", olds);
      expect(steps()).toEqual(["ld2 read-cib", "ld2 batch", "ld2 read-cib"]);
    });

    test("only what the CIB holds is deleted; a CIB holding neither is nothing to delete", async () => {
      const olds = await created();
      cibReads(lbCib({ resources: PING_CLONE_XML }), LB_CIB_EMPTY);
      on(DELETE, {});
      await p.delete("GrpBalancer", olds);
      expect(batches()).toEqual([["pcs resource delete PINGD-clone --force"]]);
      forget();
      cibReads(LB_CIB_EMPTY);
      await p.delete("GrpBalancer", olds);
      expect(steps()).toEqual(["ld1 read-cib"]);
    });

    test("pcs failing, or the group still in the CIB after it, fails the delete with the words and the fix", async () => {
      const olds = await created();
      cibReads(LB_CIB_CONFIGURED);
      on(DELETE, { code: 1, stderr: "Error: Unable to delete resource 'GrpBalancer'\n" });
      let err = await failureOf(p.delete("GrpBalancer", olds));
      expect(err.message).toContain("Error: Unable to delete resource 'GrpBalancer'");
      forget();
      cibReads(LB_CIB_CONFIGURED, LB_CIB_CONFIGURED);
      on(DELETE, {});
      err = await failureOf(p.delete("GrpBalancer", olds));
      expect(err.message).toBe(
        'LvsPacemaker "ultramonkey-lb-pacemaker": delete failed: pcs resource delete GrpBalancer --force succeeded, ' +
          "but the CIB still holds GrpBalancer, PINGD-clone. Fix: see pcs status on a node, then run pulumi destroy again",
      );
    });

    test("pacemaker answering on no director reached fails the delete (the resources would come back); none reachable is nothing to remove", async () => {
      const olds = await created();
      cibReads("");
      const err = await failureOf(p.delete("GrpBalancer", olds));
      expect(err.message).toBe(
        'LvsPacemaker "ultramonkey-lb-pacemaker": delete failed: lb: pacemaker resources of GrpBalancer: pacemaker answers on no member, ' +
          "so it cannot be removed from the CIB. Fix: start the cluster (pcs cluster start --all on a node), then run pulumi destroy again",
      );
      expect(steps()).toEqual(["ld1 read-cib", "ld2 read-cib"]);
      forget();
      lab.down = [LD1.address, LD2.address];
      await expect(p.delete("GrpBalancer", olds)).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });
  });

  test("ld1 down at an update: converged on ld2; both down: the update fails naming the last one", async () => {
    const olds = await created();
    lab.down = [LD1.address];
    on(CIB_QUERY, { stdout: LB_CIB_EMPTY });
    on(/^set -e\npcs /, {});
    await p.update("GrpBalancer", olds, await checked(p, raw));
    expect(lab.connects).toEqual([LD1.address, LD2.address]);
    expect(steps()).toEqual(["ld2 cib", "ld2 batch"]);
    forget();
    lab.down = [LD1.address, LD2.address];
    const err = await failureOf(p.update("GrpBalancer", olds, await checked(p, raw)));
    expect(err.message).toMatch(
      /^LvsPacemaker "ultramonkey-lb-pacemaker": update failed: 192\.168\.15\.45 is unreachable/,
    );
  });
});
