/**
 * Shared fixtures of the pacemaker tests: the default lab wired as components/ha-lab.ts wires it,
 * and the CIB of that lab after the builders' commands ran, for the target nodes: Debian 12 with
 * pacemaker 2.1.5, corosync 3.1.7 (knet), pcs 0.11.5, resource-agents and fence-agents 4.12,
 * PostgreSQL 15.
 *
 * Where the CIB comes from (public sources, read for shape; the fixture is written for this lab,
 * not copied): ClusterLabs/crmsh test/unittests/test_cibquery.py (a pacemaker 2.1.5 CIB,
 * validate-with pacemaker-3.9), pacemaker's Clusters from Scratch `pcs cluster cib` output
 * (`build-resource-defaults` with resource-stickiness=1 after `pcs cluster setup`), pcs-created
 * ids as seen in ClusterLabs/anvil's example CIB (`location-<rsc>-<node>-<score>`,
 * `<rsc>-monitor-interval-10s`), and the default operations of the agents' metadata (IPaddr2,
 * Filesystem, pgsql; stonith: monitor 60s).
 */
import { parseLabSpec, type LabSpec } from "../../../../spec";
import type { ServiceGroupSpec } from "../../../../spec/types";
import { pcsNodeName, type PcsSetupMember } from "../../../../providers/cluster/pacemaker/pcs-setup";

/** The default lab. */
export const dev: LabSpec = parseLabSpec({ name: "dev" });

/** The cluster members of a lab: links in cluster.links order. */
export function membersOf(spec: LabSpec): PcsSetupMember[] {
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

/** The default lab's cluster members. */
export const devMembers = membersOf(dev);
/** Member name → cluster node name (`node01` → `node01h`). */
export const devNodeNames = Object.fromEntries(devMembers.map((m) => [m.name, pcsNodeName(m)]));
/** Member name → libvirt domain (the fence_virsh plug). */
export const devHostMap = Object.fromEntries(dev.nodes.map((n) => [n.name, n.domainName]));
/** The seed's glmount options (components/storage/gluster-volume.ts GLUSTER_MOUNT_OPTIONS). */
export const GLUSTER_OPTIONS = "log-level=WARNING,log-file=/var/log/gluster.log";
/** The default lab's service group (service01). */
export const devGroup = dev.services[0] as ServiceGroupSpec;
const fence = dev.fencing[0];
if (fence === undefined) throw new Error("the default lab has no fence device");
/** The default lab's fence device (kvmhost01). */
export const devFence = fence;

/** `cibadmin --query` of the default lab after the builders' commands ran (pacemaker 2.1.5). */
export const CIB_XML = `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="27" num_updates="6" admin_epoch="0" cib-last-written="Tue Mar  5 10:12:40 2024" update-origin="node01h" update-client="cibadmin" update-user="root" have-quorum="1" dc-uuid="1">
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
