/**
 * Tests of the pacemaker XML parsers (providers/cluster/pacemaker/cib.ts): the CIB and crm_mon.
 *
 * Where the fixtures come from (public sources, read for shape; the fixtures are written for this
 * lab, not copied): the CIB as in ./fixtures.ts; crm_mon: ClusterLabs/pacemaker
 * cts/cli/regression.crm_mon.exp (`<pacemaker-result>`, `<summary><current_dc present
 * with_quorum/>`, `<node … online standby unclean …/>`, `<resource … role active …><node
 * name/></resource>`, groups, clones); the error answer as in pcs's test fixtures (`<status
 * code="102" message="Not connected"><errors><error>…`).
 */
import {
  CIB_READONLY_PROPERTIES,
  parseCib,
  parseCrmMonXml,
  stonithPrimitives,
  type CibPrimitive,
} from "../../../../providers/cluster/pacemaker/cib";
import { LB_CIB_CONFIGURED, pingColocation, pingOrder } from "../../../fixtures/lb-pacemaker";
import { CRM_MON_NOT_CONNECTED } from "../../../fixtures/pacemaker";
import { crmMonNodeXml, crmMonResourceXml, crmMonXml } from "../../../fixtures/pacemaker-xml";
import { CIB_XML } from "./fixtures";

// ---------------------------------------------------------------------------------------------
// Fixtures

/**
 * A CIB with what the lab does not create itself: two property sets, a cloned group, set and rule
 * constraints next to simple ones (ids as pcs names them), string values that look like numbers.
 */
const CIB_OTHER_XML = `<?xml version="1.0" ?>
<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="40" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-timeout" name="stonith-timeout" value="60s"/>
        <nvpair id="cib-bootstrap-options-dc-version" name="dc-version" value="2.1.5-a3f44794f94"/>
      </cluster_property_set>
      <cluster_property_set id="lab-options">
        <nvpair id="lab-options-stonith-timeout" name="stonith-timeout" value="0120"/>
        <nvpair id="lab-options-maintenance-mode" name="maintenance-mode" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <clone id="ping-clone">
        <meta_attributes id="ping-clone-meta_attributes">
          <nvpair id="ping-clone-meta_attributes-interleave" name="interleave" value="true"/>
        </meta_attributes>
        <group id="ping-group">
          <primitive class="ocf" id="ping" provider="pacemaker" type="ping">
            <instance_attributes id="ping-instance_attributes">
              <nvpair id="ping-instance_attributes-host_list" name="host_list" value="192.168.7.1"/>
              <nvpair id="ping-instance_attributes-multiplier" name="multiplier" value="100"/>
            </instance_attributes>
          </primitive>
        </group>
      </clone>
      <primitive class="systemd" id="chronyd" type="chrony">
        <meta_attributes id="chronyd-meta_attributes">
          <nvpair id="chronyd-meta_attributes-target-role" name="target-role" value="Stopped"/>
        </meta_attributes>
        <meta_attributes id="chronyd-meta_attributes-1">
          <nvpair id="chronyd-meta_attributes-1-target-role" name="target-role" value="Started"/>
        </meta_attributes>
      </primitive>
    </resources>
    <constraints>
      <rsc_colocation id="colocation-chronyd-ping-clone-INFINITY" rsc="chronyd" score="INFINITY" with-rsc="ping-clone"/>
      <rsc_order first="ping-clone" first-action="start" id="order-ping-clone-chronyd-mandatory" kind="Mandatory" then="chronyd" then-action="start"/>
      <rsc_order first="ping-clone" id="order-ping-clone-chronyd" then="chronyd"/>
      <rsc_location id="location-chronyd" rsc="chronyd">
        <rule id="location-chronyd-rule" boolean-op="and" score="-INFINITY">
          <expression id="location-chronyd-rule-expr" attribute="pingd" operation="not_defined"/>
        </rule>
      </rsc_location>
      <rsc_colocation id="colocation-set">
        <resource_set id="colocation-set-set">
          <resource_ref id="chronyd"/>
          <resource_ref id="ping-clone"/>
        </resource_set>
      </rsc_colocation>
    </constraints>
  </configuration>
  <status/>
</cib>
`;

/**
 * `crm_mon -1 --output-as=xml` on node01h after node02h dropped out of the membership and before
 * it was fenced: node02h is offline and unclean, the survivor keeps quorum (two_node), the group
 * still shows as started on node02h.
 */
const NODE02H = { name: "node02h", id: 2 };
const CRM_MON_XML = crmMonXml({
  dc: { name: "node01h", id: 1 },
  mixedVersion: true,
  lastUpdate: "Tue Mar  5 10:20:11 2024",
  lastChange: "Tue Mar  5 10:12:40 2024",
  clusterOptions: true,
  nodes: [
    crmMonNodeXml({ name: "node01h", id: 1, online: true, isDc: true, running: 1 }),
    crmMonNodeXml({ name: "node02h", id: 2, online: false, unclean: true, isDc: false, running: 3 }),
  ],
  resources: `${crmMonResourceXml("    ", "kvmhost01", "stonith:fence_virsh", { name: "node01h", id: 1 })}
    <group id="service01" number_resources="3" managed="true" disabled="false">
${crmMonResourceXml("      ", "service01-ip", "ocf:heartbeat:IPaddr2", NODE02H)}
${crmMonResourceXml("      ", "service01-fs", "ocf:heartbeat:Filesystem", NODE02H)}
${crmMonResourceXml("      ", "service01-db", "ocf:heartbeat:pgsql", NODE02H)}
    </group>
`,
  history: `    <node name="node01h">
      <resource_history id="kvmhost01" orphan="false" migration-threshold="1000000">
        <operation_history call="6" task="start" rc="0" rc_text="ok" exec-time="1283ms" queue-time="0ms"/>
      </resource_history>
    </node>
`,
});

// ---------------------------------------------------------------------------------------------
// parseCib

describe("parseCib", () => {
  const cib = parseCib(CIB_XML);

  it("lists the cluster properties without the ones pacemaker maintains", () => {
    expect(cib.properties).toEqual({ "stonith-enabled": "true", "no-quorum-policy": "stop" });
    expect(CIB_READONLY_PROPERTIES).toEqual([
      "cluster-infrastructure",
      "cluster-name",
      "dc-version",
      "have-watchdog",
      "last-lrm-refresh",
    ]);
  });

  it("reads the resource defaults pcs cluster setup writes", () => {
    expect(cib.rscDefaults).toEqual({ "resource-stickiness": "1" });
  });

  it("reads the fence device as a stonith primitive without provider", () => {
    expect(cib.stonith).toEqual([
      {
        id: "kvmhost01",
        class: "stonith",
        type: "fence_virsh",
        instanceAttributes: {
          identity_file: "/etc/cluster/fence_virsh_key",
          ip: "192.168.8.1",
          pcmk_host_map: "node01h:dev-node01;node02h:dev-node02",
          pcmk_monitor_timeout: "120s",
          pcmk_reboot_timeout: "300s",
          username: "root",
        },
        meta: {},
        operations: [{ id: "kvmhost01-monitor-interval-60s", name: "monitor", interval: "60s" }],
      },
    ]);
    expect(stonithPrimitives(cib.primitives).map((p) => p.id)).toEqual(["kvmhost01"]);
  });

  it("reads the group's members in start order, with their group and values as strings", () => {
    expect(cib.groups).toEqual([
      {
        id: "service01",
        members: ["service01-ip", "service01-fs", "service01-db"],
        meta: { "target-role": "Stopped" },
      },
    ]);
    const db = cib.primitives.find((p) => p.id === "service01-db") as CibPrimitive;
    expect(db).toMatchObject({ class: "ocf", provider: "heartbeat", type: "pgsql", group: "service01" });
    expect(db.instanceAttributes["pgport"]).toBe("5432");
    expect(db.operations.find((o) => o.role !== undefined)).toEqual({
      id: "service01-db-monitor-interval-29s",
      name: "monitor",
      interval: "29s",
      role: "Promoted",
      timeout: "30s",
    });
    expect(cib.primitives.map((p) => [p.id, p.group])).toEqual([
      ["kvmhost01", undefined],
      ["service01-ip", "service01"],
      ["service01-fs", "service01"],
      ["service01-db", "service01"],
    ]);
  });

  it("reads the location constraints and the nodes", () => {
    expect(cib.constraints).toEqual({
      locations: [
        { id: "location-service01-node01h-200", rsc: "service01", node: "node01h", score: "200" },
        { id: "location-service01-node02h-100", rsc: "service01", node: "node02h", score: "100" },
      ],
      rules: [],
      colocations: [],
      orders: [],
    });
    expect(cib.clones).toEqual([]);
    expect(cib.nodes).toEqual([
      { id: "1", uname: "node01h" },
      { id: "2", uname: "node02h" },
    ]);
  });

  it("merges property sets in order, reads cloned groups, and keeps simple and rule constraints, not sets", () => {
    const other = parseCib(CIB_OTHER_XML);
    expect(other.properties).toEqual({ "stonith-timeout": "0120", "maintenance-mode": "false" });
    expect(other.rscDefaults).toEqual({});
    expect(other.nodes).toEqual([]);
    expect(other.groups).toEqual([{ id: "ping-group", members: ["ping"], meta: {}, clone: "ping-clone" }]);
    expect(
      other.primitives.map((p) => ({ id: p.id, group: p.group, clone: p.clone, provider: p.provider })),
    ).toEqual([
      { id: "chronyd", group: undefined, clone: undefined, provider: undefined },
      { id: "ping", group: "ping-group", clone: "ping-clone", provider: "pacemaker" },
    ]);
    expect(other.primitives[0]?.meta).toEqual({ "target-role": "Started" });
    expect(other.stonith).toEqual([]);
    expect(other.clones).toEqual([{ id: "ping-clone", group: "ping-group", meta: { interleave: "true" } }]);
    expect(other.constraints).toEqual({
      locations: [],
      rules: [
        {
          id: "location-chronyd",
          rsc: "chronyd",
          ruleId: "location-chronyd-rule",
          score: "-INFINITY",
          booleanOp: "and",
          expressions: [{ id: "location-chronyd-rule-expr", attribute: "pingd", operation: "not_defined" }],
        },
      ],
      colocations: [
        {
          id: "colocation-chronyd-ping-clone-INFINITY",
          rsc: "chronyd",
          withRsc: "ping-clone",
          score: "INFINITY",
        },
      ],
      orders: [
        { id: "order-ping-clone-chronyd-mandatory", first: "ping-clone", then: "chronyd", kind: "Mandatory" },
        { id: "order-ping-clone-chronyd", first: "ping-clone", then: "chronyd" },
      ],
    });
  });

  it("reads the directors' clone of a primitive, operation attributes, a two-expression rule and a non-symmetrical order", () => {
    const lb = parseCib(LB_CIB_CONFIGURED);
    expect(lb.clones).toEqual([{ id: "PINGD-clone", primitive: "PINGD", meta: {} }]);
    expect(lb.rscDefaults).toEqual({ "resource-stickiness": "INFINITY" });
    const ping = lb.primitives.find((p) => p.id === "PINGD") as CibPrimitive;
    expect(ping).toMatchObject({ clone: "PINGD-clone", provider: "pacemaker", type: "ping" });
    expect(ping.group).toBeUndefined();
    const ldirectord = lb.primitives.find((p) => p.id === "LDIRECTOR1") as CibPrimitive;
    expect(ldirectord.meta).toEqual({});
    expect(ldirectord.operations).toEqual([
      {
        id: "LDIRECTOR1-monitor-interval-30s",
        name: "monitor",
        interval: "30s",
        timeout: "60s",
        options: { "on-fail": "restart" },
      },
      {
        id: "LDIRECTOR1-start-interval-0s",
        name: "start",
        interval: "0s",
        timeout: "120s",
        options: { "on-fail": "restart", "start-delay": "5s" },
      },
      {
        id: "LDIRECTOR1-stop-interval-0s",
        name: "stop",
        interval: "0s",
        timeout: "120s",
        options: { "on-fail": "block" },
      },
    ]);
    // An operation without other attributes has no options at all.
    expect(lb.primitives.find((p) => p.id === "LB_VIP")?.operations[0]).toEqual({
      id: "LB_VIP-monitor-interval-10s",
      name: "monitor",
      interval: "10s",
      timeout: "60s",
    });
    expect(lb.groups).toEqual([
      { id: "GrpBalancer", members: ["VIPCHK1", "LB_VIP", "LDIRECTOR1"], meta: {} },
    ]);
    expect(lb.constraints).toEqual({
      locations: [],
      rules: [
        {
          id: "location-GrpBalancer-pingd",
          rsc: "GrpBalancer",
          ruleId: "location-GrpBalancer-pingd-rule",
          score: "-INFINITY",
          booleanOp: "or",
          expressions: [
            {
              id: "location-GrpBalancer-pingd-rule-expr",
              attribute: "pingd_score",
              operation: "lt",
              type: "integer",
              value: "1",
            },
            {
              id: "location-GrpBalancer-pingd-rule-expr-1",
              attribute: "pingd_score",
              operation: "not_defined",
            },
          ],
        },
      ],
      colocations: [pingColocation("GrpBalancer", "PINGD")],
      // The CIB's text: the reader maps it to a boolean (pcs-drift.ts).
      orders: [pingOrder("GrpBalancer", "PINGD", "false")],
    });
  });

  it("throws on empty, malformed or non-CIB input", () => {
    expect(() => parseCib("")).toThrow(/cibadmin --query printed nothing/);
    expect(() => parseCib("<cib><configuration></cib>")).toThrow(/malformed XML \(line 1/);
    expect(() => parseCib("<cliOutput><opRet>0</opRet></cliOutput>")).toThrow(/no <cib> element/);
    expect(() => parseCib('<cib epoch="1"><status/></cib>')).toThrow(/no <configuration>/);
  });
});

// ---------------------------------------------------------------------------------------------
// parseCrmMonXml

describe("parseCrmMonXml", () => {
  const state = parseCrmMonXml(CRM_MON_XML);

  it("reports the offline, unclean peer next to the online DC", () => {
    expect(state.nodes).toEqual([
      { name: "node01h", online: true, standby: false, unclean: false },
      { name: "node02h", online: false, standby: false, unclean: true },
    ]);
    expect(state.quorum).toBe(true);
    expect(state.dc).toBe("node01h");
  });

  it("lists every resource with its role, node and group", () => {
    expect(state.resources).toEqual([
      { id: "kvmhost01", role: "Started", active: true, node: "node01h" },
      { id: "service01-ip", role: "Started", active: true, node: "node02h", group: "service01" },
      { id: "service01-fs", role: "Started", active: true, node: "node02h", group: "service01" },
      { id: "service01-db", role: "Started", active: true, node: "node02h", group: "service01" },
    ]);
  });

  it("reads stopped resources, clone instances, a missing DC and the legacy <crm_mon> root", () => {
    const legacy = parseCrmMonXml(`<crm_mon version="2.1.5">
  <summary><current_dc present="false"/></summary>
  <nodes><node name="node01h" id="1" online="true" standby="true" unclean="false"/></nodes>
  <resources>
    <clone id="ping-clone" multi_state="false" unique="false">
      <group id="ping-group:0" number_resources="1">
        <resource id="ping" role="Started" active="true"><node name="node01h" id="1" cached="true"/></resource>
      </group>
      <group id="ping-group:1" number_resources="1">
        <resource id="ping" role="Stopped" active="false"/>
      </group>
    </clone>
  </resources>
</crm_mon>`);
    expect(legacy.quorum).toBe(false);
    expect(legacy.dc).toBeUndefined();
    expect(legacy.nodes).toEqual([{ name: "node01h", online: true, standby: true, unclean: false }]);
    expect(legacy.resources).toEqual([
      { id: "ping", role: "Started", active: true, node: "node01h", group: "ping-group" },
      { id: "ping", role: "Stopped", active: false, group: "ping-group" },
    ]);
  });

  it("throws with crm_mon's own error when there is no cluster", () => {
    expect(() => parseCrmMonXml(CRM_MON_NOT_CONNECTED)).toThrow(
      "crm_mon reported no cluster (status 102: Not connected): crm_mon: Error: cluster is not available on this node",
    );
    expect(() => parseCrmMonXml("crm_mon: command not found")).toThrow(/crm_mon printed malformed XML/);
    expect(() => parseCrmMonXml("<cib/>")).toThrow(/neither <pacemaker-result> nor <crm_mon>/);
  });
});
