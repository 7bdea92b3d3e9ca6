/**
 * The one module for remote execution: SSH with the `ssh2` client library.
 *
 * Every provider that touches a remote machine goes through here, so the rules live in one place:
 * - connection failures (refused, timeouts, handshake/auth failures) are retried with exponential
 *   backoff and jitter; a command that has started is never retried;
 * - every command has a timeout, enforced on both ends: the channel is closed and the remote
 *   process group killed (by coreutils `timeout` wrapped around the command);
 * - a non-ok exit code throws {@link RemoteCommandError} with the exit code and the tail of stderr;
 * - host keys are verified strictly when the caller pins one, otherwise the seen key is returned so
 *   the caller can pin it next time;
 * - payloads travel on stdin, never on the command line;
 * - strings listed as `sensitive` are redacted from everything this module puts into errors.
 */
import { Client, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from "ssh2";
import { createHash } from "node:crypto";
import { constants as osConstants } from "node:os";
import { posix as posixPath } from "node:path";

/** Where and how to connect. */
export interface SshTarget {
  /** Host name or IP address. */
  host: string;
  /** TCP port (default 22). */
  port?: number;
  /** Login user. */
  username: string;
  /** Private key, OpenSSH or PEM format. */
  privateKey: string;
  /** Expected host key in OpenSSH `type base64` form (a trailing comment is ignored). When given, verified strictly. */
  hostKey?: string;
  /** How long the TCP connect + SSH handshake may take (default 20 s). */
  connectTimeoutSeconds?: number;
}

/** How hard to try to establish a connection. */
export interface ConnectOptions {
  /** Connection-level retries after the first attempt (default 4). Commands are never retried. */
  retries?: number;
  /** Base delay of the exponential backoff, in milliseconds (default 1000). */
  retryDelayMs?: number;
  /** Upper bound of one backoff delay, in milliseconds (default 15000). */
  maxRetryDelayMs?: number;
}

/** Options of one remote command. */
export interface RunOptions extends ConnectOptions {
  /** Payload streamed to the command's stdin (stdin is closed right away when absent). */
  stdin?: string | Buffer;
  /** Kill the command after this many seconds (default 600). */
  timeoutSeconds?: number;
  /** Environment variables, exported by the remote shell before the command runs. */
  env?: Record<string, string>;
  /** Exit codes that count as success (default `[0]`). */
  okExitCodes?: number[];
  /** Strings to redact from errors (commands, stdout and stderr tails). */
  sensitive?: string[];
}

/** What a finished command produced. stdout/stderr are returned unredacted to the caller. */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code (one of `okExitCodes`). */
  code: number;
  /** The host key the server presented, OpenSSH `type base64` form, for pinning. */
  hostKey?: string;
}

const DEFAULT_PORT = 22;
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 20;
const DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;
const DEFAULT_RETRIES = 4;
const DEFAULT_RETRY_DELAY_MS = 1000;
const DEFAULT_MAX_RETRY_DELAY_MS = 15000;
const TAIL_CHARS = 2000;
const COMMAND_IN_MESSAGE_CHARS = 300;
const REDACTED = "***";

/** `user@host:port`, the way errors name a target. */
export function describeTarget(target: SshTarget): string {
  return `${target.username}@${target.host}:${target.port ?? DEFAULT_PORT}`;
}

/** A remote command that failed: non-ok exit code, killed by a signal, timed out, or lost its connection. */
export class RemoteCommandError extends Error {
  /** `user@host:port`. */
  readonly host: string;
  /** The command, with sensitive strings redacted. */
  readonly command: string;
  /** Exit code, or null when the command reported none (timeout, signal, lost connection). */
  readonly code: number | null;
  /** Signal name when the command was killed by one. */
  readonly signal: string | undefined;
  /** Last part of stderr, redacted. */
  readonly stderrTail: string;
  /** Last part of stdout, redacted. */
  readonly stdoutTail: string;
  /** True when the command was killed because it exceeded its timeout. */
  readonly timedOut: boolean;

  constructor(init: {
    host: string;
    command: string;
    code: number | null;
    signal?: string;
    stderrTail: string;
    stdoutTail: string;
    timedOut: boolean;
    reason: string;
  }) {
    const shown =
      init.command.length > COMMAND_IN_MESSAGE_CHARS
        ? `${init.command.slice(0, COMMAND_IN_MESSAGE_CHARS)}…`
        : init.command;
    const stderr = init.stderrTail.trim();
    const message = `ssh ${init.host}: ${init.reason}: ${shown}${stderr ? `\nstderr: ${stderr}` : ""}`;
    super(message);
    // Set again: when Pulumi serialises a provider, this class becomes a function whose super call
    // does not initialise `message`.
    this.message = message;
    this.name = "RemoteCommandError";
    this.host = init.host;
    this.command = init.command;
    this.code = init.code;
    this.signal = init.signal;
    this.stderrTail = init.stderrTail;
    this.stdoutTail = init.stdoutTail;
    this.timedOut = init.timedOut;
  }
}

/** The connection could not be established (after all retries, or at once when retrying cannot help). */
export class SshConnectionError extends Error {
  /** `user@host:port`. */
  readonly host: string;
  /** Connection attempts made. */
  readonly attempts: number;

  constructor(host: string, attempts: number, detail: string, options?: { cause?: unknown }) {
    const message = `ssh ${host}: connection failed after ${attempts} attempt(s): ${detail}`;
    super(message, options);
    this.message = message; // see RemoteCommandError
    this.name = "SshConnectionError";
    this.host = host;
    this.attempts = attempts;
  }
}

/** The server presented a host key other than the pinned one. Never retried. */
export class HostKeyMismatchError extends SshConnectionError {
  /** The key the caller expected. */
  readonly expected: string;
  /** The key the server presented. */
  readonly actual: string;

  constructor(host: string, expected: string, actual: string) {
    super(host, 1, `host key mismatch: expected ${expected}, server presented ${actual}`);
    this.name = "HostKeyMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Error-class tests by name. Pulumi re-creates classes when it serialises a dynamic provider, so
 * `instanceof` (even `instanceof Error`) cannot be trusted inside provider code.
 */
export function isErrorNamed(err: unknown, ...names: string[]): boolean {
  return typeof err === "object" && err !== null && names.includes(String((err as { name?: unknown }).name));
}

/** True for a {@link RemoteCommandError}, also across serialisation (see {@link isErrorNamed}). */
export function isRemoteCommandError(err: unknown): err is RemoteCommandError {
  return isErrorNamed(err, "RemoteCommandError");
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  const message =
    typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : String(err);
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell: safe words stay as they are, anything else goes in single quotes. */
export function shellQuote(word: string | number): string {
  const s = String(word);
  if (SAFE_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces: `shellJoin(["echo", "a b"])` → `echo 'a b'`. */
export function shellJoin(words: readonly (string | number)[]): string {
  return words.map(shellQuote).join(" ");
}

/** Replaces every occurrence of each sensitive string (raw or shell-quoted) with `***`. */
export function redact(text: string, sensitive: readonly string[] | undefined): string {
  if (!sensitive || sensitive.length === 0) return text;
  const needles = new Set<string>();
  for (const s of sensitive) {
    if (!s) continue;
    needles.add(s);
    needles.add(s.replace(/'/g, `'\\''`));
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join(REDACTED);
  }
  return out;
}

/** Formats a host key blob (SSH wire format) as OpenSSH `type base64`. */
function formatHostKey(blob: Buffer): string {
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = len > 0 && 4 + len <= blob.length ? blob.subarray(4, 4 + len).toString("latin1") : "unknown";
  return `${type} ${blob.toString("base64")}`;
}

/** Compares a pinned `type base64 [comment]` key with a presented blob. */
function hostKeyMatches(expected: string, blob: Buffer): boolean {
  const [type, b64] = expected.trim().split(/\s+/);
  if (!type || !b64) return false;
  return formatHostKey(blob) === `${type} ${Buffer.from(b64, "base64").toString("base64")}`;
}

/**
 * The host key algorithms that make a server present a key of the pinned key's type (a server with
 * several host keys would otherwise present the one the client prefers, which may be another).
 */
export function hostKeyAlgorithms(pinned: string): ServerHostKeyAlgorithm[] {
  const type = pinned.trim().split(/\s+/)[0] ?? "";
  if (type === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return [type as ServerHostKeyAlgorithm];
}

function tail(text: string): string {
  return text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text;
}

function exitCodeForSignal(signal: string): number | undefined {
  const n = (osConstants.signals as Record<string, number | undefined>)[`SIG${signal}`];
  return n === undefined ? undefined : 128 + n;
}

function withEnv(command: string, env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return command;
  const assignments = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${k}`);
    return `${k}=${shellQuote(v)}`;
  });
  return `export ${assignments.join(" ")}; ${command}`;
}

/**
 * Makes the remote side enforce the timeout too: the command runs under coreutils `timeout` (TERM,
 * then KILL 5 s later, to the whole process group) in the user's shell, as sshd would have run it.
 * Needed because closing the channel does not stop a remote process, and OpenSSH refuses "signal"
 * requests for root sessions ("session signalling requires privilege separation").
 * Hosts without `timeout` run the command unwrapped.
 */
function withRemoteTimeout(command: string, seconds: number): string {
  const run = `"\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`;
  // One second of grace so the local timer fires first and the error says "timed out", not "exit code 124".
  return `if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 ${seconds + 1} ${run}; else exec ${run}; fi`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with "equal jitter": half the delay is fixed, half random. */
function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const full = Math.min(maxMs, baseMs * 2 ** attempt);
  return full / 2 + Math.random() * (full / 2);
}

/** A failed connection attempt, with whether another attempt could succeed. */
interface AttemptFailure {
  retryable: boolean;
  error: Error;
}

// An array, not a Set: module-level Sets do not survive Pulumi's serialisation of a provider.
const NOT_RETRYABLE_CODES: readonly string[] = ["ENOTFOUND"];

/** One connection attempt: resolves with a ready client and the presented host key. */
function connectOnce(target: SshTarget): Promise<{ client: Client; hostKey: string }> {
  const host = describeTarget(target);
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seenKey: string | undefined;
    let mismatch = false;
    let settled = false;
    const fail = (failure: AttemptFailure): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(failure);
    };
    const config: ConnectConfig = {
      host: target.host,
      port: target.port ?? DEFAULT_PORT,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: (target.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
      keepaliveInterval: 15000,
      keepaliveCountMax: 4,
      ...(target.hostKey !== undefined
        ? { algorithms: { serverHostKey: hostKeyAlgorithms(target.hostKey) } }
        : {}),
      hostVerifier: (key: Buffer): boolean => {
        seenKey = formatHostKey(key);
        if (target.hostKey !== undefined && !hostKeyMatches(target.hostKey, key)) {
          mismatch = true;
          return false;
        }
        return true;
      },
    };
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve({ client, hostKey: seenKey ?? "" });
    });
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (mismatch && seenKey !== undefined && target.hostKey !== undefined) {
        fail({ retryable: false, error: new HostKeyMismatchError(host, target.hostKey.trim(), seenKey) });
        return;
      }
      const detail =
        err.level === "client-authentication"
          ? `authentication failed for ${target.username} (${err.message})`
          : err.message;
      fail({
        retryable: !NOT_RETRYABLE_CODES.includes(err.code ?? ""),
        error: new Error(detail, { cause: err }),
      });
    });
    client.once("close", () =>
      fail({ retryable: true, error: new Error("connection closed before the SSH session was ready") }),
    );
    try {
      client.connect(config);
    } catch (err) {
      // Synchronous failures are configuration errors (e.g. an unparsable private key): retrying cannot help.
      fail({ retryable: false, error: err instanceof Error ? err : new Error(String(err)) });
    }
  });
}

/** An open SSH connection on which several commands can run (one handshake for many commands). */
export class SshSession {
  /** The host key the server presented, OpenSSH `type base64` form. */
  readonly hostKey: string;
  /** The target this session is connected to. */
  readonly target: SshTarget;
  private readonly client: Client;
  private closed = false;

  private constructor(client: Client, target: SshTarget, hostKey: string) {
    this.client = client;
    this.target = target;
    this.hostKey = hostKey;
    // After `ready`, errors surface through the channels of running commands; keep them from crashing the process.
    client.on("error", () => undefined);
    client.on("close", () => {
      this.closed = true;
    });
  }

  /** Connects, retrying connection-level failures with exponential backoff and jitter. */
  static async open(target: SshTarget, opts: ConnectOptions = {}): Promise<SshSession> {
    const retries = opts.retries ?? DEFAULT_RETRIES;
    const base = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    const max = opts.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    const host = describeTarget(target);
    for (let attempt = 0; ; attempt++) {
      try {
        const { client, hostKey } = await connectOnce(target);
        return new SshSession(client, target, hostKey);
      } catch (caught) {
        const failure = caught as AttemptFailure;
        if (isErrorNamed(failure.error, "SshConnectionError", "HostKeyMismatchError")) throw failure.error;
        if (!failure.retryable || attempt >= retries) {
          throw new SshConnectionError(host, attempt + 1, failure.error.message, { cause: failure.error });
        }
        await sleep(backoffDelay(attempt, base, max));
      }
    }
  }

  /** Runs one command on this connection. Never retried: a failure after the start is reported as it is. */
  async run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    const host = describeTarget(this.target);
    const okCodes = opts.okExitCodes ?? [0];
    const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    if (!(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds))) {
      throw new Error(`timeoutSeconds must be a positive number, got ${timeoutSeconds}`);
    }
    const timeoutMs = timeoutSeconds * 1000;
    const shownCommand = redact(command, opts.sensitive);
    const fullCommand = withRemoteTimeout(withEnv(command, opts.env), timeoutSeconds);
    const scrub = (text: string): string => tail(redact(text, opts.sensitive));
    const hostKey = this.hostKey;
    /** The error for a command that never started (nothing ran on the host). */
    const notStarted = (reason: string): RemoteCommandError =>
      new RemoteCommandError({
        host,
        command: shownCommand,
        code: null,
        stderrTail: "",
        stdoutTail: "",
        timedOut: false,
        reason,
      });

    return new Promise<RunResult>((resolve, reject) => {
      if (this.closed) {
        reject(notStarted("session is closed"));
        return;
      }
      this.client.exec(fullCommand, (err: Error | undefined, channel: ClientChannel) => {
        if (err) {
          reject(notStarted(`could not start the command (${redact(err.message, opts.sensitive)})`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        let timedOut = false;
        let done = false;
        const timer = setTimeout(() => {
          timedOut = true;
          channel.close();
          finish();
        }, timeoutMs);

        function finish(): void {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const stdout = Buffer.concat(out).toString("utf8");
          const stderr = Buffer.concat(errOut).toString("utf8");
          if (!timedOut && code !== null && okCodes.includes(code)) {
            resolve({ stdout, stderr, code, hostKey });
            return;
          }
          const reason = timedOut
            ? `command timed out after ${timeoutSeconds}s and was killed`
            : code !== null
              ? `command failed with exit code ${code}`
              : signal !== undefined
                ? `command killed by signal ${signal}`
                : "command ended without an exit status (connection lost?)";
          reject(
            new RemoteCommandError({
              host,
              command: shownCommand,
              code: code ?? (signal !== undefined ? (exitCodeForSignal(signal) ?? null) : null),
              signal,
              stderrTail: scrub(stderr),
              stdoutTail: scrub(stdout),
              timedOut,
              reason,
            }),
          );
        }

        channel.on("data", (chunk: Buffer) => out.push(chunk));
        channel.stderr.on("data", (chunk: Buffer) => errOut.push(chunk));
        channel.on("exit", (exitCode: number | null, exitSignal?: string) => {
          if (typeof exitCode === "number") code = exitCode;
          else signal = exitSignal;
        });
        channel.on("close", finish);
        channel.on("error", finish);
        if (opts.stdin !== undefined) channel.end(opts.stdin);
        else channel.end();
      });
    });
  }

  /** Closes the connection. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
  }
}

/** Opens a session, hands it to `fn`, and always closes it afterwards. */
export async function withSession<T>(
  target: SshTarget,
  fn: (session: SshSession) => Promise<T>,
  opts: ConnectOptions = {},
): Promise<T> {
  const session = await SshSession.open(target, opts);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** Connects (with retries), runs one command, disconnects. */
export async function runRemote(
  target: SshTarget,
  command: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  return withSession(target, (session) => session.run(command, opts), opts);
}

/**
 * Writes `content` to the absolute `path` on the session's host with `mode` (e.g. "0644" or 0o644).
 * The bytes travel on stdin into a temporary file next to `path`, are checked against their SHA-256,
 * get their mode, and are renamed over `path` — readers never see a partial file.
 */
export async function uploadFile(
  session: SshSession,
  path: string,
  content: string | Buffer,
  mode: string | number,
  opts: Pick<RunOptions, "timeoutSeconds" | "sensitive"> = {},
): Promise<void> {
  if (!posixPath.isAbsolute(path)) throw new Error(`uploadFile: path must be absolute: ${path}`);
  const modeText = typeof mode === "number" ? mode.toString(8).padStart(4, "0") : mode;
  if (!/^[0-7]{3,4}$/.test(modeText)) throw new Error(`uploadFile: invalid mode ${String(mode)}`);
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const template = posixPath.join(posixPath.dirname(path), `.${posixPath.basename(path)}.upload.XXXXXX`);
  const script = [
    "set -e",
    `t=$(mktemp ${shellQuote(template)})`,
    `trap 'rm -f "$t"' EXIT`,
    `cat > "$t"`,
    `sum=$(sha256sum "$t" | cut -d' ' -f1)`,
    `if [ "$sum" != ${sha256} ]; then echo "uploadFile: checksum mismatch: got $sum" >&2; exit 97; fi`,
    `chmod ${modeText} "$t"`,
    `mv -f "$t" ${shellQuote(path)}`,
    "trap - EXIT",
  ].join("\n");
  await session.run(script, { ...opts, stdin: bytes });
}
