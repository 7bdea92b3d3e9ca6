/**
 * Shell lines editing a node's /etc/fstab by mount point, shared by the kinds that mount something
 * through it (the GlusterFS mount, the OCFS2 volume). The file is rewritten in place (`cat >`), so
 * its inode, owner and mode stay.
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
