/** The plan of tgtadm commands that brings tgtd's live target to the desired one (tgt-plan.ts). */
import {
  isInitiatorName,
  planTgt,
  tgtadm,
  type DesiredTgtTarget,
} from "../../../../providers/storage/iscsi/tgt-plan";
import type { TgtTarget } from "../../../../providers/storage/iscsi/tgt-show";
import {
  ADDRS,
  CP,
  L1,
  L2,
  LIVE_LUNS,
  NAME1,
  NAME2,
  NAMES,
  otherTarget,
  TARGET_IQN,
  TGT_DIR,
} from "../../../fixtures/iscsi";

describe("planTgt", () => {
  const desired: DesiredTgtTarget = {
    iqn: TARGET_IQN,
    // Out of order on purpose: LUNs are created in number order.
    luns: [
      { lun: 2, path: L2, sizeMiB: 1024 },
      { lun: 1, path: L1, sizeMiB: 100 },
    ],
    initiatorAddresses: ADDRS,
    initiatorNames: NAMES,
  };
  const full: TgtTarget = {
    tid: 3,
    iqn: TARGET_IQN,
    luns: LIVE_LUNS,
    acl: [...ADDRS, ...NAMES],
    sessions: [],
  };
  const other = (tid: number): TgtTarget => ({ ...otherTarget(tid), sessions: [] });
  const cmd = (...args: (string | number)[]) => tgtadm(CP, ...args).join(" ");
  const plan = (live: TgtTarget[]) => {
    const p = planTgt(desired, live, CP);
    return { tid: p.tid, commands: p.commands.map((c) => c.join(" ")) };
  };

  test("tgtadm sets the control port and the iscsi driver, in argv form", () => {
    expect(tgtadm(CP, "--mode", "sys", "--op", "show")).toEqual([
      "tgtadm",
      "-C",
      "4711",
      "--lld",
      "iscsi",
      "--mode",
      "sys",
      "--op",
      "show",
    ]);
  });

  test("no live target: a new target with tid 1, the LUNs in number order, addresses and names bound", () => {
    expect(plan([])).toEqual({
      tid: 1,
      commands: [
        cmd("--mode", "target", "--op", "new", "--tid", 1, "--targetname", TARGET_IQN),
        cmd("--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 1, "--backing-store", L1),
        cmd("--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 2, "--backing-store", L2),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-address", ADDRS[0]),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-address", ADDRS[1]),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-name", NAME1),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-name", NAME2),
      ],
    });
  });

  test("other targets' tids are not reused: the new target gets the highest tid + 1", () => {
    const p = plan([other(1), other(4)]);
    expect(p.tid).toBe(5);
    expect(p.commands[0]).toBe(
      cmd("--mode", "target", "--op", "new", "--tid", 5, "--targetname", TARGET_IQN),
    );
    expect(p.commands.every((c) => c.includes("--tid 5 "))).toBe(true);
  });

  test("a live target equal to the desired one: its tid, no commands", () => {
    expect(plan([other(1), full, other(7)])).toEqual({ tid: 3, commands: [] });
  });

  test("a missing LUN: only that LUN is created", () => {
    expect(plan([{ ...full, luns: [LIVE_LUNS[0]] }])).toEqual({
      tid: 3,
      commands: [cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 2, "--backing-store", L2)],
    });
  });

  test("a LUN of another size (its file was grown) or on another file is deleted and created again", () => {
    const live: TgtTarget = {
      ...full,
      luns: [
        { lun: 1, sizeMiB: 100, path: `${TGT_DIR}/old.img` },
        { lun: 2, sizeMiB: 512, path: L2 },
      ],
    };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 1),
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 2),
      cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 1, "--backing-store", L1),
      cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 2, "--backing-store", L2),
    ]);
  });

  test("a LUN that is not desired is deleted", () => {
    const live = { ...full, luns: [...LIVE_LUNS, { lun: 3, sizeMiB: 10, path: `${TGT_DIR}/x.img` }] };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 3),
    ]);
  });

  test("ALL and strangers in the ACL are unbound (address or name flag as fits), missing entries bound", () => {
    const stranger = "iqn.1993-08.org.debian:01:stranger";
    const live = { ...full, acl: ["ALL", ADDRS[0], NAME1, stranger, "10.0.0.9"] };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-address", "ALL"),
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-name", stranger),
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-address", "10.0.0.9"),
      cmd("--mode", "target", "--op", "bind", "--tid", 3, "--initiator-address", ADDRS[1]),
      cmd("--mode", "target", "--op", "bind", "--tid", 3, "--initiator-name", NAME2),
    ]);
  });

  test("isInitiatorName tells IQN/EUI/NAA names from addresses", () => {
    expect(
      [NAME1, "eui.02004567A425678D", "naa.52004567BA64678D", "IQN.2011-08.x:y"].map(isInitiatorName),
    ).toEqual([true, true, true, true]);
    expect(["192.168.8.121", "ALL", "192.168.8.0/24", "iqnx.2011"].map(isInitiatorName)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
