/**
 * How a running node VM restarts for new vCPU/memory settings, so that changing a running lab never
 * takes two cluster members down at once:
 *
 * - one domain at a time in a run ({@link oneAtATime}: the engine updates the domains in parallel,
 *   and every dynamic resource of a program is served by one provider process);
 * - a pacemaker cluster member is drained first ({@link drainScript}: refused while another member
 *   is not online, then standby — its service groups move to the others — then its cluster
 *   stopped, so the others do not fence it), and after the restart, once it answers on SSH again,
 *   it rejoins ({@link rejoinScript}: its cluster started, standby lifted; stickiness keeps the
 *   groups where they moved). A node whose cluster is not running (no cluster yet, a real server,
 *   an OCFS2 host) is restarted without either step;
 * - the VM is shut down cleanly (ACPI, so its services stop and its file systems unmount), and
 *   destroyed only when it has not stopped within {@link SHUTDOWN_SECONDS}
 *   ({@link shutdownScript}).
 */
import { z } from "zod";
import { progress, runOnHost } from "../exec/host-exec";
import { onNode, SCRIPT_FAIL, sshEndpointField } from "../exec/node-exec";
import { shellJoin } from "../exec/ssh";
import { waitNodeReady } from "../node/node-ready";
import { virsh, virshCommand } from "./virsh";

/** Seconds a clean shutdown may take before the VM is destroyed. */
export const SHUTDOWN_SECONDS = 180;

/** Seconds pcs waits for a standby or an unstandby to settle (service groups moved). */
export const SETTLE_SECONDS = 900;

/** Seconds pcs waits for the restarted member's cluster to start. */
export const START_SECONDS = 600;

/** What {@link drainScript} prints when it drained the member (else: its cluster was not running). */
export const DRAINED = "drained";

/** A domain that is a cluster member: how to reach it, and its name in the cluster. */
export const memberField = () =>
  z.object({
    /** Root on its management address, with its pinned host key. */
    node: sshEndpointField().extend({
      hostKey: z
        .string()
        .startsWith("ssh-ed25519 ", "member.node.hostKey must be the node's ed25519 public key"),
    }),
    /** Its host name (checked when it answers again). */
    hostname: z.string().min(1),
    /** Its cluster node name (pacemaker's, e.g. `node01h`). */
    clusterNode: z.string().regex(/^[A-Za-z0-9._-]+$/, "member.clusterNode must be a plain node name"),
    /** How long its boot may take, in seconds. */
    bootSeconds: z.number().int().min(10, "member.bootSeconds must be at least 10"),
  });
export type DomainMember = z.output<ReturnType<typeof memberField>>;

/**
 * Run on the member before its restart: nothing when its cluster is not running (prints `idle`);
 * refused when another member is not online; else standby (waiting until its groups moved) and its
 * cluster stopped, printing {@link DRAINED}.
 */
export function drainScript(clusterNode: string): string {
  const node = shellJoin([clusterNode]);
  return `${SCRIPT_FAIL}
if ! crm_mon -1 >/dev/null 2>&1; then echo idle; exit 0; fi
away=$(crm_node -l | awk -v me=${node} '$2 != me && $3 != "member" { print $2 }' | tr '\\n' ' ')
[ -z "$away" ] || fail "${clusterNode} is not restarted while other members are not online ($away): two members down at once is an outage. Fix: bring them back (pcs status), then run \\\`pulumi up\\\` again"
pcs node standby ${node} --wait=${SETTLE_SECONDS} >/dev/null || fail "${clusterNode}: its service groups did not move away within ${SETTLE_SECONDS} s. Fix: look at pcs status on the node, then run \\\`pulumi up\\\` again"
pcs cluster stop >/dev/null || fail "${clusterNode}: its cluster did not stop. Fix: look at pcs status on the node, then run \\\`pulumi up\\\` again"
echo ${DRAINED}`;
}

/** Run on a drained member once it answers again: its cluster started, its standby lifted. */
export function rejoinScript(clusterNode: string): string {
  const node = shellJoin([clusterNode]);
  return `${SCRIPT_FAIL}
pcs cluster start --wait=${START_SECONDS} >/dev/null || fail "${clusterNode}: its cluster did not start within ${START_SECONDS} s after the restart. Fix: look at pcs status and the corosync log on the node, then run \\\`pulumi up\\\` again"
pcs node unstandby ${node} --wait=${SETTLE_SECONDS} >/dev/null || fail "${clusterNode}: still in standby after its restart. Fix: run pcs node unstandby ${clusterNode} on a member"`;
}

/** Run on the KVM host: a clean shutdown of the domain, destroyed when it has not stopped in `seconds`. */
export function shutdownScript(uri: string, name: string, seconds: number = SHUTDOWN_SECONDS): string {
  const state = virshCommand(uri, ["domstate", name]);
  return `set -euo pipefail
${virshCommand(uri, ["shutdown", name])} >/dev/null
end=$((SECONDS + ${seconds}))
while [ $SECONDS -lt $end ]; do
  [ "$(${state} | head -n 1)" != "shut off" ] || exit 0
  sleep 2
done
echo "did not shut down within ${seconds} s: destroyed"
${virshCommand(uri, ["destroy", name])} >/dev/null`;
}

/** The restarts queued in this process (see {@link oneAtATime}). */
interface RestartQueue {
  tail: Promise<unknown>;
  waiting: number;
}

/** Where the queue lives: the process's global object (see {@link oneAtATime}). */
const QUEUE_KEY = "__kvmlabDomainRestarts";

function restartQueue(): RestartQueue {
  const global = globalThis as unknown as Record<string, RestartQueue | undefined>;
  const existing = global[QUEUE_KEY];
  if (existing !== undefined) return existing;
  const created: RestartQueue = { tail: Promise.resolve(), waiting: 0 };
  global[QUEUE_KEY] = created;
  return created;
}

/**
 * Runs `fn` after every earlier call's `fn` has ended (failed or not): one at a time in a process.
 * The queue is kept on the global object, not in a module variable: the engine runs the provider
 * from its serialised text, where a module variable is a copy made at serialisation (and a Promise
 * does not survive it: found live, "Cannot read properties of undefined (reading 'then')").
 */
export function oneAtATime<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const queue = restartQueue();
  if (queue.waiting > 0) progress(`${what}: waiting for another node's restart to end (one node at a time)`);
  queue.waiting++;
  const run = queue.tail.then(fn, fn).finally(() => {
    queue.waiting--;
  });
  queue.tail = run.catch(() => undefined);
  return run;
}

/**
 * Restarts the running domain `name` (already redefined with its new settings) one at a time,
 * drained first when it is a cluster member whose cluster runs, and waits until it is back.
 */
export async function restartDomain(
  uri: string,
  name: string,
  member: DomainMember | undefined,
  sshPrivateKey: string | undefined,
): Promise<void> {
  await oneAtATime(`domain ${name}`, async () => {
    const reach =
      member !== undefined && sshPrivateKey !== undefined ? { member, key: sshPrivateKey } : undefined;
    let drained = false;
    if (reach !== undefined) {
      progress(
        `domain ${name}: draining cluster member ${reach.member.clusterNode} (standby, cluster stopped)`,
      );
      const out = await onNode(reach.member.node, reach.key, (run) =>
        run(drainScript(reach.member.clusterNode)),
      );
      drained = out.stdout.trim().endsWith(DRAINED);
    }
    progress(`domain ${name}: restarting for the new vCPU/memory settings`);
    const shutdown = await runOnHost(shutdownScript(uri, name), { timeoutSeconds: SHUTDOWN_SECONDS + 60 });
    if (shutdown.stdout.trim() !== "") progress(`domain ${name}: ${shutdown.stdout.trim()}`);
    await virsh(uri, ["start", name]);
    if (reach === undefined) return;
    await waitNodeReady({
      node: reach.member.node,
      hostKey: reach.member.node.hostKey,
      sshPrivateKey: reach.key,
      hostname: reach.member.hostname,
      timeoutSeconds: reach.member.bootSeconds,
    });
    if (!drained) return;
    progress(`domain ${name}: ${reach.member.clusterNode} rejoining the cluster`);
    await onNode(reach.member.node, reach.key, (run) => run(rejoinScript(reach.member.clusterNode)));
    progress(`domain ${name}: ${reach.member.clusterNode} back in the cluster`);
  });
}
