/**
 * cluster.conf's `config_version`: cman only takes a new file (`cman_tool version -r`) when its
 * version is higher than the running one. The program renders the file with config_version
 * {@link UNVERSIONED}; the provider decides the version on the nodes with {@link nextConfigVersion}
 * (bumped only when the content changed) and sets it with {@link setConfigVersion}.
 */
import { UNVERSIONED } from "./cluster-conf-input";

/** The `config_version` attribute of the `<cluster>` start tag (groups: before, quote, value). */
const VERSION_ATTRIBUTE = /(<cluster\b[^>]*?\sconfig_version\s*=\s*)(["'])([^"']*)\2/;

/** The config_version of a cluster.conf, or undefined when it has none (or not a number). */
export function configVersionOf(xml: string): number | undefined {
  const value = VERSION_ATTRIBUTE.exec(xml)?.[3];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** The same cluster.conf with config_version set to `version`. Throws when it has no config_version. */
export function setConfigVersion(xml: string, version: number): string {
  if (!Number.isInteger(version) || version < 0) {
    throw new Error(`cluster.conf: config_version ${version} is not a whole number ≥ 0`);
  }
  if (!VERSION_ATTRIBUTE.test(xml)) {
    throw new Error("cluster.conf: the <cluster> element has no config_version attribute");
  }
  return xml.replace(VERSION_ATTRIBUTE, (_match, before: string) => `${before}"${version}"`);
}

/** The text of a cluster.conf with its version neutralised (for comparing content). */
function unversioned(xml: string): string {
  return (VERSION_ATTRIBUTE.test(xml) ? setConfigVersion(xml, UNVERSIONED) : xml).trimEnd();
}

/**
 * The config_version to write: 1 when there is no previous file (or it has no usable version);
 * the previous version when the content other than config_version is unchanged; the previous
 * version + 1 when anything else differs.
 */
export function nextConfigVersion(previousXml: string | undefined, renderedWithoutVersion: string): number {
  if (previousXml === undefined || previousXml.trim() === "") return 1;
  const previous = configVersionOf(previousXml);
  if (previous === undefined) return 1;
  if (unversioned(previousXml) === unversioned(renderedWithoutVersion)) return Math.max(previous, 1);
  return previous + 1;
}
