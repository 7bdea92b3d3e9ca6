/** The setup scripts' file installation run for real by bash in a temporary directory. */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { FILE_DELIMITER, PUT_FUNCTION, putFile } from "../../../providers/lb/files";
import { removeTempDirs, tempDir } from "../../support/bash";

afterEach(removeTempDirs);

/** Runs the put function and `body` with bash; prints the flag. */
function run(body: string, env: Record<string, string> = {}) {
  return spawnSync(
    "bash",
    ["-c", `set -euo pipefail\n${PUT_FUNCTION}\nchanged=0\n${body}\necho "changed=$changed"`],
    {
      encoding: "utf8",
      env: { ...process.env, ...env },
    },
  );
}

describe("putFile", () => {
  test("installs the content with its mode and directories, flags a change, and leaves an equal file alone", () => {
    const dir = tempDir("kvmlab-put-");
    const file = path.join(dir, "etc", "ha.d", "ldirectord.cf");
    const content = "checktimeout=5\n\tquoted='$HOME' `x` \\n\n";
    const first = run(putFile(file, content, { mode: "0640", flag: "changed" }));
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe("changed=1\n");
    expect(fs.readFileSync(file, "utf8")).toBe(content);
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    const mtime = fs.statSync(file).mtimeMs;
    const again = run(putFile(file, content, { mode: "0640", flag: "changed" }));
    expect(again.stdout).toBe("changed=0\n");
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["ldirectord.cf"]);
    expect(run(putFile(file, "other\n", { mode: "0640", flag: "changed" })).stdout).toBe("changed=1\n");
  });

  test("expand: ${NAME} takes the shell variable's value", () => {
    const dir = tempDir("kvmlab-put-");
    const file = path.join(dir, "60-lvs.conf");
    const r = run(
      `nic=lab-svc\n${putFile(file, "net.ipv4.conf.${nic}.arp_ignore = 1\n", { mode: "0644", flag: "changed", expand: true })}`,
    );
    expect(r.stdout).toBe("changed=1\n");
    expect(fs.readFileSync(file, "utf8")).toBe("net.ipv4.conf.lab-svc.arp_ignore = 1\n");
  });

  test("refuses what it cannot carry: no final newline, the delimiter line, shell syntax in an expanded file", () => {
    expect(() => putFile("/etc/x", "no newline", { mode: "0644", flag: "f" })).toThrow(/end with a newline/);
    expect(() => putFile("/etc/x", `a\n${FILE_DELIMITER}\nb\n`, { mode: "0644", flag: "f" })).toThrow(
      /delimiter/,
    );
    expect(() => putFile("/etc/x", "$(reboot)\n", { mode: "0644", flag: "f", expand: true })).toThrow(
      /shell syntax/,
    );
    expect(() => putFile("/etc/a b", "x\n", { mode: "0644", flag: "f" })).toThrow(/plain absolute path/);
    expect(() => putFile("/etc/x", "x\n", { mode: "644", flag: "f" })).toThrow(/octal/);
  });
});
