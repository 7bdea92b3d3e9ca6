/**
 * A GlusterFS brick's node as GlusterVolume reads it back, beside what gluster itself says: the
 * node's record of the volume id its brick belongs to (`<name>.volume-id`, which lets a later
 * create reuse the brick of a volume deleted out of band), and, with `brickDevice`, the brick's
 * ext4 file system, its fstab line and its mount. {@link brickProbe} is one round trip per node;
 * {@link brickRepairScript} puts back the fstab line and the mount (never a file system: see there).
 */
import { ONELINE, parseSections, SCRIPT_FAIL } from "../../exec/node-exec";
import { shellQuote } from "../../exec/ssh";
import { fstabLinesProbe, holdsFstabLine, setFstabLine } from "../../node/fstab";

/** Where a node records the id of the volume its brick belongs to. */
export const VOLUME_ID_DIR = "/var/lib/kvm-ha-lab/gluster";

/** The record of the volume `name` on a brick's node. */
export function volumeIdFile(name: string): string {
  return `${VOLUME_ID_DIR}/${name}.volume-id`;
}

/** What the record holds for gluster's volume id: the id as `getfattr -e hex` prints the brick's attribute. */
export function volumeIdRecord(volumeId: string): string {
  return `0x${volumeId.replace(/-/g, "")}`;
}

/** The path part of a brick (`host:/path`). */
export function brickPath(brick: string): string {
  return brick.slice(brick.indexOf(":") + 1);
}

/** The fstab line of a brick on its own device. */
export function brickFstabLine(device: string, brick: string): string {
  return `${device} ${brickPath(brick)} ext4 defaults 0 2`;
}

/** What a brick's node holds. */
export interface BrickState {
  /** The node's record of the volume id (`""` when missing). */
  volumeId: string;
  /** With `brickDevice`: the device's file system type (`""`: none), the fstab lines of the brick path, what is mounted there (`""`: nothing). */
  device?: { fsType: string; fstab: string[]; mountSource: string };
}

/** The probe of one brick's node. Never fails. */
export function brickProbe(
  inputs: { name: string; brickDevice?: string | undefined },
  brick: string,
): string {
  const record = `echo "== volume-id"
cat ${shellQuote(volumeIdFile(inputs.name))} 2>/dev/null || true`;
  if (inputs.brickDevice === undefined) return record;
  const path = shellQuote(brickPath(brick));
  return `${record}
echo "== brick-fs"
blkid -o value -s TYPE ${shellQuote(inputs.brickDevice)} 2>/dev/null || true
echo "== brick-fstab"
${fstabLinesProbe(brickPath(brick))}
echo "== brick-mount"
findmnt -n -o SOURCE --mountpoint ${path} 2>/dev/null || true`;
}

/** Parses {@link brickProbe}'s output. */
export function parseBrickState(stdout: string): BrickState {
  const s = parseSections(stdout);
  const lines = (name: string) => (s[name] ?? []).map((l) => l.trim()).filter((l) => l !== "");
  return {
    volumeId: lines("volume-id")[0] ?? "",
    ...(s["brick-fs"] !== undefined
      ? {
          device: {
            fsType: lines("brick-fs")[0] ?? "",
            fstab: lines("brick-fstab"),
            mountSource: lines("brick-mount")[0] ?? "",
          },
        }
      : {}),
  };
}

/**
 * Whether the brick's device holds it as the create left it: ext4 on the device, its fstab line
 * alone for the brick path, the device mounted there. Always true without a brick device.
 */
export function brickMountHeld(brickDevice: string | undefined, brick: string, state: BrickState): boolean {
  if (brickDevice === undefined) return true;
  const d = state.device;
  return (
    d !== undefined &&
    d.fsType === "ext4" &&
    holdsFstabLine(d.fstab, brickFstabLine(brickDevice, brick)) &&
    d.mountSource === brickDevice
  );
}

/**
 * On a brick's node, the brick's fstab line made the one of its path again and the device mounted
 * there when it is not. The file system is never made again: a device without the brick's ext4
 * lost the brick's data, and gluster would not take an empty directory for the brick anyway (its
 * volume-id attribute is gone) — that fails with the fix, as does something else mounted there.
 */
export function brickRepairScript(brickDevice: string, brick: string): string {
  const path = brickPath(brick);
  const dir = shellQuote(path);
  const dev = shellQuote(brickDevice);
  return `${SCRIPT_FAIL}
${ONELINE}
[ -e ${dev} ] || fail "brickDevice ${brickDevice} is missing on this node. Fix: attach the disk, then run pulumi up again"
type=$(blkid -o value -s TYPE ${dev} 2>/dev/null || true)
[ "$type" = ext4 ] || fail "${brickDevice} holds \${type:-no file system}, not the brick's ext4: the brick's data on this node is gone. Fix: gluster volume reset-brick (after mkfs.ext4 ${brickDevice} and mounting it on ${path}) heals it from the other bricks; or set gluster.allowDestructiveChanges and replace the volume"
${setFstabLine(path, brickFstabLine(brickDevice, brick))}
source=$(findmnt -n -o SOURCE --mountpoint ${dir} 2>/dev/null || true)
if [ "$source" != ${dev} ]; then
  [ -z "$source" ] || fail "$source is mounted on ${path}, not ${brickDevice}. Fix: unmount it (umount ${path}), then run pulumi up again"
  mkdir -p ${dir}
  out=$(mount ${dir} 2>&1) || fail "mount ${path} failed: $(oneline "$out"). Fix: see dmesg and lsblk ${brickDevice} on the node"
  echo "mounted ${path}"
fi`;
}
