/**
 * The lab as a picture: a pure renderer from the validated lab description (and, when given, live
 * facts such as where each service group runs) to Graphviz DOT, built with ts-graphviz.
 * `dot -Tsvg` draws it (scripts/lab.sh diagram).
 *
 * What it shows: the KVM host (its address on each network, the fence shell, the iSCSI target with
 * its LUNs when the target is there), every network with its CIDR, mode and bridge, every node with
 * its address and host name on each network, the GlusterFS volume and its bricks, the cluster with
 * its links (one edge per link between neighbouring members), the fence path from each fence device
 * to the host, the service groups with their resources and failover domain, and seed 002's load
 * balancer with its directors and real servers. Parts beyond the stack's `layers` are drawn grey,
 * marked "not built".
 */
import { digraph, toDot, type RootGraphModel, type SubgraphModel } from "ts-graphviz";
import {
  clusterMembers,
  clusterNodeName,
  interfaceOn,
  managementAddress,
  realServers,
} from "../../spec/queries";
import type { LabSpec, NetworkRole, NodeSpec, ServiceGroupSpec, ServiceResourceSpec } from "../../spec/types";
import { tableLabel, type Cell } from "./html-label";

/** What the live lab adds to the picture. */
export interface DiagramFacts {
  /** Service group → the lab node it runs on (absent or undefined: not running anywhere). */
  groupNodes?: Record<string, string | undefined>;
  /** Lab node → whether its VM runs and answers on SSH. */
  nodes?: Record<string, { running: boolean; reachable: boolean }>;
}

/** A Graphviz RGB colour. */
type Rgb = `#${string}`;

/** Colour of each network role (edges, address rows). */
export const ROLE_COLORS: Readonly<Record<NetworkRole, Rgb>> = {
  service: "#1f6fb4",
  management: "#2e7d32",
  heartbeat: "#c62828",
};
const GREY: Rgb = "#9e9e9e";
const FENCE: Rgb = "#6a1b9a";
const STORAGE: Rgb = "#8d6e00";

/** The DOT ids of the picture's parts (ids never hold `:`, which DOT reads as a port). */
export const ids = {
  host: "host",
  network: (name: string) => `net_${name}`,
  node: (name: string) => `node_${name}`,
  iscsi: "iscsi_target",
  gluster: "gluster_volume",
  fence: (name: string) => `fence_${name}`,
  group: (name: string) => `group_${name}`,
  lvs: "lvs",
};

const ORDINALS = ["1st", "2nd", "3rd"];
const ordinal = (i: number) => ORDINALS[i] ?? `${i + 1}th`;

/** Which parts `layers` builds. */
function built(spec: LabSpec): { storage: boolean; cluster: boolean } {
  return { storage: spec.layers !== "substrate", cluster: spec.layers === "cluster" };
}

/** A grey "not built" row for a part the stack's layers leave out. */
function notBuilt(spec: LabSpec): Cell {
  return { text: `not built (layers: ${spec.layers})`, color: GREY };
}

function hostLabel(spec: LabSpec): `<${string}>` {
  const { host } = spec;
  const rows: (Cell | Cell[])[] = [
    { text: "KVM host", bold: true, align: "center" },
    { text: `libvirt ${host.libvirtUri} · ${host.daemon} daemon · domain type ${host.domainType}` },
    ...spec.networks.map((n): Cell[] => [
      { text: n.name, color: ROLE_COLORS[n.role] },
      { text: `${n.gateway} on ${n.bridge}`, port: n.name },
    ]),
    { text: `sshd ${host.address}:${host.sshPort} (${host.sshUser}): the fence shell` },
    { text: "virsh list/domstate/start/destroy of the lab's domains only", color: FENCE },
    { text: `state ${host.stateDir}` },
  ];
  return tableLabel(rows);
}

function networkLabel(spec: LabSpec, name: string): `<${string}>` {
  const n = spec.networks.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no network ${name}`);
  return tableLabel(
    [
      { text: `${n.name} network`, bold: true, align: "center", color: ROLE_COLORS[n.role] },
      { text: n.cidr, bold: true, align: "center" },
      { text: `${n.mode} · bridge ${n.bridge} · libvirt ${n.libvirtName}`, align: "center" },
    ],
    { color: ROLE_COLORS[n.role] },
  );
}

function nodeLabel(spec: LabSpec, node: NodeSpec, facts: DiagramFacts | undefined): `<${string}>` {
  const member = clusterMembers([node]).length === 1;
  const links = spec.cluster.links;
  const rows: (Cell | Cell[])[] = [
    { text: `${node.name}${member ? "" : " (real server)"}`, bold: true, align: "center" },
    {
      text:
        `${node.vcpus} vCPU · ${node.memoryMiB} MiB · ${node.diskGiB} GiB · domain ${node.domainName}` +
        (member ? ` · node id ${node.nodeId}` : ""),
    },
    ...node.interfaces.map((nic): Cell[] => {
      const role = spec.networks.find((n) => n.name === nic.network)?.role ?? "service";
      const link = member ? links.indexOf(nic.network) : -1;
      return [
        { text: nic.network, color: ROLE_COLORS[role] },
        { text: nic.address, port: nic.network, bold: true },
        { text: `${nic.hostname}${link >= 0 ? ` · link ${link}` : ""}` },
      ];
    }),
  ];
  const live = facts?.nodes?.[node.name];
  if (live !== undefined) {
    rows.push({
      text: live.running
        ? live.reachable
          ? "running, answers on SSH"
          : "running, no SSH answer"
        : "not running",
      color: live.running && live.reachable ? ROLE_COLORS.management : ROLE_COLORS.heartbeat,
    });
  }
  return tableLabel(rows, { fill: member ? "#ffffff" : "#f5f5f5" });
}

function iscsiLabel(spec: LabSpec, portal: string, isBuilt: boolean): `<${string}>` {
  const { iscsi } = spec;
  return tableLabel(
    [
      { text: "iSCSI target (tgtd)", bold: true, align: "center", color: STORAGE },
      { text: iscsi.iqn },
      { text: `portal ${portal} · ACL: the members' addresses and initiator names` },
      ...iscsi.luns.map((l): Cell[] => [
        { text: `LUN ${l.id}` },
        { text: `${l.file} · ${l.sizeMiB} MiB · ${l.purpose}` },
      ]),
      { text: iscsi.directory },
      ...(isBuilt ? [] : [notBuilt(spec)]),
    ],
    { color: isBuilt ? STORAGE : GREY },
  );
}

function glusterLabel(spec: LabSpec, members: readonly NodeSpec[], isBuilt: boolean): `<${string}>` {
  const { gluster } = spec;
  const layout = `replica ${gluster.replica}${gluster.arbiter ? " arbiter 1" : ""} transport tcp`;
  const mountedBy =
    gluster.mountBy === "service" ? "by the service group that mounts it" : "on every member (fstab)";
  return tableLabel(
    [
      { text: `GlusterFS volume ${gluster.volume}`, bold: true, align: "center", color: STORAGE },
      { text: `${layout} · peers on the ${gluster.network} network` },
      ...members.map((m) => ({
        text: `brick ${interfaceOn(m, gluster.network).hostname}:${gluster.brickPath}`,
      })),
      { text: `mounted on ${gluster.mountPoint} ${mountedBy}` },
      ...(isBuilt ? [] : [notBuilt(spec)]),
    ],
    { color: isBuilt ? STORAGE : GREY },
  );
}

function resourceText(r: ServiceResourceSpec): string {
  switch (r.kind) {
    case "ip":
      return `VIP ${r.address}/${r.cidrNetmask} on ${r.network} (IPaddr2)`;
    case "gluster-mount":
      return `${r.volume} on ${r.mountPoint} (Filesystem, glusterfs)`;
    case "iscsi-filesystem":
      return `LUN ${r.lun} ${r.fsType} on ${r.mountPoint} (Filesystem)`;
    case "postgresql":
      return `PostgreSQL :${r.port}, data ${r.dataDir} (pgsql)`;
  }
}

function groupLabel(
  spec: LabSpec,
  group: ServiceGroupSpec,
  isBuilt: boolean,
  facts: DiagramFacts | undefined,
): `<${string}>` {
  const d = group.domain;
  const domain = `domain ${d.name}: ${d.nodes.join(", ")}${d.restricted ? " · restricted" : ""}${
    d.ordered ? " · ordered" : ""
  }${group.stickiness !== undefined ? ` · stickiness ${group.stickiness}` : ""}`;
  const where = facts?.groupNodes;
  const live =
    where === undefined
      ? []
      : [
          {
            text:
              where[group.name] !== undefined
                ? `runs on ${where[group.name]}`
                : "not running (stopped, disabled or failed)",
            bold: true,
            color: where[group.name] !== undefined ? ROLE_COLORS.management : ROLE_COLORS.heartbeat,
          },
        ];
  return tableLabel(
    [
      { text: `service group ${group.name}`, bold: true, align: "center" },
      ...group.resources.map((r, i) => ({ text: `${i + 1}. ${resourceText(r)}` })),
      { text: domain },
      { text: group.autostart ? "starts with the cluster" : "created disabled (autostart: false)" },
      ...live,
      ...(isBuilt ? [] : [notBuilt(spec)]),
    ],
    { color: isBuilt ? "#000000" : GREY, fill: "#fff8e1" },
  );
}

function clusterTitle(spec: LabSpec, isBuilt: boolean): string {
  const c = spec.cluster;
  const flavour = c.stack === "pacemaker" ? "pacemaker + corosync (pcs)" : "cman + rgmanager (cluster.conf)";
  const links = c.links.map((l, i) => `link ${i} ${l}`).join(", ");
  const stonith = c.properties["stonith-enabled"] === "false" ? "STONITH off" : "STONITH on";
  return (
    `cluster ${c.name} · ${flavour} · ${c.transport} · ${links} · token ${c.tokenMs} ms` +
    `${c.twoNode ? " · two_node" : ""} · ${stonith}${isBuilt ? "" : ` · not built (layers: ${spec.layers})`}`
  );
}

/** Edges from each network to the host and to every node that has an address on it. */
function networkEdges(g: RootGraphModel, spec: LabSpec): void {
  for (const n of spec.networks) {
    const color = ROLE_COLORS[n.role];
    g.edge([ids.host, ids.network(n.name)], { dir: "none", color, penwidth: 1.5 });
    for (const node of spec.nodes) {
      if (!node.interfaces.some((i) => i.network === n.name)) continue;
      g.edge([ids.network(n.name), ids.node(node.name)], {
        dir: "none",
        color,
        penwidth: 1.5,
      });
    }
  }
}

/** The cluster: members, links between neighbours, fence devices and service groups. */
function clusterPart(
  g: RootGraphModel,
  spec: LabSpec,
  members: readonly NodeSpec[],
  facts: DiagramFacts | undefined,
): void {
  const isBuilt = built(spec).cluster;
  const fenceColor = isBuilt ? FENCE : GREY;
  g.subgraph(
    "cluster_cluster",
    { label: clusterTitle(spec, isBuilt), style: "rounded", color: isBuilt ? "#37474f" : GREY, fontsize: 11 },
    (c: SubgraphModel) => {
      // The members on one rank, their fence devices and service groups on the rank below.
      c.subgraph({ rank: "same" }, (row: SubgraphModel) => {
        for (const m of members) row.node(ids.node(m.name), { label: nodeLabel(spec, m, facts) });
      });
      c.subgraph({ rank: "same" }, (row: SubgraphModel) =>
        fenceAndGroups(row, spec, members, isBuilt, facts),
      );
    },
  );
  linkEdges(g, spec, members, isBuilt);
  for (const f of spec.fencing) {
    g.edge([ids.fence(f.name), ids.host], {
      color: fenceColor,
      style: "dashed",
      fontcolor: fenceColor,
      label: `fence path: ssh ${f.login}@${f.ipaddr}:${spec.host.sshPort} → virsh ${f.action === "reboot" ? "destroy + start" : "destroy"}`,
      constraint: false,
    });
  }
  // Edges drawn from the node down to the group (the ranks), the arrow at the node.
  const first = members[0];
  for (const f of first === undefined ? [] : spec.fencing) {
    g.edge([ids.node(first.name), ids.fence(f.name)], { style: "invis" });
  }
  for (const group of spec.services) {
    const runsOn = facts?.groupNodes?.[group.name];
    group.domain.nodes.forEach((name, i) => {
      g.edge([ids.node(name), ids.group(group.name)], {
        dir: "back",
        style: "dotted",
        color: isBuilt ? "#5d4037" : GREY,
        label: `${ordinal(i)} choice`,
        fontsize: 9,
      });
    });
    if (runsOn !== undefined) {
      g.edge([ids.node(runsOn), ids.group(group.name)], {
        dir: "back",
        style: "bold",
        color: ROLE_COLORS.management,
        penwidth: 2.5,
        label: "runs here",
        fontcolor: ROLE_COLORS.management,
      });
    }
  }
}

/** The fence devices and service groups of the cluster box. */
function fenceAndGroups(
  c: SubgraphModel,
  spec: LabSpec,
  members: readonly NodeSpec[],
  isBuilt: boolean,
  facts: DiagramFacts | undefined,
): void {
  const fenceColor = isBuilt ? FENCE : GREY;
  for (const f of spec.fencing) {
    const hostMap = members.map((m) => `${clusterNodeName(m, spec.cluster.links)}:${m.domainName}`);
    c.node(ids.fence(f.name), {
      label: tableLabel(
        [
          { text: `fence device ${f.name}`, bold: true, align: "center", color: fenceColor },
          { text: `${f.agent} · action ${f.action}` },
          { text: `pcmk_host_map ${hostMap.join(";")}` },
          { text: `key ${f.identityFile}` },
          ...(isBuilt ? [] : [notBuilt(spec)]),
        ],
        { color: fenceColor },
      ),
    });
  }
  for (const group of spec.services) {
    c.node(ids.group(group.name), { label: groupLabel(spec, group, isBuilt, facts) });
  }
}

/** One edge per cluster link between neighbouring members (two members: one pair; three on: a ring). */
function linkEdges(g: RootGraphModel, spec: LabSpec, members: readonly NodeSpec[], isBuilt: boolean): void {
  const pairs =
    members.length < 2
      ? []
      : members.length === 2
        ? [[members[0], members[1]]]
        : members.map((m, j) => [m, members[(j + 1) % members.length]]);
  spec.cluster.links.forEach((link, i) => {
    const role = spec.networks.find((n) => n.name === link)?.role ?? "heartbeat";
    for (const [a, b] of pairs) {
      g.edge([ids.node(a.name), ids.node(b.name)], {
        dir: "none",
        style: isBuilt ? "bold" : "dashed",
        color: isBuilt ? ROLE_COLORS[role] : GREY,
        label: `link ${i} (${link})`,
        fontcolor: ROLE_COLORS[role],
        constraint: false,
      });
    }
  });
}

/** Shared storage: the iSCSI target (on the host or a node) with its initiators, the GlusterFS volume. */
function storagePart(g: RootGraphModel, spec: LabSpec, members: readonly NodeSpec[]): void {
  const isBuilt = built(spec).storage;
  const color = isBuilt ? STORAGE : GREY;
  if (spec.iscsi.enabled) {
    const onHost = spec.iscsi.host === "kvmhost";
    const targetNode = spec.nodes.find((n) => n.name === spec.iscsi.host);
    const address =
      onHost || targetNode === undefined ? spec.host.address : managementAddress(targetNode, spec.networks);
    g.node(ids.iscsi, { label: iscsiLabel(spec, `${address}:3260`, isBuilt) });
    g.edge([onHost ? ids.host : ids.node(spec.iscsi.host), ids.iscsi], {
      dir: "none",
      color,
      style: "dashed",
      label: "runs on",
      constraint: !onHost,
    });
    const luns = spec.iscsi.luns.map((l) => l.id).join(", ");
    for (const m of members.filter((x) => x.name !== spec.iscsi.host)) {
      g.edge([ids.iscsi, ids.node(m.name)], { color, style: "dashed", label: `LUN ${luns}`, fontsize: 9 });
    }
  }
  if (spec.gluster.enabled) {
    g.node(ids.gluster, { label: glusterLabel(spec, members, isBuilt) });
    for (const m of members) {
      g.edge([ids.node(m.name), ids.gluster], {
        color,
        style: "dashed",
        label: `brick ${spec.gluster.brickPath}`,
        fontsize: 9,
      });
    }
  }
}

/** Seed 002's load balancer: the virtual service, its directors (the members) and real servers. */
function loadBalancerPart(g: RootGraphModel, spec: LabSpec, members: readonly NodeSpec[]): void {
  const lb = spec.loadBalancer;
  if (lb === undefined) return;
  const isBuilt = built(spec).cluster;
  const color = isBuilt ? ROLE_COLORS.service : GREY;
  g.node(ids.lvs, {
    label: tableLabel(
      [
        { text: "LVS virtual service", bold: true, align: "center", color },
        { text: `${lb.vip}:${lb.port} ${lb.protocol} · ${lb.scheduler} · ${lb.forwarding} (direct routing)` },
        { text: `check ${lb.checkType} :${lb.checkPort} /${lb.request} ~ "${lb.receive}"` },
        { text: `fallback ${lb.fallback} (the directors' sorry page) · ping ${lb.pingTargets.join(", ")}` },
        ...(isBuilt ? [] : [notBuilt(spec)]),
      ],
      { color },
    ),
  });
  for (const m of members) {
    g.edge([ids.lvs, ids.node(m.name)], {
      color,
      style: "dashed",
      label: "director (ldirectord)",
      fontsize: 9,
    });
  }
  for (const r of realServers(spec.nodes)) {
    g.edge([ids.lvs, ids.node(r.name)], {
      color,
      label: `real server :${lb.port} (VIP on lo)`,
      fontsize: 9,
    });
  }
}

/** The lab as Graphviz DOT (see the module comment); `facts` adds what only the live lab knows. */
export function renderDiagram(spec: LabSpec, facts?: DiagramFacts): string {
  const members = clusterMembers(spec.nodes);
  const g = digraph(
    "lab",
    {
      label: `lab ${spec.name} · layers: ${spec.layers}${facts === undefined ? "" : " · with live state"}`,
      labelloc: "t",
      fontname: "Helvetica",
      fontsize: 14,
      rankdir: "TB",
      newrank: true,
      nodesep: 0.4,
      ranksep: 0.6,
    },
    (root) => {
      root.attributes.node.apply({ shape: "plain", fontname: "Helvetica", fontsize: 10 });
      root.attributes.edge.apply({ fontname: "Helvetica", fontsize: 10 });
      // Top to bottom: the host (with an iSCSI target of its own), the networks, the nodes, then
      // what hangs off the nodes (fence devices, service groups, the GlusterFS volume).
      root.subgraph({ rank: "min" }, (s) => {
        s.node(ids.host, { label: hostLabel(spec) });
        if (spec.iscsi.enabled && spec.iscsi.host === "kvmhost") s.node(ids.iscsi);
      });
      root.subgraph({ rank: "same" }, (s) => {
        for (const n of spec.networks) s.node(ids.network(n.name), { label: networkLabel(spec, n.name) });
        // Left to right in the spec's order.
        spec.networks.slice(1).forEach((n, i) => {
          s.edge([ids.network(spec.networks[i].name), ids.network(n.name)], { style: "invis" });
        });
      });
      clusterPart(root, spec, members, facts);
      root.subgraph({ rank: "same" }, (s) => {
        for (const r of realServers(spec.nodes))
          s.node(ids.node(r.name), { label: nodeLabel(spec, r, facts) });
        for (const m of realServers(spec.nodes).length > 0 ? members : []) s.node(ids.node(m.name));
      });
      networkEdges(root, spec);
      storagePart(root, spec, members);
      loadBalancerPart(root, spec, members);
    },
  );
  return `${toDot(g)}\n`;
}
