/**
 * The PostgreSQL initialisation script the service group runs (renderPgInit): its guard, its
 * refusals, and the script run for real with bash against fake PostgreSQL tools.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DB_ROLE } from "../../../../providers/cluster/pacemaker/service-group";
import { PG_BIN_DIR, renderPgInit, type PgInitInput } from "../../../../providers/cluster/pacemaker/pg-init";
import { bashSyntaxCheck, fakeBin, logOf, removeTempDirs, runWithFakes } from "../../../support/bash";
import { PG_BIN } from "../../../fixtures/cluster-lab";
import { PG_TOOLS } from "../../../fixtures/fake-tools";

afterEach(removeTempDirs);

const PG_INPUT: PgInitInput = {
  dataDir: "/gldata00/pgsql",
  port: 5432,
  clientCidr: "192.168.7.0/24",
  role: DB_ROLE,
  binDir: PG_BIN_DIR,
};

describe("renderPgInit", () => {
  test("idempotent guard first, scram host line for the CIDR, role and database through psql's stdin", () => {
    const script = renderPgInit(PG_INPUT);
    const guard = script.indexOf(`if [ -f "$data/PG_VERSION" ]; then echo "exists"; exit 0; fi`);
    expect(guard).toBeGreaterThan(0);
    expect(guard).toBeLessThan(script.indexOf("install -d"));
    expect(guard).toBeLessThan(script.indexOf("initdb"));
    expect(script).toContain("data=/gldata00/pgsql\n");
    expect(script).toContain(
      `runuser -u postgres -- ${PG_BIN}/initdb -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256`,
    );
    expect(script).toContain(`echo "host all all 192.168.7.0/24 scram-sha-256" >> "$data/pg_hba.conf"`);
    expect(script).toContain("port = 5432\n");
    expect(script).toContain(
      `printf "CREATE ROLE lab LOGIN CREATEDB PASSWORD '%s';\\nCREATE DATABASE lab OWNER lab;\\n"`,
    );
    expect(script).toContain(
      `|\n  runuser -u postgres -- ${PG_BIN}/psql -q -v ON_ERROR_STOP=1 -p 5432 -d postgres`,
    );
    expect(script).toContain("password=$(cat)");
    bashSyntaxCheck(script);
  });

  test("refuses unusable values, naming the field", () => {
    for (const dataDir of ["gldata00/pgsql", "/gldata00/../etc", "/gl data", "/gl'data", ""]) {
      expect(() => renderPgInit({ ...PG_INPUT, dataDir })).toThrow(/^dataDir ".*" must be an absolute path/);
    }
    for (const port of [0, 65536, 5432.5, -1]) {
      expect(() => renderPgInit({ ...PG_INPUT, port })).toThrow(`port ${port} is not a TCP port`);
    }
    for (const clientCidr of ["192.168.7.0", "192.168.7.0/x", "any", "192.168.7.0/24; rm -rf /"]) {
      expect(() => renderPgInit({ ...PG_INPUT, clientCidr })).toThrow(
        /^clientCidr ".*" is not an IPv4 network/,
      );
    }
    for (const role of ["Lab", "1lab", "lab;drop", "lab-user", ""]) {
      expect(() => renderPgInit({ ...PG_INPUT, role })).toThrow(
        /^role ".*" must be a plain lower-case SQL name/,
      );
    }
  });

  describe("run for real against fakes", () => {
    function pgRun(password: string) {
      const fake = fakeBin(PG_TOOLS, { sandbox: true });
      const data = path.join(fake.root, "pgsql");
      const script = renderPgInit({ ...PG_INPUT, dataDir: data });
      return { fake, data, script, run: (stdin = `${password}\n`) => runWithFakes(fake, script, stdin) };
    }

    test("first run initialises (role created from stdin), second run only says exists", () => {
      const password = "pa'ss$word";
      const { fake, data, run } = pgRun(password);
      const first = run();
      expect({ status: first.status, stdout: first.stdout, stderr: first.stderr }).toEqual({
        status: 0,
        stdout: "initialised\n",
        stderr: "",
      });
      expect(logOf(fake)).toEqual([
        `install -d -o postgres -g postgres -m 0700 ${data}`,
        `runuser -u postgres -- ${PG_BIN}/initdb -D ${data} -U postgres --auth-local=peer --auth-host=scram-sha-256 --no-sync`,
        "install -d -o postgres -g postgres -m 2775 /var/run/postgresql",
        `runuser -u postgres -- ${PG_BIN}/pg_ctl -D ${data} -w -o -c listen_addresses='' start`,
        `runuser -u postgres -- ${PG_BIN}/psql -q -v ON_ERROR_STOP=1 -p 5432 -d postgres`,
        `runuser -u postgres -- ${PG_BIN}/pg_ctl -D ${data} -w -m fast stop`,
      ]);
      expect(fs.readFileSync(path.join(fake.root, "psql.stdin"), "utf8")).toBe(
        "CREATE ROLE lab LOGIN CREATEDB PASSWORD 'pa''ss$word';\nCREATE DATABASE lab OWNER lab;\n",
      );
      expect(logOf(fake).join("\n")).not.toContain("ss$word");
      expect(fs.readFileSync(path.join(data, "postgresql.conf"), "utf8")).toContain(
        "listen_addresses = '*'\nport = 5432\nunix_socket_directories = '/var/run/postgresql'\n",
      );
      expect(fs.readFileSync(path.join(data, "pg_hba.conf"), "utf8")).toBe(
        "host all all 192.168.7.0/24 scram-sha-256\n",
      );

      fs.writeFileSync(fake.log, "");
      const second = run();
      expect({ status: second.status, stdout: second.stdout }).toEqual({ status: 0, stdout: "exists\n" });
      expect(logOf(fake)).toEqual([]);
    });

    test("an empty stdin exits 65 before touching anything", () => {
      const { fake, data, run } = pgRun("unused");
      const r = run("");
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 65,
        stderr: "kvmlab: no role password on stdin\n",
      });
      expect(logOf(fake)).toEqual([]);
      expect(fs.existsSync(data)).toBe(false);
    });
  });
});
