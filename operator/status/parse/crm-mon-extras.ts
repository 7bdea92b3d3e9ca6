/**
 * What the status needs from `crm_mon -1 --output-as=xml` (pacemaker 2.1) beyond the providers'
 * parser (providers/cluster/pacemaker/cib.ts `parseCrmMonXml`: nodes, resource instances, quorum,
 * DC): the failed actions (`<failures><failure op_key node exitstatus exitreason exitcode call
 * status last-rc-change interval task/>`), each resource's agent and `failed` flag, and the cluster
 * options of the summary (`stonith-enabled`).
 */
import { attr, elements, type XmlElement } from "../../../providers/libvirt/virsh";
import { child, parseStringXml } from "../../../providers/core/xml-strings";

/** A failed action as crm_mon lists it. */
export interface FailedAction {
  /** `<resource>_<task>_<interval>`. */
  opKey: string;
  /** The resource (op_key without task and interval). */
  resource: string;
  task: string;
  node: string;
  /** `not running`, `error`, `not installed`, … */
  exitStatus: string;
  /** The agent's reason, when it gave one. */
  exitReason: string;
  /** `complete`, `Timed Out`, … */
  status: string;
  /** When it happened, as crm_mon prints it. */
  when: string;
}

/** A resource instance with its agent, as the status shows fence devices. */
export interface ResourceAgent {
  id: string;
  /** `stonith:fence_virsh`, `ocf:heartbeat:IPaddr2`, … */
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  /** Where it runs, when it does. */
  node?: string;
}

/** The extras of a crm_mon document. */
export interface CrmMonExtras {
  failures: FailedAction[];
  resources: ResourceAgent[];
  /** `stonith-enabled` of the summary's cluster options (`"true"`/`"false"`), when shown. */
  stonithEnabled?: string;
}

/** Every `<resource>` under `node`, at any depth (groups, clones, bundles). */
function allResources(node: XmlElement | undefined): XmlElement[] {
  if (node === undefined) return [];
  const own = elements(node, "resource");
  const nested = ["group", "clone", "bundle", "replica"].flatMap((tag) =>
    elements(node, tag).flatMap(allResources),
  );
  return [...own, ...nested];
}

/** The resource of an op key `rsc_task_interval` (resource ids may hold `_`). */
function resourceOfOpKey(opKey: string, task: string): string {
  const m = new RegExp(`^(.*)_${task.replace(/[^\w-]/g, "")}_\\d+$`).exec(opKey);
  return m?.[1] ?? opKey;
}

/** Parses the extras; throws when the text is not crm_mon's XML. */
export function parseCrmMonExtras(xml: string): CrmMonExtras {
  let doc: XmlElement;
  try {
    doc = parseStringXml(xml);
  } catch (err) {
    throw new Error(`crm_mon printed malformed XML (${err instanceof Error ? err.message : String(err)})`);
  }
  const root = child(doc, "pacemaker-result") ?? child(doc, "crm_mon");
  if (root === undefined) throw new Error("crm_mon: the XML is neither <pacemaker-result> nor <crm_mon>");
  const options = child(child(root, "summary"), "cluster_options");
  const stonithEnabled = attr(options, "stonith-enabled");
  return {
    failures: elements(child(root, "failures"), "failure").map((f) => {
      const task = attr(f, "task");
      const opKey = attr(f, "op_key");
      return {
        opKey,
        resource: resourceOfOpKey(opKey, task),
        task,
        node: attr(f, "node"),
        exitStatus: attr(f, "exitstatus"),
        exitReason: attr(f, "exitreason"),
        status: attr(f, "status"),
        when: attr(f, "last-rc-change"),
      };
    }),
    resources: allResources(child(root, "resources")).map((r) => {
      const on = attr(child(r, "node"), "name");
      return {
        id: attr(r, "id"),
        agent: attr(r, "resource_agent"),
        role: attr(r, "role"),
        active: attr(r, "active") === "true",
        failed: attr(r, "failed") === "true",
        ...(on !== "" ? { node: on } : {}),
      };
    }),
    ...(stonithEnabled !== "" ? { stonithEnabled } : {}),
  };
}
