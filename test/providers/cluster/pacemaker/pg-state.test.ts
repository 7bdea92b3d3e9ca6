/**
 * The service group's PostgreSQL read back and repaired where it runs (pg-state.ts), the probe and
 * the repair run for real on a fake node (test/support/fake-lab.ts) whose PostgreSQL is faked
 * (test/fixtures/fake-tools.ts PG_TOOLS) and whose data directory is in its sandbox.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, type FakeMachine } from "../../../support/fake-lab";
import { POSTGRESQL_SOCKET_DIR } from "../../../../providers/cluster/pacemaker/group-commands";
import { PG_BIN_DIR, pgConfBlock, pgHbaLine } from "../../../../providers/cluster/pacemaker/pg-init";
import {
  parsePgState,
  pgConfigHeld,
  pgProbeScript,
  pgRepairScript,
  type PgPlace,
} from "../../../../providers/cluster/pacemaker/pg-state";
import { DB_ROLE } from "../../../../providers/cluster/pacemaker/service-group";
import { bashSyntaxCheck } from "../../../support/bash";
import { DB_PASSWORD } from "../../../fixtures/cluster-lab";
import { PG_TOOLS } from "../../../fixtures/fake-tools";

const P: PgPlace = { dataDir: "/gldata00/pgsql", port: 5432, clientCidr: "192.168.7.0/24", role: DB_ROLE };
const CONF = `${P.dataDir}/postgresql.conf`;
const HBA = `${P.dataDir}/pg_hba.conf`;
/** initdb's own lines around the lab's (the settings commented out, as initdb writes them). */
const INITDB_CONF =
  "#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;\n#port = 5432\nshared_buffers = 128MB\n";
const INITDB_HBA = "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n";

/** A node where the group's PostgreSQL runs as pg-init left it (or, `running: false`, a node where it does not). */
function dbNode(running = true): FakeMachine {
  const m = fakeMachine(PG_TOOLS, { paths: [P.dataDir], reads: [PG_BIN_DIR, POSTGRESQL_SOCKET_DIR] });
  m.write(CONF, `${INITDB_CONF}${pgConfBlock(P.port)}\n`);
  m.write(HBA, `${INITDB_HBA}${pgHbaLine(P.clientCidr)}\n`);
  m.state("pg-data-dir", running ? `${m.at(P.dataDir)}\n` : undefined);
  m.state("pg-role", "1\n");
  m.state("pg-database", "1\n");
  m.state("pg-password", `${DB_PASSWORD}\n`);
  return m;
}

const run = (m: FakeMachine, script: string) =>
  forReal(m)(script, { where: "node01", script, opts: { stdin: `${DB_PASSWORD}\n` } });
const probe = (m: FakeMachine) => parsePgState(run(m, pgProbeScript(P)).stdout ?? "");

describe("pg-state: PostgreSQL where the group runs", () => {
  test("as pg-init left it: the settings, the pg_hba line, the role and the database held; the role logs in with the secret", () => {
    const state = probe(dbNode());
    expect(state).toEqual({
      settings: { listen_addresses: "*", port: "5432", unix_socket_directories: POSTGRESQL_SOCKET_DIR },
      hba: true,
      role: true,
      database: true,
      login: true,
    });
    expect(pgConfigHeld(P, state as NonNullable<typeof state>)).toBe(true);
  });

  test("a node where it does not run says not-here (probe and repair), and the repair touches nothing", () => {
    const m = dbNode(false);
    expect(run(m, pgProbeScript(P)).stdout).toBe("not-here\n");
    expect(probe(m)).toBeUndefined();
    expect(run(m, pgRepairScript(P)).stdout).toBe("not-here\n");
    expect(m.read(CONF)).toBe(`${INITDB_CONF}${pgConfBlock(P.port)}\n`);
  });

  test("drift (P18, S5): the port edited, the pg_hba line and the role gone, another password → read reports it; the repair puts each back in place, never initdb", () => {
    const m = dbNode();
    m.write(CONF, `${INITDB_CONF}${pgConfBlock(P.port)}\nport = 5433  # moved by hand\n`);
    m.write(HBA, INITDB_HBA);
    m.state("pg-role", undefined);
    m.state("pg-password", "Changed-By-Hand\n");
    const drifted = probe(m);
    expect(drifted).toMatchObject({ settings: { port: "5433" }, hba: false, role: false, login: false });
    expect(pgConfigHeld(P, drifted as NonNullable<typeof drifted>)).toBe(false);

    const repaired = run(m, pgRepairScript(P));
    expect({ code: repaired.code, stdout: repaired.stdout }).toEqual({ code: 0, stdout: "repaired\n" });
    // The lab's lines once, at the end (the last setting wins); initdb's own lines kept.
    expect(m.read(CONF)).toBe(`${INITDB_CONF}${pgConfBlock(P.port)}\n`);
    expect(m.read(HBA)).toBe(`${INITDB_HBA}${pgHbaLine(P.clientCidr)}\n`);
    const after = probe(m);
    expect(after).toMatchObject({ hba: true, role: true, database: true, login: true });
    expect(pgConfigHeld(P, after as NonNullable<typeof after>)).toBe(true);
    // The role, the database and the password through psql's stdin, the configuration reloaded.
    const sql = fs.readFileSync(path.join(m.fake.root, "psql.stdin"), "utf8");
    expect(sql).toContain("SELECT 'CREATE ROLE lab LOGIN CREATEDB' WHERE NOT EXISTS");
    expect(sql).toContain(`ALTER ROLE lab PASSWORD '${DB_PASSWORD}';`);
    expect(sql).toContain("SELECT pg_reload_conf();");
    expect(m.log().some((l) => /initdb/.test(l))).toBe(false);
    expect(m.log().join("\n")).not.toContain(DB_PASSWORD);
  });

  test("the scripts: the secret only on stdin (psql's environment for the login), valid bash", () => {
    for (const script of [pgProbeScript(P), pgRepairScript(P)]) {
      expect(script).toContain("password=$(cat)");
      expect(script).not.toContain(DB_PASSWORD);
      bashSyntaxCheck(script);
    }
    expect(pgProbeScript(P)).toContain(`PGPASSWORD="$password" PGCONNECT_TIMEOUT=10 runuser -u postgres --`);
    expect(pgRepairScript(P)).toContain(`printf "ALTER ROLE lab PASSWORD '%s';\\n"`);
    expect(pgRepairScript(P)).toContain("SELECT pg_reload_conf();");
    expect(pgRepairScript(P)).not.toMatch(/initdb|PG_VERSION/);
  });
});
