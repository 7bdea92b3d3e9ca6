/**
 * The fake lab the provider tests run against: the SSH layer's `withSession` and `runRemote` and
 * the KVM host's `runOnHost` are replaced by fakes that record every script with the machine it
 * ran on and its options, and answer it from per-test rules the way the real runners do (resolve
 * on an ok exit code; otherwise reject with a `RemoteCommandError` whose command and tails are
 * redacted of the `sensitive` strings). A node listed in `lab.down` fails to connect with an
 * `SshConnectionError` before anything runs on it.
 *
 * The fake is strict, so a test cannot pass on answers nobody checked:
 * - every script is syntax-checked with `bash -n`;
 * - a script that no rule answers fails the test (unless the test declared {@link otherwise});
 * - a rule may run the script for real ({@link forReal}) on a {@link FakeMachine}: bash in a
 *   sandbox with fake commands (test/fixtures/fake-tools.ts) first on PATH, so what the provider
 *   parses is what its script printed.
 * A problem fails the test even when the provider swallows the error it gets (it is recorded, and
 * checked after each test).
 *
 * Loading this module mocks providers/exec/ssh and providers/exec/host-exec for the test file
 * (the rest of both modules is the real one), so a test file imports it before any provider:
 * a provider loaded first would keep the real runners. Rules and records are cleared before each
 * test (see {@link resetLab}).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as HostExecModule from "../../providers/exec/host-exec";
import type { HostRunOptions } from "../../providers/exec/host-exec";
import type * as SshModule from "../../providers/exec/ssh";
import type { RunOptions, RunResult, SshSession, SshTarget } from "../../providers/exec/ssh";
import {
  bashSyntaxProblem,
  fakeBin,
  outsidePaths,
  runWithFakes,
  stopOwnProcesses,
  type FakeBin,
} from "./bash";

jest.mock("../../providers/exec/ssh", () => sshModule());
jest.mock("../../providers/exec/host-exec", () => hostExecModule());

/** The real SSH module (its error classes are the ones the providers see through the mock). */
function realSsh(): typeof SshModule {
  return jest.requireActual<typeof SshModule>("../../providers/exec/ssh");
}

/** Where `runOnHost` runs, as the record names it. */
export const KVM_HOST = "kvm-host";

/** What a fake machine answers to one script. */
export interface Reply {
  stdout?: string;
  stderr?: string;
  code?: number;
}

/** The options a script ran with (those of the SSH runner and of the host runner). */
export type CallOptions = RunOptions & HostRunOptions;

/** One script that ran. */
export interface Call {
  /** The node address the script ran on, or {@link KVM_HOST}. */
  where: string;
  script: string;
  opts: CallOptions;
}

/** A fixed reply, or one computed from the call (it may also throw, as a machine that fails the test). */
export type Answer = Reply | ((script: string, call: Call) => Reply);

export interface Rule {
  pattern: RegExp;
  answer: Answer;
  /** Only on this machine (a node address, or {@link KVM_HOST}). */
  at?: string;
}

/**
 * The fake lab's state: the rules, the default rules of the test file, the catch-all answer the
 * test declared (if any), what ran, which nodes are down, whom the program connected to, and the
 * problems that fail the test.
 */
export const lab: {
  calls: Call[];
  rules: Rule[];
  defaults: Rule[];
  fallback: Answer | undefined;
  down: string[];
  connects: string[];
  problems: string[];
} = {
  calls: [],
  rules: [],
  defaults: [],
  fallback: undefined,
  down: [],
  connects: [],
  problems: [],
};

/** Clears rules, default rules, the catch-all, records, problems and down nodes. */
export function resetLab(): void {
  lab.calls = [];
  lab.rules = [];
  lab.defaults = [];
  lab.fallback = undefined;
  lab.down = [];
  lab.connects = [];
  lab.problems = [];
}

beforeEach(resetLab);

/** The sandboxes of the fake machines made in this test (removed after it). */
const machineRoots: string[] = [];

afterEach(() => {
  const problems = lab.problems.splice(0);
  stopOwnProcesses();
  for (const root of machineRoots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`the fake lab:\n${problems.join("\n\n")}`);
});

/** Forgets what ran so far and the rules (after a setup step of a test); down nodes stay down. */
export function forget(): void {
  lab.calls = [];
  lab.connects = [];
  lab.rules = [];
  lab.fallback = undefined;
}

/** The first lines of a script, for messages. */
function head(script: string): string {
  const lines = script.split("\n");
  return lines.slice(0, 6).join("\n") + (lines.length > 6 ? `\n… (${lines.length} lines)` : "");
}

/** Records a problem (checked after the test) and returns it as an error to throw now. */
function problem(message: string): Error {
  lab.problems.push(message);
  const err = new Error(message);
  err.name = "FakeLabProblem";
  return err;
}

/**
 * One script on one machine: `bash -n` first, then the first matching rule answers (then the
 * first matching default rule, then the declared catch-all; nothing is a failure). `reason` words
 * a failure the way the machine's real runner does.
 */
async function run(
  where: string,
  shownHost: string,
  reason: (code: number) => string,
  script: string,
  opts: CallOptions = {},
): Promise<RunResult> {
  const call: Call = { where, script, opts };
  lab.calls.push(call);
  const syntax = bashSyntaxProblem(script);
  if (syntax !== undefined) throw problem(`a script on ${where} is not valid bash (${syntax}):\n${script}`);
  const matches = (r: Rule) => (r.at === undefined || r.at === where) && r.pattern.test(script);
  const rule = lab.rules.find(matches) ?? lab.defaults.find(matches);
  const answer = rule?.answer ?? lab.fallback;
  if (answer === undefined) {
    throw problem(
      `no rule answers this script on ${where} (add a rule, or declare otherwise()):\n${head(script)}`,
    );
  }
  let reply: Reply;
  try {
    reply = typeof answer === "function" ? answer(script, call) : answer;
  } catch (err) {
    if (err instanceof Error && err.name === "FakeLabProblem") throw err;
    throw problem(`the answer to a script on ${where} failed: ${String(err)}\n${head(script)}`);
  }
  const code = reply.code ?? 0;
  const stdout = reply.stdout ?? "";
  const stderr = reply.stderr ?? "";
  if ((opts.okExitCodes ?? [0]).includes(code)) return { stdout, stderr, code };
  const { RemoteCommandError, redact } = realSsh();
  throw new RemoteCommandError({
    host: shownHost,
    command: redact(script.trim(), opts.sensitive),
    code,
    stderrTail: redact(stderr, opts.sensitive),
    stdoutTail: redact(stdout, opts.sensitive),
    timedOut: false,
    reason: reason(code),
  });
}

/** The SSH host key every fake machine presents. */
export const FAKE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKey";

/**
 * The fake `withSession`: a node listed in `lab.down` cannot be reached (nothing runs there); a
 * pinned host key other than {@link FAKE_HOST_KEY} is refused, as the real module refuses it.
 */
async function fakeWithSession<T>(target: SshTarget, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const { describeTarget, SshConnectionError, HostKeyMismatchError } = realSsh();
  lab.connects.push(target.host);
  if (lab.down.includes(target.host)) {
    throw new SshConnectionError(describeTarget(target), 5, `connect EHOSTUNREACH ${target.host}:22`);
  }
  const hostKey = FAKE_HOST_KEY;
  const pinned = target.hostKey?.trim().split(/\s+/).slice(0, 2).join(" ");
  if (pinned !== undefined && pinned !== hostKey) {
    throw new HostKeyMismatchError(describeTarget(target), target.hostKey?.trim() ?? "", hostKey);
  }
  const session = {
    target,
    hostKey,
    run: async (script: string, opts?: RunOptions) => ({
      ...(await run(
        target.host,
        describeTarget(target),
        (code) => `command failed with exit code ${code}`,
        script,
        opts,
      )),
      hostKey,
    }),
    close: () => undefined,
  };
  return fn(session as unknown as SshSession);
}

/** The fake `runRemote`: one session, one command. */
function fakeRunRemote(target: SshTarget, command: string, opts: RunOptions = {}): Promise<RunResult> {
  return fakeWithSession(target, (session) => session.run(command, opts));
}

/** The fake `runOnHost`. */
function fakeRunOnHost(script: string, opts?: HostRunOptions): Promise<RunResult> {
  return run(KVM_HOST, "kvm host (local)", (code) => `exit code ${code}`, script, opts);
}

/** The mock of providers/exec/ssh: the real module with the fake `withSession` and `runRemote`. */
function sshModule(): typeof SshModule {
  return { ...realSsh(), withSession: fakeWithSession, runRemote: fakeRunRemote };
}

/** The mock of providers/exec/host-exec: the real module with the fake `runOnHost`, no progress lines. */
function hostExecModule(): typeof HostExecModule {
  return {
    ...jest.requireActual<typeof HostExecModule>("../../providers/exec/host-exec"),
    runOnHost: fakeRunOnHost,
    progress: () => undefined,
  };
}

/** The fake lab answers scripts matching `pattern` (on `at` only, when given) with `answer`; earlier rules win. */
export function on(pattern: RegExp, answer: Answer, at?: string): void {
  lab.rules.push({ pattern, answer, at });
}

/** A regular expression that matches `text` literally. */
export function escapeRegExp(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
}

/** A pattern that matches exactly this script. */
export function exactly(script: string): RegExp {
  return new RegExp(`^${escapeRegExp(script).source}$`);
}

/**
 * The answer to scripts matching `pattern` when none of the test's own rules ({@link on}) does:
 * for a test file's usual answers, set in its `beforeEach`; a test's own rule (a failure) wins.
 */
export function byDefault(pattern: RegExp, answer: Answer, at?: string): void {
  lab.defaults.push({ pattern, answer, at });
}

/** Scripts matching any of `patterns` succeed without output (commands whose output nobody reads). */
export function succeeds(...patterns: RegExp[]): void {
  for (const pattern of patterns) on(pattern, {});
}

/**
 * The catch-all of this test: scripts no rule matches get `answer` instead of failing the test.
 * Only for tests about something else than the scripts (the order of steps, a failure before).
 */
export function otherwise(answer: Answer = {}): void {
  lab.fallback = answer;
}

/** Answers with each reply in turn, then with the last one again. */
export function inTurn(...replies: Reply[]): () => Reply {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)];
}

/** The scripts that ran (on `where` only, when given), in order. */
export function scripts(where?: string): string[] {
  return lab.calls.filter((c) => where === undefined || c.where === where).map((c) => c.script);
}

/** Whether a script matching `pattern` ran anywhere. */
export function ran(pattern: RegExp): boolean {
  return lab.calls.some((c) => pattern.test(c.script));
}

/** Index (in the whole record) of the first call matching `pattern` (on `where`, when given). */
export function callIndex(pattern: RegExp, where?: string): number {
  return lab.calls.findIndex((c) => (where === undefined || c.where === where) && pattern.test(c.script));
}

/** The one call matching `pattern` (fails the test unless exactly one ran). */
export function theCall(pattern: RegExp): Call {
  const found = lab.calls.filter((c) => pattern.test(c.script));
  expect(found).toHaveLength(1);
  return found[0];
}

// ---------------------------------------------------------------------------------------------
// Machines whose scripts run for real

/**
 * A machine whose scripts run for real ({@link forReal}): bash in a sandbox (test/support/bash.ts)
 * with its fake commands first on PATH. The fixed paths its scripts use live under the sandbox:
 * the script is run with them moved there, and its output names them as the script did.
 */
export interface FakeMachine {
  /** The sandbox: the fakes, HOME, TMPDIR, the moved paths; FAKE_ROOT of the fakes. */
  fake: FakeBin;
  /** Environment of every run (the fakes read their state from it or from files). */
  env: Record<string, string>;
  /** Where a path of the machine is in the sandbox (the path itself when it was not moved). */
  at: (machinePath: string) => string;
  /** Writes a file of the machine (its directory created); the content as given. */
  write: (machinePath: string, content: string) => void;
  /** Reads a file of the machine, `undefined` when it does not exist (see `outside` for its paths). */
  read: (machinePath: string) => string | undefined;
  /** Sets (or, with `undefined`, removes) a state file of the fakes (`$FAKE_ROOT/state/<name>`). */
  state: (name: string, content: string | undefined) => void;
  /** A state file of the fakes, `undefined` when it does not exist. */
  stateOf: (name: string) => string | undefined;
  /** The fake commands that ran, `<name> <argv>`, with the moved paths as the script named them. */
  log: () => string[];
  /** Moves the machine's paths into the sandbox (in a script) and back (in its output). */
  inside: (text: string) => string;
  outside: (text: string) => string;
  /**
   * Real paths outside the sandbox its scripts may name: read-only system files (/proc), and
   * paths they only name in messages (a log to look at). Never a path they write.
   */
  reads: string[];
}

/**
 * A fake machine with these fake commands (see test/fixtures/fake-tools.ts). `paths`: fixed
 * paths of the machine (files or directories) moved into the sandbox; `reads`: real paths its
 * scripts may name without writing them (see {@link FakeMachine.reads}); `env`: the fakes'
 * settings.
 */
export function fakeMachine(
  tools: Record<string, string>,
  opts: { paths?: string[]; reads?: string[]; env?: Record<string, string> } = {},
): FakeMachine {
  const fake = fakeBin(tools, { sandbox: true });
  machineRoots.push(fake.root);
  fs.mkdirSync(path.join(fake.root, "state"));
  const moved = [...(opts.paths ?? [])].sort((a, b) => b.length - a.length);
  const fsRoot = path.join(fake.root, "fs");
  const target = (p: string) => path.join(fsRoot, p);
  const inside = (text: string) => moved.reduce((t, p) => t.split(p).join(target(p)), text);
  const outside = (text: string) => moved.reduce((t, p) => t.split(target(p)).join(p), text);
  const at = (machinePath: string) => inside(machinePath);
  return {
    fake,
    env: { ...(opts.env ?? {}) },
    at,
    write: (machinePath, content) => {
      const file = at(machinePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
    read: (machinePath) => {
      const file = at(machinePath);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    },
    state: (name, content) => {
      const file = path.join(fake.root, "state", name);
      if (content === undefined) {
        fs.rmSync(file, { force: true });
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
    stateOf: (name) => {
      const file = path.join(fake.root, "state", name);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    },
    log: () => {
      if (!fs.existsSync(fake.log)) return [];
      return outside(fs.readFileSync(fake.log, "utf8"))
        .split("\n")
        .filter((l) => l !== "");
    },
    inside,
    outside,
    reads: [...(opts.reads ?? [])],
  };
}

/**
 * A rule's answer that runs the script for real on `machine`, as its runner would: on the KVM host
 * under `set -euo pipefail` with `LC_ALL=C` (host-exec), on a node as the login shell runs it;
 * the call's env exported, its stdin on stdin. A script that names a path outside the sandbox
 * (not moved, not one of its reads) fails the test without running.
 */
export function forReal(machine: FakeMachine): (script: string, call: Call) => Reply {
  return (script, call) => {
    const local = machine.inside(script);
    const outside = outsidePaths(local, machine.fake.root, machine.reads);
    if (outside.length > 0) {
      throw problem(
        `a script on ${call.where} would reach ${outside.join(", ")} outside its sandbox ` +
          `(move the path into the fake machine, or answer the script with a rule):\n${head(script)}`,
      );
    }
    const host = call.where === KVM_HOST;
    const env = { ...machine.env, ...(host ? { LC_ALL: "C" } : {}), ...(call.opts.env ?? {}) };
    const r = runWithFakes(
      machine.fake,
      host ? `set -euo pipefail\n${local}` : local,
      call.opts.stdin ?? "",
      env,
    );
    if (r.error !== undefined) throw problem(`a script on ${call.where} did not run: ${String(r.error)}`);
    return {
      stdout: machine.outside(r.stdout),
      stderr: machine.outside(r.stderr),
      code: r.status ?? 128,
    };
  };
}
