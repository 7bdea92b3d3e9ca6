/**
 * The real server's files and scripts (golden, `bash -n`), and the state script's output read back
 * into the facts drift is judged on.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  renderArpSysctlConf,
  renderCheckPage,
  renderIndexPage,
  renderLighttpdPorts,
  renderLoVipUnit,
} from "../../../providers/lb/real-server-files";
import {
  parseRealServerState,
  renderRealServerSetup,
  renderRealServerState,
} from "../../../providers/lb/real-server-script";
import { bashSyntaxCheck, fakeBin, removeTempDirs, runWithFakes } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { digestLines, FE1, FE1_CONVERGED, FE1_MAC, fe1Files, fe1StateOutput, VIP } from "../../fixtures/lb";

describe("the real server's files", () => {
  test("sysctls: the seed's arp_ignore=1 and arp_announce=2 for all and the service NIC (golden)", () => {
    const conf = renderArpSysctlConf("lab-svc");
    expectGolden("lvs-real-server-sysctl.conf", conf);
    expect(conf.split("\n").filter((l) => l.startsWith("net."))).toEqual([
      "net.ipv4.conf.all.arp_ignore = 1",
      "net.ipv4.conf.lab-svc.arp_ignore = 1",
      "net.ipv4.conf.all.arp_announce = 2",
      "net.ipv4.conf.lab-svc.arp_announce = 2",
    ]);
  });

  test("the VIP unit: sysctls first, then the VIP on lo as /32 labelled lo:0, enabled at boot (golden)", () => {
    const unit = renderLoVipUnit(FE1);
    expectGolden("kvmlab-lvs-vip.service", unit);
    expect(unit).toContain(`ExecStart=ip address replace ${VIP}/32 dev lo label lo:0\n`);
    expect(unit.indexOf("ExecStartPre=-sysctl")).toBeLessThan(unit.indexOf("ExecStart=ip"));
    expect(unit).toContain("WantedBy=multi-user.target\n");
  });

  test("the pages: the check page holds the receive text, the index names the server", () => {
    expect(renderCheckPage(FE1)).toBe("up and running\n");
    expect(renderIndexPage(FE1)).toContain("Real server fe1 (192.168.5.33) answered for 192.168.5.55.");
  });

  test("lighttpd needs no extra socket on port 80; other ports get one each", () => {
    expect(renderLighttpdPorts({ ports: [80] })).toBeUndefined();
    expect(renderLighttpdPorts({ ports: [8080, 80, 8081, 8080] })).toContain(
      '$SERVER["socket"] == ":8080" { }\n$SERVER["socket"] == ":8081" { }\n',
    );
  });
});

describe("the real server's scripts", () => {
  test("setup: bash accepts it; golden", () => {
    const setup = renderRealServerSetup(FE1);
    bashSyntaxCheck(setup);
    expectGolden("lvs-real-server-setup-fe1.sh", setup);
  });

  test("setup: the NIC found by MAC, sysctls applied before the VIP, the page at the seed's path", () => {
    const setup = renderRealServerSetup(FE1);
    expect(setup).toContain(`awk -v mac=${FE1_MAC} `);
    expect(setup).toContain(
      "put /var/www/html/haCheker/haCheck.html 0644 web_changed <<'KVMLAB_FILE'\nup and running\nKVMLAB_FILE",
    );
    expect(setup.indexOf("sysctl -q -p /etc/sysctl.d/60-kvmlab-lvs-real-server.conf")).toBeLessThan(
      setup.indexOf(`ip address replace ${VIP}/32 dev lo label lo:0`),
    );
    expect(setup).toContain("systemctl enable --quiet lighttpd");
    expect(setup).toContain("systemctl enable --quiet kvmlab-lvs-vip.service");
    expect(setup).not.toContain("60-kvmlab-lvs-ports.conf 0644");
  });

  test("state: bash accepts it; golden", () => {
    const state = renderRealServerState(FE1);
    bashSyntaxCheck(state);
    expectGolden("lvs-real-server-state-fe1.sh", state);
  });

  test("a bad input is refused with every field named", () => {
    expect(() =>
      renderRealServerSetup({ ...FE1, serviceMac: "52:54:00:55:44:BB", vip: FE1.address }),
    ).toThrow(/real server fe1:\n {2}- vip: .*\n {2}- serviceMac: /);
  });
});

describe("the state script run by bash against fake ip, sysctl, sha256sum and systemctl", () => {
  afterEach(removeTempDirs);
  const realSha = spawnSync("bash", ["-c", "command -v sha256sum"], { encoding: "utf8" }).stdout.trim();

  /**
   * fe1 as `ip -o link show`, `ip -4 -o address show dev lo`, sysctl and systemctl print it, its
   * files under FAKE_ROOT/fs (fe1Files: "" is a missing file): converged unless told otherwise.
   */
  function machine(o: { vipOnLo?: boolean; files?: Record<string, string>; lighttpdAtBoot?: string } = {}) {
    const vipOnLo = o.vipOnLo ?? true;
    const fake = fakeBin({
      ip: `case "$*" in
  "-o link show") cat <<'EOF'
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: lab-svc: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether ${FE1_MAC} brd ff:ff:ff:ff:ff:ff
3: lab-mgt: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:13:34:fe brd ff:ff:ff:ff:ff:ff
EOF
  ;;
  "-4 -o address show dev lo")
    echo "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever"
    ${vipOnLo ? `echo "1: lo    inet ${VIP}/32 scope global lo:0\\       valid_lft forever preferred_lft forever"` : "true"}
  ;;
esac`,
      sysctl: `case "$2" in *.arp_ignore) echo 1 ;; *.arp_announce) echo 2 ;; *) exit 255 ;; esac`,
      sha256sum: `for f in "$@"; do [ -f "$FAKE_ROOT/fs$f" ] && echo "$(${realSha} < "$FAKE_ROOT/fs$f" | cut -d" " -f1)  $f"; done; true`,
      systemctl: `case "$1 $2" in
  "is-active "*) echo active ;;
  "is-enabled lighttpd") echo ${o.lighttpdAtBoot ?? "enabled"} ;;
  "is-enabled "*) echo enabled ;;
esac`,
    });
    for (const [file, content] of Object.entries(o.files ?? fe1Files())) {
      if (content === "") continue;
      fs.mkdirSync(path.dirname(path.join(fake.root, "fs", file)), { recursive: true });
      fs.writeFileSync(path.join(fake.root, "fs", file), content);
    }
    return fake;
  }

  test("a converged real server reads as converged, the NIC found by its MAC", () => {
    const r = runWithFakes(machine(), renderRealServerState(FE1), "");
    expect(r.stderr).toBe("");
    expect(parseRealServerState(r.stdout, FE1)).toMatchObject({
      nic: "lab-svc",
      vipOnLo: true,
      arpSuppressed: true,
      pagesCurrent: true,
      webActive: true,
      vipAtBoot: true,
      sysctlFileCurrent: true,
      unitFileCurrent: true,
      webAtBoot: true,
      portsCurrent: true,
    });
  });

  test("the VIP gone from lo is read as such", () => {
    const r = runWithFakes(machine({ vipOnLo: false }), renderRealServerState(FE1), "");
    expect(parseRealServerState(r.stdout, FE1).vipOnLo).toBe(false);
  });

  test("the sysctl file, the unit file, a stray ports file and lighttpd's boot state are read back", () => {
    const read = (o: Parameters<typeof machine>[0]) =>
      parseRealServerState(runWithFakes(machine(o), renderRealServerState(FE1), "").stdout, FE1);
    const sysctlFile = "/etc/sysctl.d/60-kvmlab-lvs-real-server.conf";
    const unitFile = "/etc/systemd/system/kvmlab-lvs-vip.service";
    const portsFile = "/etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf";
    expect(read({ files: fe1Files({ [sysctlFile]: "net.ipv4.conf.all.arp_ignore = 0\n" }) })).toMatchObject({
      sysctlFileCurrent: false,
      arpSuppressed: true,
    });
    expect(read({ files: fe1Files({ [sysctlFile]: "" }) }).sysctlFileCurrent).toBe(false);
    expect(read({ files: fe1Files({ [unitFile]: "[Unit]\n" }) }).unitFileCurrent).toBe(false);
    expect(
      read({ files: fe1Files({ [portsFile]: '$SERVER["socket"] == ":8080" { }\n' }) }).portsCurrent,
    ).toBe(false);
    expect(read({ lighttpdAtBoot: "disabled" })).toMatchObject({ webAtBoot: false, webActive: true });
  });
});

describe("parseRealServerState", () => {
  test("a converged real server", () => {
    expect(parseRealServerState(fe1StateOutput(), FE1)).toEqual({
      nic: "lab-svc",
      vipOnLo: true,
      arpSuppressed: true,
      sysctls: {
        "net.ipv4.conf.all.arp_ignore": "1",
        "net.ipv4.conf.lab-svc.arp_ignore": "1",
        "net.ipv4.conf.all.arp_announce": "2",
        "net.ipv4.conf.lab-svc.arp_announce": "2",
      },
      pagesCurrent: true,
      webActive: true,
      vipAtBoot: true,
      sysctlFileCurrent: true,
      unitFileCurrent: true,
      webAtBoot: true,
      portsCurrent: true,
    });
  });

  test("each drift on its own: VIP removed, a sysctl reset, a page edited, lighttpd stopped, the unit disabled", () => {
    const state = (change: Parameters<typeof fe1StateOutput>[0]) =>
      parseRealServerState(fe1StateOutput(change), FE1);
    expect(state({ lo: ["127.0.0.1/8"] }).vipOnLo).toBe(false);
    expect(state({ lo: ["127.0.0.1/8", `${VIP}/24`] }).vipOnLo).toBe(false);
    expect(
      state({ sysctl: [...FE1_CONVERGED.sysctl.slice(0, 3), "net.ipv4.conf.lab-svc.arp_announce=0"] })
        .arpSuppressed,
    ).toBe(false);
    const page = "/var/www/html/haCheker/haCheck.html";
    expect(state({ files: digestLines(fe1Files({ [page]: "down\n" })) }).pagesCurrent).toBe(false);
    expect(state({ files: digestLines(fe1Files({ [page]: "" })) }).pagesCurrent).toBe(false);
    expect(state({ web: ["inactive"] }).webActive).toBe(false);
    expect(state({ unit: ["disabled"] }).vipAtBoot).toBe(false);
    expect(state({ nic: [] })).toMatchObject({ nic: "", arpSuppressed: false, sysctlFileCurrent: false });
  });

  test("the boot side on its own: the sysctl file, the unit file, the ports file, lighttpd disabled", () => {
    const state = (change: Parameters<typeof fe1StateOutput>[0]) =>
      parseRealServerState(fe1StateOutput(change), FE1);
    const files = (overrides: Record<string, string>) => ({ files: digestLines(fe1Files(overrides)) });
    expect(
      state(files({ "/etc/sysctl.d/60-kvmlab-lvs-real-server.conf": renderArpSysctlConf("eth0") }))
        .sysctlFileCurrent,
    ).toBe(false);
    expect(state(files({ "/etc/systemd/system/kvmlab-lvs-vip.service": "" })).unitFileCurrent).toBe(false);
    expect(
      state(files({ "/etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf": "# stray\n" })).portsCurrent,
    ).toBe(false);
    expect(state({ "web-boot": ["disabled"] }).webAtBoot).toBe(false);
    // A service also on 8080 wants the ports file: its absence is drift.
    const on8080 = { ...FE1, ports: [80, 8080] };
    expect(parseRealServerState(fe1StateOutput(), on8080).portsCurrent).toBe(false);
    const ports = renderLighttpdPorts(on8080) ?? "";
    expect(
      parseRealServerState(
        fe1StateOutput(files({ "/etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf": ports })),
        on8080,
      ).portsCurrent,
    ).toBe(true);
  });
});
