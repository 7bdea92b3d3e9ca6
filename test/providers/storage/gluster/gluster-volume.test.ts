/**
 * The GlusterVolume provider for data00 (replica 3 arbiter 1) on three nodes against the fake lab
 * (test/support/fake-lab.ts), with `gluster --xml` answers of test/fixtures/gluster-xml.ts, driven
 * as the engine drives it: check → create, read → diff → update, delete.
 */
import { callIndex, lab, on, ran, scripts, succeeds, theCall } from "../../../support/fake-lab";
import type { Props } from "../../../../providers/core/base";
import { GLUSTER } from "../../../../providers/storage/gluster/gluster-peers";
import {
  brickScript,
  clearStaleBrickScript,
  createCommand,
  glusterVolumeProvider,
  liveOptions,
  optionCommands,
  VOLUME_ID_DIR,
} from "../../../../providers/storage/gluster/gluster-volume";
import { bashSyntaxCheck } from "../../../support/bash";
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
  const CREATE = / volume create /;
  const stored = async () => ({ ...(await checked(p, raw)), volumeId: VOLUME_ID, initialOptions: INITIAL });
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
    const shrunk = { nodes: [N1, N2], bricks: BRICKS.slice(0, 2), replica: 2, arbiter: false };

    test("a layout change without allowDestructiveChanges: diff refuses, naming the fields and the setting", async () => {
      const news = await checked(p, { ...raw, ...shrunk });
      const err = await failureOf(p.diff("data00", await stored(), news));
      expect(err.message).toContain(
        'GlusterVolume "dev-gluster-volume": diff failed: changing replica, arbiter, bricks of volume data00 replaces it',
      );
      expect(err.message).toContain("allowDestructiveChanges");
      expect(lab.calls).toEqual([]);
    });

    test("with allowDestructiveChanges: a replacement, deleting first", async () => {
      const news = await checked(p, { ...raw, ...shrunk, allowDestructiveChanges: true });
      expect(await p.diff("data00", await stored(), news)).toEqual({
        changes: true,
        replaces: ["replica", "arbiter", "bricks"],
        deleteBeforeReplace: true,
      });
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

    test("the first node unreachable: the volume reads as stopped, not an error", async () => {
      lab.down = [N1.address];
      const read = await p.read("data00", await stored());
      expect(read.id).toBe("data00");
      expect(read.props).toMatchObject({ started: false });
    });
  });

  describe("delete", () => {
    beforeEach(() => succeeds(/ volume stop data00 force /, /\nrm -rf \/glvol00\n/));

    test("stops and deletes the volume on the first node and removes every brick", async () => {
      await p.delete("data00", await stored());
      expect(scripts(N1.address)[0]).toBe(
        `${GLUSTER} volume stop data00 force >/dev/null 2>&1 || true\n${GLUSTER} volume delete data00 >/dev/null 2>&1 || true`,
      );
      for (const n of [N1, N2, N3]) {
        const last = scripts(n.address).at(-1) ?? "";
        expect(last).toContain("rm -rf /glvol00");
        expect(last).toContain(`rm -f ${VOLUME_ID_DIR}/data00.volume-id`);
        bashSyntaxCheck(last);
      }
    });

    test("a node unreachable at delete does not fail the delete", async () => {
      lab.down = [N2.address];
      await expect(p.delete("data00", await stored())).resolves.toBeUndefined();
      expect(scripts(N2.address)).toEqual([]);
    });
  });
});
