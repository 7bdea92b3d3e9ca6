/**
 * Tests of cluster.conf's config_version (providers/cluster/cman/config-version.ts): bumped only
 * when the content changed.
 */
import { UNVERSIONED } from "../../../../providers/cluster/cman/cluster-conf-input";
import { renderClusterConf } from "../../../../providers/cluster/cman/cluster-conf-render";
import {
  configVersionOf,
  nextConfigVersion,
  setConfigVersion,
} from "../../../../providers/cluster/cman/config-version";
import { seedInput } from "./fixtures";

describe("nextConfigVersion", () => {
  const base = renderClusterConf({ ...seedInput, configVersion: UNVERSIONED });
  const changed = renderClusterConf({ ...seedInput, configVersion: UNVERSIONED, totem: { token: 30000 } });

  test("no previous file (or an empty one): 1", () => {
    expect(nextConfigVersion(undefined, base)).toBe(1);
    expect(nextConfigVersion("", base)).toBe(1);
    expect(nextConfigVersion("  \n", base)).toBe(1);
  });

  test("unchanged content keeps the version, whatever the rendered version says", () => {
    expect(nextConfigVersion(setConfigVersion(base, 7), base)).toBe(7);
    expect(nextConfigVersion(setConfigVersion(base, 7), setConfigVersion(base, 3))).toBe(7);
    expect(nextConfigVersion(`${setConfigVersion(base, 7)}\n\n`, base)).toBe(7);
  });

  test("changed content: previous + 1", () => {
    expect(nextConfigVersion(setConfigVersion(base, 7), changed)).toBe(8);
    expect(nextConfigVersion(setConfigVersion(changed, 1), base)).toBe(2);
  });

  test("a previous file without a usable version: 1; a previous version 0 becomes 1", () => {
    expect(nextConfigVersion("<cluster name='x'/>", base)).toBe(1);
    expect(nextConfigVersion(base.replace('config_version="0"', 'config_version="x"'), base)).toBe(1);
    expect(nextConfigVersion(base, base)).toBe(1);
  });

  test("configVersionOf / setConfigVersion touch only <cluster>'s attribute (either quote)", () => {
    expect(configVersionOf(setConfigVersion(base, 12))).toBe(12);
    expect(setConfigVersion(base, 12).replace('config_version="12"', 'config_version="0"')).toBe(base);
    expect(configVersionOf(`<?xml version="1.0"?>\n<cluster name='a' config_version='5'>`)).toBe(5);
    expect(configVersionOf("<clusternode config_version='5'/>")).toBeUndefined();
    expect(() => setConfigVersion("<cluster name='a'/>", 1)).toThrow(/no config_version/);
    expect(() => setConfigVersion(base, -1)).toThrow(/config_version -1/);
  });
});
