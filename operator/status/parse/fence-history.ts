/**
 * Parser of `stonith_admin --history '*' --output-as=xml` (pacemaker 2.1, lib/fencing/st_output.c):
 * `<fence_history>` with one `<fence_event action target client origin status [exit-reason]
 * [delegate] [completed]/>` per operation, `status` being `success`, `failed` or `pending`, newest
 * first; no list at all when there is no event, `<fence_history status="N"/>` when the history
 * could not be read.
 */
import { attr, elements } from "../../../providers/libvirt/virsh";
import { child, parseStringXml } from "../../../providers/core/xml-strings";

/** One fencing operation. */
export interface FenceEvent {
  /** `reboot`, `off`, `on`. */
  action: string;
  /** The node fenced (its cluster name). */
  target: string;
  /** `success`, `failed` or `pending`. */
  status: string;
  /** The node that asked for it. */
  origin: string;
  /** The node that carried it out, when known. */
  delegate?: string;
  /** When it completed, as pacemaker prints it. */
  completed?: string;
  /** Why it failed, when it did. */
  exitReason?: string;
}

/** The events, newest first as stonith_admin lists them; throws when the text is not its XML. */
export function parseFenceHistory(xml: string): FenceEvent[] {
  let doc;
  try {
    doc = parseStringXml(xml);
  } catch (err) {
    throw new Error(
      `stonith_admin printed malformed XML (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const root = child(doc, "pacemaker-result");
  if (root === undefined) throw new Error("stonith_admin: no <pacemaker-result>");
  const history = child(root, "fence_history");
  const status = child(root, "status");
  // An empty history prints no list at all; a history that could not be read, `status="N"` on it.
  if (history === undefined) {
    if (attr(status, "code") === "0") return [];
    throw new Error(`stonith_admin: no fence history (${attr(status, "message") || "no message"})`);
  }
  if (attr(history, "status") !== "" && attr(history, "status") !== "0") {
    throw new Error(`stonith_admin: the fence history could not be read (status ${attr(history, "status")})`);
  }
  return elements(history, "fence_event").map((e) => {
    const optional = (name: string, key: keyof FenceEvent) =>
      attr(e, name) !== "" ? { [key]: attr(e, name) } : {};
    return {
      action: attr(e, "action"),
      target: attr(e, "target"),
      status: attr(e, "status"),
      origin: attr(e, "origin"),
      ...optional("delegate", "delegate"),
      ...optional("completed", "completed"),
      ...optional("exit-reason", "exitReason"),
    };
  });
}
