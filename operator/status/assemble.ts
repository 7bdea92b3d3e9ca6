/**
 * From the probes' answers to the facts (operator/status/facts.ts): pure functions over the
 * sections each probe printed (operator/status/probes.ts), using the parsers of the providers where
 * they exist (tgtadm, gluster --xml, crm_mon) and those of parse/ for the rest. A probe that did not
 * answer, or a section that does not parse, becomes an `error` of its part, never an exception.
 */
import { parseCrmMonXml } from "../../providers/cluster/pacemaker/cib";
import { parseVolumeInfoXml, parseVolumeStatusXml } from "../../providers/storage/gluster/gluster-xml";
import { parseTgtShow } from "../../providers/storage/iscsi/tgt-show";
import { clusterMembers, clusterNodeName } from "../../spec/queries";
import type { LabSpec, NodeSpec } from "../../spec/types";
import type { ClusterFacts, GlusterFacts, IscsiFacts, NodeFacts } from "./facts";
import { parseCrmMonExtras } from "./parse/crm-mon-extras";
import { parseFenceHistory } from "./parse/fence-history";
import { parseFindmnt } from "./parse/findmnt";
import { parseHealSummary } from "./parse/heal-summary";
import { parseIpAddresses } from "./parse/ip-addresses";
import { parseIscsiSessions } from "./parse/iscsiadm-sessions";
import { parseKnetLinks, type KnetLinks } from "./parse/knet-links";

/** What one probe brought back: its sections, or why there are none (the machine did not answer). */
export interface ProbeAnswer {
  sections?: Record<string, string[]>;
  error?: string;
}

/** A section's text (its lines joined), `undefined` when the probe did not print it. */
export function sectionText(answer: ProbeAnswer | undefined, name: string): string | undefined {
  const lines = answer?.sections?.[name];
  return lines === undefined ? undefined : lines.join("\n").trim();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a parser; its failure becomes the returned error. */
function attempt<T>(fn: () => T): { value?: T; error?: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: messageOf(err) };
  }
}

/** The state `virsh domstate` printed (`running`, `shut off`, …), undefined for an error or nothing. */
export function domainState(text: string | undefined): string | undefined {
  const first = text?.split("\n")[0]?.trim() ?? "";
  return first === "" || first.startsWith("error") ? undefined : first;
}

/** A node's facts from its domain state and its probe's answer. */
export function nodeFacts(node: NodeSpec, state: string | undefined, answer: ProbeAnswer): NodeFacts {
  const errors: string[] = answer.error !== undefined ? [answer.error] : [];
  const addressesText = sectionText(answer, "addresses");
  const live = addressesText === undefined ? undefined : attempt(() => parseIpAddresses(addressesText));
  if (live?.error !== undefined) errors.push(live.error);
  const up = live?.value?.filter((a) => a.operstate !== "DOWN").map((a) => a.address);
  const bootId = sectionText(answer, "boot");
  const uptime = Number(sectionText(answer, "uptime"));
  return {
    name: node.name,
    domain: node.domainName,
    ...(state !== undefined ? { state } : {}),
    reachable: answer.sections !== undefined,
    ...(errors.length > 0 ? { error: errors.join("; ") } : {}),
    ...(bootId !== undefined && /^[0-9a-f-]{36}$/.test(bootId) ? { bootId } : {}),
    ...(Number.isFinite(uptime) && sectionText(answer, "uptime") !== ""
      ? { uptimeSeconds: Math.floor(uptime) }
      : {}),
    addresses: node.interfaces.map((i) => ({
      network: i.network,
      address: i.address,
      ...(up !== undefined ? { present: up.includes(i.address) } : {}),
    })),
  };
}

/**
 * The iSCSI target: tgtd's view (`tgtText`, from the host or the target node; undefined when not
 * asked) and each initiator's sessions (`iscsiadm -m session` of each member's probe).
 */
export function iscsiFacts(
  spec: LabSpec,
  target: { iqn: string; portal: string; where: string },
  tgtText: string | undefined,
  answers: Readonly<Record<string, ProbeAnswer>>,
): IscsiFacts {
  const shown = tgtText === undefined ? undefined : attempt(() => parseTgtShow(tgtText));
  const live = shown?.value?.find((t) => t.iqn === target.iqn);
  const initiators = clusterMembers(spec.nodes).filter((n) => n.name !== spec.iscsi.host);
  const sessions = Object.fromEntries(
    initiators.map((n) => {
      const text = sectionText(answers[n.name], "iscsi");
      const count =
        text === undefined
          ? undefined
          : parseIscsiSessions(text).filter((s) => s.target === target.iqn).length;
      return [n.name, count];
    }),
  );
  const error =
    shown?.error ??
    (tgtText !== undefined && live === undefined
      ? `tgtd does not serve ${target.iqn}${tgtText !== "" ? ` (${tgtText.split("\n")[0]})` : ""}`
      : undefined);
  return {
    ...target,
    ...(shown !== undefined ? { up: live !== undefined } : {}),
    luns: live?.luns.map((l) => l.lun) ?? [],
    sessions,
    ...(error !== undefined ? { error } : {}),
  };
}

/** The GlusterFS volume from one member's gluster probe and every member's mounts. */
export function glusterFacts(
  spec: LabSpec,
  answeredBy: string | undefined,
  probe: ProbeAnswer | undefined,
  answers: Readonly<Record<string, ProbeAnswer>>,
): GlusterFacts {
  const { volume, mountPoint } = spec.gluster;
  const errors: string[] = [];
  const part = <T>(name: string, parse: (text: string) => T): T | undefined => {
    const text = sectionText(probe, name);
    if (text === undefined) return undefined;
    const got = attempt(() => parse(text));
    if (got.error !== undefined) errors.push(got.error);
    return got.value;
  };
  const info = part("info", parseVolumeInfoXml)?.find((v) => v.name === volume);
  const status = part("status", parseVolumeStatusXml);
  const heal = part("heal", parseHealSummary);
  const bricks = (info?.bricks ?? status?.map((b) => `${b.hostname}:${b.path}`) ?? []).map((brick) => {
    const online = status?.find((b) => `${b.hostname}:${b.path}` === brick)?.online;
    const backlog = heal?.find((h) => h.brick === brick);
    return {
      brick,
      ...(status !== undefined ? { online: online === true } : {}),
      ...(backlog?.total !== undefined ? { pendingHeal: backlog.total } : {}),
      ...(backlog?.splitBrain !== undefined ? { splitBrain: backlog.splitBrain } : {}),
    };
  });
  const mounts = Object.fromEntries(
    clusterMembers(spec.nodes).map((n) => {
      const text = sectionText(answers[n.name], "mounts");
      const parsed = text === undefined ? undefined : attempt(() => parseFindmnt(text)).value;
      const mounted = parsed?.some((m) => m.target === mountPoint && m.fstype.startsWith("fuse.glusterfs"));
      return [n.name, mounted];
    }),
  );
  if (probe === undefined) errors.push("no member answered");
  else if (probe.error !== undefined) errors.push(probe.error);
  return {
    volume,
    ...(info !== undefined ? { status: info.status } : {}),
    bricks,
    mountPoint,
    mounts,
    ...(answeredBy !== undefined ? { answeredBy } : {}),
    ...(errors.length > 0 ? { error: errors.join("; ") } : {}),
  };
}

/**
 * Whether each member's link is up, as the other members see it: a link of member M counts as up
 * when another member's knet stats show M's node id connected on it, down when the others that
 * answered all show it down, unknown when no other member answered.
 */
export function memberLinks(
  spec: LabSpec,
  member: NodeSpec,
  knet: Readonly<Record<string, KnetLinks>>,
): Record<string, boolean | undefined> {
  const observers = Object.entries(knet).filter(([name]) => name !== member.name);
  return Object.fromEntries(
    spec.cluster.links.map((network, link) => {
      const seen = observers
        .map(([, links]) => links[member.nodeId]?.[link])
        .filter((v): v is boolean => v !== undefined);
      return [network, seen.length === 0 ? undefined : seen.some((v) => v)];
    }),
  );
}

/** The cluster from one member's cluster probe and every member's knet stats. */
export function clusterFacts(
  spec: LabSpec,
  answeredBy: string | undefined,
  probe: ProbeAnswer | undefined,
  answers: Readonly<Record<string, ProbeAnswer>>,
): ClusterFacts {
  const members = clusterMembers(spec.nodes);
  const labNode = new Map(members.map((m) => [clusterNodeName(m, spec.cluster.links), m.name]));
  const nameOf = (clusterName: string | undefined) =>
    clusterName === undefined ? undefined : (labNode.get(clusterName) ?? clusterName);
  const errors: string[] = [];
  if (probe === undefined) errors.push("no member answered");
  else if (probe.error !== undefined) errors.push(probe.error);
  const monText = sectionText(probe, "crm_mon");
  const mon = monText === undefined ? undefined : attempt(() => parseCrmMonXml(monText));
  const extras =
    mon?.value !== undefined && monText !== undefined ? attempt(() => parseCrmMonExtras(monText)) : undefined;
  if (mon?.error !== undefined) errors.push(mon.error);
  const fencingText = sectionText(probe, "fencing");
  const fencing =
    fencingText === undefined || mon?.value === undefined
      ? undefined
      : attempt(() => parseFenceHistory(fencingText));
  if (fencing?.error !== undefined) errors.push(fencing.error);
  const knet = Object.fromEntries(
    members.flatMap((m) => {
      const text = sectionText(answers[m.name], "knet");
      return text === undefined ? [] : [[m.name, parseKnetLinks(text)]];
    }),
  );
  const state = mon?.value;
  const last = fencing?.value?.[0];
  return {
    name: spec.cluster.name,
    ...(answeredBy !== undefined ? { answeredBy } : {}),
    ...(state !== undefined ? { quorum: state.quorum } : {}),
    ...(state?.dc !== undefined ? { dc: state.dc } : {}),
    members: members.map((m) => {
      const name = clusterNodeName(m, spec.cluster.links);
      const live = state?.nodes.find((n) => n.name === name);
      return {
        node: m.name,
        clusterName: name,
        ...(live !== undefined
          ? { online: live.online, unclean: live.unclean }
          : state !== undefined
            ? { online: false }
            : {}),
        links: memberLinks(spec, m, knet),
      };
    }),
    ...(extras?.value?.stonithEnabled !== undefined ? { stonithEnabled: extras.value.stonithEnabled } : {}),
    fenceDevices: spec.fencing.map((f) => {
      const r = extras?.value?.resources.find((x) => x.id === f.name);
      return {
        name: f.name,
        ...(r !== undefined ? { agent: r.agent, failed: r.failed } : {}),
        started: r?.active === true,
        ...(r?.node !== undefined ? { node: nameOf(r.node) } : {}),
      };
    }),
    ...(last !== undefined
      ? {
          lastFencing: {
            target: nameOf(last.target) ?? last.target,
            action: last.action,
            status: last.status,
            ...(last.completed !== undefined ? { completed: last.completed } : {}),
            ...(last.delegate !== undefined ? { by: nameOf(last.delegate) ?? last.delegate } : {}),
          },
        }
      : {}),
    groups: spec.services.map((g) => {
      const mine = state?.resources.filter((r) => r.group === g.name) ?? [];
      const runningOn = mine.find((r) => r.active && r.node !== undefined)?.node;
      return {
        name: g.name,
        ...(runningOn !== undefined ? { node: nameOf(runningOn) } : {}),
        stopped:
          state === undefined
            ? []
            : g.resources.map((r) => r.name).filter((id) => !mine.some((r) => r.id === id && r.active)),
      };
    }),
    failedActions: (extras?.value?.failures ?? []).map((f) => ({
      resource: f.resource,
      task: f.task,
      node: nameOf(f.node) ?? f.node,
      exitStatus: f.exitStatus,
      exitReason: f.exitReason,
      when: f.when,
    })),
    ...(errors.length > 0 ? { error: errors.join("; ") } : {}),
  };
}
