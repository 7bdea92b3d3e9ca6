/**
 * The IscsiInitiator provider on node01 against the fake lab (test/support/fake-lab.ts), driven as
 * the engine drives it: check → create, read → diff → update, delete. Every script runs for real
 * on a fake node01 with a fake iscsiadm, systemctl and udevadm (test/fixtures/fake-tools.ts), the
 * initiator name file and the by-path devices moved into its sandbox; each iscsiadm operation of
 * the logout fails in turn.
 */
import { fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import {
  iscsiInitiatorProvider,
  loginScript,
  logoutScript,
  lunDevicePath,
  parseState,
  stateScript,
} from "../../../../providers/storage/iscsi/iscsi-initiator";
import { bashSyntaxCheck } from "../../../support/bash";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import { NAME1, PORTAL, TARGET_IQN } from "../../../fixtures/iscsi";
import { ISCSIADM, NODE_SYSTEM_TOOLS } from "../../../fixtures/fake-tools";

/** open-iscsi's files on a node, which the scripts read and write. */
const INITIATOR_NAME_FILE = "/etc/iscsi/initiatorname.iscsi";
const BY_PATH = "/dev/disk/by-path";
/** Another initiator name (the node's own before the lab set it). */
const OTHER_NAME = "iqn.1993-08.org.debian:01:abcdef";

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

/** The session line of the target in the fake's state (and in `iscsiadm -m session`'s columns 3–4). */
const SESSION = `${PORTAL},1 ${TARGET_IQN}`;
const RECORD = `iscsi-node.${TARGET_IQN}.${PORTAL}`;
const LOGOUT = `iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --logout`;
const FORGET = `iscsiadm -m node -o delete -T ${TARGET_IQN} -p ${PORTAL}`;

describe("IscsiInitiator provider", () => {
  const DEVICES = [1, 2].map((l) => lunDevicePath(PORTAL, TARGET_IQN, l));
  /**
   * What node01 has: its initiator name, a session to the target, the node record and its startup
   * mode (`startup: null`: no record), the LUN devices.
   */
  type NodeState = {
    name?: string;
    session?: boolean;
    startup?: string | null;
    devices?: string[];
    /** iscsid disabled at boot and stopped. */
    iscsidOff?: boolean;
  };
  const state = (s: NodeState = {}) =>
    [
      "== name",
      s.name ?? NAME1,
      "== sessions",
      ...(s.session === false ? [] : [SESSION]),
      "== startup",
      s.startup ?? "automatic",
      "== devices",
      ...(s.devices ?? DEVICES),
      "== units",
      s.iscsidOff ? "iscsid disabled inactive" : "iscsid enabled active",
      "open-iscsi enabled inactive",
      "",
    ].join("\n");
  const createdOuts = async () => ({ ...(await checked(p, raw)), devices: DEVICES });

  /** node01 in state `s`; the target at the portal offers the lab's target. Every script runs there for real. */
  function node01(s: NodeState = {}): FakeMachine {
    const node = fakeMachine(
      { ...ISCSIADM, systemctl: NODE_SYSTEM_TOOLS.systemctl ?? "", udevadm: "" },
      { paths: [INITIATOR_NAME_FILE, BY_PATH] },
    );
    node.write(
      INITIATOR_NAME_FILE,
      `## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName=${s.name ?? NAME1}\n`,
    );
    node.state("iscsi-sessions", s.session === false ? "" : `${SESSION}\n`);
    if (s.startup !== null) node.state(RECORD, `${s.startup ?? "automatic"}\n`);
    node.state("iscsi-discovery", `${SESSION}\n`);
    for (const dev of s.devices ?? DEVICES) node.write(dev, "");
    node.state("enabled.open-iscsi", "enabled\n");
    if (!s.iscsidOff) {
      node.state("enabled.iscsid", "enabled\n");
      node.state("active.iscsid", "");
    }
    on01(node);
    return node;
  }
  /** Every script on node01 runs for real on `node`. */
  const on01 = (node: FakeMachine) => on(/[\s\S]*/, forReal(node), N1.address);
  /** The fake's state: the sessions and the node record's startup mode (undefined: no record). */
  const iscsiState = (node: FakeMachine) => ({
    sessions: node.stateOf("iscsi-sessions"),
    record: node.stateOf(RECORD)?.trim(),
  });

  test.each<[string, NodeState]>([
    ["logged in", {}],
    ["no session, no device, manual startup", { session: false, devices: [], startup: "manual" }],
    ["another initiator name, one device", { name: OTHER_NAME, devices: [DEVICES[0]] }],
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

  describe("create", () => {
    test("a fresh node: discovery, startup automatic, login; the devices the script printed", async () => {
      const node = node01({ session: false, startup: null });
      const inputs = await checked(p, raw);
      const { id, outs } = await p.create(inputs);
      expect(id).toBe(`${NAME1}@${PORTAL}`);
      expect(outs).toMatchObject({ devices: DEVICES, loggedIn: true });
      expect(scripts()).toEqual([loginScript(inputs as unknown as Inputs)]);
      expect(lab.calls[0].opts.timeoutSeconds).toBe(180);
      expect(node.log()).toEqual([
        "systemctl enable iscsid open-iscsi",
        "systemctl start iscsid",
        `iscsiadm -m discovery -t sendtargets -p ${PORTAL}`,
        `iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} -o update -n node.startup -v automatic`,
        "iscsiadm -m session",
        `iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --login`,
        "udevadm settle",
      ]);
      expect(iscsiState(node)).toEqual({ sessions: `${SESSION}\n`, record: "automatic" });
    });

    test("a node logged in already: a rescan, no second login", async () => {
      const node = node01();
      await p.create(await checked(p, raw));
      expect(node.log()).toContain(`iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --rescan`);
      expect(node.log().filter((l) => l.endsWith("--login"))).toEqual([]);
    });

    test("another initiator name with a session under it: logged out first, the name set, iscsid restarted, logged in", async () => {
      const node = node01({ name: OTHER_NAME });
      await p.create(await checked(p, raw));
      const log = node.log();
      expect(log.slice(0, 3)).toEqual(["iscsiadm -m session", LOGOUT, "systemctl restart iscsid"]);
      expect(log).toContain(`iscsiadm -m node -T ${TARGET_IQN} -p ${PORTAL} --login`);
      expect(node.read(INITIATOR_NAME_FILE)).toBe(`InitiatorName=${NAME1}\n`);
    });

    test("another initiator name and the logout refused: the create fails with iscsiadm's words; the name is kept", async () => {
      const node = node01({ name: OTHER_NAME });
      node.state(
        "fails.logout",
        "20\niscsiadm: Could not logout of [sid: 1, target: t, portal: 192.168.8.1,3260].\n" +
          "iscsiadm: initiator reported error (20 - could not connect to iscsid)\n",
      );
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toBe(
        'IscsiInitiator "dev-iscsi-initiator-node01": create failed: on 192.168.8.121: ' +
          `logging out of ${TARGET_IQN} at ${PORTAL} failed: iscsiadm: Could not logout of [sid: 1, target: t, portal: 192.168.8.1,3260]. ` +
          "iscsiadm: initiator reported error (20 - could not connect to iscsid). " +
          "Fix: check that iscsid runs on the node (systemctl status iscsid) and that nothing uses the LUNs (lsblk, fuser -vm), then run pulumi up again",
      );
      expect(node.read(INITIATOR_NAME_FILE)).toContain(`InitiatorName=${OTHER_NAME}`);
    });

    test("discovery refused by the portal: the error names the node, the portal and the fix", async () => {
      const node = node01({ session: false });
      node.state(
        "fails.discovery",
        "4\niscsiadm: cannot make connection to 192.168.8.1: Connection refused\n" +
          "iscsiadm: Could not perform SendTargets discovery: encountered connection failure\n",
      );
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(
        /^IscsiInitiator "dev-iscsi-initiator-node01": create failed: on 192\.168\.8\.121: discovery at 192\.168\.8\.1:3260 failed: iscsiadm: cannot make connection to 192\.168\.8\.1: Connection refused/,
      );
      expect(err.message).toContain(
        "Fix: check that the target runs (pulumi preview --refresh shows it) and that this node reaches the portal",
      );
    });

    test("a portal that does not offer the target to this initiator: refused with the ACL fix", async () => {
      const node = node01({ session: false });
      node.state("iscsi-discovery", `${PORTAL},1 iqn.2011-08.com.example.kvmhost:other\n`);
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain(
        `the portal ${PORTAL} does not offer ${TARGET_IQN} to this initiator (offered: ${PORTAL},1 iqn.2011-08.com.example.kvmhost:other). ` +
          "Fix: the target's ACL must list this node's address and initiator name",
      );
    });

    test("an unreachable node at create: the error names it with the fix", async () => {
      lab.down = [N1.address];
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain("ssh root@192.168.8.121:22: connection failed");
    });
  });

  test("parseState: loggedIn needs the session, automatic startup and every device", async () => {
    const inputs = (await checked(p, raw)) as unknown as Inputs;
    expect(parseState(inputs, state())).toEqual({
      initiatorName: NAME1,
      loggedIn: true,
      servicesCurrent: true,
      devices: DEVICES,
    });
    expect(parseState(inputs, state({ iscsidOff: true })).servicesCurrent).toBe(false);
    expect(parseState(inputs, state({ startup: "manual" })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ devices: [DEVICES[0]] })).loggedIn).toBe(false);
    expect(parseState(inputs, state({ session: false })).loggedIn).toBe(false);
  });

  describe("read → diff → update", () => {
    test("a session, automatic startup and the devices → logged in, no drift", async () => {
      node01();
      const inputs = await checked(p, raw);
      const read = await p.read(`${NAME1}@${PORTAL}`, await createdOuts());
      expect(read.props).toMatchObject({ loggedIn: true, devices: DEVICES, initiatorName: NAME1 });
      expect(await p.diff("x", read.props as Props, inputs)).toEqual(NO_DIFF);
      expect(lab.calls.map((c) => c.where)).toEqual([N1.address]);
    });

    test("no session → logged out, an in-place change; the update logs in again", async () => {
      const node = node01({ session: false });
      const inputs = await checked(p, raw);
      const read = await p.read("x", await createdOuts());
      expect(read.props).toMatchObject({ loggedIn: false });
      expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
      lab.calls = [];
      const { outs } = await p.update("x", read.props as Props, inputs);
      expect(scripts(N1.address)).toEqual([loginScript(inputs as unknown as Inputs)]);
      expect(outs).toMatchObject({ loggedIn: true, devices: DEVICES });
      expect(iscsiState(node).sessions).toBe(`${SESSION}\n`);
    });

    test("iscsid disabled at boot and stopped → servicesCurrent false; the update enables and starts it", async () => {
      const node = node01({ iscsidOff: true });
      const inputs = await checked(p, raw);
      const read = await p.read("x", await createdOuts());
      expect(read.props).toMatchObject({ loggedIn: true, servicesCurrent: false });
      expect(await p.diff("x", read.props as Props, inputs)).toEqual(IN_PLACE);
      await p.update("x", read.props as Props, inputs);
      expect([node.stateOf("enabled.iscsid"), node.stateOf("active.iscsid")]).toEqual(["enabled\n", ""]);
      expect((await p.read("x", await createdOuts())).props).toMatchObject({ servicesCurrent: true });
    });

    test("another initiator name on the node is drift, fixed in place", async () => {
      node01({ name: OTHER_NAME });
      const read = await p.read("x", await createdOuts());
      expect(read.props).toMatchObject({ initiatorName: OTHER_NAME });
      expect(await p.diff("x", read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
    });

    test("an unreachable node is logged out (drift), not an error", async () => {
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
  });

  describe("delete", () => {
    test("logs out and forgets the node record", async () => {
      const olds = await createdOuts();
      const node = node01();
      await p.delete("x", olds);
      expect(scripts()).toEqual([logoutScript(olds as unknown as Inputs)]);
      expect(node.log()).toEqual(["iscsiadm -m session", LOGOUT, FORGET]);
      expect(iscsiState(node)).toEqual({ sessions: "", record: undefined });
    });

    test("nothing left (no session, no record): verified gone, the delete succeeds", async () => {
      const node = node01({ session: false, startup: null });
      await expect(p.delete("x", await createdOuts())).resolves.toBeUndefined();
      // The session list was read and the record's deletion answered "not found": checked, not assumed.
      expect(node.log()).toEqual(["iscsiadm -m session", FORGET]);
    });

    test("a session to another target only: that one is kept", async () => {
      const node = node01({ session: false });
      const other = `${PORTAL},1 iqn.2011-08.com.example.kvmhost:other`;
      node.state("iscsi-sessions", `${other}\n`);
      await p.delete("x", await createdOuts());
      expect(iscsiState(node)).toEqual({ sessions: `${other}\n`, record: undefined });
    });

    test("a node without open-iscsi has no session and no record: nothing to do", async () => {
      const node = fakeMachine({});
      on01(node);
      await expect(p.delete("x", await createdOuts())).resolves.toBeUndefined();
      expect(node.log()).toEqual([]);
    });

    test.each<[string, string, string, string[]]>([
      [
        "session",
        "22\niscsiadm: could not read session targetname: 5\n",
        "iscsiadm -m session failed: iscsiadm: could not read session targetname: 5. " +
          "Fix: check that iscsid runs on the node (systemctl status iscsid) and that nothing uses the LUNs (lsblk, fuser -vm), then run pulumi destroy again",
        ["iscsiadm -m session"],
      ],
      [
        "logout",
        "20\niscsiadm: Could not logout of [sid: 1, target: t, portal: 192.168.8.1,3260].\n" +
          "iscsiadm: initiator reported error (20 - could not connect to iscsid)\n",
        `logging out of ${TARGET_IQN} at ${PORTAL} failed: iscsiadm: Could not logout of [sid: 1, target: t, portal: 192.168.8.1,3260]. ` +
          "iscsiadm: initiator reported error (20 - could not connect to iscsid). " +
          "Fix: check that iscsid runs on the node (systemctl status iscsid) and that nothing uses the LUNs (lsblk, fuser -vm), then run pulumi destroy again",
        ["iscsiadm -m session", LOGOUT],
      ],
      [
        "delete",
        "6\niscsiadm: Could not execute operation on all records: encountered iSCSI database failure\n",
        `deleting the node record of ${TARGET_IQN} at ${PORTAL} failed: iscsiadm: Could not execute operation on all records: encountered iSCSI database failure. ` +
          "Fix: see iscsiadm -m node on the node, then run pulumi destroy again",
        ["iscsiadm -m session", LOGOUT, FORGET],
      ],
    ])(
      "iscsiadm's %s failing fails the delete with its words and the fix",
      async (what, failure, says, ran) => {
        const node = node01();
        node.state(`fails.${what}`, failure);
        const err = await failureOf(p.delete("x", await createdOuts()));
        expect(err.message).toBe(
          `IscsiInitiator "dev-iscsi-initiator-node01": delete failed: on 192.168.8.121: ${says}`,
        );
        expect(node.log()).toEqual(ran);
      },
    );

    test("an unreachable node: nothing left to log out there, the delete does not throw", async () => {
      lab.down = [N1.address];
      await expect(p.delete("x", await createdOuts())).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
    });
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, (inputs: Inputs) => string]>([
    ["iSCSI loginScript", loginScript],
    ["iSCSI initiator stateScript", stateScript],
    ["iSCSI logoutScript", logoutScript],
  ])("%s", async (_label, script) => {
    bashSyntaxCheck(script((await checked(p, raw)) as unknown as Inputs));
  });
});
