/**
 * The GlusterMount provider on node01 in both modes against the fake lab
 * (test/support/fake-lab.ts), driven as the engine drives it: check → create,
 * read → diff → update, delete.
 */
import { createHash } from "node:crypto";
import { inTurn, lab, on, scripts, theCall } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import {
  applyScript,
  fstabLine,
  GLMOUNT_PATH,
  glmountScript,
  glusterMountProvider,
  stateScript,
} from "../../../../providers/storage/gluster/gluster-mount";
import { bashSyntaxCheck } from "../../../support/bash";
import { checked, IN_PLACE, named, NO_DIFF } from "../../../support/provider-driver";
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
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const stateOut = (mounted: boolean, scriptSha: string) =>
    `== mounted\n${mounted ? "yes" : "no"}\n== script\n${scriptSha}\n`;

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
    const { id, outs } = await p.create(inputs as unknown as Props);
    expect(id).toBe("192.168.8.121:/gldata00");
    expect(outs).toMatchObject({ script: GLMOUNT_PATH, mounted: true, scriptCurrent: true });
    const call = theCall(APPLY);
    expect(call.where).toBe(N1.address);
    expect(call.script).toBe(applyScript(inputs));
    expect(Buffer.from(String(call.opts.stdin), "base64").toString("utf8")).toBe(glmountScript(inputs));
  });

  /** Reads the mount of `mode` on a node where the volume is not mounted and glmount is current. */
  async function readUnmounted(mode: Mode) {
    const inputs = await inputsOf(mode);
    on(STATE, { stdout: stateOut(false, sha(glmountScript(inputs))) });
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
    await p.update("x", props, news);
    expect(theCall(APPLY).script).toBe(applyScript(inputs));
  });

  test("a script whose sha differs (or is missing) is not current: drift", async () => {
    const inputs = await inputsOf("prepared");
    const olds = { ...(inputs as unknown as Props), script: GLMOUNT_PATH };
    const edited = { stdout: stateOut(true, sha(`${glmountScript(inputs)}# edited\n`)) };
    on(STATE, inTurn(edited, { stdout: stateOut(true, "") }));
    for (let i = 0; i < 2; i++) {
      const read = await p.read("x", olds);
      expect(read.props).toMatchObject({ scriptCurrent: false });
      expect(await p.diff("x", read.props as Props, inputs as unknown as Props)).toEqual(IN_PLACE);
    }
  });

  test("a new mount point replaces; new mount options update in place", async () => {
    const inputs = (await inputsOf("mounted")) as unknown as Props;
    const olds = { ...inputs, script: GLMOUNT_PATH };
    expect(await p.diff("x", olds, { ...inputs, mountPoint: "/gldata01" })).toMatchObject({
      replaces: ["mountPoint"],
    });
    expect(await p.diff("x", olds, { ...inputs, mountOptions: "log-level=INFO" })).toEqual(IN_PLACE);
  });

  test("delete: mode mounted unmounts and drops the fstab line; prepared leaves the mount to the cluster", async () => {
    await p.delete("x", { ...((await inputsOf("mounted")) as unknown as Props), script: GLMOUNT_PATH });
    await p.delete("x", { ...((await inputsOf("prepared")) as unknown as Props), script: GLMOUNT_PATH });
    const [mounted, prepared] = scripts();
    expect(mounted).toContain("umount /gldata00");
    expect(mounted).toContain("awk -v mp=/gldata00");
    expect(prepared).not.toContain("umount");
    expect(prepared).not.toContain("/etc/fstab");
    for (const s of [mounted, prepared]) {
      expect(s).toContain(`rm -f ${GLMOUNT_PATH}`);
      bashSyntaxCheck(s);
    }
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, Mode, (inputs: Inputs) => string]>([
    ["glmount applyScript, mode mounted", "mounted", applyScript],
    ["glmount applyScript, mode prepared", "prepared", applyScript],
    ["glmount stateScript", "mounted", stateScript],
  ])("%s", async (_label, mode, script) => {
    bashSyntaxCheck(script(await inputsOf(mode)));
  });
});
