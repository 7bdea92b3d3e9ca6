/**
 * The PcsCluster provider against the fake lab (test/support/fake-lab.ts), driven as the engine
 * drives it: check → create, read → diff → update, delete. The nodes answer with the fixtures of
 * test/fixtures/pacemaker.ts for the default lab (test/fixtures/cluster-lab.ts).
 */
import * as fs from "node:fs";
import {
  byDefault,
  fakeMachine,
  forget,
  forReal,
  lab,
  on,
  type FakeMachine,
  type Reply,
} from "../../../support/fake-lab";
import { PCS_TOOLS } from "../../../fixtures/fake-tools";
import type { Props } from "../../../../providers/core/base";
import {
  clusterScript,
  PASSWORD_SCRIPT,
  pcsClusterProvider,
  pcsdScript,
  settingsOnlyChange,
  wantedTopology,
} from "../../../../providers/cluster/pacemaker/pcs-cluster";
import { failureOf, checked, IN_PLACE, NO_DIFF, refreshDiff } from "../../../support/provider-driver";
import { batches, callsOf, steps } from "../../../support/pacemaker-calls";
import {
  clusterInputs,
  HOST_MAP,
  MEMBERS,
  N1,
  N2,
  NODE03,
  NODE_NAMES,
  PASSWORD,
  pcsRaw,
} from "../../../fixtures/cluster-lab";
import {
  cib,
  COROSYNC_CONF,
  CRM_MON_NOT_CONNECTED,
  crmMon,
  edited,
  LAB_PROPERTIES,
  MEMBER,
  memberState,
  pcsState,
  STATE,
  TOPOLOGY,
  UUID,
} from "../../../fixtures/pacemaker";

describe("the default lab as the providers get it", () => {
  test("members node01h/node02h: heartbeat link 0, management link 1, reached on management", () => {
    expect(MEMBERS).toEqual([
      {
        name: "node01",
        nodeId: 1,
        access: { address: "192.168.8.121", port: 22, user: "root" },
        linkAddresses: ["192.168.9.121", "192.168.8.121"],
        linkHostnames: ["node01h", "node01m"],
      },
      {
        name: "node02",
        nodeId: 2,
        access: { address: "192.168.8.122", port: 22, user: "root" },
        linkAddresses: ["192.168.9.122", "192.168.8.122"],
        linkHostnames: ["node02h", "node02m"],
      },
    ]);
    expect(NODE_NAMES).toEqual({ node01: "node01h", node02: "node02h" });
    expect(HOST_MAP).toEqual({ node01: "dev-node01", node02: "dev-node02" });
    expect(wantedTopology(MEMBERS)).toBe(TOPOLOGY);
  });
});

/**
 * The fake cluster: pcsd and setup succeed (pcs-cluster-scripts.test.ts runs both scripts for
 * real), STATE answers `state`, the settings batches succeed, the UUID is the fixture's.
 */
function clusterAnswers(state: string | (() => Reply)): void {
  on(/cluster_uuid/, { stdout: `${UUID}\n` });
  on(/pcs host auth/, { stdout: "setup\n" });
  on(/chpasswd/, {});
  on(/^set -e\npcs /, {});
  on(STATE, typeof state === "string" ? { stdout: state } : state);
  on(MEMBER, { stdout: memberState() });
}

describe("PcsCluster: create", () => {
  test("pcsd on both nodes, then on node01 the cluster script, the state, only the differing settings, the UUID", async () => {
    // A fresh setup: pcs wrote resource-stickiness=1 as a default; one property already right.
    clusterAnswers(
      pcsState({
        cib: cib({ properties: { "no-quorum-policy": "stop" }, rscDefaults: { "resource-stickiness": "1" } }),
      }),
    );
    const inputs = await clusterInputs();
    const { id, outs } = await pcsClusterProvider.create(inputs as unknown as Props);
    expect(id).toBe("cluster01");
    expect(outs).toMatchObject({ clusterUuid: UUID, topology: TOPOLOGY, name: "cluster01" });
    const all = steps();
    expect(all.slice(0, 2).sort()).toEqual(["node01 pcsd", "node02 pcsd"]);
    expect(all.slice(2)).toEqual(["node01 cluster", "node01 state", "node01 batch", "node01 uuid"]);
    expect(callsOf("pcsd").map((c) => c.script)).toEqual([pcsdScript("cluster01"), pcsdScript("cluster01")]);
    expect(callsOf("cluster")[0]?.script).toBe(clusterScript(inputs));
    expect(batches()).toEqual([
      ["pcs property set stonith-enabled=true", "pcs resource defaults update resource-stickiness="],
    ]);
  });

  test("the hacluster password travels only on stdin, marked sensitive, never in a command", async () => {
    clusterAnswers(pcsState({ cib: cib({ properties: {} }) }));
    await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw()));
    expect(lab.calls.length).toBeGreaterThan(4);
    for (const call of lab.calls) {
      expect(call.script).not.toContain(PASSWORD);
      expect(JSON.stringify(call.opts.env ?? {})).not.toContain(PASSWORD);
    }
    const secretCalls = [...callsOf("pcsd"), ...callsOf("cluster")];
    expect(secretCalls).toHaveLength(3);
    for (const call of secretCalls) {
      expect(call.opts.stdin).toBe(`${PASSWORD}\n`);
      expect(call.opts.sensitive).toEqual([PASSWORD]);
    }
    for (const call of lab.calls.filter((c) => !secretCalls.includes(c))) {
      expect(String(call.opts.stdin ?? "")).not.toContain(PASSWORD);
    }
    expect(batches()).toEqual([["pcs property set stonith-enabled=true no-quorum-policy=stop"]]);
  });

  test("settings already right: no property or defaults command at all", async () => {
    clusterAnswers(pcsState());
    await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw()));
    expect(batches()).toEqual([]);
    expect(steps().slice(2)).toEqual(["node01 cluster", "node01 state", "node01 uuid"]);
  });

  test("a failing pcsd script on node02: the error names node02, the password is redacted, no setup", async () => {
    // First matching rule wins: the failure before the fake cluster's answers.
    on(/chpasswd/, { code: 65, stderr: `kvmlab: chpasswd: password ${PASSWORD} rejected by PAM\n` }, N2);
    clusterAnswers(pcsState());
    const err = await failureOf(pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw())));
    expect(err.message).toBe(
      'PcsCluster "dev-cluster-pcs": create failed: on node02 (192.168.8.122): chpasswd: password *** rejected by PAM',
    );
    expect(callsOf("cluster")).toEqual([]);
  });

  test("a failing cluster script: the error is redacted of the password everywhere", async () => {
    // First matching rule wins: the failure before the fake cluster's answers.
    on(/pcs host auth/, {
      code: 1,
      stderr: `Error: Unable to authenticate node01h with password ${PASSWORD}\n`,
    });
    clusterAnswers(pcsState());
    const err = await failureOf(pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw())));
    expect(err.message).toContain("ssh root@192.168.8.121:22: command failed with exit code 1");
    expect(err.message).toContain("Unable to authenticate node01h with password ***");
    expect(err.message).not.toContain(PASSWORD);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(PASSWORD);
  });
});

/** Created on a healthy fake; calls and rules forgotten. */
async function createdCluster(extra: Props = {}): Promise<Props> {
  clusterAnswers(pcsState());
  const { outs } = await pcsClusterProvider.create(await checked(pcsClusterProvider, pcsRaw(extra)));
  forget();
  return outs;
}

describe("PcsCluster: read, diff, update", () => {
  /** The default lab's cluster inputs after check (what `news` is for the engine). */
  const pcsNews = (extra: Props = {}) => checked(pcsClusterProvider, pcsRaw(extra));
  // The members after the first answer their own probe as set up (a test's own rule wins).
  beforeEach(() => byDefault(MEMBER, { stdout: memberState() }));

  test("healthy: corosync.conf matching, both online, properties equal → no diff; node01 gives the cluster, node02 its own part", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState() });
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props).toMatchObject({
      running: true,
      startAtBoot: false,
      pcsdRunning: true,
      hostsAuthenticated: true,
      configSynced: true,
      clusterUuid: UUID,
      topology: TOPOLOGY,
      properties: LAB_PROPERTIES,
    });
    expect(diff).toEqual(NO_DIFF);
    expect(steps()).toEqual(["node01 state", "node02 member"]);
    expect(lab.connects).toEqual([N1, N2]);
  });

  test.each<[string, () => void, Props]>([
    [
      "pcsd stopped on node02 (P1)",
      () => on(MEMBER, { stdout: memberState({ pcsd: "enabled inactive" }) }, N2),
      { pcsdRunning: false },
    ],
    [
      "pcsd disabled at boot on node01 (P1)",
      () => on(STATE, { stdout: pcsState({ pcsd: "disabled active" }) }),
      { pcsdRunning: false },
    ],
    [
      "node02 forgotten by pcs on node01 (pcs host deauth, P2)",
      () => on(STATE, { stdout: pcsState({ knownHosts: "node01h 192.168.8.121:2224" }) }),
      { hostsAuthenticated: false },
    ],
    [
      "pacemaker (not corosync) enabled at boot on node02 only (P6)",
      () =>
        on(
          MEMBER,
          { stdout: memberState().replace("pacemaker disabled active", "pacemaker enabled active") },
          N2,
        ),
      { startAtBoot: true },
    ],
    [
      "another corosync.conf on node02 (P9)",
      () =>
        on(
          MEMBER,
          { stdout: memberState({ conf: edited(COROSYNC_CONF, "token: 20000", "token: 9000") }) },
          N2,
        ),
      { configSynced: false },
    ],
    [
      "another authkey on node02 (P9)",
      () => on(MEMBER, { stdout: memberState({ authkey: "another key\n" }) }, N2),
      { configSynced: false },
    ],
    [
      "no corosync.conf and no authkey on node02: a destroy that stopped half-way (P9)",
      () => on(MEMBER, { stdout: memberState({ conf: "", authkey: "" }) }, N2),
      { configSynced: false },
    ],
  ])("%s → read reports it → an in-place update: the full converge", async (_what, drift, reported) => {
    const olds = await createdCluster();
    drift();
    on(STATE, { stdout: pcsState() });
    const news = await pcsNews();
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props).toMatchObject(reported);
    expect(diff).toEqual(IN_PLACE);
    expect(settingsOnlyChange(props, news)).toBe(false);

    forget();
    on(/pcs host auth/, {}); // the cluster is ours: no setup
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    // pcsd enabled and started on both, auth, start and boot state on node01; the files distributed
    // from node01 only when a member held others.
    expect(steps().slice(0, 2).sort()).toEqual(["node01 pcsd", "node02 pcsd"]);
    expect(steps().slice(2, 3)).toEqual(["node01 cluster"]);
    expect(callsOf("pcsd")[0]?.script).toContain("systemctl enable pcsd");
    expect(callsOf("cluster")[0]?.script).toContain(
      "pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122",
    );
    expect(callsOf("cluster")[0]?.script).toContain("pcs cluster disable --all");
    // The files distributed from node01, before the start, only when a member held others.
    expect(callsOf("cluster")[0]?.script).toBe(
      clusterScript(news as Parameters<typeof clusterScript>[0], props.configSynced === false),
    );
  });

  test("startAtBoot drift both ways (P6): wanted off, enabled on a member → true; wanted on, one unit off → false", async () => {
    const olds = await createdCluster({ startAtBoot: true });
    on(STATE, { stdout: pcsState({ boot: "enabled" }) });
    on(
      MEMBER,
      { stdout: memberState({ boot: "enabled" }).replace("corosync enabled", "corosync disabled") },
      N2,
    );
    const { props, diff } = await refreshDiff(
      pcsClusterProvider,
      "cluster01",
      olds,
      await pcsNews({ startAtBoot: true }),
    );
    expect(props.startAtBoot).toBe(false);
    expect(diff).toEqual(IN_PLACE);
    forget();
    clusterAnswers(pcsState({ boot: "enabled" }));
    await pcsClusterProvider.update("cluster01", props, await pcsNews({ startAtBoot: true }));
    expect(callsOf("cluster")[0]?.script).toContain("pcs cluster enable --all");
  });

  test("P3b: another cluster name, transport or two_node in corosync.conf → read reports it → replaced", async () => {
    const olds = await createdCluster();
    const cases: [string, string, string, Props][] = [
      ["cluster_name: cluster01", "cluster_name: other", "name", { name: "other" }],
      ["transport: knet", "transport: udpu", "transport", { transport: "udpu" }],
      ["two_node: 1", "two_node: 0", "topology", { twoNode: false }],
    ];
    for (const [from, to, replaced, reported] of cases) {
      forget();
      const conf = edited(COROSYNC_CONF, from, to);
      on(STATE, { stdout: pcsState({ conf }) });
      on(MEMBER, { stdout: memberState({ conf }) });
      const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
      expect(props).toMatchObject(reported);
      expect(diff).toEqual({ changes: true, replaces: [replaced], deleteBeforeReplace: true });
    }
  });

  test("P8: rsc_defaults changed out of band → resourceDefaults differs → a settings-only update", async () => {
    const olds = await createdCluster();
    const drifted = pcsState({ cib: cib({ rscDefaults: { "resource-stickiness": "50" } }) });
    on(STATE, { stdout: drifted });
    const news = await pcsNews();
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props.resourceDefaults).toEqual({ "resource-stickiness": "50" });
    expect(diff).toEqual(IN_PLACE);
    expect(settingsOnlyChange(props, news)).toBe(true);

    forget();
    clusterAnswers(drifted);
    await pcsClusterProvider.update("cluster01", props, news);
    expect(batches()).toEqual([["pcs resource defaults update resource-stickiness="]]);
    expect(steps()).toEqual(["node01 state", "node01 batch"]);
  });

  test("identity: the live cluster_uuid is read; a plain refresh and a settings-only update keep it; a cluster set up again has a new one", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState() });
    const same = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(same.props.clusterUuid).toBe(UUID);

    // Destroyed out of band (pcs cluster destroy --all): no corosync.conf, nothing running; the
    // stored identity stays until the update sets the cluster up again.
    forget();
    on(STATE, { stdout: pcsState({ conf: "", mon: "", cib: "", knownHosts: "" }) });
    on(MEMBER, { stdout: memberState({ conf: "", authkey: "" }) });
    const news = await pcsNews();
    const gone = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(gone.props).toMatchObject({ clusterUuid: UUID, running: false });
    expect(gone.diff).toEqual(IN_PLACE);
    forget();
    const NEW_UUID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    clusterAnswers(pcsState());
    lab.rules.unshift({ pattern: /cluster_uuid/, answer: { stdout: `${NEW_UUID}\n` } });
    const { outs } = await pcsClusterProvider.update("cluster01", gone.props, news);
    expect(outs.clusterUuid).toBe(NEW_UUID);
  });

  test("stonith-enabled=false set out of band → in-place update that sets it back, and nothing else", async () => {
    const olds = await createdCluster();
    const drifted = pcsState({ cib: cib({ properties: { ...LAB_PROPERTIES, "stonith-enabled": "false" } }) });
    on(STATE, { stdout: drifted });
    const news = await checked(pcsClusterProvider, pcsRaw());
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props.properties).toEqual({ "stonith-enabled": "false", "no-quorum-policy": "stop" });
    expect(diff).toEqual(IN_PLACE);

    forget();
    clusterAnswers(drifted);
    const { outs } = await pcsClusterProvider.update("cluster01", props, news);
    expect(outs).toMatchObject({ clusterUuid: UUID, topology: TOPOLOGY });
    expect(batches()).toEqual([["pcs property set stonith-enabled=true"]]);
    // Only the settings: no pcsd, auth or cluster start, nothing on node02.
    expect(steps()).toEqual(["node01 state", "node01 batch"]);
    expect(settingsOnlyChange(props, news)).toBe(true);
    expect(settingsOnlyChange({ ...props, running: false }, news)).toBe(false);
    expect(settingsOnlyChange({ ...props, tokenMs: 10000 }, news)).toBe(false);
  });

  test("hacluster's password changed on node02 (S3) → passwordCurrent false → the update sets it again with chpasswd on every member, and nothing else", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: `${pcsState()}== password\ncurrent\n` });
    on(MEMBER, { stdout: `${memberState()}== password\ndiffers\n` }, N2);
    const news = await pcsNews();
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props).toMatchObject({ passwordCurrent: false, pcsdRunning: true, configSynced: true });
    expect(diff).toEqual(IN_PLACE);
    // The read checked it on both members with the secret on stdin only, redacted from errors.
    for (const call of lab.calls) {
      expect(call.script).toMatch(/== password/);
      expect(call.script).not.toContain(PASSWORD);
      expect(call.opts).toMatchObject({ stdin: `${PASSWORD}\n`, sensitive: [PASSWORD] });
    }

    forget();
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    expect(steps().slice(0, 2).sort()).toEqual(["node01 password", "node02 password"]);
    expect(steps().slice(2)).toEqual(["node01 state"]);
    for (const call of callsOf("password")) {
      expect(call.script).toBe(PASSWORD_SCRIPT);
      expect(call.opts).toMatchObject({ stdin: `${PASSWORD}\n`, sensitive: [PASSWORD] });
    }
    // A member that cannot check (no python) is not drift; one that cannot be read is left out.
    forget();
    on(STATE, { stdout: `${pcsState()}== password\nunknown\n` });
    on(MEMBER, { stdout: `${memberState()}== password\ncurrent\n` }, N2);
    expect((await pcsClusterProvider.read("cluster01", props)).props).toMatchObject({
      passwordCurrent: true,
    });
  });

  test("a node offline → running false → update starts the cluster again (no replacement)", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState({ mon: crmMon(["node02h"]) }) });
    const news = await checked(pcsClusterProvider, pcsRaw());
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(props.running).toBe(false);
    expect(diff).toEqual(IN_PLACE);

    forget();
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    expect(steps().slice(0, 2).sort()).toEqual(["node01 pcsd", "node02 pcsd"]);
    expect(callsOf("cluster")[0]?.script).toContain("pcs cluster start --all --wait=300");
  });

  test("the token changed (config or out of band) → in place, no replacement; the update changes it with pcs", async () => {
    const olds = await createdCluster();
    // Out of band: corosync.conf says 10000.
    on(STATE, { stdout: pcsState({ conf: edited(COROSYNC_CONF, "token: 20000", "token: 10000") }) });
    const same = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(same.props.tokenMs).toBe(10000);
    expect(same.diff).toEqual(IN_PLACE);

    // In the config: 30000.
    forget();
    on(STATE, { stdout: pcsState() });
    const news = await checked(pcsClusterProvider, pcsRaw({ tokenMs: 30000 }));
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(diff).toEqual(IN_PLACE);
    forget();
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", props, news);
    const script = callsOf("cluster")[0]?.script ?? "";
    expect(script).toContain(`if [ "$token" != 30000 ]; then\n  pcs cluster config update totem token=30000`);
    expect(script).toContain("totem token=30000 >/dev/null");
  });

  test("another link address in corosync.conf → replaces topology, deleted before the replacement", async () => {
    const olds = await createdCluster();
    const moved = edited(COROSYNC_CONF, "ring1_addr: 192.168.8.122", "ring1_addr: 192.168.8.132");
    on(STATE, { stdout: pcsState({ conf: moved }) });
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props.topology).toBe(
      "1:node01h=192.168.9.121,192.168.8.121 2:node02h=192.168.9.122,192.168.8.132",
    );
    expect(diff).toEqual({ changes: true, replaces: ["topology"], deleteBeforeReplace: true });
  });

  test("a member's link address changed in the config replaces; its SSH endpoint alone does not", async () => {
    const olds = await createdCluster();
    const diffTo = async (extra: Props) => pcsClusterProvider.diff("cluster01", olds, await pcsNews(extra));
    const moved = MEMBERS.map((m, i) =>
      i === 1 ? { ...m, linkAddresses: ["192.168.9.132", m.access.address] } : m,
    );
    expect(await diffTo({ members: moved })).toEqual({
      changes: true,
      replaces: ["topology"],
      deleteBeforeReplace: true,
    });
    const reached = MEMBERS.map((m, i) => (i === 1 ? { ...m, access: { ...m.access, port: 2222 } } : m));
    expect(await diffTo({ members: reached })).toEqual(IN_PLACE);
    expect(await diffTo({ name: "cluster02" })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
  });

  test("node03 added (two_node off): in place — pcsd on node03, its join from node01, then the usual converge on all three", async () => {
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState() });
    const news = await pcsNews({ members: [...MEMBERS, NODE03], twoNode: false });
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, news);
    expect(diff).toEqual(IN_PLACE);

    forget();
    on(/pcs cluster node add /, { stdout: "added node03h\n" });
    clusterAnswers(pcsState());
    const { outs } = await pcsClusterProvider.update("cluster01", props, news);
    expect(outs).toMatchObject({ topology: wantedTopology([...MEMBERS, NODE03]), clusterUuid: UUID });
    const all = steps();
    expect(all.slice(0, 2)).toEqual(["node03 pcsd", "node01 membership"]);
    expect(all.slice(2, 5).sort()).toEqual(["node01 pcsd", "node02 pcsd", "node03 pcsd"]);
    expect(all.slice(5)).toEqual(["node01 cluster", "node01 state", "node01 uuid"]);
    const join = callsOf("membership")[0];
    expect(join?.script).toContain(
      "pcs cluster node add node03h addr=192.168.9.123 addr=192.168.8.123 --start",
    );
    expect(join?.opts).toMatchObject({ stdin: `${PASSWORD}\n`, sensitive: [PASSWORD] });
    expect(join?.script).not.toContain("pcs cluster node remove");
  });

  test("node03 removed again: in place — node01 moves its resources off and removes it; nothing runs on node03", async () => {
    const three = { members: [...MEMBERS, NODE03], twoNode: false };
    const olds = { ...(await createdCluster(three)), topology: wantedTopology([...MEMBERS, NODE03]) };
    const news = await pcsNews();
    expect(await pcsClusterProvider.diff("cluster01", olds, news)).toEqual(IN_PLACE);

    forget();
    on(/pcs cluster node remove /, { stdout: "removed node03h\n" });
    clusterAnswers(pcsState());
    await pcsClusterProvider.update("cluster01", olds, news);
    expect(steps()[0]).toBe("node01 membership");
    expect(callsOf("membership")[0]?.script).toContain("pcs node standby node03h --wait=600 2>&1) || fail");
    expect(lab.calls.filter((c) => c.where === NODE03.access.address)).toEqual([]);
  });

  test("two_node off in corosync.conf of the same two members: a new cluster (pcs sets two_node only at setup)", async () => {
    const olds = { ...(await createdCluster()), twoNode: false };
    expect(await pcsClusterProvider.diff("cluster01", olds, await pcsNews())).toEqual({
      changes: true,
      replaces: ["topology"],
      deleteBeforeReplace: true,
    });
  });

  test("node01 unreachable: read takes the state from node02", async () => {
    const olds = await createdCluster();
    lab.down = [N1];
    on(STATE, { stdout: pcsState() }, N2);
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(lab.connects).toEqual([N1, N2]);
    expect(steps()).toEqual(["node02 state"]);
    expect(props.running).toBe(true);
    expect(diff).toEqual(NO_DIFF);
  });

  test("no member reachable: running false, the rest as stored", async () => {
    const olds = await createdCluster();
    lab.down = [N1, N2];
    const { props, diff } = await refreshDiff(pcsClusterProvider, "cluster01", olds, await pcsNews());
    expect(props).toEqual({ ...olds, running: false });
    expect(diff).toEqual(IN_PLACE);
    expect(lab.calls).toEqual([]);
  });

  test("pacemaker stopped on the answering node (crm_mon: Not connected) reads as running false", async () => {
    // After a reboot with startAtBoot false (the default), crm_mon prints its "Not connected" XML on stdout.
    const olds = await createdCluster();
    on(STATE, { stdout: pcsState({ mon: CRM_MON_NOT_CONNECTED }) });
    const read = await pcsClusterProvider.read("cluster01", olds);
    expect(read.props).toMatchObject({ running: false });
  });
});

/**
 * The delete, run for real on both members (fake pcs, systemctl of test/fixtures/fake-tools.ts),
 * each in the cluster: corosync.conf and the CIB in place, pacemaker and corosync running.
 */
describe("PcsCluster: delete", () => {
  const CONF_PATH = "/etc/corosync/corosync.conf";
  const CIB_PATH = "/var/lib/pacemaker/cib/cib.xml";
  function members(): Record<string, FakeMachine> {
    const machines: Record<string, FakeMachine> = {};
    for (const address of [N1, N2]) {
      const m = fakeMachine(PCS_TOOLS, { paths: ["/etc/corosync", "/var/lib/pacemaker"] });
      m.env.FAKE_COROSYNC = m.at("/etc/corosync");
      m.env.FAKE_PACEMAKER = m.at("/var/lib/pacemaker");
      m.write(CONF_PATH, COROSYNC_CONF);
      m.write(CIB_PATH, "<cib/>\n");
      for (const svc of ["pacemaker", "corosync"]) m.state(`active.${svc}`, "");
      on(/[\s\S]*/, forReal(m), address);
      machines[address] = m;
    }
    return machines;
  }
  /** What is left of the cluster on a member: its files and running services. */
  const left = (m: FakeMachine | undefined) =>
    [CONF_PATH, CIB_PATH]
      .filter((f) => m?.read(f) !== undefined)
      .concat(["pacemaker", "corosync"].filter((s) => m?.stateOf(`active.${s}`) !== undefined));
  const FIX_END = "then run pulumi destroy again";
  let olds: Props;
  beforeEach(async () => {
    olds = await createdCluster();
  });

  test("each member destroys its cluster, checked gone", async () => {
    const machines = members();
    await pcsClusterProvider.delete("cluster01", olds);
    expect(steps().sort()).toEqual(["node01 destroy", "node02 destroy"]);
    for (const m of Object.values(machines)) {
      expect(left(m)).toEqual([]);
      expect(m.log()).toContain("pcs cluster destroy");
    }
  });

  test("a member in no cluster any more (no corosync.conf, no CIB): verified gone, nothing destroyed there", async () => {
    const machines = members();
    const m2 = machines[N2] as FakeMachine;
    for (const f of [CONF_PATH, CIB_PATH]) fs.rmSync(m2.at(f));
    await pcsClusterProvider.delete("cluster01", olds);
    expect(m2.log()).toEqual([]);
    expect(left(machines[N1])).toEqual([]);
  });

  test.each<[string, (m: FakeMachine) => void, string]>([
    [
      "pcs failing",
      (m) => m.state("destroy-fails", "Error: Unable to kill cluster services\n"),
      `pcs cluster destroy failed: Error: Unable to kill cluster services. Fix: see journalctl -u pacemaker -u corosync on the node, ${FIX_END}`,
    ],
    [
      "a service that does not stop",
      (m) => m.state("stuck.pacemaker", ""),
      `pcs cluster destroy left pacemaker running. Fix: systemctl stop pacemaker on the node, ${FIX_END}`,
    ],
    [
      "files pcs could not remove",
      (m) => m.state("keeps-files", ""),
      `pcs cluster destroy left ${CONF_PATH} ${CIB_PATH}. Fix: remove what is left on the node (rm -f), ${FIX_END}`,
    ],
  ])(
    "%s on node02 fails the delete naming it; node01 is destroyed all the same",
    async (_what, breakIt, says) => {
      const machines = members();
      breakIt(machines[N2] as FakeMachine);
      const err = await failureOf(pcsClusterProvider.delete("cluster01", olds));
      expect(err.message).toBe(`PcsCluster "dev-cluster-pcs": delete failed: on node02 (${N2}): ${says}`);
      expect(left(machines[N1])).toEqual([]);
      expect(left(machines[N2])).not.toEqual([]);
    },
  );

  test("both members failing: both named", async () => {
    const machines = members();
    for (const m of Object.values(machines)) m.state("stuck.corosync", "");
    const err = await failureOf(pcsClusterProvider.delete("cluster01", olds));
    expect(err.message).toContain(`on node01 (${N1}): pcs cluster destroy left corosync running`);
    expect(err.message).toContain(`on node02 (${N2}): pcs cluster destroy left corosync running`);
  });

  test("an unreachable member has nothing left to destroy there; the other is destroyed", async () => {
    const machines = members();
    lab.down = [N1];
    await expect(pcsClusterProvider.delete("cluster01", olds)).resolves.toBeUndefined();
    expect(steps()).toEqual(["node02 destroy"]);
    expect(left(machines[N1])).toEqual([CONF_PATH, CIB_PATH, "pacemaker", "corosync"]);
    expect(left(machines[N2])).toEqual([]);
  });
});
