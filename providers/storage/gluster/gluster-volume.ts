/**
 * GlusterVolume: seed 001's replica volume (`gluster volume create data00 replica 2 transport tcp
 * node01m:/glvol00 node02m:/glvol00`, `gluster volume start data00`), with the options from the
 * config, on bricks that are checked before anything is created.
 *
 * Bricks (brick i lives on node i):
 * - with `brickDevice`, the device gets an ext4 file system (only when it has none) mounted on the
 *   brick path through /etc/fstab;
 * - an empty or missing directory is used; a directory that is already a brick of this volume (the
 *   volume id recorded on the node, /var/lib/kvm-ha-lab/gluster/<name>.volume-id) after the volume
 *   was deleted out of band is reused with its files (its stale volume id is cleared); anything else
 *   — files that are not a brick, a brick of another volume — is refused with the fix.
 *
 * Drift (`read`, from the first node): the volume gone (→ created again), stopped (`started:
 * false`), a brick process down (`bricksOnline: false`), options changed, added or removed, bricks
 * or layout changed; and from each brick's node (brick-state.ts), its record of the volume id
 * (`volumeIdRecorded: false`, written again by every converge) and, with `brickDevice`, the
 * brick's ext4, fstab line and mount (`bricksMounted: false`: the line and the mount put back
 * before the converge restarts the brick). Option changes are updated in place (`volume set`/`reset`); so is a node's
 * brick added to or taken out of the replica set (replica-change.ts: online, healed, no data lost).
 * Any other change of the layout (replica, arbiter, bricks, name, device) replaces the volume,
 * which destroys its data: it is refused unless `allowDestructiveChanges` is set.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { GLUSTER } from "./gluster-peers";
import { progress } from "../../exec/host-exec";
import {
  explained,
  firstOf,
  isUnreachable,
  ONELINE,
  onNode,
  orIfUnreachable,
  removeOnEach,
  type Runner,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { parseVolumeInfoXml, parseVolumeStatusXml, type GlusterVolumeInfo } from "./gluster-xml";
import { labKind } from "../../core/kind";
import { shellJoin, shellQuote } from "../../exec/ssh";
import {
  brickFstabLine,
  brickMountHeld,
  brickPath,
  brickProbe,
  brickRepairScript,
  parseBrickState,
  VOLUME_ID_DIR,
  volumeIdFile,
  volumeIdRecord,
  type BrickState,
} from "./brick-state";
import { HEAL_WAIT_SECONDS, replicaChange, replicaChangeScript, type ReplicaChange } from "./replica-change";

const BRICK = /^[A-Za-z0-9.-]+:\/[^\s'"]*[^\s'"/]$/;

const schema = () =>
  z.object({
    nodes: z.array(sshEndpointField()).min(1),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, "name must be a plain volume name"),
    replica: z.number().int().min(2, "replica must be at least 2"),
    arbiter: z.boolean(),
    transport: z.literal("tcp"),
    /** `host:/path`, in replica-set order; brick i lives on node i. */
    bricks: z.array(z.string().regex(BRICK, "bricks must be host:/absolute/path")),
    brickDevice: z
      .string()
      .regex(/^\/dev\/[A-Za-z0-9/_.-]+$/, "brickDevice must be a device path such as /dev/vdb")
      .optional(),
    options: z.record(
      z.string().regex(/^[a-z0-9_.-]+$/i, "option names are like performance.cache-size"),
      z.string(),
    ),
    allowDestructiveChanges: z.boolean(),
    /** Desired: started (drift when stopped). */
    started: z.boolean().default(true),
    /** Desired: every brick process online (drift when one died). */
    bricksOnline: z.boolean().default(true),
    /** Desired: every brick's node records the volume's id (drift when the record is missing or another). */
    volumeIdRecorded: z.boolean().default(true),
    /** Desired (with `brickDevice`): each brick's device holds its ext4, its fstab line and is mounted on the brick. */
    bricksMounted: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;
type Stored = Inputs & Partial<GlusterVolumeOutputs>;

/** Inputs of a GlusterVolume, as its schema takes them (fields with a default are optional). */
export type GlusterVolumeInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a GlusterVolume. */
export interface GlusterVolumeOutputs {
  /** gluster's volume id. */
  volumeId: string;
  /** Options gluster set by itself when the volume was created (not drift). */
  initialOptions: Record<string, string>;
}

export { brickPath, VOLUME_ID_DIR } from "./brick-state";

/**
 * Fields whose change replaces the volume (and destroys its data). Not `nodes`: how the program
 * reaches them (address, pinned host key) is not the layout — `bricks` is. Not `replica` and
 * `bricks` either: a change of those that cannot be made online (replica-change.ts) is reported as
 * `layout`.
 */
const LAYOUT: readonly string[] = ["name", "arbiter", "transport", "brickDevice", "layout"];

/**
 * Prepares one node's brick. Prints `ready`, or `stale ID` when the directory is a brick of a
 * deleted volume with the id this node recorded (the caller clears it), and fails with the fix
 * for anything else.
 */
export function brickScript(inputs: Pick<Inputs, "name" | "brickDevice">, brick: string): string {
  const dir = shellQuote(brickPath(brick));
  const idFile = shellQuote(volumeIdFile(inputs.name));
  const device =
    inputs.brickDevice === undefined
      ? ""
      : `dev=${shellQuote(inputs.brickDevice)}
[ -b "$dev" ] || fail "brickDevice $dev is not a block device on this node. Fix: attach the disk or drop gluster.brickDevice"
mkdir -p ${dir}
if ! blkid "$dev" >/dev/null 2>&1; then mkfs.ext4 -q -L brick "$dev"; fi
grep -q "^$dev ${brickPath(brick)} " /etc/fstab || echo ${shellQuote(brickFstabLine(inputs.brickDevice, brick))} >> /etc/fstab
mountpoint -q ${dir} || mount ${dir}
`;
  return `${SCRIPT_FAIL}
${device}mkdir -p ${dir} ${shellQuote(VOLUME_ID_DIR)}
# (getfattr's --only-values would print raw bytes, ignoring -e hex: take the value off the name= line.)
id=$(getfattr --absolute-names -n trusted.glusterfs.volume-id -e hex ${dir} 2>/dev/null | sed -n 's/^trusted\\.glusterfs\\.volume-id=//p' || true)
if [ -n "$id" ]; then
  known=$(cat ${idFile} 2>/dev/null || true)
  if [ "$id" = "$known" ]; then echo "stale $id"; exit 0; fi
  fail "${brick} is a brick of another volume (volume-id $id). Fix: choose another gluster.brickPath, or delete that volume"
fi
if [ -n "$(ls -A ${dir} | grep -v '^lost+found$' || true)" ]; then
  fail "${brick} is not empty and not a brick. Fix: empty it (its files would be hidden by the volume), or choose another gluster.brickPath"
fi
echo ready`;
}

/** Clears the stale volume id of a brick of a deleted volume (its files are kept). */
export function clearStaleBrickScript(brick: string): string {
  const dir = shellQuote(brickPath(brick));
  return `set -e
setfattr -x trusted.glusterfs.volume-id ${dir} 2>/dev/null || true
setfattr -x trusted.gfid ${dir} 2>/dev/null || true
rm -rf ${dir}/.glusterfs`;
}

/**
 * The first step of a delete, on the first node: the volume stopped (one already stopped is fine)
 * and deleted. A volume gluster no longer knows is gone — gluster says so, nothing is assumed. Any
 * other refusal (glusterd down, a peer disconnected) fails the delete with gluster's words, before
 * a brick is touched.
 */
export function volumeDeleteScript(name: string): string {
  const vol = shellQuote(name);
  const fix =
    "Fix: start glusterd on every node (systemctl start glusterd) and check that the peers are connected (gluster peer status); then run pulumi destroy again";
  return `${SCRIPT_FAIL}
${ONELINE}
out=$(${GLUSTER} volume stop ${vol} force 2>&1) || case "$out" in
  *"does not exist"*) exit 0 ;;
  *"is not in the started state"*) ;;
  *) fail "gluster volume stop ${name} failed: $(oneline "$out"). ${fix}" ;;
esac
out=$(${GLUSTER} volume delete ${vol} 2>&1) || case "$out" in
  *"does not exist"*) ;;
  *) fail "gluster volume delete ${name} failed: $(oneline "$out"). ${fix}" ;;
esac`;
}

/**
 * The second step of a delete, on each brick's node once the volume is gone: with `brickDevice`
 * the brick's file system unmounted (a mount that will not go fails the delete: the files below
 * would be removed through it), its signatures wiped (a later create must not find the old brick
 * on it) and its /etc/fstab line dropped; then the directory and the node's record of the volume
 * id removed. Each step that fails fails the delete.
 */
export function brickRemoveScript(inputs: Pick<Inputs, "name" | "brickDevice">, brick: string): string {
  const path = brickPath(brick);
  const dir = shellQuote(path);
  const dev = inputs.brickDevice;
  const device =
    dev === undefined
      ? ""
      : `if mountpoint -q ${dir}; then
  out=$(umount ${dir} 2>&1) || fail "umount ${path} failed: $(oneline "$out"). Fix: stop what uses it (fuser -vm ${path}), then run pulumi destroy again"
fi
if [ -e ${shellQuote(dev)} ]; then
  out=$(wipefs -a -q ${shellQuote(dev)} 2>&1) || fail "wiping ${dev} failed: $(oneline "$out"). Fix: see lsblk ${dev} on the node, then run pulumi destroy again"
fi
sed -i "\\#^${dev} ${path} #d" /etc/fstab
`;
  return `${SCRIPT_FAIL}
${ONELINE}
${device}rm -rf ${dir}
rm -f ${shellQuote(volumeIdFile(inputs.name))}`;
}

/** The `gluster volume create` command of the inputs. */
export function createCommand(inputs: Inputs): string {
  const layout = inputs.arbiter ? ["replica", inputs.replica, "arbiter", 1] : ["replica", inputs.replica];
  // `force`: the bricks may be on the root file system (no brickDevice), which gluster refuses without it.
  return `${GLUSTER} volume create ${shellJoin([inputs.name, ...layout, "transport", inputs.transport, ...inputs.bricks, "force"])}`;
}

/**
 * The options as the live volume has them: every reconfigured option, except those gluster set by
 * itself at creation (`initial`) and still holds, unless the config names them.
 */
export function liveOptions(
  reconfigured: Record<string, string>,
  initial: Record<string, string>,
  configured: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reconfigured)) {
    if (k in configured || initial[k] !== v) out[k] = v;
  }
  return out;
}

/** `volume set` / `volume reset` commands turning the live options into the configured ones. */
export function optionCommands(
  name: string,
  live: Record<string, string>,
  configured: Record<string, string>,
  initial: Record<string, string>,
): string[] {
  const cmds: string[] = [];
  for (const [k, v] of Object.entries(configured)) {
    if (live[k] !== v) cmds.push(`${GLUSTER} volume set ${shellJoin([name, k, v])}`);
  }
  for (const k of Object.keys(live)) {
    if (!(k in configured) && initial[k] !== live[k])
      cmds.push(`${GLUSTER} volume reset ${shellJoin([name, k])}`);
  }
  return cmds;
}

async function volumeInfo(run: Runner, name: string): Promise<GlusterVolumeInfo | undefined> {
  const { stdout } = await run(`${GLUSTER} --xml volume info`, { timeoutSeconds: 60 });
  return parseVolumeInfoXml(stdout).find((v) => v.name === name);
}

async function bricksAllOnline(run: Runner, name: string): Promise<boolean> {
  const { stdout } = await run(`${GLUSTER} --xml volume status ${shellQuote(name)}`, { timeoutSeconds: 60 });
  const bricks = parseVolumeStatusXml(stdout);
  return bricks.length > 0 && bricks.every((b) => b.online);
}

/** Each brick with the node it lives on (brick i on node i). */
function brickPlaces(
  inputs: Pick<Inputs, "bricks" | "nodes">,
): { brick: string; node: Inputs["nodes"][number] }[] {
  return inputs.bricks.map((brick, i) => {
    const node = inputs.nodes[i];
    if (node === undefined) throw new Error(`bricks[${i}] has no node`);
    return { brick, node };
  });
}

/** Runs `fn` on one brick's node, with the node and the brick named in errors. */
function onBrickNode<T>(
  inputs: Pick<Inputs, "sshPrivateKey">,
  { brick, node }: ReturnType<typeof brickPlaces>[number],
  fn: (run: Runner, brick: string, where: string) => Promise<T>,
): Promise<T> {
  return onNode(node, inputs.sshPrivateKey, (run) =>
    explained(`${node.address} (${brick})`, () => fn(run, brick, node.address)),
  );
}

/** Runs `fn` on every brick's node, in parallel, with the node named in errors. */
async function onBrickNodes<T>(
  inputs: Inputs,
  fn: (run: Runner, brick: string, where: string) => Promise<T>,
): Promise<T[]> {
  return Promise.all(brickPlaces(inputs).map((place) => onBrickNode(inputs, place, fn)));
}

/**
 * The brick nodes' side of the volume (brick-state.ts), one probe per node: each node's record of
 * the volume id against gluster's, and with `brickDevice` each brick's file system, fstab line and
 * mount. A node that cannot be reached holds neither.
 */
async function brickNodesHold(
  olds: Inputs,
  volumeId: string,
): Promise<Pick<Inputs, "volumeIdRecorded" | "bricksMounted">> {
  const states = await Promise.all(
    brickPlaces(olds).map(({ brick, node }) =>
      orIfUnreachable(
        () =>
          onNode(node, olds.sshPrivateKey, async (run) =>
            parseBrickState((await run(brickProbe(olds, brick), { timeoutSeconds: 60 })).stdout),
          ),
        undefined,
      ),
    ),
  );
  const held = (test: (state: BrickState, brick: string) => boolean) =>
    states.every((s, i) => s !== undefined && test(s, olds.bricks[i] ?? ""));
  return {
    volumeIdRecorded: held((s) => s.volumeId === volumeIdRecord(volumeId)),
    bricksMounted: held((s, brick) => brickMountHeld(olds.brickDevice, brick, s)),
  };
}

/** With `brickDevice`, each brick's fstab line and mount put back (brickRepairScript), on every brick's node. */
async function repairBrickMounts(inputs: Inputs): Promise<void> {
  const device = inputs.brickDevice;
  if (device === undefined) return;
  const said = await onBrickNodes(inputs, async (run, brick) =>
    (await run(brickRepairScript(device, brick), { timeoutSeconds: 120 })).stdout.trim(),
  );
  for (const line of said.filter((l) => l !== "")) progress(`gluster: ${line}`);
}

/**
 * The bricks in `places` readied (brickScript), every one checked before any is touched: a brick of
 * a deleted volume is reused with its files.
 */
async function prepareBricks(inputs: Inputs, places: ReturnType<typeof brickPlaces>): Promise<void> {
  const states = await Promise.all(
    places.map((place) =>
      onBrickNode(inputs, place, async (run, brick) => {
        const { stdout } = await run(brickScript(inputs, brick), { timeoutSeconds: 300 });
        return { brick, stale: stdout.trim().startsWith("stale") };
      }),
    ),
  );
  await Promise.all(
    places.map((place) =>
      onBrickNode(inputs, place, async (run, brick) => {
        if (states.find((s) => s.brick === brick)?.stale) {
          progress(
            `gluster: ${brick} held volume ${inputs.name} before it was deleted: reused with its files`,
          );
          await run(clearStaleBrickScript(brick), { timeoutSeconds: 120 });
        }
      }),
    ),
  );
}

/**
 * A brick added to the replica set (readied first) or taken out of it, online, from the first node
 * (its brick stays either way); the heal is waited for.
 */
async function changeReplicas(inputs: Inputs, change: ReplicaChange): Promise<void> {
  if (change.kind === "grow") {
    await prepareBricks(
      inputs,
      brickPlaces(inputs).filter((p) => change.bricks.includes(p.brick)),
    );
  }
  const first = firstOf(inputs.nodes, "nodes: the volume needs its nodes");
  progress(
    `gluster: volume ${inputs.name} ${change.kind === "grow" ? "grows" : "shrinks"} to replica ${change.replica} ` +
      `(${change.kind === "grow" ? "+" : "-"}${change.bricks.join(` ${change.kind === "grow" ? "+" : "-"}`)}), online; waiting for the heal`,
  );
  const done = await onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, () =>
      run(replicaChangeScript(inputs.name, change), { timeoutSeconds: 2 * HEAL_WAIT_SECONDS + 300 }),
    ),
  );
  const said = done.stdout.split("\n").filter((l) => l === "grown" || l === "shrunk" || l === "healed");
  progress(`gluster: volume ${inputs.name}: ${said.join(", ") || "already changed"}`);
}

async function converge(inputs: Inputs, olds?: Stored): Promise<GlusterVolumeOutputs> {
  const first = firstOf(inputs.nodes, "nodes: the volume needs its nodes");
  const existing = await onNode(first, inputs.sshPrivateKey, (run) => volumeInfo(run, inputs.name));
  let initialOptions = olds?.initialOptions ?? {};
  if (existing === undefined) {
    // Every brick is checked before anything is created.
    await prepareBricks(inputs, brickPlaces(inputs));
    await onNode(first, inputs.sshPrivateKey, (run) =>
      explained(first.address, () => run(createCommand(inputs), { timeoutSeconds: 300 })),
    );
    progress(`gluster: volume ${inputs.name} created (${inputs.bricks.join(" ")})`);
  } else {
    const sameLayout =
      existing.replica === inputs.replica &&
      existing.arbiter > 0 === inputs.arbiter &&
      existing.bricks.join(" ") === inputs.bricks.join(" ");
    if (!sameLayout) {
      throw new Error(
        `volume ${inputs.name} exists with another layout (replica ${existing.replica}, bricks ${existing.bricks.join(" ")}). ` +
          "Fix: delete it (gluster volume stop/delete) if its data may go, or set gluster.volume to another name",
      );
    }
  }
  return onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, async () => {
      const info = await volumeInfo(run, inputs.name);
      if (info === undefined) throw new Error(`volume ${inputs.name} vanished while it was set up`);
      if (existing === undefined) initialOptions = info.options;
      const live = liveOptions(info.options, initialOptions, inputs.options);
      const commands = optionCommands(inputs.name, live, inputs.options, initialOptions);
      if (!info.started) commands.push(`${GLUSTER} volume start ${shellQuote(inputs.name)}`);
      if (commands.length > 0) await run(`set -e\n${commands.join("\n")}`, { timeoutSeconds: 300 });
      // A brick process that died (killed, crashed) is restarted by `start force`.
      if (!(await bricksAllOnline(run, inputs.name))) {
        progress(`gluster: restarting the brick processes of ${inputs.name}`);
        await run(`${GLUSTER} volume start ${shellQuote(inputs.name)} force >/dev/null`, {
          timeoutSeconds: 120,
        });
      }
      // Each node remembers which volume its brick belongs to (see brickScript).
      const record = `mkdir -p ${shellQuote(VOLUME_ID_DIR)} && echo ${volumeIdRecord(info.id)} > ${shellQuote(volumeIdFile(inputs.name))}`;
      await onBrickNodes(inputs, (r) => r(record, { timeoutSeconds: 30 }));
      return { volumeId: info.id, initialOptions };
    }),
  );
}

/** The GlusterVolume provider. */
export const glusterVolumeProvider = defineProvider<ReturnType<typeof schema>, GlusterVolumeOutputs>({
  kind: "GlusterVolume",
  // The delete's scripts too: a delete runs the code stored with the resource.
  render: (inputs) => ({
    create: createCommand(inputs),
    bricks: inputs.bricks.map((brick) => [
      brickScript(inputs, brick),
      clearStaleBrickScript(brick),
      brickRemoveScript(inputs, brick),
      brickProbe(inputs, brick),
      inputs.brickDevice === undefined ? "" : brickRepairScript(inputs.brickDevice, brick),
    ]),
    remove: volumeDeleteScript(inputs.name),
  }),
  schema,
  check(inputs) {
    const failures = [];
    if (inputs.bricks.length !== inputs.nodes.length) {
      failures.push({ property: "bricks", reason: "bricks: one brick per node, in node order" });
    }
    if (inputs.bricks.length % inputs.replica !== 0) {
      failures.push({
        property: "replica",
        reason: `replica: ${inputs.bricks.length} bricks cannot form sets of ${inputs.replica}. Fix: set gluster.replica to the node count (or a divisor of it)`,
      });
    }
    if (inputs.arbiter && inputs.replica !== 3) {
      failures.push({
        property: "arbiter",
        reason: "arbiter: an arbiter needs replica 3 (two data bricks + the arbiter)",
      });
    }
    return failures;
  },
  // A change of replica or bricks that cannot be made online needs a new volume.
  diff(olds, news) {
    const same = olds.replica === news.replica && olds.bricks.join(" ") === news.bricks.join(" ");
    return same || replicaChange(olds, news) !== undefined ? [] : ["layout"];
  },
  forceNew: LAYOUT as (keyof Inputs & string)[],
  deleteBeforeReplace: true,
  guardReplace(olds, news, replaces) {
    if (news.allowDestructiveChanges === true) return;
    throw new Error(
      `changing ${replaces.join(", ")} of volume ${olds.name} replaces it: the volume is deleted with the data on its bricks. ` +
        "Fix: keep the layout, or set gluster.allowDestructiveChanges: true to allow the data loss",
    );
  },
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: inputs.name, outs };
  },
  async read(_id, olds) {
    const first = olds.nodes[0];
    if (first === undefined) return {};
    try {
      const live = await onNode(first, olds.sshPrivateKey, async (run) => {
        const info = await volumeInfo(run, olds.name);
        if (info === undefined) return undefined;
        return {
          volumeId: info.id,
          started: info.started,
          bricksOnline: info.started ? await bricksAllOnline(run, olds.name) : olds.bricksOnline,
          replica: info.replica,
          arbiter: info.arbiter > 0,
          bricks: info.bricks,
          options: liveOptions(info.options, olds.initialOptions ?? {}, olds.options),
        };
      });
      return live === undefined ? undefined : { ...live, ...(await brickNodesHold(olds, live.volumeId)) };
    } catch (err) {
      if (isUnreachable(err)) return { started: false };
      throw err;
    }
  },
  async update(_id, olds, news) {
    const change = replicaChange(olds, news);
    if (change !== undefined) await changeReplicas(news, change);
    // A brick file system that is not mounted keeps its brick process down: mounted before the converge restarts it.
    if (olds.bricksMounted === false) await repairBrickMounts(news);
    return converge(news, olds);
  },
  async delete(_id, olds) {
    const first = olds.nodes[0];
    if (first === undefined) return;
    try {
      await onNode(first, olds.sshPrivateKey, (run) =>
        explained(first.address, () => run(volumeDeleteScript(olds.name), { timeoutSeconds: 180 })),
      );
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      // Whether the volume is gone is not known: every brick keeps its data.
      progress(
        `gluster: ${first.address} is unreachable at delete of ${olds.name}: the volume and its bricks stay`,
      );
      return;
    }
    // The bricks' data goes with the volume (that is what a replacement or destroy means).
    await removeOnEach(
      brickPlaces(olds),
      ({ brick }) => `gluster brick ${brick}`,
      (place) =>
        onBrickNode(olds, place, (run, brick) =>
          run(brickRemoveScript(olds, brick), { timeoutSeconds: 300 }),
        ),
    );
  },
});

/** The replica volume. */
export const GlusterVolumeRes = labKind<GlusterVolumeInputs, GlusterVolumeOutputs>(glusterVolumeProvider, {
  outputs: { volumeId: true, initialOptions: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterVolumeRes = InstanceType<typeof GlusterVolumeRes>;
