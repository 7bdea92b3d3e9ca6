/**
 * The summary `npm run lab -- up` ends with: a pure renderer from the stack outputs (and, when asked
 * live, where each service group runs). It says where the service groups run, how to reach them
 * (psql on the VIP from the lab's network namespace, the password read from the stack's secret by a
 * command — never printed here), how to open a shell on a node, and the next commands.
 */
import { shellJoin } from "../../providers/exec/ssh";
import type { ServiceOutput, StackOutputs } from "../outputs";

/** What the summary knows besides the outputs. */
export interface SummaryContext {
  /** The stack (`dev` needs no `--stack`). */
  stack: string;
  /** The lab's network namespace, when the lab runs in one (`host.daemon: managed`). */
  netns?: string;
  /** Service group → the node it runs on (asked live); undefined: not asked or no member answered. */
  groupNodes?: Record<string, string | undefined>;
}

/** `npm run lab -- ACTION …` for the stack (the default stack needs no `--stack`); `npm` as given. */
function lab(stack: string, words: readonly string[], npm = "npm run lab --"): string {
  return [npm, ...words, ...(stack === "dev" ? [] : ["--stack", stack])].join(" ");
}

/** `npm run lab -- ACTION …` for the stack (the default stack needs no `--stack`). */
export function labCommand(stack: string, ...words: string[]): string {
  return lab(stack, words);
}

function whereItRuns(name: string, group: ServiceOutput, ctx: SummaryContext): string {
  if (ctx.groupNodes === undefined) {
    return `not asked (starts on ${group.nodes[0] ?? "?"}; ${labCommand(ctx.stack, "status")} shows where it runs)`;
  }
  const node = ctx.groupNodes[name];
  return node !== undefined ? `runs on ${node}` : `NOT RUNNING (${labCommand(ctx.stack, "status")} says why)`;
}

function serviceLines(name: string, group: ServiceOutput, ctx: SummaryContext): string[] {
  const lines = [
    `  ${name}: ${whereItRuns(name, group, ctx)}${group.vip !== undefined ? `, VIP ${group.vip}` : ""}`,
  ];
  const db = group.database;
  if (db !== undefined && group.vip !== undefined) {
    const conninfo = `host=${group.vip} port=${db.port} dbname=${db.name} user=${db.user}`;
    const password = `PGPASSWORD="$(${lab(ctx.stack, ["db-password", name], "npm run -s lab --")})"`;
    lines.push(
      `    psql:   ${labCommand(ctx.stack, "psql", name)}`,
      `            (= ${password} ${[...(ctx.netns !== undefined ? ["ip netns exec", ctx.netns] : []), "psql", shellJoin([conninfo])].join(" ")})`,
    );
  }
  return lines;
}

/** The summary text. */
export function renderSummary(outputs: StackOutputs, ctx: SummaryContext): string {
  const cmd = (...words: string[]) => labCommand(ctx.stack, ...words);
  const services = Object.entries(outputs.services ?? {});
  const nodes = Object.entries(outputs.nodeAddresses);
  const width = Math.max(...nodes.map(([n]) => n.length));
  const storage = [
    ...(outputs.storage.iscsi !== undefined
      ? [
          `  iSCSI ${outputs.storage.iscsi.iqn} at ${outputs.storage.iscsi.portal}, ${outputs.storage.iscsi.devices.length} LUNs`,
        ]
      : []),
    ...(outputs.storage.gluster !== undefined
      ? [
          `  GlusterFS ${outputs.storage.gluster.volume} (${outputs.storage.gluster.bricks.join(", ")}) on ${
            outputs.storage.gluster.mountPoint
          }`,
        ]
      : []),
  ];
  const next: [string, string][] = [
    [cmd("status"), "the live state: nodes, storage, cluster, drift"],
    ...(services.length > 0
      ? [[cmd("drill"), "seed 001's failover drill (fences the node it runs on)"] as [string, string]]
      : []),
    [cmd("diagram"), "the lab as a picture (SVG)"],
    [cmd("destroy"), "remove the lab"],
  ];
  const nextWidth = Math.max(...next.map(([c]) => c.length));
  return `${[
    `Lab ${outputs.labName} is up (stack ${ctx.stack}, layers ${outputs.layers}, ${outputs.domainType} domains).`,
    "",
    ...(outputs.layers === "cluster"
      ? [
          `Cluster ${outputs.clusterName}${services.length === 0 ? ": no service group" : ""}`,
          ...services.flatMap(([name, group]) => serviceLines(name, group, ctx)),
          "",
        ]
      : [
          `No cluster (layers ${outputs.layers}): \`layers: cluster\` adds it, with fencing and the service groups.`,
          "",
        ]),
    ...(storage.length > 0 ? ["Storage", ...storage, ""] : []),
    "Nodes (a root shell: the command beside each)",
    ...nodes.map(([name, address]) => `  ${name.padEnd(width)}  ${address.padEnd(15)}  ${cmd("ssh", name)}`),
    "",
    "Next",
    ...next.map(([c, what]) => `  ${c.padEnd(nextWidth)}  ${what}`),
  ].join("\n")}\n`;
}
