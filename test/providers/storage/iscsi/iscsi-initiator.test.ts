/**
 * The IscsiInitiator provider on node01 against the fake lab (test/support/fake-lab.ts), driven as
 * the engine drives it: check → create, read → diff → update, delete. The state script and the
 * logout run for real against a fake iscsiadm (test/fixtures/fake-tools.ts); the login script
 * writes /etc/iscsi/initiatorname.iscsi and restarts iscsid, so a rule answers it.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import {
  iscsiInitiatorProvider,
  loginScript,
  lunDevicePath,
  parseState,
  stateScript,
} from "../../../../providers/storage/iscsi/iscsi-initiator";
import { bashSyntaxCheck } from "../../../support/bash";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import { NAME1, PORTAL, TARGET_IQN } from "../../../fixtures/iscsi";
import { ISCSIADM } from "../../../fixtures/fake-tools";

/** open-iscsi's files on a node, which the state script reads. */
const INITIATOR_NAME_FILE = "/etc/iscsi/initiatorname.iscsi";
const BY_PATH = "/dev/disk/by-path";

const N1 = nodeAccess(1);
const p = iscsiInitiatorProvider;
const raw = named(
  {
    node: N1,
    sshPrivateKey: PROGRAM_KEY,
    initiatorName: NAME1,
    targetIqn: TARGET_IQN,
    portal: PORTAL,
    luns: [1, 2],
  },
  "dev-iscsi-initiator-node01",
);
type Inputs = Parameters<typeof loginScript>[0];

describe("IscsiInitiator provider", () => {
  const DEVICES = [1, 2].map((l) => lunDevicePath(PORTAL, TARGET_IQN, l));
  const LOGIN = /iscsiadm -m discovery -t sendtargets/;
  const STATE = /echo "== sessions"/;
  const LOGOUT = /--logout >\/dev\/null 2>&1 \|\| true\niscsiadm -m node -o delete/;
  /** What node01 has: its initiator name, a session to the target, the startup mode, the LUN devices. */
  type NodeState = { name?: string; session?: boolean; startup?: string; devices?: string[] };
  const state = (s: NodeState = {}) =>
    [
      "== name",
      s.name ?? NAME1,
      "== sessions",
      ...(s.session === false ? [] : [`${PORTAL},1 ${TARGET_IQN}`]),
      "== startup",
      s.startup ?? "automatic",
      "== devices",
      ...(s.devices ?? DEVICES),
      "",
    ].join("\n");
  const createdOuts = async () => ({ ...(await checked(p, raw)), devices: DEVICES });

  /**
   * node01 in state `s` (fake iscsiadm; the initiator name file and the by-path devices moved into
   * its sandbox): the state script and the logout run there for real.
   */
  function node01(s: NodeState = {}): FakeMachine {
    const node = fakeMachine(ISCSIADM, { paths: [INITIATOR_NAME_FILE, BY_PATH] });
    node.write(
      INITIATOR_NAME_FILE,
      `## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName=${s.name ?? NAME1}\n`,
    );
    node.state("iscsi-sessions", s.session === false ? "" : `${PORTAL},1 ${TARGET_IQN}\n`);
    node.state(`iscsi-node.${TARGET_IQN}.${PORTAL}`, `${s.startup ?? "automatic"}\n`);
    for (const dev of s.devices ?? DEVICES) node.write(dev, "");
    on(STATE, forReal(node), N1.address);
    on(LOGOUT, forReal(node), N1.address);
    return node;
  }

  test.each<[string, NodeState]>([
    ["logged in", {}],
    ["no session, no device, manual startup", { session: false, devices: [], startup: "manual" }],
    [
      "another initiator name, one device",
      { name: "iqn.1993-08.org.debian:01:abcdef", devices: [DEVICES[0]] },
    ],
  ])("the state script run for real prints the state (%s)", async (_label, s) => {
    const node = node01(s);
    const script = stateScript((await checked(p, raw)) as unknown as Inputs);
    expect(forReal(node)(script, { where: N1.address, script, opts: {} })).toEqual({
      stdout: state(s),
      stderr: "",
      code: 0,
    });
  });

  test("lunDevicePath is the stable by-path name", () => {
    expect(lunDevicePath(PORTAL, TARGET_IQN, 2)).toBe(
      `/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-${TARGET_IQN}-lun-2`,
    );
  });

  test("create runs the login script on the node and returns the devices it printed", async () => {
    on(LOGIN, { stdout: `${DEVICES.join("\n")}\n` });
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(`${NAME1}@${PORTAL}`);
    expect(outs).toMatchObject({ devices: DEVICES, loggedIn: true });
    expect(lab.calls).toHaveLength(1);
    expect(lab.calls[0]).toMatchObject({
      where: N1.address,
      script: loginScript(inputs as unknown as Inputs),
    });
    expect(lab.calls[0].opts.timeoutSeconds).toBe(180);
  });

  test("parseState: loggedIn needs the session, automatic startup and every device", async () => {
    const inputs = (await checked(p, raw)) as unknown as Inputs;
    expect(parseState(inputs, state())).toEqual({ initiatorName: NAME1, loggedIn: true, devices: DEVICES });
    expect(parseState(inputs, state({ startup: "manual" })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ devices: [DEVICES[0]] })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ session: false })).loggedIn).toBe(false);
  });

  test("read: a session, automatic startup and the devices → logged in, no drift", async () => {
    node01();
    const inputs = await checked(p, raw);
    const read = await p.read(`${NAME1}@${PORTAL}`, await createdOuts());
    expect(read.props).toMatchObject({ loggedIn: true, devices: DEVICES, initiatorName: NAME1 });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(NO_DIFF);
    expect(lab.calls.map((c) => c.where)).toEqual([N1.address]);
  });

  test("read: no session → logged out, an in-place change; update logs in again", async () => {
    node01({ session: false, devices: [] });
    on(LOGIN, { stdout: `${DEVICES.join("\n")}\n` });
    const inputs = await checked(p, raw);
    const read = await p.read("x", await createdOuts());
    expect(read.props).toMatchObject({ loggedIn: false, devices: [] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    const { outs } = await p.update("x", read.props as Props, inputs);
    expect(scripts(N1.address)).toEqual([loginScript(inputs as unknown as Inputs)]);
    expect(outs).toMatchObject({ loggedIn: true, devices: DEVICES });
  });

  test("read: another initiator name on the node is drift, fixed in place", async () => {
    node01({ name: "iqn.1993-08.org.debian:01:abcdef" });
    const read = await p.read("x", await createdOuts());
    expect(read.props).toMatchObject({ initiatorName: "iqn.1993-08.org.debian:01:abcdef" });
    expect(await p.diff("x", read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
  });

  test("read: an unreachable node is logged out (drift), not an error", async () => {
    lab.down = [N1.address];
    const read = await p.read("x", await createdOuts());
    expect(read.id).toBe("x");
    expect(read.props).toMatchObject({ loggedIn: false });
    expect(lab.connects).toEqual([N1.address]);
    expect(lab.calls).toEqual([]);
  });

  test("a new portal or target replaces; the LUN list updates in place", async () => {
    const inputs = await checked(p, raw);
    const olds = await createdOuts();
    expect(await p.diff("x", olds, { ...inputs, portal: "192.168.8.123:3260" })).toMatchObject({
      replaces: ["portal"],
    });
    expect(await p.diff("x", olds, { ...inputs, luns: [1, 2, 3] })).toEqual(IN_PLACE);
  });

  test("delete logs out and forgets the node record; on an unreachable node it does not throw", async () => {
    const olds = await createdOuts();
    const node = node01();
    await p.delete("x", olds);
    // Run for real: the session logged out, the node record gone.
    expect(node.log()).toEqual([
      `iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --logout`,
      `iscsiadm -m node -o delete -T ${TARGET_IQN} -p ${PORTAL}`,
    ]);
    expect(fs.readFileSync(`${node.fake.root}/state/iscsi-sessions`, "utf8")).toBe("");
    expect(fs.existsSync(`${node.fake.root}/state/iscsi-node.${TARGET_IQN}.${PORTAL}`)).toBe(false);
    expect(scripts(N1.address)).toHaveLength(1);
    expect(scripts()[0]).toContain(`iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --logout`);
    expect(scripts()[0]).toContain(`iscsiadm -m node -o delete -T ${TARGET_IQN} -p ${PORTAL}`);
    bashSyntaxCheck(scripts()[0]);

    lab.calls = [];
    lab.down = [N1.address];
    await expect(p.delete("x", olds)).resolves.toBeUndefined();
    expect(lab.calls).toEqual([]);
  });

  test("a failing script (exit 65, kvmlab: on stderr): the error names the node and says what to fix", async () => {
    on(LOGIN, {
      code: 65,
      stderr:
        "iscsiadm: cannot make connection to 192.168.8.1: Connection refused\n" +
        "kvmlab: discovery at 192.168.8.1:3260 failed: iscsiadm: connection refused. Fix: check that the target runs\n",
    });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toBe(
      'IscsiInitiator "dev-iscsi-initiator-node01": create failed: on 192.168.8.121: ' +
        "discovery at 192.168.8.1:3260 failed: iscsiadm: connection refused. Fix: check that the target runs",
    );
  });

  test("an unreachable node at create: the error names it with the fix", async () => {
    lab.down = [N1.address];
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toContain("ssh root@192.168.8.121:22: connection failed");
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, (inputs: Inputs) => string]>([
    ["iSCSI loginScript", loginScript],
    ["iSCSI initiator stateScript", stateScript],
  ])("%s", async (_label, script) => {
    bashSyntaxCheck(script((await checked(p, raw)) as unknown as Inputs));
  });
});
