/**
 * ClusterServiceGroup: a service group as a pacemaker group (seed 001's service01): its resources in
 * start order — VIP (IPaddr2), the shared file system (Filesystem: the GlusterFS volume or a file
 * system on an iSCSI LUN), PostgreSQL (pgsql) — which the group colocates and orders; location
 * preferences from the failover domain; stickiness from the config; started by the cluster or not
 * (`autostart`). PostgreSQL's data is initialised once on the shared file system (pg-init.ts),
 * with the application role's password from a secret. With cman the group lives in cluster.conf
 * (CmanCluster): nothing is done here.
 *
 * `read` compares the wanted group and constraints (structures of group-commands.ts and
 * constraint-commands.ts) with the same structures read from the CIB of the first member that
 * answers (pcs-drift.ts): the group gone (→ created again), a member
 * deleted or with other parameters (`resourcesAsConfigured: false`), a member disabled
 * (`membersEnabled: false`), location constraints or stickiness changed
 * (`constraintsAsConfigured: false`); with `autostart` the group disabled (`enabled: false`); a
 * member banned from a node by a past failure (`failuresCleared: false`: `pcs resource cleanup` of
 * it there, fail-counts.ts). Constraints made by `pcs resource move` (`cli-…`) are the operator's,
 * not drift. No member answering with a CIB (the cluster down or destroyed) reads as
 * `verified: false`: an update that converges the group against the live CIB (after the
 * cluster's own update in the same run). Where PostgreSQL runs (pg-state.ts), what pg-init wrote
 * (`databaseCurrent`: postgresql.conf's lab settings, the pg_hba.conf line, the role, the
 * database) and the role's password (`dbPasswordCurrent`: a login with the secret); not checked
 * while it runs on no node that answers.
 * `update`: other parameters or operation timeouts → `pcs resource update` of that member in place;
 * a member missing, added, reordered or of another agent → the group is built again; PostgreSQL's
 * drift repaired in place where it runs (lines edited, role or database created, `ALTER ROLE`,
 * reload), its data directory never initialised again.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  firstAnswer,
  firstOf,
  onNode,
  runCommands,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { cibOf, firstMemberCib, removeFromCib } from "./cib-reader";
import type { CibState } from "./cib";
import { labKind } from "../../core/kind";
import { PG_BIN_DIR, renderPgInit } from "./pg-init";
import { parsePgState, pgConfigHeld, pgProbeScript, pgRepairScript, type PgPlace } from "./pg-state";
import { groupRebuildRemoval, groupResources, resourceDeleteArgv } from "./group-commands";
import { groupLocations, groupMetaArgv, GROUP_META } from "./constraint-commands";
import {
  constraintRemoveArgv,
  enableArgv,
  groupCreateArgv,
  locationArgv,
  type PcsGroup,
  type PcsLocation,
} from "./pcs-resource";
import { groupDrift, groupOfCib, locationDrift, locationsOfCib } from "./pcs-drift";
import { disabledMembers, memberUpdateArgv } from "./resource-set";
import { bansOf, cleanupArgv, type Ban } from "./fail-counts";
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
    /** iSCSI LUN number → device path on the nodes (for `iscsi-filesystem` resources). */
    lunDevices: z.record(z.string()),
    /** Member name → the cluster's name for it (`node01h`): location constraints. */
    clusterNodeNames: z.record(z.string()),
    /** `mount -o` options of a GlusterFS mount (seed 001's log options). */
    glusterMountOptions: z.string(),
    /** Password of the application role of PostgreSQL (secret; empty without PostgreSQL). */
    dbPassword: z.string(),
    /** Network allowed to reach PostgreSQL with the password (the service network). */
    dbClientCidr: z.string(),
    /** Desired: every member as configured (drift when deleted or changed). */
    resourcesAsConfigured: z.boolean().default(true),
    /** Desired: no member disabled. */
    membersEnabled: z.boolean().default(true),
    /** Desired: location constraints and stickiness as configured. */
    constraintsAsConfigured: z.boolean().default(true),
    /** Desired (autostart): the group enabled. */
    enabled: z.boolean().default(true),
    /** Desired: no member banned from a node by a past failure (fail-counts.ts). */
    failuresCleared: z.boolean().default(true),
    /** Desired: a member answered with a CIB to check the group against. */
    verified: z.boolean().default(true),
    /** Desired: where PostgreSQL runs, what pg-init wrote holds (pg-state.ts: settings, pg_hba line, role, database). */
    databaseCurrent: z.boolean().default(true),
    /** Desired: where PostgreSQL runs, the role logs in with `dbPassword`. */
    dbPasswordCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a ClusterServiceGroup, as its schema takes them (fields with a default are optional). */
export type ClusterServiceGroupInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a ClusterServiceGroup. */
export interface ClusterServiceGroupOutputs {
  /** The group's name in the cluster. */
  groupId: string;
}

/** The application role and database the lab's PostgreSQL gets. */
export const DB_ROLE = "lab";

/**
 * How long PostgreSQL's first initdb and start on the shared file system may take: over 3 minutes
 * on a quiet host under TCG, and more than 600 s on a busy one.
 */
const PG_INIT_SECONDS = 1200;

/** The group the inputs want, as a structure: members in start order, stickiness as its meta. */
export function wantedGroup(inputs: Inputs): PcsGroup {
  return groupResources(
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

/** The group's `pcs resource create` commands (and the enable/disable that follow). */
export function groupCommands(inputs: Inputs): string[][] {
  return groupCreateArgv(wantedGroup(inputs), inputs.autostart);
}

/** The group's location constraints ({@link groupLocations}: `-INFINITY` for avoided nodes). */
export function wantedLocations(inputs: Inputs): PcsLocation[] {
  return groupLocations(inputs.name, inputs.domain, inputs.clusterNodeNames);
}

/**
 * `pcs resource update` of each member whose parameters or operations differ, when the members are
 * otherwise as configured (pacemaker then restarts only that member and those after it in the
 * group); `undefined` when the group must be built again (a member missing, added, reordered, or
 * of another agent), or is not in the CIB.
 */
export function memberUpdates(inputs: Inputs, cib: CibState): string[][] | undefined {
  return memberUpdateArgv(wantedGroup(inputs), cib, GROUP_META);
}

/** What the live CIB says about the group, as the resource's desired-state fields. */
export function liveState(inputs: Inputs, cib: CibState): Partial<Inputs> | undefined {
  const live = groupOfCib(cib, inputs.name);
  if (live === undefined) return undefined;
  // As configured = the same members, and none needing an update.
  const drift = groupDrift(wantedGroup(inputs), live, GROUP_META);
  const locations = locationDrift(wantedLocations(inputs), locationsOfCib(cib, inputs.name));
  return {
    resourcesAsConfigured: drift.rebuild.length === 0 && drift.update.length === 0,
    membersEnabled: live.members.every((m) => m.meta["target-role"] !== "Stopped"),
    constraintsAsConfigured: locations.length === 0 && drift.meta.length === 0,
    enabled: inputs.autostart ? live.meta["target-role"] !== "Stopped" : inputs.enabled,
    failuresCleared: groupBans(inputs, cib).length === 0,
  };
}

/** The group's members (and the group) that a past failure bans from a node. */
export function groupBans(inputs: Inputs, cib: CibState): Ban[] {
  return bansOf(cib, [inputs.name, ...wantedGroup(inputs).members.map((m) => m.id)]);
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

/** The group's PostgreSQL as pg-state.ts reads it, or `undefined` without one. */
export function pgPlaceOf(inputs: Inputs): PgPlace | undefined {
  const pg = inputs.resources.find((r) => r.kind === "postgresql");
  if (pg === undefined) return undefined;
  return { dataDir: pg.dataDir, port: pg.port, clientCidr: inputs.dbClientCidr, role: DB_ROLE };
}

/** The run options that give a script the role's password on stdin, redacted from errors. */
function dbPasswordOnStdin(inputs: Inputs): { stdin: string; sensitive: string[] } {
  return { stdin: `${inputs.dbPassword}\n`, sensitive: [inputs.dbPassword] };
}

/**
 * The group's PostgreSQL where it runs (the nodes tried in order; one that cannot be reached or
 * does not run it is skipped): `databaseCurrent` and `dbPasswordCurrent`, or nothing when it runs
 * on no node that answers (not checked: the group stopped or moving).
 */
async function readDatabase(inputs: Inputs): Promise<Partial<Inputs>> {
  const place = pgPlaceOf(inputs);
  if (place === undefined) return {};
  const state = await firstAnswer(inputs.nodes, (node) =>
    onNode(node, inputs.sshPrivateKey, async (run) =>
      parsePgState(
        (await run(pgProbeScript(place), { ...dbPasswordOnStdin(inputs), timeoutSeconds: 60 })).stdout,
      ),
    ),
  );
  if (state === undefined) return {};
  return { databaseCurrent: pgConfigHeld(place, state), dbPasswordCurrent: state.login };
}

/** Repairs the group's PostgreSQL where it runs (pg-state.ts); fails with the fix when it runs nowhere. */
async function repairDatabase(inputs: Inputs): Promise<void> {
  const place = pgPlaceOf(inputs);
  if (place === undefined) return;
  const where = await firstAnswer(inputs.nodes, (node) =>
    onNode(node, inputs.sshPrivateKey, (run) =>
      explained(node.address, async () => {
        const done = await run(pgRepairScript(place), { ...dbPasswordOnStdin(inputs), timeoutSeconds: 120 });
        return done.stdout.includes("repaired") ? node.address : undefined;
      }),
    ),
  );
  if (where === undefined) {
    throw new Error(
      `service group ${inputs.name}: PostgreSQL runs on no node that answers, so its configuration and role cannot be repaired. ` +
        "Fix: start the group (pcs resource enable, pcs status on a node), then run pulumi up again",
    );
  }
  progress(
    `service group ${inputs.name}: PostgreSQL's settings, role, database and password repaired on ${where}`,
  );
}

async function converge(inputs: Inputs): Promise<ClusterServiceGroupOutputs> {
  if (inputs.stack === "cman") return { groupId: inputs.name };
  const first = firstOf(inputs.nodes, "nodes: the group needs the cluster's nodes");
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
        await run(groupRebuildRemoval(inputs.name), { timeoutSeconds: 660 });
        cib = await cibOf(run);
        state = undefined;
      }
      if (state === undefined) {
        const init = pgInitScript(inputs);
        if (init !== undefined) {
          progress(`service group ${inputs.name}: initialising PostgreSQL's data on the shared file system`);
          const done = await run(init, {
            stdin: `${inputs.dbPassword}\n`,
            sensitive: [inputs.dbPassword],
            timeoutSeconds: PG_INIT_SECONDS,
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
          `service group ${inputs.name}: created (${wantedGroup(inputs)
            .members.map((m) => m.id)
            .join(", ")})`,
        );
      } else {
        const fixes: string[][] = [];
        const disabled = disabledMembers(cib, inputs.name);
        if (disabled.length > 0) fixes.push(enableArgv(disabled));
        if (inputs.autostart && !state.enabled) fixes.push(enableArgv([inputs.name]));
        fixes.push(...groupBans(inputs, cib).map(cleanupArgv));
        await runCommands(run, fixes, { timeoutSeconds: 300 });
      }
      // Constraints and stickiness: ours removed and set again (the operator's cli-… ones stay).
      cib = await cibOf(run);
      const ours = locationsOfCib(cib, inputs.name);
      const after = liveState(inputs, cib);
      if (after !== undefined && !after.constraintsAsConfigured) {
        const cmds = [
          ...ours.map((l) => constraintRemoveArgv([l.id])),
          ...locationArgv(inputs.name, wantedLocations(inputs)),
          groupMetaArgv(wantedGroup(inputs)),
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
  render: (inputs) => {
    const pg = pgPlaceOf(inputs);
    return {
      group: groupCommands(inputs),
      locations: locationArgv(inputs.name, wantedLocations(inputs)),
      pgInit: pgInitScript(inputs) ?? "",
      ...(pg === undefined ? {} : { pgProbe: pgProbeScript(pg), pgRepair: pgRepairScript(pg) }),
    };
  },
  // What read and converge check beyond the rendered commands (disabled members, constraints,
  // stickiness); 4: the delete removes the group from the CIB of the first member whose pacemaker
  // answers and checks it gone (a delete runs the stored code).
  revision: 4,
  schema,
  forceNew: ["stack", "name"],
  deleteBeforeReplace: true,
  async create(inputs) {
    return { id: inputs.name, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    if (olds.stack === "cman") return {};
    const cib = await firstMemberCib(olds.nodes, olds.sshPrivateKey);
    // No member answers with a CIB (the cluster down or destroyed): not verified, an update.
    if (cib === undefined) return { verified: false };
    const state = liveState(olds, cib);
    return state === undefined ? undefined : { ...state, verified: true, ...(await readDatabase(olds)) };
  },
  async update(_id, olds, news) {
    const outs = await converge(news);
    if (news.stack === "pacemaker" && (olds.databaseCurrent === false || olds.dbPasswordCurrent === false))
      await repairDatabase(news);
    return outs;
  },
  async delete(_id, olds) {
    if (olds.stack === "cman") return;
    await removeFromCib({
      what: `service group ${olds.name}`,
      nodes: olds.nodes,
      privateKey: olds.sshPrivateKey,
      ids: [olds.name],
      argvOf: resourceDeleteArgv,
    });
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
