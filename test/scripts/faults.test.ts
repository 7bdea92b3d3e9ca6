/**
 * The fault suite's shell (scripts/faults.sh), run by bash on what the lab's tools print — crm_mon's
 * XML, corosync-cfgtool, pcs, gluster, ip, the engine's output — and with the lab itself stood in
 * for by shell functions and fake commands: the selection, the result line and its times, the
 * parsers, what a fault restores, the runner's PASS/FAIL/SKIP, and the killed-engine fault's
 * handling of what the tool prints. No lab is involved.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { edited } from "../fixtures/pacemaker";
import { crmMon, FENCE_HISTORY } from "../fixtures/operator-status";
import { fakeBin, removeTempDirs, runWithFakes, type FakeBin } from "../support/bash";

const REPO = path.resolve(__dirname, "..", "..");

afterEach(removeTempDirs);

const PRELUDE = `source "${REPO}/scripts/lib.sh"; source "${REPO}/scripts/drill.sh"; source "${REPO}/scripts/faults.sh"
fail() { die "$*"; }
`;

/** Runs `body` after sourcing lib.sh, drill.sh and faults.sh, with `stdin`. */
function sh(body: string, stdin = "", env: Record<string, string> = {}, fake: FakeBin = fakeBin({})) {
  const r = runWithFakes(fake, PRELUDE + body, stdin, env);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ALL = [
  "power-active",
  "power-passive",
  "link-one",
  "postgres-killed",
  "brick-killed",
  "tgtd-restart",
  "standby",
  "maintenance",
  "fencing-broken",
  "engine-killed",
];

describe("faults_select (--only)", () => {
  test("every fault in the suite's order when none is named; the ones named, in that order", () => {
    expect(sh("faults_select")).toEqual({ status: 0, stdout: `${ALL.join("\n")}\n`, stderr: "" });
    expect(sh("faults_select engine-killed,standby,power-active").stdout).toBe(
      "power-active\nstandby\nengine-killed\n",
    );
  });

  test("a fault the suite does not know is refused, naming the known ones", () => {
    const r = sh("faults_select standby,power-activ || echo refused");
    expect(r.stdout).toBe("refused\n");
    expect(r.stderr).toContain(`unknown fault 'power-activ': use one or more of ${ALL.join(" ")}`);
  });
});

describe("the result line and its times", () => {
  test("PASS with both times and a note; FAIL with what is known; SKIP with its reason", () => {
    const r = sh(`faults_result_line PASS power-active 96.4 312.0 "repaired by up (1 to update)"
faults_result_line FAIL brick-killed 0.2 "" "nothing left to heal did not happen within 900 s"
faults_result_line SKIP tgtd-restart "" "" "the lab has no iSCSI target"`);
    expect(r.stdout).toBe(
      "PASS power-active     service    96.4 s  clean   312.0 s  repaired by up (1 to update)\n" +
        "FAIL brick-killed     service     0.2 s  clean         -  nothing left to heal did not happen within 900 s\n" +
        "SKIP tgtd-restart     service         -  clean         -  the lab has no iSCSI target\n",
    );
  });

  test("faults_seconds: the time between two epochs, one decimal", () => {
    expect(sh("faults_seconds 1700000000.25 1700000096.62; faults_seconds 10 10.04").stdout).toBe(
      "96.4\n0.0\n",
    );
  });
});

describe("the writer's rows around a fault", () => {
  // `N TIME POSTMASTER HOW`: postmaster 500.0 until the fault at 200, 900.0 after it.
  const ACKED = [
    "1 100.0 500.0 inserted",
    "2 150.0 500.0 inserted",
    "3 201.0 500.0 inserted",
    "4 290.5 900.0 found",
    "5 296.4 900.0 inserted",
    "6 297.0 900.0 inserted",
  ].join("\n");
  const withAcked = (body: string) => `printf '%s\\n' "$ACKED" >"$FAKE_ROOT/acked"\n${body}`;

  test("the first commit after the fault, by any postmaster or by another one; none yet fails", () => {
    expect(sh(withAcked('faults_first_commit "$FAKE_ROOT/acked" 200'), "", { ACKED }).stdout).toBe("201.0\n");
    // Row 4 was found committed by a retry: its commit came before; row 5 is the first new commit.
    expect(sh(withAcked('faults_first_commit "$FAKE_ROOT/acked" 200 500.0'), "", { ACKED }).stdout).toBe(
      "296.4\n",
    );
    expect(
      sh(withAcked('faults_first_commit "$FAKE_ROOT/acked" 300 || echo none'), "", { ACKED }).stdout,
    ).toBe("none\n");
  });

  test("the same postmaster throughout, and the commits since a time", () => {
    const r = sh(
      withAcked(`faults_same_postmaster "$FAKE_ROOT/acked" 100 500.0 && echo same-from-100
faults_same_postmaster "$FAKE_ROOT/acked" 250 900.0 && echo same-from-250
faults_commits_since "$FAKE_ROOT/acked" 200 4 && echo four-since-200
faults_commits_since "$FAKE_ROOT/acked" 296.4 2 || echo not-two-since-296.4`),
      "",
      { ACKED },
    );
    expect(r.stdout).toBe("same-from-250\nfour-since-200\nnot-two-since-296.4\n");
  });
});

describe("what crm_mon shows (pacemaker 2.1.5 XML)", () => {
  test("the service groups that are not disabled", () => {
    expect(sh("faults_groups", crmMon()).stdout).toBe("service01\n");
    const disabled = edited(crmMon(), 'disabled="false"', 'disabled="true"');
    expect(sh("faults_groups", disabled).stdout).toBe("");
  });

  test("a node's attributes: online, standby, unclean; a node not listed fails", () => {
    const offline = crmMon({ offline: "node01h" });
    expect(
      sh(
        `xml=$(cat)
faults_node_attr node01h online <<<"$xml"; faults_node_attr node01h unclean <<<"$xml"
faults_node_attr node02h online <<<"$xml"; faults_node_attr node02h standby <<<"$xml"
faults_node_attr node03h online <<<"$xml" || echo unknown`,
        offline,
      ).stdout,
    ).toBe("false\nfalse\ntrue\nfalse\nunknown\n");
  });

  test("a cluster option (maintenance-mode), from <cluster_options>", () => {
    expect(sh("faults_cluster_option maintenance-mode", crmMon()).stdout).toBe("false\n");
    const on = edited(crmMon(), 'maintenance-mode="false"', 'maintenance-mode="true"');
    expect(sh("faults_cluster_option maintenance-mode", on).stdout).toBe("true\n");
    expect(sh("faults_cluster_option no-such-option || echo none", crmMon()).stdout).toBe("none\n");
  });

  test("a failed fencing of a node in the fence history; a successful one is not a failure", () => {
    expect(sh("faults_fence_failed node01h && echo failed", FENCE_HISTORY).stdout).toBe("failed\n");
    const succeeded = FENCE_HISTORY.split("\n")
      .filter((l) => !l.includes('status="failed"'))
      .join("\n");
    expect(sh("faults_fence_failed node01h || echo none", succeeded).stdout).toBe("none\n");
    expect(sh("faults_fence_failed node02h || echo none", FENCE_HISTORY).stdout).toBe("none\n");
  });

  test("the journal's failed fencing: pacemaker-fenced's error or pacemaker-controld's 'not terminated'", () => {
    const journal = [
      "Mar 05 10:20:01 node02 pacemaker-fenced[812]:  notice: Requesting that node02h perform 'reboot' action targeting node01h",
      "Mar 05 10:20:04 node02 pacemaker-fenced[812]:  notice: Operation 'reboot' [2301] targeting node01h using kvmhost01 returned 1",
      "Mar 05 10:20:04 node02 pacemaker-controld[816]:  notice: Peer node01h was not terminated (reboot) by node02h on behalf of pacemaker-controld.816: Error",
      "Mar 05 10:21:30 node02 pacemaker-fenced[812]:  notice: Operation 'reboot' targeting node01h by node02h for pacemaker-controld.816@node02h: OK",
    ].join("\n");
    expect(sh("faults_journal_fence_failed node01h", journal).stdout).toBe(`${journal.split("\n")[2]}\n`);
    expect(sh("faults_journal_fence_failed node01h || echo none", journal.split("\n")[3]).stdout).toBe(
      "none\n",
    );
    expect(sh("faults_journal_fence_failed node011h || echo none", journal).stdout).toBe("none\n");
  });
});

describe("what the other tools print", () => {
  test("crm_resource --locate: the nodes a group runs on", () => {
    expect(sh("faults_locate_nodes", "resource service01 is running on: node01h\n").stdout).toBe("node01h\n");
    expect(
      sh(
        "faults_locate_nodes",
        "resource service01 is running on: node02h\nresource service01 is running on: node01h\n",
      ).stdout,
    ).toBe("node01h\nnode02h\n");
    expect(sh("faults_locate_nodes", "resource service01 is NOT running\n").stdout).toBe("");
  });

  test("pcs resource failcount show: the count on a node, 0 when pcs lists none", () => {
    const shown = "Failcounts for resource 'service01-db'\n  node01h: 1\n  node02h: INFINITY\n";
    expect(
      sh('s=$(cat); faults_fail_count node01h <<<"$s"; faults_fail_count node02h <<<"$s"', shown).stdout,
    ).toBe("1\nINFINITY\n");
    expect(sh("faults_fail_count node01h", "No failcounts for resource 'service01-db'\n").stdout).toBe("0\n");
  });

  test("corosync-cfgtool -s: a link down when a peer is disconnected on it, up when every peer is connected", () => {
    // corosync 3.1.7 (Debian 12).
    const cfg31 = `Local node ID 1, transport knet
LINK ID 0 udp
\taddr\t= 192.168.9.121
\tstatus:
\t\tnodeid:          1:\tlocalhost
\t\tnodeid:          2:\tdisconnected
LINK ID 1 udp
\taddr\t= 192.168.8.121
\tstatus:
\t\tnodeid:          1:\tlocalhost
\t\tnodeid:          2:\tconnected
`;
    const links = 's=$(cat); for l in 0 1 2; do faults_link_status $l <<<"$s" || echo unlisted; done';
    expect(sh(links, cfg31).stdout).toBe("down\nup\nunlisted\n");
    // corosync 3.0's layout.
    const cfg30 = `Printing link status.
Local node ID 1
LINK ID 0
\taddr\t= 192.168.9.121
\tstatus:
\t\tnodeid  1:\tlink enabled:1\tlink connected:1
\t\tnodeid  2:\tlink enabled:1\tlink connected:0
`;
    expect(sh("faults_link_status 0", cfg30).stdout).toBe("down\n");
    expect(
      sh("faults_link_status 0 || echo no-peer", "LINK ID 0 udp\n\t\tnodeid: 1:\tlocalhost\n").stdout,
    ).toBe("no-peer\n");
  });

  test("ip -o -4 addr show: the NIC holding an address, with its prefix", () => {
    const ip = [
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
      "2: enp1s0    inet 192.168.7.121/24 brd 192.168.7.255 scope global enp1s0\\       valid_lft forever preferred_lft forever",
      "4: enp3s0    inet 192.168.9.121/24 brd 192.168.9.255 scope global enp3s0\\       valid_lft forever preferred_lft forever",
    ].join("\n");
    expect(sh("faults_nic_of 192.168.9.121", ip).stdout).toBe("enp3s0 192.168.9.121/24\n");
    expect(sh("faults_nic_of 192.168.9.12 || echo none", ip).stdout).toBe("none\n");
  });

  test("gluster volume heal info: the entries left; a brick that cannot be asked fails", () => {
    const healing = `Brick node01m:/glvol00
Status: Connected
Number of entries: 0

Brick node02m:/glvol00
<gfid:4e5f1a2b-0c3d-4e5f-8a9b-0c1d2e3f4a5b>
/pgdata/base/16384/2619
Status: Connected
Number of entries: 2
`;
    expect(sh("faults_heal_entries", healing).stdout).toBe("2\n");
    expect(
      sh("faults_heal_entries", healing.replace("Number of entries: 2", "Number of entries: 0")).stdout,
    ).toBe("0\n");
    const down = healing.replace(
      "Status: Connected\nNumber of entries: 2",
      "Status: Transport endpoint is not connected\nNumber of entries: -",
    );
    expect(sh("faults_heal_entries || echo unknown", down).stdout).toBe("unknown\n");
    expect(sh("faults_heal_entries || echo unknown", "").stdout).toBe("unknown\n");
  });

  test("tgtd's control port from its command line", () => {
    expect(
      sh(
        "faults_arg_after -C tgtd -C 14207 -p /var/lib/kvm-ha-lab/dev/tgtd/cluster01.tgtd.pid --iscsi portal=192.168.8.1:3260",
      ).stdout,
    ).toBe("14207\n");
    expect(sh("faults_arg_after -C tgtd -f || echo none").stdout).toBe("none\n");
  });

  test("the change counts of a preview's text output", () => {
    const preview = `Previewing update (dev):
     Type                                   Name              Plan       Info
     pulumi:pulumi:Stack                    kvm-ha-lab-dev
 ~   └─ pulumi-nodejs:dynamic:Resource      dev-cluster-pcs   update     [diff: ~properties]

Resources:
    ~ 1 to update
    +-1 to replace
    41 unchanged
`;
    expect(sh("faults_changes_summary", preview).stdout).toBe("1 to update, 1 to replace\n");
    expect(sh("faults_changes_summary", "Resources:\n    43 unchanged\n").stdout).toBe("\n");
  });

  test("the commands of the tool's Fix lines spelled its way; a provider's own Fix: advice is not one", () => {
    const printed = `[  12s] pulumi up (stack dev)
error: the stack dev is locked by a pulumi that no longer runs (pid 4242 of root@lab; lock /s/.pulumi/locks/organization/kvm-ha-lab/dev/1.json): it was killed mid-run, and the engine keeps its lock until it is cancelled
  Fix: npm run lab -- pulumi cancel --yes --stack dev
    error: iscsi.luns[1] …: Fix: set sizeMiB ≥ 1024
  Fix: npm run lab -- pulumi refresh --clear-pending-creates --yes --non-interactive --stack dev
error: the stack dev needs the command(s) above before pulumi up can run
`;
    expect(sh('faults_fix_commands "npm run lab -- pulumi"', printed).stdout).toBe(
      "npm run lab -- pulumi cancel --yes --stack dev\n" +
        "npm run lab -- pulumi refresh --clear-pending-creates --yes --non-interactive --stack dev\n",
    );
    expect(sh("faults_fix_commands pulumi", printed).stdout).toBe("");
  });

  test("the number of the cluster's link on the heartbeat network", () => {
    expect(
      sh(`LAB_CLUSTER_LINKS=(heartbeat management) LAB_HEARTBEAT_NETWORK=heartbeat; faults_link_index
LAB_CLUSTER_LINKS=(management heartbeat); faults_link_index
LAB_CLUSTER_LINKS=(management) ; faults_link_index || echo none
LAB_HEARTBEAT_NETWORK=; faults_link_index || echo none`).stdout,
    ).toBe("0\n1\nnone\nnone\n");
  });
});

describe("what a fault restores", () => {
  test("last registered first, except what was restored already; a failing restore does not stop the others", () => {
    const r = sh(`FAULT_NAME=demo
faults_undo first echo "first 'quoted' arg"
faults_undo second false
faults_undo third echo third
faults_undo fourth echo fourth
faults_done third
faults_undo_run
echo "left: \${#FAULTS_UNDO[@]}"`);
    expect(r.stdout).toBe("fourth\nfirst 'quoted' arg\nleft: 0\n");
    expect(r.stderr).toContain("faults: demo: could not restore: false");
  });
});

describe("faults_placed (every group on exactly one node)", () => {
  const ON = `on() {
  case "$2" in
    "crm_mon -1 --output-as=xml") printf '%s' "$MON" ;;
    "crm_resource --locate --resource service01 2>&1") printf '%b' "$LOCATE" ;;
    *) return 1 ;;
  esac
}
`;
  test("one node: placed; two or none: not, saying where", () => {
    const run = (locate: string) =>
      sh(`${ON}faults_placed 192.0.2.1 && echo placed || echo "unplaced: $FAULTS_UNPLACED"`, "", {
        MON: crmMon(),
        LOCATE: locate,
      }).stdout;
    expect(run("resource service01 is running on: node01h\\n")).toBe("placed\n");
    expect(
      run("resource service01 is running on: node01h\\nresource service01 is running on: node02h\\n"),
    ).toBe("unplaced: service01 runs on 2 nodes (node01h node02h)\n");
    expect(run("resource service01 is NOT running\\n")).toBe("unplaced: service01 runs on 0 nodes\n");
  });
});

/**
 * The runner around one fault: the lab's side (ready, roles, the checks after the fault) stood in
 * for; the fault a function of the test's.
 */
const RUNNER = `FAULTS_WORK="$FAKE_ROOT/work"; FAULTS_WRITER_DIR="$FAULTS_WORK/writer"; FAULTS_ACKED="$FAULTS_WRITER_DIR/acked"
mkdir -p "$FAULTS_WRITER_DIR"; : >"$FAULTS_WORK/results"
echo "1 100.0 500.0 inserted" >"$FAULTS_ACKED"
FAULTS_RECOVER_SECONDS=30
LAB_VIP=192.0.2.99
faults_writer_ensure() { return 0; }
faults_ready() { :; }
faults_roles() { A=0 P=1 A_NODE=node01 P_NODE=node02; }
faults_recovered() { echo 12.5 >"$FAULT_DIR/service"; echo 80.0 >"$FAULT_DIR/clean"; }
`;

describe("the runner: one line per fault, the fault's restore on every way out", () => {
  test("PASS: the line with both times, the timings appended", () => {
    const fake = fakeBin({});
    const timings = path.join(fake.root, "timings");
    const r = sh(
      `${RUNNER}faults_standby() { faults_undo standby touch "$FAKE_ROOT/unstandby"; faults_inject "pcs node standby" true; faults_done standby; faults_note "moved"; }
faults_one standby; echo "after"; cat "$FAULTS_WORK/results"`,
      "",
      { KVMLAB_E2E_TIMINGS: timings },
      fake,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("after\nPASS standby          service    12.5 s  clean    80.0 s  moved\n");
    expect(fs.existsSync(path.join(fake.root, "unstandby"))).toBe(false);
    expect(fs.readFileSync(timings, "utf8")).toBe("fault-standby 80.0\nfault-standby-service 12.5\n");
  });

  test("FAIL: the reason on the line, what the fault broke restored, the suite going on", () => {
    const fake = fakeBin({});
    const timings = path.join(fake.root, "timings");
    const r = sh(
      `${RUNNER}faults_power_active() {
  faults_undo rejoin touch "$FAKE_ROOT/rejoined"
  faults_inject "virsh destroy" true
  drill_wait 0 "service01 starting on node02" false
}
faults_one power-active; echo "after"; cat "$FAULTS_WORK/results"`,
      "",
      { KVMLAB_E2E_TIMINGS: timings },
      fake,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "after\nFAIL power-active     service         -  clean         -  drill: service01 starting on node02 did not happen within 0 s\n",
    );
    expect(r.stderr).toContain(
      "faults: power-active: drill: service01 starting on node02 did not happen within 0 s",
    );
    expect(fs.existsSync(path.join(fake.root, "rejoined"))).toBe(true);
    expect(fs.existsSync(timings)).toBe(false);
  });

  test("FAIL: a command failing unexpectedly ends the fault too (errexit), its restore run", () => {
    const fake = fakeBin({});
    const r = sh(
      `${RUNNER}faults_maintenance() { faults_undo maintenance touch "$FAKE_ROOT/restored"; faults_inject "set" true; false; echo "not reached"; }
faults_one maintenance; cat "$FAULTS_WORK/results"`,
      "",
      {},
      fake,
    );
    expect(r.stdout).toBe(
      "FAIL maintenance      service         -  clean         -  failed (status 1; see the log above)\n",
    );
    expect(fs.existsSync(path.join(fake.root, "restored"))).toBe(true);
  });

  test("SKIP: a fault that cannot run on this lab says why, and is never a PASS", () => {
    const r = sh(
      `${RUNNER}LAB_ISCSI_IQN= LAB_ISCSI_DEVICES=()
faults_one tgtd-restart; cat "$FAULTS_WORK/results"`,
    );
    expect(r.stdout).toBe(
      "SKIP tgtd-restart     service         -  clean         -  the lab has no iSCSI target\n",
    );
  });

  test("a fault never injected is not a PASS", () => {
    const r = sh(
      `${RUNNER}faults_recovered() { [ -n "$FAULT_T0" ] || fail "the fault was never injected"; }
faults_standby() { :; }
faults_one standby; cat "$FAULTS_WORK/results"`,
    );
    expect(r.stdout).toBe(
      "FAIL standby          service         -  clean         -  the fault was never injected\n",
    );
  });

  test("faults_run refuses an unknown fault before it touches the lab", () => {
    const r = sh(`on() { echo "on $*" >>"$FAKE_ROOT/on.log"; }
LAB_NODES=(node01 node02) LAB_SERVICE=service01 LAB_VIP=192.0.2.99 LAB_DB_PORT=5432
faults_run standby,stanby`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown fault 'stanby'");
    expect(r.stderr).toContain("faults: --only 'standby,stanby' names a fault the suite does not know");
  });
});

describe("engine-killed: the tool's up after a killed engine", () => {
  /**
   * The engine: `up` prints a resource updating and then runs until killed (FAKE_UP_ENDS: it ends
   * at once); `stack export` prints a state. The tool's check stands in for query engine-leftovers:
   * the lock of the killed engine, with its fix, until the fix ran. The cluster property lives in
   * $FAKE_ROOT/nqp; the tool's up repairs it.
   */
  const PULUMI = `case "$1" in
  up)
    echo "Updating (dev):"
    [ "\${FAKE_UP_ENDS:-0}" = 1 ] && exit 0
    echo "    ~  pulumi-nodejs:dynamic:Resource dev-cluster-pcs updating (0s) [diff: ~properties]"
    echo $$ >"$FAKE_ROOT/engine.pid"
    exec sleep 60 ;;
  stack) echo '{"version": 3, "deployment": {}}' ;;
esac`;
  const SETUP = `${RUNNER}A_ADDR=192.0.2.1 A_CN=node01h LAB_ADDRESSES=(192.0.2.1 192.0.2.2)
echo stop >"$FAKE_ROOT/nqp"
on() {
  local v
  case "$2" in
    *"--name no-quorum-policy --query"*) cat "$FAKE_ROOT/nqp" ;;
    "pcs property set no-quorum-policy="*) v=\${2#*=}; echo "\${v%% *}" >"$FAKE_ROOT/nqp" ;;
    *) return 1 ;;
  esac
}
query() {
  cat >/dev/null
  [ -e "$FAKE_ROOT/cancelled" ] && return 0
  echo "error: the stack dev is locked by a pulumi that no longer runs (pid 4242 of root@lab; lock L): it was killed mid-run, and the engine keeps its lock until it is cancelled" >&2
  echo "  Fix: npm run lab -- pulumi cancel --yes --stack dev" >&2
  return 1
}
lab_up() {
  query engine-leftovers dev - file:///s --for-update </dev/null || { echo "error: the stack dev needs the command(s) above" >&2; return 1; }
  echo stop >"$FAKE_ROOT/nqp"
}
fix_run() { echo "$*" >>"$FAKE_ROOT/fix-ran"; [ "$1 $2" = "cancel --yes" ] && touch "$FAKE_ROOT/cancelled"; }
FAULTS_STACK=dev FAULTS_PULUMI=(pulumi) FAULTS_LAB_UP=(lab_up) FAULTS_FIX_VIA="npm run lab -- pulumi" FAULTS_FIX_RUN=(fix_run)
`;

  test("the killed engine's lock: the tool stops printing the exact command; run, the next up finishes", () => {
    const fake = fakeBin({ pulumi: PULUMI });
    const r = sh(`${SETUP}faults_one engine-killed; cat "$FAULTS_WORK/results"`, "", {}, fake);
    expect(r.stdout).toBe(
      "PASS engine-killed    service    12.5 s  clean    80.0 s  the tool printed: npm run lab -- pulumi cancel --yes --stack dev\n",
    );
    expect(fs.readFileSync(path.join(fake.root, "fix-ran"), "utf8")).toBe("cancel --yes --stack dev\n");
    expect(fs.readFileSync(path.join(fake.root, "nqp"), "utf8")).toBe("stop\n");
    // The engine was killed (SIGKILL) while it was updating.
    const pid = Number(fs.readFileSync(path.join(fake.root, "engine.pid"), "utf8"));
    expect(() => process.kill(pid, 0)).toThrow();
    expect(r.stderr).toContain("pulumi up (pid");
    expect(r.stderr).toContain(
      "SIGKILLed while ~  pulumi-nodejs:dynamic:Resource dev-cluster-pcs updating (0s)",
    );
  });

  test("a tool that stops without printing the command to run fails the fault; the property is put back", () => {
    const fake = fakeBin({ pulumi: PULUMI });
    const r = sh(
      `${SETUP}lab_up() { echo "error: something went wrong" >&2; return 1; }
faults_one engine-killed; cat "$FAULTS_WORK/results"`,
      "",
      {},
      fake,
    );
    expect(r.stdout).toBe(
      "FAIL engine-killed    service         -  clean         -  the tool's up stopped without printing the command to run (above)\n",
    );
    expect(fs.readFileSync(path.join(fake.root, "nqp"), "utf8")).toBe("stop\n");
  });

  test("an engine that ends before it changes anything was never killed: a FAIL, not a PASS", () => {
    const fake = fakeBin({ pulumi: PULUMI });
    const r = sh(
      `${SETUP}faults_one engine-killed; cat "$FAULTS_WORK/results"`,
      "",
      { FAKE_UP_ENDS: "1" },
      fake,
    );
    expect(r.stdout).toMatch(
      /^FAIL engine-killed .* pulumi up ended before it changed a resource: Updating \(dev\):/,
    );
  });
});
