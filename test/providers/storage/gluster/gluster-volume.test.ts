/**
 * The GlusterVolume provider for data00 (replica 3 arbiter 1) on three nodes against the fake lab
 * (test/support/fake-lab.ts), with `gluster --xml` answers of test/fixtures/gluster-xml.ts, driven
 * as the engine drives it: check → create, read → diff → update, delete.
 */
import {
  byDefault,
  callIndex,
  fakeMachine,
  forget,
  forReal,
  lab,
  on,
  ran,
  scripts,
  succeeds,
  theCall,
  type FakeMachine,
} from "../../../support/fake-lab";
import { GLUSTER_TOOLS, NODE_MOUNT_TOOLS } from "../../../fixtures/fake-tools";
import type { Props } from "../../../../providers/core/base";
import { GLUSTER } from "../../../../providers/storage/gluster/gluster-peers";
import {
  brickRemoveScript,
  brickScript,
  clearStaleBrickScript,
  createCommand,
  glusterVolumeProvider,
  liveOptions,
  optionCommands,
  VOLUME_ID_DIR,
  volumeDeleteScript,
} from "../../../../providers/storage/gluster/gluster-volume";
import { replicaChangeScript } from "../../../../providers/storage/gluster/replica-change";
import { addFakes, bashSyntaxCheck, failingTool } from "../../../support/bash";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  named,
  NO_DIFF,
} from "../../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import {
  BRICKS,
  data00,
  INITIAL,
  VOLUME_HEX,
  VOLUME_ID,
  volumeInfoXml,
  volumeStatusXml,
} from "../../../fixtures/gluster-xml";

const [N1, N2, N3] = [nodeAccess(1), nodeAccess(2), nodeAccess(3)];

describe("GlusterVolume", () => {
  const p = glusterVolumeProvider;
  const raw = named(
    {
      nodes: [N1, N2, N3],
      sshPrivateKey: PROGRAM_KEY,
      name: "data00",
      replica: 3,
      arbiter: true,
      transport: "tcp",
      bricks: BRICKS,
      options: { "performance.cache-size": "64MB" },
      allowDestructiveChanges: false,
    },
    "dev-gluster-volume",
  );
  type Inputs = Parameters<typeof createCommand>[0];
  const INFO = /--xml volume info/;
  const STATUS = /--xml volume status/;
  const BRICK = /getfattr/;
  /** The read's probe of a brick's node (brick-state.ts). */
  const BRICK_PROBE = /^echo "== volume-id"/;
  const CREATE = / volume create /;
  const stored = async () => ({ ...(await checked(p, raw)), volumeId: VOLUME_ID, initialOptions: INITIAL });
  /** data00 stored as one replica set of three without an arbiter. */
  const plainStored = async () => ({ ...(await stored()), arbiter: false });
  /** data00 on node01 and node02 only, one replica set of two. */
  const shrunk = { nodes: [N1, N2], bricks: BRICKS.slice(0, 2), replica: 2, arbiter: false };
  const record = `mkdir -p ${VOLUME_ID_DIR} && echo 0x${VOLUME_HEX} > ${VOLUME_ID_DIR}/data00.volume-id`;
  /** gluster's changes and the brick scripts that print nothing (run for real in brick-script.test.ts). */
  const CHANGES = [/setfattr -x/, CREATE, /^set -e\n/, / volume start data00 force /, /\.volume-id$/];

  describe("options", () => {
    const configured = { "performance.cache-size": "64MB" };

    test("liveOptions: gluster's own initial options are left out unless changed or configured", () => {
      const drifted = { ...INITIAL, "performance.cache-size": "32MB", "features.shard": "on" };
      expect(liveOptions(drifted, INITIAL, configured)).toEqual({
        "performance.cache-size": "32MB",
        "features.shard": "on",
      });
      const offNfs = { ...INITIAL, "nfs.disable": "off" };
      expect(liveOptions(offNfs, INITIAL, {})).toEqual({ "nfs.disable": "off" });
      expect(liveOptions(INITIAL, INITIAL, { "nfs.disable": "on" })).toEqual({ "nfs.disable": "on" });
      expect(liveOptions(INITIAL, INITIAL, {})).toEqual({});
    });

    test("optionCommands: set what differs or is missing, reset what is not configured, never an initial option", () => {
      expect(
        optionCommands(
          "data00",
          { "performance.cache-size": "32MB", "features.shard": "on" },
          { "performance.cache-size": "64MB", "auth.allow": "192.168.9.*" },
          INITIAL,
        ),
      ).toEqual([
        `${GLUSTER} volume set data00 performance.cache-size 64MB`,
        `${GLUSTER} volume set data00 auth.allow '192.168.9.*'`,
        `${GLUSTER} volume reset data00 features.shard`,
      ]);
      expect(optionCommands("data00", INITIAL, {}, INITIAL)).toEqual([]);
      expect(optionCommands("data00", configured, configured, INITIAL)).toEqual([]);
      // An initial option changed out of band goes back to gluster's value.
      expect(optionCommands("data00", { "nfs.disable": "off" }, {}, INITIAL)).toEqual([
        `${GLUSTER} volume reset data00 nfs.disable`,
      ]);
    });
  });

  describe("createCommand", () => {
    test("replica 3 arbiter 1, with transport tcp and force", async () => {
      const inputs = (await checked(p, raw)) as unknown as Inputs;
      expect(createCommand(inputs)).toBe(
        `${GLUSTER} volume create data00 replica 3 arbiter 1 transport tcp ${BRICKS.join(" ")} force`,
      );
    });

    test("replica 2", async () => {
      const inputs = (await checked(p, {
        ...raw,
        nodes: [N1, N2],
        bricks: BRICKS.slice(0, 2),
        replica: 2,
        arbiter: false,
      })) as unknown as Inputs;
      expect(createCommand(inputs)).toBe(
        `${GLUSTER} volume create data00 replica 2 transport tcp node01m:/glvol00 node02m:/glvol00 force`,
      );
    });
  });

  describe("check", () => {
    test("one brick per node, sets of replica, arbiter only with replica 3", async () => {
      const two = { nodes: [N1, N2], bricks: BRICKS.slice(0, 2) };
      expect(await failedProperties(p, { ...raw, bricks: two.bricks })).toEqual(["bricks", "replica"]);
      expect(await failedProperties(p, { ...raw, ...two, replica: 2 })).toEqual(["arbiter"]);
      const trailingSlash = ["node01m:/glvol00/", ...BRICKS.slice(1)];
      expect(await failedProperties(p, { ...raw, bricks: trailingSlash })).toEqual(["bricks[0]"]);
    });
  });

  describe("diff", () => {
    test("a layout change without allowDestructiveChanges: diff refuses, naming the fields and the setting", async () => {
      const news = await checked(p, { ...raw, ...shrunk });
      const err = await failureOf(p.diff("data00", await stored(), news));
      expect(err.message).toContain(
        'GlusterVolume "dev-gluster-volume": diff failed: changing arbiter, layout of volume data00 replaces it',
      );
      expect(err.message).toContain("allowDestructiveChanges");
      expect(lab.calls).toEqual([]);
    });

    test("with allowDestructiveChanges: a replacement, deleting first", async () => {
      const news = await checked(p, { ...raw, ...shrunk, allowDestructiveChanges: true });
      expect(await p.diff("data00", await stored(), news)).toEqual({
        changes: true,
        replaces: ["arbiter", "layout"],
        deleteBeforeReplace: true,
      });
    });

    test("a node's brick added to or taken out of the one replica set: in place, without allowDestructiveChanges", async () => {
      const two = { ...(await plainStored()), nodes: [N1, N2], bricks: BRICKS.slice(0, 2), replica: 2 };
      const three = await checked(p, { ...raw, arbiter: false });
      expect(await p.diff("data00", two, three)).toEqual(IN_PLACE);
      expect(await p.diff("data00", await plainStored(), await checked(p, { ...raw, ...shrunk }))).toEqual(
        IN_PLACE,
      );
      // The kept bricks in another order cannot be made online: a new layout, refused.
      const swapped = await checked(p, { ...raw, arbiter: false, bricks: [BRICKS[1], BRICKS[0], BRICKS[2]] });
      expect((await failureOf(p.diff("data00", two, swapped))).message).toContain(
        "changing layout of volume data00 replaces it",
      );
    });

    test("an option change (or the setting itself) updates in place", async () => {
      const olds = await stored();
      const inputs = await checked(p, raw);
      const options = { "performance.cache-size": "128MB" };
      expect(await p.diff("data00", olds, { ...inputs, options })).toEqual(IN_PLACE);
      expect(await p.diff("data00", olds, { ...inputs, allowDestructiveChanges: true })).toEqual(IN_PLACE);
      expect(await p.diff("data00", olds, inputs)).toEqual(NO_DIFF);
    });
  });

  describe("create", () => {
    test("a brick that is not empty and not a brick: the error names the node and the brick; nothing created", async () => {
      on(INFO, { stdout: volumeInfoXml() });
      on(
        BRICK,
        {
          code: 65,
          stderr:
            "kvmlab: node02m:/glvol00 is not empty and not a brick. Fix: empty it (its files would be hidden by the volume), or choose another gluster.brickPath\n",
        },
        N2.address,
      );
      on(BRICK, { stdout: "ready\n" });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(/^GlusterVolume "dev-gluster-volume": create failed: /);
      expect(err.message).toContain(
        "on 192.168.8.122 (node02m:/glvol00): node02m:/glvol00 is not empty and not a brick. Fix:",
      );
      expect(err.message).not.toContain("getfattr");
      expect(ran(CREATE)).toBe(false);
      expect(ran(/setfattr -x/)).toBe(false);
    });

    test("a fresh volume on a stale brick: every brick checked, the stale id cleared, then created, set and started", async () => {
      on(INFO, () => ({
        stdout: ran(CREATE) ? volumeInfoXml(data00({ status: 0, options: INITIAL })) : volumeInfoXml(),
      }));
      on(BRICK, { stdout: `stale 0x${VOLUME_HEX}\n` }, N1.address);
      on(BRICK, { stdout: "ready\n" });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      succeeds(...CHANGES);
      const inputs = await checked(p, raw);
      const { id, outs } = await p.create(inputs);

      expect(id).toBe("data00");
      expect(outs).toMatchObject({ volumeId: VOLUME_ID, initialOptions: INITIAL });
      const typed = inputs as unknown as Inputs;
      BRICKS.forEach((brick, i) =>
        expect(scripts(nodeAccess(i + 1).address)).toContain(brickScript(typed, brick)),
      );
      const clear = callIndex(/setfattr -x/);
      expect(lab.calls[clear]).toMatchObject({
        where: N1.address,
        script: clearStaleBrickScript(BRICKS[0]),
      });
      expect(lab.calls.filter((c) => /setfattr -x/.test(c.script))).toHaveLength(1);
      for (const n of [N1, N2, N3]) expect(callIndex(BRICK, n.address)).toBeLessThan(clear);
      const create = callIndex(CREATE);
      expect(clear).toBeLessThan(create);
      expect(lab.calls[create]).toMatchObject({ where: N1.address, script: createCommand(typed) });
      expect(theCall(/^set -e\n.* volume set /).script).toBe(
        `set -e\n${GLUSTER} volume set data00 performance.cache-size 64MB\n${GLUSTER} volume start data00`,
      );
      expect(ran(/start data00 force/)).toBe(false);
      expect(ran(/volume reset/)).toBe(false);
      for (const n of [N1, N2, N3]) expect(scripts(n.address)).toContain(record);
    });

    test("an existing volume of another layout is refused with the fix", async () => {
      on(INFO, { stdout: volumeInfoXml(data00({ replica: 2, arbiter: 0, bricks: BRICKS.slice(0, 2) })) });
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toContain(
        "volume data00 exists with another layout (replica 2, bricks node01m:/glvol00 node02m:/glvol00)",
      );
      expect(err.message).toContain("Fix:");
      expect(ran(BRICK)).toBe(false);
      expect(ran(CREATE)).toBe(false);
    });
  });

  describe("read → diff → update", () => {
    /** Each brick's node as the converge leaves it: the volume's id recorded (no brick device). */
    beforeEach(() => byDefault(BRICK_PROBE, { stdout: `== volume-id\n0x${VOLUME_HEX}\n` }));

    test("a missing volume is gone (empty id)", async () => {
      on(INFO, { stdout: volumeInfoXml(data00({ name: "other" })) });
      expect(await p.read("data00", await stored())).toEqual({ id: "", props: {} });
    });

    test("a healthy volume: no drift", async () => {
      on(INFO, { stdout: volumeInfoXml(data00()) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({
        started: true,
        bricksOnline: true,
        replica: 3,
        arbiter: true,
        bricks: BRICKS,
        options: { "performance.cache-size": "64MB" },
      });
      expect(await p.diff("data00", read.props as Props, await checked(p, raw))).toEqual(NO_DIFF);
    });

    test("stopped, an option changed and one added out of band: update sets, resets and starts, no replace", async () => {
      const drifted = data00({
        status: 2,
        options: { ...INITIAL, "performance.cache-size": "32MB", "features.shard": "on" },
      });
      on(INFO, { stdout: volumeInfoXml(drifted) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      succeeds(...CHANGES);
      const inputs = await checked(p, raw);
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({
        started: false,
        options: { "performance.cache-size": "32MB", "features.shard": "on" },
      });
      expect(await p.diff("data00", read.props as Props, inputs)).toEqual(IN_PLACE);

      lab.calls = [];
      const { outs } = await p.update("data00", read.props as Props, inputs);
      expect(theCall(/^set -e\n/).script).toBe(
        [
          "set -e",
          `${GLUSTER} volume set data00 performance.cache-size 64MB`,
          `${GLUSTER} volume reset data00 features.shard`,
          `${GLUSTER} volume start data00`,
        ].join("\n"),
      );
      expect(ran(CREATE)).toBe(false);
      expect(ran(BRICK)).toBe(false);
      expect(outs).toMatchObject({ initialOptions: INITIAL, volumeId: VOLUME_ID });
    });

    test.each<[string, Parameters<typeof data00>[0], string]>([
      [
        "another replica count (replica 3 without the arbiter)",
        { arbiter: 0 },
        "changing arbiter of volume data00 replaces it",
      ],
      [
        "another brick list (node03's brick moved)",
        { bricks: [BRICKS[0] ?? "", BRICKS[1] ?? "", "node03m:/glvol01"] },
        "changing layout of volume data00 replaces it",
      ],
    ])(
      "volume info with %s: read reports it; the preview refuses the replacement without allowDestructiveChanges",
      async (_what, live, refusal) => {
        on(INFO, { stdout: volumeInfoXml(data00(live)) });
        on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
        const read = await p.read("data00", await stored());
        expect(read.props).toMatchObject({
          replica: 3,
          arbiter: (live?.arbiter ?? 1) > 0,
          bricks: live?.bricks ?? BRICKS,
        });
        const err = await failureOf(p.diff("data00", read.props as Props, await checked(p, raw)));
        expect(err.message).toContain(refusal);
        expect(err.message).toContain("gluster.allowDestructiveChanges");
        // Allowed, it is a replacement that deletes the live volume first.
        const allowed = await checked(p, { ...raw, allowDestructiveChanges: true });
        expect(await p.diff("data00", read.props as Props, allowed)).toMatchObject({
          changes: true,
          deleteBeforeReplace: true,
        });
      },
    );

    test("a brick process down: bricksOnline false; update restarts the bricks with start force", async () => {
      on(INFO, { stdout: volumeInfoXml(data00()) });
      on(STATUS, { stdout: volumeStatusXml([true, true, false]) });
      succeeds(...CHANGES);
      const inputs = await checked(p, raw);
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({ started: true, bricksOnline: false });
      expect(await p.diff("data00", read.props as Props, inputs)).toEqual(IN_PLACE);
      lab.calls = [];
      await p.update("data00", read.props as Props, inputs);
      expect(scripts(N1.address)).toContain(`${GLUSTER} volume start data00 force >/dev/null`);
      expect(ran(/^set -e\n/)).toBe(false);
    });

    test.each<[string, string]>([
      ["missing", "== volume-id\n"],
      ["another volume's", "== volume-id\n0x00112233445566778899aabbccddeeff\n"],
    ])(
      "node02's volume-id record %s: volumeIdRecorded false; the update records the id on every brick's node",
      async (_what, probe) => {
        on(INFO, { stdout: volumeInfoXml(data00()) });
        on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
        on(BRICK_PROBE, { stdout: probe }, N2.address);
        succeeds(...CHANGES);
        const inputs = await checked(p, raw);
        const read = await p.read("data00", await stored());
        expect(read.props).toMatchObject({ volumeIdRecorded: false, bricksMounted: true });
        expect(lab.calls.filter((c) => BRICK_PROBE.test(c.script)).map((c) => c.where)).toEqual(
          [N1, N2, N3].map((n) => n.address),
        );
        expect(await p.diff("data00", read.props as Props, inputs)).toEqual(IN_PLACE);
        lab.calls = [];
        await p.update("data00", read.props as Props, inputs);
        for (const n of [N1, N2, N3]) expect(scripts(n.address)).toContain(record);
        expect(ran(CREATE)).toBe(false);
        expect(ran(/brick's ext4/)).toBe(false);
      },
    );

    test("node02 unreachable: its record is not there to read (volumeIdRecorded false)", async () => {
      on(INFO, { stdout: volumeInfoXml(data00()) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      lab.down = [N2.address];
      const read = await p.read("data00", await stored());
      expect(read.props).toMatchObject({ started: true, volumeIdRecorded: false });
    });

    /**
     * With a brick device, the brick nodes' probe and repair run for real: each node has /dev/vdb
     * (ext4) mounted on /glvol00 through its fstab line, and the volume's id recorded.
     */
    describe("with a brick device", () => {
      const DEVICE = "/dev/vdb";
      const FSTAB = "/etc/fstab";
      const LINE = `${DEVICE} /glvol00 ext4 defaults 0 2`;
      const REPAIR = /not the brick's ext4/;
      const withDevice = async () => ({
        ...(await checked(p, { ...raw, brickDevice: DEVICE })),
        volumeId: VOLUME_ID,
        initialOptions: INITIAL,
      });

      function brickNodes(): FakeMachine[] {
        return [N1, N2, N3].map((n) => {
          const m = fakeMachine(NODE_MOUNT_TOOLS, { paths: ["/glvol00", VOLUME_ID_DIR, FSTAB, DEVICE] });
          m.write(`${VOLUME_ID_DIR}/data00.volume-id`, `0x${VOLUME_HEX}\n`);
          m.write(DEVICE, "ext4\n");
          m.write(FSTAB, m.inside(`UUID=0a1b / ext4 defaults 0 1\n${LINE}\n`));
          m.state("blkid-type", "ext4\n");
          m.state("source", `${m.at(DEVICE)}\n`);
          m.state("mounted", "");
          on(BRICK_PROBE, forReal(m), n.address);
          on(REPAIR, forReal(m), n.address);
          return m;
        });
      }

      test("as created: no drift", async () => {
        brickNodes();
        on(INFO, { stdout: volumeInfoXml(data00()) });
        on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
        const read = await p.read("data00", await withDevice());
        expect(read.props).toMatchObject({ volumeIdRecorded: true, bricksMounted: true });
        const news = await checked(p, { ...raw, brickDevice: DEVICE });
        expect(await p.diff("data00", read.props as Props, news)).toEqual(NO_DIFF);
      });

      test("node02's brick unmounted and its fstab line gone: bricksMounted false; the update puts both back, then restarts the brick", async () => {
        const [m1, m2, m3] = brickNodes();
        (m2 as FakeMachine).state("mounted", undefined);
        (m2 as FakeMachine).write(FSTAB, "UUID=0a1b / ext4 defaults 0 1\n");
        on(INFO, { stdout: volumeInfoXml(data00()) });
        on(STATUS, { stdout: volumeStatusXml([true, false, true]) });
        succeeds(...CHANGES);
        const news = await checked(p, { ...raw, brickDevice: DEVICE });
        const read = await p.read("data00", await withDevice());
        expect(read.props).toMatchObject({
          bricksMounted: false,
          bricksOnline: false,
          volumeIdRecorded: true,
        });
        expect(await p.diff("data00", read.props as Props, news)).toEqual(IN_PLACE);

        lab.calls = [];
        await p.update("data00", read.props as Props, news);
        expect(m2?.stateOf("mounted")).toBe("");
        expect(m2?.outside(m2.read(FSTAB) ?? "")).toBe(`UUID=0a1b / ext4 defaults 0 1\n${LINE}\n`);
        expect(m2?.log()).toContain("mount /glvol00");
        for (const m of [m1, m3])
          expect((m as FakeMachine).log().filter((l) => l.startsWith("mount "))).toEqual([]);
        // Mounted first, then the brick process restarted by the converge.
        expect(callIndex(REPAIR, N2.address)).toBeLessThan(callIndex(/ volume start data00 force /));
        for (const m of [m1, m2, m3])
          expect((m as FakeMachine).log().filter((l) => l.startsWith("mkfs"))).toEqual([]);
        // Read again: as created.
        forget();
        on(INFO, { stdout: volumeInfoXml(data00()) });
        on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
        on(BRICK_PROBE, forReal(m1 as FakeMachine), N1.address);
        on(BRICK_PROBE, forReal(m2 as FakeMachine), N2.address);
        on(BRICK_PROBE, forReal(m3 as FakeMachine), N3.address);
        expect((await p.read("data00", await withDevice())).props).toMatchObject({ bricksMounted: true });
      });

      test("a brick device that lost its ext4 is drift; the update refuses to make a new one, with the fix", async () => {
        const [, m2] = brickNodes();
        (m2 as FakeMachine).state("blkid-type", undefined);
        on(INFO, { stdout: volumeInfoXml(data00()) });
        on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
        const read = await p.read("data00", await withDevice());
        expect(read.props).toMatchObject({ bricksMounted: false });
        const err = await failureOf(
          p.update("data00", read.props as Props, await checked(p, { ...raw, brickDevice: DEVICE })),
        );
        expect(err.message).toContain(
          `on 192.168.8.122 (node02m:/glvol00): ${DEVICE} holds no file system, not the brick's ext4: the brick's data on this node is gone. Fix: gluster volume reset-brick`,
        );
        expect(m2?.log().filter((l) => l.startsWith("mkfs") || l.startsWith("mount "))).toEqual([]);
      });
    });

    test("node03 joins: its brick readied, added from node01 and healed, then the usual converge records the id on all three", async () => {
      const olds = { ...(await plainStored()), nodes: [N1, N2], bricks: BRICKS.slice(0, 2), replica: 2 };
      on(INFO, { stdout: volumeInfoXml(data00({ arbiter: 0 })) });
      on(STATUS, { stdout: volumeStatusXml([true, true, true]) });
      on(BRICK, { stdout: "ready\n" });
      on(/ volume add-brick /, { stdout: "grown\nhealed\n" });
      succeeds(...CHANGES);
      const news = await checked(p, { ...raw, arbiter: false });
      const { outs } = await p.update("data00", olds, news);
      expect(outs).toMatchObject({ volumeId: VOLUME_ID });
      expect(lab.calls.filter((c) => BRICK.test(c.script)).map((c) => c.where)).toEqual([N3.address]);
      const change = callIndex(/ volume add-brick /);
      expect(lab.calls[change]).toMatchObject({
        where: N1.address,
        script: replicaChangeScript("data00", { kind: "grow", replica: 3, bricks: [BRICKS[2]] }),
      });
      expect(callIndex(BRICK)).toBeLessThan(change);
      expect(ran(CREATE)).toBe(false);
      for (const n of [N1, N2, N3]) expect(scripts(n.address)).toContain(record);
    });

    test("node03 leaves: the change runs on node01 (remove-brick after the heal), nothing on node03", async () => {
      on(INFO, { stdout: volumeInfoXml(data00({ arbiter: 0, replica: 2, bricks: BRICKS.slice(0, 2) })) });
      on(STATUS, { stdout: volumeStatusXml([true, true]) });
      on(/ volume remove-brick /, { stdout: "healed\nshrunk\n" });
      succeeds(...CHANGES);
      const news = await checked(p, { ...raw, ...shrunk });
      await p.update("data00", await plainStored(), news);
      expect(theCall(/ volume remove-brick /)).toMatchObject({
        where: N1.address,
        script: replicaChangeScript("data00", { kind: "shrink", replica: 2, bricks: [BRICKS[2]] }),
      });
      expect(lab.calls.filter((c) => c.where === N3.address)).toEqual([]);
    });

    test("the first node unreachable: the volume reads as stopped, not an error", async () => {
      lab.down = [N1.address];
      const read = await p.read("data00", await stored());
      expect(read.id).toBe("data00");
      expect(read.props).toMatchObject({ started: false });
    });
  });

  /**
   * The delete, run for real on three fake nodes (glusterd, the mount tools and wipefs of
   * test/fixtures/fake-tools.ts): node01 holds data00 in the given state, every node its brick
   * /glvol00 with a file and its record of the volume id; with a brick device, /dev/vdb mounted on
   * the brick and listed in /etc/fstab.
   */
  describe("delete", () => {
    const BRICK_DIR = "/glvol00";
    const ID_FILE = `${VOLUME_ID_DIR}/data00.volume-id`;
    const FSTAB = "/etc/fstab";
    const DEVICE = "/dev/vdb";
    const FIX =
      "Fix: start glusterd on every node (systemctl start glusterd) and check that the peers are connected (gluster peer status); then run pulumi destroy again";

    function nodes(opts: { volume?: "Started" | "Stopped" | "gone"; device?: boolean } = {}): FakeMachine[] {
      return [N1, N2, N3].map((n, i) => {
        const m = fakeMachine(
          { ...GLUSTER_TOOLS, ...NODE_MOUNT_TOOLS, wipefs: "" },
          { paths: [BRICK_DIR, VOLUME_ID_DIR, FSTAB, DEVICE] },
        );
        m.state("glusterd-running", "");
        if (i === 0 && opts.volume !== "gone") m.state("volume.data00", opts.volume ?? "Started");
        m.write(`${BRICK_DIR}/hello`, "data\n");
        m.write(ID_FILE, `0x${VOLUME_HEX}\n`);
        m.write(
          FSTAB,
          m.inside(
            `UUID=0a1b / ext4 defaults 0 1\n${opts.device ? `${DEVICE} ${BRICK_DIR} ext4 defaults 0 2\n` : ""}`,
          ),
        );
        if (opts.device) {
          m.write(DEVICE, "ext4 signature\n");
          m.state("mounted", "");
        }
        on(/[\s\S]*/, forReal(m), n.address);
        return m;
      });
    }
    /** What is left of the brick on a node: its files and the volume id record. */
    const brickLeft = (m: FakeMachine) => ({ hello: m.read(`${BRICK_DIR}/hello`), id: m.read(ID_FILE) });
    const KEPT = { hello: "data\n", id: `0x${VOLUME_HEX}\n` };
    const GONE = { hello: undefined, id: undefined };
    const withDevice = async () => ({ ...(await stored()), brickDevice: DEVICE });

    test("stops and deletes the volume on the first node, then removes every brick and its record", async () => {
      const [m1, m2, m3] = nodes();
      await p.delete("data00", await stored());
      expect(scripts(N1.address)[0]).toBe(volumeDeleteScript("data00"));
      expect(m1.log()).toEqual([`${GLUSTER} volume stop data00 force`, `${GLUSTER} volume delete data00`]);
      expect(m1.stateOf("volume.data00")).toBeUndefined();
      for (const m of [m1, m2, m3]) expect(brickLeft(m)).toEqual(GONE);
      [N1, N2, N3].forEach((n, i) => {
        expect(scripts(n.address).at(-1)).toBe(brickRemoveScript({ name: "data00" }, BRICKS[i] ?? ""));
      });
    });

    test.each<["Stopped" | "gone", string[]]>([
      ["Stopped", [`${GLUSTER} volume stop data00 force`, `${GLUSTER} volume delete data00`]],
      ["gone", [`${GLUSTER} volume stop data00 force`]],
    ])("a volume %s (checked: gluster says so) is no failure; the bricks go", async (volume, ran) => {
      const machines = nodes({ volume });
      await expect(p.delete("data00", await stored())).resolves.toBeUndefined();
      expect(machines[0]?.log()).toEqual(ran);
      for (const m of machines) expect(brickLeft(m)).toEqual(GONE);
    });

    test.each<[string, (m: FakeMachine) => void, string]>([
      [
        "glusterd down",
        (m) => m.state("glusterd-running", undefined),
        "gluster volume stop data00 failed: Connection failed. Please check if gluster daemon is operational",
      ],
      [
        "the stop refused (a peer disconnected)",
        (m) =>
          m.state(
            "fails.volume-stop",
            "volume stop: data00: failed: Staging failed on node02m. Please check log file for details.\n",
          ),
        "gluster volume stop data00 failed: volume stop: data00: failed: Staging failed on node02m. Please check log file for details",
      ],
      [
        "the delete refused",
        (m) => m.state("fails.volume-delete", "volume delete: data00: failed: Some of the peers are down\n"),
        "gluster volume delete data00 failed: volume delete: data00: failed: Some of the peers are down",
      ],
    ])(
      "%s: the delete fails with gluster's words and the fix; every brick keeps its data",
      async (_what, breakIt, says) => {
        const machines = nodes();
        breakIt(machines[0] as FakeMachine);
        const err = await failureOf(p.delete("data00", await stored()));
        expect(err.message).toBe(
          `GlusterVolume "dev-gluster-volume": delete failed: on 192.168.8.121: ${says}. ${FIX}`,
        );
        for (const m of machines) expect(brickLeft(m)).toEqual(KEPT);
        expect(scripts(N2.address)).toEqual([]);
      },
    );

    test("with a brick device: the file system unmounted, wiped and out of fstab, then the directory removed", async () => {
      const machines = nodes({ device: true });
      await p.delete("data00", await withDevice());
      for (const m of machines) {
        expect(m.log().filter((l) => !l.startsWith("gluster"))).toEqual([
          `mountpoint -q ${BRICK_DIR}`,
          `umount ${BRICK_DIR}`,
          `wipefs -a -q ${DEVICE}`,
        ]);
        expect(m.stateOf("mounted")).toBeUndefined();
        expect(m.outside(m.read(FSTAB) ?? "")).toBe("UUID=0a1b / ext4 defaults 0 1\n");
        expect(brickLeft(m)).toEqual(GONE);
      }
    });

    test.each<[string, (m: FakeMachine) => void, string]>([
      [
        "a busy brick mount",
        (m) => m.state("busy", ""),
        `umount ${BRICK_DIR} failed: umount: ${BRICK_DIR}: target is busy. Fix: stop what uses it (fuser -vm ${BRICK_DIR}), then run pulumi destroy again`,
      ],
      [
        "wipefs refusing",
        (m) =>
          addFakes(m.fake, {
            wipefs: `echo "wipefs: error: ${DEVICE}: probing initialization failed: Device or resource busy" >&2; exit 1`,
          }),
        `wiping ${DEVICE} failed: wipefs: error: ${DEVICE}: probing initialization failed: Device or resource busy. Fix: see lsblk ${DEVICE} on the node, then run pulumi destroy again`,
      ],
    ])(
      "%s on node02 fails the delete naming the node, the brick and the fix; its files stay, the other bricks go",
      async (_what, breakIt, says) => {
        const [m1, m2, m3] = nodes({ device: true });
        breakIt(m2 as FakeMachine);
        const err = await failureOf(p.delete("data00", await withDevice()));
        expect(err.message).toBe(
          `GlusterVolume "dev-gluster-volume": delete failed: on 192.168.8.122 (node02m:/glvol00): ${says}`,
        );
        expect(brickLeft(m2 as FakeMachine)).toEqual(KEPT);
        for (const m of [m1, m3]) expect(brickLeft(m as FakeMachine)).toEqual(GONE);
      },
    );

    test("rm failing on a brick fails the delete with rm's words", async () => {
      const [, m2] = nodes();
      addFakes((m2 as FakeMachine).fake, {
        rm: failingTool("rm", "rm: cannot remove '/glvol00/hello': Read-only file system"),
      });
      const err = await failureOf(p.delete("data00", await stored()));
      expect(err.message).toMatch(
        /^GlusterVolume "dev-gluster-volume": delete failed: ssh root@192\.168\.8\.122:22: command failed with exit code 1: /,
      );
      expect(err.message).toContain("stderr: rm: cannot remove '/glvol00/hello': Read-only file system");
    });

    test("failures on two nodes are both named", async () => {
      const [, m2, m3] = nodes({ device: true });
      for (const m of [m2, m3]) (m as FakeMachine).state("busy", "");
      const err = await failureOf(p.delete("data00", await withDevice()));
      expect(err.message).toContain("on 192.168.8.122 (node02m:/glvol00): umount /glvol00 failed");
      expect(err.message).toContain("on 192.168.8.123 (node03m:/glvol00): umount /glvol00 failed");
    });

    test("a brick's node unreachable: its brick stays, the others go, the delete succeeds", async () => {
      const [m1, m2, m3] = nodes();
      lab.down = [N2.address];
      await expect(p.delete("data00", await stored())).resolves.toBeUndefined();
      expect(scripts(N2.address)).toEqual([]);
      expect(brickLeft(m2 as FakeMachine)).toEqual(KEPT);
      for (const m of [m1, m3]) expect(brickLeft(m as FakeMachine)).toEqual(GONE);
    });

    test("the first node unreachable: whether the volume is gone is unknown, so every brick stays", async () => {
      const machines = nodes();
      lab.down = [N1.address];
      await expect(p.delete("data00", await stored())).resolves.toBeUndefined();
      expect(lab.calls).toEqual([]);
      for (const m of machines) expect(brickLeft(m)).toEqual(KEPT);
    });

    test("the delete's scripts pass bash -n", async () => {
      bashSyntaxCheck(volumeDeleteScript("data00"));
      bashSyntaxCheck(brickRemoveScript({ name: "data00", brickDevice: DEVICE }, "node01m:/glvol00"));
      bashSyntaxCheck(brickRemoveScript({ name: "data00" }, "node01m:/glvol00"));
    });
  });
});
