/**
 * Unit tests of the pacemaker providers (PcsCluster, StonithDevice, ClusterServiceGroup) and of the
 * PostgreSQL initialisation they run (render/pg-init.ts), against a fake lab: the SSH layer's
 * `withSession` and the KVM host's `runOnHost` are mocked. Every script is recorded with the node it
 * ran on and answered from per-test rules the way the real runners do (resolve on an ok exit code,
 * reject with a {@link RemoteCommandError} whose command and tails are redacted of the `sensitive`
 * strings otherwise); a node listed as down fails to connect with an `SshConnectionError` before
 * anything runs on it.
 *
 * The answers of `cibadmin --query`, `crm_mon -1 --output-as=xml` and corosync.conf have the shapes
 * of the fixtures of test/parse-pacemaker.test.ts (pacemaker 2.1.5, corosync 3.1.7, pcs 0.11.5),
 * for the repo's default lab (`{ name: "dev" }`: node01/node02, cluster names node01h/node02h,
 * links heartbeat 192.168.9.x then management 192.168.8.x).
 *
 * The providers are driven through their public methods as the engine drives them:
 * check → create, read → diff → update, delete. The generated scripts are syntax-checked with
 * `bash -n`, and the ones whose logic matters (pcsd, cluster setup, fence key, PostgreSQL init with
 * its mount) are run for real with bash against fake commands first on PATH in a temporary
 * directory.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RESOURCE_NAME_KEY, type LabProvider, type Props } from "../providers/core/base";
import type { HostRunOptions } from "../providers/exec/host-exec";
import {
  describeTarget,
  redact,
  RemoteCommandError,
  shellJoin,
  SshConnectionError,
  type RunOptions,
  type RunResult,
  type SshSession,
  type SshTarget,
} from "../providers/exec/ssh";
import { parseCib } from "../providers/cluster/pacemaker/cib";
import {
  clusterScript,
  parseState,
  pcsClusterProvider,
  settingsOnlyChange,
  pcsdScript,
  settingsCommands,
  STATE_SCRIPT,
  topologyOf,
  wantedTopology,
} from "../providers/cluster/pacemaker/pcs-cluster";
import {
  createArgs,
  keyScript,
  keySumScript,
  matches,
  stonithDeviceProvider,
  wantedAttributes,
} from "../providers/cluster/pacemaker/stonith-device";
import {
  DB_ROLE,
  groupCommands,
  liveState,
  pgInitScript,
  serviceGroupProvider,
  wantedLocations,
  memberUpdates,
  wantedMembers,
} from "../providers/cluster/pacemaker/service-group";
import { PG_BIN_DIR, renderPgInit, type PgInitInput } from "../providers/cluster/pacemaker/pg-init";
import { lunDevicePath } from "../providers/storage/iscsi/iscsi-initiator";
import { interfaceOn, managementAddress } from "../components/node/node-vm";
import { GLUSTER_MOUNT_OPTIONS } from "../components/storage/gluster-volume";
import { serviceCidr } from "../components/cluster/service-group";
import { parseLabSpec, type LabSpec, type NodeSpec, type ServiceGroupSpec } from "../spec";

// ---------------------------------------------------------------------------------------------
// The fake lab
// ---------------------------------------------------------------------------------------------

/** What the fake machine answers to one script. */
interface Reply {
  stdout?: string;
  stderr?: string;
  code?: number;
}
type Answer = Reply | ((script: string) => Reply);
interface Rule {
  pattern: RegExp;
  answer: Answer;
  /** Only on this machine (a node address, or `kvm-host`). */
  at?: string;
}
interface Call {
  /** The node address the script ran on, or `kvm-host`. */
  where: string;
  script: string;
  opts: RunOptions;
}

const mockLab: { calls: Call[]; rules: Rule[]; down: string[]; connects: string[] } = {
  calls: [],
  rules: [],
  down: [],
  connects: [],
};

/**
 * One script on one machine: first matching rule wins; no rule means success with no output. A
 * failure is redacted of `opts.sensitive` as the real runners do it (providers/exec/ssh.ts).
 */
async function mockRun(
  where: string,
  shownHost: string,
  script: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  mockLab.calls.push({ where, script, opts });
  const rule = mockLab.rules.find((r) => (r.at === undefined || r.at === where) && r.pattern.test(script));
  const reply =
    rule === undefined ? {} : typeof rule.answer === "function" ? rule.answer(script) : rule.answer;
  const code = reply.code ?? 0;
  const stdout = reply.stdout ?? "";
  const stderr = reply.stderr ?? "";
  if ((opts.okExitCodes ?? [0]).includes(code)) return { stdout, stderr, code };
  throw new RemoteCommandError({
    host: shownHost,
    command: redact(script.trim(), opts.sensitive),
    code,
    stderrTail: redact(stderr, opts.sensitive),
    stdoutTail: redact(stdout, opts.sensitive),
    timedOut: false,
    reason: `command failed with exit code ${code}`,
  });
}

/** The fake `withSession`: a node listed in `down` cannot be reached (nothing runs there). */
async function mockWithSession<T>(target: SshTarget, fn: (session: SshSession) => Promise<T>): Promise<T> {
  mockLab.connects.push(target.host);
  if (mockLab.down.includes(target.host)) {
    throw new SshConnectionError(describeTarget(target), 5, `connect EHOSTUNREACH ${target.host}:22`);
  }
  const session = {
    target,
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKey",
    run: (script: string, opts?: RunOptions) => mockRun(target.host, describeTarget(target), script, opts),
    close: () => undefined,
  };
  return fn(session as unknown as SshSession);
}

jest.mock("../providers/exec/ssh", () => ({
  ...jest.requireActual<typeof import("../providers/exec/ssh")>("../providers/exec/ssh"),
  withSession: <T>(target: SshTarget, fn: (session: SshSession) => Promise<T>) => mockWithSession(target, fn),
}));

jest.mock("../providers/exec/host-exec", () => ({
  ...jest.requireActual<typeof import("../providers/exec/host-exec")>("../providers/exec/host-exec"),
  runOnHost: (script: string, opts?: HostRunOptions) => mockRun("kvm-host", "kvm host (local)", script, opts),
  progress: () => undefined,
}));

/** Temporary directories of the real bash runs, removed after each test. */
const tempRoots: string[] = [];

beforeEach(() => {
  mockLab.calls = [];
  mockLab.rules = [];
  mockLab.down = [];
  mockLab.connects = [];
});

afterEach(() => {
  for (const root of tempRoots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/** The fake lab answers scripts matching `pattern` (on `at` only, when given) with `answer`. */
function on(pattern: RegExp, answer: Answer, at?: string): void {
  mockLab.rules.push({ pattern, answer, at });
}

/** Answers with each reply in turn, then with the last one again. */
function inTurn(...replies: Reply[]): () => Reply {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)];
}

/** Forgets what ran so far (after a setup step of a test). */
function forget(): void {
  mockLab.calls = [];
  mockLab.connects = [];
  mockLab.rules = [];
}

/** What a script is, by what the providers' builders put in it. */
function kindOf(script: string): string {
  if (script === STATE_SCRIPT) return "state";
  if (script.startsWith("set -e\n")) return "batch";
  if (/PG_VERSION/.test(script)) return "pg-init";
  if (/chpasswd/.test(script)) return "pcsd";
  if (/pcs host auth/.test(script)) return "cluster";
  if (/cluster_uuid/.test(script)) return "uuid";
  if (/pcs cluster destroy --all/.test(script)) return "destroy";
  if (/base64 -d > /.test(script)) return "key";
  if (/sha256sum/.test(script)) return "keysum";
  if (/^echo "== cib"; cibadmin --query/.test(script)) return "read-cib";
  if (script === "cibadmin --query") return "cib";
  if (/^crm_verify -L/.test(script)) return "verify";
  if (
    /^pcs resource (disable \S+ --wait=\d+ >\/dev\/null\n)?pcs resource delete |^pcs resource delete /.test(
      script,
    )
  )
    return "delete-group";
  if (/^pcs stonith delete /.test(script)) return "delete-stonith";
  if (/^rm -f /.test(script)) return "rm-key";
  return `other: ${script.split("\n")[0]}`;
}

/** `<node> <kind>` of every call, in order (node01/node02 for the members' addresses). */
function steps(): string[] {
  return mockLab.calls.map((c) => `${NODE_OF[c.where] ?? c.where} ${kindOf(c.script)}`);
}

/** The command lines of every `set -e` batch, one array per batch. */
function batches(): string[][] {
  return mockLab.calls
    .filter((c) => c.script.startsWith("set -e\n"))
    .map((c) => c.script.split("\n").slice(1));
}

/** The calls of one kind. */
function callsOf(kind: string): Call[] {
  return mockLab.calls.filter((c) => kindOf(c.script) === kind);
}

function bashSyntaxCheck(script: string): void {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure, but it succeeded");
}

/** Runs `check` as the engine does and returns the normalised inputs (failing on any failure). */
async function checked(provider: LabProvider<Props, Props>, news: Props): Promise<Props> {
  const r = await provider.check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Props;
}

/** The properties `check` complains about, sorted. */
async function failedProperties(provider: LabProvider<Props, Props>, news: Props): Promise<string[]> {
  const r = await provider.check({}, news);
  return (r.failures ?? []).map((f) => f.property).sort();
}

/** `read` then `diff` against `news`, as `pulumi up --refresh` does. */
async function refreshDiff(
  provider: LabProvider<Props, Props>,
  id: string,
  olds: Props,
  news: Props,
): Promise<{ props: Props; diff: Awaited<ReturnType<LabProvider["diff"]>> }> {
  const read = await provider.read(id, olds);
  expect(read.id).toBe(id);
  const props = read.props as Props;
  return { props, diff: await provider.diff(id, props, news) };
}

/** Replaces `from` in a fixture (throws when the fixture does not hold it, so edits cannot go stale). */
function edited(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture edit: ${JSON.stringify(from)} is not in the fixture`);
  return text.replace(from, to);
}

const NO_DIFF = { changes: false, replaces: [], deleteBeforeReplace: false };
const IN_PLACE = { changes: true, replaces: [], deleteBeforeReplace: false };

// ---------------------------------------------------------------------------------------------
// Real bash runs against fake commands
// ---------------------------------------------------------------------------------------------

interface FakeBin {
  /** A temporary directory (FAKE_ROOT). */
  root: string;
  /** Its bin directory, put first on PATH. */
  bin: string;
  /** Every fake command appends `<name> <argv>` here (FAKE_LOG). */
  log: string;
}

/** Fake commands: each logs its argv, then runs its body (bash). */
function fakeBin(tools: Record<string, string>): FakeBin {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kvmlab-cluster-"));
  tempRoots.push(root);
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(tools)) {
    const text = `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> "$FAKE_LOG"\n${body}\n`;
    fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  }
  return { root, bin, log: path.join(root, "calls.log") };
}

/** Runs `script` with bash, the fakes first on PATH. */
function runWithFakes(fake: FakeBin, script: string, stdin: string, env: Record<string, string> = {}) {
  return spawnSync("bash", ["-c", script], {
    input: stdin,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${fake.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      FAKE_LOG: fake.log,
      FAKE_ROOT: fake.root,
      ...env,
    },
  });
}

/** The fake commands' log lines. */
function logOf(fake: FakeBin): string[] {
  if (!fs.existsSync(fake.log)) return [];
  return fs
    .readFileSync(fake.log, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

/**
 * `runuser` as root runs PostgreSQL's tools: initdb creates the data directory with PG_VERSION,
 * psql keeps its stdin in FAKE_ROOT/psql.stdin; `install -d` creates directories under FAKE_ROOT
 * only (never /var/run/postgresql).
 */
const PG_TOOLS: Record<string, string> = {
  runuser: `[ "$1 $2 $3" = "-u postgres --" ] || { echo "fake runuser: unexpected $*" >&2; exit 2; }
shift 3
prog=$(basename "$1"); shift
case "$prog" in
  initdb)
    while [ $# -gt 0 ]; do if [ "$1" = -D ]; then dir=$2; fi; shift; done
    mkdir -p "$dir"; echo 15 > "$dir/PG_VERSION"; : > "$dir/postgresql.conf"; : > "$dir/pg_hba.conf" ;;
  psql) cat >> "$FAKE_ROOT/psql.stdin" ;;
esac`,
  install: `if [ "$1" = -d ]; then dir="\${*: -1}"; case "$dir" in "$FAKE_ROOT"/*) mkdir -p "$dir" ;; esac; fi`,
};

/** mount, umount, mountpoint (exit FAKE_MOUNTPOINT, default 1: not mounted), blkid (FAKE_BLKID), mkfs. */
const MOUNT_TOOLS: Record<string, string> = {
  mountpoint: `exit "\${FAKE_MOUNTPOINT:-1}"`,
  mount: "",
  umount: "",
  blkid: `exit "\${FAKE_BLKID:-2}"`,
  "mkfs.ext4": "",
};

// ---------------------------------------------------------------------------------------------
// The default lab, wired as components/ha-lab.ts wires it
// ---------------------------------------------------------------------------------------------

const dev: LabSpec = parseLabSpec({ name: "dev" });
const KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nVEVTVC1QUk9HUkFNLUtFWQ==\n-----END OPENSSH PRIVATE KEY-----\n";
/** The generated hacluster password (24 alphanumerics, components/cluster/ha-cluster.ts). */
const PASSWORD = "Hx7pQ2mZ9vL4kR8sT3wY6nB1";
/** The generated database password. */
const DB_PASSWORD = "Db4kP9sW2xQ7mL3vR8tY5nZ1";
/** The fence key, as the host's keypair gives it (no final newline: the provider adds one). */
const FENCE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nRkVOQ0UtS0VZLUZPUi1USEUtTEFC\n-----END OPENSSH PRIVATE KEY-----";

const accessOf = (node: NodeSpec) => ({
  address: managementAddress(node, dev.networks),
  port: 22,
  user: "root",
});
/** The members as components/cluster/ha-cluster.ts passes them: links in cluster.links order. */
const MEMBERS = dev.nodes.map((node) => ({
  name: node.name,
  nodeId: node.nodeId,
  access: accessOf(node),
  linkAddresses: dev.cluster.links.map((link) => interfaceOn(node, link).address),
  linkHostnames: dev.cluster.links.map((link) => interfaceOn(node, link).hostname),
}));
const ACCESS = MEMBERS.map((m) => m.access);
const [N1, N2] = ACCESS.map((a) => a.address);
const NODE_OF: Record<string, string> = { [N1]: "node01", [N2]: "node02" };
/** Member → cluster node name (its host name on link 0). */
const NODE_NAMES = Object.fromEntries(MEMBERS.map((m) => [m.name, m.linkHostnames[0]]));
/** Member → libvirt domain (the fence_virsh plug). */
const HOST_MAP = Object.fromEntries(dev.nodes.map((n) => [n.name, n.domainName]));
const FENCE = dev.fencing[0];
const GROUP = dev.services[0] as ServiceGroupSpec;
const TOPOLOGY = "1:node01h=192.168.9.121,192.168.8.121 2:node02h=192.168.9.122,192.168.8.122";
const UUID = "5e2a4c51a7d84b1f9d3f2e0c6b8a7d10";

type ClusterInputs = Parameters<typeof clusterScript>[0];
type StonithInputs = Parameters<typeof createArgs>[0];
type GroupInputs = Parameters<typeof groupCommands>[0];

function pcsRaw(extra: Props = {}): Props {
  return {
    name: dev.cluster.name,
    transport: dev.cluster.transport,
    tokenMs: dev.cluster.tokenMs,
    twoNode: dev.cluster.twoNode,
    startAtBoot: dev.cluster.startAtBoot,
    members: MEMBERS,
    sshPrivateKey: KEY,
    haclusterPassword: PASSWORD,
    properties: dev.cluster.properties,
    resourceDefaults: dev.cluster.resourceDefaults,
    [RESOURCE_NAME_KEY]: "dev-cluster-pcs",
    ...extra,
  };
}

function stonithRaw(extra: Props = {}): Props {
  return {
    stack: dev.cluster.stack,
    clusterName: dev.cluster.name,
    nodes: ACCESS,
    sshPrivateKey: KEY,
    name: FENCE.name,
    agent: FENCE.agent,
    ipaddr: FENCE.ipaddr,
    login: FENCE.login,
    identityFile: FENCE.identityFile,
    identityKey: FENCE_KEY,
    action: FENCE.action,
    hostMap: HOST_MAP,
    clusterNodeNames: NODE_NAMES,
    [RESOURCE_NAME_KEY]: "dev-fence-kvmhost01-stonith",
    ...extra,
  };
}

function groupRaw(extra: Props = {}, group: ServiceGroupSpec = GROUP, spec: LabSpec = dev): Props {
  return {
    stack: spec.cluster.stack,
    clusterName: spec.cluster.name,
    nodes: ACCESS,
    sshPrivateKey: KEY,
    name: group.name,
    autostart: group.autostart,
    domain: group.domain,
    ...(group.stickiness !== undefined ? { stickiness: group.stickiness } : {}),
    resources: group.resources,
    lunDevices: {},
    clusterNodeNames: NODE_NAMES,
    glusterMountOptions: GLUSTER_MOUNT_OPTIONS,
    dbPassword: DB_PASSWORD,
    dbClientCidr: serviceCidr(group, spec.networks),
    [RESOURCE_NAME_KEY]: "dev-svc-service01-group",
    ...extra,
  };
}

const clusterInputs = async (extra: Props = {}) =>
  (await checked(pcsClusterProvider, pcsRaw(extra))) as unknown as ClusterInputs;
const stonithInputs = async (extra: Props = {}) =>
  (await checked(stonithDeviceProvider, stonithRaw(extra))) as unknown as StonithInputs;
const groupInputs = async (extra: Props = {}, group?: ServiceGroupSpec, spec?: LabSpec) =>
  (await checked(serviceGroupProvider, groupRaw(extra, group, spec))) as unknown as GroupInputs;

// ---------------------------------------------------------------------------------------------
// Fixtures (shapes of test/parse-pacemaker.test.ts)
// ---------------------------------------------------------------------------------------------

/**
 * corosync.conf as `pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121
 * node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000` writes it.
 */
const COROSYNC_CONF = `totem {
    version: 2
    cluster_name: cluster01
    transport: knet
    token: 20000
    crypto_cipher: aes256
    crypto_hash: sha256
    cluster_uuid: ${UUID}
}

nodelist {
    node {
        ring0_addr: 192.168.9.121
        ring1_addr: 192.168.8.121
        name: node01h
        nodeid: 1
    }

    node {
        ring0_addr: 192.168.9.122
        ring1_addr: 192.168.8.122
        name: node02h
        nodeid: 2
    }
}

quorum {
    provider: corosync_votequorum
    two_node: 1
}

logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: yes
    timestamp: on
}
`;

/** `crm_mon -1 --output-as=xml` with both members in the membership except `offline`. */
function crmMon(offline: readonly string[] = []): string {
  const node = (name: string, id: number) =>
    `    <node name="${name}" id="${id}" online="${!offline.includes(name)}" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="false" shutdown="false" expected_up="true" is_dc="${id === 1}" resources_running="0" type="member"/>`;
  return `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <summary>
    <stack type="corosync"/>
    <current_dc present="true" version="2.1.5-a3f44794f94" name="node01h" id="1" with_quorum="true" mixed_version="false"/>
    <last_update time="Tue Mar  5 10:20:11 2024"/>
    <nodes_configured number="2"/>
    <resources_configured number="4" disabled="0" blocked="0"/>
  </summary>
  <nodes>
${node("node01h", 1)}
${node("node02h", 2)}
  </nodes>
  <resources/>
  <status code="0" message="OK"/>
</pacemaker-result>
`;
}

/** crm_mon while pacemaker is stopped on the node (the shape of pcs's error fixtures). */
const CRM_MON_NOT_CONNECTED = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>crm_mon: Error: cluster is not available on this node</error>
    </errors>
  </status>
</pacemaker-result>
`;

/** The default lab's cluster properties. */
const LAB_PROPERTIES = { "stonith-enabled": "true", "no-quorum-policy": "stop" };

/** The properties pacemaker maintains itself (parseCib leaves them out). */
const READONLY_NVPAIRS = [
  `<nvpair id="cib-bootstrap-options-have-watchdog" name="have-watchdog" value="false"/>`,
  `<nvpair id="cib-bootstrap-options-dc-version" name="dc-version" value="2.1.5-a3f44794f94"/>`,
  `<nvpair id="cib-bootstrap-options-cluster-infrastructure" name="cluster-infrastructure" value="corosync"/>`,
  `<nvpair id="cib-bootstrap-options-cluster-name" name="cluster-name" value="cluster01"/>`,
  `<nvpair id="cib-bootstrap-options-last-lrm-refresh" name="last-lrm-refresh" value="1709633560"/>`,
];

interface CibParts {
  /** Cluster properties besides the read-only ones (default: the lab's). */
  properties?: Record<string, string>;
  /** rsc_defaults (default none: the lab removed pcs's build default). */
  rscDefaults?: Record<string, string>;
  resources?: string;
  constraints?: string;
}

/** `cibadmin --query` of the default lab (pacemaker 2.1.5, as in test/parse-pacemaker.test.ts). */
function cib(p: CibParts = {}): string {
  const props = Object.entries(p.properties ?? LAB_PROPERTIES).map(
    ([k, v]) => `<nvpair id="cib-bootstrap-options-${k}" name="${k}" value="${v}"/>`,
  );
  const defaults = Object.entries(p.rscDefaults ?? {}).map(
    ([k, v]) => `        <nvpair id="build-${k}" name="${k}" value="${v}"/>`,
  );
  return `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="27" num_updates="6" admin_epoch="0" cib-last-written="Tue Mar  5 10:12:40 2024" update-origin="node01h" update-client="cibadmin" update-user="root" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
${[...READONLY_NVPAIRS, ...props].map((l) => `        ${l}`).join("\n")}
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node01h"/>
      <node id="2" uname="node02h"/>
    </nodes>
    <resources>
${p.resources ?? ""}
    </resources>
    <constraints>
${p.constraints ?? ""}
    </constraints>
    <rsc_defaults>
      <meta_attributes id="build-resource-defaults">
${defaults.join("\n")}
      </meta_attributes>
    </rsc_defaults>
  </configuration>
  <status>
    <node_state id="1" uname="node01h" in_ccm="true" crmd="online" crm-debug-origin="do_state_transition" join="member" expected="member"/>
  </status>
</cib>
`;
}

const STONITH_XML = `      <primitive class="stonith" id="kvmhost01" type="fence_virsh">
        <instance_attributes id="kvmhost01-instance_attributes">
          <nvpair id="kvmhost01-instance_attributes-identity_file" name="identity_file" value="/etc/cluster/fence_virsh_key"/>
          <nvpair id="kvmhost01-instance_attributes-ip" name="ip" value="192.168.8.1"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_host_map" name="pcmk_host_map" value="node01h:dev-node01;node02h:dev-node02"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_monitor_timeout" name="pcmk_monitor_timeout" value="120s"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_reboot_timeout" name="pcmk_reboot_timeout" value="300s"/>
          <nvpair id="kvmhost01-instance_attributes-username" name="username" value="root"/>
        </instance_attributes>
        <operations>
          <op id="kvmhost01-monitor-interval-60s" interval="60s" name="monitor"/>
        </operations>
      </primitive>
`;

const IP_XML = `        <primitive class="ocf" id="service01-ip" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="service01-ip-instance_attributes">
            <nvpair id="service01-ip-instance_attributes-cidr_netmask" name="cidr_netmask" value="24"/>
            <nvpair id="service01-ip-instance_attributes-ip" name="ip" value="192.168.7.99"/>
          </instance_attributes>
          <operations>
            <op id="service01-ip-monitor-interval-10s" interval="10s" name="monitor" timeout="20s"/>
            <op id="service01-ip-start-interval-0s" interval="0s" name="start" timeout="20s"/>
            <op id="service01-ip-stop-interval-0s" interval="0s" name="stop" timeout="20s"/>
          </operations>
        </primitive>
`;

const FS_XML = `        <primitive class="ocf" id="service01-fs" provider="heartbeat" type="Filesystem">
          <instance_attributes id="service01-fs-instance_attributes">
            <nvpair id="service01-fs-instance_attributes-device" name="device" value="localhost:/data00"/>
            <nvpair id="service01-fs-instance_attributes-directory" name="directory" value="/gldata00"/>
            <nvpair id="service01-fs-instance_attributes-fstype" name="fstype" value="glusterfs"/>
            <nvpair id="service01-fs-instance_attributes-options" name="options" value="log-level=WARNING,log-file=/var/log/gluster.log"/>
          </instance_attributes>
          <operations>
            <op id="service01-fs-monitor-interval-20s" interval="20s" name="monitor" timeout="40s"/>
            <op id="service01-fs-start-interval-0s" interval="0s" name="start" timeout="180s"/>
            <op id="service01-fs-stop-interval-0s" interval="0s" name="stop" timeout="180s"/>
          </operations>
        </primitive>
`;

const DB_XML = `        <primitive class="ocf" id="service01-db" provider="heartbeat" type="pgsql">
          <instance_attributes id="service01-db-instance_attributes">
            <nvpair id="service01-db-instance_attributes-config" name="config" value="/gldata00/pgsql/postgresql.conf"/>
            <nvpair id="service01-db-instance_attributes-pgctl" name="pgctl" value="/usr/lib/postgresql/15/bin/pg_ctl"/>
            <nvpair id="service01-db-instance_attributes-pgdata" name="pgdata" value="/gldata00/pgsql"/>
            <nvpair id="service01-db-instance_attributes-pgport" name="pgport" value="5432"/>
            <nvpair id="service01-db-instance_attributes-socketdir" name="socketdir" value="/var/run/postgresql"/>
            <nvpair id="service01-db-instance_attributes-start_opt" name="start_opt" value="-c recovery_init_sync_method=syncfs"/>
            <nvpair id="service01-db-instance_attributes-psql" name="psql" value="/usr/lib/postgresql/15/bin/psql"/>
          </instance_attributes>
          <operations>
            <op id="service01-db-monitor-interval-30s" interval="30s" name="monitor" timeout="60s"/>
            <op id="service01-db-start-interval-0s" interval="0s" name="start" timeout="600s"/>
            <op id="service01-db-stop-interval-0s" interval="0s" name="stop" timeout="300s"/>
          </operations>
        </primitive>
`;

/** A meta_attributes set of `id`. */
function metaXml(id: string, meta: Record<string, string>, indent: string): string {
  const pairs = Object.entries(meta).map(
    ([k, v]) => `${indent}  <nvpair id="${id}-meta_attributes-${k}" name="${k}" value="${v}"/>\n`,
  );
  return `${indent}<meta_attributes id="${id}-meta_attributes">\n${pairs.join("")}${indent}</meta_attributes>\n`;
}

/**
 * Group service01: left stopped (autostart false), with the unordered domain's stickiness (1000,
 * spec/defaults.ts UNORDERED_DOMAIN_STICKINESS).
 */
function groupXml(
  members: string[] = [IP_XML, FS_XML, DB_XML],
  meta: Record<string, string> = { "target-role": "Stopped", "resource-stickiness": "1000" },
): string {
  return `      <group id="service01">\n${metaXml("service01", meta, "        ")}${members.join("")}      </group>\n`;
}

/** A member disabled (`pcs resource disable <member>`). */
function stoppedMember(xml: string, id: string): string {
  return edited(xml, "<operations>", `${metaXml(id, { "target-role": "Stopped" }, "")}<operations>`);
}

const LOCATIONS_XML = `      <rsc_location id="location-service01-node01h-200" node="node01h" rsc="service01" score="200"/>
      <rsc_location id="location-service01-node02h-100" node="node02h" rsc="service01" score="100"/>
`;
/** What `pcs resource move service01 node02h` leaves behind. */
const CLI_PREFER_XML = `      <rsc_location id="cli-prefer-service01" rsc="service01" role="Started" node="node02h" score="INFINITY"/>
`;

/** The default lab's CIB once everything converged. */
const CIB_CONFIGURED = cib({ resources: STONITH_XML + groupXml(), constraints: LOCATIONS_XML });

/** What STATE_SCRIPT prints. */
function pcsState(p: { conf?: string; boot?: string; mon?: string; cib?: string } = {}): string {
  return [
    "== corosync",
    p.conf ?? COROSYNC_CONF,
    "== boot",
    p.boot ?? "disabled",
    "== mon",
    p.mon ?? crmMon(),
    "== cib",
    p.cib ?? CIB_CONFIGURED,
    "",
  ].join("\n");
}

const STATE = /^echo "== corosync"/;
const READ_CIB = /^echo "== cib"; cibadmin --query/;
const CIB_QUERY = /^cibadmin --query$/;

// ---------------------------------------------------------------------------------------------
// The default lab's wiring
// ---------------------------------------------------------------------------------------------

describe("the default lab as the providers get it", () => {
  test("members node01h/node02h: heartbeat link 0, management link 1, reached on management", () => {
    expect(MEMBERS).toEqual([
      {
        name: "node01",
        nodeId: 1,
        access: { address: "192.168.8.121", port: 22, user: "root" },
        linkAddresses: ["192.168.9.121", "192.168.8.121"],
        linkHostnames: ["node01h", "node01m"],
      },
      {
        name: "node02",
        nodeId: 2,
        access: { address: "192.168.8.122", port: 22, user: "root" },
        linkAddresses: ["192.168.9.122", "192.168.8.122"],
        linkHostnames: ["node02h", "node02m"],
      },
    ]);
    expect(NODE_NAMES).toEqual({ node01: "node01h", node02: "node02h" });
    expect(HOST_MAP).toEqual({ node01: "dev-node01", node02: "dev-node02" });
    expect(wantedTopology(MEMBERS)).toBe(TOPOLOGY);
  });
});

// ---------------------------------------------------------------------------------------------
// PcsCluster
// ---------------------------------------------------------------------------------------------

describe("PcsCluster: scripts and settings", () => {
  test("clusterScript: auth on management addresses, setup with both links and the token, start, no boot start", async () => {
    const script = clusterScript(await clusterInputs());
    expect(script).toContain(
      `printf '%s\\n' "$pw" | pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster >/dev/null`,
    );
    expect(script).toContain(
      "  pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000 >/dev/null\n",
    );
    expect(script).toContain(`if [ "$current" != cluster01 ]; then`);
    expect(script).toContain(`if [ "$token" != 20000 ]; then\n  pcs cluster config update totem token=20000`);
    expect(script).toContain("pcs cluster start --all --wait=300 --request-timeout=360 >/dev/null");
    expect(script).toMatch(/pcs cluster disable --all --request-timeout=300 >\/dev\/null$/);
    expect(script).not.toMatch(/pcs cluster enable|--enable/);
    expect(script).not.toContain(PASSWORD);
    bashSyntaxCheck(script);
  });

  test("clusterScript with startAtBoot: setup --enable and pcs cluster enable --all", async () => {
    const script = clusterScript(await clusterInputs({ startAtBoot: true }));
    expect(script).toContain("transport knet totem token=20000 --enable >/dev/null");
    expect(script).toMatch(/pcs cluster enable --all --request-timeout=300 >\/dev\/null$/);
    expect(script).not.toContain("pcs cluster disable");
    bashSyntaxCheck(script);
  });

  test("pcsdScript: password from stdin to chpasswd, pcsd started, another cluster destroyed", () => {
    const script = pcsdScript("cluster01");
    expect(script).toContain("pw=$(cat)");
    expect(script).toContain(`printf 'hacluster:%s\\n' "$pw" | chpasswd`);
    expect(script).toContain("systemctl start pcsd");
    expect(script).toContain(
      `if [ -n "$current" ] && [ "$current" != cluster01 ]; then pcs cluster destroy >/dev/null 2>&1 || true; fi`,
    );
    bashSyntaxCheck(script);
  });

  describe("run for real against fakes", () => {
    /** pcs logs and answers; chpasswd keeps its stdin; ss shows pcsd listening. */
    function pcsFakes(): FakeBin {
      return fakeBin({
        pcs: `case "$1 $2" in
  "host auth") IFS= read -r pw; printf '%s\\n' "$pw" > "$FAKE_ROOT/auth.stdin" ;;
  "cluster setup") cp "$FAKE_ROOT/setup.conf" "$FAKE_CONF" ;;
esac`,
        chpasswd: `cat > "$FAKE_ROOT/chpasswd.stdin"`,
        systemctl: "",
        ss: `echo "LISTEN 0 5 0.0.0.0:2224 0.0.0.0:*"`,
      });
    }
    const CONF_PATH = "/etc/corosync/corosync.conf";
    const withConf = (script: string, conf: string) => script.split(CONF_PATH).join(conf);

    test("pcsdScript: chpasswd gets hacluster:<password>; the Debian one-node cluster is destroyed, ours kept", () => {
      const fake = pcsFakes();
      const conf = path.join(fake.root, "corosync.conf");
      fs.writeFileSync(conf, "totem {\n    cluster_name: debian\n}\n");
      const first = runWithFakes(fake, withConf(pcsdScript("cluster01"), conf), `${PASSWORD}\n`);
      expect(first.status).toBe(0);
      expect(fs.readFileSync(path.join(fake.root, "chpasswd.stdin"), "utf8")).toBe(`hacluster:${PASSWORD}\n`);
      expect(logOf(fake)).toEqual([
        "chpasswd ",
        "systemctl enable pcsd",
        "systemctl start pcsd",
        "pcs cluster destroy",
        "ss -Hltn",
      ]);
      expect(logOf(fake).join("\n")).not.toContain(PASSWORD);

      fs.writeFileSync(fake.log, "");
      fs.writeFileSync(conf, COROSYNC_CONF);
      expect(runWithFakes(fake, withConf(pcsdScript("cluster01"), conf), `${PASSWORD}\n`).status).toBe(0);
      expect(logOf(fake)).not.toContain("pcs cluster destroy");
    });

    test("pcsdScript: an empty stdin fails with the user-error exit before anything runs", () => {
      const fake = pcsFakes();
      const r = runWithFakes(fake, pcsdScript("cluster01"), "");
      expect(r.status).toBe(65);
      expect(r.stderr).toContain("kvmlab: no hacluster password on stdin");
      expect(logOf(fake)).toEqual([]);
    });

    test("clusterScript: setup when the node has no cluster; nothing but start/boot when it is ours; token fixed in place", async () => {
      const inputs = await clusterInputs();
      const fake = pcsFakes();
      const conf = path.join(fake.root, "corosync.conf");
      fs.writeFileSync(path.join(fake.root, "setup.conf"), COROSYNC_CONF);
      const run = () =>
        runWithFakes(fake, withConf(clusterScript(inputs), conf), `${PASSWORD}\n`, { FAKE_CONF: conf });
      const auth = "pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster";
      const setup =
        "pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000";
      const startAndBoot = [
        "pcs cluster start --all --wait=300 --request-timeout=360",
        "pcs cluster disable --all --request-timeout=300",
      ];

      const fresh = run();
      expect({ status: fresh.status, stdout: fresh.stdout }).toEqual({ status: 0, stdout: "setup\n" });
      expect(logOf(fake)).toEqual([auth, setup, ...startAndBoot]);
      expect(fs.readFileSync(path.join(fake.root, "auth.stdin"), "utf8")).toBe(`${PASSWORD}\n`);

      fs.writeFileSync(fake.log, "");
      const again = run();
      expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: "" });
      expect(logOf(fake)).toEqual([auth, ...startAndBoot]);

      fs.writeFileSync(fake.log, "");
      fs.writeFileSync(conf, edited(COROSYNC_CONF, "token: 20000", "token: 10000"));
      const token = run();
      expect({ status: token.status, stdout: token.stdout }).toEqual({ status: 0, stdout: "token\n" });
      expect(logOf(fake)).toEqual([
        auth,
        "pcs cluster config update totem token=20000",
        "pcs cluster reload corosync",
        ...startAndBoot,
      ]);
      expect(logOf(fake).join("\n")).not.toContain(PASSWORD);
    });
  });

  test("settingsCommands: nothing when the live settings are the wanted ones", () => {
    expect(
      settingsCommands(
        { properties: LAB_PROPERTIES, resourceDefaults: { "resource-stickiness": "100" } },
        { properties: { ...LAB_PROPERTIES }, resourceDefaults: { "resource-stickiness": "100" } },
      ),
    ).toEqual([]);
  });

  test("settingsCommands: set what changed, unset what was removed, defaults updated with an empty value for dropped ones", () => {
    expect(
      settingsCommands(
        {
          properties: { "stonith-enabled": "true", "no-quorum-policy": "stop", "stonith-timeout": "60s" },
          resourceDefaults: { "resource-stickiness": "100", "migration-threshold": "3" },
        },
        {
          properties: { "stonith-enabled": "false", "no-quorum-policy": "stop", "maintenance-mode": "true" },
          resourceDefaults: {
            "resource-stickiness": "1",
            "migration-threshold": "3",
            "failure-timeout": "60s",
          },
        },
      ),
    ).toEqual([
      ["pcs", "property", "set", "stonith-enabled=true", "stonith-timeout=60s"],
      ["pcs", "property", "unset", "maintenance-mode"],
      ["pcs", "resource", "defaults", "update", "resource-stickiness=100", "failure-timeout="],
    ]);
  });

  test("parseState and topologyOf: corosync.conf, boot, crm_mon and the CIB as the resource's fields", () => {
    expect(parseState({ members: MEMBERS }, pcsState({ boot: "enabled" }))).toEqual({
      running: true,
      startAtBoot: true,
      name: "cluster01",
      transport: "knet",
      tokenMs: 20000,
      twoNode: true,
      topology: TOPOLOGY,
      properties: LAB_PROPERTIES,
      resourceDefaults: {},
    });
    expect(
      topologyOf([
        { name: "b", nodeId: 2, addrs: ["10.0.0.2"] },
        { name: "a", nodeId: 1, addrs: ["10.0.0.1", "10.0.1.1"] },
      ]),
    ).toBe("1:a=10.0.0.1,10.0.1.1 2:b=10.0.0.2");
    // A node without corosync.conf, pacemaker or CIB: not running, nothing else known.
    expect(parseState({ members: MEMBERS }, pcsState({ conf: "", boot: "", mon: "", cib: "" }))).toEqual({
      running: false,
      startAtBoot: false,
    });
  });

  test("check names the fields it refuses", async () => {
    expect(
      await failedProperties(
        pcsClusterProvider,
        pcsRaw({ transport: "udpu", tokenMs: 500, haclusterPassword: "short", members: [MEMBERS[0]] }),
      ),
    ).toEqual(["haclusterPassword", "members", "tokenMs", "transport"]);
  });
});

/** The fake cluster: pcsd and setup succeed, STATE answers `state`, the UUID is the fixture's. */
function clusterAnswers(state: string | (() => Reply)): void {
  on(/cluster_uuid/, { stdout: `${UUID}\n` });
  on(/pcs host auth/, { stdout: "setup\n" });
  on(STATE, typeof state === "string" ? { stdout: state } : state);
}

describe("PcsCluster: create", () => {
  test("pcsd on both nodes, then on node01 the cluster script, the state, only the differing settings, the UUID", async () => {
    // A fresh setup: pcs wrote resource-stickiness=1 as a default; one property already right.
    clusterAnswers(
      pcsState({
        cib: cib({ properties: { "no-quorum-policy": "stop" }, rscDefaults: { "resource-stickiness": "1" } }),
      }),
    );
    const inputs = await clusterInputs();
    const { id, outs } = await pcsClusterProvider.create(inputs as unknown as Props);
    expect(id).toBe("cluster01");
    expect(outs).toMatchObject({ clusterUuid: UUID, topology: TOPOLOGY, name: "cluster01" });
    const all = steps();
    expect(all.slice(0, 2).sort()).toEqual(["node01 pcsd", "node02 pcsd"]);
    expect(all.slice(2)).toEqual(["node01 cluster", "node01 state", "node01 batch", "node01 uuid"]);
    expect(callsOf("pcsd").map((c) => c.script)).toEqual([pcsdScript("cluster01"), pcsdScript("cluster01")]);
    expect(callsOf("cluster")[0]?.script).toBe(clusterScript(inputs));
    expect(batches()).toEqual([
      ["pcs property set stonith-enabled=true", "pcs resource defaults update resource-stickiness="],
    ]);
  });

  test("the hacluster password travels only on stdin, marked sensitive, never in a command", async () => {
    clusterAnswers(pcsState({ cib: cib({ properties: {} }) }));
    await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw()));
    expect(mockLab.calls.length).toBeGreaterThan(4);
    for (const call of mockLab.calls) {
      expect(call.script).not.toContain(PASSWORD);
      expect(JSON.stringify(call.opts.env ?? {})).not.toContain(PASSWORD);
    }
    const secretCalls = [...callsOf("pcsd"), ...callsOf("cluster")];
    expect(secretCalls).toHaveLength(3);
    for (const call of secretCalls) {
      expect(call.opts.stdin).toBe(`${PASSWORD}\n`);
      expect(call.opts.sensitive).toEqual([PASSWORD]);
    }
    for (const call of mockLab.calls.filter((c) => !secretCalls.includes(c))) {
      expect(String(call.opts.stdin ?? "")).not.toContain(PASSWORD);
    }
    expect(batches()).toEqual([["pcs property set stonith-enabled=true no-quorum-policy=stop"]]);
  });

  test("settings already right: no property or defaults command at all", async () => {
    clusterAnswers(pcsState());
    await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw()));
    expect(batches()).toEqual([]);
    expect(steps().slice(2)).toEqual(["node01 cluster", "node01 state", "node01 uuid"]);
  });

  test("a failing pcsd script on node02: the error names node02, the password is redacted, no setup", async () => {
    clusterAnswers(pcsState());
    on(/chpasswd/, { code: 65, stderr: `kvmlab: chpasswd: password ${PASSWORD} rejected by PAM\n` }, N2);
    const err = await failureOf(pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw())));
    expect(err.message).toBe(
      'PcsCluster "dev-cluster-pcs": create failed: on node02 (192.168.8.122): chpasswd: password *** rejected by PAM',
    );
    expect(callsOf("cluster")).toEqual([]);
  });

  test("a failing cluster script: the error is redacted of the password everywhere", async () => {
    // First matching rule wins: the failure before the fake cluster's answers.
    on(/pcs host auth/, {
      code: 1,
      stderr: `Error: Unable to authenticate node01h with password ${PASSWORD}\n`,
    });
    clusterAnswers(pcsState());
    const err = await failureOf(pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw())));
    expect(err.message).toContain("ssh root@192.168.8.121:22: command failed with exit code 1");
    expect(err.message).toContain("Unable to authenticate node01h with password ***");
    expect(err.message).not.toContain(PASSWORD);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(PASSWORD);
  });
});

describe("PcsCluster: read, diff, update, delete", () => {
  /** The default lab's cluster inputs after check (what `news` is for the engine). */
  const pcsNews = (extra: Props = {}) => checked(pcsClusterProvider, pcsRaw(extra));

  /** Created on a healthy fake; calls and rules forgotten. */
  async function createdCluster(extra: Props = {}): Promise<Props> {
    clusterAnswers(pcsState());
    const { outs } = await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw(extra)));
    forget();
    return outs;
  }

  test("healthy: corosync.conf matching, both online, properties equal → no diff; only node01 is asked", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState() });
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props).toMatchObject({
      running: true,
      startAtBoot: false,
      topology: TOPOLOGY,
      properties: LAB_PROPERTIES,
    });
    expect(diff).toEqual(NO_DIFF);
    expect(steps()).toEqual(["node01 state"]);
    expect(mockLab.connects).toEqual([N1]);
  });

  test("stonith-enabled=false set out of band → in-place update that sets it back, and nothing else", async () => {
    const olds = await createdCluster();
    const drifted = pcsState({ cib: cib({ properties: { ...LAB_PROPERTIES, "stonith-enabled": "false" } }) });
    on(STATE, { stdout: drifted });
    const news = await checked(pcsClusterProvider, pcsRaw());
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props.properties).toEqual({ "stonith-enabled": "false", "no-quorum-policy": "stop" });
    expect(diff).toEqual(IN_PLACE);

    forget();
    clusterAnswers(drifted);
    const { outs } = await pcsClusterProvider.update("cluster01", props, news);
    expect(outs).toMatchObject({ clusterUuid: UUID, topology: TOPOLOGY });
    expect(batches()).toEqual([["pcs property set stonith-enabled=true"]]);
    // Only the settings: no pcsd, auth or cluster start, nothing on node02.
    expect(steps()).toEqual(["node01 state", "node01 batch"]);
    expect(settingsOnlyChange(props, news)).toBe(true);
    expect(settingsOnlyChange({ ...props, running: false }, news)).toBe(false);
    expect(settingsOnlyChange({ ...props, tokenMs: 10000 }, news)).toBe(false);
  });

  test("a node offline → running false → update starts the cluster again (no replacement)", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState({ mon: crmMon(["node02h"]) }) });
    const news = await checked(pcsClusterProvider, pcsRaw());
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props.running).toBe(false);
    expect(diff).toEqual(IN_PLACE);

    forget();
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    expect(steps().slice(0, 2).sort()).toEqual(["node01 pcsd", "node02 pcsd"]);
    expect(callsOf("cluster")[0]?.script).toContain("pcs cluster start --all --wait=300");
  });

  test("the token changed (config or out of band) → in place, no replacement; the update changes it with pcs", async () => {
    const olds = await createdCluster();
    // Out of band: corosync.conf says 10000.
    on(STATE, { stdout: pcsState({ conf: edited(COROSYNC_CONF, "token: 20000", "token: 10000") }) });
    const same = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(same.props.tokenMs).toBe(10000);
    expect(same.diff).toEqual(IN_PLACE);

    // In the config: 30000.
    forget();
    on(STATE, { stdout: pcsState() });
    const news = await checked(pcsClusterProvider, pcsRaw({ tokenMs: 30000 }));
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(diff).toEqual(IN_PLACE);
    forget();
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    const script = callsOf("cluster")[0]?.script ?? "";
    expect(script).toContain(`if [ "$token" != 30000 ]; then\n  pcs cluster config update totem token=30000`);
    expect(script).toContain("totem token=30000 >/dev/null");
  });

  test("another link address in corosync.conf → replaces topology, deleted before the replacement", async () => {
    const olds = await createdCluster();
    const moved = edited(COROSYNC_CONF, "ring1_addr: 192.168.8.122", "ring1_addr: 192.168.8.132");
    on(STATE, { stdout: pcsState({ conf: moved }) });
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props.topology).toBe(
      "1:node01h=192.168.9.121,192.168.8.121 2:node02h=192.168.9.122,192.168.8.132",
    );
    expect(diff).toEqual({ changes: true, replaces: ["topology"], deleteBeforeReplace: true });
  });

  test("a member's link address changed in the config replaces; its SSH endpoint alone does not", async () => {
    const olds = await createdCluster();
    const diffTo = async (extra: Props) => pcsClusterProvider.diff("cluster01", olds, await pcsNews(extra));
    const moved = MEMBERS.map((m, i) =>
      i === 1 ? { ...m, linkAddresses: ["192.168.9.132", m.access.address] } : m,
    );
    expect(await diffTo({ members: moved })).toEqual({
      changes: true,
      replaces: ["topology"],
      deleteBeforeReplace: true,
    });
    const reached = MEMBERS.map((m, i) => (i === 1 ? { ...m, access: { ...m.access, port: 2222 } } : m));
    expect(await diffTo({ members: reached })).toEqual(IN_PLACE);
    expect(await diffTo({ name: "cluster02" })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
  });

  test("node01 unreachable: read takes the state from node02", async () => {
    const olds = await createdCluster();
    mockLab.down = [N1];
    on(STATE, { stdout: pcsState() }, N2);
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(mockLab.connects).toEqual([N1, N2]);
    expect(steps()).toEqual(["node02 state"]);
    expect(props.running).toBe(true);
    expect(diff).toEqual(NO_DIFF);
  });

  test("no member reachable: running false, the rest as stored", async () => {
    const olds = await createdCluster();
    mockLab.down = [N1, N2];
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props).toEqual({ ...olds, running: false });
    expect(diff).toEqual(IN_PLACE);
    expect(mockLab.calls).toEqual([]);
  });

  test("pacemaker stopped on the answering node (crm_mon: Not connected) reads as running false", async () => {
    // After a reboot with startAtBoot false (the default), crm_mon prints its "Not connected" XML on stdout.
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState({ mon: CRM_MON_NOT_CONNECTED }) });
    const read = await pcsClusterProvider.read("cluster01", olds);
    expect(read.props).toMatchObject({ running: false });
  });

  test("delete destroys the cluster from node01; an unreachable node01 leaves nothing to do", async () => {
    const olds = await createdCluster();
    await pcsClusterProvider.delete("cluster01", olds);
    expect(steps()).toEqual(["node01 destroy"]);
    expect(mockLab.calls[0]?.script).toBe("pcs cluster destroy --all >/dev/null 2>&1 || true");

    forget();
    mockLab.down = [N1];
    await expect(pcsClusterProvider.delete("cluster01", olds)).resolves.toBeUndefined();
    expect(mockLab.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// StonithDevice
// ---------------------------------------------------------------------------------------------

/** The sha256 the key sum script prints for `key` as installed (with its final newline). */
function keySum(key: string): string {
  return createHash("sha256")
    .update(key.endsWith("\n") ? key : `${key}\n`)
    .digest("hex");
}
const WANTED_ATTRIBUTES = {
  ip: "192.168.8.1",
  username: "root",
  identity_file: "/etc/cluster/fence_virsh_key",
  pcmk_host_map: "node01h:dev-node01;node02h:dev-node02",
  pcmk_monitor_timeout: "120s",
  pcmk_reboot_timeout: "300s",
};

/** The fake fencing side: key installs and crm_verify succeed, the CIB and key sums as given. */
function stonithAnswers(p: { cib: string; sums?: Record<string, string> }): void {
  on(CIB_QUERY, { stdout: p.cib });
  on(READ_CIB, { stdout: `== cib\n${p.cib}` });
  for (const [where, sum] of Object.entries(p.sums ?? { [N1]: keySum(FENCE_KEY), [N2]: keySum(FENCE_KEY) })) {
    on(/sha256sum/, { stdout: `${sum}\n` }, where);
  }
}

describe("StonithDevice: builders", () => {
  test("createArgs for the default lab: the current fence_virsh parameter names, host map in member order", async () => {
    expect(createArgs(await stonithInputs())).toEqual([
      "pcs",
      "stonith",
      "create",
      "kvmhost01",
      "fence_virsh",
      "ip=192.168.8.1",
      "username=root",
      "identity_file=/etc/cluster/fence_virsh_key",
      "pcmk_host_map=node01h:dev-node01;node02h:dev-node02",
      "pcmk_monitor_timeout=120s",
      "pcmk_reboot_timeout=300s",
    ]);
    expect(wantedAttributes(await stonithInputs())).toEqual(WANTED_ATTRIBUTES);
    expect(wantedAttributes(await stonithInputs({ action: "off" }))).toEqual({
      ...WANTED_ATTRIBUTES,
      pcmk_reboot_action: "off",
    });
  });

  test("matches: the CIB's device against the wanted attributes", () => {
    const live = parseCib(CIB_CONFIGURED).stonith[0];
    expect(matches(live, WANTED_ATTRIBUTES)).toBe(true);
    expect(matches({ ...live, type: "fence_xvm" }, WANTED_ATTRIBUTES)).toBe(false);
    expect(matches(live, { ...WANTED_ATTRIBUTES, ip: "192.168.8.254" })).toBe(false);
    expect(matches(live, { ...WANTED_ATTRIBUTES, pcmk_reboot_action: "off" })).toBe(false);
  });

  test("keyScript writes the decoded stdin atomically with mode 0600 (run for real)", () => {
    const script = keyScript("/etc/cluster/fence_virsh_key");
    expect(script).toContain("base64 -d > /etc/cluster/fence_virsh_key.new");
    expect(script).toContain("mv -f /etc/cluster/fence_virsh_key.new /etc/cluster/fence_virsh_key");
    bashSyntaxCheck(script);
    bashSyntaxCheck(keySumScript("/etc/cluster/fence_virsh_key"));

    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kvmlab-key-"));
    tempRoots.push(root);
    const file = path.join(root, "cluster", "fence_virsh_key");
    const r = spawnSync("bash", ["-c", keyScript(file)], {
      input: Buffer.from(`${FENCE_KEY}\n`).toString("base64"),
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(`${FENCE_KEY}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${file}.new`)).toBe(false);
    const sum = spawnSync("bash", ["-c", keySumScript(file)], { encoding: "utf8" });
    expect(sum.stdout.trim()).toBe(keySum(FENCE_KEY));
    const missing = spawnSync("bash", ["-c", keySumScript(path.join(root, "none"))], { encoding: "utf8" });
    expect({ status: missing.status, stdout: missing.stdout.trim() }).toEqual({ status: 0, stdout: "" });
  });
});

describe("StonithDevice: create", () => {
  test("the key on every node via stdin base64, then on node01 pcs stonith create and crm_verify -L", async () => {
    stonithAnswers({ cib: cib() });
    const inputs = await stonithInputs();
    const { id, outs } = await stonithDeviceProvider.create(inputs as unknown as Props);
    expect(id).toBe("kvmhost01");
    expect(outs.deviceId).toBe("kvmhost01");
    const all = steps();
    expect(all.slice(0, 2).sort()).toEqual(["node01 key", "node02 key"]);
    expect(all.slice(2)).toEqual(["node01 cib", "node01 batch", "node01 verify"]);
    expect(batches()).toEqual([[shellJoin(createArgs(inputs))]]);
    expect(batches()[0]?.[0]).toBe(
      "pcs stonith create kvmhost01 fence_virsh ip=192.168.8.1 username=root " +
        "identity_file=/etc/cluster/fence_virsh_key 'pcmk_host_map=node01h:dev-node01;node02h:dev-node02' pcmk_monitor_timeout=120s pcmk_reboot_timeout=300s",
    );
    for (const call of callsOf("key")) {
      expect(call.script).toBe(keyScript("/etc/cluster/fence_virsh_key"));
      expect(Buffer.from(String(call.opts.stdin), "base64").toString("utf8")).toBe(`${FENCE_KEY}\n`);
      expect(call.opts.sensitive).toEqual([FENCE_KEY]);
    }
    const b64 = Buffer.from(`${FENCE_KEY}\n`).toString("base64");
    for (const call of mockLab.calls) {
      expect(call.script).not.toContain("RkVOQ0UtS0VZLUZPUi1USEUtTEFC");
      expect(call.script).not.toContain(b64);
    }
    expect(callsOf("verify")[0]?.opts.okExitCodes).toEqual([0, 1, 2, 3, 4]);
  });

  test("crm_verify -L exit 1: the create fails with crm_verify's output", async () => {
    stonithAnswers({ cib: cib() });
    on(/^crm_verify -L/, {
      code: 1,
      stdout: "error: kvmhost01: unknown parameter 'ipaddr'\nErrors found during check: config not valid\n",
    });
    const inputs = await checked(stonithDeviceProvider, stonithRaw());
    await expect(stonithDeviceProvider.create(inputs)).rejects.toThrow(
      'StonithDevice "dev-fence-kvmhost01-stonith": create failed: crm_verify -L is not clean after the STONITH device was set: ' +
        "error: kvmhost01: unknown parameter 'ipaddr'\nErrors found during check: config not valid",
    );
  });

  test("the device already there as wanted: no pcs command, crm_verify still checked", async () => {
    stonithAnswers({ cib: CIB_CONFIGURED });
    await stonithDeviceProvider.create(await checked(stonithDeviceProvider, stonithRaw()));
    expect(batches()).toEqual([]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 verify"]);
  });

  test("cman stack: only the keys, no pcs, cibadmin or crm_verify at all", async () => {
    stonithAnswers({ cib: CIB_CONFIGURED });
    const { outs } = await stonithDeviceProvider.create(
      await checked(stonithDeviceProvider, stonithRaw({ stack: "cman" })),
    );
    expect(outs.deviceId).toBe("kvmhost01");
    expect(steps().sort()).toEqual(["node01 key", "node02 key"]);
    expect(mockLab.calls.some((c) => /pcs|cibadmin|crm_verify/.test(c.script))).toBe(false);
  });
});

describe("StonithDevice: read, diff, update, delete", () => {
  async function createdDevice(extra: Props = {}, live = CIB_CONFIGURED): Promise<Props> {
    stonithAnswers({ cib: live });
    const { outs } = await stonithDeviceProvider.create(
      await checked(stonithDeviceProvider, stonithRaw(extra)),
    );
    forget();
    return outs;
  }

  test("healthy: keys equal on both nodes, the device as configured and enabled → no diff", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: CIB_CONFIGURED });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ keyInstalled: true, enabled: true, configured: true });
    expect(diff).toEqual(NO_DIFF);
    expect(steps().sort()).toEqual(["node01 keysum", "node01 read-cib", "node02 keysum"]);
  });

  test("the key differs on node02 → keyInstalled false → the update installs it again, no pcs command", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: CIB_CONFIGURED, sums: { [N1]: keySum(FENCE_KEY), [N2]: keySum("another key") } });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ keyInstalled: false, enabled: true, configured: true });
    expect(diff).toEqual(IN_PLACE);

    forget();
    stonithAnswers({ cib: CIB_CONFIGURED });
    await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(steps().slice(0, 2).sort()).toEqual(["node01 key", "node02 key"]);
    expect(batches()).toEqual([]);
  });

  test("a node unreachable at read: its key counts as missing", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: CIB_CONFIGURED });
    mockLab.down = [N2];
    const read = await stonithDeviceProvider.read("kvmhost01", olds);
    expect(read.props).toMatchObject({ keyInstalled: false, configured: true });
  });

  test("the device deleted from the CIB → the resource is gone (read id '')", async () => {
    const olds = await createdDevice();
    stonithAnswers({ cib: cib() });
    expect(await stonithDeviceProvider.read("kvmhost01", olds)).toEqual({ id: "", props: {} });
  });

  test("target-role Stopped → enabled false → the update runs pcs stonith enable only", async () => {
    const olds = await createdDevice();
    const disabled = cib({ resources: stoppedMember(STONITH_XML, "kvmhost01") });
    stonithAnswers({ cib: disabled });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ keyInstalled: true, enabled: false, configured: true });
    expect(diff).toEqual(IN_PLACE);

    forget();
    stonithAnswers({ cib: disabled });
    await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(batches()).toEqual([["pcs stonith enable kvmhost01"]]);
    expect(steps().slice(2)).toEqual(["node01 cib", "node01 batch", "node01 verify"]);
  });

  test("an attribute changed out of band → configured false → pcs stonith update with every wanted attribute", async () => {
    const olds = await createdDevice();
    const changed = cib({
      resources: edited(STONITH_XML, 'name="ip" value="192.168.8.1"', 'name="ip" value="192.168.8.254"'),
    });
    stonithAnswers({ cib: changed });
    const news = await checked(stonithDeviceProvider, stonithRaw());
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    expect(props).toMatchObject({ keyInstalled: true, enabled: true, configured: false });
    expect(diff).toEqual(IN_PLACE);

    forget();
    stonithAnswers({ cib: changed });
    await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(batches()).toEqual([
      [
        "pcs stonith update kvmhost01 ip=192.168.8.1 username=root identity_file=/etc/cluster/fence_virsh_key " +
          "'pcmk_host_map=node01h:dev-node01;node02h:dev-node02' pcmk_monitor_timeout=120s pcmk_reboot_timeout=300s",
      ],
    ]);
  });

  test("action off → reboot: the update removes the stale pcmk_reboot_action=off", async () => {
    const withOff = cib({
      resources: edited(
        STONITH_XML,
        '          <nvpair id="kvmhost01-instance_attributes-username"',
        '          <nvpair id="kvmhost01-instance_attributes-pcmk_reboot_action" name="pcmk_reboot_action" value="off"/>\n' +
          '          <nvpair id="kvmhost01-instance_attributes-username"',
      ),
    });
    const olds = await createdDevice({ action: "off" }, withOff);
    stonithAnswers({ cib: withOff });
    const news = await checked(stonithDeviceProvider, stonithRaw({ action: "reboot" }));
    const { props, diff } = await refreshDiff(stonithDeviceProvider, "kvmhost01", olds, news);
    // As configured before (off); the config changed → an in-place update, which removes the attribute.
    expect(props.configured).toBe(true);
    expect(diff).toEqual(IN_PLACE);
    forget();
    stonithAnswers({ cib: withOff });
    await stonithDeviceProvider.update("kvmhost01", props, news);
    expect(batches().flat().join("\n")).toMatch(/^pcs stonith update kvmhost01 .* pcmk_reboot_action=$/m);
  });

  test("cman stack: read checks only the keys", async () => {
    const olds = await createdDevice({ stack: "cman" });
    stonithAnswers({ cib: CIB_CONFIGURED });
    const read = await stonithDeviceProvider.read("kvmhost01", olds);
    expect(read.props).toMatchObject({ keyInstalled: true });
    expect(steps().sort()).toEqual(["node01 keysum", "node02 keysum"]);
  });

  test("delete: pcs stonith delete on node01, then the key removed from every node; cman removes only keys", async () => {
    const olds = await createdDevice();
    await stonithDeviceProvider.delete("kvmhost01", olds);
    expect(steps()[0]).toBe("node01 delete-stonith");
    expect(steps().slice(1).sort()).toEqual(["node01 rm-key", "node02 rm-key"]);
    expect(callsOf("rm-key")[0]?.script).toBe("rm -f /etc/cluster/fence_virsh_key");

    forget();
    await stonithDeviceProvider.delete("kvmhost01", { ...olds, stack: "cman" });
    expect(steps().sort()).toEqual(["node01 rm-key", "node02 rm-key"]);
  });
});

// ---------------------------------------------------------------------------------------------
// ClusterServiceGroup
// ---------------------------------------------------------------------------------------------

const PG_BIN = "/usr/lib/postgresql/15/bin";
const GROUP_CREATES = [
  [
    "pcs",
    "resource",
    "create",
    "service01-ip",
    "ocf:heartbeat:IPaddr2",
    "ip=192.168.7.99",
    "cidr_netmask=24",
    "--group",
    "service01",
    "--disabled",
  ],
  [
    "pcs",
    "resource",
    "create",
    "service01-fs",
    "ocf:heartbeat:Filesystem",
    "device=localhost:/data00",
    "directory=/gldata00",
    "fstype=glusterfs",
    "options=log-level=WARNING,log-file=/var/log/gluster.log",
    "op",
    "start",
    "timeout=180s",
    "op",
    "stop",
    "timeout=180s",
    "--group",
    "service01",
    "--disabled",
  ],
  [
    "pcs",
    "resource",
    "create",
    "service01-db",
    "ocf:heartbeat:pgsql",
    `pgctl=${PG_BIN}/pg_ctl`,
    `psql=${PG_BIN}/psql`,
    "pgdata=/gldata00/pgsql",
    "config=/gldata00/pgsql/postgresql.conf",
    "pgport=5432",
    "socketdir=/var/run/postgresql",
    "start_opt=-c recovery_init_sync_method=syncfs",
    "op",
    "start",
    "timeout=600s",
    "op",
    "stop",
    "timeout=300s",
    "op",
    "monitor",
    "interval=30s",
    "timeout=60s",
    "--group",
    "service01",
    "--disabled",
  ],
];
const PREFERS = "pcs constraint location service01 prefers node01h=200 node02h=100";
const STICKINESS = "pcs resource meta service01 resource-stickiness=1000";
const NO_STICKINESS = "pcs resource meta service01 resource-stickiness=";
/** service01 with an ordered domain: no stickiness of its own. */
const ORDERED_GROUP: ServiceGroupSpec = {
  name: GROUP.name,
  autostart: GROUP.autostart,
  domain: { ...GROUP.domain, ordered: true },
  resources: GROUP.resources,
};

/** The CIB without the group, with it but without constraints, and as configured. */
const CIB_NO_GROUP = cib({ resources: STONITH_XML });
const CIB_GROUP_ONLY = cib({ resources: STONITH_XML + groupXml() });

describe("ClusterServiceGroup: builders", () => {
  test("groupCommands for service01: created disabled in start order, the group left stopped, members enabled", async () => {
    expect(groupCommands(await groupInputs())).toEqual([
      ...GROUP_CREATES,
      ["pcs", "resource", "disable", "service01"],
      ["pcs", "resource", "enable", "service01-ip", "service01-fs", "service01-db"],
    ]);
  });

  test("wantedMembers and wantedLocations for service01", async () => {
    const inputs = await groupInputs();
    expect(wantedMembers(inputs)).toEqual([
      {
        id: "service01-ip",
        agent: "ocf:heartbeat:IPaddr2",
        attributes: { ip: "192.168.7.99", cidr_netmask: "24" },
        operations: {},
      },
      {
        id: "service01-fs",
        agent: "ocf:heartbeat:Filesystem",
        attributes: {
          device: "localhost:/data00",
          directory: "/gldata00",
          fstype: "glusterfs",
          options: "log-level=WARNING,log-file=/var/log/gluster.log",
        },
        operations: { start: { timeout: "180s" }, stop: { timeout: "180s" } },
      },
      {
        id: "service01-db",
        agent: "ocf:heartbeat:pgsql",
        attributes: {
          pgctl: `${PG_BIN}/pg_ctl`,
          psql: `${PG_BIN}/psql`,
          pgdata: "/gldata00/pgsql",
          config: "/gldata00/pgsql/postgresql.conf",
          pgport: "5432",
          socketdir: "/var/run/postgresql",
          start_opt: "-c recovery_init_sync_method=syncfs",
        },
        operations: {
          start: { timeout: "600s" },
          stop: { timeout: "300s" },
          monitor: { interval: "30s", timeout: "60s" },
        },
      },
    ]);
    expect(wantedLocations(inputs)).toEqual({ node01h: "200", node02h: "100" });
    // A restricted domain smaller than the cluster avoids the other node.
    const one = await groupInputs({ domain: { ...GROUP.domain, nodes: ["node02"] } });
    expect(wantedLocations(one)).toEqual({ node02h: "100", node01h: "-INFINITY" });
  });

  test("liveState: the configured CIB is all true; drift shows on its own field", async () => {
    const inputs = await groupInputs();
    const all = {
      resourcesAsConfigured: true,
      membersEnabled: true,
      constraintsAsConfigured: true,
      enabled: true,
    };
    expect(liveState(inputs, parseCib(CIB_CONFIGURED))).toEqual(all);
    expect(liveState(inputs, parseCib(CIB_NO_GROUP))).toBeUndefined();
    const onLive = (resources: string, constraints = LOCATIONS_XML) =>
      liveState(inputs, parseCib(cib({ resources: STONITH_XML + resources, constraints })));
    expect(onLive(groupXml([IP_XML, FS_XML]))).toEqual({ ...all, resourcesAsConfigured: false });
    expect(onLive(groupXml([FS_XML, IP_XML, DB_XML]))).toEqual({ ...all, resourcesAsConfigured: false });
    expect(onLive(groupXml([IP_XML, edited(FS_XML, 'value="/gldata00"', 'value="/mnt"'), DB_XML]))).toEqual({
      ...all,
      resourcesAsConfigured: false,
    });
    expect(onLive(groupXml([IP_XML, stoppedMember(FS_XML, "service01-fs"), DB_XML]))).toEqual({
      ...all,
      membersEnabled: false,
    });
    expect(onLive(groupXml(), LOCATIONS_XML + CLI_PREFER_XML)).toEqual(all);
    expect(onLive(groupXml(), edited(LOCATIONS_XML, 'score="200"', 'score="50"'))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    expect(onLive(groupXml(undefined, { "target-role": "Stopped", "resource-stickiness": "100" }))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    expect(onLive(groupXml(undefined, { "target-role": "Stopped" }))).toEqual({
      ...all,
      constraintsAsConfigured: false,
    });
    // An ordered domain wants no stickiness on the group.
    const ordered = await groupInputs({}, ORDERED_GROUP);
    expect(liveState(ordered, parseCib(CIB_CONFIGURED))).toEqual({ ...all, constraintsAsConfigured: false });
    expect(
      liveState(
        ordered,
        parseCib(
          cib({ resources: groupXml(undefined, { "target-role": "Stopped" }), constraints: LOCATIONS_XML }),
        ),
      ),
    ).toEqual(all);
    // With autostart, a stopped group is drift.
    expect(liveState(await groupInputs({ autostart: true }), parseCib(CIB_CONFIGURED))).toEqual({
      ...all,
      enabled: false,
    });
  });

  test("pgInitScript for gluster-mount: mounts localhost:/data00 only when not mounted, unmounts what it mounted", async () => {
    const script = pgInitScript(await groupInputs()) ?? "";
    expect(script).toContain(
      "mkdir -p /gldata00\nif ! mountpoint -q /gldata00; then\n" +
        "  mount -t glusterfs -o log-level=WARNING,log-file=/var/log/gluster.log localhost:/data00 /gldata00\n" +
        "  mounted=yes\nfi\n",
    );
    expect(script).toContain(`trap '[ -z "$mounted" ] || umount /gldata00' EXIT`);
    expect(script).not.toContain(DB_PASSWORD);
    bashSyntaxCheck(script);
  });

  test("pgInitScript for iscsi-filesystem: mkfs only when blkid finds no file system", async () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
    const script = pgInitScript(await groupInputs({ lunDevices: { "2": device } }, group, iscsi)) ?? "";
    expect(script).toContain(
      `blkid ${device} >/dev/null 2>&1 || mkfs.ext4 -q ${device}\n  mount ${device} /shared00`,
    );
    expect(script).toContain(`trap '[ -z "$mounted" ] || umount /shared00' EXIT`);
    bashSyntaxCheck(script);
  });

  test("pgInitScript: none without PostgreSQL; no mount without a shared file system", async () => {
    const ipOnly = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind === "ip") };
    expect(pgInitScript(await groupInputs({}, ipOnly))).toBeUndefined();
    const dbOnly = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind === "postgresql") };
    const script = pgInitScript(await groupInputs({}, dbOnly)) ?? "";
    expect(script).toContain("bash -c ");
    expect(script).not.toMatch(/mountpoint|mount -t/);
    bashSyntaxCheck(script);
  });

  describe("pgInitScript run for real against fakes", () => {
    /** The group with its shared file system and data under a temporary mount point. */
    function underRoot(root: string, group: ServiceGroupSpec): ServiceGroupSpec {
      return {
        ...group,
        resources: group.resources.map((r) =>
          r.kind === "gluster-mount" || r.kind === "iscsi-filesystem"
            ? { ...r, mountPoint: path.join(root, "mnt") }
            : r.kind === "postgresql"
              ? { ...r, dataDir: path.join(root, "mnt", "pgsql") }
              : r,
        ),
      };
    }

    test("gluster: not mounted → mounted, data initialised, unmounted last; already mounted → left alone", async () => {
      const fake = fakeBin({ ...PG_TOOLS, ...MOUNT_TOOLS });
      const mnt = path.join(fake.root, "mnt");
      const script = pgInitScript(await groupInputs({}, underRoot(fake.root, GROUP))) ?? "";
      const r = runWithFakes(fake, script, `${DB_PASSWORD}\n`);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 0,
        stdout: "initialised\n",
        stderr: "",
      });
      const log = logOf(fake);
      expect(log.slice(0, 2)).toEqual([
        `mountpoint -q ${mnt}`,
        `mount -t glusterfs -o log-level=WARNING,log-file=/var/log/gluster.log localhost:/data00 ${mnt}`,
      ]);
      expect(log[log.length - 1]).toBe(`umount ${mnt}`);
      expect(log.filter((l) => /^runuser .*initdb -D /.test(l))).toHaveLength(1);
      expect(fs.readFileSync(path.join(fake.root, "psql.stdin"), "utf8")).toContain(
        `PASSWORD '${DB_PASSWORD}'`,
      );

      fs.writeFileSync(fake.log, "");
      const again = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_MOUNTPOINT: "0" });
      expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: "exists\n" });
      expect(logOf(fake)).toEqual([`mountpoint -q ${mnt}`]);
    });

    test("iSCSI: mkfs only when blkid finds nothing, then mount and umount", async () => {
      const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
      const fake = fakeBin({ ...PG_TOOLS, ...MOUNT_TOOLS });
      const mnt = path.join(fake.root, "mnt");
      const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
      const group = underRoot(fake.root, iscsi.services[0] as ServiceGroupSpec);
      const script = pgInitScript(await groupInputs({ lunDevices: { "2": device } }, group, iscsi)) ?? "";

      const blank = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_BLKID: "2" });
      expect(blank.status).toBe(0);
      expect(logOf(fake).slice(0, 4)).toEqual([
        `mountpoint -q ${mnt}`,
        `blkid ${device}`,
        `mkfs.ext4 -q ${device}`,
        `mount ${device} ${mnt}`,
      ]);
      expect(logOf(fake).at(-1)).toBe(`umount ${mnt}`);

      fs.writeFileSync(fake.log, "");
      const formatted = runWithFakes(fake, script, `${DB_PASSWORD}\n`, { FAKE_BLKID: "0" });
      expect({ status: formatted.status, stdout: formatted.stdout }).toEqual({
        status: 0,
        stdout: "exists\n",
      });
      expect(logOf(fake)).toEqual([
        `mountpoint -q ${mnt}`,
        `blkid ${device}`,
        `mount ${device} ${mnt}`,
        `umount ${mnt}`,
      ]);
    });
  });
});

describe("ClusterServiceGroup: create", () => {
  test("a CIB without the group: PostgreSQL init (password on stdin), the pcs creates, then constraints and stickiness", async () => {
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    on(/PG_VERSION/, { stdout: "initialised\n" });
    const inputs = await groupInputs();
    const { id, outs } = await serviceGroupProvider.create(inputs as unknown as Props);
    expect(id).toBe("service01");
    expect(outs.groupId).toBe("service01");
    expect(steps()).toEqual(["node01 cib", "node01 pg-init", "node01 batch", "node01 cib", "node01 batch"]);
    expect(mockLab.connects).toEqual([N1]);
    const init = callsOf("pg-init")[0];
    expect(init?.script).toBe(pgInitScript(inputs));
    expect(init?.opts.stdin).toBe(`${DB_PASSWORD}\n`);
    expect(init?.opts.sensitive).toEqual([DB_PASSWORD]);
    for (const call of mockLab.calls) expect(call.script).not.toContain(DB_PASSWORD);
    const others = mockLab.calls.filter((c) => c !== init);
    expect(others.map((c) => String(c.opts.stdin ?? ""))).toEqual(others.map(() => ""));
    expect(batches()).toEqual([
      [...groupCommands(inputs).map((c) => shellJoin(c)), "pcs resource cleanup service01"],
      [PREFERS, STICKINESS],
    ]);
  });

  test("an ordered domain (no stickiness): the constraints batch removes the group's stickiness", async () => {
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    await serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw({}, ORDERED_GROUP)));
    expect(batches()[1]).toEqual([PREFERS, NO_STICKINESS]);
  });

  test("the iSCSI lab: the LUN's device in the Filesystem resource, stickiness 1000", async () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device = lunDevicePath("192.168.8.1:3260", iscsi.iscsi.iqn, 2);
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: CIB_GROUP_ONLY }));
    await serviceGroupProvider.create(
      await checked(serviceGroupProvider, groupRaw({ lunDevices: { "2": device } }, group, iscsi)),
    );
    expect(batches()[0]?.[1]).toBe(
      `pcs resource create service01-fs ocf:heartbeat:Filesystem device=${device} directory=/shared00 fstype=ext4 op start timeout=180s op stop timeout=180s --group service01 --disabled`,
    );
    expect(batches()[1]).toEqual([PREFERS, STICKINESS]);
  });

  test("the init script fails: the error names the node, the password is redacted, nothing is created", async () => {
    on(CIB_QUERY, { stdout: CIB_NO_GROUP });
    on(/PG_VERSION/, { code: 65, stderr: `kvmlab: psql: password ${DB_PASSWORD} rejected\n` });
    const err = await failureOf(serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw())));
    expect(err.message).toBe(
      'ClusterServiceGroup "dev-svc-service01-group": create failed: on 192.168.8.121: psql: password *** rejected',
    );
    expect(batches()).toEqual([]);
  });

  test("no PostgreSQL in the group: no init script", async () => {
    const noDb = { ...GROUP, resources: GROUP.resources.filter((r) => r.kind !== "postgresql") };
    const created = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]) });
    on(CIB_QUERY, inTurn({ stdout: CIB_NO_GROUP }, { stdout: created }));
    await serviceGroupProvider.create(
      await checked(serviceGroupProvider, groupRaw({ dbPassword: "" }, noDb)),
    );
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib", "node01 batch"]);
  });

  test("cman stack: nothing runs (create, read, update, delete)", async () => {
    const inputs = await checked(serviceGroupProvider, groupRaw({ stack: "cman" }));
    const { outs } = await serviceGroupProvider.create(inputs);
    expect(outs.groupId).toBe("service01");
    const read = await serviceGroupProvider.read("service01", outs);
    expect(read).toEqual({ id: "service01", props: outs });
    await serviceGroupProvider.update("service01", outs, inputs);
    await serviceGroupProvider.delete("service01", outs);
    expect(mockLab.connects).toEqual([]);
    expect(mockLab.calls).toEqual([]);
  });
});

describe("ClusterServiceGroup: read, diff, update, delete", () => {
  async function createdGroup(extra: Props = {}): Promise<Props> {
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    const { outs } = await serviceGroupProvider.create(await checked(serviceGroupProvider, groupRaw(extra)));
    forget();
    return outs;
  }

  /** read → diff on `live`, then update with `cibs` answered in turn; returns the read props. */
  async function driftThenUpdate(olds: Props, live: string, cibs: string[], news?: Props): Promise<Props> {
    on(READ_CIB, { stdout: `== cib\n${live}` });
    const wanted = news ?? (await checked(serviceGroupProvider, groupRaw()));
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, wanted);
    expect(diff).toEqual(IN_PLACE);
    forget();
    on(CIB_QUERY, inTurn(...cibs.map((stdout) => ({ stdout }))));
    on(/PG_VERSION/, { stdout: "exists\n" });
    await serviceGroupProvider.update("service01", props, wanted);
    return props;
  }

  test("healthy: the CIB as configured → no diff; an existing group is not re-initialised or re-created", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: `== cib\n${CIB_CONFIGURED}` });
    const news = await checked(serviceGroupProvider, groupRaw());
    const { diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(diff).toEqual(NO_DIFF);
    expect(steps()).toEqual(["node01 read-cib"]);
    forget();
    on(CIB_QUERY, { stdout: CIB_CONFIGURED });
    await serviceGroupProvider.update("service01", olds, await checked(serviceGroupProvider, groupRaw()));
    expect(steps()).toEqual(["node01 cib", "node01 cib"]);
  });

  test("node01 has no CIB (pacemaker stopped): read takes node02's", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: "== cib\n" }, N1);
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    on(READ_CIB, { stdout: `== cib\n${missing}` }, N2);
    const read = await serviceGroupProvider.read("service01", olds);
    expect(steps()).toEqual(["node01 read-cib", "node02 read-cib"]);
    expect(read.props).toMatchObject({ resourcesAsConfigured: false });
  });

  test("the group deleted out of band → the resource is gone", async () => {
    const olds = await createdGroup();
    on(READ_CIB, { stdout: `== cib\n${CIB_NO_GROUP}` });
    expect(await serviceGroupProvider.read("service01", olds)).toEqual({ id: "", props: {} });
  });

  test("a member missing → resourcesAsConfigured false → the update deletes and re-creates the group", async () => {
    const olds = await createdGroup();
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    const props = await driftThenUpdate(olds, missing, [missing, CIB_NO_GROUP, CIB_GROUP_ONLY]);
    expect(props.resourcesAsConfigured).toBe(false);
    expect(steps()).toEqual([
      "node01 cib",
      "node01 delete-group",
      "node01 cib",
      "node01 pg-init",
      "node01 batch",
      "node01 cib",
      "node01 batch",
    ]);
    // Stopped and waited for before the delete: no file system stays mounted elsewhere.
    expect(callsOf("delete-group")[0]?.script).toBe(
      "pcs resource disable service01 --wait=300 >/dev/null\npcs resource delete service01 --force >/dev/null",
    );
    const inputs = await groupInputs();
    expect(batches()).toEqual([
      [...groupCommands(inputs).map((c) => shellJoin(c)), "pcs resource cleanup service01"],
      [PREFERS, STICKINESS],
    ]);
  });

  test("a member's parameter and timeout changed → updated in place with pcs resource update, the group kept", async () => {
    const olds = await createdGroup();
    const oldDb = DB_XML.replace(/\n.*name="start_opt".*/, "").replace('timeout="600s"', 'timeout="120s"');
    const changed = cib({
      resources: STONITH_XML + groupXml([IP_XML, FS_XML, oldDb]),
      constraints: LOCATIONS_XML,
    });
    const props = await driftThenUpdate(olds, changed, [changed, CIB_CONFIGURED, CIB_CONFIGURED]);
    expect(props.resourcesAsConfigured).toBe(false);
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib", "node01 cib"]);
    const inputs = await groupInputs();
    // The same parameters and operations as the member's create command, as one update.
    const create = groupCommands(inputs).find((c) => c[2] === "create" && c[3] === "service01-db") ?? [];
    expect(create.join(" ")).toContain("start_opt=-c recovery_init_sync_method=syncfs op start timeout=600s");
    expect(memberUpdates(inputs, parseCib(changed))).toEqual([
      ["pcs", "resource", "update", "service01-db", ...create.slice(5, create.indexOf("--group"))],
    ]);
    expect(batches()).toEqual([memberUpdates(inputs, parseCib(changed))?.map((c) => shellJoin(c))]);
    // A member missing is not an in-place update.
    const missing = cib({ resources: STONITH_XML + groupXml([IP_XML, FS_XML]), constraints: LOCATIONS_XML });
    expect(memberUpdates(inputs, parseCib(missing))).toBeUndefined();
    expect(memberUpdates(inputs, parseCib(CIB_CONFIGURED))).toEqual([]);
  });

  test("a member with target-role Stopped → membersEnabled false → pcs resource enable <member>", async () => {
    const olds = await createdGroup();
    const stopped = cib({
      resources: STONITH_XML + groupXml([IP_XML, stoppedMember(FS_XML, "service01-fs"), DB_XML]),
      constraints: LOCATIONS_XML,
    });
    const props = await driftThenUpdate(olds, stopped, [stopped, CIB_CONFIGURED]);
    expect(props.membersEnabled).toBe(false);
    expect(batches()).toEqual([["pcs resource enable service01-fs"]]);
    expect(steps()).toEqual(["node01 cib", "node01 batch", "node01 cib"]);
  });

  test("autostart and the group stopped → enabled false → pcs resource enable service01", async () => {
    const olds = await createdGroup({ autostart: true });
    const news = await checked(serviceGroupProvider, groupRaw({ autostart: true }));
    const props = await driftThenUpdate(olds, CIB_CONFIGURED, [CIB_CONFIGURED], news);
    expect(props.enabled).toBe(false);
    expect(batches()).toEqual([["pcs resource enable service01"]]);
  });

  test("a cli-prefer-service01 constraint (pcs resource move) is not drift, and is never removed", async () => {
    const olds = await createdGroup();
    const moved = cib({ resources: STONITH_XML + groupXml(), constraints: LOCATIONS_XML + CLI_PREFER_XML });
    on(READ_CIB, { stdout: `== cib\n${moved}` });
    const news = await checked(serviceGroupProvider, groupRaw());
    const { props, diff } = await refreshDiff(serviceGroupProvider, "service01", olds, news);
    expect(props.constraintsAsConfigured).toBe(true);
    expect(diff).toEqual(NO_DIFF);
    forget();
    on(CIB_QUERY, { stdout: moved });
    await serviceGroupProvider.update("service01", props, news);
    expect(batches()).toEqual([]);
  });

  test("a changed location score → constraintsAsConfigured false → ours removed and added again, cli- kept", async () => {
    const olds = await createdGroup();
    const changed = cib({
      resources: STONITH_XML + groupXml(),
      constraints:
        edited(
          LOCATIONS_XML,
          'id="location-service01-node01h-200" node="node01h" rsc="service01" score="200"',
          'id="location-service01-node01h-50" node="node01h" rsc="service01" score="50"',
        ) + CLI_PREFER_XML,
    });
    const props = await driftThenUpdate(olds, changed, [changed]);
    expect(props.constraintsAsConfigured).toBe(false);
    expect(batches()).toEqual([
      [
        "pcs constraint remove location-service01-node01h-50",
        "pcs constraint remove location-service01-node02h-100",
        PREFERS,
        STICKINESS,
      ],
    ]);
    expect(batches().flat().join("\n")).not.toContain("cli-prefer-service01");
  });

  test("delete removes the group from node01; unreachable node01 is nothing to remove", async () => {
    const olds = await createdGroup();
    await serviceGroupProvider.delete("service01", olds);
    expect(mockLab.calls.map((c) => `${NODE_OF[c.where]} ${c.script}`)).toEqual([
      "node01 pcs resource delete service01 --force >/dev/null 2>&1 || true",
    ]);
    forget();
    mockLab.down = [N1];
    await expect(serviceGroupProvider.delete("service01", olds)).resolves.toBeUndefined();
  });

  test("check refuses a group without resources", async () => {
    expect(
      await failedProperties(serviceGroupProvider, groupRaw({ resources: [], stack: "heartbeat" })),
    ).toEqual(["resources", "stack"]);
  });
});

// ---------------------------------------------------------------------------------------------
// renderPgInit
// ---------------------------------------------------------------------------------------------

const PG_INPUT: PgInitInput = {
  dataDir: "/gldata00/pgsql",
  port: 5432,
  clientCidr: "192.168.7.0/24",
  role: DB_ROLE,
  binDir: PG_BIN_DIR,
};

describe("renderPgInit", () => {
  test("idempotent guard first, scram host line for the CIDR, role and database through psql's stdin", () => {
    const script = renderPgInit(PG_INPUT);
    const guard = script.indexOf(`if [ -f "$data/PG_VERSION" ]; then echo "exists"; exit 0; fi`);
    expect(guard).toBeGreaterThan(0);
    expect(guard).toBeLessThan(script.indexOf("install -d"));
    expect(guard).toBeLessThan(script.indexOf("initdb"));
    expect(script).toContain("data=/gldata00/pgsql\n");
    expect(script).toContain(
      `runuser -u postgres -- ${PG_BIN}/initdb -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256`,
    );
    expect(script).toContain(`echo "host all all 192.168.7.0/24 scram-sha-256" >> "$data/pg_hba.conf"`);
    expect(script).toContain("port = 5432\n");
    expect(script).toContain(
      `printf "CREATE ROLE lab LOGIN CREATEDB PASSWORD '%s';\\nCREATE DATABASE lab OWNER lab;\\n"`,
    );
    expect(script).toContain(
      `|\n  runuser -u postgres -- ${PG_BIN}/psql -q -v ON_ERROR_STOP=1 -p 5432 -d postgres`,
    );
    expect(script).toContain("password=$(cat)");
    bashSyntaxCheck(script);
  });

  test("refuses unusable values, naming the field", () => {
    for (const dataDir of ["gldata00/pgsql", "/gldata00/../etc", "/gl data", "/gl'data", ""]) {
      expect(() => renderPgInit({ ...PG_INPUT, dataDir })).toThrow(/^dataDir ".*" must be an absolute path/);
    }
    for (const port of [0, 65536, 5432.5, -1]) {
      expect(() => renderPgInit({ ...PG_INPUT, port })).toThrow(`port ${port} is not a TCP port`);
    }
    for (const clientCidr of ["192.168.7.0", "192.168.7.0/x", "any", "192.168.7.0/24; rm -rf /"]) {
      expect(() => renderPgInit({ ...PG_INPUT, clientCidr })).toThrow(
        /^clientCidr ".*" is not an IPv4 network/,
      );
    }
    for (const role of ["Lab", "1lab", "lab;drop", "lab-user", ""]) {
      expect(() => renderPgInit({ ...PG_INPUT, role })).toThrow(
        /^role ".*" must be a plain lower-case SQL name/,
      );
    }
  });

  describe("run for real against fakes", () => {
    function pgRun(password: string) {
      const fake = fakeBin(PG_TOOLS);
      const data = path.join(fake.root, "pgsql");
      const script = renderPgInit({ ...PG_INPUT, dataDir: data });
      return { fake, data, script, run: (stdin = `${password}\n`) => runWithFakes(fake, script, stdin) };
    }

    test("first run initialises (role created from stdin), second run only says exists", () => {
      const password = "pa'ss$word";
      const { fake, data, run } = pgRun(password);
      const first = run();
      expect({ status: first.status, stdout: first.stdout, stderr: first.stderr }).toEqual({
        status: 0,
        stdout: "initialised\n",
        stderr: "",
      });
      expect(logOf(fake)).toEqual([
        `install -d -o postgres -g postgres -m 0700 ${data}`,
        `runuser -u postgres -- ${PG_BIN}/initdb -D ${data} -U postgres --auth-local=peer --auth-host=scram-sha-256 --no-sync`,
        "install -d -o postgres -g postgres -m 2775 /var/run/postgresql",
        `runuser -u postgres -- ${PG_BIN}/pg_ctl -D ${data} -w -o -c listen_addresses='' start`,
        `runuser -u postgres -- ${PG_BIN}/psql -q -v ON_ERROR_STOP=1 -p 5432 -d postgres`,
        `runuser -u postgres -- ${PG_BIN}/pg_ctl -D ${data} -w -m fast stop`,
      ]);
      expect(fs.readFileSync(path.join(fake.root, "psql.stdin"), "utf8")).toBe(
        "CREATE ROLE lab LOGIN CREATEDB PASSWORD 'pa''ss$word';\nCREATE DATABASE lab OWNER lab;\n",
      );
      expect(logOf(fake).join("\n")).not.toContain("ss$word");
      expect(fs.readFileSync(path.join(data, "postgresql.conf"), "utf8")).toContain(
        "listen_addresses = '*'\nport = 5432\nunix_socket_directories = '/var/run/postgresql'\n",
      );
      expect(fs.readFileSync(path.join(data, "pg_hba.conf"), "utf8")).toBe(
        "host all all 192.168.7.0/24 scram-sha-256\n",
      );

      fs.writeFileSync(fake.log, "");
      const second = run();
      expect({ status: second.status, stdout: second.stdout }).toEqual({ status: 0, stdout: "exists\n" });
      expect(logOf(fake)).toEqual([]);
    });

    test("an empty stdin exits 65 before touching anything", () => {
      const { fake, data, run } = pgRun("unused");
      const r = run("");
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 65,
        stderr: "kvmlab: no role password on stdin\n",
      });
      expect(logOf(fake)).toEqual([]);
      expect(fs.existsSync(data)).toBe(false);
    });
  });
});
