/**
 * The status parsers (operator/status/parse/) on the output the real tools print (fixtures in
 * test/fixtures/operator-status.ts, shaped after pacemaker 2.1.5, corosync 3.1.7, glusterfs 10.3,
 * open-iscsi 2.1.8, iproute2 6.1 and util-linux 2.38).
 */
import { parseCrmMonExtras } from "../../../../operator/status/parse/crm-mon-extras";
import { parseFenceHistory } from "../../../../operator/status/parse/fence-history";
import { parseFindmnt } from "../../../../operator/status/parse/findmnt";
import { parseHealSummary } from "../../../../operator/status/parse/heal-summary";
import { parseIpAddresses } from "../../../../operator/status/parse/ip-addresses";
import { parseIscsiSessions } from "../../../../operator/status/parse/iscsiadm-sessions";
import { parseKnetLinks } from "../../../../operator/status/parse/knet-links";
import { CRM_MON_NOT_CONNECTED } from "../../../fixtures/pacemaker";
import {
  crmMon,
  FAILURES,
  FENCE_HISTORY,
  FENCE_HISTORY_EMPTY,
  findmnt,
  healSummary,
  ipAddr,
  IQN,
  ISCSI_NO_SESSION,
  ISCSI_SESSION,
  knetStats,
} from "../../../fixtures/operator-status";

describe("iscsiadm -m session", () => {
  test("one session per line: portal, tpgt, target", () => {
    const two = `${ISCSI_SESSION}\ntcp: [2] 192.168.18.1:3260,1 iqn.2011-08.com.example.kvmhost:lab3-tgt01 (non-flash)`;
    expect(parseIscsiSessions(two)).toEqual([
      { sid: 1, portal: "192.168.8.1:3260", tpgt: 1, target: IQN },
      { sid: 2, portal: "192.168.18.1:3260", tpgt: 1, target: "iqn.2011-08.com.example.kvmhost:lab3-tgt01" },
    ]);
  });

  test("no session: iscsiadm's message and empty output", () => {
    expect(parseIscsiSessions(ISCSI_NO_SESSION)).toEqual([]);
    expect(parseIscsiSessions("")).toEqual([]);
  });
});

describe("ip -j -4 addr show", () => {
  test("every IPv4 address with its link and state", () => {
    expect(parseIpAddresses(ipAddr(1))).toEqual([
      { ifname: "lo", operstate: "UNKNOWN", address: "127.0.0.1", prefixlen: 8 },
      { ifname: "enp0s2", operstate: "UP", address: "192.168.7.121", prefixlen: 24 },
      { ifname: "enp0s3", operstate: "UP", address: "192.168.8.121", prefixlen: 24 },
      { ifname: "enp0s4", operstate: "UP", address: "192.168.9.121", prefixlen: 24 },
    ]);
  });

  test("a link without an IPv4 address is an empty object (iproute2 prints `{}`)", () => {
    expect(parseIpAddresses(ipAddr(2, "192.168.9.122")).map((a) => a.address)).toEqual([
      "127.0.0.1",
      "192.168.7.122",
      "192.168.8.122",
    ]);
  });

  test("not JSON: an error naming the command", () => {
    expect(() => parseIpAddresses("bash: ip: command not found")).toThrow(/ip -j addr printed no JSON/);
  });
});

describe("findmnt -J", () => {
  test("the mount tree, flattened", () => {
    expect(parseFindmnt(findmnt(true))).toEqual([
      { target: "/", source: "/dev/vda", fstype: "ext4" },
      { target: "/sys", source: "sysfs", fstype: "sysfs" },
      { target: "/sys/kernel/config", source: "configfs", fstype: "configfs" },
      { target: "/run", source: "tmpfs", fstype: "tmpfs" },
      { target: "/gldata00", source: "localhost:/data00", fstype: "fuse.glusterfs" },
    ]);
    expect(parseFindmnt(findmnt(false)).map((m) => m.target)).not.toContain("/gldata00");
  });

  test("not its JSON: an error", () => {
    expect(() => parseFindmnt("findmnt: unknown column")).toThrow(/findmnt printed no JSON/);
    expect(() => parseFindmnt("{}")).toThrow(/no filesystems list/);
  });
});

describe("corosync-cmapctl -m stats stats.knet.", () => {
  test("connected per node and link; other keys ignored", () => {
    expect(parseKnetLinks(knetStats(["2.0"]))).toEqual({ 1: { 0: true, 1: true }, 2: { 0: false, 1: true } });
  });

  test("corosync not running: nothing", () => {
    expect(parseKnetLinks("Failed to initialize the cmap API. Error CS_ERR_LIBRARY")).toEqual({});
  });
});

describe("crm_mon extras", () => {
  test("failed actions with resource, task, node, reason and time; agents; stonith-enabled", () => {
    const extras = parseCrmMonExtras(crmMon({ failures: FAILURES }));
    expect(extras.failures).toEqual([
      {
        opKey: "service01-db_start_0",
        resource: "service01-db",
        task: "start",
        node: "node02h",
        exitStatus: "error",
        exitReason: "PostgreSQL server failed to start within the timeout",
        status: "Timed Out",
        when: "2026-11-27 21:35:02 +00:00",
      },
      {
        opKey: "service01-ip_monitor_10000",
        resource: "service01-ip",
        task: "monitor",
        node: "node01h",
        exitStatus: "not running",
        exitReason: "",
        status: "complete",
        when: "2026-11-27 21:36:40 +00:00",
      },
    ]);
    expect(extras.stonithEnabled).toBe("true");
    expect(extras.resources.find((r) => r.id === "kvmhost01")).toEqual({
      id: "kvmhost01",
      agent: "stonith:fence_virsh",
      role: "Started",
      active: true,
      failed: false,
      node: "node02h",
    });
    expect(extras.resources.map((r) => r.id)).toEqual([
      "kvmhost01",
      "service01-ip",
      "service01-fs",
      "service01-db",
    ]);
  });

  test("no failures section: none; not connected: no summary, no resources", () => {
    expect(parseCrmMonExtras(crmMon()).failures).toEqual([]);
    expect(parseCrmMonExtras(CRM_MON_NOT_CONNECTED)).toEqual({ failures: [], resources: [] });
  });

  test("not crm_mon's XML: an error", () => {
    expect(() => parseCrmMonExtras("<cib/>")).toThrow(/neither <pacemaker-result> nor <crm_mon>/);
  });
});

describe("stonith_admin --history", () => {
  test("events newest first, with delegate, completion and reason", () => {
    expect(parseFenceHistory(FENCE_HISTORY)).toEqual([
      {
        action: "reboot",
        target: "node01h",
        status: "success",
        origin: "node02h",
        delegate: "node02h",
        completed: "2026-11-27 20:58:11Z",
      },
      {
        action: "reboot",
        target: "node01h",
        status: "failed",
        origin: "node02h",
        completed: "2026-11-27 20:41:03Z",
        exitReason: "Agent returned error",
      },
    ]);
  });

  test("never fenced: no list, status OK; a history that could not be read: an error", () => {
    expect(parseFenceHistory(FENCE_HISTORY_EMPTY)).toEqual([]);
    expect(() =>
      parseFenceHistory(
        FENCE_HISTORY_EMPTY.replace("  <status", '  <fence_history status="102"/>\n  <status'),
      ),
    ).toThrow(/could not be read \(status 102\)/);
    expect(() =>
      parseFenceHistory(
        FENCE_HISTORY_EMPTY.replace('code="0" message="OK"', 'code="102" message="Not connected"'),
      ),
    ).toThrow(/no fence history \(Not connected\)/);
  });
});

describe("gluster volume heal info summary", () => {
  test("per brick: status and the entries to heal; a brick down has no counts", () => {
    expect(parseHealSummary(healSummary([3, null]))).toEqual([
      { brick: "node01m:/glvol00", status: "Connected", total: 3, splitBrain: 0 },
      { brick: "node02m:/glvol00", status: "Transport endpoint is not connected" },
    ]);
  });

  test("the CLI's error (volume not started) is the parser's error", () => {
    const failed = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cliOutput>
  <opRet>-1</opRet>
  <opErrno>30806</opErrno>
  <opErrstr>Volume data00 is not started.</opErrstr>
</cliOutput>`;
    expect(() => parseHealSummary(failed)).toThrow(/heal info summary: Volume data00 is not started/);
  });
});
