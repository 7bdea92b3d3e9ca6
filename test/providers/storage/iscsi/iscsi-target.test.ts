/**
 * The IscsiTarget provider against the fake lab (test/support/fake-lab.ts), on the KVM host or on
 * a node, driven as the engine drives it: check → create, read → diff → update, delete. The
 * probe, the planned tgtadm batches and the removal run for real on a fake machine whose tgtadm
 * answers in `tgtadm --op show` form (test/fixtures/tgt-show.ts, test/fixtures/fake-tools.ts), with
 * the target's directory moved into the sandbox; the prepare script (it allocates the LUN files and
 * starts tgtd, or on a node writes /etc/tgt/conf.d) is answered by a rule that loads the target.
 */
import * as fs from "node:fs";
import {
  fakeMachine,
  forReal,
  KVM_HOST,
  lab,
  on,
  ran,
  scripts,
  theCall,
  type Answer,
  type FakeMachine,
} from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { shellJoin } from "../../../../providers/exec/ssh";
import { tgtadm } from "../../../../providers/storage/iscsi/tgt-plan";
import {
  iscsiTargetProvider,
  parseProbe,
  prepareScript,
  probeScript,
  spaceProblems,
  targetFiles,
  targetsConf,
} from "../../../../providers/storage/iscsi/iscsi-target";
import { addFakes, bashSyntaxCheck, ownProcess } from "../../../support/bash";
import { NODE_SYSTEM_TOOLS, TGT_TOOLS } from "../../../fixtures/fake-tools";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  named,
  NO_DIFF,
} from "../../../support/provider-driver";
import { HOST, MIB, nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import { tgtShow, type ShowTarget } from "../../../fixtures/tgt-show";
import {
  ADDRS,
  ALL_FILES,
  CP,
  HOST_CONF,
  L1,
  L2,
  LIVE_LUNS,
  NAME1,
  NAME2,
  NAMES,
  otherTarget,
  ourTarget,
  PORTAL,
  PREPARE,
  PROBE,
  probeOutput,
  REMOVE,
  setTgtState,
  TARGET_CONF,
  TARGET_IQN,
  TGT_DIR,
  TGTADM_BATCH,
  type TgtState,
} from "../../../fixtures/iscsi";

const N3 = nodeAccess(3);
/** The persistent configuration of the target on node 3. */
const NODE_CONF = "/etc/tgt/conf.d/kvmlab-cluster01.conf";
const p = iscsiTargetProvider;
const raw = named(
  {
    host: HOST,
    sshPrivateKey: PROGRAM_KEY,
    iqn: TARGET_IQN,
    directory: TGT_DIR,
    portal: PORTAL,
    controlPort: CP,
    luns: [
      { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
      { lun: 2, path: L2, sizeMiB: 1024, purpose: "data" },
    ],
    initiatorAddresses: ADDRS,
    initiatorNames: NAMES,
  },
  "dev-iscsi-target",
);
type Inputs = Parameters<typeof probeScript>[0];
const inputsOf = async (news: Props = raw) => (await checked(p, news)) as unknown as Inputs;

describe("IscsiTarget provider", () => {
  const asProps = (inputs: Inputs) => inputs as unknown as Props;
  const noFiles = { [L1]: undefined, [L2]: undefined };
  /** A host where tgtd does not run and no LUN file exists yet. */
  const fresh: TgtState = { running: false, availMiB: 50_000, files: noFiles };
  /** tgtd runs and serves `targets`, with both LUN files in place. */
  const serving = (...targets: ShowTarget[]): TgtState => ({
    running: true,
    show: tgtShow(...targets),
    availMiB: 5000,
    files: ALL_FILES,
    config: TARGET_CONF,
  });

  /** The KVM host (or a node): the probe, the tgtadm batches and the removal run there for real. */
  let host: FakeMachine;
  beforeEach(() => {
    host = fakeMachine(
      { ...TGT_TOOLS, systemctl: NODE_SYSTEM_TOOLS.systemctl },
      { paths: [TGT_DIR, "/etc/tgt"], reads: ["/proc"] },
    );
  });

  /** `machine` in `state`; the probe, the tgtadm batches and the removal run there for real. */
  function tgtOn(machine: FakeMachine, state: TgtState, at?: string): void {
    setTgtState(machine, state);
    on(PROBE, forReal(machine), at);
    on(TGTADM_BATCH, forReal(machine), at);
    on(REMOVE, forReal(machine), at);
  }

  /** The prepare script as tgtd answers it: the LUN files and the configuration loaded (`after`). */
  function prepareLoads(machine: FakeMachine, after: TgtState, stdout = ""): Answer {
    return () => {
      setTgtState(machine, after);
      return { stdout };
    };
  }

  /** Runs the script for real on `machine`, which is in state `after` from then on. */
  function realThen(machine: FakeMachine, after: TgtState): Answer {
    return (script, call) => {
      const reply = forReal(machine)(script, call);
      setTgtState(machine, after);
      return reply;
    };
  }

  describe("check", () => {
    test("accepts the lab's target and defaults online to true", async () => {
      expect(await checked(p, raw)).toMatchObject({ online: true, controlPort: CP });
    });

    test("LUNs are kept in LUN order, as tgtd lists them (no endless drift)", async () => {
      const luns = [...(raw.luns as Props[])].reverse();
      const inputs = await checked(p, { ...raw, luns });
      expect((inputs.luns as { lun: number }[]).map((l) => l.lun)).toEqual([1, 2]);
    });

    test("a LUN path climbing out of the directory with .. is refused", async () => {
      const luns = [{ lun: 1, path: `${TGT_DIR}/../../../etc/shadow`, sizeMiB: 1, purpose: "data" }];
      expect(await failedProperties(p, { ...raw, luns })).toContain("luns[0].path");
    });

    test("a LUN number given twice is a failure on luns", async () => {
      const luns = [
        { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
        { lun: 1, path: L2, sizeMiB: 1024, purpose: "data" },
      ];
      const r = await p.check({}, { ...raw, luns });
      expect(r.failures).toEqual([
        { property: "luns", reason: "luns: LUN 1 is given twice. Fix: give every LUN its own id" },
      ]);
    });

    test("a LUN file outside the directory (also a sibling with the same prefix) is a failure on luns[i].path", async () => {
      const luns = [
        { lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" },
        { lun: 2, path: `${TGT_DIR}-old/volume02.img`, sizeMiB: 1024, purpose: "data" },
      ];
      const r = await p.check({}, { ...raw, luns });
      expect(r.failures?.map((f) => f.property)).toEqual(["luns[1].path"]);
      expect(r.failures?.[0].reason).toContain("Fix: keep LUN files under iscsi.directory");
    });

    test("empty initiator lists are failures (access must be restricted), naming each list", async () => {
      expect(await failedProperties(p, { ...raw, initiatorAddresses: [], initiatorNames: [] })).toEqual([
        "initiatorAddresses",
        "initiatorNames",
      ]);
      const r = await p.check({}, { ...raw, initiatorAddresses: [] });
      expect(r.failures?.[0].reason).toContain("access must be restricted to the cluster nodes");
    });

    test("bad IQNs, LUN 0 and an ALL address are failures naming the property", async () => {
      expect(
        await failedProperties(p, {
          ...raw,
          iqn: "iqn.com.example:tgt",
          initiatorNames: [NAME1, "node02"],
          initiatorAddresses: ["ALL"],
          luns: [{ lun: 0, path: L1, sizeMiB: 100, purpose: "quorum" }],
        }),
      ).toEqual(["initiatorAddresses[0]", "initiatorNames[1]", "iqn", "luns[0].lun"]);
    });
  });

  describe("probe and space", () => {
    test("parseProbe reads the sections: running, show, free MiB, file sizes", async () => {
      const out = probeOutput({
        running: true,
        show: tgtShow(ourTarget(1)),
        availMiB: 2048,
        files: { [L1]: 100 * MIB, [L2]: undefined },
      });
      const probe = parseProbe(out);
      expect(probe).toMatchObject({ running: true, availMiB: 2048, fileBytes: { [L1]: 100 * MIB } });
      expect(probe.show).toContain(`Target 1: ${TARGET_IQN}`);
      expect(parseProbe("== running\nno\n== avail\n\n")).toEqual({
        running: false,
        show: "",
        availMiB: 0,
        fileBytes: {},
        configDigests: {},
        listening: false,
        units: {},
      });
    });

    test.each<[string, TgtState]>([
      [
        "tgtd down, no LUN file",
        { running: false, availMiB: 50_000, files: { [L1]: undefined, [L2]: undefined } },
      ],
      [
        "tgtd serving two targets, one LUN file",
        {
          running: true,
          show: tgtShow(otherTarget(1), ourTarget(2)),
          availMiB: 2048,
          files: { [L1]: 100 * MIB, [L2]: undefined },
        },
      ],
    ])("the probe run for real prints what probeOutput says (%s)", async (_label, state) => {
      const script = probeScript(await inputsOf());
      setTgtState(host, state);
      const printed = forReal(host)(script, { where: KVM_HOST, script, opts: {} });
      expect(printed).toEqual({ stdout: probeOutput(state), stderr: "", code: 0 });
    });

    test("the probe run for real: tgt not installed is the fix to install it", async () => {
      const inputs = await inputsOf();
      const bare = fakeMachine({}, { paths: [TGT_DIR] });
      on(PROBE, forReal(bare));
      const err = await failureOf(p.create(asProps(inputs)));
      expect(err.message).toBe(
        'IscsiTarget "dev-iscsi-target": create failed: on the KVM host: tgt is not installed. ' +
          "Fix: apt-get install tgt (npm run lab installs it on the KVM host; the lab image has it), then run pulumi up again",
      );
    });

    test("spaceProblems: files that fit are fine; existing files only need their growth", async () => {
      const inputs = await inputsOf();
      const probe = (availMiB: number, fileBytes: Record<string, number>) => ({
        running: true,
        show: "",
        availMiB,
        fileBytes,
      });
      expect(spaceProblems(inputs, probe(1124, {}))).toEqual([]);
      expect(spaceProblems(inputs, probe(1024, { [L1]: 100 * MIB }))).toEqual([]);
      expect(spaceProblems(inputs, probe(1023, { [L1]: 100 * MIB }))).toHaveLength(1);
      expect(spaceProblems(inputs, probe(0, ALL_FILES))).toEqual([]);
    });

    test("spaceProblems: too little space names every LUN and the fix; a LUN that would shrink is refused", async () => {
      const inputs = await inputsOf();
      const [tooBig] = spaceProblems(inputs, { availMiB: 500, fileBytes: {} });
      expect(tooBig).toContain("need 1124 MiB more but only 500 MiB are free under " + TGT_DIR);
      expect(tooBig).toContain("iscsi.luns[1] 1024 MiB");
      expect(tooBig).toContain("Fix:");
      const [shrink, ...rest] = spaceProblems(inputs, {
        availMiB: 5000,
        fileBytes: { [L2]: 2048 * MIB },
      });
      expect(rest).toEqual([]);
      expect(shrink).toContain(`iscsi.luns[1] (LUN 2, ${L2}) is 2048 MiB on disk but sizeMiB is 1024`);
      expect(shrink).toContain("never shrunk");
      expect(shrink).toContain("Fix: set sizeMiB ≥ 2048");
    });

    test("targetFiles: next to the directory on the KVM host (with tgtd's pid file), conf.d on a node", () => {
      expect(targetFiles({ directory: `${TGT_DIR}/` })).toEqual({
        config: `${TGT_DIR}.conf`,
        pidFile: `${TGT_DIR}.tgtd.pid`,
      });
      expect(targetFiles({ directory: TGT_DIR, node: N3 })).toEqual({
        config: "/etc/tgt/conf.d/kvmlab-cluster01.conf",
      });
    });
  });

  describe("create", () => {
    test("a LUN larger than the free space: rejected with iscsi.luns[1] and the fix; only the probe ran", async () => {
      tgtOn(host, { running: false, availMiB: 500, files: noFiles });
      const inputs = await inputsOf();
      const err = await failureOf(p.create(asProps(inputs)));
      expect(err.message).toMatch(
        /^IscsiTarget "dev-iscsi-target": create failed: the LUN files need 1124 MiB/,
      );
      expect(err.message).toContain("iscsi.luns[1]");
      expect(err.message).toContain("Fix:");
      expect(scripts()).toEqual([probeScript(inputs)]);
      expect(lab.calls[0].where).toBe(KVM_HOST);
    });

    test("a LUN that would shrink: rejected, nothing changed", async () => {
      tgtOn(host, { running: true, availMiB: 50_000, files: { [L1]: 100 * MIB, [L2]: 2048 * MIB } });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain("iscsi.luns[1]");
      expect(err.message).toContain("never shrunk");
      expect(ran(PREPARE)).toBe(false);
      expect(ran(TGTADM_BATCH)).toBe(false);
    });

    test("on a fresh KVM host: prepare starts tgtd with the rendered targets.conf on stdin; nothing left to plan", async () => {
      tgtOn(host, fresh);
      on(PREPARE, prepareLoads(host, serving(ourTarget(1)), "started\n"));
      const inputs = await inputsOf();
      const { id, outs } = await p.create(asProps(inputs));

      expect(id).toBe(TARGET_IQN);
      expect(outs).toMatchObject({ tid: 1, sessions: [], online: true });
      expect(scripts()).toEqual([
        probeScript(inputs),
        prepareScript(inputs),
        probeScript(inputs),
        probeScript(inputs),
      ]);
      expect(lab.calls.every((c) => c.where === KVM_HOST)).toBe(true);

      const prepare = theCall(PREPARE);
      const conf = Buffer.from(String(prepare.opts.stdin), "base64").toString("utf8");
      expect(conf).toBe(targetsConf(inputs));
      expect(conf).toContain(`<target ${TARGET_IQN}>`);
      expect(conf).toContain("initiator-address 192.168.8.121");
      expect(conf).toContain(`initiator-name ${NAME2}`);
      expect(prepare.script).not.toContain(TARGET_IQN);
      expect(prepare.script).toContain(`base64 -d > ${TGT_DIR}.conf.new`);
      expect(prepare.script).toContain(`tgtd -C ${CP} -p ${TGT_DIR}.tgtd.pid --iscsi portal=${PORTAL}`);
      expect(prepare.script).toContain(`tgt-admin -C ${CP} -e -c ${TGT_DIR}.conf`);
      expect(prepare.script).toContain(`fallocate -l 1024MiB ${L2}`);
      expect(ran(TGTADM_BATCH)).toBe(false);
    });

    test("tgtd already running with an older target: prepare, then the planned tgtadm commands, then the sessions", async () => {
      const older = ourTarget(2, { luns: [LIVE_LUNS[0]], acl: [ADDRS[0], NAME1] });
      const before: TgtState = {
        running: true,
        show: tgtShow(otherTarget(1), older),
        availMiB: 5000,
        files: { [L1]: 100 * MIB, [L2]: undefined },
      };
      const after: TgtState = {
        running: true,
        show: tgtShow(otherTarget(1), ourTarget(2, { sessions: [{ initiator: NAME1, address: ADDRS[0] }] })),
        availMiB: 3976,
        files: ALL_FILES,
      };
      // The batch runs for real (tgtadm logs it); then tgtd serves the converged target.
      on(TGTADM_BATCH, realThen(host, after));
      tgtOn(host, before);
      on(PREPARE, {});
      const inputs = await inputsOf();
      const { outs } = await p.create(asProps(inputs));

      expect(outs).toMatchObject({ tid: 2, sessions: [NAME1] });
      expect(host.log().filter((l) => /--op (new|bind)/.test(l))).toEqual([
        `tgtadm -C ${CP} --lld iscsi --mode logicalunit --op new --tid 2 --lun 2 --backing-store ${L2}`,
        `tgtadm -C ${CP} --lld iscsi --mode target --op bind --tid 2 --initiator-address ${ADDRS[1]}`,
        `tgtadm -C ${CP} --lld iscsi --mode target --op bind --tid 2 --initiator-name ${NAME2}`,
      ]);
      const order = scripts();
      expect(order).toHaveLength(5);
      expect(order[1]).toBe(prepareScript(inputs));
      expect(order[3]).toBe(
        [
          "set -e",
          shellJoin(
            tgtadm(CP, "--mode", "logicalunit", "--op", "new", "--tid", 2, "--lun", 2, "--backing-store", L2),
          ),
          shellJoin(
            tgtadm(CP, "--mode", "target", "--op", "bind", "--tid", 2, "--initiator-address", ADDRS[1]),
          ),
          shellJoin(tgtadm(CP, "--mode", "target", "--op", "bind", "--tid", 2, "--initiator-name", NAME2)),
        ].join("\n"),
      );
      bashSyntaxCheck(order[3]);
      expect([order[0], order[2], order[4]].every((s) => s === probeScript(inputs))).toBe(true);
    });

    test("placed on a node: everything runs there over one SSH session; the tgt service loads conf.d", async () => {
      const inputs = await inputsOf({ ...raw, node: N3, controlPort: 0 });
      tgtOn(host, fresh, N3.address);
      on(PREPARE, prepareLoads(host, serving(ourTarget(1))), N3.address);
      const { outs } = await p.create(asProps(inputs));
      expect(outs).toMatchObject({ tid: 1 });
      expect(lab.connects).toEqual([N3.address]);
      expect(lab.calls.every((c) => c.where === N3.address)).toBe(true);
      const prepare = theCall(PREPARE).script;
      expect(prepare).toBe(prepareScript(inputs));
      expect(prepare).toContain("systemctl enable --now tgt");
      expect(prepare).toContain("base64 -d > /etc/tgt/conf.d/kvmlab-cluster01.conf.new");
      expect(prepare).not.toContain("tgtd -C");
    });

    test("a node that cannot be reached: create fails and nothing ran", async () => {
      lab.down = [N3.address];
      const err = await failureOf(p.create(await checked(p, { ...raw, node: N3, controlPort: 0 })));
      expect(err.message).toContain("connection failed");
      expect(lab.calls).toEqual([]);
    });
  });

  describe("read → diff → update", () => {
    const stored = async (): Promise<Props> => ({ ...(await checked(p, raw)), tid: 1, sessions: [] });

    test("tgtd down: online false, an in-place change", async () => {
      tgtOn(host, { running: false, availMiB: 5000, files: ALL_FILES });
      const olds = await stored();
      const read = await p.read(TARGET_IQN, olds);
      expect(read.id).toBe(TARGET_IQN);
      expect(read.props).toMatchObject({ online: false, luns: olds.luns });
      expect(await p.diff(TARGET_IQN, read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
    });

    test("our target gone from a running tgtd: online false", async () => {
      tgtOn(host, serving(otherTarget(1)));
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ online: false });
    });

    test("a LUN removed out of band: luns lacks it, diff shows a change, update re-creates only that LUN", async () => {
      // The batch runs for real; tgtd then serves both LUNs again.
      on(TGTADM_BATCH, realThen(host, serving(ourTarget(1))));
      tgtOn(host, serving(ourTarget(1, { luns: [LIVE_LUNS[0]] })));
      on(PREPARE, {});
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        online: true,
        luns: [{ lun: 1, path: L1, sizeMiB: 100, purpose: "quorum" }],
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      lab.calls = [];
      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(theCall(TGTADM_BATCH).script).toBe(
        `set -e\n${shellJoin(tgtadm(CP, "--mode", "logicalunit", "--op", "new", "--tid", 1, "--lun", 2, "--backing-store", L2))}`,
      );
    });

    /** The prepare script runs for real, with `fallocate` making sparse files (no disk space used). */
    function prepareForReal(machine: FakeMachine, at?: string): void {
      addFakes(machine.fake, { fallocate: `[ "$1" = -l ] || exit 1\nexec truncate -s "\${2%iB}" "$3"` });
      on(PREPARE, forReal(machine), at);
    }

    test("read: the persistent config edited → configCurrent false; the update writes it again", async () => {
      tgtOn(host, { ...serving(ourTarget(1)), config: `${TARGET_CONF}# edited\n` });
      prepareForReal(host);
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        online: true,
        configCurrent: false,
        enabledAtBoot: true,
        lunFilesCurrent: true,
        listening: true,
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(host.read(HOST_CONF)).toBe(TARGET_CONF);
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ configCurrent: true });
    });

    test("read: tgt disabled at boot on the target's node → enabledAtBoot false; the update enables it", async () => {
      const onNode = { ...raw, node: N3, controlPort: 0 };
      const inputs = await checked(p, onNode);
      const olds = { ...inputs, tid: 1, sessions: [] };
      tgtOn(host, serving(ourTarget(1)), N3.address);
      host.write(NODE_CONF, TARGET_CONF);
      host.state("active.tgt", "");
      prepareForReal(host, N3.address);
      const read = await p.read(TARGET_IQN, olds);
      expect(read.props).toMatchObject({ online: true, enabledAtBoot: false, configCurrent: true });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(host.stateOf("enabled.tgt")).toBe("enabled\n");
      expect((await p.read(TARGET_IQN, olds)).props).toMatchObject({ enabledAtBoot: true });
      // Enabled: no drift on a node; the KVM host has no tgt service to enable.
      expect(await p.diff(TARGET_IQN, (await p.read(TARGET_IQN, olds)).props as Props, inputs)).toEqual(
        NO_DIFF,
      );
    });

    test("read: a LUN file deleted (tgtd keeps it open) → lunFilesCurrent false; the update makes the file and the LUN again", async () => {
      tgtOn(host, { ...serving(ourTarget(1)), files: { [L1]: 100 * MIB, [L2]: undefined } });
      prepareForReal(host);
      on(TGTADM_BATCH, realThen(host, serving(ourTarget(1))));
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      // tgtd still reports the LUN: only the file on disk shows the loss.
      expect(read.props).toMatchObject({ online: true, lunFilesCurrent: false, luns: inputs.luns });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(fs.statSync(host.at(L2)).size).toBe(1024 * MIB);
      expect(host.log().filter((l) => l.includes("--mode logicalunit"))).toEqual([
        `tgtadm -C ${CP} --lld iscsi --mode logicalunit --op delete --tid 1 --lun 2`,
        `tgtadm -C ${CP} --lld iscsi --mode logicalunit --op new --tid 1 --lun 2 --backing-store ${L2}`,
      ]);
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ lunFilesCurrent: true });
    });

    test("read: a LUN file cut below sizeMiB → lunFilesCurrent false", async () => {
      tgtOn(host, { ...serving(ourTarget(1)), files: { [L1]: 100 * MIB, [L2]: 10 * MIB } });
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ lunFilesCurrent: false });
    });

    test("read: tgtd runs but nothing listens on the portal → listening false; the update restarts tgtd", async () => {
      tgtOn(host, { ...serving(ourTarget(1)), listening: false });
      on(PREPARE, prepareLoads(host, serving(ourTarget(1)), "started\n"));
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({ online: true, listening: false });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      await p.update(TARGET_IQN, read.props as Props, inputs);
      const prepare = theCall(PREPARE).script;
      expect(prepare).toBe(prepareScript(inputs as unknown as Inputs, { restart: true }));
      expect(prepare.indexOf(`pid=$(cat ${TGT_DIR}.tgtd.pid)`)).toBeLessThan(prepare.indexOf("tgtd -C"));
      bashSyntaxCheck(prepare);
      expect((await p.read(TARGET_IQN, await stored())).props).toMatchObject({ listening: true });
    });

    test("read: ALL and strangers in tgtd's ACL → the initiator fields differ → an in-place update unbinds them", async () => {
      const stranger = "iqn.2011-08.com.example:stranger";
      on(TGTADM_BATCH, realThen(host, serving(ourTarget(1))));
      tgtOn(host, serving(ourTarget(1, { acl: [...ADDRS, "ALL", "192.168.8.99", ...NAMES, stranger] })));
      on(PREPARE, {});
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        initiatorAddresses: [...ADDRS, "ALL", "192.168.8.99"],
        initiatorNames: [...NAMES, stranger],
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(IN_PLACE);

      await p.update(TARGET_IQN, read.props as Props, inputs);
      expect(host.log().filter((l) => /--op (bind|unbind)/.test(l))).toEqual([
        `tgtadm -C ${CP} --lld iscsi --mode target --op unbind --tid 1 --initiator-address ALL`,
        `tgtadm -C ${CP} --lld iscsi --mode target --op unbind --tid 1 --initiator-address 192.168.8.99`,
        `tgtadm -C ${CP} --lld iscsi --mode target --op unbind --tid 1 --initiator-name ${stranger}`,
      ]);
      expect(
        await p.diff(TARGET_IQN, (await p.read(TARGET_IQN, await stored())).props as Props, inputs),
      ).toEqual(NO_DIFF);
    });

    test("everything in place: the live target, its sessions, and no drift", async () => {
      const sessions = [
        { initiator: NAME1, address: ADDRS[0] },
        { initiator: NAME2, address: ADDRS[1] },
      ];
      tgtOn(host, serving(otherTarget(1), ourTarget(2, { sessions })));
      const inputs = await checked(p, raw);
      const read = await p.read(TARGET_IQN, await stored());
      expect(read.props).toMatchObject({
        online: true,
        tid: 2,
        sessions: NAMES,
        initiatorAddresses: ADDRS,
        initiatorNames: NAMES,
      });
      expect(await p.diff(TARGET_IQN, read.props as Props, inputs)).toEqual(NO_DIFF);
      expect(scripts()).toEqual([probeScript(inputs as unknown as Inputs)]);
    });

    test("a changed IQN or directory replaces (the name is fixed); new initiators update in place", async () => {
      const inputs = await checked(p, raw);
      const olds = { ...inputs, tid: 1, sessions: [] };
      expect(await p.diff(TARGET_IQN, olds, { ...inputs, iqn: `${TARGET_IQN}b` })).toMatchObject({
        replaces: ["iqn"],
      });
      expect(await p.diff(TARGET_IQN, olds, { ...inputs, directory: `${TGT_DIR}b` })).toMatchObject({
        replaces: ["directory"],
      });
      expect(
        await p.diff(TARGET_IQN, olds, { ...inputs, initiatorAddresses: [...ADDRS, "192.168.8.123"] }),
      ).toEqual(IN_PLACE);
    });
  });

  describe("delete", () => {
    /** The target's files on `host` (LUN files, configuration), those that exist. */
    const filesLeft = () => [L1, L2, `${TGT_DIR}.conf`].filter((f) => fs.existsSync(host.at(f)));

    test("the last target on the host's tgtd: target deleted, tgtd stopped before the files go", async () => {
      tgtOn(host, serving(ourTarget(1)));
      host.write(`${TGT_DIR}.conf`, targetsConf(await inputsOf()));
      const tgtd = ownProcess("tgtd");
      host.write(`${TGT_DIR}.tgtd.pid`, `${tgtd.pid}\n`);
      const olds = { ...(await checked(p, raw)), tid: 1, sessions: [] };
      await p.delete(TARGET_IQN, olds);
      const all = scripts();
      expect(all).toHaveLength(2);
      const del = all[1];
      expect(del).toContain(`tgtadm -C ${CP} --lld iscsi --mode target --op delete --force --tid 1`);
      expect(del).toContain(`pid=$(cat ${TGT_DIR}.tgtd.pid)`);
      expect(del).toContain(`rm -f ${L1} ${L2} ${TGT_DIR}.conf`);
      expect(del.indexOf('kill "$pid"')).toBeLessThan(del.indexOf(`rm -f ${L1}`));
      bashSyntaxCheck(del);
      // Run for real: the target deleted, tgtd stopped, its pid file, the files and the directory gone.
      expect(host.log()).toContain(`tgtadm -C ${CP} --lld iscsi --mode target --op delete --force --tid 1`);
      expect(await tgtd.ended()).toBe(true);
      expect(host.read(`${TGT_DIR}.tgtd.pid`)).toBeUndefined();
      expect(filesLeft()).toEqual([]);
      expect(fs.existsSync(host.at(TGT_DIR))).toBe(false);
    });

    test("tgtd serves another target too: only ours is deleted, tgtd keeps running", async () => {
      tgtOn(host, serving(otherTarget(1), ourTarget(2)));
      const tgtd = ownProcess("tgtd");
      host.write(`${TGT_DIR}.tgtd.pid`, `${tgtd.pid}\n`);
      await p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 2, sessions: [] });
      const del = scripts()[1];
      expect(del).toContain("--op delete --force --tid 2");
      expect(del).not.toContain("kill");
      expect(del).toContain(`rm -f ${L1} ${L2} ${TGT_DIR}.conf`);
      expect(host.log().filter((l) => l.includes("--op delete"))).toEqual([
        `tgtadm -C ${CP} --lld iscsi --mode target --op delete --force --tid 2`,
      ]);
      expect(await tgtd.ended(200)).toBe(false);
      expect(host.read(`${TGT_DIR}.tgtd.pid`)).toBe(`${tgtd.pid}\n`);
      expect(filesLeft()).toEqual([]);
    });

    test("a stale pid file (tgtd gone, its pid now another process's): nobody is killed, the file goes", async () => {
      tgtOn(host, { running: false, availMiB: 5000, files: ALL_FILES });
      const stranger = ownProcess();
      host.write(`${TGT_DIR}.tgtd.pid`, `${stranger.pid}\n`);
      await p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 1, sessions: [] });
      expect(await stranger.ended(300)).toBe(false);
      expect(host.read(`${TGT_DIR}.tgtd.pid`)).toBeUndefined();
      expect(filesLeft()).toEqual([]);
    });

    test("tgtd already down: no tgtadm, the files still go", async () => {
      tgtOn(host, { running: false, availMiB: 5000, files: ALL_FILES });
      await p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 1, sessions: [] });
      expect(scripts()[1]).not.toContain("tgtadm");
      expect(scripts()[1]).toContain(`rm -f ${L1} ${L2}`);
      expect(filesLeft()).toEqual([]);
    });

    test("tgtadm failing to delete the target (in use): the delete fails naming the resource, the files stay", async () => {
      tgtOn(host, serving(ourTarget(1)));
      addFakes(host.fake, {
        tgtadm: `if [[ " $* " == *" --op delete "* ]]; then echo "tgtadm: this target is still active" >&2; exit 22; fi
${TGT_TOOLS.tgtadm}`,
      });
      const err = await failureOf(p.delete(TARGET_IQN, { ...(await checked(p, raw)), tid: 1, sessions: [] }));
      expect(err.message).toMatch(/^IscsiTarget "dev-iscsi-target": delete failed: .*exit code 22/);
      expect(err.message).toContain("tgtadm: this target is still active");
      expect(filesLeft()).toEqual([L1, L2, HOST_CONF]);
    });
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, Props, (inputs: Inputs) => string]>([
    ["iSCSI probeScript", {}, probeScript],
    ["iSCSI prepareScript on the KVM host", {}, prepareScript],
    ["iSCSI prepareScript on a node", { node: N3, controlPort: 0 }, prepareScript],
  ])("%s", async (_label, change, script) => {
    bashSyntaxCheck(script(await inputsOf({ ...raw, ...change })));
  });
});
