/**
 * The lb providers survive Pulumi's serialisation (what `pulumi up` stores in the state and runs on
 * refresh): serialised, revived, and the revived provider checks its inputs and renders its digest.
 */
import type { Props } from "../../../providers/core/base";
import { serialiseAndRevive } from "../../support/serialised";
import { lvsDirectorProvider } from "../../../providers/lb/lvs-director";
import { lvsPacemakerProvider } from "../../../providers/lb/lvs-pacemaker";
import { realServerProvider } from "../../../providers/lb/real-server";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { DIRECTOR_PACEMAKER, FE1, lbNodeAccess, SEED_LDIRECTORD } from "../../fixtures/lb";

const REAL_SERVER: Props = { node: lbNodeAccess(33), sshPrivateKey: PROGRAM_KEY, ...FE1 };
const DIRECTOR: Props = {
  node: lbNodeAccess(35),
  sshPrivateKey: PROGRAM_KEY,
  name: "ld1",
  ldirectord: SEED_LDIRECTORD,
};
const PACEMAKER: Props = {
  nodes: [lbNodeAccess(35), lbNodeAccess(45)],
  sshPrivateKey: PROGRAM_KEY,
  ...DIRECTOR_PACEMAKER,
};

test.each([
  ["RealServer", realServerProvider, REAL_SERVER],
  ["LvsDirector", lvsDirectorProvider, DIRECTOR],
  ["LvsPacemaker", lvsPacemakerProvider, PACEMAKER],
] as const)("%s serialises, and the revived provider checks and renders", async (_label, provider, args) => {
  const { revived, containsSecrets } = await serialiseAndRevive(provider);
  expect(containsSecrets).toBe(false);
  expect(revived.kind).toBe(provider.kind);
  const check = await revived.check({}, args);
  expect(check.failures).toEqual([]);
  const original = await provider.check({}, args);
  expect(check.inputs?.renderedDigest).toBe(original.inputs?.renderedDigest);
});
