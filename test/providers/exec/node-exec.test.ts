/**
 * The node runner's helpers (providers/exec/node-exec.ts): the `fail` function scripts share, how
 * failures are explained (a script's own kvmlab: line, an unreachable machine) and the parser of
 * `== NAME` sections.
 */
import { spawnSync } from "node:child_process";
import { RemoteCommandError, SshConnectionError } from "../../../providers/exec/ssh";
import {
  explainFailure,
  isUnreachable,
  parseSections,
  SCRIPT_FAIL,
  USER_ERROR_EXIT,
} from "../../../providers/exec/node-exec";

describe("node-exec", () => {
  const failed = (code: number, stderr: string) =>
    new RemoteCommandError({
      host: "root@192.168.8.121:22",
      command: `${SCRIPT_FAIL}\nsecret-step`,
      code,
      stderrTail: stderr,
      stdoutTail: "",
      timedOut: false,
      reason: `command failed with exit code ${code}`,
    });

  test("SCRIPT_FAIL's fail exits with USER_ERROR_EXIT and prints a kvmlab: line", () => {
    const script = `${SCRIPT_FAIL}\nfail "the disk is full. Fix: free it"\necho not-reached`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(USER_ERROR_EXIT).toBe(65);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 65,
      stdout: "",
      stderr: "kvmlab: the disk is full. Fix: free it\n",
    });
  });

  test("explainFailure: a fail of a script becomes its last kvmlab: line, with the machine and without the script", () => {
    const err = explainFailure(
      failed(65, "noise\nkvmlab: first\nkvmlab: the last one. Fix: do it\n"),
      "node01",
    );
    expect(err.message).toBe("on node01: the last one. Fix: do it");
    expect(err.message).not.toContain("secret-step");
  });

  test("explainFailure keeps other failures as they are", () => {
    const other = failed(1, "kvmlab: looks like a fail but the exit code is not 65\n");
    expect(explainFailure(other, "node01")).toBe(other);
    const noLine = failed(65, "no kvmlab line here\n");
    expect(explainFailure(noLine, "node01")).toBe(noLine);
    expect(explainFailure("plain string", "node01").message).toBe("plain string");
  });

  test("explainFailure: an unreachable machine is named with the fix; isUnreachable goes by the error name", () => {
    const down = new SshConnectionError("root@192.168.8.122:22", 5, "connect EHOSTUNREACH\nmore detail");
    const err = explainFailure(down, "192.168.8.122");
    expect(err.message).toMatch(
      /^192\.168\.8\.122 is unreachable \(ssh root@192\.168\.8\.122:22: connection failed after 5 attempt\(s\): connect EHOSTUNREACH\)\. Fix: /,
    );
    expect(err.message).toContain("pulumi up");
    expect(isUnreachable(down)).toBe(true);
    // By name: the class is re-created when Pulumi serialises a provider.
    expect(isUnreachable({ name: "SshConnectionError", message: "x" })).toBe(true);
    expect(isUnreachable(failed(255, ""))).toBe(false);
    expect(isUnreachable(new Error("SshConnectionError"))).toBe(false);
  });

  test("parseSections splits on `== NAME` headers; lines before the first header are dropped", () => {
    expect(parseSections("junk\n== a\n1\n2\n== b-c\n== d\nx\n")).toEqual({
      a: ["1", "2"],
      "b-c": [],
      d: ["x", ""],
    });
    expect(parseSections("")).toEqual({});
  });
});
