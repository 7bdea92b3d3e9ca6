/**
 * GlusterMount: on one node, seed 001's /etc/init.d/glmount script (start/stop/status/restart/
 * selfheal, plus heal/healinfo; rendered by `render/glmount.ts`) and the mount point; in mode
 * `mounted` the volume is also mounted through that script and listed in /etc/fstab (`_netdev`) so
 * it comes back after a reboot. In mode `prepared` the cluster's service group mounts it: the
 * program leaves the mount alone and keeps it out of fstab.
 *
 * `read` reports the mount gone or dead (`mounted: false`: not mounted, or its volume no longer
 * answers), a script that differs from the rendered one (`scriptCurrent: false`), and fstab lines
 * of the mount point other than the mode's (`fstabCurrent: false`); the update's apply script
 * rewrites the line (or drops it) and reinstalls the script.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  ONELINE,
  onNode,
  orIfUnreachable,
  parseSections,
  removeUnlessUnreachable,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { labKind } from "../../core/kind";
import { renderGlmount } from "./glmount";
import { dropFstabLine, fstabLinesProbe, holdsFstabLine } from "../../node/fstab";
import { sha256 } from "../../exec/file-digests";
import { shellQuote } from "../../exec/ssh";

/** Where the script goes (seed 001). */
export const GLMOUNT_PATH = "/etc/init.d/glmount";

/** How long `glmount heal` waits for the heal to finish. */
const HEAL_TIMEOUT_SECONDS = 600;

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Volume name (`data00`). */
    volume: z.string().regex(/^[A-Za-z0-9_-]+$/, "volume must be a plain volume name"),
    /** Server the node mounts from (`localhost`: its own glusterd). */
    server: z.string().regex(/^[A-Za-z0-9.-]+$/, "server must be a host name"),
    mountPoint: z
      .string()
      .regex(/^\/[^\s'"]*[^\s'"/]$/, "mountPoint must be an absolute path without spaces"),
    mountOptions: z
      .string()
      .regex(/^[A-Za-z0-9=,._/-]+$/, "mountOptions must be a comma-separated option list"),
    /** `mounted`: mounted and kept mounted; `prepared`: mount point and glmount script only (the cluster mounts). */
    mode: z.enum(["mounted", "prepared"]),
    /** Desired (mode `mounted`): mounted (drift when not). */
    mounted: z.boolean().default(true),
    /** Desired: the glmount script on the node is the rendered one. */
    scriptCurrent: z.boolean().default(true),
    /** Desired: the mount point's fstab line is {@link fstabLine} alone (mode `mounted`), or none (mode `prepared`). */
    fstabCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a GlusterMount, as its schema takes them (fields with a default are optional). */
export type GlusterMountInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a GlusterMount. */
export interface GlusterMountOutputs {
  /** Where the glmount script is (`/etc/init.d/glmount`). */
  script: string;
}

/** The glmount script of the inputs. */
export function glmountScript(inputs: Inputs): string {
  return renderGlmount({
    volume: inputs.volume,
    server: inputs.server,
    mountPoint: inputs.mountPoint,
    mountOptions: inputs.mountOptions,
    healTimeoutSeconds: HEAL_TIMEOUT_SECONDS,
  });
}

/** The fstab line of a `mounted` volume. */
export function fstabLine(inputs: Inputs): string {
  return `${inputs.server}:${inputs.volume} ${inputs.mountPoint} glusterfs defaults,_netdev,${inputs.mountOptions} 0 0`;
}

/** Deletes the fstab line of the mount point (whatever its source). */
const dropFstab = dropFstabLine;

/** Installs the script (from stdin, base64), the mount point, and in mode `mounted` fstab + mount. */
export function applyScript(inputs: Inputs): string {
  const mp = shellQuote(inputs.mountPoint);
  const mount =
    inputs.mode === "mounted"
      ? `${dropFstab(inputs.mountPoint)}
echo ${shellQuote(fstabLine(inputs))} >> /etc/fstab
if ! mountpoint -q ${mp}; then
  ${GLMOUNT_PATH} start || fail "mounting ${inputs.server}:${inputs.volume} on ${inputs.mountPoint} failed. Fix: the volume must be started (gluster volume status ${inputs.volume}); see /var/log/gluster.log on the node"
fi`
      : `# The service group mounts it: not in fstab.
${dropFstab(inputs.mountPoint)}`;
  return `${SCRIPT_FAIL}
base64 -d > ${GLMOUNT_PATH}.new
chmod 0755 ${GLMOUNT_PATH}.new
mv -f ${GLMOUNT_PATH}.new ${GLMOUNT_PATH}
# A mount whose volume went away answers "Transport endpoint is not connected" to everything, even
# mkdir and mountpoint(1): found in the mount table instead, and dropped.
if findmnt -n --mountpoint ${mp} >/dev/null && ! timeout 10 stat -t ${mp} >/dev/null 2>&1; then umount -l ${mp}; fi
mkdir -p ${mp}
${mount}`;
}

/**
 * Shell lines (after {@link SCRIPT_FAIL} and {@link ONELINE}) unmounting the mount point when the
 * mount table lists it (a dead FUSE mount too), lazily when it is busy (it leaves the namespace at
 * once); a mount that will not go fails with the fix. `again` ends the fix.
 */
function unmountLines(mountPoint: string, again: string): string {
  const mp = shellQuote(mountPoint);
  return `if findmnt -n --mountpoint ${mp} >/dev/null; then
  out=$(umount ${mp} 2>&1) || out=$(umount -l ${mp} 2>&1) ||
    fail "umount ${mountPoint} failed: $(oneline "$out"). Fix: stop what uses it (fuser -vm ${mountPoint}), then run ${again}"
fi`;
}

/** The hand-over to the cluster (mode `mounted` → `prepared`): the volume unmounted here. */
export function handOverScript(inputs: Pick<Inputs, "mountPoint">): string {
  return `${SCRIPT_FAIL}
${ONELINE}
${unmountLines(inputs.mountPoint, "pulumi up again")}`;
}

/**
 * The delete: in mode `mounted` the volume unmounted and its fstab line dropped (in mode
 * `prepared` the cluster unmounted it); then the glmount script and the mount point removed. A
 * mount point that cannot be removed — still mounted, or holding files written while the volume
 * was not mounted — fails the delete with the fix: nothing under it is deleted.
 */
export function removeScript(inputs: Pick<Inputs, "mode" | "mountPoint">): string {
  const mp = shellQuote(inputs.mountPoint);
  const unmount =
    inputs.mode === "mounted"
      ? `${unmountLines(inputs.mountPoint, "pulumi destroy again")}
${dropFstab(inputs.mountPoint)}
`
      : "";
  return `${SCRIPT_FAIL}
${ONELINE}
${unmount}rm -f ${GLMOUNT_PATH}
if [ -d ${mp} ]; then
  out=$(rmdir ${mp} 2>&1) ||
    fail "the mount point ${inputs.mountPoint} cannot be removed: $(oneline "$out"). Fix: unmount it, and move away the files in it (written while the volume was not mounted), then run pulumi destroy again"
fi`;
}

/** Reports the mount, the script's checksum and the fstab lines of the mount point. */
export function stateScript(inputs: Inputs): string {
  const mp = shellQuote(inputs.mountPoint);
  return `echo "== mounted"
if mountpoint -q ${mp} && [ "$(findmnt -n -o FSTYPE ${mp})" = fuse.glusterfs ] && timeout 10 stat -t ${mp} >/dev/null 2>&1; then
  echo yes
else
  echo no
fi
echo "== script"
sha256sum ${GLMOUNT_PATH} 2>/dev/null | cut -d" " -f1; true
echo "== fstab"
${fstabLinesProbe(inputs.mountPoint)}`;
}

/** The fstab line the mount point should have: {@link fstabLine} in mode `mounted`, none in mode `prepared`. */
export function wantedFstabLine(inputs: Inputs): string | undefined {
  return inputs.mode === "mounted" ? fstabLine(inputs) : undefined;
}

async function apply(inputs: Inputs): Promise<GlusterMountOutputs> {
  await onNode(inputs.node, inputs.sshPrivateKey, (run) =>
    explained(inputs.node.address, () =>
      run(applyScript(inputs), {
        stdin: Buffer.from(glmountScript(inputs)).toString("base64"),
        timeoutSeconds: 180,
      }),
    ),
  );
  if (inputs.mode === "mounted")
    progress(`gluster: ${inputs.volume} mounted on ${inputs.node.address}:${inputs.mountPoint}`);
  return { script: GLMOUNT_PATH };
}

/** The GlusterMount provider. */
export const glusterMountProvider = defineProvider({
  kind: "GlusterMount",
  // The delete's script too: a delete runs the code stored with the resource.
  render: (inputs) => ({
    glmount: glmountScript(inputs),
    apply: applyScript(inputs),
    state: stateScript(inputs),
    handOver: handOverScript(inputs),
    remove: removeScript(inputs),
  }),
  schema,
  forceNew: ["node", "mountPoint"],
  async create(inputs) {
    const outs = await apply(inputs);
    return { id: `${inputs.node.address}:${inputs.mountPoint}`, outs };
  },
  async read(_id, olds) {
    return orIfUnreachable(
      async () => {
        const { stdout } = await onNode(olds.node, olds.sshPrivateKey, (run) =>
          run(stateScript(olds), { timeoutSeconds: 60 }),
        );
        const s = parseSections(stdout);
        const mounted = (s.mounted ?? []).join("").trim() === "yes";
        return {
          // In mode `prepared` the cluster decides: whether it is mounted is not drift.
          mounted: olds.mode === "mounted" ? mounted : olds.mounted,
          scriptCurrent: (s.script ?? []).join("").trim() === sha256(glmountScript(olds)),
          fstabCurrent: holdsFstabLine(s.fstab ?? [], wantedFstabLine(olds)),
        };
      },
      { mounted: false },
    );
  },
  async update(_id, olds, news) {
    if (olds.mode === "mounted" && news.mode === "prepared") {
      // Handed over to the cluster: the service group mounts it on one node only from now on.
      await onNode(news.node, news.sshPrivateKey, (run) =>
        explained(news.node.address, () => run(handOverScript(news), { timeoutSeconds: 60 })),
      );
    }
    return apply(news);
  },
  async delete(_id, olds) {
    await removeUnlessUnreachable(`gluster mount on ${olds.node.address}`, () =>
      onNode(olds.node, olds.sshPrivateKey, (run) =>
        explained(olds.node.address, () => run(removeScript(olds), { timeoutSeconds: 120 })),
      ),
    );
  },
});

/** The glmount script and the mount on one node. */
export const GlusterMount = labKind<GlusterMountInputs, GlusterMountOutputs>(glusterMountProvider, {
  outputs: { script: true },
  secretInputs: ["sshPrivateKey"],
});
export type GlusterMount = InstanceType<typeof GlusterMount>;
