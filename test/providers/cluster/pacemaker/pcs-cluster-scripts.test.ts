/**
 * The scripts and settings of the PcsCluster provider for the default lab: the pcsd, cluster and
 * destroy scripts (syntax-checked with `bash -n` and run for real on a fake member, see
 * test/support/fake-lab.ts), the settings commands, the state parser and the checks.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, type FakeMachine } from "../../../support/fake-lab";
import {
  clusterScript,
  DESTROY_SCRIPT,
  MEMBER_SCRIPT,
  parseState,
  PASSWORD_SCRIPT,
  pcsClusterProvider,
  pcsdScript,
  READ_MEMBER_SCRIPT,
  READ_STATE_SCRIPT,
  settingsCommands,
  STATE_SCRIPT,
  topologyOf,
} from "../../../../providers/cluster/pacemaker/pcs-cluster";
import { KNOWN_HOSTS } from "../../../../providers/cluster/pacemaker/member-state";
import { passwordVerdict } from "../../../../providers/node/shadow-password";
import { addFakes, bashSyntaxCheck } from "../../../support/bash";
import { failedProperties } from "../../../support/provider-driver";
import { clusterInputs, MEMBERS, PASSWORD, pcsRaw } from "../../../fixtures/cluster-lab";
import { COROSYNC_CONF, edited, LAB_PROPERTIES, pcsState, TOPOLOGY, UUID } from "../../../fixtures/pacemaker";
import { PCS_TOOLS } from "../../../fixtures/fake-tools";

describe("PcsCluster: scripts and settings", () => {
  test("clusterScript: auth on management addresses, setup with both links and the token, start, no boot start", async () => {
    const script = clusterScript(await clusterInputs());
    expect(script).toContain(
      `printf '%s\\n' "$pw" | pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster >/dev/null`,
    );
    expect(script).toContain(
      "    out=$(pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000 2>&1) && break\n",
    );
    expect(script).toContain(`if [ "$current" != cluster01 ]; then`);
    expect(script).toContain(`if [ "$token" != 20000 ]; then\n  pcs cluster config update totem token=20000`);
    expect(script).toContain("pcs cluster start --all --wait=300 --request-timeout=360 >/dev/null");
    expect(script).toMatch(/pcs cluster disable --all --request-timeout=300 >\/dev\/null$/);
    expect(script).not.toMatch(/pcs cluster enable|--enable/);
    expect(script).not.toContain(PASSWORD);
    bashSyntaxCheck(script);
  });

  test("clusterScript with startAtBoot: setup --enable and pcs cluster enable --all", async () => {
    const script = clusterScript(await clusterInputs({ startAtBoot: true }));
    expect(script).toContain("transport knet totem token=20000 --enable 2>&1) && break");
    expect(script).toMatch(/pcs cluster enable --all --request-timeout=300 >\/dev\/null$/);
    expect(script).not.toContain("pcs cluster disable");
    bashSyntaxCheck(script);
  });

  test("pcsdScript: password from stdin to chpasswd, pcsd started, another cluster destroyed", () => {
    const script = pcsdScript("cluster01");
    expect(script).toContain("pw=$(cat)");
    expect(script).toContain(`printf 'hacluster:%s\\n' "$pw" | chpasswd`);
    expect(script).toContain("systemctl start pcsd");
    expect(script).toContain(`if [ -n "$current" ] && [ "$current" != cluster01 ]; then destroy_cluster; fi`);
    bashSyntaxCheck(script);
    bashSyntaxCheck(DESTROY_SCRIPT);
  });

  /**
   * On a fake member (pcs and its neighbours of test/fixtures/fake-tools.ts), its /etc/corosync and
   * /var/lib/pacemaker in the sandbox.
   */
  describe("run for real on a fake member", () => {
    const CONF_PATH = "/etc/corosync/corosync.conf";
    const CIB_PATH = "/var/lib/pacemaker/cib/cib.xml";
    /** The member's shadow file: hacluster locked, as the pcs package creates the user. */
    const SHADOW = "/etc/shadow";
    function member(): FakeMachine {
      // python3 is the real one (pcs's interpreter on a node), not a fake.
      const tools = { ...PCS_TOOLS, python3: 'exec /usr/bin/python3 "$@"' };
      const m = fakeMachine(tools, {
        paths: ["/etc/corosync", "/var/lib/pacemaker", "/var/lib/pcsd", SHADOW],
      });
      m.env.FAKE_COROSYNC = m.at("/etc/corosync");
      m.env.FAKE_SHADOW = m.at(SHADOW);
      m.write(SHADOW, "root:*:19700:0:99999:7:::\nhacluster:!:19700::::::\n");
      m.env.FAKE_PACEMAKER = m.at("/var/lib/pacemaker");
      // The packages' directories (the corosync and pacemaker packages install them).
      for (const dir of [m.env.FAKE_COROSYNC, `${m.env.FAKE_PACEMAKER}/cib`])
        fs.mkdirSync(dir, { recursive: true });
      return m;
    }
    /** A member of a running cluster with this corosync.conf. */
    function inCluster(m: FakeMachine, conf: string): void {
      m.write(CONF_PATH, conf);
      m.write(CIB_PATH, "<cib/>\n");
      for (const svc of ["pacemaker", "corosync"]) m.state(`active.${svc}`, "");
    }
    const runOn = (m: FakeMachine, script: string, stdin = "") =>
      forReal(m)(script, { where: "node01", script, opts: { stdin } });
    const DESTROYED = [
      "pcs cluster destroy",
      "systemctl is-active --quiet pacemaker",
      "systemctl is-active --quiet corosync",
    ];

    test("pcsdScript: chpasswd gets hacluster:<password>; the Debian one-node cluster is destroyed (checked), ours kept", () => {
      const m = member();
      inCluster(m, "totem {\n    cluster_name: debian\n}\n");
      expect(runOn(m, pcsdScript("cluster01"), `${PASSWORD}\n`).code).toBe(0);
      expect(m.stateOf("chpasswd.stdin")).toBe(`hacluster:${PASSWORD}\n`);
      expect(m.log()).toEqual([
        "chpasswd ",
        "systemctl enable pcsd",
        "systemctl start pcsd",
        ...DESTROYED,
        "ss -Hltn",
      ]);
      expect([m.read(CONF_PATH), m.read(CIB_PATH)]).toEqual([undefined, undefined]);
      expect(m.log().join("\n")).not.toContain(PASSWORD);

      fs.writeFileSync(m.fake.log, "");
      inCluster(m, COROSYNC_CONF);
      expect(runOn(m, pcsdScript("cluster01"), `${PASSWORD}\n`).code).toBe(0);
      expect(m.log()).not.toContain("pcs cluster destroy");
      expect(m.read(CONF_PATH)).toBe(COROSYNC_CONF);
    });

    test("pcsdScript: the other cluster not destroyed (pcs left its files) fails, saying what is left", () => {
      const m = member();
      inCluster(m, "totem {\n    cluster_name: debian\n}\n");
      m.state("keeps-files", "");
      const r = runOn(m, pcsdScript("cluster01"), `${PASSWORD}\n`);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain(
        `kvmlab: pcs cluster destroy left ${CONF_PATH} ${CIB_PATH}. Fix: remove what is left on the node (rm -f), then run pulumi up again\n`,
      );
    });

    test("pcsdScript: an empty stdin fails with the user-error exit before anything runs", () => {
      const m = member();
      const r = runOn(m, pcsdScript("cluster01"));
      expect(r.code).toBe(65);
      expect(r.stderr).toContain("kvmlab: no hacluster password on stdin");
      expect(m.log()).toEqual([]);
    });

    test("clusterScript: setup when the node has no cluster; nothing but start/boot when it is ours; token fixed in place", async () => {
      const inputs = await clusterInputs();
      const m = member();
      m.state("setup.conf", COROSYNC_CONF);
      const run = () => {
        const r = runOn(m, clusterScript(inputs), `${PASSWORD}\n`);
        return { status: r.code, stdout: r.stdout };
      };
      const auth = "pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster";
      const setup =
        "pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000";
      const startAndBoot = [
        "pcs cluster start --all --wait=300 --request-timeout=360",
        "pcs cluster disable --all --request-timeout=300",
      ];

      expect(run()).toEqual({ status: 0, stdout: "setup\n" });
      expect(m.log()).toEqual([auth, setup, ...startAndBoot]);
      expect(m.stateOf("auth.stdin")).toBe(`${PASSWORD}\n`);
      expect(m.read(CONF_PATH)).toBe(COROSYNC_CONF);

      fs.writeFileSync(m.fake.log, "");
      expect(run()).toEqual({ status: 0, stdout: "" });
      expect(m.log()).toEqual([auth, ...startAndBoot]);

      fs.writeFileSync(m.fake.log, "");
      m.write(CONF_PATH, edited(COROSYNC_CONF, "token: 20000", "token: 10000"));
      expect(run()).toEqual({ status: 0, stdout: "token\n" });
      expect(m.log()).toEqual([
        auth,
        "pcs cluster config update totem token=20000",
        "pcs cluster reload corosync",
        ...startAndBoot,
      ]);
      expect(m.log().join("\n")).not.toContain(PASSWORD);
    });

    test("clusterScript with sync: corosync.conf and authkey distributed before the start on our cluster (a member held others, or none); a fresh setup needs none; a refused sync stops before the start", async () => {
      const inputs = await clusterInputs();
      const sync = [
        "pcs cluster sync",
        "pcs cluster reload corosync",
        "pcs cluster authkey corosync /etc/corosync/authkey",
      ];
      const start = "pcs cluster start --all --wait=300 --request-timeout=360";
      const m = member();
      m.state("setup.conf", COROSYNC_CONF);
      let r = runOn(m, clusterScript(inputs, true), `${PASSWORD}\n`);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "setup\n" });
      expect(m.log().filter((l) => sync.includes(l))).toEqual([]);

      fs.writeFileSync(m.fake.log, "");
      r = runOn(m, clusterScript(inputs, true), `${PASSWORD}\n`);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "synced\n" });
      const log = m.log();
      expect(log.slice(1, 4)).toEqual(sync);
      expect(log.indexOf(start)).toBeGreaterThan(log.indexOf(sync[2]!));

      fs.writeFileSync(m.fake.log, "");
      m.state("sync-fails", "Error: Unable to connect to node02h");
      r = runOn(m, clusterScript(inputs, true), `${PASSWORD}\n`);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain(
        "kvmlab: pcs cluster sync failed: Error: Unable to connect to node02h. Fix: systemctl status pcsd",
      );
      expect(m.log()).not.toContain(start);
    });

    test("clusterScript: a setup that timed out on a member's pcsd is tried again, up to 5 times; any other failure fails at once", async () => {
      const inputs = await clusterInputs();
      const setups = () => m.log().filter((l) => l.startsWith("pcs cluster setup")).length;
      let m = member();
      m.state("setup.conf", COROSYNC_CONF);
      m.state("setup.timeouts", "4");
      let r = runOn(m, clusterScript(inputs), `${PASSWORD}\n`);
      expect({ code: r.code, stdout: r.stdout, setups: setups() }).toEqual({
        code: 0,
        stdout: "setup\n",
        setups: 5,
      });
      expect(r.stderr).toContain("a member's pcsd answered too slowly (attempt 4 of 5); trying again");
      expect(m.read(CONF_PATH)).toBe(COROSYNC_CONF);

      m = member();
      m.state("setup.conf", COROSYNC_CONF);
      m.state("setup.timeouts", "5");
      r = runOn(m, clusterScript(inputs), `${PASSWORD}\n`);
      expect({ code: r.code, setups: setups() }).toEqual({ code: 65, setups: 5 });
      expect(r.stderr).toContain(
        "kvmlab: pcs cluster setup failed (attempt 5 of 5): Destroying cluster on hosts:",
      );
      expect(r.stderr).toContain("Fix: systemctl status pcsd on each member, then run pulumi up again");
      expect(m.log()).not.toContain("pcs cluster start --all --wait=300 --request-timeout=360");

      m = member();
      m.state("setup.conf", COROSYNC_CONF);
      m.state("setup-fails", "Error: node02h: Unable to authenticate");
      r = runOn(m, clusterScript(inputs), `${PASSWORD}\n`);
      expect({ code: r.code, setups: setups() }).toEqual({ code: 65, setups: 1 });
      expect(r.stderr).toContain(
        "pcs cluster setup failed (attempt 1 of 5): Error: node02h: Unable to authenticate",
      );
    });

    test("the read's password check (S3): hacluster's shadow hash against the secret on stdin, hashed again on the member; PASSWORD_SCRIPT sets it again", () => {
      const m = member();
      const verdictWith = (script: string, secret: string) =>
        passwordVerdict(runOn(m, script, `${secret}\n`).stdout ?? "");
      // Locked (no password yet): not the secret.
      expect(verdictWith(READ_MEMBER_SCRIPT, PASSWORD)).toBe("differs");
      expect(runOn(m, pcsdScript("cluster01"), `${PASSWORD}\n`).code).toBe(0);
      expect(verdictWith(READ_MEMBER_SCRIPT, PASSWORD)).toBe("current");
      expect(verdictWith(READ_STATE_SCRIPT, PASSWORD)).toBe("current");
      expect(verdictWith(READ_MEMBER_SCRIPT, `${PASSWORD}x`)).toBe("differs");
      // Changed out of band (passwd on the node): drift; PASSWORD_SCRIPT alone puts it back.
      expect(runOn(m, PASSWORD_SCRIPT, "Another-Passw0rd\n").code).toBe(0);
      expect(verdictWith(READ_MEMBER_SCRIPT, PASSWORD)).toBe("differs");
      expect(runOn(m, PASSWORD_SCRIPT, `${PASSWORD}\n`).code).toBe(0);
      expect(verdictWith(READ_MEMBER_SCRIPT, PASSWORD)).toBe("current");
      expect(m.log().filter((l) => l.startsWith("chpasswd"))).toHaveLength(3);
      // Neither the secret nor the hash leaves in clear: not in argv, not in the output.
      expect(m.log().join("\n")).not.toContain(PASSWORD);
      expect(runOn(m, READ_MEMBER_SCRIPT, `${PASSWORD}\n`).stdout).not.toMatch(/\$6\$/);
      // Without python (a node that cannot check): unknown, never drift.
      addFakes(m.fake, { python3: "exit 127", python: "exit 127" });
      expect(verdictWith(READ_MEMBER_SCRIPT, PASSWORD)).toBe("unknown");
      bashSyntaxCheck(PASSWORD_SCRIPT);
      bashSyntaxCheck(READ_STATE_SCRIPT);
    });

    test("STATE_SCRIPT and MEMBER_SCRIPT as parseState reads them: units, digests and known hosts from the members' real output", () => {
      const members = [member(), member()];
      for (const m of members) {
        m.write(CONF_PATH, COROSYNC_CONF);
        m.write("/etc/corosync/authkey", "key\n");
        for (const svc of ["pcsd", "corosync", "pacemaker"]) m.state(`active.${svc}`, "");
        m.state("enabled.pcsd", "");
      }
      const [m1, m2] = members as [FakeMachine, FakeMachine];
      m1.write(
        KNOWN_HOSTS,
        JSON.stringify({
          format_version: 1,
          data_version: 2,
          known_hosts: Object.fromEntries(
            MEMBERS.map((m) => [
              m.linkHostnames[0],
              { dest_list: [{ addr: m.access.address, port: 2224 }], token: "secret-token" },
            ]),
          ),
        }),
      );
      const read = () => {
        const first = runOn(m1, STATE_SCRIPT);
        const other = runOn(m2, MEMBER_SCRIPT);
        expect(first.stdout).not.toContain("secret-token");
        return parseState({ members: MEMBERS, startAtBoot: false }, first.stdout ?? "", [other.stdout ?? ""]);
      };
      expect(read()).toMatchObject({
        startAtBoot: false,
        pcsdRunning: true,
        hostsAuthenticated: true,
        configSynced: true,
        clusterUuid: UUID,
      });

      // Out of band on node02: pcsd stopped, pacemaker enabled at boot, another authkey.
      m2.state("active.pcsd", undefined);
      m2.state("enabled.pacemaker", "");
      m2.write("/etc/corosync/authkey", "another key\n");
      m1.write(KNOWN_HOSTS, JSON.stringify({ format_version: 1, data_version: 3, known_hosts: {} }));
      expect(read()).toMatchObject({
        startAtBoot: true,
        pcsdRunning: false,
        hostsAuthenticated: false,
        configSynced: false,
      });
    });

    test("DESTROY_SCRIPT: the cluster destroyed and checked gone; a node in no cluster has nothing to destroy", () => {
      const m = member();
      inCluster(m, COROSYNC_CONF);
      expect(runOn(m, DESTROY_SCRIPT)).toEqual({ stdout: "", stderr: "", code: 0 });
      expect(m.log()).toEqual(DESTROYED);
      expect([m.read(CONF_PATH), m.read(CIB_PATH), m.stateOf("active.pacemaker")]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      fs.writeFileSync(m.fake.log, "");
      expect(runOn(m, DESTROY_SCRIPT).code).toBe(0);
      expect(m.log()).toEqual([]);
    });
  });

  test("settingsCommands: nothing when the live settings are the wanted ones", () => {
    expect(
      settingsCommands(
        { properties: LAB_PROPERTIES, resourceDefaults: { "resource-stickiness": "100" } },
        { properties: { ...LAB_PROPERTIES }, resourceDefaults: { "resource-stickiness": "100" } },
      ),
    ).toEqual([]);
  });

  test("settingsCommands: set what changed, unset what was removed, defaults updated with an empty value for dropped ones", () => {
    expect(
      settingsCommands(
        {
          properties: { "stonith-enabled": "true", "no-quorum-policy": "stop", "stonith-timeout": "60s" },
          resourceDefaults: { "resource-stickiness": "100", "migration-threshold": "3" },
        },
        {
          properties: { "stonith-enabled": "false", "no-quorum-policy": "stop", "maintenance-mode": "true" },
          resourceDefaults: {
            "resource-stickiness": "1",
            "migration-threshold": "3",
            "failure-timeout": "60s",
          },
        },
      ),
    ).toEqual([
      ["pcs", "property", "set", "stonith-enabled=true", "stonith-timeout=60s"],
      ["pcs", "property", "unset", "maintenance-mode"],
      ["pcs", "resource", "defaults", "update", "resource-stickiness=100", "failure-timeout="],
    ]);
  });

  test("parseState and topologyOf: corosync.conf, boot, crm_mon and the CIB as the resource's fields", () => {
    expect(parseState({ members: MEMBERS, startAtBoot: true }, pcsState({ boot: "enabled" }))).toEqual({
      running: true,
      startAtBoot: true,
      pcsdRunning: true,
      hostsAuthenticated: true,
      configSynced: true,
      clusterUuid: UUID,
      name: "cluster01",
      transport: "knet",
      tokenMs: 20000,
      twoNode: true,
      topology: TOPOLOGY,
      properties: LAB_PROPERTIES,
      resourceDefaults: {},
    });
    expect(
      topologyOf([
        { name: "b", nodeId: 2, addrs: ["10.0.0.2"] },
        { name: "a", nodeId: 1, addrs: ["10.0.0.1", "10.0.1.1"] },
      ]),
    ).toBe("1:a=10.0.0.1,10.0.1.1 2:b=10.0.0.2");
    // A node without corosync.conf, pacemaker or CIB: not running, nothing else known.
    expect(
      parseState(
        { members: MEMBERS, startAtBoot: false },
        pcsState({ conf: "", mon: "", cib: "", knownHosts: "", pcsd: "disabled inactive" }),
      ),
    ).toEqual({
      running: false,
      startAtBoot: false,
      pcsdRunning: false,
      hostsAuthenticated: false,
    });
  });

  test("check names the fields it refuses", async () => {
    expect(
      await failedProperties(
        pcsClusterProvider,
        pcsRaw({ transport: "udpu", tokenMs: 500, haclusterPassword: "short", members: [MEMBERS[0]] }),
      ),
    ).toEqual(["haclusterPassword", "members", "tokenMs", "transport"]);
  });
});
