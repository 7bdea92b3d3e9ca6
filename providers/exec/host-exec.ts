/**
 * Running commands on the KVM host.
 *
 * The program runs on the KVM host itself (the URI is a local one such as `qemu:///system`): host
 * commands (virsh, qemu-img, genisoimage, the image builder) are spawned locally with bash, with a
 * timeout, optional stdin payload and redaction of sensitive strings in errors. A remote KVM host
 * (`qemu+ssh://…`) is refused at `check` with a clear message (see {@link localHostProblem}).
 *
 * Errors are {@link RemoteCommandError}s, the same type the SSH runner throws, so providers handle
 * both alike.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RemoteCommandError, redact, type RunResult } from "./ssh";

/** Options of one host command. */
export interface HostRunOptions {
  /** Payload written to the command's stdin. */
  stdin?: string | Buffer;
  /** Kill the command after this many seconds (default 600). */
  timeoutSeconds?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Exit codes that count as success (default `[0]`). */
  okExitCodes?: number[];
  /** Strings to redact from errors. */
  sensitive?: string[];
  /** Called with each complete line of stderr (progress reporting). */
  onStderrLine?: (line: string) => void;
}

const DEFAULT_TIMEOUT_SECONDS = 600;
const TAIL_CHARS = 2000;

/** URIs of a libvirt daemon on this machine. */
const LOCAL_URI = /^qemu(\+unix)?:\/\/\/(system|session)(\?.*)?$/;

/** Why a libvirt URI cannot be used by this program, or `undefined` when it is a local one. */
export function localHostProblem(libvirtUri: string): string | undefined {
  if (LOCAL_URI.test(libvirtUri)) return undefined;
  return (
    `libvirtUri "${libvirtUri}" is not a local libvirt URI: the program drives libvirt, qemu-img and ` +
    `the image builder on the machine it runs on. Fix: run the program on the KVM host and set ` +
    `host.libvirtUri to qemu:///system`
  );
}

/** Runs a bash script on the KVM host (this machine). Resolves on an ok exit code; rejects otherwise. */
export function runOnHost(script: string, opts: HostRunOptions = {}): Promise<RunResult> {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const ok = opts.okExitCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -euo pipefail\n${script}`], {
      env: { ...process.env, LC_ALL: "C", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // The whole process group: the script and everything it started.
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutSeconds * 1000);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stderr += text;
      if (opts.onStderrLine) {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) opts.onStderrLine(line);
      }
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== null && ok.includes(code) && !timedOut) {
        resolve({ stdout, stderr, code });
        return;
      }
      const reason = timedOut
        ? `timed out after ${timeoutSeconds} s`
        : signal
          ? `killed by ${signal}`
          : `exit code ${String(code)}`;
      reject(
        new RemoteCommandError({
          host: "kvm host (local)",
          command: redact(script.trim(), opts.sensitive),
          code,
          signal: signal ?? undefined,
          stderrTail: redact(stderr.slice(-TAIL_CHARS), opts.sensitive),
          stdoutTail: redact(stdout.slice(-TAIL_CHARS), opts.sensitive),
          timedOut,
          reason,
        }),
      );
    });
    child.stdin.on("error", () => {
      // The script may exit without reading its stdin; that is not an error of ours.
    });
    child.stdin.end(opts.stdin ?? "");
  });
}

/**
 * Appends one progress line to the file named by `KVMLAB_PROGRESS_FILE` (the lab and e2e scripts
 * set it and print new lines while the engine runs: the engine shows nothing of a dynamic
 * provider's progress by itself). Never throws: progress is best effort.
 */
export function progress(message: string): void {
  const file = process.env.KVMLAB_PROGRESS_FILE;
  if (!file) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${new Date().toISOString().slice(11, 19)} ${message}\n`);
  } catch {
    // best effort
  }
}
