/**
 * The GlusterMount provider on node01 in both modes against the fake lab
 * (test/support/fake-lab.ts), driven as the engine drives it: check → create,
 * read → diff → update, delete. The state script, the delete and the hand-over to the cluster run
 * for real against fake mount tools (test/fixtures/fake-tools.ts) with the glmount script, the
 * mount point and /etc/fstab moved into the node's sandbox; the apply script installs glmount from
 * stdin and starts it, so a rule answers it (glmount.test.ts runs the script itself).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, scripts, theCall, type FakeMachine } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import {
  applyScript,
  fstabLine,
  GLMOUNT_PATH,
  glmountScript,
  glusterMountProvider,
  handOverScript,
  removeScript,
  stateScript,
} from "../../../../providers/storage/gluster/gluster-mount";
import { addFakes, bashSyntaxCheck } from "../../../support/bash";
import { NODE_MOUNT_TOOLS } from "../../../fixtures/fake-tools";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";

const N1 = nodeAccess(1);
const p = glusterMountProvider;
type Mode = "mounted" | "prepared";
const rawOf = (mode: Mode) =>
  named(
    {
      node: N1,
      sshPrivateKey: PROGRAM_KEY,
      volume: "data00",
      server: "localhost",
      mountPoint: "/gldata00",
      mountOptions: "log-level=WARNING,log-file=/var/log/gluster.log",
      mode,
    },
    "dev-gluster-mount-node01",
  );
type Inputs = Parameters<typeof applyScript>[0];
const inputsOf = async (mode: Mode) => (await checked(p, rawOf(mode))) as unknown as Inputs;

describe("GlusterMount", () => {
  const STATE = /echo "== script"/;
  const APPLY = /base64 -d > \/etc\/init\.d\/glmount\.new/;
  /** The delete and the hand-over to the cluster (the only scripts with the `oneline` function). */
  const REMOVE = /\noneline\(\) /;
  const MOUNT_POINT = "/gldata00";
  const FSTAB = "/etc/fstab";
  /** node01's fstab: its root, and the volume's line as mode `mounted` writes it. */
  const FSTAB_CONTENT =
    "UUID=0a1b / ext4 errors=remount-ro 0 1\n" +
    "localhost:data00 /gldata00 glusterfs defaults,_netdev,log-level=WARNING,log-file=/var/log/gluster.log 0 0\n";
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  /** node01's fstab in mode `prepared`: its root only. */
  const ROOT_ONLY = "UUID=0a1b / ext4 errors=remount-ro 0 1\n";
  /** The volume's fstab line in FSTAB_CONTENT. */
  const VOLUME_LINE = FSTAB_CONTENT.split("\n")[1] ?? "";
  const stateOut = (mounted: boolean, scriptSha: string) =>
    `== mounted\n${mounted ? "yes" : "no"}\n== script\n${scriptSha}\n== fstab\n${VOLUME_LINE}\n`;

  /**
   * node01 with the volume mounted or not and this glmount script (none: missing); the state
   * script and the removal of mode `prepared` run there for real.
   */
  function node01(s: { mounted: boolean; glmount?: string }): FakeMachine {
    // The apply script names the volume's log file (a mount option and its fix), never writing it.
    const node = fakeMachine(NODE_MOUNT_TOOLS, {
      paths: [GLMOUNT_PATH, MOUNT_POINT, FSTAB],
      reads: ["/var/log/gluster.log"],
    });
    fs.mkdirSync(node.at(MOUNT_POINT), { recursive: true });
    node.state("mounted", s.mounted ? "" : undefined);
    if (s.glmount !== undefined) node.write(GLMOUNT_PATH, s.glmount);
    // As the node's scripts see it: the mount point where the sandbox moved it.
    node.write(FSTAB, node.inside(FSTAB_CONTENT));
    on(STATE, forReal(node), N1.address);
    on(REMOVE, forReal(node), N1.address);
    return node;
  }

  test("the state script run for real prints the mount and the script's sha", async () => {
    const inputs = await inputsOf("mounted");
    const script = stateScript(inputs);
    const call = { where: N1.address, script, opts: {} };
    const glmount = glmountScript(inputs);
    expect(forReal(node01({ mounted: true, glmount }))(script, call)).toEqual({
      stdout: stateOut(true, sha(glmount)),
      stderr: "",
      code: 0,
    });
    expect(forReal(node01({ mounted: false }))(script, call)).toEqual({
      stdout: `== mounted\nno\n== script\n== fstab\n${VOLUME_LINE}\n`,
      stderr: "",
      code: 0,
    });
    // Mounted, but not by glusterfs (a local file system left on the mount point): not mounted.
    const local = node01({ mounted: true, glmount });
    local.state("fstype", "ext4\n");
    expect(forReal(local)(script, call).stdout).toBe(stateOut(false, sha(glmount)));
    // The volume went away under the mount (stat hangs or fails: "Transport endpoint is not connected").
    const dead = node01({ mounted: true, glmount });
    addFakes(dead.fake, {
      stat: `echo "stat: cannot statx '\${@: -1}': Transport endpoint is not connected" >&2; exit 1`,
    });
    expect(forReal(dead)(script, call).stdout).toBe(stateOut(false, sha(glmount)));
  });

  test("mode prepared never writes fstab (it only drops the mount point's line); mode mounted adds the line and mounts", async () => {
    const prepared = applyScript(await inputsOf("prepared"));
    expect(prepared).not.toContain(">> /etc/fstab");
    expect(prepared).toContain("awk -v mp=/gldata00 '$2 != mp' /etc/fstab");
    expect(prepared).not.toContain(`${GLMOUNT_PATH} start`);

    const mountedInputs = await inputsOf("mounted");
    const mounted = applyScript(mountedInputs);
    expect(fstabLine(mountedInputs)).toBe(
      "localhost:data00 /gldata00 glusterfs defaults,_netdev,log-level=WARNING,log-file=/var/log/gluster.log 0 0",
    );
    expect(mounted).toContain(`echo '${fstabLine(mountedInputs)}' >> /etc/fstab`);
    expect(mounted.indexOf("awk -v mp=/gldata00")).toBeLessThan(mounted.indexOf(">> /etc/fstab"));
    expect(mounted).toContain(`${GLMOUNT_PATH} start || fail`);
  });

  test("create installs the rendered glmount from stdin on the node", async () => {
    const inputs = await inputsOf("prepared");
    on(APPLY, {});
    const { id, outs } = await p.create(inputs as unknown as Props);
    expect(id).toBe("192.168.8.121:/gldata00");
    expect(outs).toMatchObject({ script: GLMOUNT_PATH, mounted: true, scriptCurrent: true });
    const call = theCall(APPLY);
    expect(call.where).toBe(N1.address);
    expect(call.script).toBe(applyScript(inputs));
    expect(Buffer.from(String(call.opts.stdin), "base64").toString("utf8")).toBe(glmountScript(inputs));
  });

  /** Reads the mount of `mode` on a node where the volume is not mounted and glmount and fstab are current. */
  async function readUnmounted(mode: Mode) {
    const inputs = await inputsOf(mode);
    const node = node01({ mounted: false, glmount: glmountScript(inputs) });
    if (mode === "prepared") node.write(FSTAB, ROOT_ONLY);
    const read = await p.read("x", { ...(inputs as unknown as Props), script: GLMOUNT_PATH });
    return { inputs, news: inputs as unknown as Props, props: read.props as Props };
  }

  test("read in mode prepared: not mounted is not drift", async () => {
    const { inputs, news, props } = await readUnmounted("prepared");
    expect(props).toMatchObject({ mounted: true, scriptCurrent: true });
    expect(await p.diff("x", props, news)).toEqual(NO_DIFF);
    expect(theCall(STATE).script).toBe(stateScript(inputs));
  });

  test("read in mode mounted: not mounted is drift; update re-applies (fstab + mount)", async () => {
    const { inputs, news, props } = await readUnmounted("mounted");
    expect(props).toMatchObject({ mounted: false, scriptCurrent: true });
    expect(await p.diff("x", props, news)).toEqual(IN_PLACE);
    lab.calls = [];
    on(APPLY, {});
    await p.update("x", props, news);
    expect(theCall(APPLY).script).toBe(applyScript(inputs));
  });

  test("a script whose sha differs (or is missing) is not current: drift", async () => {
    const inputs = await inputsOf("prepared");
    const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
    const node = node01({ mounted: true, glmount: `${glmountScript(inputs)}# edited\n` });
    for (let i = 0; i < 2; i++) {
      // The second read: the script is missing.
      if (i === 1) fs.rmSync(node.at(GLMOUNT_PATH));
      const read = await p.read("x", olds);
      expect(read.props).toMatchObject({ scriptCurrent: false });
      expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(IN_PLACE);
    }
  });

  test.each<[Mode, string, string]>([
    ["mounted", "the volume's line removed", ROOT_ONLY],
    ["mounted", "the volume's line edited (no _netdev)", FSTAB_CONTENT.replace("_netdev,", "")],
    ["prepared", "a line for the mount point added", FSTAB_CONTENT],
  ])(
    "mode %s, %s: fstabCurrent false; the update's apply makes fstab the mode's again",
    async (mode, _what, drifted) => {
      const inputs = await inputsOf(mode);
      const node = node01({ mounted: mode === "mounted", glmount: glmountScript(inputs) });
      node.write(FSTAB, node.inside(drifted));
      on(APPLY, forReal(node), N1.address);
      const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
      const read = await p.read("x", olds);
      expect(read.props).toMatchObject({ fstabCurrent: false, scriptCurrent: true, mounted: true });
      expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(IN_PLACE);
      await p.update("x", read.props as Props, inputs as unknown as Props);
      expect(node.outside(node.read(FSTAB) ?? "")).toBe(mode === "mounted" ? FSTAB_CONTENT : ROOT_ONLY);
      expect((await p.read("x", olds)).props).toMatchObject({ fstabCurrent: true });
    },
  );

  test("a new mount point replaces; new mount options update in place", async () => {
    const inputs = (await inputsOf("mounted")) as unknown as Props;
    const olds = { ...inputs, script: GLMOUNT_PATH };
    expect(await p.diff("x", olds, { ...inputs, mountPoint: "/gldata01" })).toMatchObject({
      replaces: ["mountPoint"],
    });
    expect(await p.diff("x", olds, { ...inputs, mountOptions: "log-level=INFO" })).toEqual(IN_PLACE);
  });

  /** The delete and the hand-over, run for real on node01 (its fstab, glmount and mount point in the sandbox). */
  describe("delete and hand-over", () => {
    const stored = async (mode: Mode) => ({
      ...((await inputsOf(mode)) as unknown as Props),
      script: GLMOUNT_PATH,
    });
    /** What is left on node01: the mount, the fstab line, the script, the mount point. */
    const left = (node: FakeMachine) => ({
      mounted: node.stateOf("mounted") !== undefined,
      fstabLine: node.outside(node.read(FSTAB) ?? "").includes(" /gldata00 "),
      glmount: node.read(GLMOUNT_PATH) !== undefined,
      mountPoint: fs.existsSync(node.at(MOUNT_POINT)),
    });
    const NOTHING = { mounted: false, fstabLine: false, glmount: false, mountPoint: false };

    test.each<[string, boolean, boolean]>([
      ["mounted", true, false],
      ["not mounted (the mount table says so)", false, false],
      ["mounted and busy (detached lazily)", true, true],
    ])(
      "mode mounted, %s: unmounted, its fstab line dropped, the script and the mount point removed",
      async (_what, mounted, busy) => {
        const node = node01({ mounted, glmount: glmountScript(await inputsOf("mounted")) });
        if (busy) node.state("busy", "");
        await p.delete("x", await stored("mounted"));
        expect(scripts()).toEqual([removeScript(await inputsOf("mounted"))]);
        expect(left(node)).toEqual(NOTHING);
        expect(node.outside(node.read(FSTAB) ?? "")).toBe("UUID=0a1b / ext4 errors=remount-ro 0 1\n");
        expect(node.log().filter((l) => l.startsWith("umount"))).toEqual(
          !mounted ? [] : busy ? ["umount /gldata00", "umount -l /gldata00"] : ["umount /gldata00"],
        );
      },
    );

    test("mode prepared: the mount and fstab are the cluster's; the script and the mount point removed", async () => {
      const node = node01({ mounted: false, glmount: glmountScript(await inputsOf("prepared")) });
      await p.delete("x", await stored("prepared"));
      expect(left(node)).toEqual({ ...NOTHING, fstabLine: true });
      expect(node.log()).toEqual([]);
    });

    test("a mount that will not go even lazily fails the delete with umount's words and the fix; nothing removed", async () => {
      const node = node01({ mounted: true, glmount: glmountScript(await inputsOf("mounted")) });
      node.state("umount-fails", "umount: /gldata00: must be superuser to unmount.\n");
      const err = await failureOf(p.delete("x", await stored("mounted")));
      expect(err.message).toBe(
        'GlusterMount "dev-gluster-mount-node01": delete failed: on 192.168.8.121: umount /gldata00 failed: umount: /gldata00: must be superuser to unmount. ' +
          "Fix: stop what uses it (fuser -vm /gldata00), then run pulumi destroy again",
      );
      expect(left(node)).toEqual({ mounted: true, fstabLine: true, glmount: true, mountPoint: true });
    });

    test("a mount point holding files (written while not mounted) fails the delete; its files are kept", async () => {
      const node = node01({ mounted: false, glmount: glmountScript(await inputsOf("prepared")) });
      node.write(`${MOUNT_POINT}/notes.txt`, "local\n");
      const err = await failureOf(p.delete("x", await stored("prepared")));
      expect(err.message).toMatch(
        /^GlusterMount "dev-gluster-mount-node01": delete failed: on 192\.168\.8\.121: the mount point \/gldata00 cannot be removed: rmdir: failed to remove '\/gldata00': Directory not empty\. Fix: unmount it, and move away the files in it/,
      );
      expect(node.read(`${MOUNT_POINT}/notes.txt`)).toBe("local\n");
    });

    test("an unreachable node: nothing left to remove there", async () => {
      lab.down = [N1.address];
      await expect(p.delete("x", await stored("mounted"))).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });

    test("mounted → prepared: the volume unmounted here first (checked), then the script re-applied", async () => {
      const node = node01({ mounted: true, glmount: glmountScript(await inputsOf("mounted")) });
      on(APPLY, {});
      await p.update("x", await stored("mounted"), (await inputsOf("prepared")) as unknown as Props);
      expect(scripts()).toEqual([
        handOverScript(await inputsOf("prepared")),
        applyScript(await inputsOf("prepared")),
      ]);
      expect(left(node).mounted).toBe(false);
    });

    test("mounted → prepared with a mount that will not go: the update fails before the script is re-applied", async () => {
      const node = node01({ mounted: true, glmount: glmountScript(await inputsOf("mounted")) });
      node.state("umount-fails", "umount: /gldata00: must be superuser to unmount.\n");
      const err = await failureOf(
        p.update("x", await stored("mounted"), (await inputsOf("prepared")) as unknown as Props),
      );
      expect(err.message).toContain(
        "umount /gldata00 failed: umount: /gldata00: must be superuser to unmount. Fix:",
      );
      expect(err.message).toContain("then run pulumi up again");
      expect(scripts()).toHaveLength(1);
    });
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, Mode, (inputs: Inputs) => string]>([
    ["glmount applyScript, mode mounted", "mounted", applyScript],
    ["glmount applyScript, mode prepared", "prepared", applyScript],
    ["glmount stateScript", "mounted", stateScript],
    ["glmount removeScript, mode mounted", "mounted", removeScript],
    ["glmount removeScript, mode prepared", "prepared", removeScript],
    ["glmount handOverScript", "prepared", handOverScript],
  ])("%s", async (_label, mode, script) => {
    bashSyntaxCheck(script(await inputsOf(mode)));
  });
});
