/**
 * The Ocfs2Cluster provider survives Pulumi's serialisation (what `pulumi up` stores in the state
 * and runs on refresh): serialised, revived, and the revived provider checks its inputs and renders
 * the same digest.
 */
import type { Props } from "../../../providers/core/base";
import { serialiseAndRevive } from "../../support/serialised";
import { ocfs2ClusterProvider } from "../../../providers/ocfs2/ocfs2-cluster";
import { PROGRAM_KEY } from "../../fixtures/lab";
import { SEED_O2CB } from "../../fixtures/ocfs2";

const ARGS: Props = {
  ...SEED_O2CB,
  nodes: SEED_O2CB.nodes.map((n) => ({ ...n, access: { address: n.address, port: 22, user: "root" } })),
  sshPrivateKey: PROGRAM_KEY,
  device: "/dev/disk/by-path/ip-192.168.13.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:ocfs2-tgt01-lun-3",
  label: "ocfs2-ocfs2",
  slots: 4,
  mountPoint: "/srv/ocfs2",
  mountOptions: [],
};

test("Ocfs2Cluster serialises, and the revived provider checks and renders", async () => {
  const provider = ocfs2ClusterProvider;
  const { revived, containsSecrets } = await serialiseAndRevive(provider);
  expect(containsSecrets).toBe(false);
  expect(revived.kind).toBe("Ocfs2Cluster");
  const check = await revived.check({}, ARGS);
  expect(check.failures).toEqual([]);
  const original = await provider.check({}, ARGS);
  expect(check.inputs?.renderedDigest).toBe(original.inputs?.renderedDigest);
  const bad = await revived.check({}, { ...ARGS, slots: 2 });
  expect(bad.failures?.map((f) => f.property)).toEqual(["slots"]);
});
