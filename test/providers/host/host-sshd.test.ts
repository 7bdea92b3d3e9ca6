/**
 * The HostSshd provider (the lab's sshd on the KVM host for fencing) against the fake KVM host
 * (test/support/fake-lab.ts): its converge scripts, create and check, and — run for real on a fake
 * host whose root has the sandbox's HOME — the edit of root's own authorized_keys on an `external`
 * host (converge and delete), with each command of the edit failing in turn, and the stop of a
 * `managed` sshd by its pid file. The converge of a `managed` host runs /usr/sbin/sshd and
 * ssh-keygen: a rule answers it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, on, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import {
  EDIT_KEYS,
  fenceKeyLine,
  hostSshdDeleteScript,
  hostSshdProvider,
  hostSshdScript,
} from "../../../providers/host/host-sshd";
import { sshdPaths } from "../../../providers/host/sshd-config";
import { addFakes, bashSyntaxCheck, failingTool, ownProcess, realTool } from "../../support/bash";
import { checked, failureOf, IN_PLACE, named } from "../../support/provider-driver";
import { HOST, STATE_DIR } from "../../fixtures/lab";
import { HOST_SSHD_TOOLS } from "../../fixtures/fake-tools";

/** The read's probe. */
const READ = /then echo listening; fi\n/;

describe("HostSshd provider", () => {
  const p = hostSshdProvider;
  const FENCE_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFenceKeyForTestsOnly dev-fence";
  const raw = named(
    {
      host: HOST,
      daemon: "managed",
      address: "192.168.8.1",
      port: 22,
      user: "root",
      fenceAuthorizedKey: FENCE_PUBLIC_KEY,
      fenceDomains: ["dev-node02", "dev-node01"],
    },
    "dev-host-sshd",
  );

  test("the converge scripts (managed and external) are valid bash with the restricted key line", async () => {
    const inputs = (await checked(p, raw)) as Parameters<typeof hostSshdScript>[0];
    for (const script of [hostSshdScript(inputs), hostSshdScript({ ...inputs, daemon: "external" })]) {
      bashSyntaxCheck(script);
      expect(script).toContain(`restrict,pty,command="${STATE_DIR}/sshd/fence-shell" ${FENCE_PUBLIC_KEY}`);
      expect(script).toContain("domains=(dev-node01 dev-node02)");
    }
    expect(hostSshdScript(inputs)).toContain("ListenAddress 192.168.8.1:22");
    for (const daemon of ["managed", "external"] as const)
      bashSyntaxCheck(hostSshdDeleteScript({ ...inputs, daemon }));
  });

  test("create returns the host key; the id is address:port", async () => {
    on(/KVMLAB_FENCE_SHELL/, { stdout: "ssh-ed25519 AAAAhostkey kvmlab-host\n" });
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe("192.168.8.1:22");
    expect(outs.sshHostKey).toBe("ssh-ed25519 AAAAhostkey");
  });

  test("check rejects a fence domain list that is empty and a key that is not one ed25519 line", async () => {
    const r = await p.check(
      {},
      {
        ...raw,
        fenceDomains: [],
        fenceAuthorizedKey: `${FENCE_PUBLIC_KEY}\nssh-rsa AAAA x`,
      },
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["fenceAuthorizedKey", "fenceDomains"]);
  });

  describe("an external host, run for real: root's authorized_keys", () => {
    const external = { ...raw, daemon: "external" };
    const HOST_KEY_PUB = "/etc/ssh/ssh_host_ed25519_key.pub";
    const OURS = fenceKeyLine(`${STATE_DIR}/sshd/fence-shell`, FENCE_PUBLIC_KEY);
    /** root's other keys; the last line has no final newline (as an editor may leave it). */
    const OTHERS = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminLaptop admin@laptop",
      "# the backup server",
      'from="192.168.8.5" ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQBackup backup@server',
    ];
    const othersText = `${OTHERS.join("\n")}`;
    /** An older key line of this stack (another fence key, the same fence shell). */
    const OLD_OURS = fenceKeyLine(`${STATE_DIR}/sshd/fence-shell`, "ssh-ed25519 AAAAOldFenceKey dev-fence");

    let host: FakeMachine;
    /** root's authorized_keys on the fake host. */
    let keys: string;
    beforeEach(() => {
      // The fence shell it installs starts with #!/bin/bash (named, not run).
      host = fakeMachine(HOST_SSHD_TOOLS, { paths: [STATE_DIR, HOST_KEY_PUB], reads: ["/bin/bash"] });
      host.write(HOST_KEY_PUB, "ssh-ed25519 AAAAexternalhostkey root@kvmhost\n");
      host.state("ss-listen", "LISTEN 0      128      192.168.8.1:22       0.0.0.0:*\n");
      keys = path.join(host.fake.home, ".ssh", "authorized_keys");
      on(/KVMLAB_FENCE_SHELL/, forReal(host));
      on(/\.ssh\/authorized_keys"\n/, forReal(host));
    });

    /** Writes root's authorized_keys (mode 0600), its fence shell path where the host has it. */
    function rootKeys(text: string): void {
      fs.mkdirSync(path.dirname(keys), { recursive: true, mode: 0o700 });
      fs.writeFileSync(keys, host.inside(text), { mode: 0o600 });
    }
    const keysText = () => host.outside(fs.readFileSync(keys, "utf8"));
    /** The error message a run ended with, or "succeeded". */
    const outcomeOf = (run: Promise<unknown>) =>
      run.then(
        () => "succeeded",
        (err: Error) => err.message,
      );
    /** What the edit may have left beside the file (it must leave nothing). */
    const leftovers = () => fs.readdirSync(path.dirname(keys)).filter((f) => f !== "authorized_keys");
    const stored = async (): Promise<Props> => ({ ...(await checked(p, external)), sshHostKey: "k" });

    test("converge: root's other keys kept in order, our line added once; a second converge changes nothing", async () => {
      rootKeys(othersText);
      const { outs } = await p.create(await checked(p, external));
      expect(outs.sshHostKey).toBe("ssh-ed25519 AAAAexternalhostkey");
      expect(keysText()).toBe(`${OTHERS.join("\n")}\n${OURS}\n`);
      expect(fs.statSync(keys).mode & 0o777).toBe(0o600);
      expect(leftovers()).toEqual([]);

      const inode = fs.statSync(keys).ino;
      await p.update("x", outs, await checked(p, external));
      expect(keysText()).toBe(`${OTHERS.join("\n")}\n${OURS}\n`);
      expect(fs.statSync(keys).ino).toBe(inode);
    });

    test("converge: an older line of ours is replaced, a missing file is created", async () => {
      rootKeys(`${OTHERS[0]}\n${OLD_OURS}\n${OTHERS[1]}\n`);
      await p.create(await checked(p, external));
      expect(keysText()).toBe(`${OTHERS[0]}\n${OTHERS[1]}\n${OURS}\n`);

      fs.rmSync(path.dirname(keys), { recursive: true });
      await p.create(await checked(p, external));
      expect(keysText()).toBe(`${OURS}\n`);
    });

    test("delete: only our line goes, the other keys stay byte for byte; the lab's sshd directory goes", async () => {
      rootKeys(`${OTHERS[0]}\n${OURS}\n${othersText.slice(OTHERS[0].length + 1)}`);
      fs.mkdirSync(host.at(`${STATE_DIR}/sshd`), { recursive: true });
      await p.delete("x", await stored());
      expect(keysText()).toBe(`${OTHERS.join("\n")}\n`);
      expect(leftovers()).toEqual([]);
      expect(fs.existsSync(host.at(`${STATE_DIR}/sshd`))).toBe(false);
    });

    test("delete: a file holding only our line is emptied; one without it, or none, is left alone", async () => {
      rootKeys(`${OURS}\n`);
      await p.delete("x", await stored());
      expect(keysText()).toBe("");

      rootKeys(othersText);
      const inode = fs.statSync(keys).ino;
      await p.delete("x", await stored());
      expect(keysText()).toBe(othersText);
      expect(fs.statSync(keys).ino).toBe(inode);

      fs.rmSync(keys);
      await p.delete("x", await stored());
      expect(fs.existsSync(keys)).toBe(false);
    });

    /** Each command of the edit failing in turn (or lying), as a full disk or a broken tool would. */
    const failures: [string, () => Record<string, string>][] = [
      [
        "grep failing (I/O error)",
        () => ({ grep: failingTool("grep", "grep: authorized_keys: Input/output error", 2) }),
      ],
      [
        "grep writing half its output on a full disk",
        () => ({
          grep: `"${realTool("grep")}" "$@" | head -c 40; echo "grep: write error: No space left on device" >&2; exit 2`,
        }),
      ],
      [
        "grep losing a line without a word",
        () => ({ grep: `"${realTool("grep")}" "$@" | "${realTool("sed")}" 1d` }),
      ],
      [
        "awk failing",
        () => ({ awk: failingTool("awk", "awk: cannot open authorized_keys (Permission denied)", 2) }),
      ],
      [
        "cp failing (the backup: disk full)",
        () => ({ cp: failingTool("cp", "cp: error writing: No space left on device") }),
      ],
      [
        "cp making a short backup",
        () => ({ cp: `"${realTool("cp")}" "$@" && for f; do :; done; "${realTool("truncate")}" -s 10 "$f"` }),
      ],
      ["mv failing", () => ({ mv: failingTool("mv", "mv: cannot move: Read-only file system") })],
      [
        "mv moving a truncated file",
        () => ({ mv: `"${realTool("truncate")}" -s 5 "$3" && exec "${realTool("mv")}" "$@"` }),
      ],
      ["cmp failing", () => ({ cmp: failingTool("cmp", "cmp: EOF on authorized_keys", 2) })],
    ];

    test.each(failures)(
      "delete with %s: the delete fails naming the resource, root's file is unchanged, nothing left behind",
      async (_label, tools) => {
        const before = `${OTHERS[0]}\n${OURS}\n${othersText.slice(OTHERS[0].length + 1)}`;
        rootKeys(before);
        fs.mkdirSync(host.at(`${STATE_DIR}/sshd`), { recursive: true });
        addFakes(host.fake, tools());
        const outcome = await outcomeOf(p.delete("x", await stored()));
        // Root keeps every key first of all; then the failure is reported.
        expect(keysText()).toBe(before);
        expect(outcome).toMatch(/^HostSshd "dev-host-sshd": delete failed: /);
        expect(fs.statSync(keys).mode & 0o777).toBe(0o600);
        expect(leftovers()).toEqual([]);
        // Nothing else went while root's file could not be edited: a retry finds the fence shell.
        expect(fs.existsSync(host.at(`${STATE_DIR}/sshd`))).toBe(true);
      },
    );

    test.each(failures)(
      "converge with %s: the create fails naming the resource, root's file is unchanged, nothing left behind",
      async (_label, tools) => {
        rootKeys(othersText);
        addFakes(host.fake, tools());
        const outcome = await outcomeOf(p.create(await checked(p, external)));
        expect(keysText()).toBe(othersText);
        expect(outcome).toMatch(/^HostSshd "dev-host-sshd": create failed: /);
        expect(leftovers()).toEqual([]);
      },
    );

    test("a replaced file that is wrong and cannot be put back: the backup is kept and named, with the fix", async () => {
      const before = `${OTHERS[0]}\n${OURS}\n`;
      rootKeys(before);
      addFakes(host.fake, {
        mv: `"${realTool("truncate")}" -s 5 "$3" && exec "${realTool("mv")}" "$@"`,
        cp: failingTool("cp", "cp: error writing: No space left on device", 1, "kvmlab-backup /"),
      });
      const err = await failureOf(p.delete("x", await stored()));
      expect(err.message).toContain(
        `kvmlab: ${keys} was not written as expected, nor put back: the old file is ${keys}.kvmlab-backup. ` +
          `Fix: mv ${keys}.kvmlab-backup ${keys}`,
      );
      expect(host.outside(fs.readFileSync(`${keys}.kvmlab-backup`, "utf8"))).toBe(before);
    });

    describe("read → diff → update", () => {
      const FENCE_SHELL = `${STATE_DIR}/sshd/fence-shell`;
      /** Converges the host, then reads it: no drift. Returns the converged outputs. */
      async function converged(): Promise<Props> {
        rootKeys(othersText);
        on(READ, forReal(host));
        const inputs = await checked(p, external);
        const { outs } = await p.create(inputs);
        const read = await p.read("x", outs as Props);
        expect(read.props).toEqual(outs);
        expect((await p.diff("x", read.props as Props, inputs)).changes).toBe(false);
        return outs as Props;
      }
      /** Reads after `damage`: the read names exactly `drift` as false, an in-place change; then the update. */
      async function driftRepaired(outs: Props, damage: () => void, drift: Record<string, false>) {
        damage();
        const inputs = await checked(p, external);
        const read = await p.read("x", outs);
        const fields = ["listening", "keyAuthorised", "configCurrent", "fenceShellCurrent", "hostKeyCurrent"];
        const found = Object.fromEntries(fields.map((f) => [f, (read.props as Props)[f]]));
        expect(found).toEqual({ ...Object.fromEntries(fields.map((f) => [f, true])), ...drift });
        expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
        return p.update("x", read.props as Props, inputs);
      }

      test("read: the fence key line removed or altered → keyAuthorised false; the update puts it back", async () => {
        const outs = await converged();
        await driftRepaired(outs, () => rootKeys(othersText), { keyAuthorised: false });
        expect(keysText()).toBe(`${othersText}\n${OURS}\n`);
        await driftRepaired(outs, () => rootKeys(`${othersText}\n${OLD_OURS}\n`), { keyAuthorised: false });
        expect(keysText()).toBe(`${othersText}\n${OURS}\n`);
      });

      test("read: the fence shell edited or re-moded → fenceShellCurrent false; the update installs it again", async () => {
        const outs = await converged();
        const rendered = host.read(FENCE_SHELL);
        const edit = () => host.write(FENCE_SHELL, `${rendered ?? ""}virsh "$@"\n`);
        await driftRepaired(outs, edit, { fenceShellCurrent: false });
        expect(host.read(FENCE_SHELL)).toBe(rendered);
        await driftRepaired(outs, () => fs.chmodSync(host.at(FENCE_SHELL), 0o777), {
          fenceShellCurrent: false,
        });
        expect(fs.statSync(host.at(FENCE_SHELL)).mode & 0o777).toBe(0o755);
        await driftRepaired(outs, () => fs.rmSync(host.at(FENCE_SHELL)), { fenceShellCurrent: false });
        expect(host.read(FENCE_SHELL)).toBe(rendered);
      });

      test("read: nothing listens on the address → listening false; the update of an external host fails with the fix", async () => {
        const outs = await converged();
        // Another address, the same port: not ours.
        const err = await failureOf(
          driftRepaired(outs, () => host.state("ss-listen", "LISTEN 0 128 127.0.0.1:22 0.0.0.0:*\n"), {
            listening: false,
          }),
        );
        expect(err.message).toContain(
          "no sshd listens on 192.168.8.1:22. Fix: make the host's sshd listen there",
        );
      });

      test("read: the host's key replaced → hostKeyCurrent false; the update records the live key", async () => {
        const outs = await converged();
        const { outs: updated } = await driftRepaired(
          outs,
          () => host.write(HOST_KEY_PUB, "ssh-ed25519 AAAAnewhostkey root@kvmhost\n"),
          { hostKeyCurrent: false },
        );
        expect(updated.sshHostKey).toBe("ssh-ed25519 AAAAnewhostkey");
      });
    });

    test("the edit says what went wrong and that the file is unchanged", async () => {
      rootKeys(`${OTHERS[0]}\n${OURS}\n`);
      addFakes(host.fake, { grep: failingTool("grep", "grep: authorized_keys: Input/output error", 2) });
      const err = await failureOf(p.delete("x", await stored()));
      expect(err.message).toContain("grep: authorized_keys: Input/output error");
      expect(err.message).toContain(`kvmlab: cannot write the new ${keys}; it is unchanged`);
      expect(EDIT_KEYS).toContain("kvmlab-backup");
    });
  });

  describe("a managed host, run for real: read → diff → update", () => {
    const SSHD = "/usr/sbin/sshd";
    const dir = `${STATE_DIR}/sshd`;
    const paths = sshdPaths(dir);
    let host: FakeMachine;
    beforeEach(() => {
      // The fence shell it installs starts with #!/bin/bash (named, not run).
      host = fakeMachine(
        {
          ...HOST_SSHD_TOOLS,
          "ssh-keygen": `f="\${@: -1}"\necho "PRIVATE KEY" > "$f"\necho "ssh-ed25519 AAAAmanagedhostkey kvmlab-host" > "$f.pub"`,
        },
        { paths: [STATE_DIR, SSHD, "/run/sshd"], reads: ["/proc", "/bin/bash"] },
      );
      // sshd: `-t` checks the config; otherwise it starts and listens on the address.
      host.write(
        SSHD,
        `#!/bin/bash\nprintf '%s\\n' "sshd $*" >> "$FAKE_LOG"\n[ "$1" = -t ] && exit 0\n` +
          `echo "LISTEN 0 128 192.168.8.1:22 0.0.0.0:*" > "$FAKE_ROOT/state/ss-listen"\n`,
      );
      fs.chmodSync(host.at(SSHD), 0o755);
      on(/KVMLAB_FENCE_SHELL/, forReal(host));
      on(READ, forReal(host));
    });

    /** Converges the host (its sshd then runs as a process of the test's own) and reads it: no drift. */
    async function converged(): Promise<{ inputs: Props; outs: Props }> {
      const inputs = await checked(p, raw);
      const { outs } = await p.create(inputs);
      expect(outs.sshHostKey).toBe("ssh-ed25519 AAAAmanagedhostkey");
      // sshd_config names the files under the state directory: as the real host holds it, they
      // are the host's paths, not the sandbox's.
      host.write(paths.config, host.outside(host.read(paths.config) ?? ""));
      const read = await p.read("x", outs as Props);
      expect(read.props).toEqual(outs);
      return { inputs, outs: outs as Props };
    }
    const sshdRuns = () => host.log().filter((l) => l.startsWith("sshd "));

    test("read: sshd_config edited → configCurrent false; the update writes it again and restarts the lab's sshd", async () => {
      const { inputs, outs } = await converged();
      const rendered = host.read(paths.config);
      const sshd = ownProcess("sshd");
      host.write(paths.pidFile, `${sshd.pid}\n`);
      host.write(paths.config, `${rendered ?? ""}PasswordAuthentication yes\n`);
      const read = await p.read("x", outs);
      expect(read.props).toMatchObject({ configCurrent: false, fenceShellCurrent: true, listening: true });
      expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
      await p.update("x", read.props as Props, inputs);
      expect(host.outside(host.read(paths.config) ?? "")).toBe(rendered);
      expect(await sshd.ended()).toBe(true);
      expect(sshdRuns().slice(-1)).toEqual([`sshd -f ${paths.config}`]);
    });

    test("read: nothing listens (sshd gone) → listening false; the update starts the lab's sshd", async () => {
      const { inputs, outs } = await converged();
      host.state("ss-listen", "");
      const read = await p.read("x", outs);
      expect(read.props).toMatchObject({ listening: false, configCurrent: true });
      expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
      await p.update("x", read.props as Props, inputs);
      expect(sshdRuns().slice(-1)).toEqual([`sshd -f ${paths.config}`]);
      expect((await p.read("x", outs)).props).toMatchObject({ listening: true });
    });

    test("read: the lab's key line removed → keyAuthorised false; the update puts it back", async () => {
      const { inputs, outs } = await converged();
      const keys = `${paths.authorizedKeysDir}/root`;
      host.write(keys, "");
      const read = await p.read("x", outs);
      expect(read.props).toMatchObject({ keyAuthorised: false });
      await p.update("x", read.props as Props, inputs);
      expect(host.outside(host.read(keys) ?? "")).toBe(
        `${fenceKeyLine(paths.fenceShell, FENCE_PUBLIC_KEY)}\n`,
      );
    });

    test("read: the host key gone → hostKeyCurrent false; the update makes a new one and records it", async () => {
      const { inputs, outs } = await converged();
      fs.rmSync(host.at(paths.hostKey));
      const read = await p.read("x", outs);
      expect(read.props).toMatchObject({ hostKeyCurrent: false });
      await p.update("x", read.props as Props, inputs);
      expect(host.read(paths.hostKey)).toBe("PRIVATE KEY\n");
    });
  });

  describe("a managed host, run for real: the lab's sshd stopped by its pid file", () => {
    const stored = async (): Promise<Props> => ({ ...(await checked(p, raw)), sshHostKey: "k" });
    const PID_FILE = sshdPaths(`${STATE_DIR}/sshd`).pidFile;

    let host: FakeMachine;
    beforeEach(() => {
      host = fakeMachine({}, { paths: [STATE_DIR], reads: ["/proc"] });
      on(/\nrm -rf \S+\/sshd$/, forReal(host));
    });

    test("our sshd is stopped and its directory goes", async () => {
      const sshd = ownProcess("sshd");
      host.write(PID_FILE, `${sshd.pid}\n`);
      await p.delete("x", await stored());
      expect(await sshd.ended()).toBe(true);
      expect(fs.existsSync(host.at(`${STATE_DIR}/sshd`))).toBe(false);
    });

    test("a pid file left from before a reboot, naming another process: nobody is killed", async () => {
      const stranger = ownProcess();
      host.write(PID_FILE, `${stranger.pid}\n`);
      await p.delete("x", await stored());
      expect(await stranger.ended(300)).toBe(false);
      expect(fs.existsSync(host.at(`${STATE_DIR}/sshd`))).toBe(false);
    });
  });
});
