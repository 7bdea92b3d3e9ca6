/**
 * The CloudInitDisk provider (the seed ISO of a node) against the fake KVM host
 * (test/support/fake-lab.ts): where the root key travels, the stdin protocol of the ISO script,
 * and the engine's diff/update/read.
 */
import { spawnSync } from "node:child_process";
import { lab, on } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { cloudInitDiskProvider, seedIsoScript } from "../../../providers/node/cloud-init-disk";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, IN_PLACE, named } from "../../support/provider-driver";
import { HOST, STATE_DIR } from "../../fixtures/lab";

describe("CloudInitDisk provider", () => {
  const p = cloudInitDiskProvider;
  const PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==",
    "-----END OPENSSH PRIVATE KEY-----",
    "",
  ].join("\n");
  const ISO = `${STATE_DIR}/seeds/dev-node01-cidata.iso`;
  const raw = named(
    {
      host: HOST,
      name: "dev-node01-cidata.iso",
      hostname: "node01",
      interfaces: [
        { name: "lab-svc", mac: "52:54:00:ab:ba:d5", address: "192.168.7.121", prefix: 24 },
        { name: "lab-mgt", mac: "52:54:00:26:66:5d", address: "192.168.8.121", prefix: 24 },
      ],
      hosts: [
        { address: "192.168.7.121", names: ["node01"] },
        { address: "192.168.8.121", names: ["node01m"] },
      ],
      authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProgramKeyForTestsOnly program@dev"],
      rootPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRootKeyForTestsOnly root@dev",
      rootPrivateKey: PRIVATE_KEY,
      timeServers: ["192.168.8.1"],
    },
    "dev-node01-cloud-init",
  );

  test("create: the private key never appears in the script, only on stdin as 3 base64 lines", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(ISO);
    expect(outs).toMatchObject({ path: ISO, instanceId: expect.stringMatching(/^node01-[0-9a-f]{16}$/) });

    expect(lab.calls).toHaveLength(1);
    const { script, opts } = lab.calls[0];
    expect(script).toBe(seedIsoScript(ISO));
    expect(script).not.toContain("PRIVATE KEY");
    expect(script).not.toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA");
    expect(script).not.toContain(Buffer.from(PRIVATE_KEY).toString("base64").slice(0, 40));
    bashSyntaxCheck(script);

    const stdin = String(opts.stdin);
    expect(stdin).not.toContain("PRIVATE KEY");
    expect(stdin.endsWith("\n")).toBe(true);
    const lines = stdin.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const [metaData, userData, networkConfig] = lines.map((l) => Buffer.from(l, "base64").toString("utf8"));
    expect(metaData).toContain("local-hostname: node01");
    expect(metaData).toContain(`instance-id: ${String(outs.instanceId)}`);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==");
    expect(networkConfig).toMatch(/macaddress: "?52:54:00:26:66:5d"?\n/);
    expect(networkConfig).not.toContain("PRIVATE KEY");
    // Errors of that command redact the key.
    expect(opts.sensitive).toEqual([PRIVATE_KEY]);
  });

  test("the ISO script decodes the three stdin lines into the three seed files", () => {
    // Run only the decode loop of the script (no genisoimage): a real check of the stdin protocol.
    const loop = seedIsoScript(ISO)
      .split("\n")
      .find((l) => l.startsWith("for f in"));
    if (loop === undefined) throw new Error("no decode loop");
    const docs = ["meta: 1\n", "#cloud-config\nx: 'y'\n", "version: 2\n"];
    const stdin = docs.map((d) => Buffer.from(d).toString("base64")).join("\n") + "\n";
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -euo pipefail\ndir=$(mktemp -d)\n${loop}\ncat "$dir/meta-data" "$dir/user-data" "$dir/network-config"\nrm -rf "$dir"`,
      ],
      { input: stdin, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(docs.join(""));
  });

  test("a changed seed updates in place with a new instance id; host or name replace", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    const news = { ...inputs, timeServers: ["192.168.8.2"] };
    expect(await p.diff(ISO, outs as Props, news)).toEqual(IN_PLACE);
    const updated = await p.update(ISO, outs as Props, news);
    expect(updated.outs.instanceId).not.toBe(outs.instanceId);
    expect(await p.diff(ISO, outs as Props, { ...inputs, name: "x.iso" })).toMatchObject({
      replaces: ["name"],
    });
  });

  test("read: gone when the ISO is missing or empty", async () => {
    on(/^test -s /, { code: 1 });
    const outs = { ...(await checked(p, raw)), path: ISO, instanceId: "node01-0" };
    expect(await p.read(ISO, outs)).toEqual({ id: "", props: {} });
    lab.rules = [];
    expect(await p.read(ISO, outs)).toEqual({ id: ISO, props: outs });
  });

  test("check rejects a missing private key, naming it", async () => {
    const r = await p.check({}, { ...raw, rootPrivateKey: "" });
    expect(r.failures).toEqual([
      { property: "rootPrivateKey", reason: "rootPrivateKey: rootPrivateKey is required" },
    ]);
  });
});
