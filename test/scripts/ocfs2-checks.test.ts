/**
 * The OCFS2 e2e's checks (scripts/ocfs2-checks.sh), run by bash on what the lab prints: findmnt's
 * pairs, `mounted.ocfs2 -f` in ocfs2-tools 1.8.7's layout, the writer's log and the kernel's
 * journal replay messages. No lab is involved.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeBin, removeTempDirs, runWithFakes, tempDir } from "../support/bash";

const REPO = path.resolve(__dirname, "..", "..");

afterEach(removeTempDirs);

/** Runs `body` after sourcing ocfs2-checks.sh, with `stdin`. */
function check(body: string, stdin = "") {
  const r = runWithFakes(fakeBin({}), `source "${REPO}/scripts/ocfs2-checks.sh"\n${body}`, stdin);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const UUID = "A53BAF65-48A3-4456-8D70-9BB62B2EC7B4";
const MOUNT = `FSTYPE="ocfs2" OPTIONS="rw,relatime,_netdev,heartbeat=local,nointr,data=ordered,errors=remount-ro,atime_quantum=60,coherency=full,user_xattr,acl" UUID="${UUID}"`;

/** `mounted.ocfs2 -f` of 1.8.7 with local heartbeat (the F column empty). */
const MOUNTED = `Device                Stack  Cluster  F  Nodes
/dev/sdb              o2cb   ocfs2       vm-host03, vm-host02, vm-host04
/dev/sdc              o2cb   ocfs2       Not mounted
`;

describe("the mount", () => {
  test("an OCFS2 mount in cluster mode prints its UUID", () => {
    expect(check("ocfs2_mount_uuid", MOUNT)).toEqual({ status: 0, stdout: `${UUID}\n`, stderr: "" });
  });

  test("read-only, without heartbeat=local (local mode) or _netdev, another type, or nothing: fails saying why", () => {
    expect(check("ocfs2_mount_uuid", MOUNT.replace("rw,", "ro,"))).toMatchObject({
      status: 1,
      stderr: expect.stringContaining("lack rw") as string,
    });
    expect(check("ocfs2_mount_uuid", MOUNT.replace("heartbeat=local", "heartbeat=none")).stderr).toContain(
      "lack heartbeat=local",
    );
    expect(check("ocfs2_mount_uuid", MOUNT.replace("_netdev,", "")).stderr).toContain("lack _netdev");
    expect(check("ocfs2_mount_uuid", MOUNT.replace('"ocfs2"', '"ext4"')).stderr).toBe(
      "the mount is ext4, not ocfs2\n",
    );
    expect(check("ocfs2_mount_uuid", "")).toMatchObject({ status: 1, stderr: "nothing is mounted there\n" });
  });

  test("every node's UUID names the same volume, with or without dashes", () => {
    expect(check(`ocfs2_same_uuid ${UUID} ${UUID.replace(/-/g, "")} ${UUID.toLowerCase()}`).status).toBe(0);
    expect(check(`ocfs2_same_uuid ${UUID} 0${UUID.slice(1)}`).status).toBe(1);
    expect(check("ocfs2_same_uuid").status).toBe(1);
  });
});

describe("mounted.ocfs2 -f", () => {
  test("lists the nodes of a device, none when not mounted, fails for a device it does not show", () => {
    expect(check("ocfs2_mounted_nodes /dev/sdb", MOUNTED)).toEqual({
      status: 0,
      stdout: "vm-host03\nvm-host02\nvm-host04\n",
      stderr: "",
    });
    expect(check("ocfs2_mounted_nodes /dev/sdc", MOUNTED)).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(check("ocfs2_mounted_nodes /dev/sdd", MOUNTED).status).toBe(1);
  });
});

describe("the writer during a node loss", () => {
  test("every acknowledged line is in the file; the missing ones are named", () => {
    const dir = tempDir("ocfs2-lines-");
    fs.writeFileSync(path.join(dir, "acked"), "1\n2\n3\n5\n");
    fs.writeFileSync(path.join(dir, "data"), "1\n2\n3\n4\n5\n");
    fs.writeFileSync(path.join(dir, "short"), "1\n3\n");
    fs.writeFileSync(path.join(dir, "empty"), "");
    expect(check(`ocfs2_missing_lines ${dir}/acked ${dir}/data`)).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
    expect(check(`ocfs2_missing_lines ${dir}/acked ${dir}/short`)).toEqual({
      status: 1,
      stdout: "2\n5\n",
      stderr: "",
    });
    expect(check(`ocfs2_missing_lines ${dir}/acked ${dir}/empty`).stdout).toBe("1\n2\n3\n5\n");
  });

  test("the survivor replayed the lost node's journal (begin, then end)", () => {
    const dmesg = `[  612.1] o2net: No longer connected to node vm-host03 (num 0) at 192.168.14.153:7777
[  672.4] o2cb: o2dlm has evicted node 0 from domain A53BAF6548A344568D709BB62B2EC7B4
[  674.9] ocfs2: Begin replay journal (node 0, slot 0) on device (8,16)
[  675.3] ocfs2: End replay journal (node 0, slot 0) on device (8,16)
`;
    expect(check("ocfs2_replayed 0", dmesg).status).toBe(0);
    expect(check("ocfs2_replayed 1", dmesg).status).toBe(1);
    expect(check("ocfs2_replayed 0", dmesg.split("\n").slice(0, 3).join("\n")).status).toBe(1);
  });
});
