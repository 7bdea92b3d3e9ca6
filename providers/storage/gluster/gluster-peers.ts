/**
 * GlusterPeers: the trusted storage pool of seed 001 — glusterd enabled and running on every node,
 * every peer probed by its name on the gluster network (`gluster peer probe node02m`; the first
 * node is probed back from the second so the pool knows it by name too), and a wait until every
 * peer is connected.
 *
 * `read` asks the first node (`gluster --xml pool list`): a peer that left the pool or is not
 * connected (glusterd stopped) is missing from `peers`; the next `up` starts glusterd and probes.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  isUnreachable,
  onNode,
  orIfUnreachable,
  removeUnlessUnreachable,
  SCRIPT_FAIL,
  sshEndpointField,
  type Runner,
} from "../../exec/node-exec";
import { parsePoolListXml, type GlusterPeer } from "./gluster-xml";
import { labKind } from "../../core/kind";
import { shellQuote } from "../../exec/ssh";
import { enabledAtBoot, parseUnitStates, unitStatesProbe } from "../../node/unit-states";

const schema = () =>
  z.object({
    nodes: z.array(sshEndpointField()).min(2, "a pool needs at least two nodes"),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Host names probed (on the gluster network), in node order. */
    peers: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/, "peers must be host names")),
    /** Desired: glusterd is enabled at boot on every node that answers. */
    enabledAtBoot: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a GlusterPeers, as its schema takes them. */
export type GlusterPeersInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a GlusterPeers. */
export interface GlusterPeersOutputs {
  /** Peers connected in the pool once it converged. */
  peerCount: number;
}

/** The `gluster` CLI without prompts. */
export const GLUSTER = "gluster --mode=script";

/** How long peers may take to show as connected. */
const CONNECT_WAIT_SECONDS = 120;

/**
 * How long glusterd may take to answer after its start (found live: the first start on a busy
 * 2-core host under TCG took longer than 90 s).
 */
const GLUSTERD_WAIT_SECONDS = 240;

/** glusterd enabled and answering on a node. */
export const GLUSTERD_UP = `${SCRIPT_FAIL}
command -v gluster >/dev/null || fail "glusterfs-server is not installed. Fix: use the lab image, or apt-get install glusterfs-server"
systemctl enable glusterd >/dev/null 2>&1 || true
systemctl start glusterd
# Bounded by time, not by tries: under TCG on a busy host one \`gluster pool list\` alone can take seconds.
while [ "$SECONDS" -lt ${GLUSTERD_WAIT_SECONDS} ]; do ${GLUSTER} pool list >/dev/null 2>&1 && exit 0; sleep 2; done
fail "glusterd does not answer after ${GLUSTERD_WAIT_SECONDS} s. Fix: systemctl status glusterd and /var/log/glusterfs/glusterd.log on the node"`;

/** `read`'s probe of glusterd's boot state on each node. */
export const GLUSTERD_BOOT_PROBE = unitStatesProbe(["glusterd"]);

/** Peer names that are in the pool and connected, as the node that printed `xml` sees it. */
export function connectedPeers(pool: GlusterPeer[], self: string): string[] {
  return pool.flatMap((p) => (p.connected ? (p.self ? [self] : [p.hostname, ...p.hostnames]) : []));
}

/** The peers of `wanted` that are connected, in `wanted`'s order. */
export function presentPeers(wanted: string[], pool: GlusterPeer[]): string[] {
  const seen = connectedPeers(pool, wanted[0] ?? "localhost");
  return wanted.filter((p) => seen.includes(p));
}

async function poolOf(run: Runner): Promise<GlusterPeer[]> {
  return parsePoolListXml((await run(`${GLUSTER} --xml pool list`, { timeoutSeconds: 60 })).stdout);
}

async function converge(inputs: Inputs): Promise<GlusterPeersOutputs> {
  const [first, second] = inputs.nodes;
  const [firstName] = inputs.peers;
  if (first === undefined || second === undefined || firstName === undefined) {
    throw new Error("peers: a pool needs at least two nodes");
  }
  await Promise.all(
    inputs.nodes.map((node) =>
      onNode(node, inputs.sshPrivateKey, (run) =>
        explained(node.address, () => run(GLUSTERD_UP, { timeoutSeconds: GLUSTERD_WAIT_SECONDS + 60 })),
      ),
    ),
  );
  await onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, () =>
      run(`set -e\n${inputs.peers.slice(1).map(probeCommand).join("\n")}`, { timeoutSeconds: 120 }),
    ),
  );
  await onNode(second, inputs.sshPrivateKey, (run) =>
    explained(second.address, () => run(probeCommand(firstName), { timeoutSeconds: 120 })),
  );
  return onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, async () => {
      const deadline = Date.now() + CONNECT_WAIT_SECONDS * 1000;
      for (;;) {
        const present = presentPeers(inputs.peers, await poolOf(run));
        if (present.length === inputs.peers.length) {
          progress(`gluster: pool of ${present.length} peers connected`);
          return { peerCount: present.length };
        }
        if (Date.now() > deadline) {
          const missing = inputs.peers.filter((p) => !present.includes(p));
          throw new Error(
            `peers ${missing.join(", ")} did not connect within ${CONNECT_WAIT_SECONDS} s. ` +
              "Fix: check that the names resolve on every node (/etc/hosts) and glusterd runs there; then run pulumi up again",
          );
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    }),
  );
}

/** The command that probes one peer by name. */
export function probeCommand(name: string): string {
  return `${GLUSTER} peer probe ${shellQuote(name)} >/dev/null`;
}

/**
 * The script that detaches the pool's other peers from the first node. A peer already out of the
 * pool is fine; any other refusal (bricks on it, glusterd down) fails the delete with gluster's
 * words: the pool must not be forgotten while it still holds the peer.
 */
export function detachScript(peers: readonly string[]): string {
  const detach = (name: string) => `out=$(${GLUSTER} peer detach ${shellQuote(name)} 2>&1) || case "$out" in
  *"is not part of cluster"*) ;;
  *) fail "gluster peer detach ${name} failed: $(printf '%s' "$out" | tr '\\n' ' '). Fix: remove what still uses the peer (gluster volume info), or start glusterd (systemctl start glusterd); then run pulumi destroy again" ;;
esac`;
  return [SCRIPT_FAIL, ...peers.slice(1).map(detach)].join("\n");
}

/** The GlusterPeers provider. */
export const glusterPeersProvider = defineProvider({
  kind: "GlusterPeers",
  // The detach script too: a delete runs the code stored with the resource.
  render: (inputs) => ({
    glusterdUp: GLUSTERD_UP,
    probes: inputs.peers.map((peer) => probeCommand(peer)),
    detach: detachScript(inputs.peers),
  }),
  schema,
  check(inputs) {
    return inputs.peers.length === inputs.nodes.length
      ? []
      : [{ property: "peers", reason: "peers: give one host name per node, in node order" }];
  },
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: inputs.peers.join(","), outs };
  },
  async read(_id, olds) {
    const [first] = olds.nodes;
    if (first === undefined) return {};
    // A node that does not answer is left out here: it is missing from the pool's peers.
    const boot = await Promise.all(
      olds.nodes.map((node) =>
        orIfUnreachable(async () => {
          const { stdout } = await onNode(node, olds.sshPrivateKey, (run) =>
            run(GLUSTERD_BOOT_PROBE, { timeoutSeconds: 30 }),
          );
          return enabledAtBoot(parseUnitStates(stdout.split("\n")).glusterd);
        }, true),
      ),
    );
    const enabled = { enabledAtBoot: boot.every(Boolean) };
    try {
      const pool = await onNode(first, olds.sshPrivateKey, poolOf);
      return { peers: presentPeers(olds.peers, pool), ...enabled };
    } catch (err) {
      // The first node down or glusterd stopped there: the pool is not what it should be.
      if (isUnreachable(err) || /pool list/.test(String(err))) return { peers: [], ...enabled };
      throw err;
    }
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    const [first] = olds.nodes;
    if (first === undefined) return;
    await removeUnlessUnreachable(`gluster pool on ${first.address}`, () =>
      onNode(first, olds.sshPrivateKey, (run) =>
        explained(first.address, () => run(detachScript(olds.peers), { timeoutSeconds: 120 })),
      ),
    );
  },
});

/** The trusted storage pool. */
export const GlusterPeers = labKind<GlusterPeersInputs, GlusterPeersOutputs>(glusterPeersProvider, {
  outputs: { peerCount: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterPeers = InstanceType<typeof GlusterPeers>;
