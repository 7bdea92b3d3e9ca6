/**
 * Parser of `iscsiadm -m session` (open-iscsi 2.1): one line per session,
 * `tcp: [SID] PORTAL,TPGT TARGET_IQN (non-flash)`. "iscsiadm: No active sessions." (exit 21) and
 * any other line are no session.
 */

/** One logged-in session of a node. */
export interface IscsiSession {
  /** Session id. */
  sid: number;
  /** `address:port` of the portal. */
  portal: string;
  /** Target portal group tag. */
  tpgt: number;
  /** Target IQN. */
  target: string;
}

const SESSION = /^(\w+): \[(\d+)\] (\S+?):(\d+),(\d+) (\S+)(?: \(([\w-]+)\))?$/;

/** The sessions of `iscsiadm -m session` output; `[]` for none. */
export function parseIscsiSessions(text: string): IscsiSession[] {
  return text
    .split("\n")
    .map((line) => SESSION.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ sid: Number(m[2]), portal: `${m[3]}:${m[4]}`, tpgt: Number(m[5]), target: m[6] }));
}
