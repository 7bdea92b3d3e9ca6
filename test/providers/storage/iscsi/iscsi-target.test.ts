/**
 * Unit tests of the storage providers (iSCSI target and initiators, GlusterFS peers, volume and
 * mount) and of the helpers they share (node-exec, tgt-plan), against a fake lab: the SSH layer's
 * `withSession` and the KVM host's `runOnHost` are mocked. Every script is recorded with the
 * machine it ran on and answered from per-test rules the way the real runners do (resolve on an
 * ok exit code, reject with a {@link RemoteCommandError} otherwise); a node listed as down fails
 * to connect with an `SshConnectionError` before anything runs on it. The shapes of the
 * `tgtadm --op show` and `gluster --xml` answers follow test/render-storage.test.ts.
 *
 * The providers are driven through their public methods as the engine drives them:
 * check → create, read → diff → update, delete. The brick script is also run for real with bash
 * against temporary directories, and every generated script is syntax-checked with `bash -n`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RESOURCE_NAME_KEY, type Props } from "../providers/core/base";
import type { HostRunOptions } from "../providers/exec/host-exec";
import {
  describeTarget,
  RemoteCommandError,
  shellJoin,
  SshConnectionError,
  type RunOptions,
  type RunResult,
  type SshSession,
  type SshTarget,
} from "../providers/exec/ssh";
import {
  explainFailure,
  isUnreachable,
  parseSections,
  SCRIPT_FAIL,
  USER_ERROR_EXIT,
} from "../providers/exec/node-exec";
import { isInitiatorName, planTgt, tgtadm, type DesiredTgtTarget } from "../providers/storage/iscsi/tgt-plan";
import { tgtSizeMB, type TgtTarget } from "../providers/storage/iscsi/tgt-show";
import { parsePoolListXml } from "../providers/storage/gluster/gluster-xml";
import {
  iscsiTargetProvider,
  parseProbe,
  prepareScript,
  probeScript,
  spaceProblems,
  targetFiles,
  targetsConf,
} from "../providers/storage/iscsi/iscsi-target";
import {
  iscsiInitiatorProvider,
  loginScript,
  lunDevicePath,
  parseState,
  stateScript as initiatorStateScript,
} from "../providers/storage/iscsi/iscsi-initiator";
import {
  connectedPeers,
  GLUSTER,
  GLUSTERD_UP,
  glusterPeersProvider,
  presentPeers,
} from "../providers/storage/gluster/gluster-peers";
import {
  brickScript,
  clearStaleBrickScript,
  createCommand,
  glusterVolumeProvider,
  liveOptions,
  optionCommands,
  VOLUME_ID_DIR,
} from "../providers/storage/gluster/gluster-volume";
import {
  applyScript,
  fstabLine,
  GLMOUNT_PATH,
  glmountScript,
  glusterMountProvider,
  stateScript as mountStateScript,
} from "../providers/storage/gluster/gluster-mount";

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
  /** Only on this machine (a node address, or {@link KVM_HOST}). */
  at?: string;
}
interface CallOptions {
  stdin?: string | Buffer;
  timeoutSeconds?: number;
  okExitCodes?: number[];
}
interface Call {
  /** The node address the script ran on, or {@link KVM_HOST}. */
  where: string;
  script: string;
  opts: CallOptions;
}

/** Where `runOnHost` runs, as the record names it. */
const KVM_HOST = "kvm-host";

const mockLab: { calls: Call[]; rules: Rule[]; down: string[]; connects: string[] } = {
  calls: [],
  rules: [],
  down: [],
  connects: [],
};

/** One script on one machine: first matching rule wins; no rule means success with no output. */
async function mockRun(
  where: string,
  shownHost: string,
  script: string,
  opts: CallOptions = {},
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
    command: script,
    code,
    stderrTail: stderr,
    stdoutTail: stdout,
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

beforeEach(() => {
  mockLab.calls = [];
  mockLab.rules = [];
  mockLab.down = [];
  mockLab.connects = [];
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

/** The scripts that ran (on `where` only, when given), in order. */
function scripts(where?: string): string[] {
  return mockLab.calls.filter((c) => where === undefined || c.where === where).map((c) => c.script);
}

/** Whether a script matching `pattern` ran anywhere. */
function ran(pattern: RegExp): boolean {
  return mockLab.calls.some((c) => pattern.test(c.script));
}

/** Index (in the whole record) of the first call matching `pattern` (on `where`, when given). */
function callIndex(pattern: RegExp, where?: string): number {
  return mockLab.calls.findIndex((c) => (where === undefined || c.where === where) && pattern.test(c.script));
}

/** The one call matching `pattern`. */
function theCall(pattern: RegExp): Call {
  const found = mockLab.calls.filter((c) => pattern.test(c.script));
  expect(found).toHaveLength(1);
  return found[0];
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

const named = (props: Props, name: string): Props => ({ ...props, [RESOURCE_NAME_KEY]: name });

/** Runs `check` as the engine does and returns the normalised inputs (failing on any failure). */
async function checked(
  provider: { check: (o: Props, n: Props) => Promise<{ inputs?: Props; failures?: unknown[] }> },
  news: Props,
): Promise<Props> {
  const r = await provider.check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Props;
}

/** The properties `check` complains about, sorted. */
async function failedProperties(
  provider: { check: (o: Props, n: Props) => Promise<{ failures?: { property: string }[] }> },
  news: Props,
): Promise<string[]> {
  const r = await provider.check({}, news);
  return (r.failures ?? []).map((f) => f.property).sort();
}

const NO_DIFF = { changes: false, replaces: [], deleteBeforeReplace: false };
const IN_PLACE = { changes: true, replaces: [], deleteBeforeReplace: false };

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nVEVTVC1PTkxZ\n-----END OPENSSH PRIVATE KEY-----\n";
const HOST = { libvirtUri: "qemu:///system", stateDir: "/var/lib/kvm-ha-lab/dev" };
const node = (n: number) => ({ address: `192.168.8.${120 + n}`, port: 22, user: "root" });
const [N1, N2, N3] = [node(1), node(2), node(3)];
const MIB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Fixtures: tgtadm --op show and the probe
// ---------------------------------------------------------------------------------------------

const TGT_DIR = "/var/lib/kvm-ha-lab/dev/tgtd/cluster01";
const L1 = `${TGT_DIR}/volume01.img`;
const L2 = `${TGT_DIR}/volume02.img`;
const TARGET_IQN = "iqn.2011-08.com.example.kvmhost:dev-tgt01";
const NAME1 = `${TARGET_IQN}-node01`;
const NAME2 = `${TARGET_IQN}-node02`;
const ADDRS = [N1.address, N2.address];
const NAMES = [NAME1, NAME2];
const PORTAL = "192.168.8.1:3260";
const CP = 4711;

/** One LUN block of tgt's output (as in render-storage.test.ts), sized the way tgt prints it. */
function tgtLun(lun: number, mib: number, file: string): string {
  return (
    `        LUN: ${lun}\n            Type: disk\n            SCSI ID: IET     0001000${lun}\n` +
    `            SCSI SN: beaf1${lun}\n            Size: ${tgtSizeMB(mib * MIB)} MB, Block size: 512\n` +
    "            Online: Yes\n            Readonly: No\n            Backing store type: rdwr\n" +
    `            Backing store path: ${file}\n            Backing store flags: \n`
  );
}

const TGT_CONTROLLER =
  "        LUN: 0\n            Type: controller\n            Size: 0 MB, Block size: 1\n" +
  "            Backing store path: None\n";

interface ShowTarget {
  tid: number;
  iqn: string;
  luns: { lun: number; sizeMiB: number; path: string }[];
  acl: string[];
  sessions: { initiator: string; address: string }[];
}

/** `tgtadm --lld iscsi --mode target --op show` of these targets (tgt 1.0.85 shape). */
function tgtShow(...targets: ShowTarget[]): string {
  return targets
    .map((t) => {
      const nexus = t.sessions
        .map(
          (s, i) =>
            `        I_T nexus: ${i + 1}\n            Initiator: ${s.initiator} alias: node0${i + 1}\n` +
            `            Connection: 0\n                IP Address: ${s.address}\n`,
        )
        .join("");
      const luns = t.luns.map((l) => tgtLun(l.lun, l.sizeMiB, l.path)).join("");
      const acl = t.acl.map((a) => `        ${a}\n`).join("");
      return (
        `Target ${t.tid}: ${t.iqn}\n    System information:\n        Driver: iscsi\n        State: ready\n` +
        `    I_T nexus information:\n${nexus}    LUN information:\n${TGT_CONTROLLER}${luns}` +
        `    Account information:\n    ACL information:\n${acl}`
      );
    })
    .join("");
}

const LIVE_LUNS = [
  { lun: 1, sizeMiB: 100, path: L1 },
  { lun: 2, sizeMiB: 1024, path: L2 },
];

/** Our target as tgtd serves it when everything is in place. */
const ourTarget = (tid: number, change: Partial<ShowTarget> = {}): ShowTarget => ({
  tid,
  iqn: TARGET_IQN,
  luns: LIVE_LUNS,
  acl: [...ADDRS, ...NAMES],
  sessions: [],
  ...change,
});

/** Another target on the same tgtd. */
const otherTarget = (tid: number): ShowTarget => ({
  tid,
  iqn: `iqn.2011-08.com.example.kvmhost:other${tid}`,
  luns: [],
  acl: [],
  sessions: [],
});

/** What the probe script prints. `files`: path → size in bytes, `undefined` when missing. */
function probeOutput(p: {
  running: boolean;
  show?: string;
  availMiB: number;
  files: Record<string, number | undefined>;
}): string {
  const files = Object.entries(p.files).map(([f, bytes]) =>
    bytes === undefined ? `- ${f}` : `${bytes} ${f}`,
  );
  const show = p.show === undefined ? [] : p.show.replace(/\n$/, "").split("\n");
  return [
    "== running",
    p.running ? "yes" : "no",
    "== show",
    ...show,
    "== avail",
    String(p.availMiB),
    "== files",
    ...files,
    "",
  ].join("\n");
}

const PROBE = /echo "== avail"/;
const PREPARE = /base64 -d > /;
const TGTADM_BATCH = /^set -e\ntgtadm /;

// ---------------------------------------------------------------------------------------------
// Fixtures: gluster --xml
// ---------------------------------------------------------------------------------------------

const VOLUME_ID = "79c4be45-1085-4b4b-8117-f8f35b478d28";
const VOLUME_HEX = VOLUME_ID.replace(/-/g, "");
const BRICKS = ["node01m:/glvol00", "node02m:/glvol00", "node03m:/glvol00"];
const PEER_UUIDS = [
  "1b58cfc0-15ed-40b8-be28-f7c341250777",
  "775b59ea-c9c0-4cab-bf99-b280bbfdb775",
  "fadb7137-b4b3-4b9b-8179-a528e3b1bf35",
];
/** The options gluster sets by itself when it creates a volume (glusterfs 10). */
const INITIAL = {
  "cluster.granular-entry-heal": "on",
  "transport.address-family": "inet",
  "nfs.disable": "on",
};

interface LiveVolume {
  name: string;
  id: string;
  /** 0 Created, 1 Started, 2 Stopped. */
  status: 0 | 1 | 2;
  replica: number;
  arbiter: number;
  bricks: string[];
  options: Record<string, string>;
}

const data00 = (change: Partial<LiveVolume> = {}): LiveVolume => ({
  name: "data00",
  id: VOLUME_ID,
  status: 1,
  replica: 3,
  arbiter: 1,
  bricks: BRICKS,
  options: { ...INITIAL, "performance.cache-size": "64MB" },
  ...change,
});

const XML_HEAD = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cliOutput>\n  <opRet>0</opRet>\n  <opErrno>0</opErrno>\n  <opErrstr/>\n`;

/** `gluster --xml volume info` of these volumes (none: the answer of a pool without volumes, constructed). */
function volumeInfoXml(...volumes: LiveVolume[]): string {
  const volume = (v: LiveVolume) => {
    const bricks = v.bricks
      .map((b, i) => {
        const uuid = PEER_UUIDS[i % PEER_UUIDS.length];
        const arbiter = v.arbiter > 0 && i === v.bricks.length - 1 ? 1 : 0;
        return `          <brick uuid="${uuid}">${b}<name>${b}</name><hostUuid>${uuid}</hostUuid><isArbiter>${arbiter}</isArbiter></brick>`;
      })
      .join("\n");
    const options = Object.entries(v.options)
      .map(
        ([k, val]) =>
          `          <option>\n            <name>${k}</name>\n            <value>${val}</value>\n          </option>`,
      )
      .join("\n");
    return `      <volume>
        <name>${v.name}</name>
        <id>${v.id}</id>
        <status>${v.status}</status>
        <statusStr>${["Created", "Started", "Stopped"][v.status]}</statusStr>
        <snapshotCount>0</snapshotCount>
        <brickCount>${v.bricks.length}</brickCount>
        <distCount>1</distCount>
        <stripeCount>1</stripeCount>
        <replicaCount>${v.replica}</replicaCount>
        <arbiterCount>${v.arbiter}</arbiterCount>
        <disperseCount>0</disperseCount>
        <redundancyCount>0</redundancyCount>
        <type>2</type>
        <typeStr>Replicate</typeStr>
        <transport>0</transport>
        <bricks>
${bricks}
        </bricks>
        <optCount>${Object.keys(v.options).length}</optCount>
${options === "" ? "        <options/>" : `        <options>\n${options}\n        </options>`}
      </volume>
`;
  };
  return `${XML_HEAD}  <volInfo>\n    <volumes>\n${volumes.map(volume).join("")}      <count>${volumes.length}</count>\n    </volumes>\n  </volInfo>\n</cliOutput>\n`;
}

/** `gluster --xml volume status data00`: the bricks (online or not) and a self-heal daemon. */
function volumeStatusXml(online: boolean[]): string {
  const brickNode = (b: string, i: number) => {
    const [host, dir] = b.split(":");
    return `        <node>
          <hostname>${host}</hostname>
          <path>${dir}</path>
          <peerid>${PEER_UUIDS[i]}</peerid>
          <status>${online[i] ? 1 : 0}</status>
          <port>${online[i] ? 49152 : "N/A"}</port>
          <ports>
            <tcp>${online[i] ? 49152 : "N/A"}</tcp>
            <rdma>N/A</rdma>
          </ports>
          <pid>${online[i] ? 2089 + i : -1}</pid>
        </node>
`;
  };
  return `${XML_HEAD}  <volStatus>
    <volumes>
      <volume>
        <volName>data00</volName>
        <nodeCount>${BRICKS.length + 1}</nodeCount>
${BRICKS.map(brickNode).join("")}        <node>
          <hostname>Self-heal Daemon</hostname>
          <path>localhost</path>
          <peerid>${PEER_UUIDS[0]}</peerid>
          <status>1</status>
          <port>N/A</port>
          <ports>
            <tcp>N/A</tcp>
            <rdma>N/A</rdma>
          </ports>
          <pid>2109</pid>
        </node>
        <tasks/>
      </volume>
    </volumes>
  </volStatus>
</cliOutput>
`;
}

/** `gluster --xml pool list` on node01: these peers, then the local node (hostname localhost). */
function poolListXml(peers: { hostname: string; hostnames?: string[]; connected: boolean }[]): string {
  const peer = (p: (typeof peers)[number], i: number) => {
    const names = p.hostnames ?? [p.hostname];
    return `    <peer>
      <uuid>${PEER_UUIDS[(i + 1) % PEER_UUIDS.length]}</uuid>
      <hostname>${p.hostname}</hostname>
      <hostnames>
${names.map((n) => `        <hostname>${n}</hostname>`).join("\n")}
      </hostnames>
      <connected>${p.connected ? 1 : 0}</connected>
      <state>3</state>
      <stateStr>Peer in Cluster</stateStr>
    </peer>
`;
  };
  return `${XML_HEAD}  <peerStatus>
${peers.map(peer).join("")}    <peer>
      <uuid>${PEER_UUIDS[0]}</uuid>
      <hostname>localhost</hostname>
      <connected>1</connected>
    </peer>
  </peerStatus>
</cliOutput>
`;
}

// =============================================================================================
// node-exec
// =============================================================================================

describe("node-exec", () => {
  const failed = (code: number, stderr: string) =>
    new RemoteCommandError({
      host: "root@192.168.8.121:22",
      command: `${SCRIPT_FAIL}\nsecret-step`,
      code,
      stderrTail: stderr,
      stdoutTail: "",
      timedOut: false,
      reason: `command failed with exit code ${code}`,
    });

  test("SCRIPT_FAIL's fail exits with USER_ERROR_EXIT and prints a kvmlab: line", () => {
    const script = `${SCRIPT_FAIL}\nfail "the disk is full. Fix: free it"\necho not-reached`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(USER_ERROR_EXIT).toBe(65);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 65,
      stdout: "",
      stderr: "kvmlab: the disk is full. Fix: free it\n",
    });
  });

  test("explainFailure: a fail of a script becomes its last kvmlab: line, with the machine and without the script", () => {
    const err = explainFailure(
      failed(65, "noise\nkvmlab: first\nkvmlab: the last one. Fix: do it\n"),
      "node01",
    );
    expect(err.message).toBe("on node01: the last one. Fix: do it");
    expect(err.message).not.toContain("secret-step");
  });

  test("explainFailure keeps other failures as they are", () => {
    const other = failed(1, "kvmlab: looks like a fail but the exit code is not 65\n");
    expect(explainFailure(other, "node01")).toBe(other);
    const noLine = failed(65, "no kvmlab line here\n");
    expect(explainFailure(noLine, "node01")).toBe(noLine);
    expect(explainFailure("plain string", "node01").message).toBe("plain string");
  });

  test("explainFailure: an unreachable machine is named with the fix; isUnreachable goes by the error name", () => {
    const down = new SshConnectionError("root@192.168.8.122:22", 5, "connect EHOSTUNREACH\nmore detail");
    const err = explainFailure(down, "192.168.8.122");
    expect(err.message).toMatch(
      /^192\.168\.8\.122 is unreachable \(ssh root@192\.168\.8\.122:22: connection failed after 5 attempt\(s\): connect EHOSTUNREACH\)\. Fix: /,
    );
    expect(err.message).toContain("pulumi up");
    expect(isUnreachable(down)).toBe(true);
    // By name: the class is re-created when Pulumi serialises a provider.
    expect(isUnreachable({ name: "SshConnectionError", message: "x" })).toBe(true);
    expect(isUnreachable(failed(255, ""))).toBe(false);
    expect(isUnreachable(new Error("SshConnectionError"))).toBe(false);
  });

  test("parseSections splits on `== NAME` headers; lines before the first header are dropped", () => {
    expect(parseSections("junk\n== a\n1\n2\n== b-c\n== d\nx\n")).toEqual({
      a: ["1", "2"],
      "b-c": [],
      d: ["x", ""],
    });
    expect(parseSections("")).toEqual({});
  });
});

// =============================================================================================
// tgt-plan
// =============================================================================================

describe("planTgt", () => {
  const desired: DesiredTgtTarget = {
    iqn: TARGET_IQN,
    // Out of order on purpose: LUNs are created in number order.
    luns: [
      { lun: 2, path: L2, sizeMiB: 1024 },
      { lun: 1, path: L1, sizeMiB: 100 },
    ],
    initiatorAddresses: ADDRS,
    initiatorNames: NAMES,
  };
  const full: TgtTarget = {
    tid: 3,
    iqn: TARGET_IQN,
    luns: LIVE_LUNS,
    acl: [...ADDRS, ...NAMES],
    sessions: [],
  };
  const other = (tid: number): TgtTarget => ({ ...otherTarget(tid), sessions: [] });
  const cmd = (...args: (string | number)[]) => tgtadm(CP, ...args).join(" ");
  const plan = (live: TgtTarget[]) => {
    const p = planTgt(desired, live, CP);
    return { tid: p.tid, commands: p.commands.map((c) => c.join(" ")) };
  };

  test("tgtadm sets the control port and the iscsi driver, in argv form", () => {
    expect(tgtadm(CP, "--mode", "sys", "--op", "show")).toEqual([
      "tgtadm",
      "-C",
      "4711",
      "--lld",
      "iscsi",
      "--mode",
      "sys",
      "--op",
      "show",
    ]);
  });

  test("no live target: a new target with tid 1, the LUNs in number order, addresses and names bound", () => {
    expect(plan([])).toEqual({
      tid: 1,
      commands: [
        cmd("--mode", "target", "--op", "new", "--tid", 1, "--targetname", TARGET_IQN),
        cmd("--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 1, "--backing-store", L1),
        cmd("--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 2, "--backing-store", L2),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-address", ADDRS[0]),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-address", ADDRS[1]),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-name", NAME1),
        cmd("--mode", "target", "--op", "bind", "--tid", 1, "--initiator-name", NAME2),
      ],
    });
  });

  test("other targets' tids are not reused: the new target gets the highest tid + 1", () => {
    const p = plan([other(1), other(4)]);
    expect(p.tid).toBe(5);
    expect(p.commands[0]).toBe(
      cmd("--mode", "target", "--op", "new", "--tid", 5, "--targetname", TARGET_IQN),
    );
    expect(p.commands.every((c) => c.includes("--tid 5 "))).toBe(true);
  });

  test("a live target equal to the desired one: its tid, no commands", () => {
    expect(plan([other(1), full, other(7)])).toEqual({ tid: 3, commands: [] });
  });

  test("a missing LUN: only that LUN is created", () => {
    expect(plan([{ ...full, luns: [LIVE_LUNS[0]] }])).toEqual({
      tid: 3,
      commands: [cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 2, "--backing-store", L2)],
    });
  });

  test("a LUN of another size (its file was grown) or on another file is deleted and created again", () => {
    const live: TgtTarget = {
      ...full,
      luns: [
        { lun: 1, sizeMiB: 100, path: `${TGT_DIR}/old.img` },
        { lun: 2, sizeMiB: 512, path: L2 },
      ],
    };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 1),
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 2),
      cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 1, "--backing-store", L1),
      cmd("--mode", "logicalunit", "--op", "new", "--tid", 3, "--lun", 2, "--backing-store", L2),
    ]);
  });

  test("a LUN that is not desired is deleted", () => {
    const live = { ...full, luns: [...LIVE_LUNS, { lun: 3, sizeMiB: 10, path: `${TGT_DIR}/x.img` }] };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "logicalunit", "--op", "delete", "--tid", 3, "--lun", 3),
    ]);
  });

  test("ALL and strangers in the ACL are unbound (address or name flag as fits), missing entries bound", () => {
    const stranger = "iqn.1993-08.org.debian:01:stranger";
    const live = { ...full, acl: ["ALL", ADDRS[0], NAME1, stranger, "10.0.0.9"] };
    expect(plan([live]).commands).toEqual([
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-address", "ALL"),
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-name", stranger),
      cmd("--mode", "target", "--op", "unbind", "--tid", 3, "--initiator-address", "10.0.0.9"),
      cmd("--mode", "target", "--op", "bind", "--tid", 3, "--initiator-address", ADDRS[1]),
      cmd("--mode", "target", "--op", "bind", "--tid", 3, "--initiator-name", NAME2),
    ]);
  });

  test("isInitiatorName tells IQN/EUI/NAA names from addresses", () => {
    expect(
      [NAME1, "eui.02004567A425678D", "naa.52004567BA64678D", "IQN.2011-08.x:y"].map(isInitiatorName),
    ).toEqual([true, true, true, true]);
    expect(["192.168.8.121", "ALL", "192.168.8.0/24", "iqnx.2011"].map(isInitiatorName)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

// =============================================================================================
// IscsiTarget
// =============================================================================================

describe("IscsiTarget provider", () => {
  const p = iscsiTargetProvider;
  const raw = named(
    {
      host: HOST,
      sshPrivateKey: KEY,
      iqn: TARGET_IQN,
      directory: TGT_DIR,
      portal: PORTAL,
      controlPort: CP,
      luns: [
        { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
        { lun: 2, path: L2, sizeMiB: 1024, purpose: "data" },
      ],
      initiatorAddresses: ADDRS,
      initiatorNames: NAMES,
    },
    "dev-iscsi-target",
  );
  type Inputs = Parameters<typeof probeScript>[0];
  const inputsOf = async (news: Props = raw) => (await checked(p, news)) as unknown as Inputs;
  const asProps = (inputs: Inputs) => inputs as unknown as Props;
  const noFiles = { [L1]: undefined, [L2]: undefined };
  const allFiles = { [L1]: 100 * MIB, [L2]: 1024 * MIB };
  /** The probe on a host where tgtd does not run and no LUN file exists yet. */
  const fresh = { stdout: probeOutput({ running: false, availMiB: 50_000, files: noFiles }) };
  /** The probe where tgtd runs and serves `targets`, with both LUN files in place. */
  const serving = (...targets: ShowTarget[]) => ({
    stdout: probeOutput({ running: true, show: tgtShow(...targets), availMiB: 5000, files: allFiles }),
  });

  describe("check", () => {
    test("accepts the lab's target and defaults online to true", async () => {
      expect(await checked(p, raw)).toMatchObject({ online: true, controlPort: CP });
    });

    test("LUNs are kept in LUN order, as tgtd lists them (no endless drift)", async () => {
      const luns = [...(raw.luns as Props[])].reverse();
      const inputs = await checked(p, { ...raw, luns });
      expect((inputs.luns as { lun: number }[]).map((l) => l.lun)).toEqual([1, 2]);
    });

    test("a LUN path climbing out of the directory with .. is refused", async () => {
      const luns = [{ lun: 1, path: `${TGT_DIR}/../../../etc/shadow`, sizeMiB: 1, purpose: "data" }];
      expect(await failedProperties(p, { ...raw, luns })).toContain("luns[0].path");
    });

    test("a LUN number given twice is a failure on luns", async () => {
      const luns = [
        { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
        { lun: 1, path: L2, sizeMiB: 1024, purpose: "data" },
      ];
      const r = await p.check({}, { ...raw, luns });
      expect(r.failures).toEqual([
        { property: "luns", reason: "luns: LUN 1 is given twice. Fix: give every LUN its own id" },
      ]);
    });

    test("a LUN file outside the directory (also a sibling with the same prefix) is a failure on luns[i].path", async () => {
      const luns = [
        { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
        { lun: 2, path: `${TGT_DIR}-old/volume02.img`, sizeMiB: 1024, purpose: "data" },
      ];
      const r = await p.check({}, { ...raw, luns });
      expect(r.failures?.map((f) => f.property)).toEqual(["luns[1].path"]);
      expect(r.failures?.[0].reason).toContain("Fix: keep LUN files under iscsi.directory");
    });

    test("empty initiator lists are failures (access must be restricted), naming each list", async () => {
      expect(await failedProperties(p, { ...raw, initiatorAddresses: [], initiatorNames: [] })).toEqual([
        "initiatorAddresses",
        "initiatorNames",
      ]);
      const r = await p.check({}, { ...raw, initiatorAddresses: [] });
      expect(r.failures?.[0].reason).toContain("access must be restricted to the cluster nodes");
    });

    test("bad IQNs, LUN 0 and an ALL address are failures naming the property", async () => {
      expect(
        await failedProperties(p, {
          ...raw,
          iqn: "iqn.com.example:tgt",
          initiatorNames: [NAME1, "node02"],
          initiatorAddresses: ["ALL"],
          luns: [{ lun: 0, path: L1, sizeMiB: 100, purpose: "quorum" }],
        }),
      ).toEqual(["initiatorAddresses[0]", "initiatorNames[1]", "iqn", "luns[0].lun"]);
    });
  });

  describe("probe and space", () => {
    test("parseProbe reads the sections: running, show, free MiB, file sizes", async () => {
      const out = probeOutput({
        running: true,
        show: tgtShow(ourTarget(1)),
        availMiB: 2048,
        files: { [L1]: 100 * MIB, [L2]: undefined },
      });
      const probe = parseProbe(out);
      expect(probe).toMatchObject({ running: true, availMiB: 2048, fileBytes: { [L1]: 100 * MIB } });
      expect(probe.show).toContain(`Target 1: ${TARGET_IQN}`);
      expect(parseProbe("== running\nno\n== avail\n\n")).toEqual({
        running: false,
        show: "",
        availMiB: 0,
        fileBytes: {},
      });
    });

    test("spaceProblems: files that fit are fine; existing files only need their growth", async () => {
      const inputs = await inputsOf();
      const probe = (availMiB: number, fileBytes: Record<string, number>) => ({
        running: true,
        show: "",
        availMiB,
        fileBytes,
      });
      expect(spaceProblems(inputs, probe(1124, {}))).toEqual([]);
      expect(spaceProblems(inputs, probe(1024, { [L1]: 100 * MIB }))).toEqual([]);
      expect(spaceProblems(inputs, probe(1023, { [L1]: 100 * MIB }))).toHaveLength(1);
      expect(spaceProblems(inputs, probe(0, allFiles))).toEqual([]);
    });

    test("spaceProblems: too little space names every LUN and the fix; a LUN that would shrink is refused", async () => {
      const inputs = await inputsOf();
      const [tooBig] = spaceProblems(inputs, { running: false, show: "", availMiB: 500, fileBytes: {} });
      expect(tooBig).toContain("need 1124 MiB more but only 500 MiB are free under " + TGT_DIR);
      expect(tooBig).toContain("iscsi.luns[1] 1024 MiB");
      expect(tooBig).toContain("Fix:");
      const [shrink, ...rest] = spaceProblems(inputs, {
        running: true,
        show: "",
        availMiB: 5000,
        fileBytes: { [L2]: 2048 * MIB },
      });
      expect(rest).toEqual([]);
      expect(shrink).toContain(`iscsi.luns[1] (LUN 2, ${L2}) is 2048 MiB on disk but sizeMiB is 1024`);
      expect(shrink).toContain("never shrunk");
      expect(shrink).toContain("Fix: set sizeMiB ≥ 2048");
    });

    test("targetFiles: next to the directory on the KVM host (with tgtd's pid file), conf.d on a node", () => {
      expect(targetFiles({ directory: `${TGT_DIR}/` })).toEqual({
        config: `${TGT_DIR}.conf`,
        pidFile: `${TGT_DIR}.tgtd.pid`,
      });
      expect(targetFiles({ directory: TGT_DIR, node: N3 })).toEqual({
        config: "/etc/tgt/conf.d/kvmlab-cluster01.conf",
      });
    });
  });

  describe("create", () => {
    test("a LUN larger than the free space: rejected with iscsi.luns[1] and the fix; only the probe ran", async () => {
      on(PROBE, { stdout: probeOutput({ running: false, availMiB: 500, files: noFiles }) });
      const inputs = await inputsOf();
      const err = await failureOf(p.create(asProps(inputs)));
      expect(err.message).toMatch(
        /^IscsiTarget "dev-iscsi-target": create failed: the LUN files need 1124 MiB/,
      );
      expect(err.message).toContain("iscsi.luns[1]");
      expect(err.message).toContain("Fix:");
      expect(scripts()).toEqual([probeScript(inputs)]);
      expect(mockLab.calls[0].where).toBe(KVM_HOST);
    });

    test("a LUN that would shrink: rejected, nothing changed", async () => {
      on(PROBE, {
        stdout: probeOutput({
          running: true,
          availMiB: 50_000,
          files: { [L1]: 100 * MIB, [L2]: 2048 * MIB },
        }),
      });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain("iscsi.luns[1]");
      expect(err.message).toContain("never shrunk");
      expect(ran(PREPARE)).toBe(false);
      expect(ran(TGTADM_BATCH)).toBe(false);
    });

    test("on a fresh KVM host: prepare starts tgtd with the rendered targets.conf on stdin; nothing left to plan", async () => {
      on(PROBE, inTurn(fresh, serving(ourTarget(1))));
      on(PREPARE, { stdout: "started\n" });
      const inputs = await inputsOf();
      const { id, outs } = await p.create(asProps(inputs));

      expect(id).toBe(TARGET_IQN);
      expect(outs).toMatchObject({ tid: 1, sessions: [], online: true });
      expect(scripts()).toEqual([
        probeScript(inputs),
        prepareScript(inputs),
        probeScript(inputs),
        probeScript(inputs),
      ]);
      expect(mockLab.calls.every((c) => c.where === KVM_HOST)).toBe(true);

      const prepare = theCall(PREPARE);
      const conf = Buffer.from(String(prepare.opts.stdin), "base64").toString("utf8");
      expect(conf).toBe(targetsConf(inputs));
      expect(conf).toContain(`<target ${TARGET_IQN}>`);
      expect(conf).toContain("initiator-address 192.168.8.121");
      expect(conf).toContain(`initiator-name ${NAME2}`);
      expect(prepare.script).not.toContain(TARGET_IQN);
      expect(prepare.script).toContain(`base64 -d > ${TGT_DIR}.conf.new`);
      expect(prepare.script).toContain(`tgtd -C ${CP} -p ${TGT_DIR}.tgtd.pid --iscsi portal=${PORTAL}`);
      expect(prepare.script).toContain(`tgt-admin -C ${CP} -e -c ${TGT_DIR}.conf`);
      expect(prepare.script).toContain(`fallocate -l 1024MiB ${L2}`);
      expect(ran(TGTADM_BATCH)).toBe(false);
    });

    test("tgtd already running with an older target: prepare, then the planned tgtadm commands, then the sessions", async () => {
      const older = ourTarget(2, { luns: [LIVE_LUNS[0]], acl: [ADDRS[0], NAME1] });
      const before = probeOutput({
        running: true,
        show: tgtShow(otherTarget(1), older),
        availMiB: 5000,
        files: { [L1]: 100 * MIB, [L2]: undefined },
      });
      const after = probeOutput({
        running: true,
        show: tgtShow(otherTarget(1), ourTarget(2, { sessions: [{ initiator: NAME1, address: ADDRS[0] }] })),
        availMiB: 3976,
        files: allFiles,
      });
      on(PROBE, inTurn({ stdout: before }, { stdout: before }, { stdout: after }));
      const inputs = await inputsOf();
      const { outs } = await p.create(asProps(inputs));

      expect(outs).toMatchObject({ tid: 2, sessions: [NAME1] });
      const order = scripts();
      expect(order).toHaveLength(5);
      expect(order[1]).toBe(prepareScript(inputs));
      expect(order[3]).toBe(
        [
          "set -e",
          shellJoin(
            tgtadm(CP, "--mode", "logicalunit", "--op", "new", "--tid", 2, "--lun", 2, "--backing-store", L2),
          ),
          shellJoin(
            tgtadm(CP, "--mode", "target", "--op", "bind", "--tid", 2, "--initiator-address", ADDRS[1]),
          ),
          shellJoin(tgtadm(CP, "--mode", "target", "--op", "bind", "--tid", 2, "--initiator-name", NAME2)),
        ].join("\n"),
      );
      bashSyntaxCheck(order[3]);
      expect([order[0], order[2], order[4]].every((s) => s === probeScript(inputs))).toBe(true);
    });

    test("placed on a node: everything runs there over one SSH session; the tgt service loads conf.d", async () => {
      const inputs = await inputsOf({ ...raw, node: N3, controlPort: 0 });
      on(PROBE, inTurn(fresh, serving(ourTarget(1))), N3.address);
      const { outs } = await p.create(asProps(inputs));
      expect(outs).toMatchObject({ tid: 1 });
      expect(mockLab.connects).toEqual([N3.address]);
      expect(mockLab.calls.every((c) => c.where === N3.address)).toBe(true);
      const prepare = theCall(PREPARE).script;
      expect(prepare).toBe(prepareScript(inputs));
      expect(prepare).toContain("systemctl enable --now tgt");
      expect(prepare).toContain("base64 -d > /etc/tgt/conf.d/kvmlab-cluster01.conf.new");
      expect(prepare).not.toContain("tgtd -C");
    });

    test("a node that cannot be reached: create fails and nothing ran", async () => {
      mockLab.down = [N3.address];
      const err = await failureOf(p.create(await checked(p, { ...raw, node: N3, controlPort: 0 })));
      expect(err.message).toContain("connection failed");
      expect(mockLab.calls).toEqual([]);
    });
  });

  describe("read → diff → update", () => {
    const stored = async (): Promise<Props> => ({ ...(await checked(p, raw)), tid: 1, sessions: [] });

    test("tgtd down: online false, an in-place change", async () => {
      on(PROBE, { stdout: probeOutput({ running: false, availMiB: 5000, files: allFiles }) });
      const olds = await stored();
      const read = await p.read(TARGET_IQN, olds);
      expect(read.id).toBe(TARGET_IQN);
      expect(read.props).toMatchObject({ online: false, luns: olds.luns });
      expect(await p.diff(TARGET_IQN, read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
    });

    test("our target gone from a running tgtd: online false", async () => {
      on(PROBE, serving(otherTarget(1)));
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ online: false });
    });

    test("a LUN removed out of band: luns lacks it, diff shows a change, update re-creates only that LUN", async () => {
      const missing = serving(ourTarget(1, { luns: [LIVE_LUNS[0]] }));
      on(PROBE, inTurn(missing, missing, missing, serving(ourTarget(1))));
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        online: true,
        luns: [{ lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" }],
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      mockLab.calls = [];
      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(theCall(TGTADM_BATCH).script).toBe(
        `set -e\n${shellJoin(tgtadm(CP, "--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 2, "--backing-store", L2))}`,
      );
    });

    test("everything in place: the live target, its sessions, and no drift", async () => {
      const sessions = [
        { initiator: NAME1, address: ADDRS[0] },
        { initiator: NAME2, address: ADDRS[1] },
      ];
      on(PROBE, serving(otherTarget(1), ourTarget(2, { sessions })));
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        online: true,
        tid: 2,
        sessions: NAMES,
        initiatorAddresses: ADDRS,
        initiatorNames: NAMES,
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(NO_DIFF);
      expect(scripts()).toEqual([probeScript(inputs as unknown as Inputs)]);
    });

    test("a changed IQN or directory replaces (the name is fixed); new initiators update in place", async () => {
      const inputs = await checked(p, raw);
      const olds = { ...inputs, tid: 1, sessions: [] };
      expect(await p.diff(TARGET_IQN, olds, { ...inputs, iqn: `${TARGET_IQN}b` })).toMatchObject({
        replaces: ["iqn"],
      });
      expect(await p.diff(TARGET_IQN, olds, { ...inputs, directory: `${TGT_DIR}b` })).toMatchObject({
        replaces: ["directory"],
      });
      expect(
        await p.diff(TARGET_IQN, olds, { ...inputs, initiatorAddresses: [...ADDRS, "192.168.8.123"] }),
      ).toEqual(IN_PLACE);
    });
  });

  describe("delete", () => {
    test("the last target on the host's tgtd: target deleted, tgtd stopped before the files go", async () => {
      on(PROBE, serving(ourTarget(1)));
      const olds = { ...(await checked(p, raw)), tid: 1, sessions: [] };
      await p.delete(TARGET_IQN, olds);
      const all = scripts();
      expect(all).toHaveLength(2);
      const del = all[1];
      expect(del).toContain(`tgtadm -C ${CP} --lld iscsi --mode target --op delete --force --tid 1`);
      expect(del).toContain(`pid=$(cat ${TGT_DIR}.tgtd.pid)`);
      expect(del).toContain(`rm -f ${L1} ${L2} ${TGT_DIR}.conf`);
      expect(del.indexOf('kill "$pid"')).toBeLessThan(del.indexOf(`rm -f ${L1}`));
      bashSyntaxCheck(del);
    });

    test("tgtd serves another target too: only ours is deleted, tgtd keeps running", async () => {
      on(PROBE, serving(otherTarget(1), ourTarget(2)));
      await p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 2, sessions: [] });
      const del = scripts()[1];
      expect(del).toContain("--op delete --force --tid 2");
      expect(del).not.toContain("kill");
      expect(del).toContain(`rm -f ${L1} ${L2} ${TGT_DIR}.conf`);
    });

    test("tgtd already down: no tgtadm, the files still go", async () => {
      on(PROBE, { stdout: probeOutput({ running: false, availMiB: 5000, files: allFiles }) });
      await p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 1, sessions: [] });
      expect(scripts()[1]).not.toContain("tgtadm");
      expect(scripts()[1]).toContain(`rm -f ${L1} ${L2}`);
    });
  });
});

// =============================================================================================
// IscsiInitiator
// =============================================================================================

describe("IscsiInitiator provider", () => {
  const p = iscsiInitiatorProvider;
  const raw = named(
    {
      node: N1,
      sshPrivateKey: KEY,
      initiatorName: NAME1,
      targetIqn: TARGET_IQN,
      portal: PORTAL,
      luns: [1, 2],
    },
    "dev-iscsi-initiator-node01",
  );
  type Inputs = Parameters<typeof loginScript>[0];
  const DEVICES = [1, 2].map((l) => lunDevicePath(PORTAL, TARGET_IQN, l));
  const LOGIN = /iscsiadm -m discovery -t sendtargets/;
  const STATE = /echo "== sessions"/;
  const state = (s: { name?: string; session?: boolean; startup?: string; devices?: string[] } = {}) =>
    [
      "== name",
      s.name ?? NAME1,
      "== sessions",
      ...(s.session === false ? [] : [`${PORTAL},1 ${TARGET_IQN}`]),
      "== startup",
      s.startup ?? "automatic",
      "== devices",
      ...(s.devices ?? DEVICES),
      "",
    ].join("\n");
  const createdOuts = async () => ({ ...(await checked(p, raw)), devices: DEVICES });

  test("lunDevicePath is the stable by-path name", () => {
    expect(lunDevicePath(PORTAL, TARGET_IQN, 2)).toBe(
      `/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-${TARGET_IQN}-lun-2`,
    );
  });

  test("create runs the login script on the node and returns the devices it printed", async () => {
    on(LOGIN, { stdout: `${DEVICES.join("\n")}\n` });
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(`${NAME1}@${PORTAL}`);
    expect(outs).toMatchObject({ devices: DEVICES, loggedIn: true });
    expect(mockLab.calls).toHaveLength(1);
    expect(mockLab.calls[0]).toMatchObject({
      where: N1.address,
      script: loginScript(inputs as unknown as Inputs),
    });
    expect(mockLab.calls[0].opts.timeoutSeconds).toBe(180);
  });

  test("parseState: loggedIn needs the session, automatic startup and every device", async () => {
    const inputs = (await checked(p, raw)) as unknown as Inputs;
    expect(parseState(inputs, state())).toEqual({ initiatorName: NAME1, loggedIn: true, devices: DEVICES });
    expect(parseState(inputs, state({ startup: "manual" })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ devices: [DEVICES[0]] })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ session: false })).loggedIn).toBe(false);
  });

  test("read: a session, automatic startup and the devices → logged in, no drift", async () => {
    on(STATE, { stdout: state() });
    const inputs = await checked(p, raw);
    const read = await p.read(`${NAME1}@${PORTAL}`, await createdOuts());
    expect(read.props).toMatchObject({ loggedIn: true, devices: DEVICES, initiatorName: NAME1 });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(NO_DIFF);
    expect(mockLab.calls.map((c) => c.where)).toEqual([N1.address]);
  });

  test("read: no session → logged out, an in-place change; update logs in again", async () => {
    on(STATE, { stdout: state({ session: false, devices: [] }) });
    on(LOGIN, { stdout: `${DEVICES.join("\n")}\n` });
    const inputs = await checked(p, raw);
    const read = await p.read("x", await createdOuts());
    expect(read.props).toMatchObject({ loggedIn: false, devices: [] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
    mockLab.calls = [];
    const { outs } = await p.update("x", read.props as Props, inputs);
    expect(scripts(N1.address)).toEqual([loginScript(inputs as unknown as Inputs)]);
    expect(outs).toMatchObject({ loggedIn: true, devices: DEVICES });
  });

  test("read: another initiator name on the node is drift, fixed in place", async () => {
    on(STATE, { stdout: state({ name: "iqn.1993-08.org.debian:01:abcdef" }) });
    const read = await p.read("x", await createdOuts());
    expect(read.props).toMatchObject({ initiatorName: "iqn.1993-08.org.debian:01:abcdef" });
    expect(await p.diff("x", read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
  });

  test("read: an unreachable node is logged out (drift), not an error", async () => {
    mockLab.down = [N1.address];
    const read = await p.read("x", await createdOuts());
    expect(read.id).toBe("x");
    expect(read.props).toMatchObject({ loggedIn: false });
    expect(mockLab.connects).toEqual([N1.address]);
    expect(mockLab.calls).toEqual([]);
  });

  test("a new portal or target replaces; the LUN list updates in place", async () => {
    const inputs = await checked(p, raw);
    const olds = await createdOuts();
    expect(await p.diff("x", olds, { ...inputs, portal: "192.168.8.123:3260" })).toMatchObject({
      replaces: ["portal"],
    });
    expect(await p.diff("x", olds, { ...inputs, luns: [1, 2, 3] })).toEqual(IN_PLACE);
  });

  test("delete logs out and forgets the node record; on an unreachable node it does not throw", async () => {
    const olds = await createdOuts();
    await p.delete("x", olds);
    expect(scripts(N1.address)).toHaveLength(1);
    expect(scripts()[0]).toContain(`iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --logout`);
    expect(scripts()[0]).toContain(`iscsiadm -m node -o delete -T ${TARGET_IQN} -p ${PORTAL}`);
    bashSyntaxCheck(scripts()[0]);

    mockLab.calls = [];
    mockLab.down = [N1.address];
    await expect(p.delete("x", olds)).resolves.toBeUndefined();
    expect(mockLab.calls).toEqual([]);
  });

  test("a failing script (exit 65, kvmlab: on stderr): the error names the node and says what to fix", async () => {
    on(LOGIN, {
      code: 65,
      stderr:
        "iscsiadm: cannot make connection to 192.168.8.1: Connection refused\n" +
        "kvmlab: discovery at 192.168.8.1:3260 failed: iscsiadm: connection refused. Fix: check that the target runs\n",
    });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toBe(
      'IscsiInitiator "dev-iscsi-initiator-node01": create failed: on 192.168.8.121: ' +
        "discovery at 192.168.8.1:3260 failed: iscsiadm: connection refused. Fix: check that the target runs",
    );
  });

  test("an unreachable node at create: the error names it with the fix", async () => {
    mockLab.down = [N1.address];
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toContain("ssh root@192.168.8.121:22: connection failed");
  });
});

// =============================================================================================
// GlusterPeers
// =============================================================================================

describe("GlusterPeers", () => {
  const p = glusterPeersProvider;
  const PEERS = ["node01m", "node02m", "node03m"];
  const raw = named({ nodes: [N1, N2, N3], sshPrivateKey: KEY, peers: PEERS }, "dev-gluster-peers");
  const POOL = /--xml pool list/;
  const allConnected = poolListXml([
    { hostname: "node02m", hostnames: ["node02m", "192.168.9.122"], connected: true },
    { hostname: "node03m", connected: true },
  ]);
  const node03Down = poolListXml([
    { hostname: "node02m", hostnames: ["node02m", "192.168.9.122"], connected: true },
    { hostname: "node03m", connected: false },
  ]);

  test("presentPeers: the answering node counts under the first name, disconnected peers are left out", () => {
    expect(presentPeers(PEERS, parsePoolListXml(node03Down))).toEqual(["node01m", "node02m"]);
    const seen = connectedPeers(parsePoolListXml(node03Down), "self");
    expect(seen).toEqual(["node02m", "node02m", "192.168.9.122", "self"]);
  });

  test("presentPeers keeps the order of wanted and knows peers by any of their names", () => {
    const pool = parsePoolListXml(allConnected);
    expect(presentPeers(["node01m", "node03m", "node02m"], pool)).toEqual(["node01m", "node03m", "node02m"]);
    expect(presentPeers(["node01m", "192.168.9.122", "node09m"], pool)).toEqual(["node01m", "192.168.9.122"]);
  });

  test("check wants one peer name per node", async () => {
    expect(await failedProperties(p, { ...raw, peers: ["node01m", "node02m"] })).toEqual(["peers"]);
  });

  test("create: glusterd up everywhere, probes from the first node and back from the second, waits for the pool", async () => {
    on(POOL, { stdout: allConnected }, N1.address);
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe("node01m,node02m,node03m");
    expect(outs).toMatchObject({ peerCount: 3 });
    for (const n of [N1, N2, N3]) expect(scripts(n.address)[0]).toBe(GLUSTERD_UP);
    expect(scripts(N1.address)).toContain(
      `set -e\n${GLUSTER} peer probe node02m >/dev/null\n${GLUSTER} peer probe node03m >/dev/null`,
    );
    expect(scripts(N2.address)).toEqual([GLUSTERD_UP, `${GLUSTER} peer probe node01m >/dev/null`]);
    expect(scripts(N3.address)).toEqual([GLUSTERD_UP]);
    const lastUp = callIndex(/glusterd does not answer/, N3.address);
    expect(callIndex(/peer probe node02m/)).toBeGreaterThan(lastUp);
  });

  test("read: a disconnected peer is missing from peers → an in-place change", async () => {
    on(POOL, { stdout: node03Down });
    const inputs = await checked(p, raw);
    const read = await p.read("x", { ...inputs, peerCount: 3 });
    expect(read.props).toMatchObject({ peers: ["node01m", "node02m"] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
  });

  test("read: the first node unreachable, or glusterd down there → no peers", async () => {
    const inputs = await checked(p, raw);
    mockLab.down = [N1.address];
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
    mockLab.down = [];
    on(POOL, { stdout: "Connection failed. Please check if gluster daemon is operational.\n", code: 1 });
    expect((await p.read("x", inputs)).props).toMatchObject({ peers: [] });
  });
});

// =============================================================================================
// GlusterVolume
// =============================================================================================

describe("GlusterVolume", () => {
  const p = glusterVolumeProvider;
  const raw = named(
    {
      nodes: [N1, N2, N3],
      sshPrivateKey: KEY,
      name: "data00",
      replica: 3,
      arbiter: true,
      transport: "tcp",
      bricks: BRICKS,
      options: { "performance.cache-size": "64MB" },
      allowDestructiveChanges: false,
    },
    "dev-gluster-volume",
  );
  type Inputs = Parameters<typeof createCommand>[0];
  const INFO = /--xml volume info/;
  const STATUS = /--xml volume status/;
  const BRICK = /getfattr/;
  const CREATE = / volume create /;
  const stored = async () => ({ ...(await checked(p, raw)), volumeId: VOLUME_ID, initialOptions: INITIAL });
  const record = `mkdir -p ${VOLUME_ID_DIR} && echo 0x${VOLUME_HEX} > ${VOLUME_ID_DIR}/data00.volume-id`;

  describe("options", () => {
    const configured = { "performance.cache-size": "64MB" };

    test("liveOptions: gluster's own initial options are left out unless changed or configured", () => {
      const drifted = { ...INITIAL, "performance.cache-size": "32MB", "features.shard": "on" };
      expect(liveOptions(drifted, INITIAL, configured)).toEqual({
        "performance.cache-size": "32MB",
        "features.shard": "on",
      });
      const offNfs = { ...INITIAL, "nfs.disable": "off" };
      expect(liveOptions(offNfs, INITIAL, {})).toEqual({ "nfs.disable": "off" });
      expect(liveOptions(INITIAL, INITIAL, { "nfs.disable": "on" })).toEqual({ "nfs.disable": "on" });
      expect(liveOptions(INITIAL, INITIAL, {})).toEqual({});
    });

    test("optionCommands: set what differs or is missing, reset what is not configured, never an initial option", () => {
      expect(
        optionCommands(
          "data00",
          { "performance.cache-size": "32MB", "features.shard": "on" },
          { "performance.cache-size": "64MB", "auth.allow": "192.168.9.*" },
          INITIAL,
        ),
      ).toEqual([
        `${GLUSTER} volume set data00 performance.cache-size 64MB`,
        `${GLUSTER} volume set data00 auth.allow '192.168.9.*'`,
        `${GLUSTER} volume reset data00 features.shard`,
      ]);
      expect(optionCommands("data00", INITIAL, {}, INITIAL)).toEqual([]);
      expect(optionCommands("data00", configured, configured, INITIAL)).toEqual([]);
      // An initial option changed out of band goes back to gluster's value.
      expect(optionCommands("data00", { "nfs.disable": "off" }, {}, INITIAL)).toEqual([
        `${GLUSTER} volume reset data00 nfs.disable`,
      ]);
    });
  });

  describe("createCommand", () => {
    test("replica 3 arbiter 1, with transport tcp and force", async () => {
      const inputs = (await checked(p, raw)) as unknown as Inputs;
      expect(createCommand(inputs)).toBe(
        `${GLUSTER} volume create data00 replica 3 arbiter 1 transport tcp ${BRICKS.join(" ")} force`,
      );
    });

    test("replica 2", async () => {
      const inputs = (await checked(p, {
        ...raw,
        nodes: [N1, N2],
        bricks: BRICKS.slice(0, 2),
        replica: 2,
        arbiter: false,
      })) as unknown as Inputs;
      expect(createCommand(inputs)).toBe(
        `${GLUSTER} volume create data00 replica 2 transport tcp node01m:/glvol00 node02m:/glvol00 force`,
      );
    });
  });

  describe("check", () => {
    test("one brick per node, sets of replica, arbiter only with replica 3", async () => {
      const two = { nodes: [N1, N2], bricks: BRICKS.slice(0, 2) };
      expect(await failedProperties(p, { ...raw, bricks: two.bricks })).toEqual(["bricks", "replica"]);
      expect(await failedProperties(p, { ...raw, ...two, replica: 2 })).toEqual(["arbiter"]);
      const trailingSlash = ["node01m:/glvol00/", ...BRICKS.slice(1)];
      expect(await failedProperties(p, { ...raw, bricks: trailingSlash })).toEqual(["bricks[0]"]);
    });
  });

  describe("diff", () => {
    const shrunk = { nodes: [N1, N2], bricks: BRICKS.slice(0, 2), replica: 2, arbiter: false };

    test("a layout change without allowDestructiveChanges: diff refuses, naming the fields and the setting", async () => {
      const news = await checked(p, { ...raw, ...shrunk });
      const err = await failureOf(p.diff("data00", await stored(), news));
      expect(err.message).toContain(
        'GlusterVolume "dev-gluster-volume": diff failed: changing replica, arbiter, bricks of volume data00 replaces it',
      );
      expect(err.message).toContain("allowDestructiveChanges");
      expect(mockLab.calls).toEqual([]);
    });

    test("with allowDestructiveChanges: a replacement, deleting first", async () => {
      const news = await checked(p, { ...raw, ...shrunk, allowDestructiveChanges: true });
      expect(await p.diff("data00", await stored(), news)).toEqual({
        changes: true,
        replaces: ["replica", "arbiter", "bricks"],
        deleteBeforeReplace: true,
      });
    });

    test("an option change (or the setting itself) updates in place", async () => {
      const olds = await stored();
      const inputs = await checked(p, raw);
      const options = { "performance.cache-size": "128MB" };
      expect(await p.diff("data00", olds, { ...inputs, options })).toEqual(IN_PLACE);
      expect(await p.diff("data00", olds, { ...inputs, allowDestructiveChanges: true })).toEqual(IN_PLACE);
      expect(await p.diff("data00", olds, inputs)).toEqual(NO_DIFF);
    });
  });

  describe("create", () => {
    test("a brick that is not empty and not a brick: the error names the node and the brick; nothing created", async () => {
      on(INFO, { stdout: volumeInfoXml() });
      on(
        BRICK,
        {
          code: 65,
          stderr:
            "kvmlab: node02m:/glvol00 is not empty and not a brick. Fix: empty it (its files would be hidden by the volume), or choose another gluster.brickPath\n",
        },
        N2.address,
      );
      on(BRICK, { stdout: "ready\n" });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(/^GlusterVolume "dev-gluster-volume": create failed: /);
      expect(err.message).toContain(
        "on 192.168.8.122 (node02m:/glvol00): node02m:/glvol00 is not empty and not a brick. Fix:",
      );
      expect(err.message).not.toContain("getfattr");
      expect(ran(CREATE)).toBe(false);
      expect(ran(/setfattr -x/)).toBe(false);
    });

    test("a fresh volume on a stale brick: every brick checked, the stale id cleared, then created, set and started", async () => {
      on(INFO, () => ({
        stdout: ran(CREATE) ? volumeInfoXml(data00({ status: 0, options: INITIAL })) : volumeInfoXml(),
      }));
      on(BRICK, { stdout: `stale 0x${VOLUME_HEX}\n` }, N1.address);
      on(BRICK, { stdout: "ready\n" });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      const inputs = await checked(p, raw);
      const { id, outs } = await p.create(inputs);

      expect(id).toBe("data00");
      expect(outs).toMatchObject({ volumeId: VOLUME_ID, initialOptions: INITIAL });
      const typed = inputs as unknown as Inputs;
      BRICKS.forEach((brick, i) => expect(scripts(node(i + 1).address)).toContain(brickScript(typed, brick)));
      const clear = callIndex(/setfattr -x/);
      expect(mockLab.calls[clear]).toMatchObject({
        where: N1.address,
        script: clearStaleBrickScript(BRICKS[0]),
      });
      expect(mockLab.calls.filter((c) => /setfattr -x/.test(c.script))).toHaveLength(1);
      for (const n of [N1, N2, N3]) expect(callIndex(BRICK, n.address)).toBeLessThan(clear);
      const create = callIndex(CREATE);
      expect(clear).toBeLessThan(create);
      expect(mockLab.calls[create]).toMatchObject({ where: N1.address, script: createCommand(typed) });
      expect(theCall(/^set -e\n.* volume set /).script).toBe(
        `set -e\n${GLUSTER} volume set data00 performance.cache-size 64MB\n${GLUSTER} volume start data00`,
      );
      expect(ran(/start data00 force/)).toBe(false);
      expect(ran(/volume reset/)).toBe(false);
      for (const n of [N1, N2, N3]) expect(scripts(n.address)).toContain(record);
    });

    test("an existing volume of another layout is refused with the fix", async () => {
      on(INFO, { stdout: volumeInfoXml(data00({ replica: 2, arbiter: 0, bricks: BRICKS.slice(0, 2) })) });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain(
        "volume data00 exists with another layout (replica 2, bricks node01m:/glvol00 node02m:/glvol00)",
      );
      expect(err.message).toContain("Fix:");
      expect(ran(BRICK)).toBe(false);
      expect(ran(CREATE)).toBe(false);
    });
  });

  describe("read → diff → update", () => {
    test("a missing volume is gone (empty id)", async () => {
      on(INFO, { stdout: volumeInfoXml(data00({ name: "other" })) });
      expect(await p.read("data00", await stored())).toEqual({ id: "", props: {} });
    });

    test("a healthy volume: no drift", async () => {
      on(INFO, { stdout: volumeInfoXml(data00()) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({
        started: true,
        bricksOnline: true,
        replica: 3,
        arbiter: true,
        bricks: BRICKS,
        options: { "performance.cache-size": "64MB" },
      });
      expect(await p.diff("data00", read.props as Props, await checked(p, raw))).toEqual(NO_DIFF);
    });

    test("stopped, an option changed and one added out of band: update sets, resets and starts, no replace", async () => {
      const drifted = data00({
        status: 2,
        options: { ...INITIAL, "performance.cache-size": "32MB", "features.shard": "on" },
      });
      on(INFO, { stdout: volumeInfoXml(drifted) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      const inputs = await checked(p, raw);
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({
        started: false,
        options: { "performance.cache-size": "32MB", "features.shard": "on" },
      });
      expect(await p.diff("data00", read.props as Props, inputs)).toEqual(IN_PLACE);

      mockLab.calls = [];
      const { outs } = await p.update("data00", read.props as Props, inputs);
      expect(theCall(/^set -e\n/).script).toBe(
        [
          "set -e",
          `${GLUSTER} volume set data00 performance.cache-size 64MB`,
          `${GLUSTER} volume reset data00 features.shard`,
          `${GLUSTER} volume start data00`,
        ].join("\n"),
      );
      expect(ran(CREATE)).toBe(false);
      expect(ran(BRICK)).toBe(false);
      expect(outs).toMatchObject({ initialOptions: INITIAL, volumeId: VOLUME_ID });
    });

    test("a brick process down: bricksOnline false; update restarts the bricks with start force", async () => {
      on(INFO, { stdout: volumeInfoXml(data00()) });
      on(STATUS, { stdout: volumeStatusXml([true, true, false]) });
      const inputs = await checked(p, raw);
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({ started: true, bricksOnline: false });
      expect(await p.diff("data00", read.props as Props, inputs)).toEqual(IN_PLACE);
      mockLab.calls = [];
      await p.update("data00", read.props as Props, inputs);
      expect(scripts(N1.address)).toContain(`${GLUSTER} volume start data00 force >/dev/null`);
      expect(ran(/^set -e\n/)).toBe(false);
    });

    test("the first node unreachable: the volume reads as stopped, not an error", async () => {
      mockLab.down = [N1.address];
      const read = await p.read("data00", await stored());
      expect(read.id).toBe("data00");
      expect(read.props).toMatchObject({ started: false });
    });
  });

  describe("delete", () => {
    test("stops and deletes the volume on the first node and removes every brick", async () => {
      await p.delete("data00", await stored());
      expect(scripts(N1.address)[0]).toBe(
        `${GLUSTER} volume stop data00 force >/dev/null 2>&1 || true\n${GLUSTER} volume delete data00 >/dev/null 2>&1 || true`,
      );
      for (const n of [N1, N2, N3]) {
        const last = scripts(n.address).at(-1) ?? "";
        expect(last).toContain("rm -rf /glvol00");
        expect(last).toContain(`rm -f ${VOLUME_ID_DIR}/data00.volume-id`);
        bashSyntaxCheck(last);
      }
    });

    test("a node unreachable at delete does not fail the delete", async () => {
      mockLab.down = [N2.address];
      await expect(p.delete("data00", await stored())).resolves.toBeUndefined();
      expect(scripts(N2.address)).toEqual([]);
    });
  });
});

// =============================================================================================
// brickScript, run for real
// =============================================================================================

describe("brickScript, run for real against temporary directories", () => {
  let root: string;
  let bin: string;
  let ids: string;
  let log: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "kvmlab-brick-"));
    bin = path.join(root, "bin");
    ids = path.join(root, "volume-ids");
    log = path.join(root, "calls.log");
    fs.mkdirSync(bin);
    // Fakes of the attr tools: getfattr prints $FAKE_VOLUME_ID (nothing by default), setfattr logs.
    fs.writeFileSync(
      path.join(bin, "getfattr"),
      // Like the real one with -n NAME -e hex: "# file: DIR" then "NAME=0x…"; nothing when unset.
      `#!/bin/sh\necho "getfattr $*" >> "$FAKE_LOG"\n[ -n "$FAKE_VOLUME_ID" ] || exit 1\neval "dir=\\\${$#}"\nprintf '# file: %s\\ntrusted.glusterfs.volume-id=%s\\n\\n' "$dir" "$FAKE_VOLUME_ID"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, "setfattr"), `#!/bin/sh\necho "setfattr $*" >> "$FAKE_LOG"\n`, {
      mode: 0o755,
    });
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Runs `script` with the fakes first on PATH and the volume-id directory moved into the temp dir. */
  function run(script: string, volumeId = "") {
    const local = script.split(VOLUME_ID_DIR).join(ids);
    expect(local).not.toContain("/var/lib/kvm-ha-lab");
    return spawnSync("bash", ["-c", local], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        FAKE_VOLUME_ID: volumeId,
        FAKE_LOG: log,
      },
    });
  }

  let n = 0;
  /** A fresh brick directory (not created) and its brick name. */
  function freshBrick(): { dir: string; brick: string } {
    const dir = path.join(root, `brick${++n}`);
    return { dir, brick: `node01m:${dir}` };
  }

  test("a missing directory is created and ready; the attribute is read from the brick", () => {
    const { dir, brick } = freshBrick();
    const r = run(brickScript({ name: "data00" }, brick));
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: "ready\n",
      stderr: "",
    });
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.statSync(ids).isDirectory()).toBe(true);
    expect(fs.readFileSync(log, "utf8")).toContain(`-n trusted.glusterfs.volume-id`);
    expect(fs.readFileSync(log, "utf8")).toContain(dir);
  });

  test("an empty directory is ready", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(dir);
    const r = run(brickScript({ name: "data00" }, brick));
    expect([r.status, r.stdout]).toEqual([0, "ready\n"]);
  });

  test("a directory holding only lost+found (a fresh ext4) is ready", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, "lost+found"), { recursive: true });
    const r = run(brickScript({ name: "data00" }, brick));
    expect([r.status, r.stdout]).toEqual([0, "ready\n"]);
  });

  test.each([
    ["a file", "notes.txt"],
    ["a hidden file", ".keep"],
  ])("a directory with %s exits 65: not empty and not a brick", (_label, file) => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, file), "data\n");
    const r = run(brickScript({ name: "data00" }, brick));
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kvmlab: ${brick} is not empty and not a brick. Fix: empty it (its files would be hidden by the volume), or choose another gluster.brickPath\n`,
    );
    expect(fs.existsSync(path.join(dir, file))).toBe(true);
  });

  test("a brick of this volume (the id this node recorded) is stale; one of another volume is refused", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, ".glusterfs"), { recursive: true });
    fs.mkdirSync(ids, { recursive: true });
    fs.writeFileSync(path.join(ids, "data00.volume-id"), `0x${VOLUME_HEX}\n`);
    const stale = run(brickScript({ name: "data00" }, brick), `0x${VOLUME_HEX}`);
    expect([stale.status, stale.stdout]).toEqual([0, `stale 0x${VOLUME_HEX}\n`]);

    const foreign = run(brickScript({ name: "data00" }, brick), "0x00112233445566778899aabbccddeeff");
    expect(foreign.status).toBe(USER_ERROR_EXIT);
    expect(foreign.stderr).toContain(
      `kvmlab: ${brick} is a brick of another volume (volume-id 0x00112233445566778899aabbccddeeff). Fix:`,
    );
  });

  test("clearStaleBrickScript drops the volume id and .glusterfs but keeps the files", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, ".glusterfs", "00"), { recursive: true });
    fs.writeFileSync(path.join(dir, "vm-disk.img"), "x");
    const r = run(clearStaleBrickScript(brick));
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, ".glusterfs"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "vm-disk.img"))).toBe(true);
    expect(fs.readFileSync(log, "utf8")).toContain(`setfattr -x trusted.glusterfs.volume-id ${dir}`);
  });
});

// =============================================================================================
// GlusterMount
// =============================================================================================

describe("GlusterMount", () => {
  const p = glusterMountProvider;
  const rawOf = (mode: "mounted" | "prepared") =>
    named(
      {
        node: N1,
        sshPrivateKey: KEY,
        volume: "data00",
        server: "localhost",
        mountPoint: "/gldata00",
        mountOptions: "log-level=WARNING,log-file=/var/log/gluster.log",
        mode,
      },
      "dev-gluster-mount-node01",
    );
  type Inputs = Parameters<typeof applyScript>[0];
  const inputsOf = async (mode: "mounted" | "prepared") =>
    (await checked(p, rawOf(mode))) as unknown as Inputs;
  const STATE = /echo "== script"/;
  const APPLY = /base64 -d > \/etc\/init\.d\/glmount\.new/;
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const stateOut = (mounted: boolean, scriptSha: string) =>
    `== mounted\n${mounted ? "yes" : "no"}\n== script\n${scriptSha}\n`;

  test("mode prepared never writes fstab (it only drops the mount point's line); mode mounted adds the line and mounts", async () => {
    const prepared = applyScript(await inputsOf("prepared"));
    expect(prepared).not.toContain(">> /etc/fstab");
    expect(prepared).toContain("awk -v mp=/gldata00 '$2 != mp' /etc/fstab");
    expect(prepared).not.toContain(`${GLMOUNT_PATH} start`);

    const mountedInputs = await inputsOf("mounted");
    const mounted = applyScript(mountedInputs);
    expect(fstabLine(mountedInputs)).toBe(
      "localhost:data00 /gldata00 glusterfs defaults,_netdev,log-level=WARNING,log-file=/var/log/gluster.log 0 0",
    );
    expect(mounted).toContain(`echo '${fstabLine(mountedInputs)}' >> /etc/fstab`);
    expect(mounted.indexOf("awk -v mp=/gldata00")).toBeLessThan(mounted.indexOf(">> /etc/fstab"));
    expect(mounted).toContain(`${GLMOUNT_PATH} start || fail`);
  });

  test("create installs the rendered glmount from stdin on the node", async () => {
    const inputs = await inputsOf("prepared");
    const { id, outs } = await p.create(inputs as unknown as Props);
    expect(id).toBe("192.168.8.121:/gldata00");
    expect(outs).toMatchObject({ script: GLMOUNT_PATH, mounted: true, scriptCurrent: true });
    const call = theCall(APPLY);
    expect(call.where).toBe(N1.address);
    expect(call.script).toBe(applyScript(inputs));
    expect(Buffer.from(String(call.opts.stdin), "base64").toString("utf8")).toBe(glmountScript(inputs));
  });

  test("read in mode prepared: not mounted is not drift", async () => {
    const inputs = await inputsOf("prepared");
    on(STATE, { stdout: stateOut(false, sha(glmountScript(inputs))) });
    const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
    const read = await p.read("x", olds);
    expect(read.props).toMatchObject({ mounted: true, scriptCurrent: true });
    expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(NO_DIFF);
    expect(theCall(STATE).script).toBe(mountStateScript(inputs));
  });

  test("read in mode mounted: not mounted is drift; update re-applies (fstab + mount)", async () => {
    const inputs = await inputsOf("mounted");
    on(STATE, { stdout: stateOut(false, sha(glmountScript(inputs))) });
    const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
    const read = await p.read("x", olds);
    expect(read.props).toMatchObject({ mounted: false, scriptCurrent: true });
    expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(IN_PLACE);
    mockLab.calls = [];
    await p.update("x", read.props as Props, inputs as unknown as Props);
    expect(theCall(APPLY).script).toBe(applyScript(inputs));
  });

  test("a script whose sha differs (or is missing) is not current: drift", async () => {
    const inputs = await inputsOf("prepared");
    const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
    const edited = { stdout: stateOut(true, sha(`${glmountScript(inputs)}# edited\n`)) };
    on(STATE, inTurn(edited, { stdout: stateOut(true, "") }));
    for (let i = 0; i < 2; i++) {
      const read = await p.read("x", olds);
      expect(read.props).toMatchObject({ scriptCurrent: false });
      expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(IN_PLACE);
    }
  });

  test("a new mount point replaces; new mount options update in place", async () => {
    const inputs = (await inputsOf("mounted")) as unknown as Props;
    const olds = { ...inputs, script: GLMOUNT_PATH };
    expect(await p.diff("x", olds, { ...inputs, mountPoint: "/gldata01" })).toMatchObject({
      replaces: ["mountPoint"],
    });
    expect(await p.diff("x", olds, { ...inputs, mountOptions: "log-level=INFO" })).toEqual(IN_PLACE);
  });

  test("delete: mode mounted unmounts and drops the fstab line; prepared leaves the mount to the cluster", async () => {
    await p.delete("x", { ...((await inputsOf("mounted")) as unknown as Props), script: GLMOUNT_PATH });
    await p.delete("x", { ...((await inputsOf("prepared")) as unknown as Props), script: GLMOUNT_PATH });
    const [mounted, prepared] = scripts();
    expect(mounted).toContain("umount /gldata00");
    expect(mounted).toContain("awk -v mp=/gldata00");
    expect(prepared).not.toContain("umount");
    expect(prepared).not.toContain("/etc/fstab");
    for (const s of [mounted, prepared]) {
      expect(s).toContain(`rm -f ${GLMOUNT_PATH}`);
      bashSyntaxCheck(s);
    }
  });
});

// =============================================================================================
// Every generated script is valid bash
// =============================================================================================

describe("bash -n on every generated script", () => {
  const targetInputs = {
    host: HOST,
    sshPrivateKey: KEY,
    iqn: TARGET_IQN,
    directory: TGT_DIR,
    portal: PORTAL,
    controlPort: CP,
    luns: [
      { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" as const },
      { lun: 2, path: L2, sizeMiB: 1024, purpose: "data" as const },
    ],
    initiatorAddresses: ADDRS,
    initiatorNames: NAMES,
    online: true,
  };
  const initiatorInputs = {
    node: N1,
    sshPrivateKey: KEY,
    initiatorName: NAME1,
    targetIqn: TARGET_IQN,
    portal: PORTAL,
    luns: [1, 2],
    loggedIn: true,
  };
  const mountInputs = (mode: "mounted" | "prepared") => ({
    node: N1,
    sshPrivateKey: KEY,
    volume: "data00",
    server: "localhost",
    mountPoint: "/gldata00",
    mountOptions: "log-level=WARNING,log-file=/var/log/gluster.log",
    mode,
    mounted: true,
    scriptCurrent: true,
  });

  test.each<[string, () => string]>([
    ["iSCSI probeScript", () => probeScript(targetInputs)],
    ["iSCSI prepareScript on the KVM host", () => prepareScript(targetInputs)],
    ["iSCSI prepareScript on a node", () => prepareScript({ ...targetInputs, node: N3, controlPort: 0 })],
    ["iSCSI loginScript", () => loginScript(initiatorInputs)],
    ["iSCSI initiator stateScript", () => initiatorStateScript(initiatorInputs)],
    ["glusterd up", () => GLUSTERD_UP],
    ["brickScript", () => brickScript({ name: "data00" }, "node01m:/glvol00")],
    [
      "brickScript with a brick device",
      () => brickScript({ name: "data00", brickDevice: "/dev/vdb" }, "node01m:/glvol00"),
    ],
    ["clearStaleBrickScript", () => clearStaleBrickScript("node01m:/glvol00")],
    ["glmount applyScript, mode mounted", () => applyScript(mountInputs("mounted"))],
    ["glmount applyScript, mode prepared", () => applyScript(mountInputs("prepared"))],
    ["glmount stateScript", () => mountStateScript(mountInputs("mounted"))],
  ])("%s", (_label, script) => {
    bashSyntaxCheck(script());
  });
});
