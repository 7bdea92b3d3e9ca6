/**
 * Drift cases of a kind whose `read` runs one probe: each case is read and diffed as
 * `pulumi up --refresh` does, and the named desired-state field must read false and make an
 * in-place change.
 */
import type { Props } from "../../providers/core/base";
import { lab, on } from "./fake-lab";
import { IN_PLACE, refreshDiff } from "./provider-driver";

/**
 * Reads each case from `olds` with the probe answering `answer(change)`, and diffs it against
 * `news` (default `olds`): `field` reads false, an in-place change.
 */
export async function expectEachDriftInPlace<C>(
  provider: Parameters<typeof refreshDiff>[0],
  probe: RegExp,
  answer: (change: C) => string,
  cases: [change: C, field: string][],
  olds: Props,
  news: Props = olds,
): Promise<void> {
  for (const [change, field] of cases) {
    lab.rules = [];
    on(probe, { stdout: answer(change) });
    const { props, diff } = await refreshDiff(provider, "x", olds, news);
    expect([field, props[field]]).toEqual([field, false]);
    expect(diff).toEqual(IN_PLACE);
  }
}
