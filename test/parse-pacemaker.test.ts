/**
 * Tests of the pacemaker-side parsers (providers/cluster/pacemaker/cib.ts, providers/cluster/pacemaker/corosync-conf.ts)
 * and of the pcs 0.11 command builders (providers/cluster/pacemaker/pcs-commands.ts), for the target nodes:
 * Debian 12 with pacemaker 2.1.5, corosync 3.1.7 (knet), pcs 0.11.5, resource-agents and
 * fence-agents 4.12, PostgreSQL 15.
 *
 * Where the fixtures and the expected command lines come from (public sources, read for shape;
 * the fixtures are written for this lab, not copied):
 * - corosync.conf as pcs 0.11 writes it: ClusterLabs/pcs pcs_test/tier1/cluster/test_setup_local.py
 *   (section and key order, `ringN_addr`/`name`/`nodeid` per node, `two_node: 1` written by pcs for
 *   two nodes, the quorum options pcs accepts, interface blocks only for links with options) and
 *   ClusterLabs/pacemaker doc/sphinx/Clusters_from_Scratch/ap-corosync-conf.rst (the two-node file
 *   with `cluster_uuid` last in totem). Debian's corosync logs to /var/log/corosync/.
 * - The CIB: ClusterLabs/crmsh test/unittests/test_cibquery.py (a pacemaker 2.1.5 CIB,
 *   validate-with pacemaker-3.9), pacemaker's Clusters from Scratch `pcs cluster cib` output
 *   (`build-resource-defaults` with resource-stickiness=1 after `pcs cluster setup`), pcs-created
 *   ids as seen in ClusterLabs/anvil's example CIB (`location-<rsc>-<node>-<score>`,
 *   `<rsc>-monitor-interval-10s`), and the default operations of the agents' metadata
 *   (IPaddr2, Filesystem, pgsql; stonith: monitor 60s).
 * - crm_mon: ClusterLabs/pacemaker cts/cli/regression.crm_mon.exp (`<pacemaker-result>`,
 *   `<summary><current_dc present with_quorum/>`, `<node … online standby unclean …/>`,
 *   `<resource … role active …><node name/></resource>`, groups, clones); the error answer as in
 *   pcs's test fixtures (`<status code="102" message="Not connected"><errors><error>…`).
 * - pcs syntax: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (pcs-0.11: host auth, cluster
 *   setup, property set/unset, resource defaults update, resource create --group --disabled,
 *   resource meta, constraint location prefers/avoids, stonith create), pcs/lib/cib/cluster_property.py
 *   (READONLY_CLUSTER_PROPERTY_LIST), pcs/utils.py get_terminal_password (password from stdin
 *   when stdin is not a TTY), pcs's stonith tests (`action=` rejected, "use 'pcmk_off_action',
 *   'pcmk_reboot_action'"), pcs/lib/cib/resource/common.py find_resources_to_enable (enabling a
 *   group does not enable its members).
 * - fence_virsh: ClusterLabs/fence-agents agents/virsh/fence_virsh.py and lib/fencing.py.py
 *   (metadata names `ip`, `username`, `plug`, `identity_file`; `ipaddr`, `login`, `port` are the
 *   deprecated aliases); pacemaker-fenced(7) for pcmk_host_map and pcmk_reboot_action.
 * - Agents: ClusterLabs/resource-agents heartbeat/pgsql (pgctl, psql, pgdata, config, pgport) and
 *   heartbeat/Filesystem (device, directory, fstype, options; glusterfs handled as a network fs).
 */
import { parseLabSpec, type LabSpec } from "../spec";
import {
  CIB_READONLY_PROPERTIES,
  parseCib,
  parseCrmMonXml,
  stonithPrimitives,
  type CibPrimitive,
} from "../providers/cluster/pacemaker/cib";
import { parseCorosyncConf, parseCorosyncSections } from "../providers/cluster/pacemaker/corosync-conf";
import {
  HACLUSTER_USER,
  pcsClusterSetup,
  pcsGroupResources,
  pcsGroupStickiness,
  pcsHostAuth,
  pcsLocationPrefers,
  pcsNodeName,
  pcsPasswordStdin,
  pcsPropertySet,
  pcsPropertyUnset,
  pcsResourceDefaultsUpdate,
  pcsResourceId,
  pcsStonithCreate,
  type PcsSetupMember,
} from "../providers/cluster/pacemaker/pcs-commands";
import type { ServiceGroupSpec } from "../spec/types";

// ---------------------------------------------------------------------------------------------
// The default lab, wired as components/ha-lab.ts wires it

const dev: LabSpec = parseLabSpec({ name: "dev" });

/** The cluster members of a lab: links in cluster.links order. */
function membersOf(spec: LabSpec): PcsSetupMember[] {
  return spec.nodes.map((node) => {
    const nics = spec.cluster.links.map((link) => node.interfaces.find((nic) => nic.network === link));
    return {
      name: node.name,
      nodeId: node.nodeId,
      linkAddresses: nics.map((nic) => nic?.address ?? ""),
      linkHostnames: nics.map((nic) => nic?.hostname ?? ""),
    };
  });
}

const devMembers = membersOf(dev);
/** Member name → cluster node name (`node01` → `node01h`). */
const devNodeNames = Object.fromEntries(devMembers.map((m) => [m.name, pcsNodeName(m)]));
/** Member name → libvirt domain (the fence_virsh plug). */
const devHostMap = Object.fromEntries(dev.nodes.map((n) => [n.name, n.domainName]));
/** The seed's glmount options (components/storage/gluster-volume.ts GLUSTER_MOUNT_OPTIONS). */
const GLUSTER_OPTIONS = "log-level=WARNING,log-file=/var/log/gluster.log";
const devGroup = dev.services[0] as ServiceGroupSpec;
const devFence = dev.fencing[0];
if (devFence === undefined) throw new Error("the default lab has no fence device");

/** The `name=value` words of an argv as a record (what pcs writes as nvpairs). */
function optionsOf(argv: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    argv
      .filter((w) => /^[A-Za-z_][A-Za-z0-9_-]*=/.test(w))
      .map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]),
  );
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/**
 * corosync.conf as `pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121
 * node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000` writes it.
 */
const COROSYNC_CONF = `totem {
    version: 2
    cluster_name: cluster01
    transport: knet
    token: 20000
    crypto_cipher: aes256
    crypto_hash: sha256
    cluster_uuid: 5e2a4c51a7d84b1f9d3f2e0c6b8a7d10
}

nodelist {
    node {
        ring0_addr: 192.168.9.121
        ring1_addr: 192.168.8.121
        name: node01h
        nodeid: 1
    }

    node {
        ring0_addr: 192.168.9.122
        ring1_addr: 192.168.8.122
        name: node02h
        nodeid: 2
    }
}

quorum {
    provider: corosync_votequorum
    two_node: 1
}

logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: yes
    timestamp: on
}
`;

/** A hand-edited corosync.conf: comments, link options (interface blocks), an IPv6 link. */
const COROSYNC_CONF_EDITED = `# Please read the corosync.conf.5 manual page
totem {
    version: 2
    cluster_name: lab6
    transport: knet
    # link 1 is the backup
    interface {
        knet_link_priority: 10
        linknumber: 0
    }

    interface {
        knet_link_priority: 5
        linknumber: 1
    }
}

nodelist {
    node {
        ring1_addr: fd00:8::121
        ring0_addr: 192.168.9.121
        nodeid: 7
    }
}

quorum {
    provider: corosync_votequorum
}
`;

/** `cibadmin --query` of the default lab after the builders' commands ran (pacemaker 2.1.5). */
const CIB_XML = `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="27" num_updates="6" admin_epoch="0" cib-last-written="Tue Mar  5 10:12:40 2024" update-origin="node01h" update-client="cibadmin" update-user="root" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-have-watchdog" name="have-watchdog" value="false"/>
        <nvpair id="cib-bootstrap-options-dc-version" name="dc-version" value="2.1.5-a3f44794f94"/>
        <nvpair id="cib-bootstrap-options-cluster-infrastructure" name="cluster-infrastructure" value="corosync"/>
        <nvpair id="cib-bootstrap-options-cluster-name" name="cluster-name" value="cluster01"/>
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="true"/>
        <nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="stop"/>
        <nvpair id="cib-bootstrap-options-last-lrm-refresh" name="last-lrm-refresh" value="1709633560"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node01h"/>
      <node id="2" uname="node02h"/>
    </nodes>
    <resources>
      <primitive class="stonith" id="kvmhost01" type="fence_virsh">
        <instance_attributes id="kvmhost01-instance_attributes">
          <nvpair id="kvmhost01-instance_attributes-identity_file" name="identity_file" value="/etc/cluster/fence_virsh_key"/>
          <nvpair id="kvmhost01-instance_attributes-ip" name="ip" value="192.168.8.1"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_host_map" name="pcmk_host_map" value="node01h:dev-node01;node02h:dev-node02"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_monitor_timeout" name="pcmk_monitor_timeout" value="120s"/>
          <nvpair id="kvmhost01-instance_attributes-pcmk_reboot_timeout" name="pcmk_reboot_timeout" value="300s"/>
          <nvpair id="kvmhost01-instance_attributes-username" name="username" value="root"/>
        </instance_attributes>
        <operations>
          <op id="kvmhost01-monitor-interval-60s" interval="60s" name="monitor"/>
        </operations>
      </primitive>
      <group id="service01">
        <meta_attributes id="service01-meta_attributes">
          <nvpair id="service01-meta_attributes-target-role" name="target-role" value="Stopped"/>
        </meta_attributes>
        <primitive class="ocf" id="service01-ip" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="service01-ip-instance_attributes">
            <nvpair id="service01-ip-instance_attributes-cidr_netmask" name="cidr_netmask" value="24"/>
            <nvpair id="service01-ip-instance_attributes-ip" name="ip" value="192.168.7.99"/>
          </instance_attributes>
          <operations>
            <op id="service01-ip-monitor-interval-10s" interval="10s" name="monitor" timeout="20s"/>
            <op id="service01-ip-start-interval-0s" interval="0s" name="start" timeout="20s"/>
            <op id="service01-ip-stop-interval-0s" interval="0s" name="stop" timeout="20s"/>
          </operations>
        </primitive>
        <primitive class="ocf" id="service01-fs" provider="heartbeat" type="Filesystem">
          <instance_attributes id="service01-fs-instance_attributes">
            <nvpair id="service01-fs-instance_attributes-device" name="device" value="localhost:/data00"/>
            <nvpair id="service01-fs-instance_attributes-directory" name="directory" value="/gldata00"/>
            <nvpair id="service01-fs-instance_attributes-fstype" name="fstype" value="glusterfs"/>
            <nvpair id="service01-fs-instance_attributes-options" name="options" value="log-level=WARNING,log-file=/var/log/gluster.log"/>
          </instance_attributes>
          <operations>
            <op id="service01-fs-monitor-interval-20s" interval="20s" name="monitor" timeout="40s"/>
            <op id="service01-fs-start-interval-0s" interval="0s" name="start" timeout="60s"/>
            <op id="service01-fs-stop-interval-0s" interval="0s" name="stop" timeout="60s"/>
          </operations>
        </primitive>
        <primitive class="ocf" id="service01-db" provider="heartbeat" type="pgsql">
          <instance_attributes id="service01-db-instance_attributes">
            <nvpair id="service01-db-instance_attributes-config" name="config" value="/gldata00/pgsql/postgresql.conf"/>
            <nvpair id="service01-db-instance_attributes-pgctl" name="pgctl" value="/usr/lib/postgresql/15/bin/pg_ctl"/>
            <nvpair id="service01-db-instance_attributes-pgdata" name="pgdata" value="/gldata00/pgsql"/>
            <nvpair id="service01-db-instance_attributes-pgport" name="pgport" value="5432"/>
            <nvpair id="service01-db-instance_attributes-socketdir" name="socketdir" value="/var/run/postgresql"/>
            <nvpair id="service01-db-instance_attributes-start_opt" name="start_opt" value="-c recovery_init_sync_method=syncfs"/>
            <nvpair id="service01-db-instance_attributes-psql" name="psql" value="/usr/lib/postgresql/15/bin/psql"/>
          </instance_attributes>
          <operations>
            <op id="service01-db-demote-interval-0s" interval="0s" name="demote" timeout="120s"/>
            <op id="service01-db-methods-interval-0s" interval="0s" name="methods" timeout="5s"/>
            <op id="service01-db-monitor-interval-30s" interval="30s" name="monitor" timeout="30s"/>
            <op id="service01-db-monitor-interval-29s" interval="29s" name="monitor" role="Promoted" timeout="30s"/>
            <op id="service01-db-notify-interval-0s" interval="0s" name="notify" timeout="90s"/>
            <op id="service01-db-promote-interval-0s" interval="0s" name="promote" timeout="120s"/>
            <op id="service01-db-start-interval-0s" interval="0s" name="start" timeout="120s"/>
            <op id="service01-db-stop-interval-0s" interval="0s" name="stop" timeout="120s"/>
          </operations>
        </primitive>
      </group>
    </resources>
    <constraints>
      <rsc_location id="location-service01-node01h-200" node="node01h" rsc="service01" score="200"/>
      <rsc_location id="location-service01-node02h-100" node="node02h" rsc="service01" score="100"/>
    </constraints>
    <rsc_defaults>
      <meta_attributes id="build-resource-defaults">
        <nvpair id="build-resource-stickiness" name="resource-stickiness" value="1"/>
      </meta_attributes>
    </rsc_defaults>
  </configuration>
  <status>
    <node_state id="1" uname="node01h" in_ccm="true" crmd="online" crm-debug-origin="do_state_transition" join="member" expected="member">
      <lrm id="1">
        <lrm_resources>
          <lrm_resource id="kvmhost01" type="fence_virsh" class="stonith">
            <lrm_rsc_op id="kvmhost01_last_0" operation="start" call-id="6" rc-code="0" op-status="0" interval="0" on_node="node01h"/>
          </lrm_resource>
        </lrm_resources>
      </lrm>
    </node_state>
  </status>
</cib>
`;

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
const CRM_MON_XML = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <summary>
    <stack type="corosync"/>
    <current_dc present="true" version="2.1.5-a3f44794f94" name="node01h" id="1" with_quorum="true" mixed_version="false"/>
    <last_update time="Tue Mar  5 10:20:11 2024"/>
    <last_change time="Tue Mar  5 10:12:40 2024" user="root" client="cibadmin" origin="node01h"/>
    <nodes_configured number="2"/>
    <resources_configured number="4" disabled="0" blocked="0"/>
    <cluster_options stonith-enabled="true" symmetric-cluster="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false" stonith-timeout-ms="60000" priority-fencing-delay-ms="0"/>
  </summary>
  <nodes>
    <node name="node01h" id="1" online="true" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="false" shutdown="false" expected_up="true" is_dc="true" resources_running="1" type="member"/>
    <node name="node02h" id="2" online="false" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="true" shutdown="false" expected_up="true" is_dc="false" resources_running="3" type="member"/>
  </nodes>
  <resources>
    <resource id="kvmhost01" resource_agent="stonith:fence_virsh" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
      <node name="node01h" id="1" cached="true"/>
    </resource>
    <group id="service01" number_resources="3" managed="true" disabled="false">
      <resource id="service01-ip" resource_agent="ocf:heartbeat:IPaddr2" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="node02h" id="2" cached="true"/>
      </resource>
      <resource id="service01-fs" resource_agent="ocf:heartbeat:Filesystem" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="node02h" id="2" cached="true"/>
      </resource>
      <resource id="service01-db" resource_agent="ocf:heartbeat:pgsql" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="node02h" id="2" cached="true"/>
      </resource>
    </group>
  </resources>
  <node_history>
    <node name="node01h">
      <resource_history id="kvmhost01" orphan="false" migration-threshold="1000000">
        <operation_history call="6" task="start" rc="0" rc_text="ok" exec-time="1283ms" queue-time="0ms"/>
      </resource_history>
    </node>
  </node_history>
  <status code="0" message="OK"/>
</pacemaker-result>
`;

/** crm_mon while pacemaker is stopped on the node (the shape of pcs's error fixtures). */
const CRM_MON_NOT_CONNECTED = `<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>crm_mon: Error: cluster is not available on this node</error>
    </errors>
  </status>
</pacemaker-result>
`;

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
      colocations: [],
      orders: [],
    });
    expect(cib.nodes).toEqual([
      { id: "1", uname: "node01h" },
      { id: "2", uname: "node02h" },
    ]);
  });

  it("holds what the builders ask pcs to create for the default lab", () => {
    const stonith = pcsStonithCreate(devFence, devHostMap, devNodeNames);
    expect(cib.stonith[0]?.instanceAttributes).toEqual(optionsOf(stonith.slice(5)));
    const creates = pcsGroupResources(devGroup, { glusterMountOptions: GLUSTER_OPTIONS }).filter(
      (argv) => argv[2] === "create",
    );
    for (const argv of creates) {
      const primitive = cib.primitives.find((p) => p.id === argv[3]);
      expect(primitive?.instanceAttributes).toEqual(
        optionsOf(argv.slice(5, argv.includes("op") ? argv.indexOf("op") : undefined)),
      );
      expect(`${primitive?.class}:${primitive?.provider}:${primitive?.type}`).toBe(argv[4]);
    }
    const [prefers] = pcsLocationPrefers(devGroup.name, devGroup.domain, devNodeNames);
    expect(cib.constraints.locations.map((l) => `${l.node}=${l.score}`)).toEqual(prefers?.slice(5));
  });

  it("merges property sets in order, reads cloned groups, and keeps only simple constraints", () => {
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
    expect(other.constraints).toEqual({
      locations: [],
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

// ---------------------------------------------------------------------------------------------
// parseCorosyncConf

describe("parseCorosyncConf", () => {
  const conf = parseCorosyncConf(COROSYNC_CONF);

  it("reads what pcs cluster setup wrote for the default lab", () => {
    expect(conf).toMatchObject({
      clusterName: "cluster01",
      clusterUuid: "5e2a4c51a7d84b1f9d3f2e0c6b8a7d10",
      transport: "knet",
      token: 20000,
      twoNode: true,
    });
    expect(conf.nodes).toEqual([
      { name: "node01h", nodeid: 1, addrs: ["192.168.9.121", "192.168.8.121"] },
      { name: "node02h", nodeid: 2, addrs: ["192.168.9.122", "192.168.8.122"] },
    ]);
    expect(conf.raw.sections["logging"]?.[0]?.values).toEqual({
      to_logfile: "yes",
      logfile: "/var/log/corosync/corosync.log",
      to_syslog: "yes",
      timestamp: "on",
    });
    expect(Object.keys(conf.raw.sections)).toEqual(["totem", "nodelist", "quorum", "logging"]);
  });

  it("matches the node list the setup command asks for", () => {
    const argv = pcsClusterSetup(dev.cluster, devMembers);
    const fromArgv = devMembers.map((m) => ({
      name: pcsNodeName(m),
      nodeid: m.nodeId,
      addrs: argv
        .slice(argv.indexOf(pcsNodeName(m)) + 1)
        .filter((w, i, rest) => rest.slice(0, i + 1).every((x) => x.startsWith("addr=")))
        .map((w) => w.slice("addr=".length)),
    }));
    expect(conf.nodes).toEqual(fromArgv);
    expect(conf.token).toBe(dev.cluster.tokenMs);
    expect(conf.twoNode).toBe(dev.cluster.twoNode);
  });

  it("skips comments, keeps repeated sections, orders addresses by ring and keeps colons in values", () => {
    const edited = parseCorosyncConf(COROSYNC_CONF_EDITED);
    expect(edited.twoNode).toBe(false);
    expect(edited.token).toBeUndefined();
    expect(edited.clusterUuid).toBeUndefined();
    expect(edited.nodes).toEqual([
      { name: "192.168.9.121", nodeid: 7, addrs: ["192.168.9.121", "fd00:8::121"] },
    ]);
    expect(edited.raw.sections["totem"]?.[0]?.sections["interface"]?.map((s) => s.values)).toEqual([
      { knet_link_priority: "10", linknumber: "0" },
      { knet_link_priority: "5", linknumber: "1" },
    ]);
  });

  it("throws naming the line it cannot read", () => {
    expect(() => parseCorosyncSections("totem {\n    version: 2\n")).toThrow(
      'corosync.conf line 1: section "totem" is never closed',
    );
    expect(() => parseCorosyncSections("quorum {\n}\n}\n")).toThrow(
      'corosync.conf line 3: "}" closes no section',
    );
    expect(() => parseCorosyncSections("totem {\n    version 2\n}\n")).toThrow(
      /line 2: "version 2" is neither/,
    );
    expect(() => parseCorosyncConf("nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n  }\n}\n")).toThrow(
      "corosync.conf: nodelist node 1 (10.0.0.1) has no valid nodeid",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// pcs command lines

describe("pcs host auth", () => {
  it("authenticates the link-0 host names as hacluster, with no password in argv", () => {
    const argv = pcsHostAuth(devMembers.map(pcsNodeName));
    expect(argv).toEqual(["pcs", "host", "auth", "node01h", "node02h", "-u", "hacluster"]);
    expect(argv).not.toContain("-p");
    expect(HACLUSTER_USER).toBe("hacluster");
    expect(pcsHostAuth(["node01h", "node02h"], { node02h: "192.168.9.122" })).toEqual([
      "pcs",
      "host",
      "auth",
      "node01h",
      "node02h",
      "addr=192.168.9.122",
      "-u",
      "hacluster",
    ]);
  });

  it("sends the password as one stdin line and never echoes it in errors", () => {
    expect(pcsPasswordStdin("Xy7pQ2")).toBe("Xy7pQ2\n");
    let message = "";
    try {
      pcsPasswordStdin("top\nsecret");
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toMatch(/haclusterPassword: the password contains a line break.*Fix:/);
    expect(message).not.toContain("secret");
    expect(() => pcsPasswordStdin("")).toThrow(/haclusterPassword: the password is empty/);
  });

  it("rejects bad host lists", () => {
    expect(() => pcsHostAuth([])).toThrow(/hostnames: no host is given/);
    expect(() => pcsHostAuth(["node01h", "node01h"])).toThrow(/hostnames\[1\]: "node01h" is listed twice/);
    expect(() => pcsHostAuth(["node01h"], { node09h: "10.0.0.9" })).toThrow(/addrs\.node09h: .*Fix: key the/);
  });
});

describe("pcs cluster setup", () => {
  it("builds the default lab's cluster: two knet links, token 20000, no quorum options", () => {
    expect(pcsClusterSetup(dev.cluster, devMembers)).toEqual([
      "pcs",
      "cluster",
      "setup",
      "cluster01",
      "node01h",
      "addr=192.168.9.121",
      "addr=192.168.8.121",
      "node02h",
      "addr=192.168.9.122",
      "addr=192.168.8.122",
      "transport",
      "knet",
      "totem",
      "token=20000",
    ]);
  });

  it("writes members in nodeid order and enables the cluster at boot on request", () => {
    const argv = pcsClusterSetup({ ...dev.cluster, startAtBoot: true }, [...devMembers].reverse());
    expect(argv.filter((w) => /^node0\dh$/.test(w))).toEqual(["node01h", "node02h"]);
    expect(argv[argv.length - 1]).toBe("--enable");
    expect(argv).not.toContain("quorum");
  });

  it("rejects what pcs would number or write differently", () => {
    const three = membersOf(
      parseLabSpec({
        name: "dev",
        nodes: ["node01", "node02", "node03"].map((name, i) => ({
          name,
          addresses: {
            service: `192.168.7.${121 + i}`,
            management: `192.168.8.${121 + i}`,
            heartbeat: `192.168.9.${121 + i}`,
          },
        })),
      }),
    );
    expect(() => pcsClusterSetup({ ...dev.cluster, twoNode: true }, three)).toThrow(
      /twoNode: two_node needs exactly two members, there are 3\. Fix: set twoNode false/,
    );
    expect(() => pcsClusterSetup({ ...dev.cluster, twoNode: false }, devMembers)).toThrow(
      /twoNode: pcs writes two_node: 1 for every two-member cluster/,
    );
    const gap = devMembers.map((m, i) => ({ ...m, nodeId: i === 1 ? 3 : m.nodeId }));
    expect(() => pcsClusterSetup(dev.cluster, gap)).toThrow(/members\.node02\.nodeId: pcs numbers nodes 1…2/);
    expect(() => pcsClusterSetup({ ...dev.cluster, transport: "udpu" }, devMembers)).toThrow(
      /linkAddresses: 2 link addresses, udpu takes 1 to 1/,
    );
    const short = devMembers.map((m, i) =>
      i === 1 ? { ...m, linkAddresses: m.linkAddresses.slice(0, 1) } : m,
    );
    expect(() => pcsClusterSetup(dev.cluster, short)).toThrow(/the same number of addresses on every node/);
    expect(() => pcsClusterSetup({ ...dev.cluster, tokenMs: 0 }, devMembers)).toThrow(/tokenMs: 0 is not/);
  });
});

describe("pcs property and resource defaults", () => {
  it("sets the default lab's properties", () => {
    expect(pcsPropertySet(dev.cluster.properties)).toEqual([
      "pcs",
      "property",
      "set",
      "stonith-enabled=true",
      "no-quorum-policy=stop",
    ]);
    expect(pcsPropertyUnset(["stonith-timeout", "maintenance-mode"])).toEqual([
      "pcs",
      "property",
      "unset",
      "stonith-timeout",
      "maintenance-mode",
    ]);
  });

  it("refuses read-only properties, empty values and empty sets", () => {
    expect(() => pcsPropertySet({ "cluster-name": "other" })).toThrow(
      /properties\.cluster-name: pacemaker maintains this property itself/,
    );
    expect(() => pcsPropertyUnset(["dc-version"])).toThrow(/names\.dc-version: pacemaker maintains/);
    expect(() => pcsPropertySet({ "stonith-enabled": "" })).toThrow(/the value is empty.*Fix: give a value/);
    expect(() => pcsPropertySet({})).toThrow(/properties: there is nothing to set/);
    expect(() => pcsPropertySet({ "bad name": "1" })).toThrow(/"bad name" is not an option name/);
  });

  it("updates resource defaults; an empty value removes one", () => {
    expect(pcsResourceDefaultsUpdate({ "resource-stickiness": "100", "migration-threshold": "" })).toEqual([
      "pcs",
      "resource",
      "defaults",
      "update",
      "resource-stickiness=100",
      "migration-threshold=",
    ]);
    expect(() => pcsResourceDefaultsUpdate(dev.cluster.resourceDefaults)).toThrow(/nothing to set/);
    expect(() => pcsResourceDefaultsUpdate({ "resource-stickiness": "1\n0" })).toThrow(
      /not a one-line string/,
    );
  });
});

describe("pcs stonith create", () => {
  it("creates the default lab's fence_virsh device with the current parameter names", () => {
    expect(pcsStonithCreate(devFence, devHostMap, devNodeNames)).toEqual([
      "pcs",
      "stonith",
      "create",
      "kvmhost01",
      "fence_virsh",
      "ip=192.168.8.1",
      "username=root",
      "identity_file=/etc/cluster/fence_virsh_key",
      "pcmk_host_map=node01h:dev-node01;node02h:dev-node02",
      "pcmk_monitor_timeout=120s",
      "pcmk_reboot_timeout=300s",
    ]);
  });

  it("maps action off to pcmk_reboot_action and never passes action=", () => {
    const argv = pcsStonithCreate({ ...devFence, action: "off" }, devHostMap, devNodeNames, { ipport: 2222 });
    expect(argv.slice(8)).toEqual([
      "ipport=2222",
      "pcmk_host_map=node01h:dev-node01;node02h:dev-node02",
      "pcmk_reboot_action=off",
      "pcmk_monitor_timeout=120s",
      "pcmk_reboot_timeout=300s",
    ]);
    expect(argv.some((w) => w.startsWith("action="))).toBe(false);
  });

  it("names the field and the fix of a bad device", () => {
    expect(() => pcsStonithCreate(devFence, devHostMap, { node01: "node01h" })).toThrow(
      /clusterNodeNames\.node02: no cluster node name is given\. Fix:/,
    );
    expect(() => pcsStonithCreate(devFence, { node01: "dev;node01" }, devNodeNames)).toThrow(
      /hostMap\.node01: "dev;node01" cannot stand in pcmk_host_map/,
    );
    expect(() =>
      pcsStonithCreate({ ...devFence, identityFile: "fence_key" }, devHostMap, devNodeNames),
    ).toThrow(
      /identityFile: "fence_key" is not an absolute path.*Fix: use e\.g\. \/etc\/cluster\/fence_virsh_key/,
    );
    expect(() => pcsStonithCreate(devFence, devHostMap, devNodeNames, { ipport: 0 })).toThrow(
      /ipport: 0 is not/,
    );
  });
});

describe("pcs service group", () => {
  it("creates the default lab's service01: VIP, GlusterFS mount, PostgreSQL 15, left stopped", () => {
    expect(pcsGroupResources(devGroup, { glusterMountOptions: GLUSTER_OPTIONS })).toEqual([
      [
        "pcs",
        "resource",
        "create",
        "service01-ip",
        "ocf:heartbeat:IPaddr2",
        "ip=192.168.7.99",
        "cidr_netmask=24",
        "--group",
        "service01",
        "--disabled",
      ],
      [
        "pcs",
        "resource",
        "create",
        "service01-fs",
        "ocf:heartbeat:Filesystem",
        "device=localhost:/data00",
        "directory=/gldata00",
        "fstype=glusterfs",
        "options=log-level=WARNING,log-file=/var/log/gluster.log",
        "op",
        "start",
        "timeout=180s",
        "op",
        "stop",
        "timeout=180s",
        "--group",
        "service01",
        "--disabled",
      ],
      [
        "pcs",
        "resource",
        "create",
        "service01-db",
        "ocf:heartbeat:pgsql",
        "pgctl=/usr/lib/postgresql/15/bin/pg_ctl",
        "psql=/usr/lib/postgresql/15/bin/psql",
        "pgdata=/gldata00/pgsql",
        "config=/gldata00/pgsql/postgresql.conf",
        "pgport=5432",
        "socketdir=/var/run/postgresql",
        "start_opt=-c recovery_init_sync_method=syncfs",
        "op",
        "start",
        "timeout=600s",
        "op",
        "stop",
        "timeout=300s",
        "op",
        "monitor",
        "interval=30s",
        "timeout=60s",
        "--group",
        "service01",
        "--disabled",
      ],
      ["pcs", "resource", "disable", "service01"],
      ["pcs", "resource", "enable", "service01-ip", "service01-fs", "service01-db"],
    ]);
  });

  it("starts an autostart group as soon as its members are enabled", () => {
    const commands = pcsGroupResources(
      { ...devGroup, autostart: true },
      { glusterMountOptions: GLUSTER_OPTIONS },
    );
    expect(commands.map((argv) => argv.slice(0, 4).join(" "))).toEqual([
      "pcs resource create service01-ip",
      "pcs resource create service01-fs",
      "pcs resource create service01-db",
      "pcs resource enable service01-ip",
    ]);
  });

  it("mounts the iSCSI data LUN's device when the lab has no GlusterFS", () => {
    const iscsi = parseLabSpec({ name: "dev", gluster: { enabled: false } });
    const group = iscsi.services[0] as ServiceGroupSpec;
    const device =
      "/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:dev-tgt01-lun-2";
    const commands = pcsGroupResources(group, { lunDevices: { "2": device } });
    expect(commands[1]).toEqual([
      "pcs",
      "resource",
      "create",
      "service01-fs",
      "ocf:heartbeat:Filesystem",
      `device=${device}`,
      "directory=/shared00",
      "fstype=ext4",
      "op",
      "start",
      "timeout=180s",
      "op",
      "stop",
      "timeout=180s",
      "--group",
      "service01",
      "--disabled",
    ]);
    expect(commands[2]).toContain("pgdata=/shared00/pgsql");
    expect(() => pcsGroupResources(group, {})).toThrow(
      /resources\[1\]\.lun: no device is known for iSCSI LUN 2 \(lunDevices has none\)/,
    );
  });

  it("prefixes resource ids with the group unless they already are", () => {
    expect(pcsResourceId("service01", { name: "service01-ip" })).toBe("service01-ip");
    expect(pcsResourceId("service01", { name: "vip" })).toBe("service01-vip");
    const twice: ServiceGroupSpec = {
      ...devGroup,
      resources: [
        {
          kind: "ip",
          name: "vip",
          address: "192.168.7.99",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
        {
          kind: "ip",
          name: "service01-vip",
          address: "192.168.7.98",
          cidrNetmask: 24,
          network: "service",
          monitorLink: true,
        },
      ],
    };
    expect(() => pcsGroupResources(twice)).toThrow(
      /resources\[1\]\.name: the resource id "service01-vip" is used twice/,
    );
  });

  it("lists every problem of a group at once", () => {
    const bad: ServiceGroupSpec = {
      ...devGroup,
      resources: [
        {
          kind: "ip",
          name: "ip",
          address: "192.168.7.999",
          cidrNetmask: 33,
          network: "service",
          monitorLink: true,
        },
        { kind: "postgresql", name: "db", dataDir: "pgsql", port: 70000 },
      ],
    };
    expect(() => pcsGroupResources(bad)).toThrow(
      [
        "pcs service group service01:",
        '  - resources[0].address: "192.168.7.999" is not an IPv4 address. Fix: give the service address without a prefix (e.g. 192.168.7.99)',
        "  - resources[0].cidrNetmask: 33 is not a prefix length. Fix: use 1…32 (the service network's prefix, e.g. 24)",
        '  - resources[1].dataDir: "pgsql" is not an absolute path without blanks. Fix: use e.g. /gldata00/pgsql',
        "  - resources[1].port: 70000 is not a TCP port. Fix: use e.g. 5432",
      ].join("\n"),
    );
  });

  it("sets the group's stickiness only when the spec has one", () => {
    // The default lab's unordered domain (seed 001: ordered=0) gets a stickiness above the
    // location scores: no failback by itself.
    expect(pcsGroupStickiness(devGroup)).toEqual([
      "pcs",
      "resource",
      "meta",
      "service01",
      "resource-stickiness=1000",
    ]);
    expect(pcsGroupStickiness({ name: devGroup.name })).toBeUndefined();
    expect(pcsGroupStickiness({ ...devGroup, stickiness: 150 })).toEqual([
      "pcs",
      "resource",
      "meta",
      "service01",
      "resource-stickiness=150",
    ]);
    expect(() => pcsGroupStickiness({ ...devGroup, stickiness: -1 })).toThrow(
      /stickiness: -1 is not a whole number/,
    );
  });
});

describe("pcs constraint location", () => {
  it("prefers the default lab's domain nodes by priority, without avoids when the domain holds every node", () => {
    expect(pcsLocationPrefers(devGroup.name, devGroup.domain, devNodeNames)).toEqual([
      ["pcs", "constraint", "location", "service01", "prefers", "node01h=200", "node02h=100"],
    ]);
  });

  it("keeps a restricted group off the nodes outside its domain", () => {
    const nodes = { node01: "node01h", node02: "node02h", node03: "node03h" };
    const domain = { nodes: ["node02", "node01"], restricted: true };
    expect(pcsLocationPrefers("service02", domain, nodes)).toEqual([
      ["pcs", "constraint", "location", "service02", "prefers", "node02h=200", "node01h=100"],
      ["pcs", "constraint", "location", "service02", "avoids", "node03h"],
    ]);
    expect(pcsLocationPrefers("service02", { ...domain, restricted: false }, nodes)).toHaveLength(1);
    expect(() => pcsLocationPrefers("service02", { nodes: ["node04"], restricted: true }, nodes)).toThrow(
      /domain\.nodes\[0\]: "node04" is not a cluster member\. Fix: use member names: node01, node02, node03/,
    );
  });
});
