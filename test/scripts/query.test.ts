/**
 * The pure functions of scripts/query.ts behind the test command's gates (skipped tests, coverage),
 * the e2e's checks (drift shown by a preview, the live CIB) and what a killed engine left on a stack.
 */
import * as fs from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import {
  backendDir,
  cibConstraintIds,
  cibExpectations,
  cibProblems,
  coverageBaseline,
  coverageByArea,
  coverageGate,
  driftCheck,
  engineLeftovers,
  engineLock,
  jestGate,
  jestNotRun,
  jestSummary,
  knownHosts,
  LAB_ENV_VARIABLES,
  labEnv,
  lbEnv,
  pendingOperations,
  processRunning,
  run,
  stackLockFiles,
} from "../../scripts/query";
import * as spec from "../../spec";
import { ultramonkeyConfig } from "../fixtures/ultramonkey";
import { ocfs2Config } from "../fixtures/ocfs2";
import { removeTempDirs, tempDir } from "../support/bash";

afterEach(removeTempDirs);

/** A `jest --json` results document with the given assertion statuses in one file. */
function jestResults(statuses: string[]) {
  const n = (s: string) => statuses.filter((x) => x === s).length;
  return {
    numTotalTests: statuses.length,
    numPassedTests: n("passed"),
    numFailedTests: n("failed"),
    numPendingTests: n("pending") + n("skipped"),
    numTodoTests: n("todo"),
    testResults: [
      {
        name: "/repo/test/a.test.ts",
        assertionResults: statuses.map((status, i) => ({
          status,
          fullName: `suite test ${i}`,
          title: `test ${i}`,
        })),
      },
    ],
  };
}

describe("jest gate", () => {
  test("the summary counts skipped and todo tests", () => {
    expect(jestSummary(jestResults(["passed", "pending", "todo"]), "r.json")).toBe(
      "1 passed, 0 failed, 1 skipped, 1 todo",
    );
    expect(() => jestSummary({ numPassedTests: 1 }, "r.json")).toThrow(
      /jest results r.json: no number numFailedTests/,
    );
  });

  test("passes a run where every test ran", () => {
    expect(jestGate(jestResults(["passed", "passed"]), "r.json")).toBe(
      "2 passed, 0 failed, 0 skipped, 0 todo",
    );
  });

  test("fails naming every skipped or todo test (a test.skip when a tool is missing, an .only elsewhere)", () => {
    const results = jestResults(["passed", "pending", "todo"]);
    expect(jestNotRun(results)).toEqual([
      "/repo/test/a.test.ts: suite test 1 (skipped)",
      "/repo/test/a.test.ts: suite test 2 (todo)",
    ]);
    expect(() => jestGate(results, "r.json")).toThrow(
      /1 passed, 0 failed, 1 skipped, 1 todo; every test must run:\n {2}\/repo\/test\/a.test.ts: suite test 1 \(skipped\)\n {2}\/repo\/test\/a.test.ts: suite test 2 \(todo\)/,
    );
  });

  test("fails on counts the per-test results do not explain, and on a run of no test", () => {
    const counted = { ...jestResults(["passed"]), numPendingTests: 2, testResults: [] };
    expect(() => jestGate(counted, "r.json")).toThrow(/2 skipped/);
    expect(() => jestGate(jestResults([]), "r.json")).toThrow(/no test ran/);
  });
});

describe("coverage gate", () => {
  const entry = (lines: [number, number], branches: [number, number]) => ({
    lines: { total: lines[0], covered: lines[1], pct: 0 },
    statements: { total: lines[0], covered: lines[1], pct: 0 },
    functions: { total: 10, covered: 5, pct: 50 },
    branches: { total: branches[0], covered: branches[1], pct: 0 },
  });
  const summary = {
    total: entry([400, 300], [100, 50]),
    "/repo/providers/a.ts": entry([100, 90], [40, 30]),
    "/repo/providers/core/b.ts": entry([100, 60], [10, 0]),
    "/repo/spec/c.ts": entry([200, 150], [50, 20]),
    "/repo/scripts/d.ts": entry([1000, 0], [10, 0]),
  };
  const baseline = coverageBaseline(
    {
      tolerance: 0.5,
      areas: {
        "providers/": { lines: 75, branches: 60, functions: 50, statements: 75 },
        "spec/": { lines: 75, branches: 40, functions: 50, statements: 75 },
      },
    },
    "b.json",
  );

  test("sums each area's files (not an average of averages) and ignores files outside them", () => {
    expect(coverageByArea(summary, "/repo", ["providers/", "spec/"], "s.json")).toEqual({
      "providers/": { lines: 75, branches: 60, functions: 50, statements: 75 },
      "spec/": { lines: 75, branches: 40, functions: 50, statements: 75 },
    });
  });

  test("an area without a measured file is an error (coverage not collected there)", () => {
    expect(() => coverageByArea(summary, "/repo", ["components/"], "s.json")).toThrow(
      /no file of components\/ was measured/,
    );
  });

  test("passes at the baseline and within the tolerance; fails below it on lines or branches", () => {
    const measured = coverageByArea(summary, "/repo", ["providers/", "spec/"], "s.json");
    expect(coverageGate(measured, baseline).problems).toEqual([]);
    const within = { ...measured, "spec/": { ...measured["spec/"], branches: 39.6 } };
    expect(coverageGate(within, baseline).problems).toEqual([]);
    const below = {
      "providers/": { ...measured["providers/"], lines: 74.4, functions: 10 },
      "spec/": { ...measured["spec/"], branches: 39.4 },
    };
    expect(coverageGate(below, baseline).problems).toEqual([
      "providers/ lines coverage 74.40% is below the baseline 75.00% by more than 0.5 points",
      "spec/ branches coverage 39.40% is below the baseline 40.00% by more than 0.5 points",
    ]);
    expect(coverageGate(measured, baseline).report[0]).toBe(
      "providers/  lines 75.00% (baseline 75.00), branches 60.00% (baseline 60.00), " +
        "functions 50.00% (baseline 50.00), statements 75.00% (baseline 75.00)",
    );
  });

  test("a baseline must hold percentages and a small tolerance", () => {
    expect(() => coverageBaseline({ tolerance: 10, areas: {} }, "b.json")).toThrow(/tolerance/);
    expect(() => coverageBaseline({ tolerance: 0.5, areas: {} }, "b.json")).toThrow(/at least one area/);
    expect(() =>
      coverageBaseline(
        { tolerance: 0.5, areas: { "spec/": { lines: 101, branches: 1, functions: 1, statements: 1 } } },
        "b.json",
      ),
    ).toThrow(/areas.spec\/.lines must be a percentage/);
  });
});

describe("drift shown by preview --refresh --json", () => {
  const urn = (type: string, name: string) => `urn:pulumi:e2e::kvm-ha-lab::kvmlab:lab:HaLab$${type}::${name}`;
  const preview = (steps: { op: string; name: string }[], diagnostics: unknown[] = []) => ({
    steps: steps.map((s) => ({ op: s.op, urn: urn("pulumi-nodejs:dynamic/kvmlab:X", s.name) })),
    diagnostics,
  });

  test("each named resource updated or replaced", () => {
    const p = preview([
      { op: "update", name: "e2e-node02-domain" },
      { op: "replace", name: "e2e-net-heartbeat-libvirt" },
      { op: "same", name: "e2e-node01-domain" },
    ]);
    expect(driftCheck(p, 0, ["e2e-node02-domain", "e2e-net-heartbeat-libvirt"], "d.json")).toEqual({
      shown: ["e2e-node02-domain: update", "e2e-net-heartbeat-libvirt: replace"],
      problems: [],
    });
  });

  test("a resource without an update — or only a prefix of its name planned — is not drift shown", () => {
    const p = preview([
      { op: "same", name: "e2e-gluster-volume" },
      { op: "update", name: "e2e-gluster-volume-x" },
    ]);
    expect(driftCheck(p, 0, ["e2e-gluster-volume", "e2e-iscsi-target"], "d.json").problems).toEqual([
      "e2e-gluster-volume: planned same, expected update or replace or create-replacement or delete-replacement",
      "e2e-iscsi-target: no step, expected update or replace or create-replacement or delete-replacement",
    ]);
  });

  test("NAME=OPS names the ops allowed instead (a resource the refresh found gone is created)", () => {
    const p = preview([{ op: "create", name: "e2e-gluster-volume" }]);
    expect(driftCheck(p, 0, ["e2e-gluster-volume=create"], "d.json").problems).toEqual([]);
    expect(driftCheck(p, 0, ["e2e-gluster-volume"], "d.json").problems).toHaveLength(1);
  });

  test("--only: any other resource planned to change is a problem (a change that must touch one resource)", () => {
    const p = preview([
      { op: "update", name: "e2e-ld1-domain" },
      { op: "same", name: "e2e-ld2-domain" },
      { op: "update", name: "e2e-lb-pacemaker" },
      { op: "create", name: "e2e-extra" },
    ]);
    expect(driftCheck(p, 0, ["e2e-ld1-domain"], "d.json", true)).toEqual({
      shown: ["e2e-ld1-domain: update"],
      problems: [
        "e2e-lb-pacemaker: planned update, expected no change",
        "e2e-extra: planned create, expected no change",
      ],
    });
    expect(driftCheck(p, 0, ["e2e-ld1-domain"], "d.json").problems).toEqual([]);
  });

  test("a failed preview or an error diagnostic is not drift shown, even with the expected steps", () => {
    // What `preview --expect-no-changes` failing used to accept: a read that crashes.
    const crashed = preview(
      [{ op: "update", name: "e2e-svc-service01-group" }],
      [{ urn: urn("X", "e2e-cluster-pcs"), severity: "error", message: "read: cibadmin: not found\n" }],
    );
    expect(driftCheck(crashed, 255, ["e2e-svc-service01-group"], "d.json").problems).toEqual([
      "pulumi preview exited with status 255",
      `error diagnostic on ${urn("X", "e2e-cluster-pcs")}: read: cibadmin: not found`,
    ]);
    expect(driftCheck({}, 0, ["x"], "d.json").problems[0]).toBe(
      "d.json: no steps (not the JSON of a preview)",
    );
  });
});

describe("the live CIB", () => {
  const cib = (extra: {
    db?: string;
    fence?: string;
    constraints?: string;
    stonith?: string;
    ip?: boolean;
  }) => `<cib>
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="${extra.stonith ?? "true"}"/>
      </cluster_property_set>
    </crm_config>
    <resources>
      <primitive id="kvmhost01" class="stonith" type="fence_virsh">${extra.fence ?? ""}</primitive>
      <group id="service01">
        ${extra.ip === false ? "" : '<primitive id="service01-ip" class="ocf" provider="heartbeat" type="IPaddr2"/>'}
        <primitive id="service01-db" class="ocf" provider="heartbeat" type="pgsql">${extra.db ?? ""}</primitive>
      </group>
    </resources>
    <constraints>
      <rsc_order id="order-1" first="a" then="b"/>
      ${extra.constraints ?? ""}
    </constraints>
  </configuration>
  <status><node_state id="1"><lrm><lrm_resources><lrm_resource id="service01-ip"/></lrm_resources></lrm></node_state></status>
</cib>`;
  const stopped =
    '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/></meta_attributes>';

  test("constraint ids", () => {
    expect(
      cibConstraintIds(cib({ constraints: '<rsc_location id="location-service01-node02h-500"/>' }), "c.xml"),
    ).toEqual(["order-1", "location-service01-node02h-500"]);
  });

  test("the repaired CIB meets what the e2e expects", () => {
    const repaired = cib({});
    expect(
      cibProblems(
        repaired,
        cibExpectations([
          "--started",
          "service01-db",
          "--started",
          "kvmhost01",
          "--property",
          "stonith-enabled=true",
          "--absent",
          "location-service01-node02h-500",
          "--member",
          "service01:service01-ip",
        ]),
        "c.xml",
      ),
    ).toEqual([]);
  });

  test("each drift of the e2e is seen", () => {
    const drifted = cib({
      db: stopped,
      fence: stopped,
      stonith: "false",
      constraints:
        '<rsc_location id="location-service01-node02h-500" rsc="service01" node="node02h" score="500"/>',
      ip: false,
    });
    expect(
      cibProblems(
        drifted,
        {
          started: ["service01-db", "kvmhost01"],
          properties: ["stonith-enabled=true"],
          absent: ["location-service01-node02h-500"],
          members: ["service01:service01-ip"],
        },
        "c.xml",
      ),
    ).toEqual([
      "service01-db: its target-role is Stopped",
      "kvmhost01: its target-role is Stopped",
      "constraint location-service01-node02h-500 is still there",
      "property stonith-enabled is false, not true",
      // Only its status entry is left: that is not a configured resource.
      "service01-ip: not configured",
    ]);
    expect(cibProblems(drifted, { stopped: ["service01-db"], missing: ["service01-ip"] }, "c.xml")).toEqual(
      [],
    );
  });

  test("a stopped group stops its members; an unset property is not the value asked for", () => {
    const groupStopped = cib({}).replace('<group id="service01">', `<group id="service01">${stopped}`);
    expect(cibProblems(groupStopped, { started: ["service01-db"] }, "c.xml")).toEqual([
      "service01-db: its group service01's target-role is Stopped",
    ]);
    const unset = cib({}).replace(/<nvpair id="o1"[^>]*\/>/, "");
    expect(cibProblems(unset, { properties: ["stonith-enabled=true"] }, "c.xml")).toEqual([
      "property stonith-enabled is unset, not true",
    ]);
  });

  test("what is not a CIB, or not XML, is an error", () => {
    expect(() => cibProblems("<cib><status/></cib>", { started: ["x"] }, "c.xml")).toThrow(/not a CIB/);
    expect(() => cibProblems("<cib><configuration>", { started: ["x"] }, "c.xml")).toThrow(
      /not well-formed XML/,
    );
    expect(() => cibExpectations(["--started"])).toThrow(/VALUE pairs/);
    expect(() => cibExpectations(["--enabled", "x"])).toThrow(/VALUE pairs/);
  });

  test("the command line", async () => {
    await expect(run(["drift-check", "d.json", "x"])).rejects.toThrow(
      /drift-check: expected PREVIEW_JSON STATUS/,
    );
    await expect(run(["cib-check", "c.xml"])).rejects.toThrow(/cib-check: expected CIB_FILE/);
  });
});

describe("the load balancer's variables (lab-env)", () => {
  test("the ultramonkey lab: the VIP, its network, the directors and real servers, the pacemaker ids", () => {
    const ultramonkey = spec.parseLabSpec(ultramonkeyConfig());
    const env = labEnv(
      ultramonkey,
      { domainNames: { ld1: "um-ld1", ld2: "um-ld2" } },
      spec,
      "Pulumi.ultramonkey.yaml",
    );
    expect(lbEnv(ultramonkey, undefined, spec, (n) => `mgmt-of-${n}`)).toMatchObject({
      LAB_LB_DIRECTOR_ADDRESSES: ["mgmt-of-ld1", "mgmt-of-ld2"],
      LAB_LB_REAL_ADDRESSES: ["mgmt-of-fe1", "mgmt-of-fe2"],
    });
    const lb = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("LAB_LB_")));
    expect(lb).toEqual({
      LAB_LB_VIP: "192.168.5.55",
      LAB_LB_PORT: "80",
      LAB_LB_SCHEDULER: "rr",
      LAB_LB_CHECK_PAGE: "haCheker/haCheck.html",
      LAB_LB_CHECK_PATH: "/var/www/html/haCheker/haCheck.html",
      LAB_LB_CHECK_TEXT: "up and running",
      LAB_LB_CHECK_SECONDS: "15",
      LAB_LB_HOST_ADDRESS: "192.168.5.1",
      LAB_LB_BRIDGE: "ultramonkey-svc",
      LAB_LB_PING_TARGETS: ["192.168.5.1"],
      LAB_LB_DIRECTORS: ["ld1", "ld2"],
      LAB_LB_DIRECTOR_ADDRESSES: ["192.168.15.35", "192.168.15.45"],
      LAB_LB_DIRECTOR_DOMAINS: ["um-ld1", "um-ld2"],
      LAB_LB_DIRECTOR_CLUSTER_NODES: ["ld1h", "ld2h"],
      LAB_LB_DIRECTOR_SERVICE_MACS: ultramonkey.nodes
        .slice(0, 2)
        .map((n) => spec.interfaceOn(n, "service").mac),
      LAB_LB_REAL_SERVERS: ["fe1", "fe2"],
      LAB_LB_REAL_ADDRESSES: ["192.168.15.33", "192.168.15.43"],
      LAB_LB_REAL_SERVICE_ADDRESSES: ["192.168.5.33", "192.168.5.43"],
      LAB_LB_GROUP: "GrpBalancer",
      LAB_LB_VIPCHECK_RESOURCE: "VIPCHK1",
      LAB_LB_VIP_RESOURCE: "LB_VIP",
      LAB_LB_LDIRECTORD_RESOURCE: "LDIRECTOR1",
      LAB_LB_PING_CLONE: "PINGD-clone",
      LAB_LB_PING_ATTRIBUTE: "pingd_score",
      LAB_LB_CONSTRAINTS: [
        "location-GrpBalancer-pingd",
        "GrpBalancer-with-PINGD",
        "order-PINGD-then-GrpBalancer",
      ],
    });
    expect(Object.keys(env)).toEqual(Object.keys(LAB_ENV_VARIABLES));
    // Real servers have no heartbeat NIC and no cluster name: only the members are listed.
    expect(env.LAB_CLUSTER_NODES).toEqual(["ld1h", "ld2h"]);
    expect(env.LAB_NODES).toEqual(["ld1", "ld2", "fe1", "fe2"]);
  });

  test("the ocfs2 lab's o2cb cluster and volume; a lab without one: every variable empty", () => {
    const env = labEnv(spec.parseLabSpec(ocfs2Config()), undefined, spec, "Pulumi.ocfs2.yaml");
    expect(Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("LAB_OCFS2_")))).toEqual({
      LAB_OCFS2_CLUSTER: "ocfs2",
      LAB_OCFS2_MOUNT: "/srv/ocfs2",
      LAB_OCFS2_LABEL: "ocfs2-ocfs2",
      LAB_OCFS2_DEVICE:
        "/dev/disk/by-path/ip-192.168.13.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:ocfs2-tgt01-lun-3",
      LAB_OCFS2_SLOTS: "4",
      LAB_OCFS2_DEAD_SECONDS: "60",
      LAB_OCFS2_NODES: ["vm-host03", "vm-host02", "vm-host04"],
      LAB_OCFS2_NUMBERS: ["0", "1", "2"],
      LAB_OCFS2_ADDRESSES: ["192.168.13.153", "192.168.13.152", "192.168.13.154"],
      LAB_OCFS2_DOMAINS: ["ocfs2-vm-host03", "ocfs2-vm-host02", "ocfs2-vm-host04"],
    });
    const none = labEnv(spec.parseLabSpec({ name: "dev" }), undefined, spec, "Pulumi.dev.yaml");
    for (const [name, value] of Object.entries(none).filter(([k]) => k.startsWith("LAB_OCFS2_")))
      expect([name, value]).toEqual([name, Array.isArray(value) ? [] : ""]);
  });

  test("the host's daemon mode and libvirt URI; each node's heartbeat address (none for a real server or a lab without that network)", () => {
    const dev = labEnv(spec.parseLabSpec({ name: "dev" }), undefined, spec, "Pulumi.dev.yaml");
    expect([dev.LAB_HOST_DAEMON, dev.LAB_LIBVIRT_URI, dev.LAB_HEARTBEAT_ADDRESSES]).toEqual([
      "managed",
      "qemu:///system",
      ["192.168.9.121", "192.168.9.122"],
    ]);
    const um = labEnv(spec.parseLabSpec(ultramonkeyConfig()), undefined, spec, "Pulumi.ultramonkey.yaml");
    expect(um.LAB_HEARTBEAT_ADDRESSES).toEqual(["192.168.16.35", "192.168.16.45", "", ""]);
    const noHeartbeat = spec.parseLabSpec({
      name: "x",
      layers: "substrate",
      networks: [
        { name: "service", role: "service", cidr: "192.168.17.0/24" },
        { name: "management", role: "management", cidr: "192.168.18.0/24" },
      ],
      cluster: { links: ["service", "management"] },
    });
    expect(labEnv(noHeartbeat, undefined, spec, "f").LAB_HEARTBEAT_ADDRESSES).toEqual([]);
  });

  test("a lab without a load balancer: every variable empty", () => {
    const env = labEnv(spec.parseLabSpec({ name: "dev" }), undefined, spec, "Pulumi.dev.yaml");
    const lb = Object.entries(env).filter(([k]) => k.startsWith("LAB_LB_"));
    expect(lb.length).toBe(25);
    for (const [name, value] of lb) expect([name, value]).toEqual([name, Array.isArray(value) ? [] : ""]);
  });
});

describe("known-hosts", () => {
  const DYN = "pulumi-nodejs:dynamic/kvmlab";
  const ready = (name: string, address: string, hostKey: unknown, port = 22) => ({
    urn: `urn:pulumi:dev::kvm-ha-lab::kvmlab:node:ClusterNode$${DYN}:NodeReady::dev-${name}-ready`,
    type: `${DYN}:NodeReady`,
    outputs: {
      node: { address, port, user: "root" },
      hostKey,
      bootId: "b",
      sshPrivateKey: { ciphertext: "x" },
    },
  });
  const exported = (...resources: unknown[]) => ({ version: 3, deployment: { resources } });

  test("one line per node: its address and the generated key every connection pins (comment dropped)", () => {
    const doc = exported(
      {
        urn: "urn:…SshKeyPair::dev-root-key",
        type: `${DYN}:SshKeyPair`,
        outputs: { publicKey: "ssh-ed25519 ROOT r" },
      },
      ready("node01", "192.168.8.121", "ssh-ed25519 AAAAnode01 host@node01"),
      ready("node02", "192.168.8.122", "ssh-ed25519 AAAAnode02 host@node02", 2222),
    );
    expect(knownHosts(doc)).toEqual([
      "192.168.8.121 ssh-ed25519 AAAAnode01",
      "[192.168.8.122]:2222 ssh-ed25519 AAAAnode02",
    ]);
  });

  test("a stack without nodes, or a node without its key in the state, is an error naming the fix", () => {
    expect(() => knownHosts(exported())).toThrow(
      "the stack has no node (NodeReady) in its state: run up first",
    );
    expect(() => knownHosts({})).toThrow("run up first");
    expect(() => knownHosts(exported(ready("node01", "192.168.8.121", undefined)))).toThrow(
      /NodeReady::dev-node01-ready: no node address or host key in its state: run up first$/,
    );
  });
});

describe("engine-leftovers (what a killed engine left on a stack)", () => {
  const URN =
    "urn:pulumi:dev::kvm-ha-lab::kvmlab:cluster:HaCluster$pulumi-nodejs:dynamic:Resource::dev-cluster-pcs";
  const NEW =
    "urn:pulumi:dev::kvm-ha-lab::kvmlab:node:ClusterNode$pulumi-nodejs:dynamic:Resource::dev-node03-ready";
  /** `pulumi stack export` with the pending operations given. */
  const exported = (ops?: { type: string; urn: string }[]) => ({
    version: 3,
    deployment: {
      manifest: { time: "2026-11-27T21:40:12Z" },
      resources: [],
      ...(ops === undefined
        ? {}
        : { pending_operations: ops.map((o) => ({ resource: { urn: o.urn }, type: o.type })) }),
    },
  });
  /** A diy backend directory with lock files of the stack dev (project layout) and of another stack. */
  function backend(locks: Record<string, unknown>): string {
    const dir = tempDir("kvmlab-backend-");
    const stackLocks = path.join(dir, ".pulumi", "locks", "organization", "kvm-ha-lab", "dev");
    fs.mkdirSync(stackLocks, { recursive: true });
    for (const [name, content] of Object.entries(locks)) {
      fs.writeFileSync(path.join(stackLocks, name), JSON.stringify(content));
    }
    const other = path.join(dir, ".pulumi", "locks", "organization", "kvm-ha-lab", "staging");
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, "x.json"), "{}");
    return dir;
  }

  test("the pending operations of an export; none, also before the first deployment; what is no export is an error", () => {
    expect(pendingOperations(exported([{ type: "updating", urn: URN }]), "e.json")).toEqual([
      { type: "updating", urn: URN },
    ]);
    expect(pendingOperations(exported(), "e.json")).toEqual([]);
    // A stack never deployed (its first up).
    expect(pendingOperations({ version: 3, deployment: null }, "e.json")).toEqual([]);
    expect(() => pendingOperations([], "e.json")).toThrow("stack export e.json: not a stack export");
    expect(() => pendingOperations({ version: 3, deployment: "x" }, "e.json")).toThrow(
      "stack export e.json: deployment is not an object",
    );
  });

  test("the backend's directory (file:// only, ~ is HOME) and the stack's lock files in both layouts", () => {
    expect(backendDir("file://~/.cache/kvm-ha-lab/state", "/root")).toBe("/root/.cache/kvm-ha-lab/state");
    expect(backendDir("file:///var/lib/state/", "/root")).toBe("/var/lib/state");
    expect(backendDir("https://api.pulumi.com", "/root")).toBeUndefined();
    const dir = backend({ "a.json": { pid: 1 }, "notes.txt": "x" });
    const legacy = path.join(dir, ".pulumi", "locks", "dev");
    fs.mkdirSync(legacy);
    fs.writeFileSync(path.join(legacy, "b.json"), "{}");
    expect(stackLockFiles(dir, "dev")).toEqual([
      path.join(legacy, "b.json"),
      path.join(dir, ".pulumi", "locks", "organization", "kvm-ha-lab", "dev", "a.json"),
    ]);
    expect(stackLockFiles(tempDir("kvmlab-empty-"), "dev")).toEqual([]);
  });

  test("a lock's engine: running or not on this host, unknown on another one", () => {
    const text = (pid: number, host: string) =>
      JSON.stringify({ pid, username: "root", hostname: host, timestamp: "2026-11-27T21:40:12Z" });
    const running = (pid: number) => pid === 4242;
    expect(engineLock("l.json", text(4242, "lab"), "lab", running)).toEqual({
      file: "l.json",
      pid: 4242,
      username: "root",
      hostname: "lab",
      timestamp: "2026-11-27T21:40:12Z",
      running: true,
    });
    expect(engineLock("l.json", text(4343, "lab"), "lab", running).running).toBe(false);
    expect(engineLock("l.json", text(4242, "other"), "lab", running).running).toBeUndefined();
    expect(engineLock("l.json", "not json", "lab", running)).toEqual({ file: "l.json" });
    expect(processRunning(process.pid)).toBe(true);
  });

  test("a killed engine's lock: blocked, with the exact command spelled the tool's way", () => {
    const lock = { file: "L", pid: 4242, username: "root", hostname: "lab", timestamp: "T", running: false };
    expect(engineLeftovers("dev", [], [lock], { via: "npm run lab -- pulumi" })).toEqual({
      blocked: true,
      report: [
        "the stack dev is locked by a pulumi that no longer runs (pid 4242 of root@lab since T; lock L): it " +
          "was killed mid-run, and the engine keeps its lock until it is cancelled",
        "  Fix: npm run lab -- pulumi cancel --yes --stack dev",
      ],
    });
    // A running engine's lock: wait, nothing to run; another host's: the command, once it has ended.
    const live = engineLeftovers("dev", [], [{ ...lock, running: true }]);
    expect(live.blocked).toBe(true);
    expect(live.report.join("\n")).toMatch(
      /is being changed by pulumi .*: wait until it ends, or stop it \(kill 4242\)/,
    );
    expect(live.report.join("\n")).not.toContain("Fix:");
    const far = engineLeftovers("dev", [], [{ ...lock, running: undefined }]);
    expect(far.report[1]).toBe("  Fix: pulumi cancel --yes --stack dev");
  });

  test("pending operations: a create blocks an update until cleared; others are only shown", () => {
    const creating = engineLeftovers(
      "dev",
      [
        { type: "creating", urn: NEW },
        { type: "updating", urn: URN },
      ],
      [],
      { forUpdate: true },
    );
    expect(creating.blocked).toBe(true);
    expect(creating.report[0]).toBe(
      "the interrupted update left 2 pending operation(s) in the state of dev:",
    );
    expect(creating.report.slice(1, 3)).toEqual([`  creating ${NEW}`, `  updating ${URN}`]);
    expect(creating.report[creating.report.length - 1]).toBe(
      "  Fix: pulumi refresh --clear-pending-creates --yes --non-interactive --stack dev",
    );
    // Not before a refresh or destroy (no --for-update): shown with its fix, nothing blocked.
    expect(engineLeftovers("dev", [{ type: "creating", urn: NEW }], []).blocked).toBe(false);
    const updating = engineLeftovers("dev", [{ type: "updating", urn: URN }], [], { forUpdate: true });
    expect(updating.blocked).toBe(false);
    expect(updating.report.join("\n")).not.toContain("Fix:");
    expect(updating.report[2]).toMatch(/^the next up --refresh reads these resources again/);
    expect(engineLeftovers("dev", [], [], { forUpdate: true })).toEqual({ report: [], blocked: false });
  });

  test("the command line: the lock of a dead engine fails with the fix; a clean stack prints nothing", async () => {
    const dead = backend({
      "k.json": { pid: 2 ** 22 + 12345, username: "root", hostname: hostname(), timestamp: "T" },
    });
    const exportFile = path.join(tempDir("kvmlab-export-"), "export.json");
    fs.writeFileSync(exportFile, JSON.stringify(exported([{ type: "updating", urn: URN }])));
    await expect(
      run([
        "engine-leftovers",
        "dev",
        exportFile,
        `file://${dead}`,
        "--via",
        "npm run lab -- pulumi",
        "--for-update",
      ]),
    ).rejects.toThrow(/no longer runs[^]*\n {2}Fix: npm run lab -- pulumi cancel --yes --stack dev\n/);
    fs.writeFileSync(exportFile, JSON.stringify(exported()));
    await expect(
      run(["engine-leftovers", "dev", exportFile, `file://${tempDir("kvmlab-clean-")}`]),
    ).resolves.toBe("");
    await expect(run(["engine-leftovers", "dev", exportFile])).rejects.toThrow(
      /expected STACK EXPORT BACKEND_URL/,
    );
    await expect(run(["engine-leftovers", "dev", exportFile, "file:///x", "--force"])).rejects.toThrow(
      /unknown option --force/,
    );
  });
});
