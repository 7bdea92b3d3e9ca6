/**
 * The brick scripts of the GlusterVolume provider, run for real with bash against temporary
 * directories and fake `getfattr`/`setfattr` commands first on PATH.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { USER_ERROR_EXIT } from "../../../../providers/exec/node-exec";
import {
  brickScript,
  clearStaleBrickScript,
  VOLUME_ID_DIR,
} from "../../../../providers/storage/gluster/gluster-volume";
import { bashSyntaxCheck, fakeBin, removeTempDirs, runWithFakes, type FakeBin } from "../../../support/bash";
import { VOLUME_HEX } from "../../../fixtures/gluster-xml";

describe("brickScript, run for real against temporary directories", () => {
  let fake: FakeBin;
  let ids: string;

  beforeAll(() => {
    // Fakes of the attr tools: getfattr prints $FAKE_VOLUME_ID (nothing by default), setfattr logs.
    fake = fakeBin(
      {
        // Like the real one with -n NAME -e hex: "# file: DIR" then "NAME=0x…"; nothing when unset.
        getfattr: `[ -n "$FAKE_VOLUME_ID" ] || exit 1\neval "dir=\\\${$#}"\nprintf '# file: %s\\ntrusted.glusterfs.volume-id=%s\\n\\n' "$dir" "$FAKE_VOLUME_ID"`,
        setfattr: "",
      },
      { sandbox: true },
    );
    ids = path.join(fake.root, "volume-ids");
  });

  afterAll(removeTempDirs);

  /** Runs `script` with the fakes first on PATH and the volume-id directory moved into the temp dir. */
  function run(script: string, volumeId = "") {
    const local = script.split(VOLUME_ID_DIR).join(ids);
    expect(local).not.toContain("/var/lib/kvm-ha-lab");
    return runWithFakes(fake, local, "", { FAKE_VOLUME_ID: volumeId });
  }

  let n = 0;
  /** A fresh brick directory (not created) and its brick name. */
  function freshBrick(): { dir: string; brick: string } {
    const dir = path.join(fake.root, `brick${++n}`);
    return { dir, brick: `node01m:${dir}` };
  }

  test("a missing directory is created and ready; the attribute is read from the brick", () => {
    const { dir, brick } = freshBrick();
    const r = run(brickScript({ name: "data00" }, brick));
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: "ready\n",
      stderr: "",
    });
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.statSync(ids).isDirectory()).toBe(true);
    expect(fs.readFileSync(fake.log, "utf8")).toContain(`-n trusted.glusterfs.volume-id`);
    expect(fs.readFileSync(fake.log, "utf8")).toContain(dir);
  });

  test("an empty directory is ready", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(dir);
    const r = run(brickScript({ name: "data00" }, brick));
    expect([r.status, r.stdout]).toEqual([0, "ready\n"]);
  });

  test("a directory holding only lost+found (a fresh ext4) is ready", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, "lost+found"), { recursive: true });
    const r = run(brickScript({ name: "data00" }, brick));
    expect([r.status, r.stdout]).toEqual([0, "ready\n"]);
  });

  test.each([
    ["a file", "notes.txt"],
    ["a hidden file", ".keep"],
  ])("a directory with %s exits 65: not empty and not a brick", (_label, file) => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, file), "data\n");
    const r = run(brickScript({ name: "data00" }, brick));
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kvmlab: ${brick} is not empty and not a brick. Fix: empty it (its files would be hidden by the volume), or choose another gluster.brickPath\n`,
    );
    expect(fs.existsSync(path.join(dir, file))).toBe(true);
  });

  test("a brick of this volume (the id this node recorded) is stale; one of another volume is refused", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, ".glusterfs"), { recursive: true });
    fs.mkdirSync(ids, { recursive: true });
    fs.writeFileSync(path.join(ids, "data00.volume-id"), `0x${VOLUME_HEX}\n`);
    const stale = run(brickScript({ name: "data00" }, brick), `0x${VOLUME_HEX}`);
    expect([stale.status, stale.stdout]).toEqual([0, `stale 0x${VOLUME_HEX}\n`]);

    const foreign = run(brickScript({ name: "data00" }, brick), "0x00112233445566778899aabbccddeeff");
    expect(foreign.status).toBe(USER_ERROR_EXIT);
    expect(foreign.stderr).toContain(
      `kvmlab: ${brick} is a brick of another volume (volume-id 0x00112233445566778899aabbccddeeff). Fix:`,
    );
  });

  test("clearStaleBrickScript drops the volume id and .glusterfs but keeps the files", () => {
    const { dir, brick } = freshBrick();
    fs.mkdirSync(path.join(dir, ".glusterfs", "00"), { recursive: true });
    fs.writeFileSync(path.join(dir, "vm-disk.img"), "x");
    const r = run(clearStaleBrickScript(brick));
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, ".glusterfs"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "vm-disk.img"))).toBe(true);
    expect(fs.readFileSync(fake.log, "utf8")).toContain(`setfattr -x trusted.glusterfs.volume-id ${dir}`);
  });
});

describe("bash -n on every generated script", () => {
  test.each<[string, () => string]>([
    ["brickScript", () => brickScript({ name: "data00" }, "node01m:/glvol00")],
    [
      "brickScript with a brick device",
      () => brickScript({ name: "data00", brickDevice: "/dev/vdb" }, "node01m:/glvol00"),
    ],
    ["clearStaleBrickScript", () => clearStaleBrickScript("node01m:/glvol00")],
  ])("%s", (_label, script) => {
    bashSyntaxCheck(script());
  });
});
