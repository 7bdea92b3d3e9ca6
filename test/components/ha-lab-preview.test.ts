/**
 * The preview of typical changes to the dev lab (Pulumi.dev.yaml), worked out offline
 * (test/support/preview-plan.ts) and held to golden summaries (test/golden/preview-*.txt): a
 * change must preview as the resources that really change, each with its real kind of change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { expectGolden } from "../support/golden";
import { formatPlan, planPreview, type PlannedStep } from "../support/preview-plan";
import { nodes } from "../spec/helpers";

type Lab = Record<string, unknown>;

/** The dev stack's lab description, as Pulumi.dev.yaml writes it. */
function devLab(): Lab {
  const file = path.join(__dirname, "..", "..", "Pulumi.dev.yaml");
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, Lab> };
  return doc.config["kvm-ha-lab:lab"];
}

/** The service group of Pulumi.dev.yaml. */
const SERVICE01 = (devLab().services as Lab[])[0];

/** The typical changes: name, then the lab after the change (the lab before is Pulumi.dev.yaml's). */
const CHANGES: [string, Lab][] = [
  ["token", { ...devLab(), cluster: { tokenMs: 10000 } }],
  // Written the natural way: both nodes listed with their addresses, node02 given more memory.
  ["node-memory", { ...devLab(), nodes: nodes(2, { 1: { memoryMiB: 1536 } }) }],
  ["node-added", { ...devLab(), nodes: nodes(3), cluster: { twoNode: false } }],
  // The seed's reserved names dropped from every node's /etc/hosts: new seed content, no new VM.
  ["reserved-hosts-removed", { ...devLab(), reservedHosts: [] }],
  ["gluster-option", { ...devLab(), gluster: { options: { "performance.cache-size": "64MB" } } }],
  [
    "service-added",
    {
      ...devLab(),
      services: [SERVICE01, { name: "service02", resources: [{ kind: "ip", address: "192.168.7.98" }] }],
    },
  ],
];

describe("the preview of a change to the dev lab", () => {
  test.each(CHANGES)("%s", async (name, after) => {
    const plan: PlannedStep[] = await planPreview(devLab(), after);
    expectGolden(`preview-${name}.txt`, formatPlan(plan));
  });

  test("node03 removed from a three-node lab: no replacement, node03's resources deleted, the rest in place", async () => {
    const three = { ...devLab(), nodes: nodes(3), cluster: { twoNode: false } };
    expectGolden("preview-node-removed.txt", formatPlan(await planPreview(three, devLab())));
  });

  test("a refresh that found node02 down (or too slow to answer): only its readiness waits again", async () => {
    // Nothing that reaches node02 takes an output of its NodeReady that the wait could change.
    const plan = await planPreview(devLab(), devLab(), (olds) => {
      const ready = olds.get("dev-node02-ready");
      if (ready === undefined) throw new Error("the dev lab has no dev-node02-ready");
      olds.set("dev-node02-ready", { ...ready, outputs: { ...ready.outputs, reachable: false } });
    });
    expect(formatPlan(plan)).toBe(
      "1 change: 1 to update\n~ dev-node02-ready (NodeReady) update: reachable\n",
    );
  });

  test("a refresh that found the cluster destroyed (pcs cluster destroy --all): the cluster set up again, its STONITH device and service group checked again in the same run", async () => {
    // The cluster's read: not running. Its dependents' reads found no CIB: not verified. The
    // engine runs the cluster's update first (the dependents wait for it), then theirs.
    const plan = await planPreview(devLab(), devLab(), (olds) => {
      const read: Record<string, Record<string, unknown>> = {
        "dev-cluster-pcs": { running: false },
        "dev-fence-kvmhost01-stonith": { verified: false },
        "dev-svc-service01-group": { verified: false },
      };
      for (const [name, found] of Object.entries(read)) {
        const old = olds.get(name);
        if (old === undefined) throw new Error(`the dev lab has no ${name}`);
        olds.set(name, { ...old, outputs: { ...old.outputs, ...found } });
      }
    });
    expect(formatPlan(plan)).toBe(
      "3 changes: 3 to update\n" +
        "~ dev-cluster-pcs (PcsCluster) update: running\n" +
        "~ dev-fence-kvmhost01-stonith (StonithDevice) update: verified\n" +
        "~ dev-svc-service01-group (ClusterServiceGroup) update: verified\n",
    );
  });

  test("a token change previews as one update, the cluster's: its STONITH device and service group take no output that the cluster's update may change", async () => {
    const plan = await planPreview(devLab(), { ...devLab(), cluster: { tokenMs: 10000 } });
    expect(formatPlan(plan)).toBe(
      "1 change: 1 to update\n~ dev-cluster-pcs (PcsCluster) update: renderedDigest, tokenMs\n",
    );
  });

  test("a running lab built before the seed's files were kept on the nodes: only those are created", async () => {
    // That lab's state: no NodeFiles, and each NodeReady took its domain's UUID.
    const plan = await planPreview(devLab(), devLab(), (olds) => {
      for (const [name, old] of olds) {
        if (old.kind === "NodeFiles") olds.delete(name);
        if (old.kind === "NodeReady") {
          const domainUuid = `uuid-${name.replace(/-ready$/, "-domain")}`;
          olds.set(name, {
            ...old,
            inputs: { ...old.inputs, domainUuid },
            outputs: { ...old.outputs, domainUuid },
          });
        }
      }
    });
    expect(formatPlan(plan)).toBe(
      "2 changes: 2 to create\n+ dev-node01-files (NodeFiles) create\n+ dev-node02-files (NodeFiles) create\n",
    );
  });
});
