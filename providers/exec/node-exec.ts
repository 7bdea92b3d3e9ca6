/**
 * Running scripts on the lab's machines: a node over SSH, or the KVM host (this machine) where a
 * kind may run on either (the iSCSI target). One shape for both: a {@link Runner}.
 *
 * Scripts report a problem the user can fix with {@link SCRIPT_FAIL} (`fail "what. Fix: how"`),
 * which exits with {@link USER_ERROR_EXIT}; {@link explainFailure} turns that into a plain error
 * message naming the machine, without the script text.
 */
import { z } from "zod";
import { progress, runOnHost } from "./host-exec";
import type { SshEndpoint, TargetPlacement } from "../core/endpoints";
import {
  errorMessage,
  isErrorNamed,
  isRemoteCommandError,
  shellJoin,
  withSession,
  type RunOptions,
  type RunResult,
  type SshTarget,
} from "./ssh";

/** Runs one bash script on a machine. */
export type Runner = (script: string, opts?: RunOptions) => Promise<RunResult>;

/** Exit code of a script that found a problem the user has to fix (see {@link SCRIPT_FAIL}). */
export const USER_ERROR_EXIT = 65;

/** Shell prelude of every script: strict mode and `fail MESSAGE` for problems the user must fix. */
export const SCRIPT_FAIL = `set -euo pipefail
fail() { echo "kvmlab: $*" >&2; exit ${USER_ERROR_EXIT}; }`;

/**
 * Shell function `oneline TEXT`: a tool's output as one line, without its final period, to quote
 * in a `fail` message (only the message's own line reaches the error, see {@link explainFailure}).
 */
export const ONELINE = `oneline() { local t; t=$(printf '%s' "$1" | tr '\\n' ' '); t=\${t% }; printf '%s' "\${t%.}"; }`;

/** The zod shape of an SSH endpoint (built on each call: no zod instance may live at module level). */
export const sshEndpointField = () =>
  z.object({
    address: z.string().regex(/^[A-Za-z0-9.:-]+$/, "address must be a host name or IP address"),
    port: z.number().int().min(1).max(65535),
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "user must be a plain user name"),
    hostKey: z.string().optional(),
  });

/** The SSH target of a node endpoint (the host key is pinned when the endpoint carries one). */
export function nodeTarget(node: SshEndpoint, privateKey: string): SshTarget {
  return {
    host: node.address,
    port: node.port,
    username: node.user,
    privateKey,
    ...(node.hostKey ? { hostKey: node.hostKey } : {}),
  };
}

/** Opens one SSH session to a node and hands `fn` a runner on it (one handshake for many scripts). */
export async function onNode<T>(
  node: SshEndpoint,
  privateKey: string,
  fn: (run: Runner) => Promise<T>,
): Promise<T> {
  try {
    return await withSession(nodeTarget(node, privateKey), (session) =>
      fn((script, opts) => session.run(script, opts)),
    );
  } catch (err) {
    // A node that cannot be reached is named with the fix (the error stays an unreachable one).
    if (isUnreachable(err) && !errorMessage(err).includes("Fix:")) throw explainFailure(err, node.address);
    throw err;
  }
}

/** Runs `fn` with a runner where a target is placed: on its node when set, else on the KVM host. */
export async function onPlacement<T>(
  placement: Pick<TargetPlacement, "node" | "sshPrivateKey">,
  fn: (run: Runner, where: string) => Promise<T>,
): Promise<T> {
  if (placement.node !== undefined) {
    const node = placement.node;
    return onNode(node, placement.sshPrivateKey, (run) => fn(run, node.address));
  }
  return fn((script, opts) => runOnHost(script, opts ?? {}), "the KVM host");
}

/** True when the machine could not be reached at all (nothing ran). */
export function isUnreachable(err: unknown): boolean {
  return isErrorNamed(err, "SshConnectionError");
}

/**
 * Rewrites a failed script into the error the user should see: the `fail` message of a script
 * (with the machine named), or an unreachable machine with the fix; anything else is kept.
 */
export function explainFailure(err: unknown, where: string): Error {
  if (isRemoteCommandError(err) && err.code === USER_ERROR_EXIT) {
    const lines = err.stderrTail.split("\n").filter((l) => l.startsWith("kvmlab: "));
    const last = lines[lines.length - 1];
    if (last !== undefined) return new Error(`on ${where}: ${last.slice("kvmlab: ".length)}`);
  }
  if (isUnreachable(err)) {
    const unreachable = new Error(
      `${where} is unreachable (${errorMessage(err).split("\n")[0]}). ` +
        "Fix: check that the VM runs (virsh list --all) and answers on SSH, then run `pulumi up` again: " +
        "the step resumes where it stopped",
    );
    // Still an unreachable machine for the callers that test it (reads report drift, deletes go on).
    unreachable.name = "SshConnectionError";
    return unreachable;
  }
  return err instanceof Error ? err : new Error(errorMessage(err));
}

/** Runs `fn`; when the machine cannot be reached, `fallback` instead (a read reports it as drift). */
export async function orIfUnreachable<T, F>(fn: () => Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await fn();
  } catch (err) {
    if (isUnreachable(err)) return fallback;
    throw err;
  }
}

/** The first of `items` (the machine a kind runs its one-place commands on); throws `problem` when empty. */
export function firstOf<T>(items: readonly T[], problem: string): T {
  const first = items[0];
  if (first === undefined) throw new Error(problem);
  return first;
}

/**
 * The first answer of `fn` over `machines` in order: a machine that cannot be reached, or whose
 * answer `fn` turns into `undefined`, is skipped; `undefined` when none answers (what a `read`
 * needs after a node was fenced).
 */
export async function firstAnswer<M, T>(
  machines: readonly M[],
  fn: (machine: M) => Promise<T | undefined>,
): Promise<T | undefined> {
  for (const machine of machines) {
    const answer = await orIfUnreachable(() => fn(machine), undefined);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

/** Runs a removal; a machine that cannot be reached has nothing left to remove (said as progress). */
export async function removeUnlessUnreachable(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isUnreachable(err)) throw err;
    progress(`${what}: unreachable at delete, nothing left to remove there`);
  }
}

/**
 * Runs a removal on each of `machines` at once and waits for all of them: a machine that cannot
 * be reached is skipped as {@link removeUnlessUnreachable} does; then fails with every other
 * failure (one error as it is; several joined).
 */
export async function removeOnEach<M>(
  machines: readonly M[],
  what: (machine: M) => string,
  fn: (machine: M) => Promise<unknown>,
): Promise<void> {
  const results = await Promise.allSettled(
    machines.map((m) => removeUnlessUnreachable(what(m), () => fn(m))),
  );
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new Error(failures.map((f) => errorMessage(f)).join("; "));
}

/** Runs argv commands as one script (`set -e`: the first failure stops it); nothing when empty. */
export async function runCommands(
  run: Runner,
  commands: readonly (readonly string[])[],
  opts?: RunOptions,
): Promise<void> {
  if (commands.length === 0) return;
  await run(`set -e\n${commands.map((c) => shellJoin(c)).join("\n")}`, opts);
}

/** Runs `fn` and rewrites its failure with {@link explainFailure}. */
export async function explained<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainFailure(err, where);
  }
}

/**
 * Splits the output of a probe script that prints `== NAME` headers into its sections (the lines
 * after each header). Lets one round trip answer several questions.
 */
export function parseSections(stdout: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let current = "";
  for (const line of stdout.split("\n")) {
    const m = /^== ([\w-]+)$/.exec(line);
    if (m) {
      current = m[1] ?? "";
      sections[current] = [];
    } else if (current) sections[current]?.push(line);
  }
  return sections;
}
