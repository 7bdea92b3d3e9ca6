/**
 * The NodeFiles provider (the seed's files kept on a running node) against the fake lab
 * (test/support/fake-lab.ts), driven as the engine drives it: check → create, read → diff →
 * update. Its scripts run for real on node01 with /etc/hosts and /root/.ssh moved into the node's
 * sandbox (chown is a fake; the tests run as root, as the nodes' scripts do, so the owner `stat`
 * prints is root:root).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, lab, on, theCall, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { seedFiles } from "../../../providers/node/cloud-init";
import {
  applyScript,
  nodeFilesProvider,
  parseFileStates,
  staleFiles,
  stateScript,
  statMode,
} from "../../../providers/node/node-files";
import { bashSyntaxCheck } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { checked, IN_PLACE, named, NO_DIFF } from "../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../fixtures/lab";

const p = nodeFilesProvider;
const N1 = nodeAccess(1);
const ROOT_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nUk9PVC1LRVktVEVTVA==\n-----END OPENSSH PRIVATE KEY-----\n";
const HOSTS = [
  { address: "192.168.8.121", names: ["node01m"] },
  { address: "192.168.8.122", names: ["node02m"] },
  { address: "192.168.8.123", names: ["node03m"] },
];
const raw = named(
  {
    node: N1,
    sshPrivateKey: PROGRAM_KEY,
    hosts: HOSTS,
    authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIProgramKeyForTestsOnly program@dev"],
    rootPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRootKeyForTestsOnly root@dev",
    rootPrivateKey: ROOT_KEY,
  },
  "dev-node01-files",
);
type Inputs = Parameters<typeof seedFiles>[0];
const inputsOf = async (props: Props = raw) => (await checked(p, props)) as unknown as Inputs & Props;
const stdinOf = (inputs: Inputs) =>
  `${seedFiles(inputs)
    .map((f) => Buffer.from(f.content).toString("base64"))
    .join("\n")}\n`;

const APPLY = /^set -euo pipefail\nfail\(\)[\s\S]*\nput\(\) \{/;
const STATE = /^for f in /;

/** node01 as cloud-init left it (the files of `inputs`, or none), its scripts run for real. */
function node01(inputs?: Inputs): FakeMachine {
  const node = fakeMachine({ chown: ":" }, { paths: ["/etc/hosts", "/root/.ssh"] });
  for (const f of inputs === undefined ? [] : seedFiles(inputs)) {
    node.write(f.path, f.content);
    fs.chmodSync(node.at(f.path), Number.parseInt(f.permissions, 8));
  }
  on(APPLY, forReal(node), N1.address);
  on(STATE, forReal(node), N1.address);
  return node;
}

/** What the sandbox holds besides the files (a temporary file left behind). */
const leftovers = (node: FakeMachine) => [
  ...fs.readdirSync(path.dirname(node.at("/etc/hosts"))).filter((f) => f !== "hosts"),
  ...fs.readdirSync(node.at("/root/.ssh")).filter((f) => !/^(authorized_keys|id_ed25519(\.pub)?)$/.test(f)),
];

describe("NodeFiles", () => {
  test("the scripts are the golden ones and valid bash; the modes are stat's", async () => {
    const files = seedFiles(await inputsOf());
    bashSyntaxCheck(applyScript(files));
    bashSyntaxCheck(stateScript(files));
    expectGolden("node-files-apply.sh", applyScript(files));
    expectGolden("node-files-state.sh", stateScript(files));
    expect([statMode("0644"), statMode("0600"), statMode("0755")]).toEqual(["644", "600", "755"]);
  });

  test("the rendering digest follows the files but not root's private key (an input of its own)", async () => {
    const digest = async (props: Props) => (await checked(p, props)).renderedDigest;
    const otherKey = ROOT_KEY.replace("Uk9PVC", "T1RIRV");
    expect(await digest({ ...raw, rootPrivateKey: otherKey })).toBe(await digest(raw));
    expect(await digest({ ...raw, hosts: HOSTS.slice(0, 2) })).not.toBe(await digest(raw));
  });

  test("create on a node cloud-init just set up: every file read and compared, none written", async () => {
    const inputs = await inputsOf();
    const node = node01(inputs);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe("192.168.8.121:seed-files");
    expect(outs).toMatchObject({
      paths: [
        "/etc/hosts",
        "/root/.ssh/authorized_keys",
        "/root/.ssh/id_ed25519",
        "/root/.ssh/id_ed25519.pub",
      ],
    });
    const call = theCall(APPLY);
    expect(call.opts.stdin).toBe(stdinOf(inputs));
    expect(call.opts.sensitive).toEqual([ROOT_KEY]);
    expect(node.log()).toEqual([]);
    expect(leftovers(node)).toEqual([]);
  });

  test("update: only the files that differ are written, with their modes; the rest is left alone", async () => {
    const olds = await inputsOf({ ...raw, hosts: HOSTS.slice(0, 2) });
    const node = node01(olds);
    // Out of band, the public key lost its mode (nothing else about it changed).
    fs.chmodSync(node.at("/root/.ssh/id_ed25519.pub"), 0o600);
    const news = await inputsOf();
    expect(await p.diff("x", { ...olds, paths: [] }, news)).toEqual(IN_PLACE);
    await p.update("x", olds, news);
    for (const f of seedFiles(news)) {
      expect([f.path, node.read(f.path)]).toEqual([f.path, f.content]);
      expect([f.path, (fs.statSync(node.at(f.path)).mode & 0o777).toString(8)]).toEqual([
        f.path,
        statMode(f.permissions),
      ]);
    }
    expect(node.log()).toEqual(
      ["chown root:root /etc/hosts.kvmlab.", "chown root:root /root/.ssh/id_ed25519.pub.kvmlab."].map(
        (prefix) => expect.stringContaining(prefix),
      ),
    );
    expect(leftovers(node)).toEqual([]);
  });

  test("read: the files as rendered → no drift; one edited, re-moded or removed → filesCurrent false, an update", async () => {
    const inputs = await inputsOf();
    const stored = { ...inputs, paths: [] };
    const node = node01(inputs);
    const readDiff = async () => {
      const read = await p.read("x", stored);
      return p.diff("x", read.props as Props, inputs);
    };
    expect(await readDiff()).toEqual(NO_DIFF);

    node.write("/etc/hosts", "127.0.0.1 localhost\n");
    expect(await readDiff()).toEqual(IN_PLACE);
    node.write("/etc/hosts", seedFiles(inputs)[0].content);
    fs.chmodSync(node.at("/root/.ssh/id_ed25519"), 0o644);
    expect((await p.read("x", stored)).props).toMatchObject({ filesCurrent: false });
    fs.chmodSync(node.at("/root/.ssh/id_ed25519"), 0o600);
    fs.rmSync(node.at("/root/.ssh/id_ed25519.pub"));
    expect((await p.read("x", stored)).props).toMatchObject({ filesCurrent: false });
  });

  test("read of a node that cannot be reached: no drift reported (NodeReady reports the node)", async () => {
    lab.down = [N1.address];
    const inputs = await inputsOf();
    const read = await p.read("x", { ...inputs, paths: [] });
    expect(await p.diff("x", read.props as Props, inputs)).toEqual(NO_DIFF);
  });

  test("the state probe's lines parse into each file's digest, mode and owner, or missing", () => {
    const found = parseFileStates(
      "3f2a 644 root:root /etc/hosts\nmissing /root/.ssh/id_ed25519.pub\n9c1b 600 root:root /root/a b\n",
    );
    expect(found).toEqual([
      { path: "/etc/hosts", sha256: "3f2a", mode: "644", owner: "root:root" },
      { path: "/root/.ssh/id_ed25519.pub" },
      { path: "/root/a b", sha256: "9c1b", mode: "600", owner: "root:root" },
    ]);
    const file = { path: "/etc/hosts", owner: "root:root", permissions: "0644", content: "x\n" };
    expect(staleFiles([file], found)).toEqual(["/etc/hosts"]);
    expect(staleFiles([{ ...file, path: "/nowhere" }], found)).toEqual(["/nowhere"]);
  });
});
