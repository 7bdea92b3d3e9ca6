/**
 * The preview of typical changes to the OCFS2 lab (Pulumi.ocfs2.yaml), worked out offline
 * (test/support/preview-plan.ts) and held to golden summaries: the third host added (its VM and
 * initiator created, the target's ACL and the o2cb cluster updated in place — never a replaced
 * cluster, which would unmount the volume everywhere), and a timeout changed (the o2cb cluster
 * updated alone).
 */
import { expectGolden } from "../../support/golden";
import { formatPlan, planPreview } from "../../support/preview-plan";
import { ocfs2Config } from "../../fixtures/ocfs2";

type Lab = Record<string, unknown>;

/** The stack's lab without its last host (the seed's pool before vm-host04 joined). */
function twoHosts(): Lab {
  const lab = ocfs2Config();
  const ocfs2 = lab.ocfs2 as Lab;
  return {
    ...lab,
    nodes: (lab.nodes as Lab[]).filter((n) => n.name !== "vm-host04"),
    ocfs2: { ...ocfs2, nodes: (ocfs2.nodes as Lab[]).filter((n) => n.name !== "vm-host04") },
  };
}

describe("the preview of a change to the ocfs2 lab", () => {
  test("the third host added: its VM and initiator created, the o2cb cluster updated in place", async () => {
    const plan = await planPreview(twoHosts(), ocfs2Config());
    expectGolden("preview-ocfs2-node-added.txt", formatPlan(plan));
    expect(plan.some((s) => s.name === "dev-ocfs2-o2cb" && s.op === "update")).toBe(true);
  });

  test("a timeout changed: the o2cb cluster alone is updated", async () => {
    const lab = ocfs2Config();
    const plan = await planPreview(lab, { ...lab, ocfs2: { ...(lab.ocfs2 as Lab), idleTimeoutMs: 60000 } });
    expectGolden("preview-ocfs2-timeout.txt", formatPlan(plan));
  });
});
