/**
 * The restricted fence shell of the KVM host's lab sshd, rendered for the default lab: golden file
 * under test/golden/ (regenerate with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/host/fence-shell.test.ts
 *
 * and review the diff), `bash -n`, and a session run for real against a fake `virsh` on PATH.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { renderFenceShell, type FenceShellInput } from "../../../providers/host/fence-shell";
import { bashSyntaxCheck, fakeBin, removeTempDirs, type FakeBin } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { dev as spec } from "../../fixtures/default-lab";

const fenceInput: FenceShellInput = {
  libvirtUri: spec.host.libvirtUri,
  domains: spec.nodes.map((n) => n.domainName),
};

describe("fence shell", () => {
  const shell = renderFenceShell(fenceInput);

  test("matches the golden file (default lab)", () => {
    expectGolden("fence-shell-dev.sh", shell);
  });

  test("is valid bash (bash -n)", () => {
    bashSyntaxCheck(shell);
  });

  test("holds the lab's URI and its domains, sorted and unique", () => {
    expect(shell).toContain("uri=qemu:///system\n");
    expect(shell).toContain("domains=(dev-node01 dev-node02)\n");
    const again = renderFenceShell({ ...fenceInput, domains: ["dev-node02", "dev-node01", "dev-node02"] });
    expect(again).toBe(shell);
  });

  test.each([["dev node01"], ["dev-node01;reboot"], ["$(id)"], [""]])(
    "rejects the domain name %j, naming it as a domain",
    (bad) => {
      expect(() => renderFenceShell({ ...fenceInput, domains: ["dev-node01", bad] })).toThrow(
        `fence shell: "${bad}" is not a plain domain name`,
      );
    },
  );
});

describe("fence shell, run for real against a fake virsh", () => {
  let fake: FakeBin;
  let log: string;
  let shellPath: string;
  let result: { status: number | null; stdout: string; stderr: string };

  const session = [
    "virsh list --all",
    "virsh domstate dev-node01",
    "virsh destroy dev-node02",
    "virsh start dev-node01\r", // ssh -t sessions may send CR LF
    "",
    "virsh undefine dev-node01",
    "virsh destroy other-vm",
    "rm -rf /",
    "virsh list --all; id",
    "virsh domstate dev-node01 --reason",
    "virsh destroy $(id)",
    "virsh list --all --name",
    "quit",
    "virsh start dev-node02",
  ];

  /** The environment of a session: the fake virsh first on PATH, its logs. */
  const env = () => ({
    PATH: `${fake.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    FAKE_LOG: fake.log,
    FAKE_VIRSH_LOG: log,
  });

  beforeAll(() => {
    // A fake virsh: records its arguments (one per line, a blank line after each call) and echoes them.
    fake = fakeBin({
      virsh:
        'for a in "$@"; do printf \'%s\\n\' "$a" >>"$FAKE_VIRSH_LOG"; done\n' +
        'echo >>"$FAKE_VIRSH_LOG"\necho "fake-virsh $*"',
    });
    log = path.join(fake.root, "virsh.log");
    shellPath = path.join(fake.root, "fence-shell");
    fs.writeFileSync(
      shellPath,
      renderFenceShell({ libvirtUri: "qemu:///system", domains: fenceInput.domains }),
      {
        mode: 0o755,
      },
    );
    const r = spawnSync("bash", [shellPath], {
      input: session.join("\n") + "\n",
      encoding: "utf8",
      env: { ...env(), LC_ALL: "C" },
      timeout: 20_000,
    });
    result = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  });

  afterAll(removeTempDirs);

  /** The recorded virsh calls, each as its argument list. */
  function calls(): string[][] {
    if (!fs.existsSync(log)) return [];
    return fs
      .readFileSync(log, "utf8")
      .split("\n\n")
      .filter((c) => c.trim() !== "")
      .map((c) => c.split("\n").filter((a) => a !== ""));
  }

  test("quit ends the session with exit code 0; nothing after it runs", () => {
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("fake-virsh -c qemu:///system start dev-node02");
  });

  test("prints fence_virsh's prompt before every command", () => {
    expect(result.stdout.startsWith("[EXPECT]# ")).toBe(true);
    // One prompt per line read up to and including quit.
    expect(result.stdout.split("[EXPECT]# ")).toHaveLength(session.indexOf("quit") + 2);
  });

  test("the allowed commands reach virsh with the lab's URI and exactly their arguments", () => {
    expect(calls()).toEqual([
      ["-c", "qemu:///system", "list", "--all"],
      ["-c", "qemu:///system", "domstate", "dev-node01"],
      ["-c", "qemu:///system", "destroy", "dev-node02"],
      ["-c", "qemu:///system", "start", "dev-node01"],
    ]);
    expect(result.stdout).toContain("fake-virsh -c qemu:///system domstate dev-node01\n");
  });

  test("everything else is refused on stderr and never reaches virsh", () => {
    const refused = result.stderr.trimEnd().split("\n");
    expect(refused).toEqual([
      "fence shell: refused: virsh undefine dev-node01",
      "fence shell: refused: virsh destroy other-vm",
      "fence shell: refused: rm -rf /",
      "fence shell: refused: virsh list --all; id",
      "fence shell: refused: virsh domstate dev-node01 --reason",
      "fence shell: refused: virsh destroy $(id)",
      "fence shell: refused: virsh list --all --name",
    ]);
    expect(result.stdout).not.toMatch(/uid=/);
  });

  test("end of input ends the session too", () => {
    const r = execFileSync("bash", [shellPath], {
      input: "virsh destroy other-vm\n",
      env: env(),
      stdio: ["pipe", "pipe", "ignore"],
    }).toString();
    expect(r).toBe("[EXPECT]# [EXPECT]# ");
  });
});
