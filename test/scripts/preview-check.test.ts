/**
 * The pure functions of scripts/preview-check.ts: the plan expected of the dev stack's lab, the
 * check of a fresh preview against it, the seeded state of the secret generators, and the scan for
 * secret values in plain text. The engine itself runs in scripts/preview-check.sh.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseLabSpec } from "../../spec";
import { LAB_KEY } from "../../spec/config-key";
import type { LabSpec } from "../../spec/types";
import { stackLabConfig } from "../../scripts/query";
import {
  SECRET_SIG,
  checkPlan,
  checkSeeded,
  countByType,
  expectedPlan,
  findLeaks,
  needles,
  seedDeployment,
  secretValues,
  stepsOf,
  type Generated,
} from "../../scripts/preview-check";

const STACK_FILE = path.join(__dirname, "..", "..", "Pulumi.dev.yaml");
const DYN = "pulumi-nodejs:dynamic/kvmlab:";
const STACK_URN = "urn:pulumi:dev::kvm-ha-lab::pulumi:pulumi:Stack::kvm-ha-lab-dev";

/** The dev stack's lab with every layer, as preview-check.sh previews it. */
function devLab(layers: LabSpec["layers"] = "cluster"): LabSpec {
  const raw = stackLabConfig(readFileSync(STACK_FILE, "utf8"), STACK_FILE, LAB_KEY) as Record<
    string,
    unknown
  >;
  return parseLabSpec({ ...raw, layers });
}

/** A fresh stack's preview planning exactly `resources` (`type name` lines) and the stack. */
function previewOf(resources: readonly string[], op = "create") {
  return {
    steps: [
      { op, urn: STACK_URN },
      ...resources.map((r) => {
        const [type, name] = r.split(" ");
        return { op, urn: `urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$${type}::${name}` };
      }),
    ],
  };
}

describe("the expected plan of the default lab", () => {
  const { resources, problems } = expectedPlan(devLab());

  test("is derived from the lab: 46 resources — 13 components and 33 dynamic resources", () => {
    expect(problems).toEqual([]);
    // 2 nodes × 6 (host key, volume, cloud-init, domain, ready, files) + 3 networks + 3 key pairs +
    // host prep and sshd + image build = 21 (substrate); + iSCSI target and 2 initiators, GlusterFS peers,
    // volume and 2 mounts = 7 (storage); + cluster password and pcs cluster, 1 STONITH device,
    // 1 service group with its database password = 5 (cluster).
    const dynamic = resources.filter((r) => r.startsWith(DYN));
    expect(dynamic).toHaveLength(33);
    expect(resources).toHaveLength(46);
    expect(new Set(resources).size).toBe(46);
    expect(resources).toEqual(
      expect.arrayContaining([
        "kvmlab:lab:HaLab dev",
        `${DYN}SshKeyPair dev-root-key`,
        `${DYN}SshKeyPair dev-node02-host-key`,
        `${DYN}LibvirtDomain dev-node02-domain`,
        `${DYN}LibvirtNetwork dev-net-heartbeat-libvirt`,
        `${DYN}IscsiInitiator dev-iscsi-initiator-node01`,
        `${DYN}GlusterMount dev-gluster-mount-node02`,
        `${DYN}StonithDevice dev-fence-kvmhost01-stonith`,
        `${DYN}RandomSecret dev-svc-service01-db-password`,
        `${DYN}ClusterServiceGroup dev-svc-service01-group`,
      ]),
    );
  });

  test("follows the layers: the substrate alone, then storage", () => {
    expect(expectedPlan(devLab("substrate")).resources.filter((r) => r.startsWith(DYN))).toHaveLength(21);
    expect(expectedPlan(devLab("storage")).resources.filter((r) => r.startsWith(DYN))).toHaveLength(28);
  });

  test("a preview of exactly the plan passes", () => {
    const preview = previewOf(resources);
    expect(checkPlan(preview, resources)).toEqual([]);
    expect(countByType(stepsOf(preview)).get(`${DYN}SshKeyPair`)).toBe(5);
  });

  test("a preview missing one dynamic resource fails (the old check accepted 28 of 29)", () => {
    const missing = resources.filter((r) => r !== `${DYN}NodeReady dev-node02-ready`);
    expect(checkPlan(previewOf(missing), resources)).toEqual([
      `not planned: ${DYN}NodeReady dev-node02-ready`,
    ]);
  });

  test("a preview with one more resource, or a renamed one, fails", () => {
    expect(checkPlan(previewOf([...resources, `${DYN}RandomSecret dev-extra`]), resources)).toEqual([
      `planned but not expected: ${DYN}RandomSecret dev-extra`,
    ]);
    const renamed = resources.map((r) =>
      r === `${DYN}HostSshd dev-host-sshd` ? `${DYN}HostSshd dev-sshd` : r,
    );
    expect(checkPlan(previewOf(renamed), resources)).toEqual([
      `not planned: ${DYN}HostSshd dev-host-sshd`,
      `planned but not expected: ${DYN}HostSshd dev-sshd`,
    ]);
  });

  test("a step other than create, an error diagnostic, or no steps at all fails", () => {
    expect(checkPlan(previewOf(resources, "update"), resources)[0]).toMatch(
      /^a fresh stack should only create: update/,
    );
    const diagnosed = {
      ...previewOf(resources),
      diagnostics: [{ urn: STACK_URN, severity: "error", message: "boom" }],
    };
    expect(checkPlan(diagnosed, resources)).toEqual([`error diagnostic: ${STACK_URN}: boom`]);
    expect(checkPlan({}, resources)[0]).toBe("the preview planned nothing (no steps)");
  });
});

// ---- seeding and scanning ---------------------------------------------------------------------------

const HALAB = "urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab::dev";
const HOST = "urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$kvmlab:host:KvmHost::dev-host";
const KEY = `urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$kvmlab:host:KvmHost$${DYN}SshKeyPair::dev-host-fence-key`;
const PASSWORD = `urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$${DYN}RandomSecret::dev-password`;
const PROVIDER = "urn:pulumi:dev::kvm-ha-lab::pulumi:providers:pulumi-nodejs::default";
const PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "QyNTUxOQAAACBvdXJvd25mYWtla2V5Zm9ydGVzdGluZ29ubHkxMjM0NQAAAJgAAAAAAAAA",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");
const PASSWORD_VALUE = "Zq8RkVw2mYp4Tn6Ls3Hd9Jf1";

const freshPreview = {
  steps: [
    { op: "create", urn: STACK_URN, newState: { urn: STACK_URN, type: "pulumi:pulumi:Stack" } },
    { op: "create", urn: HALAB, newState: { urn: HALAB, type: "kvmlab:lab:HaLab", parent: STACK_URN } },
    { op: "create", urn: HOST, newState: { urn: HOST, type: "kvmlab:host:KvmHost", parent: HALAB } },
    {
      op: "create",
      urn: KEY,
      provider: `${PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
      newState: { urn: KEY, type: `${DYN}SshKeyPair`, parent: HOST, inputs: { comment: "fence@dev" } },
    },
    {
      op: "create",
      urn: PASSWORD,
      provider: `${PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
      newState: { urn: PASSWORD, type: `${DYN}RandomSecret`, parent: HALAB, inputs: { length: 24 } },
    },
  ],
};
const generated = new Map<string, Generated>([
  [
    KEY,
    {
      id: "SHA256:x",
      outs: { comment: "fence@dev", privateKey: PRIVATE_KEY, publicKey: "ssh-ed25519 AAAA" },
      secretOutputs: ["privateKey"],
    },
  ],
  [PASSWORD, { id: "p", outs: { length: 24, value: PASSWORD_VALUE }, secretOutputs: ["value"] }],
]);
const empty = {
  version: 3,
  deployment: { manifest: { version: "v3.248.0" }, secrets_providers: { type: "passphrase" } },
};

describe("the seeded state", () => {
  const deployment = seedDeployment(empty, freshPreview, generated) as {
    version: number;
    deployment: { manifest: unknown; resources: Record<string, unknown>[] };
  };
  const resources = deployment.deployment.resources;

  test("holds the stack, the provider, the ancestors outermost first, then the generators", () => {
    expect(deployment.version).toBe(3);
    expect(deployment.deployment.manifest).toEqual({ version: "v3.248.0" });
    expect(resources.map((r) => r.urn)).toEqual([STACK_URN, PROVIDER, HALAB, HOST, KEY, PASSWORD]);
    const key = resources[4];
    expect(key.provider).toBe(`${PROVIDER}::${String(resources[1].id)}`);
    expect(key).toMatchObject({ id: "SHA256:x", parent: HOST, inputs: { comment: "fence@dev" } });
  });

  test("marks the providers' secret outputs secret, and only those", () => {
    const outputs = resources[4].outputs as Record<string, unknown>;
    expect(outputs.privateKey).toEqual({
      [SECRET_SIG.key]: SECRET_SIG.value,
      plaintext: JSON.stringify(PRIVATE_KEY),
    });
    expect(outputs.publicKey).toBe("ssh-ed25519 AAAA");
    expect(secretValues(deployment)).toEqual([PRIVATE_KEY, PASSWORD_VALUE]);
  });

  test("a preview without a generator, or a generator without a value, is an error", () => {
    expect(() => seedDeployment(empty, { steps: freshPreview.steps.slice(0, 3) }, generated)).toThrow(
      /plans no secret generator/,
    );
    expect(() => seedDeployment(empty, freshPreview, new Map())).toThrow(/no generated value/);
  });
});

describe("the secret scan", () => {
  test("finds a secret as it is, JSON-escaped, base64-encoded, or a key's line in an indented YAML", () => {
    const leaks = (text: string) => findLeaks([PRIVATE_KEY, PASSWORD_VALUE], [{ name: "f", text }]);
    expect(leaks("nothing here")).toEqual([]);
    expect(leaks(`{"password": "${PASSWORD_VALUE}"}`)).toEqual([
      "f: secret #2 (24 characters) appears in plain text",
    ]);
    expect(leaks(JSON.stringify({ key: PRIVATE_KEY }))).toHaveLength(1);
    expect(leaks(Buffer.from(PASSWORD_VALUE).toString("base64"))).toHaveLength(1);
    const yaml = `users:\n  - keys: |\n${PRIVATE_KEY.split("\n")
      .map((l) => `      ${l}`)
      .join("\n")}`;
    expect(leaks(yaml)).toEqual([`f: secret #1 (${PRIVATE_KEY.length} characters) appears in plain text`]);
    // PEM armour alone is no leak: every key has it.
    expect(leaks("-----BEGIN OPENSSH PRIVATE KEY-----")).toEqual([]);
  });

  test("needles are never shorter than the shortest piece worth searching", () => {
    expect(needles("short")).toEqual(["short", "c2hvcnQ="]);
    expect(needles(PASSWORD_VALUE)).toContain(PASSWORD_VALUE);
  });

  const seededState = seedDeployment(empty, freshPreview, generated) as {
    deployment: { resources: unknown[] };
  };
  const secondPreview = (ops: Record<string, string>, same: number) => ({
    steps: [
      { op: "same", urn: STACK_URN },
      ...Object.entries(ops).map(([urn, op]) => ({ op, urn })),
      { op: "create", urn: `urn:pulumi:dev::kvm-ha-lab::kvmlab:lab:HaLab$${DYN}PcsCluster::dev-cluster-pcs` },
    ],
    changeSummary: { same, create: 1 },
  });

  test("passes a preview that keeps the seeded state and shows no secret", () => {
    const preview = secondPreview({}, 5);
    const r = checkSeeded(preview, seededState, [{ name: "p.json", text: JSON.stringify(preview) }]);
    expect(r).toEqual({ secrets: 2, generators: 2, problems: [] });
  });

  test("fails when a secret appears in plain text", () => {
    const preview = secondPreview({}, 5);
    const text = `${JSON.stringify(preview)}\n{"haclusterPassword": "${PASSWORD_VALUE}"}`;
    expect(checkSeeded(preview, seededState, [{ name: "p.json", text }]).problems).toEqual([
      "p.json: secret #2 (24 characters) appears in plain text",
    ]);
  });

  test("fails when the seeded values were not used: a generator replaced, fewer kept than seeded", () => {
    const replaced = secondPreview({ [KEY]: "replace" }, 4);
    expect(checkSeeded(replaced, seededState, []).problems).toEqual([
      `replace ${KEY}: expected same (the seeded value would not be used)`,
      "the preview keeps 4 resources, the seeded state holds 5",
    ]);
  });

  test("fails when there is nothing to scan for (the old scan of a fresh stack)", () => {
    const fresh = { deployment: { resources: [{ urn: STACK_URN }] } };
    const r = checkSeeded(secondPreview({}, 1), fresh, []);
    expect(r.problems).toEqual(["the state holds no secret generator: nothing to scan for"]);
    const noSecrets = {
      deployment: { resources: [{ urn: STACK_URN }, { urn: KEY, outputs: { privateKey: "x" } }] },
    };
    expect(checkSeeded(secondPreview({}, 2), noSecrets, []).problems).toEqual([
      "the state holds 0 secret values for 1 secret generators",
    ]);
  });
});
