/**
 * The policy rules on the resources the program really registers (built under the mocks): the
 * default lab passes every rule, and each rule finds the fields it reads where the lab puts them.
 */
import { withDefaultLab } from "../support/pulumi-mocks";
import { checkAll, heartbeatNetworkNames, kindOf, RULES, type ResourceRule } from "../../policy/rules";
import { labResources } from "./support";

withDefaultLab();

test("the default lab (layers: cluster) breaks no rule", () => {
  const resources = labResources();
  expect(checkAll(resources, { heartbeatNetworks: heartbeatNetworkNames({}) })).toEqual([]);
});

test("every kind a rule reads is one the lab registers, with the fields the rule reads", () => {
  const resources = labResources();
  const kinds = new Set(resources.map((r) => kindOf(r.type)));
  for (const rule of RULES.filter((r): r is ResourceRule => r.scope === "resource")) {
    const registered = rule.kinds.filter((k) => kinds.has(k));
    // CmanCluster is the other cluster stack: the default lab is pacemaker.
    expect(registered.length).toBeGreaterThan(0);
  }
  const one = (kind: string) => resources.find((r) => kindOf(r.type) === kind)?.props ?? {};
  expect(one("PcsCluster")).toMatchObject({
    name: "cluster01",
    tokenMs: 20000,
    properties: { "stonith-enabled": "true", "no-quorum-policy": "stop" },
  });
  expect(one("StonithDevice")).toMatchObject({ clusterName: "cluster01", name: "kvmhost01" });
  expect(one("IscsiTarget")).toMatchObject({
    initiatorAddresses: ["192.168.8.121", "192.168.8.122"],
    initiatorNames: [expect.stringMatching(/-tgt01-node01$/), expect.stringMatching(/-tgt01-node02$/)],
  });
  expect(one("IscsiInitiator")).toMatchObject({
    initiatorName: expect.stringMatching(/-tgt01-node01$/),
    node: { address: "192.168.8.121" },
  });
  expect(one("GlusterVolume")).toMatchObject({ allowDestructiveChanges: false });
  expect(
    resources.filter((r) => kindOf(r.type) === "LibvirtNetwork").map((r) => [r.name, r.props.mode]),
  ).toEqual([
    ["dev-net-service-libvirt", "isolated"],
    ["dev-net-management-libvirt", "isolated"],
    ["dev-net-heartbeat-libvirt", "isolated"],
  ]);
});
