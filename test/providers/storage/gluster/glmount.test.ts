/**
 * The glmount init script: golden file under test/golden/ (regenerate with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/storage/gluster/glmount.test.ts
 *
 * and review the diff), syntax-checked with `bash -n` and run for real against fake `mountpoint`,
 * `mount`, `umount`, `gluster` and `sleep` commands on PATH.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { renderGlmount, type GlmountInput } from "../../../../providers/storage/gluster/glmount";
import { fakeBin, logOf, removeTempDirs, type FakeBin } from "../../../support/bash";
import { expectGolden } from "../../../support/golden";

const glmountInput: GlmountInput = {
  volume: "data00",
  server: "localhost",
  mountPoint: "/gldata00",
  mountOptions: "log-level=WARNING,log-file=/var/log/gluster.log",
  healTimeoutSeconds: 300,
};

describe("glmount init script", () => {
  const script = renderGlmount(glmountInput);

  test("matches the golden file (data00 on /gldata00)", () => {
    expectGolden("glmount-data00.sh", script);
  });

  test("is valid bash (bash -n, script on stdin)", () => {
    const out = execFileSync("bash", ["-n"], {
      input: script,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
    expect(out).toBe("");
    // The check does catch a broken script.
    expect(() =>
      execFileSync("bash", ["-n"], { input: script.replace(/^esac$/m, ""), stdio: ["pipe", "pipe", "pipe"] }),
    ).toThrow();
  });

  test("keeps the seed's shape: variables, functions, case dispatch, exit $RETVAL", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("\nMOUNTPOINT=/gldata00 ");
    expect(script).toContain("\nGLVOL=localhost:data00 ");
    expect(script).toContain("\nOPTIONS=log-level=WARNING,log-file=/var/log/gluster.log ");
    expect(script).toContain("\nHEAL_TIMEOUT=300 ");
    for (const f of ["start()", "stop()", "status()", "restart()", "selfheal()", "heal()", "healinfo()"]) {
      expect(script).toContain(`\n${f}`);
    }
    expect(script).toContain('echo $"Usage: $0 {start|stop|restart|status|selfheal|heal|healinfo}"');
    expect(script.endsWith("esac\nexit $RETVAL\n")).toBe(true);
  });

  test("has an LSB header that keeps it from starting at boot and orders it after glusterd", () => {
    const header = /### BEGIN INIT INFO\n([\s\S]*?)### END INIT INFO\n/.exec(script)?.[1] ?? "";
    expect(header).toMatch(/^# Provides: +glmount$/m);
    expect(header).toMatch(/^# Required-Start: +glusterd$/m);
    expect(header).toMatch(/^# Default-Start:$/m);
    expect(header).not.toMatch(/^# Default-Start:.*[0-9S]/m);
  });

  test("status uses mountpoint -q, stop keeps umount's status, and the changes are commented", () => {
    expect(script).toContain('mountpoint -q "$MOUNTPOINT"');
    expect(script).not.toMatch(/^\s*mount \| grep/m);
    expect(script).toContain('        umount "$MOUNTPOINT"\n        RETVAL=$?\n');
    expect(script).toContain("# Changed: RETVAL is umount's real status");
    expect(script).not.toContain("RETVAL=0 # ignore umount failure");
    expect(script.match(/# (Changed|Added):/g)?.length).toBeGreaterThanOrEqual(5);
  });

  test("values that are not shell-safe words are single-quoted", () => {
    const odd = renderGlmount({
      ...glmountInput,
      mountPoint: "/srv/gl$data",
      mountOptions: "ro,log-file=/var/log/a'b",
    });
    expect(odd).toContain("\nMOUNTPOINT='/srv/gl$data' ");
    expect(odd).toContain("\nOPTIONS='ro,log-file=/var/log/a'\\''b' ");
  });

  test.each<[string, Partial<GlmountInput>, RegExp]>([
    [
      "a volume name with a space",
      { volume: "data 00" },
      /^glmount: volume "data 00" is not a gluster volume name; use letters/,
    ],
    ["a volume name with shell syntax", { volume: "data00;reboot" }, /^glmount: volume "data00;reboot"/],
    ["an empty volume name", { volume: "" }, /^glmount: volume "" /],
    [
      "a server with a colon",
      { server: "localhost:24007" },
      /^glmount: server "localhost:24007" is not a host name/,
    ],
    [
      "a relative mount point",
      { mountPoint: "gldata00" },
      /^glmount: mountPoint "gldata00" is not an absolute directory path/,
    ],
    ["a mount point with a space", { mountPoint: "/gl data" }, /^glmount: mountPoint "\/gl data" /],
    ["a mount point with a newline", { mountPoint: "/gldata00\nreboot" }, /^glmount: mountPoint /],
    ["/ as mount point", { mountPoint: "/" }, /^glmount: mountPoint "\/" /],
    [
      "mount options with a space",
      { mountOptions: "ro, noatime" },
      /^glmount: mountOptions "ro, noatime" contains whitespace/,
    ],
    [
      "a heal timeout of 0",
      { healTimeoutSeconds: 0 },
      /^glmount: healTimeoutSeconds 0 is not an integer from 1 to 86400/,
    ],
    ["a fractional heal timeout", { healTimeoutSeconds: 2.5 }, /^glmount: healTimeoutSeconds 2\.5 /],
  ])("rejects %s, naming the field", (_label, change, message) => {
    expect(() => renderGlmount({ ...glmountInput, ...change })).toThrow(message);
  });
});

describe("glmount, run for real against fake mount tools and gluster", () => {
  let fake: FakeBin;
  let state: string;

  /** `gluster volume heal data00 info` in glusterfs 10's text form. */
  const healInfoScript =
    'n=$(cat "$STATE/polls" 2>/dev/null || echo 0); echo $((n + 1)) >"$STATE/polls"\n' +
    'if [ "$n" -lt "${DIRTY_POLLS:-0}" ]; then e=3; else e=0; fi\n' +
    "printf 'Brick node01m:/glvol00\\nStatus: Connected\\nNumber of entries: %s\\n\\n' \"$e\"\n" +
    "printf 'Brick node02m:/glvol00\\nStatus: Connected\\nNumber of entries: 0\\n\\n'\n";

  beforeAll(() => {
    const realSleep = execFileSync("bash", ["-c", "command -v sleep"], { encoding: "utf8" }).trim();
    fake = fakeBin({
      // util-linux mountpoint: 0 for a mount point, 32 for "not a mount point".
      mountpoint: '[ -e "$STATE/mounted" ] && exit 0\nexit 32',
      mount: '[ -n "$FAIL_MOUNT" ] && { echo "mount failed" >&2; exit 32; }\ntouch "$STATE/mounted"',
      umount:
        '[ -e "$STATE/busy" ] && { echo "umount: target is busy." >&2; exit 32; }\nrm -f "$STATE/mounted"',
      gluster:
        'case "$*" in\n' +
        '  "volume heal data00")\n' +
        '    [ -n "$FAIL_HEAL" ] && { echo "Launching heal operation to perform index self heal on volume data00 has been unsuccessful"; exit 1; }\n' +
        '    echo "Launching heal operation to perform index self heal on volume data00 has been successful";;\n' +
        '  "volume heal data00 info")\n' +
        healInfoScript +
        "    ;;\n" +
        "  *) exit 1;;\n" +
        "esac",
      sleep: `${realSleep} 0.05`,
    });
    state = path.join(fake.root, "state");
    fs.mkdirSync(state);
  });

  afterAll(removeTempDirs);

  beforeEach(() => {
    for (const f of fs.readdirSync(state)) fs.rmSync(path.join(state, f));
  });

  function run(
    command: string,
    env: Record<string, string> = {},
    input: GlmountInput = glmountInput,
  ): { status: number | null; stdout: string; stderr: string; calls: string[] } {
    const script = path.join(fake.root, `glmount-${input.healTimeoutSeconds}`);
    fs.writeFileSync(script, renderGlmount(input), { mode: 0o755 });
    fs.rmSync(fake.log, { force: true }); // calls of this run only
    const r = spawnSync("bash", [script, command], {
      encoding: "utf8",
      env: { PATH: `${fake.bin}:/usr/bin:/bin`, STATE: state, FAKE_LOG: fake.log, LC_ALL: "C", ...env },
      timeout: 20_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: logOf(fake) };
  }

  test("status is 1 (not mountpoint's 32) when not mounted, 0 when mounted", () => {
    expect(run("status").status).toBe(1);
    fs.writeFileSync(path.join(state, "mounted"), "");
    expect(run("status").status).toBe(0);
  });

  test("start mounts the volume with the options once; a second start mounts nothing", () => {
    const first = run("start");
    expect(first.status).toBe(0);
    expect(first.calls).toContain(
      "mount -t glusterfs -o log-level=WARNING,log-file=/var/log/gluster.log localhost:data00 /gldata00",
    );
    const second = run("start");
    expect(second.status).toBe(0);
    expect(second.calls.filter((c) => c.startsWith("mount "))).toEqual([]);
  });

  test("a failed mount fails start", () => {
    expect(run("start", { FAIL_MOUNT: "1" }).status).toBe(32);
  });

  test("stop of a busy mount fails with umount's status, and restart then does not start", () => {
    fs.writeFileSync(path.join(state, "mounted"), "");
    fs.writeFileSync(path.join(state, "busy"), "");
    const stop = run("stop");
    expect(stop.status).toBe(32);
    expect(stop.stderr).toContain("target is busy");
    const restart = run("restart");
    expect(restart.status).toBe(32);
    expect(restart.calls.filter((c) => c.startsWith("mount "))).toEqual([]);
  });

  test("stop unmounts; stop of an unmounted volume succeeds without umount", () => {
    fs.writeFileSync(path.join(state, "mounted"), "");
    const stop = run("stop");
    expect(stop.status).toBe(0);
    expect(stop.calls).toContain("umount /gldata00");
    expect(fs.existsSync(path.join(state, "mounted"))).toBe(false);
    const again = run("stop");
    expect(again.status).toBe(0);
    expect(again.calls.filter((c) => c.startsWith("umount"))).toEqual([]);
  });

  test("heal starts the self-heal and polls every 2 s until every brick has 0 entries", () => {
    const r = run("heal", { DIRTY_POLLS: "2" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("gluster "))).toEqual([
      "gluster volume heal data00",
      "gluster volume heal data00 info",
      "gluster volume heal data00 info",
      "gluster volume heal data00 info",
    ]);
    expect(r.calls.filter((c) => c.startsWith("sleep "))).toEqual(["sleep 2", "sleep 2"]);
    expect(r.stdout).toContain("Brick node01m:/glvol00\nStatus: Connected\nNumber of entries: 0\n");
    expect(r.stdout).not.toContain("Number of entries: 3");
  });

  test("heal gives up after healTimeoutSeconds with exit 1 and prints the last backlog", () => {
    const r = run("heal", { DIRTY_POLLS: "1000000" }, { ...glmountInput, healTimeoutSeconds: 1 });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Number of entries: 3");
    expect(r.stderr).toContain("glmount: self-heal of data00 not finished after 1 s");
  });

  test("heal fails at once when the self-heal cannot be started", () => {
    const r = run("heal", { FAIL_HEAL: "1" });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith("gluster "))).toEqual(["gluster volume heal data00"]);
  });

  test("healinfo prints gluster volume heal data00 info", () => {
    const r = run("healinfo");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["gluster volume heal data00 info"]);
    expect(r.stdout).toContain("Brick node02m:/glvol00\n");
  });

  test("an unknown command prints the usage and exits 2", () => {
    const r = run("mount");
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("{start|stop|restart|status|selfheal|heal|healinfo}");
  });
});
