/**
 * A node's /etc/fstab by mount point, shared by the kinds that mount something through it (the
 * GlusterFS mount and bricks, the OCFS2 volume, the image's root line that NodeFiles keeps): the
 * shell lines editing it — the file is rewritten in place (`cat >`), so its inode, owner and mode
 * stay — and the probe fragment with its comparison that reads a mount point's lines back.
 */
import { shellQuote } from "../exec/ssh";

/** Deletes the fstab line of the mount point (whatever its source). */
export function dropFstabLine(mountPoint: string): string {
  return `awk -v mp=${shellQuote(mountPoint)} '$2 != mp' /etc/fstab > /etc/fstab.kvmlab && cat /etc/fstab.kvmlab > /etc/fstab && rm -f /etc/fstab.kvmlab`;
}

/** Makes `line` the one fstab line of the mount point. */
export function setFstabLine(mountPoint: string, line: string): string {
  return `${dropFstabLine(mountPoint)}
echo ${shellQuote(line)} >> /etc/fstab`;
}

/** Probe fragment: the fstab lines of the mount point (not comments), as they are. Never fails. */
export function fstabLinesProbe(mountPoint: string): string {
  return `awk -v mp=${shellQuote(mountPoint)} '$1 !~ /^#/ && $2 == mp' /etc/fstab 2>/dev/null || true`;
}

/** An fstab line with its fields separated by one space (how lines are compared). */
export function fstabFields(line: string): string {
  return line.trim().split(/\s+/).join(" ");
}

/**
 * Whether the mount point's fstab lines (as {@link fstabLinesProbe} printed them) are `line` alone,
 * or none when `line` is undefined. Fields are compared, not their spacing.
 */
export function holdsFstabLine(lines: readonly string[], line: string | undefined): boolean {
  const found = lines.map(fstabFields).filter((l) => l !== "");
  return line === undefined ? found.length === 0 : found.length === 1 && found[0] === fstabFields(line);
}
