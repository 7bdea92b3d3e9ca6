/**
 * The one-time initialisation of a service group's PostgreSQL on its shared file system (seed 001:
 * `initdb` run once on node01, the data then started from whichever node holds the group): the
 * data directory, listening on every address, password (scram) access from the service network,
 * the application role and database. Idempotent: a data directory with PG_VERSION is left alone.
 *
 * The script runs as root on one node with the shared file system mounted; the role's password
 * arrives on stdin (never on a command line).
 */
import { shellQuote } from "../../exec/ssh";
import { POSTGRESQL_SOCKET_DIR } from "./group-commands";

/** What {@link renderPgInit} needs. */
export interface PgInitInput {
  /** Data directory on the shared file system (`/gldata00/pgsql`). */
  dataDir: string;
  /** TCP port. */
  port: number;
  /** Network allowed in with a password (`192.168.7.0/24`). */
  clientCidr: string;
  /** Application role and database (both named so). */
  role: string;
  /** Directory of the PostgreSQL binaries (`/usr/lib/postgresql/15/bin`). */
  binDir: string;
}

/** PostgreSQL's binaries on the lab's Debian 12 nodes. */
export const PG_BIN_DIR = "/usr/lib/postgresql/15/bin";

/** The comment above the lab's lines in postgresql.conf. */
export const PG_CONF_MARKER = "# kvm-ha-lab: reachable on the service group's VIP";

/** The settings the lab writes into postgresql.conf: name → value as written. */
export function pgConfSettings(port: number): [string, string][] {
  return [
    ["listen_addresses", "'*'"],
    ["port", String(port)],
    ["unix_socket_directories", `'${POSTGRESQL_SOCKET_DIR}'`],
  ];
}

/** The lab's block of postgresql.conf (its marker, then one `name = value` line per setting). */
export function pgConfBlock(port: number): string {
  return [PG_CONF_MARKER, ...pgConfSettings(port).map(([k, v]) => `${k} = ${v}`)].join("\n");
}

/** The pg_hba.conf line that lets the network in with a password. */
export function pgHbaLine(clientCidr: string): string {
  return `host all all ${clientCidr} scram-sha-256`;
}

/** Shell: the stdin password in `$password` as the body of an SQL string literal (quotes doubled). */
export const SQL_PASSWORD = `"\${password//\\'/\\'\\'}"`;

/** Renders the initialisation script; throws naming the field for unusable values. */
export function renderPgInit(i: PgInitInput): string {
  if (!/^\/[A-Za-z0-9/_.-]+$/.test(i.dataDir) || i.dataDir.includes("..")) {
    throw new Error(
      `dataDir "${i.dataDir}" must be an absolute path of plain characters. Fix: e.g. /gldata00/pgsql`,
    );
  }
  if (!Number.isInteger(i.port) || i.port < 1 || i.port > 65535) {
    throw new Error(`port ${i.port} is not a TCP port. Fix: e.g. 5432`);
  }
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(i.clientCidr)) {
    throw new Error(`clientCidr "${i.clientCidr}" is not an IPv4 network. Fix: e.g. 192.168.7.0/24`);
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(i.role)) {
    throw new Error(`role "${i.role}" must be a plain lower-case SQL name. Fix: e.g. lab`);
  }
  const data = shellQuote(i.dataDir);
  const bin = i.binDir;
  return `set -euo pipefail
# PostgreSQL data of the service group, initialised once (kvm-ha-lab; rendered).
data=${data}
password=$(cat)
[ -n "$password" ] || { echo "kvmlab: no role password on stdin" >&2; exit 65; }
if [ -f "$data/PG_VERSION" ]; then echo "exists"; exit 0; fi
install -d -o postgres -g postgres -m 0700 "$data"
# --no-sync and one sync after: initdb's thousands of fsyncs take minutes on GlusterFS under TCG.
runuser -u postgres -- ${bin}/initdb -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 --no-sync >/dev/null
sync
cat >> "$data/postgresql.conf" <<'CONF'
${pgConfBlock(i.port)}
CONF
echo "${pgHbaLine(i.clientCidr)}" >> "$data/pg_hba.conf"
install -d -o postgres -g postgres -m 2775 ${POSTGRESQL_SOCKET_DIR}
runuser -u postgres -- ${bin}/pg_ctl -D "$data" -w -o "-c listen_addresses=''" start >/dev/null
trap 'runuser -u postgres -- ${bin}/pg_ctl -D "$data" -w -m fast stop >/dev/null' EXIT
printf "CREATE ROLE ${i.role} LOGIN CREATEDB PASSWORD '%s';\\nCREATE DATABASE ${i.role} OWNER ${i.role};\\n" ${SQL_PASSWORD} |
  runuser -u postgres -- ${bin}/psql -q -v ON_ERROR_STOP=1 -p ${i.port} -d postgres >/dev/null
echo "initialised"
`;
}
