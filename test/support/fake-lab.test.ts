/**
 * The fake lab's own contract (test/support/fake-lab.ts), as the provider tests rely on it: a
 * script no rule answers, or that is not valid bash, is a problem that fails the test even when
 * the code under test swallows the error; a script run for real gets its output from bash and the
 * fake tools, and one that would reach outside its sandbox does not run. The fake it replaced
 * answered every unmatched script with success and checked no syntax.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, KVM_HOST, lab, on, otherwise, type Call } from "./fake-lab";
import { runOnHost } from "../../providers/exec/host-exec";
import { runRemote } from "../../providers/exec/ssh";
import { failureOf } from "./provider-driver";

/** The problems recorded so far, taken away (else the fake lab fails this test after it). */
const takeProblems = () => lab.problems.splice(0);
const NODE = { host: "192.168.8.121", port: 22, username: "root", privateKey: "k" };

describe("the strict fake lab", () => {
  test("a script no rule answers rejects, and is recorded as a problem that fails the test", async () => {
    const err = await failureOf(runOnHost("systemctl restart libvirtd"));
    expect(err.name).toBe("FakeLabProblem");
    expect(err.message).toMatch(/^no rule answers this script on kvm-host/);
    // Recorded too: code that catches the error (a delete that tolerates failures) cannot hide it.
    expect(takeProblems()).toHaveLength(1);
  });

  test("a script that is not valid bash is a problem, whatever rule would answer it", async () => {
    on(/[\s\S]*/, {});
    const err = await failureOf(runRemote(NODE, "if true; then echo x"));
    expect(err.message).toMatch(/^a script on 192\.168\.8\.121 is not valid bash \(bash -n exited 2: /);
    expect(takeProblems()).toHaveLength(1);
  });

  test("a rule answers what it matches, on its machine only; the declared catch-all answers the rest", async () => {
    on(/^hostname$/, { stdout: "node01\n" }, NODE.host);
    await expect(runRemote(NODE, "hostname")).resolves.toMatchObject({ stdout: "node01\n", code: 0 });
    await expect(failureOf(runOnHost("hostname"))).resolves.toMatchObject({ name: "FakeLabProblem" });
    takeProblems();
    otherwise({ stdout: "anything\n" });
    await expect(runOnHost("hostname")).resolves.toMatchObject({ stdout: "anything\n" });
  });

  test("a reply with a failing exit code rejects as the real runner does, redacting the sensitive strings", async () => {
    on(/chpasswd/, { code: 1, stderr: "chpasswd: s3cret rejected\n" });
    const err = await failureOf(runRemote(NODE, "echo s3cret | chpasswd", { sensitive: ["s3cret"] }));
    expect(err.name).toBe("RemoteCommandError");
    expect(err.message).not.toContain("s3cret");
    expect(err.message).toContain("stderr: chpasswd: *** rejected");
  });

  describe("a script run for real", () => {
    const call = (script: string): Call => ({ where: KVM_HOST, script, opts: {} });

    test("prints what bash and the fake tools print, with the machine's paths as the script named them", () => {
      const m = fakeMachine({ hostname: "echo node01" }, { paths: ["/etc/lab"] });
      m.write("/etc/lab/name", "lab-a\n");
      const script = 'echo "$(hostname) $(cat /etc/lab/name)"; ls /etc/lab';
      expect(forReal(m)(script, call(script))).toEqual({
        stdout: "node01 lab-a\nname\n",
        stderr: "",
        code: 0,
      });
      expect(m.log()).toEqual(["hostname "]);
    });

    test("a command the machine does not fake is not found (nothing of this machine runs)", () => {
      const m = fakeMachine({});
      const r = forReal(m)("systemctl stop sshd", call("systemctl stop sshd"));
      expect(r.code).toBe(127);
      expect(r.stderr).toContain("systemctl: command not found");
    });

    test("a script naming a path outside its sandbox does not run, and is a problem", () => {
      const m = fakeMachine({});
      const target = "/etc/kvmlab-fake-lab-test";
      expect(() => forReal(m)(`touch ${target}`, call(`touch ${target}`))).toThrow(/outside its sandbox/);
      expect(fs.existsSync(target)).toBe(false);
      expect(takeProblems()).toHaveLength(1);
    });
  });
});
