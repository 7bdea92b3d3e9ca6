/**
 * A service group's PostgreSQL read back and repaired where it runs (ClusterServiceGroup): what
 * pg-init.ts wrote once — the lab's postgresql.conf lines, the pg_hba.conf line, the role and the
 * database — and whether the role's password is the secret. Both scripts run on a node with the
 * secret on stdin; each first checks that PostgreSQL runs there from the group's data directory
 * (its socket answers `SHOW data_directory` with it) and says `not-here` otherwise, so the caller
 * tries the nodes in turn and only the one that runs the group answers.
 *
 * The repair edits in place: the lab's settings removed wherever postgresql.conf sets them and
 * its block appended again (the last setting wins in postgresql.conf), the pg_hba.conf line
 * appended when missing, the role and database created when missing, the password set again
 * (`ALTER ROLE`), the configuration reloaded. A data directory is never initialised again (only
 * pg-init.ts does that, where none is).
 *
 * The password is checked by logging in as the role over TCP to the local server (scram, the
 * method pg-init sets for host connections), with PGPASSWORD in psql's environment only: never
 * on a command line, and nothing but yes or no comes back.
 */
import { parseSections, SCRIPT_FAIL } from "../../exec/node-exec";
import { shellQuote } from "../../exec/ssh";
import { POSTGRESQL_SOCKET_DIR } from "./group-commands";
import { PG_BIN_DIR, PG_CONF_MARKER, pgConfBlock, pgConfSettings, pgHbaLine, SQL_PASSWORD } from "./pg-init";

/** What the scripts need of the group's PostgreSQL. */
export interface PgPlace {
  dataDir: string;
  port: number;
  /** The network pg_hba.conf lets in with a password. */
  clientCidr: string;
  /** The application role and database (both named so). */
  role: string;
}

/** psql as the postgres user, with its arguments (the server's socket first). */
function psql(p: PgPlace, args: string): string {
  return `runuser -u postgres -- ${PG_BIN_DIR}/psql -h ${POSTGRESQL_SOCKET_DIR} -p ${p.port} ${args}`;
}

/**
 * Shell lines: the secret into `$password` (stdin), `$data` the data directory, and `not-here`
 * (exit 0) unless PostgreSQL runs on this node from it.
 */
function here(p: PgPlace): string {
  return `${SCRIPT_FAIL}
password=$(cat)
data=${shellQuote(p.dataDir)}
live=$(${psql(p, "-d postgres -AtX -c 'SHOW data_directory'")} 2>/dev/null || true)
if [ "$live" != "$data" ]; then echo not-here; exit 0; fi`;
}

/** The regular expression of a line that sets one of the lab's settings. */
function settingLine(p: PgPlace): string {
  return `^[[:space:]]*(${pgConfSettings(p.port)
    .map(([k]) => k)
    .join("|")})[[:space:]]*=`;
}

/** The probe: `not-here`, or `== conf`, `== hba`, `== objects`, `== login` sections. */
export function pgProbeScript(p: PgPlace): string {
  return `${here(p)}
echo "== conf"
grep -E ${shellQuote(settingLine(p))} "$data/postgresql.conf" || true
echo "== hba"
grep -cxF ${shellQuote(pgHbaLine(p.clientCidr))} "$data/pg_hba.conf" || true
echo "== objects"
${psql(p, `-d postgres -AtX -c ${shellQuote(`SELECT 'role ' || count(*) FROM pg_roles WHERE rolname = '${p.role}' UNION ALL SELECT 'database ' || count(*) FROM pg_database WHERE datname = '${p.role}'`)}`)} 2>/dev/null || true
echo "== login"
if PGPASSWORD="$password" PGCONNECT_TIMEOUT=10 runuser -u postgres -- ${PG_BIN_DIR}/psql -h 127.0.0.1 -p ${p.port} -U ${p.role} -d ${p.role} -w -AtX -c 'SELECT 1' >/dev/null 2>&1; then echo yes; else echo no; fi`;
}

/** What the probe found where PostgreSQL runs. */
export interface PgState {
  /** The value each of the lab's settings has in postgresql.conf (the last line that sets it). */
  settings: Record<string, string>;
  /** pg_hba.conf holds the lab's line. */
  hba: boolean;
  role: boolean;
  database: boolean;
  /** The role logs in with the secret. */
  login: boolean;
}

/** A setting's value as written, without a trailing comment or quotes. */
function settingValue(line: string): string {
  const value = line
    .slice(line.indexOf("=") + 1)
    .replace(/#.*$/, "")
    .trim();
  return value.replace(/^'(.*)'$/, "$1");
}

/** Parses the probe's output; `undefined` when PostgreSQL does not run on that node. */
export function parsePgState(stdout: string): PgState | undefined {
  if (stdout.trim() === "not-here") return undefined;
  const s = parseSections(stdout);
  const lines = (name: string) => (s[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  const settings: Record<string, string> = {};
  for (const line of lines("conf")) settings[line.split(/[\s=]/)[0] ?? ""] = settingValue(line);
  const objects = lines("objects");
  return {
    settings,
    hba: Number(lines("hba")[0] ?? "0") > 0,
    role: objects.includes("role 1"),
    database: objects.includes("database 1"),
    login: lines("login")[0] === "yes",
  };
}

/** Whether what pg-init wrote holds: the settings, the pg_hba.conf line, the role and the database. */
export function pgConfigHeld(p: PgPlace, state: PgState): boolean {
  const settingsHeld = pgConfSettings(p.port).every(([k, v]) => state.settings[k] === settingValue(`= ${v}`));
  return settingsHeld && state.hba && state.role && state.database;
}

/**
 * The repair where PostgreSQL runs (`not-here` elsewhere, `repaired` there): postgresql.conf's lab
 * settings written again as pg-init wrote them, the pg_hba.conf line, the role and database when
 * missing, the role's password from stdin, the configuration reloaded.
 */
export function pgRepairScript(p: PgPlace): string {
  const conf = `"$data/postgresql.conf"`;
  return `${here(p)}
[ -f ${conf} ] || fail "$data/postgresql.conf is missing: the data directory is not PostgreSQL's. Fix: see the data directory on the node"
grep -vE ${shellQuote(settingLine(p))} ${conf} | grep -vxF ${shellQuote(PG_CONF_MARKER)} > "$data/postgresql.conf.kvmlab" || true
cat >> "$data/postgresql.conf.kvmlab" <<'CONF'
${pgConfBlock(p.port)}
CONF
cat "$data/postgresql.conf.kvmlab" > ${conf}
rm -f "$data/postgresql.conf.kvmlab"
grep -qxF ${shellQuote(pgHbaLine(p.clientCidr))} "$data/pg_hba.conf" || echo ${shellQuote(pgHbaLine(p.clientCidr))} >> "$data/pg_hba.conf"
{
  cat <<'SQL'
SELECT 'CREATE ROLE ${p.role} LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${p.role}')\\gexec
SQL
  printf "ALTER ROLE ${p.role} PASSWORD '%s';\\n" ${SQL_PASSWORD}
  cat <<'SQL'
SELECT 'CREATE DATABASE ${p.role} OWNER ${p.role}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${p.role}')\\gexec
SELECT pg_reload_conf();
SQL
} | ${psql(p, "-q -v ON_ERROR_STOP=1 -d postgres")} >/dev/null || fail "psql could not repair the role, the database or the password. Fix: see the PostgreSQL log on the node"
echo repaired`;
}
