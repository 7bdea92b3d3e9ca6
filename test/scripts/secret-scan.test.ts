/**
 * The search for secrets in clear (scripts/secret-scan.ts and `query secret-scan`): the secret
 * values of a stack export, found where they appear, reported without their values.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { secretFinds, secretReport, secretValues } from "../../scripts/secret-scan";
import { run } from "../../scripts/query";
import { removeTempDirs, tempDir } from "../support/bash";

const SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const secret = (value: unknown) => ({ ...SIG, plaintext: JSON.stringify(value) });

const PASSWORD = "Hx7pQ2mZ9vL4kR8sT3wY6nB1";
const KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
const PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_BODY}\nQyNTUxOQ==\n-----END OPENSSH PRIVATE KEY-----\n`;
const PASSWORD_URN = "urn:pulumi:dev::kvm-ha-lab::kvmlab:RandomSecret::dev-cluster-password";
const KEY_URN = "urn:pulumi:dev::kvm-ha-lab::kvmlab:SshKeyPair::dev-host-program-key";

/** A stack export with a password, a key pair and a plain output. */
const EXPORTED = {
  version: 3,
  deployment: {
    resources: [
      { urn: PASSWORD_URN, inputs: { length: 24 }, outputs: { value: secret(PASSWORD), length: 24 } },
      {
        urn: KEY_URN,
        outputs: { privateKey: secret(PRIVATE_KEY), publicKey: "ssh-ed25519 AAAAC3Nza public" },
      },
      // A short secret is no secret worth looking for; a nested one counts.
      { urn: "urn:x::y", outputs: { pin: secret("1234"), nested: secret({ token: "tok-5f0e8a9c1d2b" }) } },
    ],
  },
};

afterAll(removeTempDirs);

describe("secretValues", () => {
  test("every secret of the export with its place; a key by its own lines, the armour and short values left out", () => {
    expect(secretValues(EXPORTED)).toEqual([
      { value: PASSWORD, where: `${PASSWORD_URN}/outputs/value` },
      { value: KEY_BODY, where: `${KEY_URN}/outputs/privateKey` },
      { value: "tok-5f0e8a9c1d2b", where: "urn:x::y/outputs/nested" },
    ]);
    expect(secretValues({ deployment: { resources: [] } })).toEqual([]);
  });
});

describe("secretFinds and secretReport", () => {
  test("a find names the secret's place, the file and the line, never the value", () => {
    const finds = secretFinds(secretValues(EXPORTED), {
      "ps-host.txt": `bash -c ssh root@node01\npcs host auth -p ${PASSWORD} node01h\n`,
      "engine.log": `+ created\n${KEY_BODY}\n`,
      "outputs.json": `{"clusterPassword": "[secret]"}`,
    });
    expect(finds).toEqual([
      { where: `${PASSWORD_URN}/outputs/value`, file: "ps-host.txt", line: 2 },
      { where: `${KEY_URN}/outputs/privateKey`, file: "engine.log", line: 2 },
    ]);
    const report = secretReport(finds);
    expect(report).toBe(
      `a secret of ${PASSWORD_URN}/outputs/value in clear in ps-host.txt, line 2\n` +
        `a secret of ${KEY_URN}/outputs/privateKey in clear in engine.log, line 2`,
    );
    expect(report).not.toContain(PASSWORD);
    expect(report).not.toContain(KEY_BODY);
  });
});

describe("query secret-scan", () => {
  const dir = () => tempDir("kvmlab-secret-scan-");
  test("clean files: how many values were looked for where; a find fails naming its place only", async () => {
    const d = dir();
    const exportFile = path.join(d, "export.json");
    fs.writeFileSync(exportFile, JSON.stringify(EXPORTED));
    const clean = path.join(d, "state.json");
    fs.writeFileSync(clean, JSON.stringify({ value: { ciphertext: "v1:abc" } }));
    expect(await run(["secret-scan", exportFile, clean])).toBe("3 secret values, none in clear in 1 files");

    const leaky = path.join(d, "ps.txt");
    fs.writeFileSync(leaky, `x\necho ${PASSWORD}\n`);
    const err = await run(["secret-scan", exportFile, clean, leaky]).catch((e: Error) => e);
    expect(String(err)).toContain(`a secret of ${PASSWORD_URN}/outputs/value in clear in ${leaky}, line 2`);
    expect(String(err)).not.toContain(PASSWORD);
  });

  test("usage: the export and at least one file; an export without secrets is refused", async () => {
    await expect(run(["secret-scan"])).rejects.toThrow("secret-scan: expected EXPORT FILE…");
    const d = dir();
    const empty = path.join(d, "export.json");
    fs.writeFileSync(empty, JSON.stringify({ deployment: { resources: [] } }));
    await expect(run(["secret-scan", empty, empty])).rejects.toThrow("the stack has no secret to look for");
  });
});
