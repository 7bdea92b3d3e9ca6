/**
 * Parser of `tgtadm --lld iscsi --mode target --op show` (tgt 1.0.x, usr/target.c
 * `tgt_target_show_all`): per target its LUNs (without LUN 0, tgt's controller), its ACL and the
 * logged-in initiators (I_T nexus). Pure; unknown lines are ignored.
 *
 * Sizes: tgt prints `Size: N MB` from `print_disksize`, which is not `bytes >> 20` but an integer
 * approximation of decimal megabytes, `((s - (s/625 - 974)) / 1950)` with `s = bytes / 512`
 * (a 10 GiB LUN shows as 10737 MB). {@link tgtSizeMB} reproduces it; {@link parseTgtShow} converts
 * back to MiB by rounding `N × 10⁶ / 2²⁰`, which gives the exact size of every backing file that
 * is a whole number of MiB (checked up to 4 TiB).
 */

/** A LUN of a target (LUN 0, the controller, is not listed). */
export interface TgtLun {
  lun: number;
  sizeMiB: number;
  /** Backing store path (`""` when tgt shows `None`). */
  path: string;
}

/** A logged-in initiator (one I_T nexus). */
export interface TgtSession {
  /** Initiator IQN (without tgt's ` alias: …` suffix). */
  initiator: string;
  /** Address of its first connection. */
  address?: string;
}

/** One target of `tgtadm --op show`. */
export interface TgtTarget {
  tid: number;
  iqn: string;
  luns: TgtLun[];
  /** ACL entries: initiator addresses and initiator names, as tgt lists them. */
  acl: string[];
  sessions: TgtSession[];
}

/** What tgt prints as `Size: N MB` for a LUN of `bytes` bytes (tgt's `print_disksize`). */
export function tgtSizeMB(bytes: number): number {
  const sectors = Math.floor(bytes / 512);
  // tgt computes in uint64 and the inner term underflows below 608750 sectors; the wrap-around
  // cancels out in the subtraction, so plain signed arithmetic gives the same result.
  return Math.floor((sectors - (Math.floor(sectors / 625) - 974)) / 1950);
}

/** MiB from tgt's `N MB` (the inverse of {@link tgtSizeMB} for whole-MiB sizes). */
function mibFromTgtMB(mb: number): number {
  return Math.round((mb * 1_000_000) / 1_048_576);
}

type Section = "" | "system" | "nexus" | "lun" | "account" | "acl";

const SECTIONS: [string, Section][] = [
  ["System information:", "system"],
  ["I_T nexus information:", "nexus"],
  ["LUN information:", "lun"],
  ["Account information:", "account"],
  ["ACL information:", "acl"],
];

/** Parses the output of `tgtadm --lld iscsi --mode target --op show`; `[]` for no targets. */
export function parseTgtShow(text: string): TgtTarget[] {
  const targets: TgtTarget[] = [];
  let target: TgtTarget | undefined;
  let section: Section = "";
  let lun: (TgtLun & { type: string }) | undefined;
  let session: TgtSession | undefined;

  const endLun = () => {
    if (target && lun && lun.type !== "controller") {
      target.luns.push({ lun: lun.lun, sizeMiB: lun.sizeMiB, path: lun.path });
    }
    lun = undefined;
  };

  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const head = /^Target (\d+): (\S+)\s*$/.exec(line);
    if (head) {
      endLun();
      target = { tid: Number(head[1]), iqn: head[2], luns: [], acl: [], sessions: [] };
      targets.push(target);
      section = "";
      session = undefined;
      continue;
    }
    const s = line.trim();
    if (!target || s === "") continue;
    const header = /^ {4}\S/.test(line) ? SECTIONS.find(([title]) => title === s) : undefined;
    if (header) {
      endLun();
      section = header[1];
      continue;
    }
    let m: RegExpExecArray | null;
    switch (section) {
      case "nexus":
        if ((m = /^I_T nexus: (\d+)$/.exec(s))) {
          session = { initiator: "" };
          target.sessions.push(session);
        } else if (session && (m = /^Initiator: (\S+)/.exec(s))) {
          session.initiator = m[1];
        } else if (
          session &&
          session.address === undefined &&
          (m = /^(?:RDMA )?IP Address: (\S+)$/.exec(s))
        ) {
          session.address = m[1];
        }
        break;
      case "lun":
        if ((m = /^LUN: (\d+)$/.exec(s))) {
          endLun();
          lun = { lun: Number(m[1]), sizeMiB: 0, path: "", type: "" };
        } else if (lun && (m = /^Type: (.*)$/.exec(s))) {
          lun.type = m[1].trim();
        } else if (lun && (m = /^Size: (\d+) MB,/.exec(s))) {
          lun.sizeMiB = mibFromTgtMB(Number(m[1]));
        } else if (lun && (m = /^Backing store path: (.*)$/.exec(s))) {
          const path = m[1].trim();
          lun.path = path === "None" ? "" : path;
        }
        break;
      case "acl":
        target.acl.push(s);
        break;
      default:
        break;
    }
  }
  endLun();
  return targets;
}
