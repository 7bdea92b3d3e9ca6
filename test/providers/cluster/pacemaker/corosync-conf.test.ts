/**
 * Tests of the corosync.conf parser (providers/cluster/pacemaker/corosync-conf.ts), against the file
 * pcs cluster setup writes for the default lab (pcs 0.11.5, corosync 3.1.7 with knet).
 *
 * Where the fixtures come from (public sources, read for shape; the fixtures are written for this
 * lab, not copied): corosync.conf as pcs 0.11 writes it: ClusterLabs/pcs
 * pcs_test/tier1/cluster/test_setup_local.py (section and key order, `ringN_addr`/`name`/`nodeid`
 * per node, `two_node: 1` written by pcs for two nodes, the quorum options pcs accepts, interface
 * blocks only for links with options) and ClusterLabs/pacemaker
 * doc/sphinx/Clusters_from_Scratch/ap-corosync-conf.rst (the two-node file with `cluster_uuid`
 * last in totem). Debian's corosync logs to /var/log/corosync/.
 */
import {
  parseCorosyncConf,
  parseCorosyncSections,
} from "../../../../providers/cluster/pacemaker/corosync-conf";
import { pcsClusterSetup, pcsNodeName } from "../../../../providers/cluster/pacemaker/pcs-setup";
import { COROSYNC_CONF } from "../../../fixtures/pacemaker";
import { dev, devMembers } from "./fixtures";

// ---------------------------------------------------------------------------------------------
// Fixtures (COROSYNC_CONF: what `pcs cluster setup` writes for the default lab)

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
