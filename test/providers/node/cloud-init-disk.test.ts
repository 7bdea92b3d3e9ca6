/**
 * The CloudInitDisk provider (the seed ISO of a node) against the fake KVM host
 * (test/support/fake-lab.ts): where the root key travels, the stdin protocol of the ISO script,
 * and the engine's diff/update/read/delete. Every script runs for real against a fake genisoimage
 * (test/fixtures/fake-tools.ts) with the state directory moved into the host's sandbox; each of
 * its commands fails in turn.
 */
import * as fs from "node:fs";
import { fakeMachine, forReal, lab, on, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { cloudInitDiskProvider, seedIsoScript } from "../../../providers/node/cloud-init-disk";
import { addFakes, bashSyntaxCheck, failingTool, runWithFakes } from "../../support/bash";
import { checked, failureOf, IN_PLACE, named, NO_DIFF } from "../../support/provider-driver";
import { HOST, STATE_DIR } from "../../fixtures/lab";
import { GENISOIMAGE } from "../../fixtures/fake-tools";

describe("CloudInitDisk provider", () => {
  const p = cloudInitDiskProvider;
  const PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==",
    "-----END OPENSSH PRIVATE KEY-----",
    "",
  ].join("\n");
  const HOST_PRIVATE_KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "SE9TVC1LRVktU0VDUkVULU1BVEVSSUFM",
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
      hostPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTestsOnly host@node01",
      hostPrivateKey: HOST_PRIVATE_KEY,
      timeServers: ["192.168.8.1"],
    },
    "dev-node01-cloud-init",
  );

  /** The KVM host (state directory moved into its sandbox): the seed scripts run there for real. */
  let host: FakeMachine;
  beforeEach(() => {
    host = fakeMachine(GENISOIMAGE, { paths: [STATE_DIR] });
    on(/genisoimage/, forReal(host));
    on(/^iso=/, forReal(host));
    on(/^rm -f /, forReal(host));
  });

  /** What the host has besides the ISO: leftovers of a run (temporary files and directories). */
  const leftovers = () => [
    ...fs.readdirSync(host.fake.tmp),
    ...fs.readdirSync(host.at(`${STATE_DIR}/seeds`)).filter((f) => f !== "dev-node01-cidata.iso"),
  ];

  test("create, run for real: the ISO holds the three documents, mode 0600, nothing left behind", async () => {
    const { outs } = await p.create(await checked(p, raw));
    const iso = host.read(ISO) ?? "";
    expect(iso.startsWith("ISO 9660 volume cidata\n== meta-data\n")).toBe(true);
    expect(iso).toContain(`instance-id: ${String(outs.instanceId)}`);
    expect(iso).toContain("== user-data\n#cloud-config\n");
    expect(iso).toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA==");
    expect(iso).toContain("== network-config\n");
    expect(fs.statSync(host.at(ISO)).mode & 0o777).toBe(0o600);
    expect(leftovers()).toEqual([]);
  });

  test.each<[string, () => void]>([
    [
      "mktemp",
      () =>
        addFakes(host.fake, {
          mktemp: failingTool(
            "mktemp",
            "mktemp: failed to create directory via template '/tmp/tmp.XXXXXXXXXX': No space left on device",
          ),
        }),
    ],
    [
      "chmod",
      () =>
        addFakes(host.fake, {
          chmod: failingTool("chmod", "chmod: changing permissions: Read-only file system"),
        }),
    ],
    ["base64", () => addFakes(host.fake, { base64: failingTool("base64", "base64: invalid input") })],
    [
      "mkdir",
      () =>
        addFakes(host.fake, {
          mkdir: failingTool("mkdir", "mkdir: cannot create directory: Read-only file system", 1, "-p"),
        }),
    ],
    ["genisoimage (disk full)", () => host.state("disk-full", "")],
    ["mv", () => addFakes(host.fake, { mv: failingTool("mv", "mv: cannot move: Read-only file system") })],
  ])(
    "create with %s failing: reported with the resource, the old ISO kept, nothing left behind",
    async (_tool, breakIt) => {
      host.write(ISO, "the previous seed\n");
      breakIt();
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(/^CloudInitDisk "dev-node01-cloud-init": create failed: .*exit code [1-9]/);
      expect(err.message).not.toContain("VEVTVC1PTkxZLVNFQ1JFVC1NQVRFUklBTA");
      expect(host.read(ISO)).toBe("the previous seed\n");
      expect(leftovers()).toEqual([]);
    },
  );

  test("delete removes the ISO; a missing one is fine; a failing rm is reported with the resource", async () => {
    const olds = { ...(await checked(p, raw)), path: ISO, instanceId: "node01-0" };
    host.write(ISO, "seed\n");
    await p.delete(ISO, olds);
    expect(host.read(ISO)).toBeUndefined();
    await p.delete(ISO, olds);

    host.write(ISO, "seed\n");
    addFakes(host.fake, {
      rm: failingTool("rm", `rm: cannot remove '${host.at(ISO)}': Read-only file system`),
    });
    const err = await failureOf(p.delete(ISO, olds));
    expect(err.message).toMatch(/^CloudInitDisk "dev-node01-cloud-init": delete failed: .*exit code 1/);
    expect(err.message).toContain(`rm: cannot remove '${ISO}': Read-only file system`);
    expect(host.read(ISO)).toBe("seed\n");
  });

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
    expect(userData).toContain("SE9TVC1LRVktU0VDUkVULU1BVEVSSUFM");
    expect(networkConfig).toMatch(/macaddress: "?52:54:00:26:66:5d"?\n/);
    expect(networkConfig).not.toContain("PRIVATE KEY");
    // Errors of that command redact the keys.
    expect(opts.sensitive).toEqual([PRIVATE_KEY, HOST_PRIVATE_KEY]);
  });

  test("the ISO script decodes the three stdin lines into the three seed files", () => {
    // Run only the decode loop of the script (no genisoimage): a real check of the stdin protocol.
    const loop = seedIsoScript(ISO)
      .split("\n")
      .find((l) => l.startsWith("for f in"));
    if (loop === undefined) throw new Error("no decode loop");
    const docs = ["meta: 1\n", "#cloud-config\nx: 'y'\n", "version: 2\n"];
    const stdin = docs.map((d) => Buffer.from(d).toString("base64")).join("\n") + "\n";
    const r = runWithFakes(
      host.fake,
      `set -euo pipefail\ndir=$(mktemp -d)\n${loop}\ncat "$dir/meta-data" "$dir/user-data" "$dir/network-config"\nrm -rf "$dir"`,
      stdin,
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
    const outs = { ...(await checked(p, raw)), path: ISO, instanceId: "node01-0" };
    expect(await p.read(ISO, outs)).toEqual({ id: "", props: {} });
    host.write(ISO, "");
    expect(await p.read(ISO, outs)).toEqual({ id: "", props: {} });
    host.write(ISO, "ISO 9660 volume cidata\n");
    expect(await p.read(ISO, outs)).toMatchObject({ id: ISO, props: { contentCurrent: false } });
  });

  test("read: the ISO's documents as rendered → no drift; one changed → contentCurrent false, the update writes it again", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    const stored = { ...inputs, ...outs } as Props;
    const readDiff = async () => p.diff(ISO, (await p.read(ISO, stored)).props as Props, inputs);
    expect(await readDiff()).toEqual(NO_DIFF);
    const good = host.read(ISO) ?? "";
    host.write(ISO, good.replace("local-hostname: node01", "local-hostname: rogue"));
    const read = await p.read(ISO, stored);
    expect(read.props).toMatchObject({ contentCurrent: false });
    // Only digests leave the host: the probe's output holds no key.
    expect(lab.calls.map((c) => c.script).join("\n")).not.toContain("VEVTVC1PTkxZ");
    expect(await p.diff(ISO, read.props as Props, inputs)).toEqual(IN_PLACE);
    await p.update(ISO, read.props as Props, inputs);
    expect(host.read(ISO)).toBe(good);
    expect(await readDiff()).toEqual(NO_DIFF);
  });

  test("check rejects a missing private key, naming it", async () => {
    const r = await p.check({}, { ...raw, rootPrivateKey: "" });
    expect(r.failures).toEqual([
      { property: "rootPrivateKey", reason: "rootPrivateKey: rootPrivateKey is required" },
    ]);
  });
});
