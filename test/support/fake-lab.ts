/**
 * The fake lab the provider tests run against: the SSH layer's `withSession` and the KVM host's
 * `runOnHost` are replaced by fakes that record every script with the machine it ran on and its
 * options, and answer it from per-test rules the way the real runners do (resolve on an ok exit
 * code; otherwise reject with a `RemoteCommandError` whose command and tails are redacted of the
 * `sensitive` strings). A node listed in `lab.down` fails to connect with an `SshConnectionError`
 * before anything runs on it.
 *
 * Loading this module mocks providers/exec/ssh and providers/exec/host-exec for the test file
 * (the rest of both modules is the real one), so a test file imports it before any provider:
 * a provider loaded first would keep the real runners. Rules and records are cleared before each
 * test (see {@link resetLab}).
 */
import type * as HostExecModule from "../../providers/exec/host-exec";
import type { HostRunOptions } from "../../providers/exec/host-exec";
import type * as SshModule from "../../providers/exec/ssh";
import type { RunOptions, RunResult, SshSession, SshTarget } from "../../providers/exec/ssh";

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

/** The fake lab's state: the rules, what ran, which nodes are down, whom the program connected to. */
export const lab: { calls: Call[]; rules: Rule[]; down: string[]; connects: string[] } = {
  calls: [],
  rules: [],
  down: [],
  connects: [],
};

/** Clears rules, records and down nodes. */
export function resetLab(): void {
  lab.calls = [];
  lab.rules = [];
  lab.down = [];
  lab.connects = [];
}

beforeEach(resetLab);

/** Forgets what ran so far and the rules (after a setup step of a test); down nodes stay down. */
export function forget(): void {
  lab.calls = [];
  lab.connects = [];
  lab.rules = [];
}

/**
 * One script on one machine: the first matching rule wins; no rule means success with no output.
 * `reason` words a failure the way the machine's real runner does.
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
  const rule = lab.rules.find((r) => (r.at === undefined || r.at === where) && r.pattern.test(script));
  const reply =
    rule === undefined ? {} : typeof rule.answer === "function" ? rule.answer(script, call) : rule.answer;
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

/** The fake `withSession`: a node listed in `lab.down` cannot be reached (nothing runs there). */
async function fakeWithSession<T>(target: SshTarget, fn: (session: SshSession) => Promise<T>): Promise<T> {
  const { describeTarget, SshConnectionError } = realSsh();
  lab.connects.push(target.host);
  if (lab.down.includes(target.host)) {
    throw new SshConnectionError(describeTarget(target), 5, `connect EHOSTUNREACH ${target.host}:22`);
  }
  const session = {
    target,
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKey",
    run: (script: string, opts?: RunOptions) =>
      run(
        target.host,
        describeTarget(target),
        (code) => `command failed with exit code ${code}`,
        script,
        opts,
      ),
    close: () => undefined,
  };
  return fn(session as unknown as SshSession);
}

/** The fake `runOnHost`. */
function fakeRunOnHost(script: string, opts?: HostRunOptions): Promise<RunResult> {
  return run(KVM_HOST, "kvm host (local)", (code) => `exit code ${code}`, script, opts);
}

/** The mock of providers/exec/ssh: the real module with the fake `withSession`. */
function sshModule(): typeof SshModule {
  return { ...realSsh(), withSession: fakeWithSession };
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
