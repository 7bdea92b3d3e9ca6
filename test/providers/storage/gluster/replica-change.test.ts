/**
 * The online replica change of a GlusterFS volume: which layout changes are one (pure), and the
 * script run for real with bash against a fake gluster CLI that keeps the volume's bricks, the
 * entries left to heal and the pool in files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { USER_ERROR_EXIT } from "../../../../providers/exec/node-exec";
import {
  brickHost,
  replicaChange,
  replicaChangeScript,
  type ReplicaLayout,
} from "../../../../providers/storage/gluster/replica-change";
import {
  bashSyntaxCheck,
  fakeBin,
  logOf,
  removeTempDirs,
  runWithFakes,
  type FakeBin,
} from "../../../support/bash";

const [B1, B2, B3] = ["node01m:/glvol00", "node02m:/glvol00", "node03m:/glvol00"];

/** data00 with `bricks` as its one replica set. */
const layout = (bricks: string[], change: Partial<ReplicaLayout> = {}): ReplicaLayout => ({
  name: "data00",
  replica: bricks.length,
  arbiter: false,
  transport: "tcp",
  bricks,
  ...change,
});

describe("replicaChange: which layout changes are made online", () => {
  test("a brick appended: grow to replica 3 with it", () => {
    expect(replicaChange(layout([B1, B2]), layout([B1, B2, B3]))).toEqual({
      kind: "grow",
      replica: 3,
      bricks: [B3],
    });
  });

  test("a brick left out, last or in the middle: shrink to replica 2 without it", () => {
    expect(replicaChange(layout([B1, B2, B3]), layout([B1, B2]))).toEqual({
      kind: "shrink",
      replica: 2,
      bricks: [B3],
    });
    expect(replicaChange(layout([B1, B2, B3]), layout([B1, B3]))).toEqual({
      kind: "shrink",
      replica: 2,
      bricks: [B2],
    });
  });

  test("anything else needs a new volume: no online change", () => {
    const two = layout([B1, B2]);
    const three = layout([B1, B2, B3]);
    // The same layout: nothing to change.
    expect(replicaChange(two, two)).toBeUndefined();
    // The kept bricks reordered, a new brick first, a brick swapped for another.
    expect(replicaChange(two, layout([B2, B1, B3]))).toBeUndefined();
    expect(replicaChange(two, layout([B3, B1, B2]))).toBeUndefined();
    expect(replicaChange(three, layout([B2, B1]))).toBeUndefined();
    expect(replicaChange(two, layout([B1, B3]))).toBeUndefined();
    // An arbiter, two replica sets, another name, transport or brick device.
    expect(replicaChange(two, layout([B1, B2, B3], { arbiter: true }))).toBeUndefined();
    expect(replicaChange(layout([B1, B2], { replica: 1 }), three)).toBeUndefined();
    expect(replicaChange(two, layout([B1, B2, B3], { name: "data01" }))).toBeUndefined();
    expect(replicaChange(two, layout([B1, B2, B3], { transport: "rdma" }))).toBeUndefined();
    expect(replicaChange(two, layout([B1, B2, B3], { brickDevice: "/dev/vdb" }))).toBeUndefined();
  });

  test("brickHost: the host part of a brick", () => {
    expect(brickHost(B3)).toBe("node03m");
  });
});

/**
 * A fake gluster: state `bricks` (one per line) is data00's replica set, `pending` the entries
 * each `heal info` reports per brick, lowered by one each call (`-` for a brick not connected:
 * state `down`), `peers` the pool; add-brick and remove-brick check the replica count as glusterd
 * does.
 */
const FAKE_GLUSTER = `[ "$1" = --mode=script ] && shift
st="$FAKE_ROOT/state"
case "$1 $2" in
  "volume info") n=0; while read -r b; do n=$((n + 1)); echo "Brick$n: $b"; done < "$st/bricks" ;;
  "volume add-brick")
    shift 3; [ "$1" = replica ] || exit 2; want=$2; shift 2
    have=$(wc -l < "$st/bricks")
    for b in "$@"; do [ "$b" = force ] || { echo "$b" >> "$st/bricks"; }; done
    [ "$(wc -l < "$st/bricks")" = "$want" ] || { echo "volume add-brick: failed: Incorrect number of bricks supplied $((want - have)) with count $want" >&2; exit 1; }
    echo 3 > "$st/pending"
    echo "volume add-brick: success" ;;
  "volume remove-brick")
    shift 3; [ "$1" = replica ] || exit 2; shift 2
    for b in "$@"; do [ "$b" = force ] || { grep -vxF "$b" "$st/bricks" > "$st/b.new" || true; mv "$st/b.new" "$st/bricks"; }; done
    echo "volume remove-brick commit force: success" ;;
  "volume heal")
    if [ "$4" = info ]; then
      p=$(cat "$st/pending"); [ "$p" -gt 0 ] && echo $((p - 1)) > "$st/pending"
      while read -r b; do
        if [ -e "$st/down" ]; then printf 'Brick %s\\nStatus: Transport endpoint is not connected\\nNumber of entries: -\\n\\n' "$b"
        else printf 'Brick %s\\nStatus: Connected\\nNumber of entries: %s\\n\\n' "$b" "$p"; fi
      done < "$st/bricks"
    else echo "Launching heal operation to perform full self heal on volume data00 has been successful"; fi ;;
  "peer detach")
    grep -qxF "$3" "$st/peers" || { echo "peer detach: failed: $3 is not part of cluster" >&2; exit 1; }
    grep -vxF "$3" "$st/peers" > "$st/p.new" || true; mv "$st/p.new" "$st/peers"
    echo "peer detach: success" ;;
  *) echo "fake gluster: unexpected gluster $*" >&2; exit 1 ;;
esac`;

describe("replicaChangeScript, run for real against a fake gluster", () => {
  let fake: FakeBin;
  let state: string;

  beforeEach(() => {
    fake = fakeBin({ gluster: FAKE_GLUSTER }, { sandbox: true });
    state = path.join(fake.root, "state");
    fs.mkdirSync(state);
  });
  afterAll(removeTempDirs);

  /** The volume's bricks, the entries pending per brick and the pool's other peers. */
  function given(bricks: string[], pending: number, peers: string[]): void {
    fs.writeFileSync(path.join(state, "bricks"), bricks.map((b) => `${b}\n`).join(""));
    fs.writeFileSync(path.join(state, "pending"), `${pending}\n`);
    fs.writeFileSync(path.join(state, "peers"), peers.map((p) => `${p}\n`).join(""));
  }
  const read = (file: string) => fs.readFileSync(path.join(state, file), "utf8").trim().split("\n");
  const gluster = () => logOf(fake).filter((l) => !l.startsWith("sleep"));

  test("grow: the brick added with replica 3, a full heal started, then waited for until nothing is pending", () => {
    given([B1, B2], 0, ["node02m", "node03m"]);
    const script = replicaChangeScript("data00", { kind: "grow", replica: 3, bricks: [B3] });
    bashSyntaxCheck(script);
    const r = runWithFakes(fake, script, "");
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: "grown\nhealed\n",
      stderr: "",
    });
    expect(read("bricks")).toEqual([B1, B2, B3]);
    const calls = gluster();
    expect(calls.slice(0, 3)).toEqual([
      "gluster --mode=script volume info data00",
      `gluster --mode=script volume add-brick data00 replica 3 ${B3} force`,
      "gluster --mode=script volume heal data00 full",
    ]);
    // add-brick left 3 entries to heal: counted down, then three clean answers in a row.
    expect(calls.slice(3)).toEqual(Array(6).fill("gluster --mode=script volume heal data00 info"));
  });

  test("grow run again after it was cut short: the brick is there, only the heal is checked", () => {
    given([B1, B2, B3], 0, ["node02m", "node03m"]);
    const r = runWithFakes(
      fake,
      replicaChangeScript("data00", { kind: "grow", replica: 3, bricks: [B3] }),
      "",
    );
    expect(r.stdout).toBe("healed\n");
    expect(gluster().some((l) => l.includes("add-brick"))).toBe(false);
  });

  test("shrink: the heal waited for first, then the brick removed with replica 2 and its host detached", () => {
    given([B1, B2, B3], 2, ["node02m", "node03m"]);
    const script = replicaChangeScript("data00", { kind: "shrink", replica: 2, bricks: [B3] });
    bashSyntaxCheck(script);
    const r = runWithFakes(fake, script, "");
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: "healed\nshrunk\n",
      stderr: "",
    });
    expect(read("bricks")).toEqual([B1, B2]);
    expect(read("peers")).toEqual(["node02m"]);
    const calls = gluster();
    const remove = calls.indexOf(`gluster --mode=script volume remove-brick data00 replica 2 ${B3} force`);
    expect(calls.slice(1, remove)).toEqual(Array(5).fill("gluster --mode=script volume heal data00 info"));
    expect(calls.slice(remove + 1)).toEqual(["gluster --mode=script peer detach node03m"]);
  });

  test("shrink run again after the brick went and the peer left: nothing fails, nothing is removed twice", () => {
    given([B1, B2], 0, ["node02m"]);
    const r = runWithFakes(
      fake,
      replicaChangeScript("data00", { kind: "shrink", replica: 2, bricks: [B3] }),
      "",
    );
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "" });
    expect(gluster().some((l) => l.includes("remove-brick"))).toBe(false);
  });

  test("a brick not connected during the wait: the change gives up naming the volume and the fix, no brick removed", () => {
    given([B1, B2, B3], 0, ["node02m", "node03m"]);
    fs.writeFileSync(path.join(state, "down"), "");
    const shrink = replicaChangeScript("data00", { kind: "shrink", replica: 2, bricks: [B3] }, 20);
    const r = runWithFakes(fake, shrink, "");
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stderr).toContain("volume data00 still has entries to heal after 20 s (pending: ?;");
    expect(r.stderr).toContain("Fix: see gluster volume heal data00 info");
    expect(read("bricks")).toEqual([B1, B2, B3]);
    expect(gluster().filter((l) => l.endsWith("heal data00 info"))).toHaveLength(4);
  });

  test("add-brick refused: gluster's words and the fix", () => {
    given([B1, B2], 0, []);
    const r = runWithFakes(
      fake,
      replicaChangeScript("data00", { kind: "grow", replica: 4, bricks: [B3] }),
      "",
    );
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stderr).toContain(
      "gluster volume add-brick data00 failed: volume add-brick: failed: Incorrect number of bricks supplied 2 with count 4. Fix: see gluster volume info data00",
    );
  });
});
