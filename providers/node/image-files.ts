/**
 * What the lab's built image fixes in a node's files (providers/image/image-build-script.ts renders
 * both, so the image and this check share one source): the root line of /etc/fstab and cloud-init's
 * datasource file. NodeFiles reads them back in its probe and puts them back in its repair; only
 * on a node of the built image (`labImage`): a fetched or local image has its own. The other lines
 * of /etc/fstab belong to the kinds that mount through it (GlusterMount, the GlusterFS bricks,
 * Ocfs2Cluster) and are theirs to compare.
 */
import { fileDigestsProbe, holdsRendered, parseFileDigests } from "../exec/file-digests";
import { shellQuote } from "../exec/ssh";
import { IMAGE_DATASOURCE, IMAGE_FSTAB } from "../image/image-build-script";
import { fstabLinesProbe, holdsFstabLine, setFstabLine } from "./fstab";

/** The mount point of the image's one fstab line. */
const ROOT = "/";

/** The image's root line. */
export const IMAGE_ROOT_FSTAB_LINE = IMAGE_FSTAB.content.trim();

/** The probe fragment (`== root-fstab`, `== image-files`). Never fails. */
export const IMAGE_FILES_PROBE = `echo "== root-fstab"
${fstabLinesProbe(ROOT)}
echo "== image-files"
${fileDigestsProbe([IMAGE_DATASOURCE.path])}`;

/** What of the image's files differs, by path (`/etc/fstab` for its root line), from the probe's sections. */
export function staleImageFiles(sections: Readonly<Record<string, readonly string[]>>): string[] {
  const stale: string[] = [];
  if (!holdsFstabLine(sections["root-fstab"] ?? [], IMAGE_ROOT_FSTAB_LINE)) stale.push(IMAGE_FSTAB.path);
  const digests = parseFileDigests(sections["image-files"] ?? []);
  if (!holdsRendered(digests, IMAGE_DATASOURCE.path, IMAGE_DATASOURCE.content))
    stale.push(IMAGE_DATASOURCE.path);
  return stale;
}

/** The repair of each stale path of {@link staleImageFiles}: the root line made the only one of `/`, the datasource file written whole. */
export function imageFilesRepair(stale: readonly string[]): string[] {
  const parts: string[] = [];
  if (stale.includes(IMAGE_FSTAB.path)) {
    parts.push(`${setFstabLine(ROOT, IMAGE_ROOT_FSTAB_LINE)}
echo "/etc/fstab: the image's root line put back"`);
  }
  if (stale.includes(IMAGE_DATASOURCE.path)) {
    const path = shellQuote(IMAGE_DATASOURCE.path);
    parts.push(`mkdir -p "$(dirname ${path})"
printf '%s\\n' ${shellQuote(IMAGE_DATASOURCE.content.replace(/\n$/, ""))} > ${path}
echo ${path}" written as the image has it"`);
  }
  return parts;
}
