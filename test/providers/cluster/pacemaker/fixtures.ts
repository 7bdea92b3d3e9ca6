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
import {
  CIB_WRITTEN,
  dbXml,
  fsXml,
  groupXml,
  IP_XML,
  LAB_PROPERTIES,
  LOCATIONS_XML,
  STONITH_XML,
} from "../../../fixtures/pacemaker";
import { cibXml, PACEMAKER_PROPERTIES } from "../../../fixtures/pacemaker-xml";

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

/**
 * `cibadmin --query` of the default lab after the builders' commands ran (pacemaker 2.1.5): the
 * group left stopped, the agents' default operations, pcs's resource-stickiness=1, and the fence
 * device started on node01h.
 */
export const CIB_XML = cibXml({
  epoch: 27,
  numUpdates: 6,
  written: CIB_WRITTEN,
  origin: "node01h",
  properties: { ...PACEMAKER_PROPERTIES, ...LAB_PROPERTIES, "last-lrm-refresh": "1709633560" },
  nodes: ["node01h", "node02h"],
  resources:
    STONITH_XML +
    groupXml(
      [
        IP_XML,
        fsXml([
          ["monitor", "20s", "40s"],
          ["start", "0s", "60s"],
          ["stop", "0s", "60s"],
        ]),
        dbXml([
          ["demote", "0s", "120s"],
          ["methods", "0s", "5s"],
          ["monitor", "30s", "30s"],
          ["monitor", "29s", "30s", { role: "Promoted" }],
          ["notify", "0s", "90s"],
          ["promote", "0s", "120s"],
          ["start", "0s", "120s"],
          ["stop", "0s", "120s"],
        ]),
      ],
      { "target-role": "Stopped" },
    ),
  constraints: LOCATIONS_XML,
  rscDefaults: { "resource-stickiness": "1" },
  status: `  <status>
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
`,
});
