/**
 * The director's files and scripts (golden, `bash -n`), and the state script's output — `ipvsadm
 * -Ln` included — read back into the facts drift is judged on.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  renderDirectorSysctlConf,
  renderSorryConf,
  renderSorryDropIn,
  renderSorryPage,
} from "../../../providers/lb/director-files";
import {
  parseDirectorState,
  renderDirectorSetup,
  renderDirectorState,
  sorryPageOf,
} from "../../../providers/lb/director-script";
import { renderLdirectordCf } from "../../../providers/lb/ldirectord-cf";
import { bashSyntaxCheck, fakeBin, removeTempDirs, runWithFakes } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { IPVS_ACTIVE, IPVS_DRIFTED, IPVS_STANDBY } from "../../fixtures/ipvsadm";
import { LD1, ld1Files, ld1StateOutput, SEED_LDIRECTORD, VIP } from "../../fixtures/lb";

/** What a converged director reads as. */
const CONVERGED = {
  configCurrent: true,
  agentCurrent: true,
  forwarding: true,
  ldirectordMasked: true,
  sorryServed: true,
  ipvsDifferences: [],
};

describe("the director's files", () => {
  test("sysctls: the seed's ip_forward, and the non-local bind of the sorry page (golden)", () => {
    const conf = renderDirectorSysctlConf();
    expectGolden("lvs-director-sysctl.conf", conf);
    expect(conf).toContain("net.ipv4.ip_forward = 1\n");
    expect(conf).toContain("net.ipv4.ip_nonlocal_bind = 1\n");
  });

  test("the sorry page's lighttpd listens on 127.0.0.1:80 and on the VIP, nowhere else (golden)", () => {
    const conf = renderSorryConf(sorryPageOf(LD1));
    expectGolden("lvs-sorry-lighttpd.conf", conf);
    expect(conf).toContain('server.bind = "127.0.0.1"\nserver.port = 80\n');
    expect(conf).toContain(`$SERVER["socket"] == "${VIP}:80" { }\n`);
    expect(conf.match(/socket/g)).toHaveLength(1);
    expect(renderSorryDropIn()).toContain(
      "ExecStart=\nExecStart=/usr/sbin/lighttpd -D -f /etc/lighttpd/kvmlab-sorry.conf\n",
    );
    expect(renderSorryPage(sorryPageOf(LD1))).toContain(
      `No real server behind ${VIP}:80 answers right now (director ld1).`,
    );
  });
});

describe("the director's scripts", () => {
  test("setup: bash accepts it; golden", () => {
    const setup = renderDirectorSetup(LD1);
    bashSyntaxCheck(setup);
    expectGolden("lvs-director-setup-ld1.sh", setup);
  });

  test("setup: ldirectord.cf written, the unit disabled and masked, the agent installed, lighttpd from boot", () => {
    const setup = renderDirectorSetup(LD1);
    expect(setup).toContain(
      `put /etc/ha.d/ldirectord.cf 0644 cf_changed <<'KVMLAB_FILE'\n${renderLdirectordCf(SEED_LDIRECTORD)}KVMLAB_FILE`,
    );
    expect(setup).toContain("systemctl disable ldirectord.service");
    expect(setup).toContain("systemctl mask ldirectord.service");
    expect(setup).toContain("put /usr/lib/ocf/resource.d/kvmlab/VIPcheck 0755 agent_changed");
    expect(setup).toContain("systemctl enable --quiet lighttpd");
    expect(setup.indexOf("sysctl -q -p /etc/sysctl.d/60-kvmlab-lvs-director.conf")).toBeLessThan(
      setup.indexOf("systemctl restart lighttpd"),
    );
  });

  test("state: bash accepts it; golden", () => {
    const state = renderDirectorState(LD1);
    bashSyntaxCheck(state);
    expectGolden("lvs-director-state-ld1.sh", state);
  });

  test("a fallback that is not on the director is refused", () => {
    expect(() =>
      renderDirectorSetup({ ...LD1, ldirectord: { ...SEED_LDIRECTORD, fallback: "192.168.5.33:80" } }),
    ).toThrow(/ldirectord\.fallback: .* is not on the director itself/);
  });
});

describe("the state script run by bash against fake sha256sum, sysctl, systemctl and ipvsadm", () => {
  afterEach(removeTempDirs);
  const realSha = spawnSync("bash", ["-c", "command -v sha256sum"], { encoding: "utf8" }).stdout.trim();

  /**
   * A director: its files under FAKE_ROOT/fs (ld1Files: "" is a missing file), the IPVS table of
   * `ipvs`, ip_vs loaded and lighttpd enabled unless told otherwise.
   */
  function machine(
    ipvs: string,
    o: { files?: Record<string, string>; ipVsLoaded?: boolean; lighttpdAtBoot?: string } = {},
  ) {
    const fake = fakeBin({
      sha256sum: `for f in "$@"; do [ -f "$FAKE_ROOT/fs$f" ] && echo "$(${realSha} < "$FAKE_ROOT/fs$f" | cut -d" " -f1)  $f"; done; true`,
      sysctl: `echo 1`,
      systemctl: `case "$1 $2" in
  "is-active "*) echo active ;;
  "is-enabled lighttpd") echo ${o.lighttpdAtBoot ?? "enabled"} ;;
  "is-enabled "*) echo masked; exit 1 ;;
esac`,
      lsmod: `echo "Module                  Size  Used by"
${o.ipVsLoaded === false ? "" : 'echo "ip_vs                 200704  0"'}
echo "nf_conntrack          188416  1 ip_vs"`,
      ipvsadm: `[ "$*" = -Ln ] && cat "$FAKE_ROOT/ipvs"`,
    });
    fs.writeFileSync(path.join(fake.root, "ipvs"), ipvs);
    for (const [file, content] of Object.entries(o.files ?? ld1Files())) {
      if (content === "") continue;
      fs.mkdirSync(path.dirname(path.join(fake.root, "fs", file)), { recursive: true });
      fs.writeFileSync(path.join(fake.root, "fs", file), content);
    }
    return fake;
  }

  test("the sysctl file, ip_vs and lighttpd's boot state are read back", () => {
    const read = (o: Parameters<typeof machine>[1]) =>
      parseDirectorState(runWithFakes(machine(IPVS_ACTIVE, o), renderDirectorState(LD1), "").stdout, LD1);
    const sysctlFile = "/etc/sysctl.d/60-kvmlab-lvs-director.conf";
    expect(read({ files: ld1Files({ [sysctlFile]: "net.ipv4.ip_forward = 0\n" }) }).forwarding).toBe(false);
    expect(read({ files: ld1Files({ [sysctlFile]: "" }) }).forwarding).toBe(false);
    expect(read({ ipVsLoaded: false }).forwarding).toBe(false);
    expect(read({ lighttpdAtBoot: "disabled" })).toMatchObject({ sorryServed: false, forwarding: true });
  });

  test("a converged active director reads as converged, its IPVS table parsed", () => {
    const r = runWithFakes(machine(IPVS_ACTIVE), renderDirectorState(LD1), "");
    expect(r.stderr).toBe("");
    const state = parseDirectorState(r.stdout, LD1);
    expect(state).toMatchObject(CONVERGED);
    expect(state.ipvs.map((s) => `${s.protocol} ${s.address}:${s.port} ${s.scheduler}`)).toEqual([
      "TCP 192.168.5.55:80 rr",
    ]);
    expect(state.ipvs[0]?.destinations.map((d) => d.forward)).toEqual(["Route", "Route"]);
  });

  test("the standby's empty table and a drifted table", () => {
    const standby = runWithFakes(machine(IPVS_STANDBY), renderDirectorState(LD1), "");
    expect(parseDirectorState(standby.stdout, LD1)).toMatchObject({ ipvs: [], ipvsDifferences: [] });
    const drifted = runWithFakes(machine(IPVS_DRIFTED), renderDirectorState(LD1), "");
    expect(parseDirectorState(drifted.stdout, LD1).ipvsDifferences).toHaveLength(3);
  });
});

describe("parseDirectorState: each drift on its own", () => {
  const state = (o: Parameters<typeof ld1StateOutput>[0]) => parseDirectorState(ld1StateOutput(o), LD1);

  test("converged: nothing is drift", () => {
    expect(state({})).toMatchObject(CONVERGED);
  });

  test("files changed or gone, forwarding off, the unit unmasked, the sorry page down", () => {
    const cf = "/etc/ha.d/ldirectord.cf";
    expect(state({ files: ld1Files({ [cf]: "virtual=192.168.5.55:80\n" }) }).configCurrent).toBe(false);
    expect(state({ files: ld1Files({ [cf]: "" }) }).configCurrent).toBe(false);
    expect(
      state({ files: ld1Files({ "/usr/lib/ocf/resource.d/kvmlab/VIPcheck": "#!/bin/sh\n" }) }).agentCurrent,
    ).toBe(false);
    expect(state({ sysctl: ["net.ipv4.ip_forward=0", "net.ipv4.ip_nonlocal_bind=1"] }).forwarding).toBe(
      false,
    );
    expect(state({ unit: "disabled" }).ldirectordMasked).toBe(false);
    expect(state({ sorry: "failed" }).sorryServed).toBe(false);
    expect(state({ files: ld1Files({ "/var/www/kvmlab-sorry/index.html": "gone\n" }) }).sorryServed).toBe(
      false,
    );
    expect(state({ ipvs: IPVS_DRIFTED }).ipvsDifferences).toHaveLength(3);
  });

  test("the boot side: the sysctl file changed or gone, ip_vs not loaded, lighttpd not enabled", () => {
    const sysctlFile = "/etc/sysctl.d/60-kvmlab-lvs-director.conf";
    expect(state({ files: ld1Files({ [sysctlFile]: "net.ipv4.ip_forward = 0\n" }) }).forwarding).toBe(false);
    expect(state({ files: ld1Files({ [sysctlFile]: "" }) }).forwarding).toBe(false);
    expect(state({ modules: [] }).forwarding).toBe(false);
    expect(state({ sorryBoot: "disabled" }).sorryServed).toBe(false);
    expect(state({ sorryBoot: "" }).sorryServed).toBe(false);
  });
});
