/**
 * The scripts and settings of the PcsCluster provider for the default lab: the pcsd and cluster
 * scripts (syntax-checked with `bash -n` and run for real with bash against fake commands first on
 * PATH), the settings commands, the state parser and the checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  clusterScript,
  parseState,
  pcsClusterProvider,
  pcsdScript,
  settingsCommands,
  topologyOf,
} from "../../../../providers/cluster/pacemaker/pcs-cluster";
import {
  bashSyntaxCheck,
  fakeBin,
  logOf,
  removeTempDirs,
  runWithFakes,
  type FakeBin,
} from "../../../support/bash";
import { failedProperties } from "../../../support/provider-driver";
import { clusterInputs, MEMBERS, PASSWORD, pcsRaw } from "../../../fixtures/cluster-lab";
import { COROSYNC_CONF, edited, LAB_PROPERTIES, pcsState, TOPOLOGY } from "../../../fixtures/pacemaker";

afterEach(removeTempDirs);

describe("PcsCluster: scripts and settings", () => {
  test("clusterScript: auth on management addresses, setup with both links and the token, start, no boot start", async () => {
    const script = clusterScript(await clusterInputs());
    expect(script).toContain(
      `printf '%s\\n' "$pw" | pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster >/dev/null`,
    );
    expect(script).toContain(
      "  pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000 >/dev/null\n",
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
    expect(script).toContain("transport knet totem token=20000 --enable >/dev/null");
    expect(script).toMatch(/pcs cluster enable --all --request-timeout=300 >\/dev\/null$/);
    expect(script).not.toContain("pcs cluster disable");
    bashSyntaxCheck(script);
  });

  test("pcsdScript: password from stdin to chpasswd, pcsd started, another cluster destroyed", () => {
    const script = pcsdScript("cluster01");
    expect(script).toContain("pw=$(cat)");
    expect(script).toContain(`printf 'hacluster:%s\\n' "$pw" | chpasswd`);
    expect(script).toContain("systemctl start pcsd");
    expect(script).toContain(
      `if [ -n "$current" ] && [ "$current" != cluster01 ]; then pcs cluster destroy >/dev/null 2>&1 || true; fi`,
    );
    bashSyntaxCheck(script);
  });

  describe("run for real against fakes", () => {
    /** pcs logs and answers; chpasswd keeps its stdin; ss shows pcsd listening. */
    function pcsFakes(): FakeBin {
      return fakeBin(
        {
          pcs: `case "$1 $2" in
  "host auth") IFS= read -r pw; printf '%s\\n' "$pw" > "$FAKE_ROOT/auth.stdin" ;;
  "cluster setup") cp "$FAKE_ROOT/setup.conf" "$FAKE_CONF" ;;
esac`,
          chpasswd: `cat > "$FAKE_ROOT/chpasswd.stdin"`,
          systemctl: "",
          ss: `echo "LISTEN 0 5 0.0.0.0:2224 0.0.0.0:*"`,
        },
        { sandbox: true },
      );
    }
    const CONF_PATH = "/etc/corosync/corosync.conf";
    const withConf = (script: string, conf: string) => script.split(CONF_PATH).join(conf);

    test("pcsdScript: chpasswd gets hacluster:<password>; the Debian one-node cluster is destroyed, ours kept", () => {
      const fake = pcsFakes();
      const conf = path.join(fake.root, "corosync.conf");
      fs.writeFileSync(conf, "totem {\n    cluster_name: debian\n}\n");
      const first = runWithFakes(fake, withConf(pcsdScript("cluster01"), conf), `${PASSWORD}\n`);
      expect(first.status).toBe(0);
      expect(fs.readFileSync(path.join(fake.root, "chpasswd.stdin"), "utf8")).toBe(`hacluster:${PASSWORD}\n`);
      expect(logOf(fake)).toEqual([
        "chpasswd ",
        "systemctl enable pcsd",
        "systemctl start pcsd",
        "pcs cluster destroy",
        "ss -Hltn",
      ]);
      expect(logOf(fake).join("\n")).not.toContain(PASSWORD);

      fs.writeFileSync(fake.log, "");
      fs.writeFileSync(conf, COROSYNC_CONF);
      expect(runWithFakes(fake, withConf(pcsdScript("cluster01"), conf), `${PASSWORD}\n`).status).toBe(0);
      expect(logOf(fake)).not.toContain("pcs cluster destroy");
    });

    test("pcsdScript: an empty stdin fails with the user-error exit before anything runs", () => {
      const fake = pcsFakes();
      const r = runWithFakes(fake, pcsdScript("cluster01"), "");
      expect(r.status).toBe(65);
      expect(r.stderr).toContain("kvmlab: no hacluster password on stdin");
      expect(logOf(fake)).toEqual([]);
    });

    test("clusterScript: setup when the node has no cluster; nothing but start/boot when it is ours; token fixed in place", async () => {
      const inputs = await clusterInputs();
      const fake = pcsFakes();
      const conf = path.join(fake.root, "corosync.conf");
      fs.writeFileSync(path.join(fake.root, "setup.conf"), COROSYNC_CONF);
      const run = () =>
        runWithFakes(fake, withConf(clusterScript(inputs), conf), `${PASSWORD}\n`, { FAKE_CONF: conf });
      const auth = "pcs host auth node01h addr=192.168.8.121 node02h addr=192.168.8.122 -u hacluster";
      const setup =
        "pcs cluster setup cluster01 node01h addr=192.168.9.121 addr=192.168.8.121 " +
        "node02h addr=192.168.9.122 addr=192.168.8.122 transport knet totem token=20000";
      const startAndBoot = [
        "pcs cluster start --all --wait=300 --request-timeout=360",
        "pcs cluster disable --all --request-timeout=300",
      ];

      const fresh = run();
      expect({ status: fresh.status, stdout: fresh.stdout }).toEqual({ status: 0, stdout: "setup\n" });
      expect(logOf(fake)).toEqual([auth, setup, ...startAndBoot]);
      expect(fs.readFileSync(path.join(fake.root, "auth.stdin"), "utf8")).toBe(`${PASSWORD}\n`);

      fs.writeFileSync(fake.log, "");
      const again = run();
      expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: "" });
      expect(logOf(fake)).toEqual([auth, ...startAndBoot]);

      fs.writeFileSync(fake.log, "");
      fs.writeFileSync(conf, edited(COROSYNC_CONF, "token: 20000", "token: 10000"));
      const token = run();
      expect({ status: token.status, stdout: token.stdout }).toEqual({ status: 0, stdout: "token\n" });
      expect(logOf(fake)).toEqual([
        auth,
        "pcs cluster config update totem token=20000",
        "pcs cluster reload corosync",
        ...startAndBoot,
      ]);
      expect(logOf(fake).join("\n")).not.toContain(PASSWORD);
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
    expect(parseState({ members: MEMBERS }, pcsState({ boot: "enabled" }))).toEqual({
      running: true,
      startAtBoot: true,
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
    expect(parseState({ members: MEMBERS }, pcsState({ conf: "", boot: "", mon: "", cib: "" }))).toEqual({
      running: false,
      startAtBoot: false,
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
