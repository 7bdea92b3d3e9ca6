/**
 * Parser of `gluster --xml volume heal VOL info summary` (glusterfs 10, glfs-heal.c): per brick
 * `<brick hostUuid><name>host:/path</name><status>Connected</status><totalNumberOfEntries>
 * <numberOfEntriesInHealPending><numberOfEntriesInSplitBrain><numberOfEntriesPossiblyHealing>`;
 * a brick that cannot be reached has its error as status and `-` for every count.
 */
import { glusterXmlError } from "../../../providers/storage/gluster/gluster-xml";
import { attr, elements } from "../../../providers/libvirt/virsh";
import { child, parseStringXml } from "../../../providers/core/xml-strings";

/** The heal backlog of one brick. */
export interface BrickHeal {
  /** `host:/path`. */
  brick: string;
  /** `Connected`, or why the brick could not be asked. */
  status: string;
  /** Entries to heal; undefined when the brick did not answer. */
  total?: number;
  splitBrain?: number;
}

function count(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The bricks' heal backlog; throws with the CLI's error when it reports one. */
export function parseHealSummary(xml: string): BrickHeal[] {
  const error = glusterXmlError(xml);
  if (error !== undefined) throw new Error(`gluster volume heal info summary: ${error}`);
  const root = child(parseStringXml(xml), "cliOutput");
  return elements(child(child(root, "healInfo"), "bricks"), "brick").map((b) => {
    const total = count(attr(b, "totalNumberOfEntries"));
    const splitBrain = count(attr(b, "numberOfEntriesInSplitBrain"));
    return {
      brick: attr(b, "name"),
      status: attr(b, "status"),
      ...(total !== undefined ? { total } : {}),
      ...(splitBrain !== undefined ? { splitBrain } : {}),
    };
  });
}
