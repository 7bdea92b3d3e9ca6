/**
 * The live status of a lab as one screen of text: a pure renderer of {@link LabFacts}. Each line
 * says what is fine in plain words and what is not in capitals (DOWN, OFFLINE, MISSING, FAILED), so
 * a problem stands out and can be searched for.
 */
import type { ClusterFacts, DriftFacts, GlusterFacts, IscsiFacts, LabFacts, NodeFacts } from "./facts";

/** `2d 3h`, `3h 12m`, `4m 10s`. */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

/** Words padded to a column width (the last one as it is). */
function columns(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c))
    .join("  ")
    .trimEnd();
}

const yesNo = (v: boolean | undefined, yes: string, no: string) => (v === undefined ? "?" : v ? yes : no);

function nodeLines(nodes: readonly NodeFacts[]): string[] {
  const width = Math.max(4, ...nodes.map((n) => n.name.length));
  return nodes.map((n) => {
    const state = n.state ?? "state ?";
    const vm = n.state === undefined || n.state === "running" ? state : state.toUpperCase();
    if (!n.reachable) {
      return columns([n.name, vm, `UNREACHABLE${n.error !== undefined ? ` (${n.error})` : ""}`], [width, 8]);
    }
    const addresses = n.addresses
      .map((a) => `${a.address}${a.present === false ? " MISSING" : ""}`)
      .join(" ");
    return columns(
      [
        n.name,
        vm,
        n.uptimeSeconds !== undefined ? `up ${duration(n.uptimeSeconds)}` : "up ?",
        `boot ${n.bootId?.slice(0, 8) ?? "?"}`,
        addresses + (n.error !== undefined ? ` (${n.error})` : ""),
      ],
      [width, 8, 10, 13],
    );
  });
}

function iscsiLine(i: IscsiFacts): string {
  const state = i.up === undefined ? "tgtd ?" : i.up ? `up, LUN ${i.luns.join(", ") || "none"}` : "DOWN";
  const sessions = Object.entries(i.sessions)
    .map(([node, n]) => `${node} ${n === undefined ? "?" : n === 0 ? "NONE" : n}`)
    .join(", ");
  return `iSCSI    ${i.iqn} on ${i.where} (${i.portal}): ${state}; sessions ${sessions}${
    i.error !== undefined ? `; ${i.error}` : ""
  }`;
}

function glusterLines(g: GlusterFacts): string[] {
  const status = g.status === undefined ? "?" : g.status === "Started" ? "started" : g.status.toUpperCase();
  const bricks = g.bricks.map((b) => {
    const online = b.online === undefined ? "?" : b.online ? "online" : "OFFLINE";
    const heal = b.pendingHeal === undefined ? "heal ?" : `heal ${b.pendingHeal}`;
    return `${b.brick} ${online}, ${heal}${b.splitBrain ? `, SPLIT-BRAIN ${b.splitBrain}` : ""}`;
  });
  const mounts = Object.entries(g.mounts)
    .map(([node, m]) => `${node} ${yesNo(m, "yes", "no")}`)
    .join(", ");
  return [
    `GlusterFS ${g.volume} ${status}${g.answeredBy !== undefined ? ` (asked ${g.answeredBy})` : ""}`,
    ...bricks.map((b) => `  brick ${b}`),
    `  mounted on ${g.mountPoint}: ${mounts}`,
    ...(g.error !== undefined ? [`  ${g.error}`] : []),
  ];
}

function clusterLines(c: ClusterFacts): string[] {
  const head =
    `Cluster ${c.name}` +
    (c.answeredBy !== undefined ? ` (asked ${c.answeredBy})` : "") +
    (c.quorum === undefined ? ": state ?" : `: ${c.quorum ? "quorate" : "NO QUORUM"}`) +
    (c.dc !== undefined ? `, DC ${c.dc}` : "");
  const width = Math.max(...c.members.map((m) => m.clusterName.length));
  const members = c.members.map((m) => {
    const online = m.online === undefined ? "?" : m.unclean ? "UNCLEAN" : m.online ? "online" : "OFFLINE";
    const links = Object.entries(m.links)
      .map(([net, up]) => `${net} ${yesNo(up, "up", "DOWN")}`)
      .join(", ");
    return `  ${columns([m.clusterName, online, `links: ${links}`], [width, 7])}`;
  });
  const stonith = c.stonithEnabled === undefined ? "?" : c.stonithEnabled === "true" ? "enabled" : "DISABLED";
  const devices = c.fenceDevices.map(
    (f) =>
      `${f.name}${f.agent !== undefined ? ` (${f.agent})` : ""} ${
        f.started ? `started on ${f.node ?? "?"}` : f.failed ? "FAILED" : "STOPPED"
      }`,
  );
  const last = c.lastFencing;
  const fencing =
    last === undefined
      ? "never fenced"
      : `last fencing: ${last.action} of ${last.target} ${last.status === "success" ? "succeeded" : last.status.toUpperCase()}` +
        `${last.completed !== undefined ? ` at ${last.completed}` : ""}${last.by !== undefined ? ` by ${last.by}` : ""}`;
  const groups = c.groups.map(
    (g) =>
      `  ${g.name}: ${g.node !== undefined ? `runs on ${g.node}` : "NOT RUNNING"}` +
      (g.stopped.length > 0 && g.node !== undefined ? ` (STOPPED: ${g.stopped.join(", ")})` : ""),
  );
  const failed =
    c.failedActions.length === 0
      ? ["  failed actions: none"]
      : [
          "  FAILED ACTIONS:",
          ...c.failedActions.map(
            (f) =>
              `    ${f.resource} ${f.task} on ${f.node}: ${f.exitStatus}${f.exitReason !== "" ? ` (${f.exitReason})` : ""}${
                f.when !== "" ? ` at ${f.when}` : ""
              }`,
          ),
        ];
  return [
    head,
    ...members,
    `  STONITH ${stonith}: ${devices.join("; ") || "no fence device"}; ${fencing}`,
    ...groups,
    ...failed,
    ...(c.error !== undefined ? [`  ${c.error}`] : []),
  ];
}

function driftLine(d: DriftFacts): string[] {
  switch (d.state) {
    case "clean":
      return ["Drift    none: pulumi preview --refresh plans no change"];
    case "skipped":
      return [`Drift    skipped${d.reason !== undefined ? ` (${d.reason})` : ""}`];
    case "failed":
      return [`Drift    PREVIEW FAILED: ${d.reason ?? "?"}`];
    case "drifted":
      return [
        `Drift    DRIFTED: the next up changes ${d.changes.length} resource${d.changes.length === 1 ? "" : "s"}`,
        ...d.changes.map((c) => `  ${c}`),
      ];
  }
}

/** The status screen. */
export function renderStatus(facts: LabFacts): string {
  return `${[
    `Lab ${facts.lab} (stack ${facts.stack}, layers ${facts.layers}) at ${facts.gatheredAt}, gathered in ${facts.seconds} s`,
    "",
    "Nodes",
    ...nodeLines(facts.nodes).map((l) => `  ${l}`),
    ...(facts.iscsi !== undefined || facts.gluster !== undefined ? ["", "Storage"] : []),
    ...(facts.iscsi !== undefined ? [`  ${iscsiLine(facts.iscsi)}`] : []),
    ...(facts.gluster !== undefined ? glusterLines(facts.gluster).map((l) => `  ${l}`) : []),
    ...(facts.cluster !== undefined ? ["", ...clusterLines(facts.cluster)] : []),
    "",
    ...driftLine(facts.drift),
  ].join("\n")}\n`;
}
