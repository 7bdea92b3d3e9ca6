/**
 * The o2cb files rendered from the model (golden): cluster.conf in the format ocfs2-tools 1.8.7's
 * o2cb_ctl writes (and reads back: parsed here the way its jconfig parser does), /etc/default/o2cb
 * as `/etc/init.d/o2cb configure` writes it, the fstab line, and the renderers' input checks.
 */
import {
  ocfs2MountOptions,
  renderClusterConf,
  renderO2cbDebconf,
  renderO2cbDefaults,
  renderOcfs2Fstab,
  renderOcfs2Sysctl,
} from "../../../providers/ocfs2/o2cb-files";
import { expectGolden } from "../../support/golden";
import { SEED_O2CB } from "../../fixtures/ocfs2";

/** Stanzas of a cluster.conf, read as jconfig reads them: `name:` at column 0, `\tkey = value` lines. */
function parseStanzas(text: string): { stanza: string; attrs: [string, string][] }[] {
  const out: { stanza: string; attrs: [string, string][] }[] = [];
  for (const line of text.split("\n")) {
    const head = /^([A-Za-z_0-9]+):$/.exec(line);
    const attr = /^\t([A-Za-z_0-9]+) = (\S+)$/.exec(line);
    if (head) out.push({ stanza: head[1] ?? "", attrs: [] });
    else if (attr) out[out.length - 1]?.attrs.push([attr[1] ?? "", attr[2] ?? ""]);
    else expect(line).toBe("");
  }
  return out;
}

const DEVICE =
  "/dev/disk/by-path/ip-192.168.13.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:ocfs2-tgt01-lun-3";

describe("cluster.conf", () => {
  const conf = renderClusterConf(SEED_O2CB);

  test("seed 003's cluster as o2cb_ctl writes it (golden)", () => {
    expectGolden("cluster.conf-seed003", conf);
  });

  test("o2cb_ctl's layout: the cluster stanza, then the nodes by number; tab-indented; a blank line after each", () => {
    expect(
      conf.startsWith("cluster:\n\tname = ocfs2\n\theartbeat_mode = local\n\tnode_count = 3\n\nnode:\n"),
    ).toBe(true);
    expect(conf.endsWith("\tname = vm-host04\n\n")).toBe(true);
    const stanzas = parseStanzas(conf);
    expect(stanzas.map((s) => s.stanza)).toEqual(["cluster", "node", "node", "node"]);
    expect(stanzas[1]?.attrs).toEqual([
      ["cluster", "ocfs2"],
      ["number", "0"],
      ["ip_port", "7777"],
      ["ip_address", "192.168.3.153"],
      ["name", "vm-host03"],
    ]);
  });

  test("the same file whatever order the nodes are given in (identical on every node)", () => {
    expect(renderClusterConf({ ...SEED_O2CB, nodes: [...SEED_O2CB.nodes].reverse() })).toBe(conf);
  });

  test("bad input is refused with every field named", () => {
    expect(() =>
      renderClusterConf({
        ...SEED_O2CB,
        clusterName: "o2-cb",
        nodes: [{ name: "vm_host", number: 300, address: "x" }],
      }),
    ).toThrow(/clusterName: .*\n.*nodes\[0\]\.name: .*\n.*nodes\[0\]\.number: .*\n.*nodes\[0\]\.address: /);
  });
});

describe("/etc/default/o2cb", () => {
  test("the seed's configure answers in the init script's own format (golden)", () => {
    const text = renderO2cbDefaults(SEED_O2CB);
    expectGolden("o2cb-default-seed003", text);
    for (const line of [
      "O2CB_ENABLED=true",
      "O2CB_STACK=o2cb",
      "O2CB_BOOTCLUSTER=ocfs2",
      "O2CB_HEARTBEAT_THRESHOLD=31",
      "O2CB_IDLE_TIMEOUT_MS=30000",
      "O2CB_KEEPALIVE_DELAY_MS=2000",
      "O2CB_RECONNECT_DELAY_MS=2000",
    ])
      expect(text.split("\n")).toContain(line);
  });

  test("the debconf answers hold the same values (a package reconfigure keeps them)", () => {
    expect(renderO2cbDebconf(SEED_O2CB)).toBe(
      [
        "ocfs2-tools ocfs2-tools/init boolean true",
        "ocfs2-tools ocfs2-tools/clustername string ocfs2",
        "ocfs2-tools ocfs2-tools/heartbeat_threshold string 31",
        "ocfs2-tools ocfs2-tools/idle_timeout string 30000",
        "ocfs2-tools ocfs2-tools/keepalive_delay string 2000",
        "ocfs2-tools ocfs2-tools/reconnect_delay string 2000",
        "",
      ].join("\n"),
    );
  });

  test("a timeout below o2cb's minimum is refused", () => {
    expect(() => renderO2cbDefaults({ ...SEED_O2CB, idleTimeoutMs: 4999 })).toThrow(
      "idleTimeoutMs: 4999 is below o2cb's minimum 5000",
    );
  });
});

describe("fstab and sysctl", () => {
  test("_netdev, mounted after the iSCSI login and o2cb, the extra options last (golden)", () => {
    const line = renderOcfs2Fstab({ device: DEVICE, mountPoint: "/srv/ocfs2", mountOptions: ["noatime"] });
    expectGolden("fstab-ocfs2", `${line}\n`);
    expect(ocfs2MountOptions({ mountOptions: [] })).toBe(
      "_netdev,x-systemd.requires=open-iscsi.service,x-systemd.requires=o2cb.service",
    );
    expect(() => renderOcfs2Fstab({ device: DEVICE, mountPoint: "/", mountOptions: ["a b"] })).toThrow(
      /mountPoint: .*\n.*mountOptions\[0\]/,
    );
  });

  test("a node o2cb fences reboots instead of hanging", () => {
    expect(renderOcfs2Sysctl()).toContain("kernel.panic = 30\n");
  });
});
