/**
 * Checking and running generated scripts for real: `bash -n`, and bash with fake commands first
 * on PATH in a temporary directory (removed by {@link removeTempDirs}).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `bash -n` on a script: fails the test with bash's message when the syntax is wrong. */
export function bashSyntaxCheck(script: string): void {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
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

export interface FakeBin {
  /** A temporary directory (FAKE_ROOT). */
  root: string;
  /** Its bin directory, put first on PATH. */
  bin: string;
  /** Every fake command appends `<name> <argv>` here (FAKE_LOG). */
  log: string;
}

/** Fake commands: each logs its argv, then runs its body (bash). */
export function fakeBin(tools: Record<string, string>): FakeBin {
  const root = tempDir("kvmlab-fakes-");
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(tools)) {
    const text = `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> "$FAKE_LOG"\n${body}\n`;
    fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  }
  return { root, bin, log: path.join(root, "calls.log") };
}

/** Runs `script` with bash, the fakes first on PATH. */
export function runWithFakes(fake: FakeBin, script: string, stdin: string, env: Record<string, string> = {}) {
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
export function logOf(fake: FakeBin): string[] {
  if (!fs.existsSync(fake.log)) return [];
  return fs
    .readFileSync(fake.log, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}
