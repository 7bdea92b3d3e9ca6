/**
 * Whether a local user's password on a node is a given secret, without the secret or the hash
 * leaving where they are: the probe reads the secret from its stdin (one line: the runner's stdin
 * payload, never a command line, an environment variable or a file), hashes it again with the
 * salt and method of the user's /etc/shadow entry (Python's `crypt`, which uses the system's
 * libcrypt: yescrypt on Debian 12, SHA-512 on RHEL 6) and prints only the verdict. Shared by the
 * kinds that set a service user's password (PcsCluster's `hacluster`, CmanCluster's `ricci`).
 *
 * Python is on every node that runs these users' services (pcs is written in it, RHEL 6's yum
 * too; `python3` first, then `python` for RHEL 6's 2.6). Where neither answers, the verdict is
 * `unknown`: not checked, rather than drift no update could repair.
 */
import { parseSections } from "../exec/node-exec";

/** The section the probe prints. */
const SECTION = "password";

/** What the probe says: the password is the secret, is another one (or none, or locked), or could not be checked. */
export type PasswordVerdict = "current" | "differs" | "unknown";

/**
 * The probe fragment for `user` (`== password`, then the verdict). It reads one line of stdin: run
 * it in a script whose stdin is the secret and a newline, and that reads stdin nowhere else. Never fails.
 */
export function passwordProbe(user: string): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`passwordProbe: "${user}" is not a plain user name`);
  return `echo "== ${SECTION}"
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then echo unknown; else
  "$py" -W ignore -c '
import crypt, sys
secret = sys.stdin.readline().rstrip("\\n")
stored = ""
for line in open("/etc/shadow"):
    fields = line.rstrip("\\n").split(":")
    if fields[0] == "${user}" and len(fields) > 1:
        stored = fields[1]
if stored.startswith("$") and crypt.crypt(secret, stored) == stored:
    print("current")
else:
    print("differs")
' 2>/dev/null || echo unknown
fi`;
}

/** The verdict in a probe's output (`unknown` when the section is missing). */
export function passwordVerdict(stdout: string): PasswordVerdict {
  const said = (parseSections(stdout)[SECTION] ?? []).join("").trim();
  return said === "current" || said === "differs" ? said : "unknown";
}

/**
 * The desired-state value from the verdicts of the nodes that answered: `false` when one holds
 * another password, `true` when every one that could check holds the secret, `undefined` (keep
 * what is stored) when none could check.
 */
export function passwordCurrentOf(verdicts: readonly PasswordVerdict[]): boolean | undefined {
  const checked = verdicts.filter((v) => v !== "unknown");
  if (checked.length === 0) return undefined;
  return checked.every((v) => v === "current");
}
