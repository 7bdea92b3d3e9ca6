/**
 * lib.sh's pulumi_backend: where a stack's state and passphrase come from — this machine's by
 * default, a team's shared directory and passphrase when the operator sets them — run by bash with
 * a fake `pulumi` (exit 0: the backend has the stack).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeBin, logOf, removeTempDirs, runWithFakes, tempDir } from "../support/bash";

const LIB = path.resolve(__dirname, "..", "..", "scripts", "lib.sh");

afterEach(removeTempDirs);

/** Runs pulumi_backend STACK in a fresh KVMLAB_CACHE, the backend having the stack or not. */
function backend(env: Record<string, string>, stackExists = false) {
  const fake = fakeBin({ pulumi: `exit ${stackExists ? 0 : 1}` });
  const cache = path.join(fake.root, "cache");
  const script = `source "${LIB}"; pulumi_backend staging; echo "$PULUMI_BACKEND_URL"; echo "\${PULUMI_CONFIG_PASSPHRASE_FILE:-}"`;
  const r = runWithFakes(fake, script, "", {
    KVMLAB_CACHE: cache,
    PULUMI_BACKEND_URL: "",
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_CONFIG_PASSPHRASE_FILE: "",
    ...env,
  });
  return {
    status: r.status,
    lines: r.stdout.split("\n").filter((l) => l !== ""),
    stderr: r.stderr,
    cache,
    fake,
  };
}

describe("pulumi_backend", () => {
  test("by default: state under KVMLAB_CACHE, a passphrase made for the new stack, mode 600", () => {
    const r = backend({});
    const passfile = path.join(r.cache, "secrets", "staging.passphrase");
    expect(r.lines).toEqual([`file://${r.cache}/state`, passfile]);
    expect(fs.statSync(path.join(r.cache, "state")).isDirectory()).toBe(true);
    expect(fs.statSync(passfile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(passfile, "utf8").trim().length).toBeGreaterThan(40);
    expect(logOf(r.fake)).toEqual(["pulumi stack select staging --non-interactive"]);
  });

  test("a team's PULUMI_BACKEND_URL is used as given; nothing is made under KVMLAB_CACHE/state", () => {
    const shared = tempDir("kvmlab-shared-state-");
    const r = backend({ PULUMI_BACKEND_URL: `file://${shared}` });
    expect([r.status, r.lines[0]]).toEqual([0, `file://${shared}`]);
    expect(fs.existsSync(path.join(r.cache, "state"))).toBe(false);
  });

  test("a shared directory that is not there (an unmounted share) stops it, with the fix", () => {
    const r = backend({ PULUMI_BACKEND_URL: "file:///nonexistent/kvmlab-state" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "error: PULUMI_BACKEND_URL=file:///nonexistent/kvmlab-state: /nonexistent/kvmlab-state does not exist. Fix: mount the shared storage",
    );
  });

  test("the operator's own passphrase (a file, or the variable) is used as given; none is made", () => {
    const own = path.join(tempDir("kvmlab-pass-"), "staging.pass");
    const r = backend({ PULUMI_CONFIG_PASSPHRASE_FILE: own }, true);
    expect([r.status, r.lines[1]]).toEqual([0, own]);
    expect(fs.existsSync(path.join(r.cache, "secrets"))).toBe(false);
    const v = backend({ PULUMI_CONFIG_PASSPHRASE: "from the team's vault" }, true);
    expect([v.status, v.lines.length, fs.existsSync(path.join(v.cache, "secrets"))]).toEqual([0, 1, false]);
  });

  test("a stack the backend has, without its passphrase here: stops, says where to put it, makes none", () => {
    const r = backend({}, true);
    const passfile = path.join(r.cache, "secrets", "staging.passphrase");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `the stack staging exists in file://${r.cache}/state, and this machine has no passphrase for it. Fix: get it from the operator who made the stack, over a private channel, into ${passfile} (mode 600)`,
    );
    expect(fs.existsSync(passfile)).toBe(false);
  });

  test("the passphrase this machine has for the stack is used; the backend is not asked", () => {
    const first = backend({});
    const passfile = first.lines[1];
    const fake = fakeBin({ pulumi: "exit 0" });
    const r = runWithFakes(
      fake,
      `source "${LIB}"; pulumi_backend staging; echo "$PULUMI_CONFIG_PASSPHRASE_FILE"`,
      "",
      {
        KVMLAB_CACHE: first.cache,
        PULUMI_BACKEND_URL: "",
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_CONFIG_PASSPHRASE_FILE: "",
      },
    );
    expect([r.status, r.stdout]).toEqual([0, `${passfile}\n`]);
    expect(logOf(fake)).toEqual([]);
  });
});
