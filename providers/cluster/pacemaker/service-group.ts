/**
 * ClusterServiceGroup: a service group as a pacemaker group (seed 001's service01): its resources in
 * start order — VIP (IPaddr2), the shared file system (Filesystem: the GlusterFS volume or a file
 * system on an iSCSI LUN), PostgreSQL (pgsql) — which the group colocates and orders; location
 * preferences from the failover domain; stickiness from the config; started by the cluster or not
 * (`autostart`). PostgreSQL's data is initialised once on the shared file system (render/pg-init.ts),
 * with the application role's password from a secret. With cman the group lives in cluster.conf
 * (CmanCluster): nothing is done here.
 *
 * `read` (CIB of the first member that answers): the group gone (→ created again), a member
 * deleted or with other parameters (`resourcesAsConfigured: false`), a member disabled
 * (`membersEnabled: false`), location constraints or stickiness changed
 * (`constraintsAsConfigured: false`); with `autostart` the group disabled (`enabled: false`).
 * Constraints made by `pcs resource move` (`cli-…`) are the operator's, not drift.
 * `update`: other parameters or operation timeouts → `pcs resource update` of that member in place;
 * a member missing, added, reordered or of another agent → the group is built again.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  onNode,
  removeUnlessUnreachable,
  runCommands,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { cibOf, firstMemberCib } from "./cib-reader";
import type { CibState } from "./cib";
import { labKind, type ClusterServiceGroupInputs, type ClusterServiceGroupOutputs } from "../../core/kind";
import { PG_BIN_DIR, renderPgInit } from "./pg-init";
import { pcsGroupResources, pcsGroupStickiness, pcsLocationPrefers } from "./pcs-commands";
import { shellQuote } from "../../exec/ssh";

const resourceSchema = () =>
  z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("ip"),
      name: z.string(),
      address: z.string(),
      cidrNetmask: z.number().int(),
      network: z.string(),
      monitorLink: z.boolean(),
    }),
    z.object({
      kind: z.literal("gluster-mount"),
      name: z.string(),
      volume: z.string(),
      mountPoint: z.string(),
    }),
    z.object({
      kind: z.literal("iscsi-filesystem"),
      name: z.string(),
      lun: z.number().int(),
      fsType: z.enum(["ext4", "xfs"]),
      mountPoint: z.string(),
    }),
    z.object({
      kind: z.literal("postgresql"),
      name: z.string(),
      dataDir: z.string(),
      port: z.number().int(),
    }),
  ]);

const schema = () =>
  z.object({
    stack: z.enum(["pacemaker", "cman"]),
    clusterName: z.string().min(1),
    nodes: z.array(sshEndpointField()).min(1),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    name: z.string().min(1),
    autostart: z.boolean(),
    domain: z.object({
      name: z.string(),
      nodes: z.array(z.string()).min(1),
      ordered: z.boolean(),
      restricted: z.boolean(),
    }),
    stickiness: z.number().int().min(0).optional(),
    resources: z.array(resourceSchema()).min(1, "a service group needs at least one resource"),
    lunDevices: z.record(z.string()),
    clusterNodeNames: z.record(z.string()),
    glusterMountOptions: z.string(),
    dbPassword: z.string(),
    dbClientCidr: z.string(),
    /** Digest of the rendered pcs commands (providers/core/rendering.ts): a renderer change is a change. */
    rendering: z.string().optional(),
    resourcesAsConfigured: z.boolean().default(true),
    membersEnabled: z.boolean().default(true),
    constraintsAsConfigured: z.boolean().default(true),
    enabled: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/**
 * Revision of this provider's idea of "as configured", part of the group's rendering digest: bump
 * it when read/converge start checking something new, so existing groups get the new code.
 */
export const SERVICE_GROUP_REVISION = 3;

/** The application role and database the lab's PostgreSQL gets. */
export const DB_ROLE = "lab";

/** The group's `pcs resource create` commands (and the enable/disable that follow). */
export function groupCommands(inputs: Inputs): string[][] {
  return pcsGroupResources(
    {
      name: inputs.name,
      autostart: inputs.autostart,
      domain: inputs.domain,
      ...(inputs.stickiness !== undefined ? { stickiness: inputs.stickiness } : {}),
      resources: inputs.resources,
    },
    { lunDevices: inputs.lunDevices, glusterMountOptions: inputs.glusterMountOptions },
  );
}

/** Every member's id, agent (`ocf:heartbeat:IPaddr2`) and instance attributes, in start order. */
export function wantedMembers(inputs: Inputs): {
  id: string;
  agent: string;
  attributes: Record<string, string>;
  /** `op NAME k=v…` of the command: operation name → its settings (`timeout`, `interval`). */
  operations: Record<string, Record<string, string>>;
}[] {
  const pair = (a: string): [string, string] => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
  return groupCommands(inputs)
    .filter((c) => c[1] === "resource" && c[2] === "create")
    .map((c) => {
      const group = c.indexOf("--group");
      const firstOp = c.indexOf("op");
      const operations: Record<string, Record<string, string>> = {};
      let current: Record<string, string> | undefined;
      for (let i = firstOp >= 0 ? firstOp : group; i < group; i++) {
        const a = c[i] ?? "";
        if (a === "op") {
          current = {};
          operations[c[i + 1] ?? ""] = current;
          i++;
        } else if (current !== undefined) {
          const [k, v] = pair(a);
          current[k] = v;
        }
      }
      return {
        id: c[3] ?? "",
        agent: c[4] ?? "",
        attributes: Object.fromEntries(c.slice(5, firstOp >= 0 ? firstOp : group).map(pair)),
        operations,
      };
    });
}

/** The location constraints wanted: cluster node → score (`-INFINITY` for avoided nodes). */
export function wantedLocations(inputs: Inputs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cmd of pcsLocationPrefers(inputs.name, inputs.domain, inputs.clusterNodeNames)) {
    const avoids = cmd.includes("avoids");
    for (const a of cmd.slice(cmd.indexOf(avoids ? "avoids" : "prefers") + 1)) {
      const [node = "", score] = a.split("=");
      out[node] = avoids ? `-${score ?? "INFINITY"}` : (score ?? "INFINITY");
    }
  }
  return out;
}

type WantedMember = ReturnType<typeof wantedMembers>[number];
type LiveMember = CibState["primitives"][number];

/** Are a member's instance attributes and operation timeouts/intervals as wanted? */
function sameSettings(w: WantedMember, live: LiveMember): boolean {
  return (
    Object.entries(w.attributes).every(([k, v]) => live.instanceAttributes[k] === v) &&
    Object.entries(w.operations).every(([name, settings]) => {
      const op = live.operations.find((o) => o.name === name);
      return (
        op !== undefined &&
        (settings.timeout === undefined || op.timeout === settings.timeout) &&
        (settings.interval === undefined || op.interval === settings.interval)
      );
    })
  );
}

/** The group's live members, when they are the wanted ids with the wanted agents in that order. */
function sameShapeMembers(inputs: Inputs, cib: CibState): LiveMember[] | undefined {
  const group = cib.groups.find((g) => g.id === inputs.name);
  if (group === undefined) return undefined;
  const wanted = wantedMembers(inputs);
  const agentOf = (p: { class: string; provider?: string; type: string }) =>
    [p.class, p.provider, p.type].filter(Boolean).join(":");
  const members = group.members.map((id) => cib.primitives.find((p) => p.id === id));
  const same =
    group.members.join(" ") === wanted.map((w) => w.id).join(" ") &&
    wanted.every((w, i) => members[i] !== undefined && agentOf(members[i]) === w.agent);
  return same ? (members as LiveMember[]) : undefined;
}

/**
 * `pcs resource update` of each member whose parameters or operations differ, when the members are
 * otherwise as configured (pacemaker then restarts only that member and those after it in the
 * group); `undefined` when the group must be built again (a member missing, added, reordered, or
 * of another agent).
 */
export function memberUpdates(inputs: Inputs, cib: CibState): string[][] | undefined {
  const live = sameShapeMembers(inputs, cib);
  if (live === undefined) return undefined;
  return wantedMembers(inputs).flatMap((w, i) => {
    const member = live[i];
    if (member === undefined || sameSettings(w, member)) return [];
    const ops = Object.entries(w.operations).flatMap(([name, settings]) => [
      "op",
      name,
      ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
    ]);
    return [
      [
        "pcs",
        "resource",
        "update",
        w.id,
        ...Object.entries(w.attributes).map(([k, v]) => `${k}=${v}`),
        ...ops,
      ],
    ];
  });
}

/** What the live CIB says about the group, as the resource's desired-state fields. */
export function liveState(inputs: Inputs, cib: CibState): Partial<Inputs> | undefined {
  const group = cib.groups.find((g) => g.id === inputs.name);
  if (group === undefined) return undefined;
  const members = group.members.map((id) => cib.primitives.find((p) => p.id === id));
  // As configured = the same members, and none needing an update.
  const updates = memberUpdates(inputs, cib);
  const resourcesAsConfigured = updates !== undefined && updates.length === 0;
  const locations: Record<string, string> = {};
  for (const l of cib.constraints.locations) {
    if (l.rsc === inputs.name && !l.id.startsWith("cli-")) locations[l.node] = l.score;
  }
  const want = wantedLocations(inputs);
  const sameLocations =
    Object.keys(want).length === Object.keys(locations).length &&
    Object.entries(want).every(
      ([n, s]) => locations[n] === s || (s === "INFINITY" && locations[n] === "+INFINITY"),
    );
  const stickiness = group.meta["resource-stickiness"];
  const sameStickiness =
    inputs.stickiness === undefined ? stickiness === undefined : stickiness === String(inputs.stickiness);
  return {
    resourcesAsConfigured,
    membersEnabled: members.every((m) => m?.meta["target-role"] !== "Stopped"),
    constraintsAsConfigured: sameLocations && sameStickiness,
    enabled: inputs.autostart ? group.meta["target-role"] !== "Stopped" : inputs.enabled,
  };
}

/**
 * Mounts the group's shared file system on this node if needed, initialises PostgreSQL's data
 * there once (password on stdin), and unmounts what it mounted.
 */
export function pgInitScript(inputs: Inputs): string | undefined {
  const pg = inputs.resources.find((r) => r.kind === "postgresql");
  if (pg === undefined) return undefined;
  const fs = [...inputs.resources]
    .reverse()
    .find((r) => r.kind === "gluster-mount" || r.kind === "iscsi-filesystem");
  let mount = "";
  if (fs?.kind === "gluster-mount") {
    mount = `mount -t glusterfs -o ${shellQuote(inputs.glusterMountOptions || "defaults")} localhost:/${fs.volume} ${shellQuote(fs.mountPoint)}`;
  } else if (fs?.kind === "iscsi-filesystem") {
    const dev = shellQuote(inputs.lunDevices[String(fs.lun)] ?? "");
    mount = `blkid ${dev} >/dev/null 2>&1 || mkfs.${fs.fsType} -q ${dev}
mount ${dev} ${shellQuote(fs.mountPoint)}`;
  }
  const mp = fs === undefined ? "" : shellQuote(fs.mountPoint);
  const init = renderPgInit({
    dataDir: pg.dataDir,
    port: pg.port,
    clientCidr: inputs.dbClientCidr,
    role: DB_ROLE,
    binDir: PG_BIN_DIR,
  });
  return `${SCRIPT_FAIL}
mounted=
${
  fs === undefined
    ? ""
    : `mkdir -p ${mp}
if ! mountpoint -q ${mp}; then
  ${mount.replace(/\n/g, "\n  ")}
  mounted=yes
fi`
}
trap '[ -z "$mounted" ] || umount ${mp}' EXIT
bash -c ${shellQuote(init)}`;
}

async function converge(inputs: Inputs): Promise<ClusterServiceGroupOutputs> {
  if (inputs.stack === "cman") return { groupId: inputs.name };
  const first = inputs.nodes[0];
  if (first === undefined) throw new Error("nodes: the group needs the cluster's nodes");
  return onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, async () => {
      let cib = await cibOf(run);
      let state = liveState(inputs, cib);
      const updates = state !== undefined && !state.resourcesAsConfigured ? memberUpdates(inputs, cib) : [];
      if (updates !== undefined && updates.length > 0) {
        // Same members, other parameters or operations: updated in place.
        progress(`service group ${inputs.name}: updating ${updates.map((u) => u[3]).join(", ")} in place`);
        await runCommands(run, updates, { timeoutSeconds: 300 });
        cib = await cibOf(run);
        state = liveState(inputs, cib);
      } else if (updates === undefined) {
        // A member deleted, added or of another agent: the group is built again (a short outage).
        progress(`service group ${inputs.name}: members differ from the config, re-creating the group`);
        // Stopped first (and waited for), so no file system is left mounted on another node.
        const group = shellQuote(inputs.name);
        await run(
          `pcs resource disable ${group} --wait=300 >/dev/null\npcs resource delete ${group} --force >/dev/null`,
          {
            timeoutSeconds: 660,
          },
        );
        cib = await cibOf(run);
        state = undefined;
      }
      if (state === undefined) {
        const init = pgInitScript(inputs);
        if (init !== undefined) {
          const done = await run(init, {
            stdin: `${inputs.dbPassword}\n`,
            sensitive: [inputs.dbPassword],
            timeoutSeconds: 600,
          });
          if (done.stdout.includes("initialised"))
            progress(`service group ${inputs.name}: PostgreSQL data initialised`);
        }
        // Then the fail history of these resource ids is cleared: pacemaker keeps it in the status
        // section across a delete, and a past start failure (INFINITY) would ban the new group
        // from that node — found live: service01-db never failed over to node02.
        await runCommands(run, [...groupCommands(inputs), ["pcs", "resource", "cleanup", inputs.name]], {
          timeoutSeconds: 900,
        });
        progress(
          `service group ${inputs.name}: created (${wantedMembers(inputs)
            .map((m) => m.id)
            .join(", ")})`,
        );
      } else {
        const fixes: string[][] = [];
        const disabled = cib.primitives.filter(
          (p) => p.group === inputs.name && p.meta["target-role"] === "Stopped",
        );
        if (disabled.length > 0) fixes.push(["pcs", "resource", "enable", ...disabled.map((p) => p.id)]);
        if (inputs.autostart && !state.enabled) fixes.push(["pcs", "resource", "enable", inputs.name]);
        await runCommands(run, fixes, { timeoutSeconds: 300 });
      }
      // Constraints and stickiness: ours removed and set again (the operator's cli-… ones stay).
      cib = await cibOf(run);
      const ours = cib.constraints.locations.filter((l) => l.rsc === inputs.name && !l.id.startsWith("cli-"));
      const after = liveState(inputs, cib);
      if (after !== undefined && !after.constraintsAsConfigured) {
        const stickiness = pcsGroupStickiness(inputs);
        const cmds = [
          ...ours.map((l) => ["pcs", "constraint", "remove", l.id]),
          ...pcsLocationPrefers(inputs.name, inputs.domain, inputs.clusterNodeNames),
          stickiness ?? ["pcs", "resource", "meta", inputs.name, "resource-stickiness="],
        ];
        await runCommands(run, cmds, { timeoutSeconds: 300 });
      }
      return { groupId: inputs.name };
    }),
  );
}

/** The ClusterServiceGroup provider. */
export const serviceGroupProvider = defineProvider<ReturnType<typeof schema>, ClusterServiceGroupOutputs>({
  kind: "ClusterServiceGroup",
  schema,
  forceNew: ["stack", "name"],
  deleteBeforeReplace: true,
  async create(inputs) {
    return { id: inputs.name, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    if (olds.stack === "cman") return {};
    const cib = await firstMemberCib(olds.nodes, olds.sshPrivateKey);
    return cib === undefined ? {} : liveState(olds, cib);
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    const first = olds.nodes[0];
    if (olds.stack === "cman" || first === undefined) return;
    await removeUnlessUnreachable(`service group ${olds.name}`, () =>
      onNode(first, olds.sshPrivateKey, (run) =>
        run(`pcs resource delete ${shellQuote(olds.name)} --force >/dev/null 2>&1 || true`, {
          timeoutSeconds: 300,
        }),
      ),
    );
  },
});

/** A service group. */
export const ClusterServiceGroupRes = labKind<ClusterServiceGroupInputs, ClusterServiceGroupOutputs>(
  serviceGroupProvider,
  {
    outputs: { groupId: true },
    secretInputs: ["sshPrivateKey", "dbPassword"],
  },
);
export type ClusterServiceGroupRes = InstanceType<typeof ClusterServiceGroupRes>;
