/**
 * PcsCluster: pacemaker + corosync 3 set up with pcs 0.11 (seed 004), on every member:
 * the `hacluster` password (from a secret, on stdin), pcsd enabled and running, `pcs host auth` of
 * all members on their management addresses, `pcs cluster setup` with the members' link addresses
 * (heartbeat = link 0, management = link 1: redundant knet links), the totem token, two_node for two
 * nodes; then the cluster started, started at boot or not as configured (seed 000: not), the
 * cluster properties and resource defaults set.
 *
 * `read` takes corosync.conf, `crm_mon` and the CIB from the first member that answers: cluster
 * name, transport, token, topology (members and link addresses), whether every member is online
 * (`running`), properties and resource defaults, the cluster's identity (`clusterUuid`), and pcsd's
 * known hosts (`hostsAuthenticated`); from every member that answers (member-state.ts): start at
 * boot, pcsd enabled and running (`pcsdRunning`), the same corosync.conf and authkey
 * (`configSynced`: distributed again from the first member), and hacluster's password
 * (`passwordCurrent`, shadow-password.ts: the secret on stdin, hashed again on the member with its
 * shadow salt; a drifted one is set again by chpasswd alone). Changes of the token, the
 * properties, the defaults or start-at-boot are applied in place without a restart; so are members
 * added or removed (membership.ts: `pcs cluster node add/remove`, two_node rewritten by pcs). A
 * change of name or transport, of a kept member's id or link addresses, or of two_node without a
 * change of members replaces the cluster (the preview says so), which restarts it.
 */
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  firstAnswer,
  firstOf,
  ONELINE,
  onNode,
  orIfUnreachable,
  parseSections,
  removeOnEach,
  runCommands,
  type Runner,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { parseCib, parseCrmMonXml } from "./cib";
import { parseCorosyncConf } from "./corosync-conf";
import {
  hostsKnown,
  KNOWN_HOSTS_PROBE,
  MEMBER_PROBE,
  parseKnownHosts,
  parseMemberState,
  pcsdRunningOn,
  SHARED_FILES,
  sharedFilesAlike,
  startAtBootOn,
} from "./member-state";
import type { ClusterMember, ClusterSettings } from "../../core/endpoints";
import { labKind } from "../../core/kind";
import { HACLUSTER_USER, pcsHostAuth, pcsPasswordStdin } from "./pcs-auth";
import { passwordCurrentOf, passwordProbe, passwordVerdict } from "../../node/shadow-password";
import {
  pcsClusterSetup,
  pcsNodeName,
  pcsPropertySet,
  pcsPropertyUnset,
  pcsResourceDefaultsUpdate,
} from "./pcs-setup";
import { shellJoin } from "../../exec/ssh";
import {
  membershipChange,
  membershipScript,
  MEMBERSHIP_WAIT_SECONDS,
  type MembershipChange,
} from "./membership";

const NAME = /^[A-Za-z0-9_-]+$/;

/** The members (cluster node names), their node ids and link addresses, as one comparable string. */
export function topologyOf(nodes: { name: string; nodeId: number; addrs: string[] }[]): string {
  return [...nodes]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((n) => `${n.nodeId}:${n.name}=${n.addrs.join(",")}`)
    .join(" ");
}

/** The topology the inputs ask for. */
export function wantedTopology(
  members: Pick<ClusterMember, "name" | "nodeId" | "linkAddresses" | "linkHostnames">[],
): string {
  return topologyOf(members.map((m) => ({ name: pcsNodeName(m), nodeId: m.nodeId, addrs: m.linkAddresses })));
}

const schema = () =>
  z.object({
    name: z.string().regex(NAME, "name must be a plain cluster name"),
    transport: z.literal("knet", {
      errorMap: () => ({ message: "transport must be knet for pcs/corosync 3" }),
    }),
    tokenMs: z.number().int().min(1000, "tokenMs must be at least 1000"),
    twoNode: z.boolean(),
    startAtBoot: z.boolean(),
    members: z
      .array(
        z.object({
          name: z.string().regex(NAME),
          nodeId: z.number().int().positive(),
          access: sshEndpointField(),
          linkAddresses: z
            .array(z.string().regex(/^\d+\.\d+\.\d+\.\d+$/))
            .min(1)
            .max(8),
          linkHostnames: z.array(z.string()),
        }),
      )
      .min(2, "a cluster needs at least two members"),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Password of the `hacluster` user (secret). */
    haclusterPassword: z.string().min(8, "haclusterPassword must have at least 8 characters"),
    properties: z.record(z.string()),
    resourceDefaults: z.record(z.string()),
    /** Desired: every member online (drift when not). */
    running: z.boolean().default(true),
    /** Desired: pcsd enabled at boot and running on every member that answers. */
    pcsdRunning: z.boolean().default(true),
    /** Desired: pcs on the first member authenticated to every member at its management address. */
    hostsAuthenticated: z.boolean().default(true),
    /** Desired: every member that answers holds the first one's corosync.conf and authkey. */
    configSynced: z.boolean().default(true),
    /** Desired: hacluster's password is `haclusterPassword` on every member that answers. */
    passwordCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;
type Stored = Inputs & Partial<PcsClusterOutputs>;
type Member = Inputs["members"][number];

/** Inputs of a PcsCluster as its schema takes them, `transport` as the spec's (check refuses non-knet). */
export type PcsClusterInputs = Omit<z.input<ReturnType<typeof schema>>, "transport"> &
  Pick<ClusterSettings, "transport">;

/** Outputs of a PcsCluster. */
export interface PcsClusterOutputs {
  /** corosync's cluster_uuid. */
  clusterUuid: string;
  /** Members, node ids and link addresses as set up (see `topologyOf`): a change replaces the cluster. */
  topology: string;
}

/** How long starting the cluster may take under TCG. */
const START_WAIT_SECONDS = 300;

/**
 * How often `pcs cluster setup` is tried when a member's pcsd answers too slowly. Its first step
 * destroys any cluster on every member through pcsd, whose `systemctl disable` calls each reload
 * systemd: 5–13 s each under TCG on a busy host, so the request outlives pcs's fixed 60 s three
 * times in a row (found live while the host compiled beside the lab); the member finishes it
 * meanwhile, so a later attempt has less to do.
 */
const SETUP_ATTEMPTS = 5;

/** The files that make a node a member of a pacemaker cluster: what `pcs cluster destroy` removes. */
export const CLUSTER_FILES: readonly string[] = [
  "/etc/corosync/corosync.conf",
  "/var/lib/pacemaker/cib/cib.xml",
];

/**
 * Shell functions (after {@link SCRIPT_FAIL}) destroying the cluster a node holds:
 * `destroy_cluster` does nothing on a node without {@link CLUSTER_FILES} (checked: such a node is
 * in no cluster), and otherwise runs the local `pcs cluster destroy` (it needs no pcsd on the
 * other members) and checks its work: pcs ignores a service that does not stop and a file it
 * cannot remove, so the function fails naming what is left. `again` ends the fixes.
 */
function destroyFunctions(again: string): string {
  return `${ONELINE}
cluster_files_left() { local f; for f in ${shellJoin(CLUSTER_FILES)}; do [ ! -e "$f" ] || echo "$f"; done; }
destroy_cluster() {
  local out svc
  [ -n "$(cluster_files_left)" ] || return 0
  out=$(pcs cluster destroy 2>&1) ||
    fail "pcs cluster destroy failed: $(oneline "$out"). Fix: see journalctl -u pacemaker -u corosync on the node, then run ${again}"
  for svc in pacemaker corosync; do
    ! systemctl is-active --quiet "$svc" ||
      fail "pcs cluster destroy left $svc running. Fix: systemctl stop $svc on the node, then run ${again}"
  done
  [ -z "$(cluster_files_left)" ] ||
    fail "pcs cluster destroy left $(oneline "$(cluster_files_left)"). Fix: remove what is left on the node (rm -f), then run ${again}"
}`;
}

/** Shell lines (after {@link SCRIPT_FAIL}) setting the hacluster password from stdin (chpasswd reads it on its stdin). */
const SET_PASSWORD = `pw=$(cat)
[ -n "$pw" ] || fail "no hacluster password on stdin"
printf '${HACLUSTER_USER}:%s\\n' "$pw" | chpasswd`;

/** On every member whose hacluster password drifted: the password set again (stdin), nothing else. */
export const PASSWORD_SCRIPT = `${SCRIPT_FAIL}
${SET_PASSWORD}`;

/** The read's section on every member: whether hacluster's password is the secret on stdin (shadow-password.ts). */
export const PASSWORD_PROBE = passwordProbe(HACLUSTER_USER);

/**
 * On every member: the hacluster password (stdin), pcsd running, and no other cluster's
 * configuration left (Debian's corosync package ships a one-node "debian" cluster).
 */
export function pcsdScript(clusterName: string): string {
  return `${SCRIPT_FAIL}
command -v pcs >/dev/null || fail "pcs is not installed. Fix: use the lab image, or apt-get install pcs pacemaker corosync"
${destroyFunctions("pulumi up again")}
${SET_PASSWORD}
systemctl enable pcsd >/dev/null 2>&1 || true
systemctl start pcsd
current=$(sed -n 's/^[[:space:]]*cluster_name:[[:space:]]*//p' /etc/corosync/corosync.conf 2>/dev/null || true)
if [ -n "$current" ] && [ "$current" != ${shellJoin([clusterName])} ]; then destroy_cluster; fi
for _ in $(seq 90); do out=$(ss -Hltn) && grep -q ':2224 ' <<<"$out" && exit 0; sleep 1; done
fail "pcsd does not listen on port 2224. Fix: systemctl status pcsd on the node"`;
}

/** On the first member: auth, setup when the cluster is not ours yet, start, boot, token. */
export function clusterScript(inputs: Inputs, sync = false): string {
  const auth = pcsHostAuth(inputs.members.map(pcsNodeName), authAddresses(inputs.members));
  const conf = "/etc/corosync/corosync.conf";
  // The password (stdin) reaches pcs on its stdin only: printf is a shell builtin, no argv.
  return `${SCRIPT_FAIL}
${ONELINE}
pw=$(cat)
printf '%s\\n' "$pw" | ${shellJoin(auth)} >/dev/null
current=$(sed -n 's/^[[:space:]]*cluster_name:[[:space:]]*//p' ${conf} 2>/dev/null || true)
if [ "$current" != ${shellJoin([inputs.name])} ]; then
  # pcs waits 60 s for each member's pcsd (setup takes no --request-timeout) while the member runs
  # pcs cluster destroy, which under TCG can take longer: a timeout alone is tried again, boundedly.
  for attempt in $(seq ${SETUP_ATTEMPTS}); do
    out=$(${shellJoin(pcsClusterSetup(inputs, inputs.members))} 2>&1) && break
    grep -q 'Connection timeout' <<<"$out" && [ "$attempt" -lt ${SETUP_ATTEMPTS} ] ||
      fail "pcs cluster setup failed (attempt $attempt of ${SETUP_ATTEMPTS}): $(oneline "$out"). Fix: systemctl status pcsd on each member, then run pulumi up again"
    echo "kvmlab: pcs cluster setup: a member's pcsd answered too slowly (attempt $attempt of ${SETUP_ATTEMPTS}); trying again" >&2
  done
  echo "setup"
${
  sync
    ? `else
  # A member holds another corosync.conf or authkey, or none (a destroy that stopped half-way):
  # distributed from here before the start, which fails on a member without them.
${SYNC_STEPS.replace(/^/gm, "  ")}
  echo "synced"
`
    : ""
}fi
token=$(sed -n 's/^[[:space:]]*token:[[:space:]]*//p' ${conf} | head -n 1)
if [ "$token" != ${inputs.tokenMs} ]; then
  pcs cluster config update totem token=${inputs.tokenMs} >/dev/null
  pcs cluster reload corosync >/dev/null 2>&1 || true
  echo "token"
fi
# pcsd's default request timeout (60 s) is shorter than a start takes under TCG.
pcs cluster start --all --wait=${START_WAIT_SECONDS} --request-timeout=${START_WAIT_SECONDS + 60} >/dev/null
pcs cluster ${inputs.startAtBoot ? "enable" : "disable"} --all --request-timeout=${START_WAIT_SECONDS} >/dev/null`;
}

/** `pcs property set/unset` and `pcs resource defaults update` turning `live` into `wanted`. */
export function settingsCommands(
  wanted: Pick<Inputs, "properties" | "resourceDefaults">,
  live: { properties: Record<string, string>; resourceDefaults: Record<string, string> },
): string[][] {
  const cmds: string[][] = [];
  const set = Object.entries(wanted.properties).filter(([k, v]) => live.properties[k] !== v);
  if (set.length > 0) cmds.push(pcsPropertySet(Object.fromEntries(set)));
  const unset = Object.keys(live.properties).filter((k) => !(k in wanted.properties));
  if (unset.length > 0) cmds.push(pcsPropertyUnset(unset));
  const defaults = Object.entries(wanted.resourceDefaults).filter(([k, v]) => live.resourceDefaults[k] !== v);
  const dropped = Object.keys(live.resourceDefaults).filter((k) => !(k in wanted.resourceDefaults));
  if (defaults.length + dropped.length > 0) {
    cmds.push(pcsResourceDefaultsUpdate(Object.fromEntries([...defaults, ...dropped.map((k) => [k, ""])])));
  }
  return cmds;
}

/**
 * On the first member, when a member holds another corosync.conf or authkey: both distributed from
 * it to every member through pcsd, corosync reloaded (pcs reloads the key itself).
 */
export const SYNC_STEPS = `out=$(pcs cluster sync 2>&1) || fail "pcs cluster sync failed: $(oneline "$out"). Fix: systemctl status pcsd on each member, then run pulumi up again"
pcs cluster reload corosync >/dev/null 2>&1 || true
out=$(pcs cluster authkey corosync ${SHARED_FILES.authkey} 2>&1) ||
  fail "pcs cluster authkey corosync failed: $(oneline "$out"). Fix: systemctl status pcsd on each member, then run pulumi up again"`;

/** The delete on each member: its cluster destroyed, and checked gone. */
export const DESTROY_SCRIPT = `${SCRIPT_FAIL}
${destroyFunctions("pulumi destroy again")}
destroy_cluster`;

/**
 * What the first answering member reports: the cluster (corosync.conf, crm_mon, the CIB), pcsd's
 * known hosts, and its own units and files (member-state.ts).
 */
export const STATE_SCRIPT = `echo "== corosync"
cat /etc/corosync/corosync.conf 2>/dev/null || true
echo "== mon"
crm_mon -1 --output-as=xml 2>/dev/null || true
echo "== cib"
cibadmin --query 2>/dev/null || true
${KNOWN_HOSTS_PROBE}
${MEMBER_PROBE}`;

/** What each other member reports: its units and files. */
export const MEMBER_SCRIPT = MEMBER_PROBE;

/** The read's script on the first member that answers: {@link STATE_SCRIPT} and the password check (stdin). */
export const READ_STATE_SCRIPT = `${STATE_SCRIPT}\n${PASSWORD_PROBE}`;

/** The read's script on each other member: {@link MEMBER_SCRIPT} and the password check (stdin). */
export const READ_MEMBER_SCRIPT = `${MEMBER_SCRIPT}\n${PASSWORD_PROBE}`;

/** Cluster node name → the management address `pcs host auth` reaches it at. */
function authAddresses(members: readonly Member[]): Record<string, string> {
  return Object.fromEntries(members.map((m) => [pcsNodeName(m), m.access.address]));
}

/**
 * The live cluster as the resource's properties: `stdout` of {@link STATE_SCRIPT} on the first
 * member that answered, `others` of {@link MEMBER_SCRIPT} on the other members that answered.
 */
export function parseState(
  inputs: Pick<Inputs, "members" | "startAtBoot">,
  stdout: string,
  others: readonly string[] = [],
): Partial<Stored> {
  const s = parseSections(stdout);
  const first = parseMemberState(stdout);
  const members = [first, ...others.map(parseMemberState)];
  const conf = parseCorosyncConf((s.corosync ?? []).join("\n"));
  const monText = (s.mon ?? []).join("\n").trim();
  const cibText = (s.cib ?? []).join("\n").trim();
  // With pacemaker stopped on this node crm_mon answers "Not connected" (as XML): nobody online here.
  let mon: ReturnType<typeof parseCrmMonXml> | undefined;
  try {
    mon = monText.startsWith("<") ? parseCrmMonXml(monText) : undefined;
  } catch {
    mon = undefined;
  }
  const online = (mon?.nodes ?? []).filter((n) => n.online).map((n) => n.name);
  const out: Partial<Stored> = {
    running: inputs.members.every((m) => online.includes(pcsNodeName(m))),
    startAtBoot: startAtBootOn(members, inputs.startAtBoot),
    pcsdRunning: pcsdRunningOn(members),
    hostsAuthenticated: hostsKnown(parseKnownHosts(s["known-hosts"] ?? []), authAddresses(inputs.members)),
  };
  const synced = sharedFilesAlike(first, members.slice(1));
  if (synced !== undefined) out.configSynced = synced;
  if (conf.clusterUuid !== undefined) out.clusterUuid = conf.clusterUuid;
  if (conf.clusterName !== undefined) {
    out.name = conf.clusterName;
    if (conf.transport !== undefined) out.transport = conf.transport as Inputs["transport"];
    if (conf.token !== undefined) out.tokenMs = conf.token;
    out.twoNode = conf.twoNode;
    out.topology = topologyOf(conf.nodes.map((n) => ({ name: n.name, nodeId: n.nodeid, addrs: n.addrs })));
  }
  if (cibText.startsWith("<")) {
    const cib = parseCib(cibText);
    out.properties = cib.properties;
    out.resourceDefaults = cib.rscDefaults;
  }
  return out;
}

/** On the first member: the properties and resource defaults that differ from the live ones. */
async function applySettings(inputs: Inputs, run: Runner): Promise<void> {
  const live = parseState(inputs, (await run(STATE_SCRIPT, { timeoutSeconds: 60 })).stdout);
  const cmds = settingsCommands(inputs, {
    properties: live.properties ?? {},
    resourceDefaults: live.resourceDefaults ?? {},
  });
  await runCommands(run, cmds, { timeoutSeconds: 300 });
}

/** Runs `body` on the first member, errors naming it. */
function onFirstMember<T>(inputs: Inputs, body: (run: Runner) => Promise<T>): Promise<T> {
  const first = firstOf(inputs.members, "members: the cluster needs its members");
  return onNode(first.access, inputs.sshPrivateKey, (run: Runner) =>
    explained(`${first.name} (${first.access.address})`, () => body(run)),
  );
}

/** The run options that give a script the hacluster password on stdin, redacted from errors. */
function passwordOnStdin(inputs: Inputs): { stdin: string; sensitive: string[] } {
  return { stdin: pcsPasswordStdin(inputs.haclusterPassword), sensitive: [inputs.haclusterPassword] };
}

/** pcsd ready on the members in `which` (the hacluster password on stdin), all at once. */
async function pcsdOn(inputs: Inputs, which: readonly Member[]): Promise<void> {
  const secret = passwordOnStdin(inputs);
  await Promise.all(
    which.map((m) =>
      onNode(m.access, inputs.sshPrivateKey, (run) =>
        explained(`${m.name} (${m.access.address})`, () =>
          run(pcsdScript(inputs.name), { ...secret, timeoutSeconds: 180 }),
        ),
      ),
    ),
  );
}

/** `sync`: a member holds another corosync.conf or authkey, or none ({@link SYNC_STEPS} before the start). */
async function converge(inputs: Inputs, sync = false): Promise<PcsClusterOutputs> {
  const secret = passwordOnStdin(inputs);
  await pcsdOn(inputs, inputs.members);
  return onFirstMember(inputs, async (run) => {
    const done = await run(clusterScript(inputs, sync), {
      ...secret,
      timeoutSeconds: START_WAIT_SECONDS + (sync ? 600 : 300),
    });
    if (done.stdout.includes("setup"))
      progress(`cluster ${inputs.name}: set up (${wantedTopology(inputs.members)})`);
    if (done.stdout.includes("synced"))
      progress(`cluster ${inputs.name}: corosync.conf and authkey distributed to every member`);
    await applySettings(inputs, run);
    progress(`cluster ${inputs.name}: running on ${inputs.members.map((m) => m.name).join(", ")}`);
    const uuid = (
      await run("sed -n 's/^[[:space:]]*cluster_uuid:[[:space:]]*//p' /etc/corosync/corosync.conf", {
        timeoutSeconds: 30,
      })
    ).stdout.trim();
    return { clusterUuid: uuid, topology: wantedTopology(inputs.members) };
  });
}

/**
 * Members added and removed in place (membership.ts), run on the first member that stays: pcsd
 * readied on the new ones first. Each join and leave is reported as it happens.
 */
async function changeMembers(news: Inputs, change: MembershipChange<Member>): Promise<void> {
  const joining = new Set(change.added);
  const staying = firstOf(
    news.members.filter((m) => !joining.has(m)),
    "members: no member of the live cluster stays",
  );
  await pcsdOn(news, change.added);
  const names = [...change.added.map((m) => `+${pcsNodeName(m)}`), ...change.removed.map((n) => `-${n}`)];
  progress(
    `cluster ${news.name}: membership ${names.join(" ")} (from ${staying.name}; no restart of the others)`,
  );
  const done = await onNode(staying.access, news.sshPrivateKey, (run) =>
    explained(`${staying.name} (${staying.access.address})`, () =>
      run(membershipScript(news.members, change, news.startAtBoot), {
        ...passwordOnStdin(news),
        timeoutSeconds: MEMBERSHIP_WAIT_SECONDS * (2 * change.removed.length + change.added.length) + 120,
      }),
    ),
  );
  for (const line of done.stdout.split("\n").filter((l) => /^(added|removed) /.test(l)))
    progress(`cluster ${news.name}: ${line}`);
}

/**
 * The in-place change of members from the live topology to `news`, when there is one to make (the
 * empty change is none).
 */
function membersToChange(olds: Stored, news: Inputs): MembershipChange<Member> | undefined {
  if (olds.topology === undefined || olds.topology === wantedTopology(news.members)) return undefined;
  const change = membershipChange(olds.topology, news.members);
  return change !== undefined && change.added.length + change.removed.length > 0 ? change : undefined;
}

/** Inputs an update can apply alone: `pcs property` / `pcs resource defaults`, and hacluster's password (chpasswd). */
const SETTINGS_ONLY: readonly string[] = ["properties", "resourceDefaults", "passwordCurrent"];

/**
 * True when the live cluster (`olds`, after a refresh) differs from `news` only in properties or
 * resource defaults: the update then sets those and touches nothing else (no pcsd, auth or start —
 * found live: a property repair that ran the whole converge took 156 s under TCG).
 */
export function settingsOnlyChange(olds: object, news: object): boolean {
  const before = olds as Readonly<Record<string, unknown>>;
  const after = news as Readonly<Record<string, unknown>>;
  return Object.keys(after).every((k) => SETTINGS_ONLY.includes(k) || isDeepStrictEqual(before[k], after[k]));
}

/**
 * Reads the cluster from the first member that answers, and the members after it (their units and
 * files; one that cannot be reached is left out): one script per member.
 */
async function readCluster(olds: Stored): Promise<Partial<Stored>> {
  // Each script also checks hacluster's password there: the secret on stdin, redacted from errors.
  const script = (m: Member, text: string) =>
    onNode(
      m.access,
      olds.sshPrivateKey,
      async (run) => (await run(text, { ...passwordOnStdin(olds), timeoutSeconds: 60 })).stdout,
    );
  const state = await firstAnswer(olds.members, async (m) => ({
    m,
    stdout: await script(m, READ_STATE_SCRIPT),
  }));
  if (state === undefined) return { running: false };
  const after = olds.members.slice(olds.members.indexOf(state.m) + 1);
  const others = (
    await Promise.all(after.map((m) => orIfUnreachable(() => script(m, READ_MEMBER_SCRIPT), undefined)))
  ).filter((o): o is string => o !== undefined);
  const passwordCurrent = passwordCurrentOf([state.stdout, ...others].map(passwordVerdict));
  return {
    ...parseState(olds, state.stdout, others),
    ...(passwordCurrent !== undefined ? { passwordCurrent } : {}),
  };
}

/** On every member whose password drifted (all at once): hacluster's password set again from stdin. */
async function resetPasswords(inputs: Inputs): Promise<void> {
  await Promise.all(
    inputs.members.map((m) =>
      onNode(m.access, inputs.sshPrivateKey, (run) =>
        explained(`${m.name} (${m.access.address})`, () =>
          run(PASSWORD_SCRIPT, { ...passwordOnStdin(inputs), timeoutSeconds: 60 }),
        ),
      ),
    ),
  );
  progress(`cluster ${inputs.name}: the hacluster password set again on every member`);
}

/** The PcsCluster provider. */
export const pcsClusterProvider = defineProvider<ReturnType<typeof schema>, PcsClusterOutputs>({
  kind: "PcsCluster",
  render: (inputs) => ({
    pcsd: pcsdScript(inputs.name),
    cluster: clusterScript(inputs),
    settings: settingsCommands(inputs, { properties: {}, resourceDefaults: {} }),
    state: READ_STATE_SCRIPT,
    member: READ_MEMBER_SCRIPT,
    password: PASSWORD_SCRIPT,
    sync: clusterScript(inputs, true),
    // The delete too: a delete runs the code stored with the resource.
    destroy: DESTROY_SCRIPT,
  }),
  schema,
  // The members' names, ids and link addresses (not how the program reaches them) decide a
  // replacement, unless members only join or leave; two_node follows the members (pcs rewrites it).
  diff(olds, news) {
    if (olds.topology === undefined) return [];
    if (olds.topology === wantedTopology(news.members))
      return olds.twoNode === news.twoNode ? [] : ["topology"];
    return membershipChange(olds.topology, news.members) === undefined ? ["topology"] : [];
  },
  forceNew: ["name", "transport", "topology" as keyof Inputs & string],
  deleteBeforeReplace: true,
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: inputs.name, outs };
  },
  read: (_id, olds) => readCluster(olds),
  async update(_id, olds, news) {
    const change = membersToChange(olds, news);
    if (change !== undefined) await changeMembers(news, change);
    if (change !== undefined || !settingsOnlyChange(olds, news) || olds.clusterUuid === undefined)
      return converge(news, olds.configSynced === false);
    const clusterUuid = olds.clusterUuid;
    if (olds.passwordCurrent === false) await resetPasswords(news);
    await onFirstMember(news, (run) => applySettings(news, run));
    progress(`cluster ${news.name}: properties and resource defaults set`);
    return { clusterUuid, topology: wantedTopology(news.members) };
  },
  async delete(_id, olds) {
    // Each member destroys its own part (no pcsd needed on the others), all at once as --all does.
    await removeOnEach(
      olds.members,
      (m) => `cluster ${olds.name} on ${m.name}`,
      (m) =>
        onNode(m.access, olds.sshPrivateKey, (run) =>
          explained(`${m.name} (${m.access.address})`, () => run(DESTROY_SCRIPT, { timeoutSeconds: 300 })),
        ),
    );
  },
});

/** The pacemaker/corosync cluster. */
export const PcsClusterRes = labKind<PcsClusterInputs, PcsClusterOutputs>(pcsClusterProvider, {
  outputs: { clusterUuid: true, topology: true },
  secretInputs: ["sshPrivateKey", "haclusterPassword"],
});
export type PcsClusterRes = InstanceType<typeof PcsClusterRes>;
