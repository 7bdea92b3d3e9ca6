/** The KVM host's virsh as the fake lab sees it: matching its commands, reading them back, its failures. */
import { virshCommand } from "../../providers/libvirt/virsh";
import { URI } from "../fixtures/lab";
import { escapeRegExp, on, scripts, type Reply } from "./fake-lab";

export { escapeRegExp };

/** Matches exactly the one-line virsh command with `args`. */
export function virshCall(...args: string[]): RegExp {
  return new RegExp(`^${escapeRegExp(virshCommand(URI, args)).source}$`);
}

/** virsh runs these subcommands (as one-line virsh commands) and succeeds without output. */
export function virshSucceeds(...subcommands: string[]): void {
  const prefix = escapeRegExp(virshCommand(URI, [])).source;
  on(new RegExp(`^${prefix} (${subcommands.join("|")}) [^\\n]*$`), {});
}

/** The virsh subcommands run as one-line virsh commands (e.g. `net-start dev-service`), in order. */
export function virshRuns(): string[] {
  const prefix = `${virshCommand(URI, [])} `;
  return scripts()
    .filter((s) => s.startsWith(prefix) && !s.includes("\n"))
    .map((s) => s.slice(prefix.length));
}

/** A virsh "no such object" failure, as libvirt words it. */
export function notFound(kind: "network" | "domain", name: string): Reply {
  return kind === "network"
    ? {
        code: 1,
        stderr: `error: failed to get network '${name}'\nerror: Network not found: no network with matching name '${name}'\n`,
      }
    : {
        code: 1,
        stderr: `error: failed to get domain '${name}'\nerror: Domain not found: no domain with matching name '${name}'\n`,
      };
}

/** virsh's answer when libvirtd is not running. */
export const DAEMON_DOWN: Reply = {
  code: 1,
  stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket\n",
};
