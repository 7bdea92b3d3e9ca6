/** The policy pack's rules (policy/rules.ts), each with a passing and a violating case. */
import * as policyProxy from "@pulumi/policy/proxy";
import {
  checkAll,
  enforcementFor,
  fenceDevicePerCluster,
  glusterNoDestructiveChanges,
  heartbeatIsolated,
  heartbeatNetworkNames,
  iscsiAclNoAll,
  iscsiAclOnlyInitiators,
  KIND_PREFIX,
  kindOf,
  labNetworkName,
  plainOf,
  quorumPolicyNotIgnore,
  RULES,
  stonithEnabled,
  tokenNotBelowDefault,
  UNKNOWN,
  type LabResource,
  type ResourceRule,
  type RuleContext,
  type Violation,
} from "../../policy/rules";

const ctx: RuleContext = { heartbeatNetworks: ["heartbeat"] };
const IQN = "iqn.2011-08.com.example.kvmhost:dev-tgt01";

function res(kind: string, name: string, props: Record<string, unknown>): LabResource {
  const type = `${KIND_PREFIX}${kind}`;
  return { type, name, props, urn: `urn:pulumi:dev::kvm-ha-lab::${type}::${name}` };
}
const pcs = (props: Record<string, unknown> = {}, extra: Record<string, string> = {}) =>
  res("PcsCluster", "dev-cluster-pcs", {
    name: "cluster01",
    tokenMs: 20000,
    properties: { "stonith-enabled": "true", "no-quorum-policy": "stop", ...extra },
    ...props,
  });
const cman = (props: Record<string, unknown> = {}) =>
  res("CmanCluster", "dev-cluster-cman", { name: "cluster01", tokenMs: 20000, ...props });
const fence = (props: Record<string, unknown> = {}) =>
  res("StonithDevice", "dev-cluster-fence-kvmhost01", {
    clusterName: "cluster01",
    name: "kvmhost01",
    enabled: true,
    ...props,
  });
const target = (props: Record<string, unknown> = {}) =>
  res("IscsiTarget", "dev-iscsi-target", {
    iqn: IQN,
    initiatorAddresses: ["192.168.8.121", "192.168.8.122"],
    initiatorNames: [`${IQN}-node01`, `${IQN}-node02`],
    ...props,
  });
const initiator = (node: string, address: unknown, props: Record<string, unknown> = {}) =>
  res("IscsiInitiator", `dev-iscsi-initiator-${node}`, {
    initiatorName: `${IQN}-${node}`,
    targetIqn: IQN,
    node: { address, port: 22, user: "root" },
    ...props,
  });
const network = (name: string, mode: string) =>
  res("LibvirtNetwork", `dev-net-${name}-libvirt`, { name: `dev-${name}`, mode });
const gluster = (allowDestructiveChanges: unknown) =>
  res("GlusterVolume", "dev-gluster-volume", { name: "data00", replica: 2, allowDestructiveChanges });

/** The default lab's resources the rules look at, all compliant. */
const compliantLab = (): LabResource[] => [
  network("service", "isolated"),
  network("management", "isolated"),
  network("heartbeat", "isolated"),
  target(),
  initiator("node01", "192.168.8.121"),
  initiator("node02", "192.168.8.122"),
  gluster(false),
  pcs(),
  fence(),
  res("RandomSecret", "dev-cluster-password", { length: 24 }),
];

const messages = (vs: Violation[]) => vs.map((v) => v.message);

/** Every message reads `<resource> (<Kind>): <field> <problem>. Fix: <what to do>`. */
function expectWellFormed(vs: Violation[], resource: string, field: string): void {
  expect(vs.length).toBeGreaterThan(0);
  for (const v of vs) {
    expect(v.message.startsWith(`${resource} (`)).toBe(true);
    expect(v.message).toContain(`): ${field} `);
    expect(v.message).toMatch(/\. Fix: \S.+$/);
    expect(v.resource.name).toBe(resource);
  }
}

describe("enforcement and context", () => {
  test("mandatory on prod and staging, advisory elsewhere", () => {
    expect(enforcementFor("prod")).toBe("mandatory");
    expect(enforcementFor("staging")).toBe("mandatory");
    for (const s of ["dev", "e2e", "production", "", "ultramonkey"])
      expect(enforcementFor(s)).toBe("advisory");
  });

  test("heartbeat networks: those of role heartbeat, else the default one", () => {
    expect(heartbeatNetworkNames(undefined)).toEqual(["heartbeat"]);
    expect(heartbeatNetworkNames({ name: "lab3" })).toEqual(["heartbeat"]);
    expect(
      heartbeatNetworkNames({
        networks: [
          { name: "svc", role: "service" },
          { name: "ring0", role: "heartbeat" },
          { name: "mgmt", role: "management" },
        ],
      }),
    ).toEqual(["ring0"]);
    expect(heartbeatNetworkNames({ networks: [{ name: "svc", role: "service" }] })).toEqual([]);
  });

  test("kinds and lab network names from type tokens and resource names", () => {
    expect(kindOf(`${KIND_PREFIX}PcsCluster`)).toBe("PcsCluster");
    expect(kindOf("kvmlab:cluster:HaCluster")).toBeUndefined();
    expect(labNetworkName("dev-net-heartbeat-libvirt")).toBe("heartbeat");
    expect(labNetworkName("lab3-net-ring-0-libvirt")).toBe("ring-0");
    expect(labNetworkName("dev-cluster-pcs")).toBeUndefined();
  });

  test("rule names are policy names, unique", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9-]{1,100}$/);
  });
});

describe("plainOf: @pulumi/policy's property proxy", () => {
  const proxy = policyProxy as unknown as {
    unknownCheckingProxy(props: unknown): Record<string, unknown>;
    unknownStringValue: unknown;
    unknownArrayValue: unknown;
  };

  test("an unknown value becomes UNKNOWN, the rest of the resource stays readable", () => {
    const props = proxy.unknownCheckingProxy({
      name: "cluster01",
      tokenMs: 20000,
      properties: { "stonith-enabled": "false", "no-quorum-policy": proxy.unknownStringValue },
      members: [{ name: "node01", linkAddresses: proxy.unknownArrayValue }],
      node: proxy.unknownStringValue,
    });
    expect(() => props.node).toThrow(/can't be known during preview/);
    expect(plainOf(props)).toEqual({
      name: "cluster01",
      tokenMs: 20000,
      properties: { "stonith-enabled": "false", "no-quorum-policy": UNKNOWN },
      members: [{ name: "node01", linkAddresses: UNKNOWN }],
      node: UNKNOWN,
    });
  });

  test("another error is not swallowed", () => {
    const broken = new Proxy(
      { a: 1 },
      {
        get: () => {
          throw new TypeError("boom");
        },
      },
    );
    expect(() => plainOf(broken)).toThrow("boom");
  });
});

describe("(a) stonith-enabled", () => {
  test("passes: true (any of pacemaker's true words), unset, unknown", () => {
    for (const v of ["true", "TRUE", "yes", "on", "1", "y"]) {
      expect(stonithEnabled.check(pcs({}, { "stonith-enabled": v }), ctx)).toEqual([]);
    }
    expect(stonithEnabled.check(pcs({ properties: {} }), ctx)).toEqual([]);
    expect(stonithEnabled.check(pcs({ properties: { "stonith-enabled": UNKNOWN } }), ctx)).toEqual([]);
    expect(stonithEnabled.check(pcs({ properties: UNKNOWN }), ctx)).toEqual([]);
  });

  test("violated: false (and whatever pacemaker reads as false)", () => {
    for (const v of ["false", "False", "no", "0", "off"]) {
      const vs = stonithEnabled.check(pcs({}, { "stonith-enabled": v }), ctx);
      expectWellFormed(vs, "dev-cluster-pcs", "properties.stonith-enabled");
      expect(vs[0].message).toContain(`is "${v}"`);
      expect(vs[0].message).toContain("Fix: set kvm-ha-lab:lab.cluster.properties.stonith-enabled");
    }
  });
});

describe("(a) fence-device-per-cluster", () => {
  test("passes: a cluster with an enabled device of its own; a device whose state is unknown", () => {
    expect(fenceDevicePerCluster.check([pcs(), fence()], ctx)).toEqual([]);
    expect(fenceDevicePerCluster.check([cman(), fence({ enabled: UNKNOWN })], ctx)).toEqual([]);
    expect(fenceDevicePerCluster.check([fence()], ctx)).toEqual([]); // no cluster: nothing to ask
    expect(fenceDevicePerCluster.check([], ctx)).toEqual([]);
  });

  test("violated: no device, a device of another cluster, a disabled device", () => {
    const none = fenceDevicePerCluster.check([pcs()], ctx);
    expectWellFormed(none, "dev-cluster-pcs", "fencing");
    expect(none[0].message).toContain("no enabled fence device for cluster cluster01");
    expect(none[0].resource.urn).toContain("::dev-cluster-pcs");

    expect(messages(fenceDevicePerCluster.check([cman(), fence({ clusterName: "other" })], ctx))).toEqual([
      expect.stringContaining("dev-cluster-cman (CmanCluster): fencing has no enabled fence device"),
    ]);

    const disabled = fenceDevicePerCluster.check([pcs(), fence({ enabled: false })], ctx);
    expect(messages(disabled)).toEqual([
      expect.stringContaining("dev-cluster-fence-kvmhost01 (StonithDevice): enabled is false"),
      expect.stringContaining("dev-cluster-pcs (PcsCluster): fencing has no enabled fence device"),
    ]);
  });
});

describe("(b) iscsi-acl-no-all", () => {
  test("passes: the nodes' own addresses and names; unknown addresses", () => {
    expect(iscsiAclNoAll.check(target(), ctx)).toEqual([]);
    expect(iscsiAclNoAll.check(target({ initiatorAddresses: UNKNOWN }), ctx)).toEqual([]);
    expect(iscsiAclNoAll.check(target({ initiatorAddresses: [UNKNOWN, UNKNOWN] }), ctx)).toEqual([]);
  });

  test("violated: ALL, a network, a wildcard, an empty list", () => {
    const all = iscsiAclNoAll.check(target({ initiatorNames: ["ALL"] }), ctx);
    expectWellFormed(all, "dev-iscsi-target", "initiatorNames");
    expect(all[0].message).toContain('admits "ALL"');

    const wide = iscsiAclNoAll.check(target({ initiatorAddresses: ["192.168.8.0/24", "all"] }), ctx);
    expectWellFormed(wide, "dev-iscsi-target", "initiatorAddresses");
    expect(wide[0].message).toContain('admits "192.168.8.0/24", "all"');

    expect(messages(iscsiAclNoAll.check(target({ initiatorNames: [`${IQN}-*`] }), ctx))).toEqual([
      expect.stringContaining(`initiatorNames admits "${IQN}-*"`),
    ]);
    expect(messages(iscsiAclNoAll.check(target({ initiatorAddresses: [] }), ctx))).toEqual([
      expect.stringContaining("initiatorAddresses is empty"),
    ]);
  });
});

describe("(b) iscsi-acl-only-initiators", () => {
  const initiators = [initiator("node01", "192.168.8.121"), initiator("node02", "192.168.8.122")];

  test("passes: the ACL is the initiators; values unknown during a preview", () => {
    expect(iscsiAclOnlyInitiators.check([target(), ...initiators], ctx)).toEqual([]);
    const unknownTarget = initiators.map((i) => ({ ...i, props: { ...i.props, targetIqn: UNKNOWN } }));
    expect(iscsiAclOnlyInitiators.check([target(), ...unknownTarget], ctx)).toEqual([]);
    const unknownNode = [initiator("node01", UNKNOWN), initiator("node02", "192.168.8.122")];
    expect(
      iscsiAclOnlyInitiators.check([target({ initiatorAddresses: ["10.0.0.9"] }), ...unknownNode], ctx),
    ).toEqual([]);
    expect(iscsiAclOnlyInitiators.check([target()], ctx)).toEqual([]); // no initiator yet
  });

  test("violated: a name or an address that is no initiator of the lab", () => {
    const vs = iscsiAclOnlyInitiators.check(
      [
        target({
          initiatorNames: [`${IQN}-node01`, `${IQN}-node02`, "iqn.2024-01.org.elsewhere:laptop"],
          initiatorAddresses: ["192.168.8.121", "192.168.8.122", "192.168.8.200"],
        }),
        ...initiators,
      ],
      ctx,
    );
    expect(vs).toHaveLength(2);
    expectWellFormed([vs[0]], "dev-iscsi-target", "initiatorNames");
    expect(vs[0].message).toContain('admits "iqn.2024-01.org.elsewhere:laptop", which is no initiator');
    expectWellFormed([vs[1]], "dev-iscsi-target", "initiatorAddresses");
    expect(vs[1].message).toContain('admits "192.168.8.200"');
    expect(vs[1].message).toContain("its initiators: 192.168.8.121, 192.168.8.122");
  });

  test("an initiator of another target does not count", () => {
    const other = initiator("node03", "192.168.8.123", {
      targetIqn: "iqn.2011-08.com.example.kvmhost:other",
    });
    const vs = iscsiAclOnlyInitiators.check([target(), initiators[0], other], ctx);
    expect(messages(vs)).toEqual([
      expect.stringContaining(`initiatorNames admits "${IQN}-node02"`),
      expect.stringContaining('initiatorAddresses admits "192.168.8.122"'),
    ]);
  });
});

describe("(c) heartbeat-isolated", () => {
  test("passes: heartbeat isolated, NAT on the service network", () => {
    expect(heartbeatIsolated.check(network("heartbeat", "isolated"), ctx)).toEqual([]);
    expect(heartbeatIsolated.check(network("service", "nat"), ctx)).toEqual([]);
    expect(heartbeatIsolated.check(network("heartbeat", "nat"), { heartbeatNetworks: ["ring0"] })).toEqual(
      [],
    );
  });

  test("violated: NAT on the heartbeat network, whatever its name", () => {
    const vs = heartbeatIsolated.check(network("heartbeat", "nat"), ctx);
    expectWellFormed(vs, "dev-net-heartbeat-libvirt", "mode");
    expect(vs[0].message).toContain("is nat on the heartbeat network heartbeat");
    expect(vs[0].message).toContain(
      "Fix: set mode: isolated on network heartbeat in kvm-ha-lab:lab.networks",
    );
    expect(
      messages(heartbeatIsolated.check(network("ring0", "nat"), { heartbeatNetworks: ["ring0"] })),
    ).toEqual([expect.stringContaining("dev-net-ring0-libvirt (LibvirtNetwork): mode is nat")]);
  });
});

describe("(d) no-quorum-policy-not-ignore", () => {
  test("passes: stop, freeze, unset, unknown", () => {
    for (const v of ["stop", "freeze", "demote"]) {
      expect(quorumPolicyNotIgnore.check(pcs({}, { "no-quorum-policy": v }), ctx)).toEqual([]);
    }
    expect(quorumPolicyNotIgnore.check(pcs({ properties: {} }), ctx)).toEqual([]);
    expect(quorumPolicyNotIgnore.check(pcs({ properties: { "no-quorum-policy": UNKNOWN } }), ctx)).toEqual(
      [],
    );
  });

  test("violated: ignore", () => {
    for (const v of ["ignore", "Ignore"]) {
      const vs = quorumPolicyNotIgnore.check(pcs({}, { "no-quorum-policy": v }), ctx);
      expectWellFormed(vs, "dev-cluster-pcs", "properties.no-quorum-policy");
      expect(vs[0].message).toContain("Fix: leave kvm-ha-lab:lab.cluster.properties.no-quorum-policy out");
    }
  });
});

describe("token-not-below-default", () => {
  test("passes: the lab's 20000, corosync's 3000, cman's 10000, unknown", () => {
    expect(tokenNotBelowDefault.check(pcs(), ctx)).toEqual([]);
    expect(tokenNotBelowDefault.check(pcs({ tokenMs: 3000 }), ctx)).toEqual([]);
    expect(tokenNotBelowDefault.check(cman({ tokenMs: 10000 }), ctx)).toEqual([]);
    expect(tokenNotBelowDefault.check(pcs({ tokenMs: UNKNOWN }), ctx)).toEqual([]);
  });

  test("violated: below the stack's default", () => {
    const vs = tokenNotBelowDefault.check(pcs({ tokenMs: 1000 }), ctx);
    expectWellFormed(vs, "dev-cluster-pcs", "tokenMs");
    expect(vs[0].message).toContain("is 1000, below the default token of 3000 ms");
    expect(vs[0].message).toContain("Fix: set kvm-ha-lab:lab.cluster.tokenMs to at least 3000");
    expect(messages(tokenNotBelowDefault.check(cman({ tokenMs: 5000 }), ctx))).toEqual([
      expect.stringContaining(
        "dev-cluster-cman (CmanCluster): tokenMs is 5000, below the default token of 10000 ms",
      ),
    ]);
  });
});

describe("gluster-no-destructive-changes", () => {
  test("passes: false, unknown", () => {
    expect(glusterNoDestructiveChanges.check(gluster(false), ctx)).toEqual([]);
    expect(glusterNoDestructiveChanges.check(gluster(UNKNOWN), ctx)).toEqual([]);
  });

  test("violated: true", () => {
    const vs = glusterNoDestructiveChanges.check(gluster(true), ctx);
    expectWellFormed(vs, "dev-gluster-volume", "allowDestructiveChanges");
    expect(vs[0].message).toContain("replaces volume data00 and destroys its files");
  });
});

describe("checkAll: the whole pack on one stack", () => {
  test("the default lab's resources pass every rule", () => {
    expect(checkAll(compliantLab(), ctx)).toEqual([]);
  });

  test("each violation reported once, by its rule, on its resource", () => {
    const lab = compliantLab().map((r) => {
      switch (kindOf(r.type)) {
        case "PcsCluster":
          return pcs({ tokenMs: 2000 }, { "stonith-enabled": "false", "no-quorum-policy": "ignore" });
        case "LibvirtNetwork":
          return r.name.includes("heartbeat") ? network("heartbeat", "nat") : r;
        case "GlusterVolume":
          return gluster(true);
        default:
          return r;
      }
    });
    expect(checkAll(lab, ctx).map((v) => `${v.resource.name} ${v.message.split(" ")[2]}`)).toEqual([
      "dev-cluster-pcs properties.stonith-enabled",
      "dev-net-heartbeat-libvirt mode",
      "dev-cluster-pcs properties.no-quorum-policy",
      "dev-cluster-pcs tokenMs",
      "dev-gluster-volume allowDestructiveChanges",
    ]);
  });

  test("resource rules look only at their kinds", () => {
    const resourceRules = RULES.filter((r): r is ResourceRule => r.scope === "resource");
    for (const rule of resourceRules) {
      for (const kind of rule.kinds) expect(kindOf(`${KIND_PREFIX}${kind}`)).toBe(kind);
    }
    // A LibvirtNetwork named like a cluster is not a cluster.
    expect(
      checkAll(
        [res("LibvirtNetwork", "dev-cluster-pcs", { properties: { "stonith-enabled": "false" } })],
        ctx,
      ),
    ).toEqual([]);
  });
});
