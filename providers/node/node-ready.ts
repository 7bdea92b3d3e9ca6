/**
 * NodeReady: waits until a node answers on SSH (root, the program key, its management address)
 * and cloud-init has finished (the seed's completion marker), within `timeoutSeconds`, reporting
 * progress. Checks the host name and records the boot id and the node's SSH host key, which later
 * connections pin.
 *
 * Its inputs are the node's stable identity only (address, expected host name): every later part
 * of the lab takes the node's endpoint from it, so nothing that changes on a running node (a
 * restart for new vCPU/memory settings, a new seed) makes it — or them — look changed in a
 * preview. A new domain is a new machine: the component replaces this resource with it.
 *
 * `read` tries a few times ({@link READ_ATTEMPT}): a node that does not answer (stopped, destroyed,
 * network down) shows as `reachable: false`, and the next `up` waits for it again after its domain
 * is repaired. One slow handshake is no such drift: on a loaded TCG host a running node's sshd took
 * longer than one short attempt (found live: a refresh reported a running director unreachable).
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress } from "../exec/host-exec";
import { labKind } from "../core/kind";
import { CLOUD_INIT_DONE_MARKER } from "./cloud-init";
import { errorMessage, isRemoteCommandError, runRemote, type SshTarget } from "../exec/ssh";

const ATTEMPT_CONNECT_SECONDS = 10;
const PAUSE_MS = 3000;

/**
 * How `read` reaches a node: connection failures retried with backoff (a node that is down fails
 * each attempt at once or within the connect timeout), a handshake given time under load.
 */
export const READ_ATTEMPT = { retries: 3, connectTimeoutSeconds: 20, timeoutSeconds: 30 } as const;

const schema = () =>
  z.object({
    /** The node, reached without a pinned host key (this kind learns it). */
    node: z.object({ address: z.string(), port: z.number().int(), user: z.string() }),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Expected host name (checked once SSH answers). */
    hostname: z.string().min(1),
    timeoutSeconds: z.number().int().min(10, "timeoutSeconds must be at least 10"),
    /** Desired: answers on SSH (drift when it does not). */
    reachable: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a NodeReady, as its schema takes them (fields with a default are optional). */
export type NodeReadyInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a NodeReady. */
export interface NodeReadyOutputs {
  /** The node's boot id (`/proc/sys/kernel/random/boot_id`) when last seen. */
  bootId: string;
  /** The node's SSH host key (`type base64`), pinned by later connections. */
  sshHostKey: string;
}

/**
 * Exit code of the probe when cloud-init finished with errors, or without creating the seed's
 * marker: a failed seed (waiting longer cannot help).
 */
const SEED_FAILED = 3;
/** Exit code of the probe when cloud-init had not finished within the wait. */
const NOT_FINISHED = 4;

/**
 * The probe run on the node once SSH answers: cloud-init finished (result.json is written when
 * its last stage ends; `status --wait` may return between stages when an earlier one reported an
 * error), with no error (`cloud-init status` exits 1 when it reported errors; 2, from cloud-init
 * 23.4 on, for recoverable ones only, which are no failure) and the seed's marker made; then the
 * host name and the boot id.
 */
export function readinessProbe(waitSeconds: number): string {
  return `end=$((SECONDS + ${waitSeconds}))
while [ ! -f /run/cloud-init/result.json ] && [ $SECONDS -lt $end ]; do sleep 2; done
[ -f /run/cloud-init/result.json ] || { echo "cloud-init had not finished" >&2; exit ${NOT_FINISHED}; }
code=0
status=$(cloud-init status --long 2>&1) || code=$?
if [ "$code" = 1 ] || [ ! -f ${CLOUD_INIT_DONE_MARKER} ]; then printf '%s\\n' "$status" >&2; exit ${SEED_FAILED}; fi
hostname
cat /proc/sys/kernel/random/boot_id`;
}

function target(inputs: Inputs, hostKey?: string, connectTimeoutSeconds = ATTEMPT_CONNECT_SECONDS): SshTarget {
  return {
    host: inputs.node.address,
    port: inputs.node.port,
    username: inputs.node.user,
    privateKey: inputs.sshPrivateKey,
    connectTimeoutSeconds,
    ...(hostKey ? { hostKey } : {}),
  };
}

async function waitReady(inputs: Inputs): Promise<NodeReadyOutputs> {
  const start = Date.now();
  const deadline = start + inputs.timeoutSeconds * 1000;
  let last = "no answer yet";
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const left = Math.max(5, Math.round((deadline - Date.now()) / 1000));
    try {
      const result = await runRemote(target(inputs), readinessProbe(left), {
        retries: 0,
        timeoutSeconds: left + 10,
      });
      const [hostname = "", bootId = ""] = result.stdout.trim().split("\n");
      if (hostname.trim() !== inputs.hostname) {
        throw new Error(
          `${inputs.node.address} answers as "${hostname.trim()}", expected "${inputs.hostname}". ` +
            "Fix: another machine holds this address — check the lab's address plan and running VMs",
        );
      }
      progress(`${inputs.hostname}: ready after ${Math.round((Date.now() - start) / 1000)} s`);
      return { bootId: bootId.trim(), sshHostKey: result.hostKey ?? "" };
    } catch (err) {
      if (isRemoteCommandError(err) && err.code === SEED_FAILED) {
        throw new Error(
          `${inputs.hostname}: cloud-init finished with errors or without applying the seed: ${err.stderrTail.trim()}\n` +
            "Fix: read /var/log/cloud-init.log on the node (virsh console) for the cause, then run `pulumi up` again",
        );
      }
      if (/answers as/.test(errorMessage(err))) throw err;
      // Not up yet, cloud-init still running, or the connection dropped while it booted: try
      // again until the deadline.
      last =
        isRemoteCommandError(err) && err.code === NOT_FINISHED
          ? "cloud-init had not finished"
          : (errorMessage(err).split("\n")[0] ?? "");
    }
    if (attempt === 1 || attempt % 5 === 0) {
      progress(
        `${inputs.hostname}: waiting for SSH on ${inputs.node.address} (${Math.round((Date.now() - start) / 1000)} s of ${inputs.timeoutSeconds} s)`,
      );
    }
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  throw new Error(
    `${inputs.hostname} did not become ready on ${inputs.node.address} within ${inputs.timeoutSeconds} s (last: ${last}). ` +
      "Fix: look at the VM's console (virsh console), or raise timeouts.bootSeconds; then run `pulumi up` again",
  );
}

/** The NodeReady provider. */
export const nodeReadyProvider = defineProvider({
  kind: "NodeReady",
  schema,
  // A replaced domain replaces it too (the component's replaceWith): a new machine, a new wait.
  forceNew: ["node"],
  async create(inputs) {
    const outs = await waitReady(inputs);
    return { id: `${inputs.hostname}@${inputs.node.address}`, outs };
  },
  async read(_id, olds) {
    try {
      const result = await runRemote(
        target(olds, undefined, READ_ATTEMPT.connectTimeoutSeconds),
        "cat /proc/sys/kernel/random/boot_id",
        { retries: READ_ATTEMPT.retries, timeoutSeconds: READ_ATTEMPT.timeoutSeconds },
      );
      return { reachable: true, bootId: result.stdout.trim(), sshHostKey: result.hostKey ?? olds.sshHostKey };
    } catch {
      return { reachable: false };
    }
  },
  async update(_id, _olds, news) {
    return waitReady(news);
  },
});

/** Waits for a node to answer on SSH with cloud-init done. */
export const NodeReady = labKind<NodeReadyInputs, NodeReadyOutputs>(nodeReadyProvider, {
  outputs: { bootId: true, sshHostKey: true },
  secretInputs: ["sshPrivateKey"],
});
export type NodeReady = InstanceType<typeof NodeReady>;
