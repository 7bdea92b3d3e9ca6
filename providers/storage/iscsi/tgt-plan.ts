/**
 * What tgtd must be told to make a live target match the desired one: a pure function from the
 * desired target and `tgtadm … --op show` (parsed) to the `tgtadm` commands, in order.
 *
 * - a missing target is created with the next free tid;
 * - a LUN that is missing, backed by another file, or of another size (its file was grown) is
 *   (re)created; a LUN that is not desired is removed;
 * - the ACL is exactly the desired initiator addresses and names (`ALL` or strangers are unbound).
 */
import type { TgtTarget } from "./tgt-show";

/** The target as it should be. */
export interface DesiredTgtTarget {
  iqn: string;
  luns: { lun: number; path: string; sizeMiB: number }[];
  /** Initiator addresses and initiator names allowed in. */
  initiatorAddresses: string[];
  initiatorNames: string[];
}

/** The result of {@link planTgt}: the tid the target has (or gets) and the commands, argv form. */
export interface TgtPlan {
  tid: number;
  commands: string[][];
}

/** `tgtadm` with the control port and driver set. */
export function tgtadm(controlPort: number, ...args: (string | number)[]): string[] {
  return ["tgtadm", "-C", String(controlPort), "--lld", "iscsi", ...args.map(String)];
}

/** True for an ACL entry that is an initiator name rather than an address. */
export function isInitiatorName(entry: string): boolean {
  return /^(iqn|eui|naa)\./i.test(entry);
}

/** Plans the commands that turn `live` (all targets tgtd has) into `desired`. */
export function planTgt(desired: DesiredTgtTarget, live: TgtTarget[], controlPort: number): TgtPlan {
  const current = live.find((t) => t.iqn === desired.iqn);
  const tid = current?.tid ?? Math.max(0, ...live.map((t) => t.tid)) + 1;
  const cmd = (...args: (string | number)[]) => tgtadm(controlPort, ...args);
  const commands: string[][] = [];
  if (current === undefined) {
    commands.push(cmd("--mode", "target", "--op", "new", "--tid", tid, "--targetname", desired.iqn));
  }
  const liveLuns = current?.luns ?? [];
  for (const l of liveLuns) {
    const want = desired.luns.find((d) => d.lun === l.lun);
    if (want === undefined || want.path !== l.path || want.sizeMiB !== l.sizeMiB) {
      commands.push(cmd("--mode", "logicalunit", "--op", "delete", "--tid", tid, "--lun", l.lun));
    }
  }
  for (const d of [...desired.luns].sort((a, b) => a.lun - b.lun)) {
    const have = liveLuns.find((l) => l.lun === d.lun);
    if (have === undefined || have.path !== d.path || have.sizeMiB !== d.sizeMiB) {
      commands.push(
        cmd("--mode", "logicalunit", "--op", "new", "--tid", tid, "--lun", d.lun, "--backing-store", d.path),
      );
    }
  }
  const acl = current?.acl ?? [];
  const wanted = [...desired.initiatorAddresses, ...desired.initiatorNames];
  const aclFlag = (entry: string) => (isInitiatorName(entry) ? "--initiator-name" : "--initiator-address");
  for (const entry of acl) {
    if (!wanted.includes(entry)) {
      commands.push(cmd("--mode", "target", "--op", "unbind", "--tid", tid, aclFlag(entry), entry));
    }
  }
  for (const entry of wanted) {
    if (!acl.includes(entry)) {
      commands.push(cmd("--mode", "target", "--op", "bind", "--tid", tid, aclFlag(entry), entry));
    }
  }
  return { tid, commands };
}
