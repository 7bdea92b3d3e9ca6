/**
 * Checking and running generated scripts for real: `bash -n`, and bash with fake commands first
 * on PATH in a temporary directory (removed by {@link removeTempDirs}).
 *
 * A sandboxed run ({@link fakeBin} with `sandbox`) sees only its fakes and a short list of real
 * text and file tools ({@link SAFE_TOOLS}) on PATH, a minimal environment, and HOME and TMPDIR
 * inside the temporary directory: a command the test did not fake (systemctl, virsh, ip, mount …)
 * is "command not found" instead of a change to this machine. {@link outsidePaths} finds the
 * absolute paths a script names outside the sandbox, so a test refuses to run one that would
 * touch the real system.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Scripts `bash -n` accepted (the fake lab checks every script it sees, and the same scripts recur
 * in many test files). One set for the whole jest worker: jest loads this module anew for each
 * test file, but not node's own modules, so the set hangs on `spawnSync`. Only accepted scripts
 * are kept, by their exact text: a script not checked before is checked.
 */
const syntaxOk: Set<string> = (() => {
  const holder = spawnSync as unknown as Record<symbol, Set<string> | undefined>;
  const key = Symbol.for("kvm-ha-lab.test.bash-syntax-ok");
  return (holder[key] ??= new Set<string>());
})();

/** Runs `bash -n` on `script` (unless accepted before): its exit status and complaint. */
function bashN(script: string): { status: number | null; stderr: string } {
  if (syntaxOk.has(script)) return { status: 0, stderr: "" };
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  if (r.status === 0 && r.stderr === "") syntaxOk.add(script);
  return { status: r.status, stderr: r.stderr };
}

/** bash's complaint about the syntax of `script`, or `undefined` when `bash -n` accepts it. */
export function bashSyntaxProblem(script: string): string | undefined {
  const r = bashN(script);
  if (r.status === 0 && r.stderr === "") return undefined;
  return `bash -n exited ${String(r.status)}: ${r.stderr}`;
}

/** `bash -n` on a script: fails the test with bash's message when the syntax is wrong. */
export function bashSyntaxCheck(script: string): void {
  const r = bashN(script);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
}

/** Temporary directories made by {@link tempDir}, removed by {@link removeTempDirs}. */
const tempRoots: string[] = [];

/** A new temporary directory, removed by the next {@link removeTempDirs}. */
export function tempDir(prefix: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempRoots.push(root);
  return root;
}

/** Removes the temporary directories made so far (call it in `afterEach`). */
export function removeTempDirs(): void {
  for (const root of tempRoots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
}

/**
 * The real commands a sandboxed script may run: text tools, and file tools that only touch the
 * paths they are given (the sandbox's own, see {@link outsidePaths}). `sleep` is a fake that
 * returns at once (waiting loops end quickly); a test may fake any of these too.
 */
export const SAFE_TOOLS: readonly string[] = [
  "awk",
  "base64",
  "basename",
  "bash",
  "cat",
  "chmod",
  "cmp",
  "comm",
  "cp",
  "cut",
  "date",
  "diff",
  "dirname",
  "env",
  "expr",
  "fallocate",
  "find",
  "grep",
  "head",
  "ln",
  "ls",
  "mkdir",
  "mktemp",
  "mv",
  "od",
  "paste",
  "readlink",
  "realpath",
  "rm",
  "rmdir",
  "sed",
  "seq",
  "sh",
  "sha256sum",
  "sort",
  "stat",
  "sync",
  "tail",
  "tee",
  "timeout",
  "touch",
  "tr",
  "truncate",
  "uniq",
  "wc",
  "xargs",
];

export interface FakeBin {
  /** A temporary directory (FAKE_ROOT). */
  root: string;
  /** Its bin directory, put first on PATH. */
  bin: string;
  /** Every fake command appends `<name> <argv>` here (FAKE_LOG). */
  log: string;
  /** HOME of the scripts run with these fakes. */
  home: string;
  /** TMPDIR of the scripts run with these fakes. */
  tmp: string;
  /** Sandboxed: the directory of the {@link SAFE_TOOLS}, the only real commands on PATH. */
  safeBin?: string;
}

/** Writes one fake command into `bin`: it logs its argv, then runs its body (bash). */
function writeFake(bin: string, name: string, body: string): void {
  const text = `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> "$FAKE_LOG"\n${body}\n`;
  fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
}

/** Where each safe tool really is (resolved once per test file). */
let safeToolPaths: Record<string, string> | undefined;

function resolveSafeTools(): Record<string, string> {
  if (safeToolPaths !== undefined) return safeToolPaths;
  // One bash for all of them (a spawn from a test worker costs more than the lookups).
  const lookup = `for t in "$@"; do w=$(type -P -- "$t") && printf '%s\\t%s\\n' "$t" "$w"; done; true`;
  const r = spawnSync("bash", ["-c", lookup, "bash", ...SAFE_TOOLS], { encoding: "utf8" });
  const found: Record<string, string> = {};
  for (const line of r.stdout.split("\n")) {
    const [tool, where] = line.split("\t");
    if (SAFE_TOOLS.includes(tool) && where !== undefined && where.trim() !== "") found[tool] = where.trim();
  }
  safeToolPaths = found;
  return found;
}

/**
 * Fake commands: each logs its argv, then runs its body (bash). With `sandbox`, runs see only
 * these fakes and the {@link SAFE_TOOLS} (see {@link runWithFakes}).
 */
export function fakeBin(tools: Record<string, string>, opts: { sandbox?: boolean } = {}): FakeBin {
  const root = tempDir("kvmlab-fakes-");
  const bin = path.join(root, "bin");
  const home = path.join(root, "home");
  const tmp = path.join(root, "tmp");
  for (const dir of [bin, home, tmp]) fs.mkdirSync(dir);
  const fake: FakeBin = { root, bin, log: path.join(root, "calls.log"), home, tmp };
  if (opts.sandbox === true) {
    const safeBin = path.join(root, "safe-bin");
    fs.mkdirSync(safeBin);
    for (const [tool, where] of Object.entries(resolveSafeTools())) {
      fs.symlinkSync(where, path.join(safeBin, tool));
    }
    writeFake(bin, "sleep", "");
    fake.safeBin = safeBin;
  }
  for (const [name, body] of Object.entries(tools)) writeFake(bin, name, body);
  return fake;
}

/** Where the real `tool` is (one of the {@link SAFE_TOOLS}): a fake may run it. */
export function realTool(tool: string): string {
  const where = resolveSafeTools()[tool];
  if (where === undefined) throw new Error(`${tool} is not a safe tool found on this machine`);
  return where;
}

/**
 * The body of a fake that fails like a real tool in trouble (`stderr`, exit `code`) when its
 * arguments contain `when` (every call when absent), and otherwise runs the real `tool`.
 */
export function failingTool(tool: string, stderr: string, code = 1, when?: string): string {
  const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const fail = `printf '%s\\n' ${quoted(stderr)} >&2; exit ${code}`;
  const cond = when === undefined ? "true" : `[[ " $* " == *${quoted(when)}* ]]`;
  return `if ${cond}; then ${fail}; fi\nexec ${realTool(tool)} "$@"`;
}

/** Adds (or replaces) fake commands of `fake` (a command that starts failing halfway through a test). */
export function addFakes(fake: FakeBin, tools: Record<string, string>): void {
  for (const [name, body] of Object.entries(tools)) writeFake(fake.bin, name, body);
}

/** Runs `script` with bash, the fakes first on PATH (only them and the safe tools when sandboxed). */
export function runWithFakes(
  fake: FakeBin,
  script: string,
  stdin: string | Buffer,
  env: Record<string, string> = {},
) {
  const base: NodeJS.ProcessEnv =
    fake.safeBin === undefined
      ? { ...process.env, PATH: `${fake.bin}:${process.env.PATH ?? "/usr/bin:/bin"}` }
      : { PATH: `${fake.bin}:${fake.safeBin}`, LANG: "C", LC_ALL: "C" };
  return spawnSync("bash", ["-c", script], {
    input: stdin,
    encoding: "utf8",
    timeout: 30_000,
    env: {
      ...base,
      HOME: fake.home,
      TMPDIR: fake.tmp,
      FAKE_LOG: fake.log,
      FAKE_ROOT: fake.root,
      ...env,
    },
  });
}

/** The fake commands' log lines. */
export function logOf(fake: FakeBin): string[] {
  if (!fs.existsSync(fake.log)) return [];
  return fs
    .readFileSync(fake.log, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

/** A process of the test's own, standing in for a daemon that a script stops by its pid file. */
export interface OwnProcess {
  pid: number;
  /** Whether it ended (waits up to `waitMs` for it). */
  ended: (waitMs?: number) => Promise<boolean>;
}

/** The processes made by {@link ownProcess} and their directories (see {@link stopOwnProcesses}). */
const ownProcesses: ChildProcess[] = [];
const ownProcessDirs: string[] = [];

/**
 * Starts a process of the test's own: a long `sleep`, under the command name `program` when
 * given (a link of that name to sleep: the kernel shows it as `program` in /proc/PID/comm);
 * with `ignoreTerm`, one that only KILL stops.
 */
export function ownProcess(program?: string, opts: { ignoreTerm?: boolean } = {}): OwnProcess {
  let command = "sleep";
  if (program !== undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmlab-daemon-"));
    ownProcessDirs.push(dir);
    command = path.join(dir, program);
    const sleep = spawnSync("bash", ["-c", "type -P sleep"], { encoding: "utf8" }).stdout.trim();
    fs.symlinkSync(sleep, command);
  }
  // With ignoreTerm, bash ignores TERM and becomes the program (an ignored signal stays ignored).
  const child = opts.ignoreTerm
    ? spawn("bash", ["-c", `trap '' TERM; exec "$0" 600`, command], { stdio: "ignore" })
    : spawn(command, ["600"], { stdio: "ignore" });
  ownProcesses.push(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start a process of the test's own");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    pid,
    ended: async (waitMs = 2000) => {
      if (child.exitCode !== null || child.signalCode !== null) return true;
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), waitMs).unref(),
      );
      return (await Promise.race([exited, timeout])) !== "timeout";
    },
  };
}

/** Stops the processes of {@link ownProcess} still running and removes their directories. */
export function stopOwnProcesses(): void {
  for (const child of ownProcesses.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  for (const dir of ownProcessDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Paths every script may name: the null device and the standard streams. */
const ALWAYS_ALLOWED = ["/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr"];

/**
 * The absolute paths `script` names that are neither under `root` nor `allowed` (exactly or as a
 * prefix): what a real run would reach outside its sandbox. Paths inside URLs and sed/awk
 * expressions are not paths (they follow a word character, `/` or `:`).
 */
export function outsidePaths(script: string, root: string, allowed: readonly string[] = []): string[] {
  // Not a path: after a word character, `/`, `:` or an expansion (`$x/…`, `"$x"/…`, `$(…)/…`).
  const pathRe = /(?<![\w/:.$})-])(?<!(?:\$\w+|[})])["'])\/[A-Za-z0-9_.][^\s'"<>;|&)(`]*/g;
  const found = script.match(pathRe) ?? [];
  const ok = [...ALWAYS_ALLOWED, ...allowed];
  const outside = found.filter(
    (p) =>
      !(p === root || p.startsWith(`${root}/`)) &&
      !ok.some((a) => p === a || p.startsWith(a.endsWith("/") ? a : `${a}/`)),
  );
  return [...new Set(outside)];
}
