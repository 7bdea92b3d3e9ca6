/**
 * Members joining and leaving a running pacemaker cluster, without restarting it (pcs 0.11):
 *
 * - `pcs cluster node add <name> addr=<link 0> addr=<link 1>… --start --wait=<s> [--enable]`, run
 *   on a member, sends the cluster's corosync.conf, authkey and pacemaker key to the new node
 *   through its pcsd, adds it to corosync.conf on every member and reloads corosync there, then
 *   starts it. The new node gets the lowest node id not in use, and pcs rewrites `two_node` (1 for
 *   exactly two nodes, gone otherwise) as it does at setup.
 * - `pcs cluster node remove <name>` stops the cluster on the node and destroys its configuration,
 *   then drops it from corosync.conf (two_node rewritten the same way) and from the CIB. The node is
 *   put in standby first (`pcs node standby <name> --wait`), so its resources move while it still
 *   runs them cleanly.
 *
 * Only a change that pcs can make this way is one: the members kept have the same node ids and
 * link addresses as the live cluster, at least one member is kept, and every member added gets
 * the id pcs will give it. Anything else sets the cluster up anew (a replacement: the preview says so).
 */
import { HOST_NAME } from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import { ONELINE, SCRIPT_FAIL } from "../../exec/node-exec";
import { shellJoin } from "../../exec/ssh";
import { pcsHostAuth } from "./pcs-auth";
import { PCS } from "./pcs-resource";
import { pcsNodeName, type PcsSetupMember } from "./pcs-setup";
import { quoted } from "./pcs-validate";

/** One node of a topology string (`1:node01h=192.168.9.121,192.168.8.121`). */
export interface TopologyNode {
  nodeId: number;
  name: string;
  addrs: string[];
}

/** The nodes of a topology string as `topologyOf` (pcs-cluster.ts) writes it. */
export function parseTopology(topology: string): TopologyNode[] {
  return topology
    .split(" ")
    .filter((part) => part !== "")
    .map((part) => {
      const m = /^(\d+):([^=]+)=(.*)$/.exec(part);
      if (m === null) throw new Error(`topology: ${quoted(part)} is not nodeid:name=addresses`);
      return { nodeId: Number(m[1]), name: m[2] ?? "", addrs: (m[3] ?? "").split(",").filter(Boolean) };
    });
}

/** Members that join and the cluster node names that leave. */
export interface MembershipChange<M extends PcsSetupMember = PcsSetupMember> {
  added: M[];
  removed: string[];
}

/**
 * The change that turns the live `topology` into `members` in place, or undefined when pcs cannot
 * make it in place (see the file's comment). No member added or removed is an empty change.
 */
export function membershipChange<M extends PcsSetupMember>(
  topology: string,
  members: readonly M[],
): MembershipChange<M> | undefined {
  const live = parseTopology(topology);
  const liveByName = new Map(live.map((n) => [n.name, n]));
  const wanted = members.map((m) => ({ member: m, name: pcsNodeName(m) }));
  const kept = wanted.filter((w) => liveByName.has(w.name));
  if (kept.length === 0) return undefined;
  const unchanged = kept.every(({ member, name }) => {
    const node = liveByName.get(name);
    return node?.nodeId === member.nodeId && node.addrs.join(",") === member.linkAddresses.join(",");
  });
  if (!unchanged) return undefined;
  const linkCount = live[0]?.addrs.length ?? 0;
  const added = wanted
    .filter((w) => !liveByName.has(w.name))
    .map((w) => w.member)
    .sort((a, b) => a.nodeId - b.nodeId);
  // Added one by one before any member leaves: each gets the lowest id free at that moment.
  const used = new Set(live.map((n) => n.nodeId));
  for (const member of added) {
    let id = 1;
    while (used.has(id)) id += 1;
    if (member.nodeId !== id || member.linkAddresses.length !== linkCount) return undefined;
    used.add(id);
  }
  const wantedNames = new Set(wanted.map((w) => w.name));
  return { added, removed: live.filter((n) => !wantedNames.has(n.name)).map((n) => n.name) };
}

/** How long a joining node may take to start, and a member's resources to move away, under TCG. */
export const MEMBERSHIP_WAIT_SECONDS = 600;

/** `pcs cluster node add <name> addr=… --start --wait=<s> [--enable]`, pcsd's requests given as long. */
export function pcsClusterNodeAdd(member: PcsSetupMember, startAtBoot: boolean): string[] {
  const problems = new Problems();
  const name = member.linkHostnames[0] ?? "";
  problems.need(
    HOST_NAME.test(name),
    `members.${member.name}.linkHostnames[0]`,
    `${quoted(name)} is not a host name`,
    "give the member's host name on link 0 (e.g. node03h)",
  );
  problems.need(
    member.linkAddresses.length > 0,
    `members.${member.name}.linkAddresses`,
    "the member has no link address",
    "list at least one network in cluster.links",
  );
  problems.throwIfAny("pcs cluster node add");
  return [
    PCS,
    "cluster",
    "node",
    "add",
    pcsNodeName(member),
    ...member.linkAddresses.map((a) => `addr=${a}`),
    "--start",
    `--wait=${MEMBERSHIP_WAIT_SECONDS}`,
    ...(startAtBoot ? ["--enable"] : []),
    `--request-timeout=${MEMBERSHIP_WAIT_SECONDS}`,
  ];
}

/** `pcs cluster node remove <name>`, pcsd's requests given as long. */
export function pcsClusterNodeRemove(name: string): string[] {
  const problems = new Problems();
  problems.need(
    HOST_NAME.test(name),
    "name",
    `${quoted(name)} is not a host name`,
    "give the cluster node name (e.g. node03h)",
  );
  problems.throwIfAny("pcs cluster node remove");
  return [PCS, "cluster", "node", "remove", name, `--request-timeout=${MEMBERSHIP_WAIT_SECONDS}`];
}

/**
 * On a member that stays (the hacluster password on stdin): every wanted member authenticated, the
 * added ones joined and started, then each leaving one put in standby (its resources move) and
 * removed. A node already joined, or already gone, is skipped, so a run cut short is finished by
 * the next. Prints `added <name>` / `removed <name>` for what it did.
 */
export function membershipScript(
  members: readonly (PcsSetupMember & { access: { address: string } })[],
  change: MembershipChange,
  startAtBoot: boolean,
): string {
  const auth = pcsHostAuth(
    members.map(pcsNodeName),
    Object.fromEntries(members.map((m) => [pcsNodeName(m), m.access.address])),
  );
  const conf = "/etc/corosync/corosync.conf";
  const fix = "Fix: see pcs status and journalctl -u pcsd on the members, then run pulumi up again";
  const listed = (name: string) => `grep -Eq '^[[:space:]]*name:[[:space:]]*${name}[[:space:]]*$' ${conf}`;
  const adds = change.added.map((m) => {
    const name = pcsNodeName(m);
    return `if ! ${listed(name)}; then
  out=$(${shellJoin(pcsClusterNodeAdd(m, startAtBoot))} 2>&1) || fail "pcs cluster node add ${name} failed: $(oneline "$out"). ${fix}"
  echo "added ${name}"
fi`;
  });
  const removes = change.removed.map((name) => {
    const standby = [PCS, "node", "standby", name, `--wait=${MEMBERSHIP_WAIT_SECONDS}`];
    return `if ${listed(name)}; then
  out=$(${shellJoin(standby)} 2>&1) || fail "pcs node standby ${name} failed (its resources could not move): $(oneline "$out"). ${fix}"
  out=$(${shellJoin(pcsClusterNodeRemove(name))} 2>&1) || fail "pcs cluster node remove ${name} failed: $(oneline "$out"). ${fix}"
  echo "removed ${name}"
fi`;
  });
  // The password (stdin) reaches pcs on its stdin only: printf is a shell builtin, no argv.
  return [
    SCRIPT_FAIL,
    ONELINE,
    "pw=$(cat)",
    `printf '%s\\n' "$pw" | ${shellJoin(auth)} >/dev/null`,
    ...adds,
    ...removes,
  ].join("\n");
}
