/**
 * The failover drill's writer and rows check (scripts/drill.sh), run by bash against a fake `psql`
 * that keeps its rows in a file: a commit whose acknowledgement is lost, a database that never
 * comes back, rows lost or recorded twice. No lab is involved.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeBin, removeTempDirs, runWithFakes, type FakeBin } from "../support/bash";

const REPO = path.resolve(__dirname, "..", "..");

afterEach(removeTempDirs);

/**
 * A PostgreSQL of one table in $FAKE_ROOT/rows. FAKE_LOSE_ACK=N: the first insert of N commits,
 * then the connection drops before the acknowledgement. FAKE_DOWN=1: no server. A plain insert of
 * a row that is there fails as PostgreSQL does (duplicate key).
 */
const PSQL = `
sql=\${@: -1}
rows="$FAKE_ROOT/rows"
touch "$rows"
[ "\${FAKE_DOWN:-0}" = 1 ] && { echo 'psql: error: connection to server failed: Connection refused' >&2; exit 2; }
case "$sql" in
  *"select n from counter"*) cat "$rows"; exit 0 ;;
esac
n=$(sed -n 's/.*values (\\([0-9]*\\)).*/\\1/p' <<<"$sql")
[ -n "$n" ] || { echo "fake psql: unexpected SQL: $sql" >&2; exit 3; }
if grep -qx "$n" "$rows"; then
  case "$sql" in
    *"on conflict"*) echo "0|1700000000.5"; exit 0 ;;
    *) echo 'ERROR:  duplicate key value violates unique constraint "counter_pkey"' >&2; exit 1 ;;
  esac
fi
echo "$n" >>"$rows"
if [ "$n" = "\${FAKE_LOSE_ACK:-}" ] && [ ! -e "$FAKE_ROOT/lost" ]; then
  touch "$FAKE_ROOT/lost"
  echo 'server closed the connection unexpectedly' >&2
  exit 2
fi
echo "1|1700000000.5"
`;

const PRELUDE = `source "${REPO}/scripts/lib.sh"; source "${REPO}/scripts/drill.sh"
fail() { die "$*"; }
LAB_VIP=192.0.2.10 LAB_DB_PORT=5432
dir="$FAKE_ROOT/drill"; mkdir -p "$dir"; : >"$dir/acked"
`;

function drill(fake: FakeBin, body: string, env: Record<string, string> = {}) {
  const r = runWithFakes(fake, PRELUDE + body, "", env);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The writer's records: `N TIME POSTMASTER HOW`. */
function acked(fake: FakeBin): string[][] {
  return fs
    .readFileSync(path.join(fake.root, "drill", "acked"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(" "));
}

// Stops the writer once it recorded N rows.
const STOP_AFTER = (n: number) =>
  `( until [ "$(wc -l <"$dir/acked")" -ge ${n} ]; do sleep 0.05; done; touch "$dir/stop" ) &\n`;

describe("drill_writer", () => {
  test("records each committed row once, in order, with its postmaster", () => {
    const fake = fakeBin({ psql: PSQL });
    const r = drill(fake, `${STOP_AFTER(4)}drill_writer "$dir" 7; echo "writer=$?"`);
    expect(r).toMatchObject({ status: 0, stdout: "writer=0\n" });
    const rows = acked(fake);
    // At least 4 (the writer may add one more before it sees the stop), consecutive from 7.
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.map((r) => r[0])).toEqual(rows.map((_, i) => String(7 + i)));
    expect(rows.every((r) => r[2] === "1700000000.5" && r[3] === "inserted")).toBe(true);
  });

  test("a row whose acknowledgement was lost is found committed by the retry and counted once", () => {
    // The writer it replaced retried the same plain insert: the row being there, every retry
    // failed with a duplicate key, for ever.
    const fake = fakeBin({ psql: PSQL });
    const r = drill(fake, `${STOP_AFTER(5)}drill_writer "$dir" 1; echo "writer=$?"`, { FAKE_LOSE_ACK: "3" });
    expect(r).toMatchObject({ status: 0, stdout: "writer=0\n" });
    const rows = acked(fake).slice(0, 5);
    expect(rows.map((r) => r[0])).toEqual(["1", "2", "3", "4", "5"]);
    expect(rows.map((r) => r[3])).toEqual(["inserted", "inserted", "found", "inserted", "inserted"]);
    // Each row once in the table and in the record.
    const all = acked(fake).map((r) => r[0]);
    expect(new Set(all).size).toBe(all.length);
    expect(fs.readFileSync(path.join(fake.root, "rows"), "utf8")).toBe(all.map((n) => `${n}\n`).join(""));
    expect(fs.readFileSync(path.join(fake.root, "drill", "writer.err"), "utf8")).toContain(
      "server closed the connection unexpectedly",
    );
  });

  test("gives up on a row it cannot commit within DRILL_WRITER_GIVEUP seconds, saying why", () => {
    const fake = fakeBin({ psql: PSQL });
    const t0 = Date.now();
    const r = drill(fake, `drill_writer "$dir" 5 || echo "writer=$?"`, {
      FAKE_DOWN: "1",
      DRILL_WRITER_GIVEUP: "1",
    });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r).toMatchObject({ status: 0, stdout: "writer=1\n" });
    expect(fs.readFileSync(path.join(fake.root, "drill", "writer.failed"), "utf8")).toMatch(
      /^row 5 not committed within 1 s of its first attempt; last error: psql: error: connection to server failed/,
    );
    expect(acked(fake)).toEqual([]);
  });

  test("a writer that gave up fails the drill's waits at once", () => {
    const fake = fakeBin({});
    const r = drill(
      fake,
      'echo "row 5 not committed" >"$dir/writer.failed"; DRILL_WRITER_FAILED="$dir/writer.failed"\n' +
        'drill_wait 600 "the writer committing" false; echo "waited"',
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("drill: the writer gave up: row 5 not committed");
  });
});

describe("drill_check_rows", () => {
  const record = (rows: string[]) =>
    `printf '%s\\n' ${rows.map((n) => `"${n} 1.0 1700000000.5 inserted"`).join(" ")} >"$dir/acked"\n`;
  const table = (fake: FakeBin, rows: string[]) =>
    fs.writeFileSync(path.join(fake.root, "rows"), rows.map((n) => `${n}\n`).join(""));

  test("counts the rows when every committed row is there", () => {
    const fake = fakeBin({ psql: PSQL });
    table(fake, ["1", "2", "3", "10"]);
    expect(drill(fake, `${record(["1", "2", "10"])}drill_check_rows "$dir" node01`)).toMatchObject({
      status: 0,
      stdout: "3\n",
    });
  });

  test("drill_longest_gap on the writer's rows: the longest pause from the row before FROM on; too few rows fail", () => {
    const fake = fakeBin({ psql: PSQL });
    const rows = [
      "1 100.0 1 inserted",
      "2 150.5 1 inserted",
      "3 200.0 1 inserted",
      "4 230.2 1 inserted",
      "5 231.0 1 found",
    ];
    const write = `printf '%s\\n' ${rows.map((r) => `"${r}"`).join(" ")} >"$dir/acked"\n`;
    const gap = (from: number) => drill(fake, `${write}drill_longest_gap "$dir/acked" 2 ${from}`);
    // From 120: the pause 100.0 → 150.5 began before it and counts whole.
    expect(gap(120)).toMatchObject({ status: 0, stdout: "50.5\n" });
    expect(gap(160)).toMatchObject({ status: 0, stdout: "49.5\n" });
    expect(gap(240).status).toBe(1);
  });

  test("drill_longest_gap on an HTTP probe's log and an SSH writer's: only the good lines count", () => {
    const fake = fakeBin({ psql: PSQL });
    const gap = (lines: string[], args: string) =>
      drill(
        fake,
        `printf '%s\\n' ${lines.map((l) => `"${l}"`).join(" ")} >"$dir/log"\ndrill_longest_gap "$dir/log" ${args} || echo none`,
      );
    // A probe: EPOCH CODE; failures and timeouts (000) are no answer, the sorry page's 200 is one.
    const probe = ["100.0 200", "100.2 200", "100.4 000", "103.9 000", "104.1 200", "104.3 200"];
    expect(gap(probe, "1 0 2 200").stdout).toBe("3.9\n");
    expect(gap(["100.0 200", "100.2 000"], "1 0 2 200").stdout).toBe("none\n");
    // A writer: EPOCH LINE ok|failed, counted from the loss at 101.5 — the pause before it whole.
    const writer = [
      "100.0 1 ok",
      "101.0 2 ok",
      "102.5 3 failed",
      "160.0 4 failed",
      "163.2 5 ok",
      "164.2 6 ok",
    ];
    expect(gap(writer, "1 101.5 3 ok").stdout).toBe("62.2\n");
    expect(gap(writer, "1 170 3 ok").stdout).toBe("none\n");
  });

  test("fails naming the node when a committed row is missing", () => {
    const fake = fakeBin({ psql: PSQL });
    table(fake, ["1", "3"]);
    const r = drill(fake, `${record(["1", "2", "3"])}drill_check_rows "$dir" node01`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("drill: 1 of 3 committed rows are missing on node01");
  });

  test("fails when a row is recorded twice, or when the rows cannot be read", () => {
    const fake = fakeBin({ psql: PSQL });
    table(fake, ["1", "2"]);
    expect(drill(fake, `${record(["1", "2", "2"])}drill_check_rows "$dir" node02`).stderr).toContain(
      "drill: 1 rows recorded as committed more than once",
    );
    const down = drill(fake, `${record(["1"])}drill_check_rows "$dir" node02`, { FAKE_DOWN: "1" });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("drill: could not read the counter rows through the VIP (node02)");
  });
});

/** A PostgreSQL that answers, drops and creates testdb; the first FAKE_CUTS creates are cut. */
const PSQL_CREATEDB = `
sql=\${@: -1}
case "$sql" in
  "select 1") echo 1; exit 0 ;;
  "drop database if exists testdb") exit 0 ;;
  "create database testdb")
    n=$(cat "$FAKE_ROOT/creates" 2>/dev/null || echo 0)
    echo $((n + 1)) >"$FAKE_ROOT/creates"
    if [ "$n" -lt "\${FAKE_CUTS:-0}" ]; then
      echo 'FATAL:  terminating connection due to administrator command' >&2
      exit 2
    fi
    exit 0 ;;
esac
echo "fake psql: unexpected SQL: $sql" >&2
exit 3
`;

describe("drill_create_testdb", () => {
  // The node's side: what the drill asks it, and its cluster's failures.
  const ON = `on() { echo "on $1: $2" >&2; echo "* service01-db monitor on node02h 'Timed Out'" >&2; }\n`;
  const creates = (fake: FakeBin) => fs.readFileSync(path.join(fake.root, "creates"), "utf8").trim();

  test("creates the database once when nothing cuts it", () => {
    const fake = fakeBin({ psql: PSQL_CREATEDB });
    const r = drill(fake, `${ON}drill_create_testdb 192.0.2.2 node02 && echo created`);
    expect(r).toMatchObject({ status: 0, stdout: "created\n" });
    expect(creates(fake)).toBe("1");
    expect(r.stderr).not.toContain("was cut");
  });

  test("a create cut by a restart of the group: says what the cluster saw, waits, tries once more, notes it", () => {
    const fake = fakeBin({ psql: PSQL_CREATEDB });
    const timings = path.join(fake.root, "timings");
    const r = drill(fake, `${ON}drill_create_testdb 192.0.2.2 node02 && echo created`, {
      FAKE_CUTS: "1",
      KVMLAB_E2E_TIMINGS: timings,
    });
    expect(r).toMatchObject({ status: 0, stdout: "created\n" });
    expect(creates(fake)).toBe("2");
    expect(r.stderr).toContain(
      "drill: create database testdb was cut on node02; the cluster's failures there:",
    );
    expect(r.stderr).toContain("on 192.0.2.2: crm_mon -1 -rf");
    expect(r.stderr).toContain("service01-db monitor on node02h 'Timed Out'");
    expect(fs.readFileSync(timings, "utf8")).toBe("drill-createdb-cut 1\n");
  });

  test("a create cut twice fails the drill, naming the node", () => {
    const fake = fakeBin({ psql: PSQL_CREATEDB });
    const r = drill(fake, `${ON}drill_create_testdb 192.0.2.2 node02 && echo created`, { FAKE_CUTS: "2" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("drill: createdb testdb on node02 failed twice");
    expect(creates(fake)).toBe("2");
  });
});
