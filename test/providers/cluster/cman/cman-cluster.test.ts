/**
 * Unit tests of the CmanCluster provider against fake RHEL 6 nodes on the fake lab
 * (test/support/fake-lab.ts): every script of the provider (ricci, boot, probe, validate, write,
 * reload, delete) runs for real with bash on each node's fake machine, against fake `id`, `passwd`,
 * `chkconfig`, `service`, `cman_tool` and `ccs_config_validate` that answer and fail as the RHEL 6
 * tools do (test/fixtures/fake-tools.ts), with /etc/cluster moved into the node's sandbox. Every
 * script is recorded with its node and options, so the tests check the order of the steps, where
 * the password travels, the config_version decisions, and what the provider reports when a tool
 * fails. RHEL 6 guests are not available here: this is the provider's only test.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, type Call, type FakeMachine } from "../../../support/fake-lab";
import { RESOURCE_NAME_KEY, type Props } from "../../../../providers/core/base";
import {
  bootScript,
  cmanClusterProvider,
  deleteScript,
  parseProbe,
  planConfigVersion,
  probeScript,
  readProbeScript,
  reloadScript,
  ricciScript,
  validateConfScript,
  writeConfScript,
} from "../../../../providers/cluster/cman/cman-cluster";
import {
  CLUSTER_CONF_PATH,
  clusterConfFromModel,
  configVersionOf,
  renderClusterConf,
  setConfigVersion,
  type ClusterConfModel,
} from "../../../../providers/cluster/cman/cluster-conf";
import { addFakes, bashSyntaxCheck, failingTool } from "../../../support/bash";
import { checked, failureOf } from "../../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../../fixtures/lab";
import { CMAN_TOOLS } from "../../../fixtures/fake-tools";
import { seedModel } from "./fixtures";

// ---------------------------------------------------------------------------------------------
// Fake nodes

/**
 * A fake RHEL 6 node: a fake machine with cman's, ricci's and chkconfig's tools
 * (test/fixtures/fake-tools.ts) and /etc/cluster moved into its sandbox. Every script of the
 * provider runs there for real; this is the node's state as those tools keep it.
 */
class FakeNode {
  readonly machine: FakeMachine;

  constructor() {
    // RHEL 6 has `python` (2.6), no python3: the real interpreter stands in for it.
    this.machine = fakeMachine(
      { ...CMAN_TOOLS, python: 'exec /usr/bin/python3 "$@"' },
      {
        paths: [CLUSTER_DIR, SHADOW],
        reads: ["/var/log/messages", "/var/log/cluster/corosync.log"],
      },
    );
    this.machine.env.FAKE_CLUSTER_CONF = this.machine.at(CLUSTER_CONF_PATH);
    // ricci as the package creates it: locked until its password is set.
    this.machine.env.FAKE_SHADOW = this.machine.at(SHADOW);
    this.machine.write(SHADOW, "root:*:15000:0:99999:7:::\nricci:!!:15000::::::\n");
    for (const name of ["ricci-user", "installed.ricci", "installed.cman", "installed.rgmanager"])
      this.machine.state(name, "");
  }

  /** /etc/cluster/cluster.conf, undefined when the node has none. */
  get conf(): string | undefined {
    return this.machine.read(CLUSTER_CONF_PATH);
  }

  set conf(conf: string | undefined) {
    if (conf === undefined) fs.rmSync(this.machine.at(CLUSTER_CONF_PATH), { force: true });
    else this.machine.write(CLUSTER_CONF_PATH, conf);
  }

  /** cman runs (started with the node's current cluster.conf). */
  get cmanRunning(): boolean {
    return this.machine.stateOf("cman-running") !== undefined;
  }

  set cmanRunning(running: boolean) {
    this.machine.state("cman-running", running ? "" : undefined);
    this.machine.state("cman-version", running ? `${configVersionOf(this.conf ?? "") ?? 0}\n` : undefined);
  }

  get ricciRunning(): boolean {
    return this.machine.stateOf("ricci-running") !== undefined;
  }

  set ricciRunning(running: boolean) {
    this.machine.state("ricci-running", running ? "" : undefined);
  }

  /** The password `passwd --stdin ricci` set. */
  get ricciPassword(): string | undefined {
    return this.machine.stateOf("ricci-password")?.replace(/\n$/, "");
  }

  /** chkconfig state of cman (rgmanager always the same). */
  get boot(): string | undefined {
    const cman = this.machine.stateOf("chkconfig.cman")?.trim();
    expect(this.machine.stateOf("chkconfig.rgmanager")?.trim()).toBe(cman);
    return cman;
  }

  /** ccs_config_validate rejects every file (Relax-NG errors). */
  set rejects(rejects: boolean) {
    this.machine.state("validate-rejects", rejects ? "" : undefined);
  }

  /** The config version cman runs with. */
  get runningVersion(): number | undefined {
    const v = this.machine.stateOf("cman-version");
    return v === undefined ? undefined : Number(v);
  }
}

/** The directory of cluster.conf, moved into each fake node's sandbox. */
const CLUSTER_DIR = "/etc/cluster";

/** The node's shadow file (ricci's password hash), moved into its sandbox. */
const SHADOW = "/etc/shadow";

/** The step a script is (by identity with the exported builders). */
type Step = "ricci" | "boot" | "probe" | "validate" | "write" | "reload" | "delete";

const N1 = nodeAccess(1).address;
const N2 = nodeAccess(2).address;

/** The fake nodes by address (unreachable ones are listed in `lab.down`). */
let nodes: Record<string, FakeNode> = {};

function stepOf(script: string): Step {
  if (script === ricciScript()) return "ricci";
  if (script === bootScript(true) || script === bootScript(false)) return "boot";
  if (script === probeScript() || script === readProbeScript()) return "probe";
  if (script === validateConfScript()) return "validate";
  if (script === writeConfScript()) return "write";
  if (script === deleteScript()) return "delete";
  if (/^[\s\S]*cman_tool version -r -S/.test(script)) return "reload";
  throw new Error(`unexpected script:\n${script}`);
}

beforeEach(() => {
  nodes = { [N1]: new FakeNode(), [N2]: new FakeNode() };
  for (const [address, node] of Object.entries(nodes)) on(/[\s\S]*/, forReal(node.machine), address);
});

/** The files a fake node has in /etc/cluster besides cluster.conf (left-over temporary files). */
function leftovers(address: string): string[] {
  const dir = nodes[address]?.machine.at(CLUSTER_DIR) ?? "";
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== "cluster.conf") : [];
}

/** The recorded steps as `host step` strings, in order. */
function steps(): string[] {
  return lab.calls.map((c) => `${c.where === N1 ? "node01" : "node02"} ${stepOf(c.script)}`);
}

/** The recorded calls of one step. */
function callsOf(step: Step): Call[] {
  return lab.calls.filter((c) => stepOf(c.script) === step);
}

// ---------------------------------------------------------------------------------------------
// Inputs

const PASSWORD = "Ricci-Secret-4242xyz";

/** Seed 001's cluster (one ring, multicast, its fence device) with `tokenMs`, without services or a version. */
function model(tokenMs = 20000): ClusterConfModel {
  return {
    ...seedModel,
    cluster: { ...seedModel.cluster, tokenMs },
    services: [],
    configVersion: undefined,
  };
}

/** Member i (1 or 2) as the component passes it: reached on management, heartbeat as link 0. */
function member(i: 1 | 2, nodeId: number = i): Props {
  return {
    name: `node0${i}`,
    nodeId,
    access: nodeAccess(i),
    linkAddresses: [`192.168.9.12${i}`],
    linkHostnames: [`node0${i}h`],
  };
}

function raw(tokenMs = 20000, extra: Props = {}): Props {
  return {
    name: "cluster01",
    transport: "udp",
    tokenMs,
    twoNode: true,
    startAtBoot: false,
    members: [member(1), member(2)],
    sshPrivateKey: PROGRAM_KEY,
    ricciPassword: PASSWORD,
    expectedVotes: 1,
    clusterConf: renderClusterConf(clusterConfFromModel(model(tokenMs))),
    [RESOURCE_NAME_KEY]: "lab-cluster-cman",
    ...extra,
  };
}

/** The checked inputs of `news`. */
const inputsOf = (news: Props) => checked(cmanClusterProvider, news);

/** Creates the cluster on fresh nodes and returns its outputs (calls cleared afterwards). */
async function created(tokenMs = 20000): Promise<Props> {
  const { outs } = await cmanClusterProvider.create(await inputsOf(raw(tokenMs)));
  lab.calls = [];
  return outs;
}

// ---------------------------------------------------------------------------------------------

describe("CmanCluster: create", () => {
  test("fresh nodes: ricci, boot, probe per node; validate on every node before any write; no reload", async () => {
    const { id, outs } = await cmanClusterProvider.create(await inputsOf(raw()));
    expect(id).toBe("cman:cluster01");
    expect(outs.configVersion).toBe(1);
    expect(steps()).toEqual([
      "node01 ricci",
      "node01 boot",
      "node01 probe",
      "node02 ricci",
      "node02 boot",
      "node02 probe",
      "node01 validate",
      "node02 validate",
      "node01 write",
      "node02 write",
    ]);
    const expected = setConfigVersion(raw().clusterConf as string, 1);
    for (const host of [N1, N2]) {
      expect(nodes[host]?.conf).toBe(expected);
      expect(nodes[host]?.boot).toBe("off");
      expect(nodes[host]?.ricciPassword).toBe(PASSWORD);
    }
  });

  test("the ricci password travels only on stdin, marked sensitive — never in a command or env", async () => {
    await cmanClusterProvider.create(await inputsOf(raw()));
    for (const call of lab.calls) {
      expect(call.script).not.toContain(PASSWORD);
      expect(JSON.stringify(call.opts.env ?? {})).not.toContain(PASSWORD);
    }
    const ricci = callsOf("ricci");
    expect(ricci).toHaveLength(2);
    for (const call of ricci) {
      expect(call.opts.stdin).toBe(`${PASSWORD}\n`);
      expect(call.opts.sensitive).toEqual([PASSWORD]);
      expect(call.script).toMatch(/passwd --stdin ricci/);
      expect(call.script).toMatch(/chkconfig ricci on/);
    }
    // The password reaches no other step's stdin either.
    for (const call of lab.calls.filter((c) => stepOf(c.script) !== "ricci")) {
      expect(String(call.opts.stdin ?? "")).not.toContain(PASSWORD);
      expect(Buffer.from(String(call.opts.stdin ?? ""), "base64").toString("utf8")).not.toContain(PASSWORD);
    }
  });

  test("startAtBoot true turns cman and rgmanager on at boot", async () => {
    await cmanClusterProvider.create(await inputsOf(raw(20000, { startAtBoot: true })));
    expect(nodes[N1]?.boot).toBe("on");
    expect(bootScript(true)).toMatch(/chkconfig "\$svc" on/);
    expect(bootScript(false)).toMatch(/chkconfig "\$svc" off/);
    expect(bootScript(false)).toMatch(/for svc in cman rgmanager/);
  });

  test("ccs_config_validate rejects the file on node02: error names node02, no node's file replaced", async () => {
    const old = setConfigVersion(renderClusterConf(clusterConfFromModel(model(10000))), 4);
    for (const node of [nodes[N1]!, nodes[N2]!]) {
      node.conf = old;
      node.cmanRunning = true;
    }
    nodes[N2]!.rejects = true;
    await expect(cmanClusterProvider.create(await inputsOf(raw()))).rejects.toThrow(
      'CmanCluster "lab-cluster-cman": create failed: on node02 (192.168.8.122): the new cluster.conf does not pass ' +
        "ccs_config_validate (Relax-NG validity error : Extra element fencedevices in interleave " +
        "tempfile:22: element fencedevices: Relax-NG validity error : Element cluster failed to validate content " +
        "Configuration fails to validate); the node keeps its current /etc/cluster/cluster.conf. " +
        "Fix: correct the lab's cluster, fencing or services config",
    );
    expect(nodes[N1]?.conf).toBe(old);
    expect(nodes[N2]?.conf).toBe(old);
    // The temporary files went with the failed validation; cman still runs the old version.
    expect([...leftovers(N1), ...leftovers(N2)]).toEqual([]);
    expect(nodes[N1]?.runningVersion).toBe(4);
    expect(steps().filter((s) => /validate|write|reload/.test(s))).toEqual([
      "node01 validate",
      "node02 validate",
    ]);
  });

  test.each<[string, (node: FakeNode) => void, string]>([
    [
      "no ricci user",
      (node) => node.machine.state("ricci-user", undefined),
      "the ricci user does not exist. Fix: install ricci (yum install ricci, RHEL 6 High Availability Add-On) on the node",
    ],
    [
      "PAM refusing the ricci password",
      (node) => node.machine.state("passwd-rejects", ""),
      "setting the ricci password failed. Fix: check the node's password rules (PAM) for the generated password",
    ],
    [
      "ricci not starting",
      (node) =>
        addFakes(node.machine.fake, {
          service: `if [ "$1 $2" = "ricci start" ]; then echo "Starting ricci: [FAILED]"; exit 1; fi\n${CMAN_TOOLS.service}`,
        }),
      "ricci does not start. Fix: see /var/log/messages on the node",
    ],
    [
      "cman not installed",
      (node) => node.machine.state("installed.cman", undefined),
      "the cman service is not installed. Fix: yum install cman rgmanager on the node",
    ],
    [
      "ccs_config_validate missing",
      (node) => fs.rmSync(`${node.machine.fake.bin}/ccs_config_validate`),
      "ccs_config_validate is missing. Fix: yum install cman on the node",
    ],
  ])(
    "%s on node02: the create fails naming node02 and the fix; no node's file replaced",
    async (_label, breakIt, problem) => {
      breakIt(nodes[N2]!);
      const err = await failureOf(cmanClusterProvider.create(await inputsOf(raw())));
      expect(err.message).toBe(
        `CmanCluster "lab-cluster-cman": create failed: on node02 (192.168.8.122): ${problem}`,
      );
      expect(err.message).not.toContain(PASSWORD);
      expect(nodes[N1]?.conf).toBeUndefined();
      expect(nodes[N2]?.conf).toBeUndefined();
      expect([...leftovers(N1), ...leftovers(N2)]).toEqual([]);
    },
  );

  test("the write failing on node02 (mv): reported naming node02; node01 has the new file, node02 its old one", async () => {
    const old = setConfigVersion(renderClusterConf(clusterConfFromModel(model(10000))), 4);
    nodes[N1]!.conf = old;
    nodes[N2]!.conf = old;
    addFakes(nodes[N2]!.machine.fake, {
      mv: failingTool(
        "mv",
        "mv: cannot move '.cluster.conf.kvmlab' to '/etc/cluster/cluster.conf': Read-only file system",
      ),
    });
    const err = await failureOf(cmanClusterProvider.create(await inputsOf(raw())));
    expect(err.message).toMatch(
      /^CmanCluster "lab-cluster-cman": create failed: .*192\.168\.8\.122.*exit code 1/,
    );
    expect(err.message).toContain("Read-only file system");
    expect(configVersionOf(nodes[N1]?.conf ?? "")).toBe(5);
    expect(nodes[N2]?.conf).toBe(old);
    expect([...leftovers(N1), ...leftovers(N2)]).toEqual([]);
  });

  test("an unreachable node fails the create with a message naming it and the fix", async () => {
    lab.down = [N2];
    await expect(cmanClusterProvider.create(await inputsOf(raw()))).rejects.toThrow(
      /node02 \(192\.168\.8\.122\) is unreachable .*Fix: /,
    );
    expect(steps().some((s) => s.endsWith("write"))).toBe(false);
  });
});

describe("CmanCluster: update and config_version", () => {
  test("unchanged content: no validate, no write, no reload, version kept", async () => {
    const olds = await created();
    nodes[N1]!.cmanRunning = true;
    nodes[N2]!.cmanRunning = true;
    const { outs } = await cmanClusterProvider.update("cman:cluster01", olds, await inputsOf(raw()));
    expect(outs.configVersion).toBe(1);
    expect(steps().filter((s) => !/ricci|boot|probe/.test(s))).toEqual([]);
  });

  test("changed content with cman running: version bumped, every node validated then written, one reload from node01 last", async () => {
    const olds = await created();
    nodes[N1]!.cmanRunning = true;
    nodes[N2]!.cmanRunning = true;
    const { outs } = await cmanClusterProvider.update("cman:cluster01", olds, await inputsOf(raw(30000)));
    expect(outs.configVersion).toBe(2);
    expect(steps().filter((s) => !/ricci|boot|probe/.test(s))).toEqual([
      "node01 validate",
      "node02 validate",
      "node01 write",
      "node02 write",
      "node01 reload",
    ]);
    const reload = callsOf("reload")[0];
    expect(reload?.script).toBe(reloadScript(2));
    for (const host of [N1, N2]) expect(configVersionOf(nodes[host]?.conf ?? "")).toBe(2);
    expect(nodes[N1]?.conf).toContain('<totem token="30000"/>');
    // cman_tool loaded the new version (the reload script checked `cman_tool version` says so).
    expect(nodes[N1]?.runningVersion).toBe(2);
    expect(nodes[N1]?.machine.log()).toContain("cman_tool version -r -S");
  });

  test("cman refuses the reload: the update fails naming node01, the version and the fix", async () => {
    const olds = await created();
    nodes[N1]!.cmanRunning = true;
    nodes[N2]!.cmanRunning = true;
    nodes[N1]!.machine.state("reload-fails", "");
    const err = await failureOf(
      cmanClusterProvider.update("cman:cluster01", olds, await inputsOf(raw(30000))),
    );
    expect(err.message).toBe(
      'CmanCluster "lab-cluster-cman": update failed: on node01 (192.168.8.121): cman_tool version -r did not load ' +
        "/etc/cluster/cluster.conf version 2. Fix: check that every node has that version (cman_tool version; " +
        "ccs_config_validate) and see /var/log/cluster/corosync.log",
    );
    expect(nodes[N1]?.runningVersion).toBe(1);
  });

  test("cman running only on node02: the one reload runs there", async () => {
    const olds = await created();
    nodes[N2]!.cmanRunning = true;
    await cmanClusterProvider.update("cman:cluster01", olds, await inputsOf(raw(30000)));
    expect(steps().filter((s) => s.endsWith("reload"))).toEqual(["node02 reload"]);
  });

  test("changed content with cman stopped: written, not reloaded", async () => {
    const olds = await created();
    await cmanClusterProvider.update("cman:cluster01", olds, await inputsOf(raw(30000)));
    expect(steps().filter((s) => s.endsWith("reload"))).toEqual([]);
    expect(configVersionOf(nodes[N1]?.conf ?? "")).toBe(2);
  });

  test("a rebuilt node without the file gets the current version; no bump, no reload", async () => {
    const current = setConfigVersion(raw().clusterConf as string, 3);
    nodes[N1]!.conf = current;
    nodes[N1]!.cmanRunning = true;
    const { outs } = await cmanClusterProvider.create(await inputsOf(raw()));
    expect(outs.configVersion).toBe(3);
    expect(steps().filter((s) => !/ricci|boot|probe/.test(s))).toEqual(["node02 validate", "node02 write"]);
    expect(nodes[N2]?.conf).toBe(current);
  });

  test("nodes at different versions: the new version is above all of them", async () => {
    const base = raw().clusterConf as string;
    const other = renderClusterConf(clusterConfFromModel(model(10000)));
    expect(planConfigVersion([setConfigVersion(base, 3), setConfigVersion(other, 5)], base)).toBe(6);
    expect(planConfigVersion([setConfigVersion(base, 3), undefined], base)).toBe(3);
    expect(planConfigVersion([undefined, undefined], base)).toBe(1);
    expect(planConfigVersion([setConfigVersion(other, 2), setConfigVersion(base, 9)], base)).toBe(9);
  });
});

describe("CmanCluster: read, diff, delete, check", () => {
  test("read: version of the first node's file, ricci and file drift", async () => {
    const olds = await created();
    const news = await inputsOf(raw());
    let found = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(found.props).toMatchObject({ configVersion: 1, ricciRunning: true, confCurrent: true });
    expect(steps()).toEqual(["node01 probe", "node02 probe"]);
    const unchanged = await cmanClusterProvider.diff("cman:cluster01", found.props as Props, news);
    expect(unchanged.changes).toBe(false);

    nodes[N2]!.ricciRunning = false;
    nodes[N2]!.conf = `${nodes[N2]!.conf}<!-- edited by hand -->\n`;
    found = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(found.props).toMatchObject({ configVersion: 1, ricciRunning: false, confCurrent: false });
    const diff = await cmanClusterProvider.diff("cman:cluster01", found.props as Props, news);
    expect(diff.changes).toBe(true);
    expect(diff.replaces).toEqual([]);
  });

  test("read: ricci off at boot (C3), cman on at boot (C4), a running cluster behind its file (C5) → drift; the update repairs each", async () => {
    const olds = await created();
    const news = await inputsOf(raw());
    const n1 = nodes[N1]!;
    const n2 = nodes[N2]!;
    n1.machine.state("chkconfig.ricci", "off\n");
    n2.machine.state("chkconfig.cman", "on\n");
    // cman runs on node01 with version 1 loaded; its file says 2 (written, never reloaded).
    n1.cmanRunning = true;
    n1.conf = setConfigVersion(n1.conf ?? "", 2);
    const found = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(found.props).toMatchObject({ ricciEnabled: false, startAtBoot: true, configLoaded: false });
    const diff = await cmanClusterProvider.diff("cman:cluster01", found.props as Props, news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    lab.calls = [];
    await cmanClusterProvider.update("cman:cluster01", found.props as Props, news);
    expect(n1.machine.stateOf("chkconfig.ricci")?.trim()).toBe("on");
    expect(n2.boot).toBe("off");
    expect(steps().filter((s) => s.endsWith("reload"))).toEqual(["node01 reload"]);
    // The content is unchanged: version 2 stays, node02 gets it, the running cluster loads it.
    expect(n1.runningVersion).toBe(2);
    expect(configVersionOf(n2.conf ?? "")).toBe(2);
    const again = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(again.props).toMatchObject({ ricciEnabled: true, startAtBoot: false, configLoaded: true });
  });

  test("read: ricci's password changed on node02 (S4) → ricciPasswordCurrent false; the update sets it again (passwd --stdin), the secret on stdin only", async () => {
    const olds = await created();
    const news = await inputsOf(raw());
    // Checked, not merely kept: a stored false reads true again.
    expect(
      (await cmanClusterProvider.read("cman:cluster01", { ...olds, ricciPasswordCurrent: false })).props,
    ).toMatchObject({ ricciPasswordCurrent: true });
    // Out of band on node02: another password (its shadow hash is another one).
    forReal(nodes[N2]!.machine)("passwd --stdin ricci >/dev/null", {
      where: N2,
      script: "",
      opts: { stdin: "Changed-By-Hand-1\n" },
    });
    lab.calls = [];
    const found = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(found.props).toMatchObject({ ricciPasswordCurrent: false, ricciRunning: true, confCurrent: true });
    expect(await cmanClusterProvider.diff("cman:cluster01", found.props as Props, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    for (const call of lab.calls) {
      expect(call.script).toBe(readProbeScript());
      expect(call.opts).toMatchObject({ stdin: `${PASSWORD}\n`, sensitive: [PASSWORD] });
    }
    await cmanClusterProvider.update("cman:cluster01", found.props as Props, news);
    expect(nodes[N2]?.ricciPassword).toBe(PASSWORD);
    expect((await cmanClusterProvider.read("cman:cluster01", olds)).props).toMatchObject({
      ricciPasswordCurrent: true,
    });
    for (const call of lab.calls) expect(call.script).not.toContain(PASSWORD);
    expect(nodes[N2]?.machine.read(SHADOW)).not.toContain(PASSWORD);
  });

  test("read: an unreachable node is drift, not an error", async () => {
    const olds = await created();
    lab.down = [N1];
    const found = await cmanClusterProvider.read("cman:cluster01", olds);
    expect(found.props).toMatchObject({ configVersion: 1, ricciRunning: false, confCurrent: false });
  });

  test("a new cluster name replaces the cluster (delete first: the file path is fixed)", async () => {
    const olds = await created();
    const news = await inputsOf({
      ...raw(),
      name: "cluster02",
      clusterConf: renderClusterConf({ ...clusterConfFromModel(model()), name: "cluster02" }),
    });
    const diff = await cmanClusterProvider.diff("cman:cluster01", olds, news);
    expect(diff.replaces).toEqual(["name"]);
    expect(diff.deleteBeforeReplace).toBe(true);
  });

  test("delete: stops the stack and removes cluster.conf on every node; unreachable nodes are skipped", async () => {
    const olds = await created();
    nodes[N1]!.cmanRunning = true;
    lab.down = [N2];
    await cmanClusterProvider.delete("cman:cluster01", olds);
    expect(steps()).toEqual(["node01 delete"]);
    expect(nodes[N1]?.conf).toBeUndefined();
    expect(nodes[N1]?.cmanRunning).toBe(false);
    expect(nodes[N1]?.machine.log().filter((l) => /^service \w+ stop$/.test(l))).toEqual([
      "service rgmanager stop",
      "service cman stop",
    ]);
    expect(nodes[N2]?.conf).toBeDefined();
  });

  test("delete: cman not running (checked with cman_tool): nothing stopped, the file removed", async () => {
    const olds = await created();
    await cmanClusterProvider.delete("cman:cluster01", olds);
    for (const node of Object.values(nodes)) {
      expect(node.conf).toBeUndefined();
      expect(node.machine.log().filter((l) => /^service \w+ stop$/.test(l))).toEqual([]);
    }
  });

  const STOP_FIX =
    "Fix: see /var/log/cluster/corosync.log and /var/log/messages on the node, stop rgmanager then cman by hand if need be, then run pulumi destroy again";
  test.each<[string, (node: FakeNode) => void, string]>([
    [
      "rgmanager's stop failing",
      (node) =>
        node.machine.state(
          "stop-fails.rgmanager",
          "Stopping Cluster Service Manager:                         [FAILED]\n",
        ),
      `service rgmanager stop failed: Stopping Cluster Service Manager:                         [FAILED]. ${STOP_FIX}`,
    ],
    [
      "cman's stop failing",
      (node) => node.machine.state("stop-fails.cman", "Stopping cluster: \n   Stopping cman... [FAILED]\n"),
      `service cman stop failed: Stopping cluster:     Stopping cman... [FAILED]. ${STOP_FIX}`,
    ],
    [
      "cman still running after a stop that said OK",
      (node) => node.machine.state("cman-survives-stop", ""),
      `cman still runs after service cman stop. ${STOP_FIX}`,
    ],
  ])(
    "delete: %s on node02 fails the delete naming it; its cluster.conf stays, node01 is done",
    async (_what, breakIt, says) => {
      const olds = await created();
      for (const node of Object.values(nodes)) node.cmanRunning = true;
      breakIt(nodes[N2] as FakeNode);
      const err = await failureOf(cmanClusterProvider.delete("cman:cluster01", olds));
      expect(err.message).toBe(`CmanCluster "lab-cluster-cman": delete failed: on node02 (${N2}): ${says}`);
      expect(nodes[N2]?.conf).toBeDefined();
      expect(nodes[N1]?.conf).toBeUndefined();
      expect(nodes[N1]?.cmanRunning).toBe(false);
    },
  );

  test("delete: cluster.conf that cannot be removed fails the delete with rm's words", async () => {
    const olds = await created();
    addFakes(nodes[N1]!.machine.fake, {
      rm: failingTool("rm", "rm: cannot remove '/etc/cluster/cluster.conf': Read-only file system"),
    });
    const err = await failureOf(cmanClusterProvider.delete("cman:cluster01", olds));
    expect(err.message).toContain("rm: cannot remove '/etc/cluster/cluster.conf': Read-only file system");
    expect(nodes[N1]?.conf).toBeDefined();
  });

  test.each<[string, Props, RegExp]>([
    ["knet transport", { transport: "knet" }, /transport: cman \(corosync 1\) supports udpu or udp/],
    ["a password of two lines", { ricciPassword: "a\nb" }, /ricciPassword: ricciPassword must be one line/],
    [
      "a cluster.conf of another cluster",
      { name: "cluster02" },
      /clusterConf: cluster name "cluster01" differs from name "cluster02"/,
    ],
    [
      "a token that differs from the file",
      { tokenMs: 1000 },
      /clusterConf: totem token "20000" differs from tokenMs 1000/,
    ],
    [
      "expected votes that differ from the file",
      { expectedVotes: 2 },
      /clusterConf: expected_votes "1" differs from expectedVotes 2/,
    ],
    ["not XML", { clusterConf: "<cluster" }, /clusterConf: is not well-formed XML/],
    [
      "duplicate node ids",
      {
        members: [member(1), member(2, 1)],
      },
      /members\[1\]\.nodeId: 1 is used twice/,
    ],
  ])("check rejects %s", async (_what, patch, reason) => {
    const r = await cmanClusterProvider.check({}, { ...raw(), ...patch });
    expect((r.failures ?? []).map((f) => f.reason).join("\n")).toMatch(reason);
  });
});

describe("CmanCluster: scripts", () => {
  test("every generated script passes bash -n", () => {
    for (const script of [
      ricciScript(),
      bootScript(true),
      bootScript(false),
      probeScript(),
      validateConfScript(),
      writeConfScript(),
      reloadScript(3),
      deleteScript(),
    ]) {
      bashSyntaxCheck(script);
    }
  });

  test("the write script validates the temporary file before it replaces cluster.conf", () => {
    const w = writeConfScript();
    const validate = w.indexOf('ccs_config_validate -l "$t"');
    const move = w.indexOf('mv -f "$t" /etc/cluster/cluster.conf');
    expect(validate).toBeGreaterThan(w.indexOf('base64 -d > "$t"'));
    expect(move).toBeGreaterThan(validate);
    expect(validateConfScript()).not.toContain("mv -f");
    expect(validateConfScript()).toContain("trap 'rm -f \"$t\"' EXIT");
  });

  test("the reload script reloads without ccs_sync and checks the running version", () => {
    expect(reloadScript(7)).toMatch(/cman_tool version -r -S/);
    expect(reloadScript(7)).toMatch(/grep -q " config 7\$"/);
    expect(() => reloadScript(0)).toThrow(/not a whole number/);
  });

  test("parseProbe decodes the file and the daemons' states", () => {
    const conf = '<?xml version="1.0"?>\n<cluster config_version="2" name="c"/>\n';
    const out = `== conf\n${Buffer.from(conf).toString("base64")}\n== cman\nrunning\n== ricci\nstopped\n`;
    expect(parseProbe(`${out}== boot\nricci on\ncman off\nrgmanager off\n== loaded\n2\n`)).toEqual({
      conf,
      cmanRunning: true,
      ricciRunning: false,
      boot: { ricci: true, cman: false, rgmanager: false },
      loadedVersion: 2,
    });
    expect(parseProbe("== conf\n== cman\nstopped\n== ricci\nrunning\n== boot\n== loaded\n")).toEqual({
      conf: undefined,
      cmanRunning: false,
      ricciRunning: true,
      boot: {},
    });
  });
});
