/**
 * pcsd authentication of the pacemaker flavour (seed 004): `pcs host auth` and the stdin that
 * carries its password.
 *
 * No argv carries a secret. The only secret pcs needs is the `hacluster` password of `pcs host
 * auth`, and it travels on stdin. Syntax relied on: `pcs host auth (<host> [addr=<address>[:<port>]])...
 * [-u <user>] [-p <password>]`; without `-p`, pcs reads the password as one line from stdin when
 * stdin is not a terminal.
 */
import { HOST_NAME, isHostNameOrIpv4 } from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import { PCS } from "./pcs-resource";
import { quoted } from "./pcs-validate";

/** The user pcsd authenticates (`pcs host auth -u`). */
export const HACLUSTER_USER = "hacluster";

/**
 * `pcs host auth <host> [addr=<address>]... -u hacluster`: authenticates this node's pcs to pcsd
 * on every host, as `hacluster`.
 *
 * The password is deliberately not in the argv: `-p <password>` would show in `ps` and
 * /proc/<pid>/cmdline of the pcs process, and an environment variable expanded into `-p
 * "$PCS_PASSWORD"` ends up in the same place. Without `-p`, pcs 0.11 (run as root) reads the
 * password with one `input()` from stdin when stdin is not a terminal (pcs/utils.py
 * get_terminal_password → get_terminal_input, after printing `Password: ` to stdout). So the
 * caller runs this argv with {@link pcsPasswordStdin}`(password)` as its stdin, over the SSH
 * channel's stdin, which never touches argv, environment or disk.
 *
 * `addrs` (host → address) tells pcs where pcsd listens when the host name must not be resolved.
 */
export function pcsHostAuth(
  hostnames: readonly string[],
  addrs: Readonly<Record<string, string>> = {},
): string[] {
  const problems = new Problems();
  problems.need(hostnames.length > 0, "hostnames", "no host is given", "list the cluster nodes' host names");
  hostnames.forEach((host, i) => {
    problems.need(
      HOST_NAME.test(host),
      `hostnames[${i}]`,
      `${quoted(host)} is not a host name`,
      "use the nodes' host names on link 0 (e.g. node01h)",
    );
    problems.need(
      hostnames.indexOf(host) === i,
      `hostnames[${i}]`,
      `${quoted(host)} is listed twice`,
      "list every host once",
    );
  });
  for (const [host, addr] of Object.entries(addrs)) {
    problems.need(
      hostnames.includes(host),
      `addrs.${host}`,
      "the address belongs to no listed host",
      `key the addresses by the listed hosts (${hostnames.join(", ") || "none"})`,
    );
    problems.need(
      isHostNameOrIpv4(addr),
      `addrs.${host}`,
      `${quoted(addr)} is neither an IPv4 address nor a host name`,
      "give the address pcsd listens on (port 2224)",
    );
  }
  problems.throwIfAny("pcs host auth");
  return [
    PCS,
    "host",
    "auth",
    ...hostnames.flatMap((host) => {
      const addr = addrs[host];
      return addr !== undefined ? [host, `addr=${addr}`] : [host];
    }),
    "-u",
    HACLUSTER_USER,
  ];
}

/**
 * The stdin of {@link pcsHostAuth}: the password and a newline (pcs reads exactly one line).
 * Throws when the password cannot travel as one line; the error never contains the password.
 */
export function pcsPasswordStdin(password: string): string {
  const problems = new Problems();
  problems.need(
    password.length > 0,
    "haclusterPassword",
    "the password is empty",
    "generate a non-empty password",
  );
  problems.need(
    !/[\r\n]/.test(password),
    "haclusterPassword",
    "the password contains a line break, and pcs reads one line",
    "use a password without line breaks (the lab generates alphanumeric ones)",
  );
  problems.throwIfAny("pcs host auth password");
  return `${password}\n`;
}
