/** The environment profiles (stacks/profiles.ts): one per stack, each with ranges of its own. */
import { cidrsOverlap, parseCidr } from "../../spec/ipv4";
import { DEFAULT_NETWORKS } from "../../spec/defaults";
import { baseLabName, labNameFor, nextStack, PROFILES, STACKS } from "../../stacks/profiles";

describe("profiles", () => {
  test("one profile per stack, in promotion order", () => {
    expect(STACKS).toEqual(["dev", "staging", "prod"]);
    expect(Object.keys(PROFILES).sort()).toEqual([...STACKS].sort());
    expect(STACKS.map(nextStack)).toEqual(["staging", "prod", undefined]);
    expect(new Set(Object.values(PROFILES).map((p) => p.namePrefix)).size).toBe(3);
  });

  test("every environment has address ranges of its own, dev the seed's", () => {
    expect(Object.values(PROFILES.dev.subnets)).toEqual(DEFAULT_NETWORKS.map((n) => n.cidr));
    const ranges = Object.values(PROFILES).flatMap((p) => Object.values(p.subnets));
    for (const [i, a] of ranges.entries()) {
      for (const b of ranges.slice(i + 1))
        expect([a, b, cidrsOverlap(parseCidr(a)!, parseCidr(b)!)]).toEqual([a, b, false]);
    }
  });

  test("this machine has no KVM: every environment's nodes run as auto (TCG here), with dev's boot time", () => {
    expect(STACKS.map((s) => [s, PROFILES[s].domainType, PROFILES[s].bootSeconds])).toEqual([
      ["dev", "auto", 600],
      ["staging", "auto", 600],
      ["prod", "auto", 600],
    ]);
  });

  test("base lab name strips any environment prefix", () => {
    expect(["halab", "dev-halab", "stg-halab", "prod-halab", "devlab", "dev"].map(baseLabName)).toEqual([
      "halab",
      "halab",
      "halab",
      "halab",
      "devlab",
      "",
    ]);
    expect(["dev", "dev-pg", "halab"].map((n) => labNameFor(n, PROFILES.staging))).toEqual([
      "stg",
      "stg-pg",
      "stg-halab",
    ]);
  });
});
