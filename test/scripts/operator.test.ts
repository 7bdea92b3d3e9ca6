/**
 * The operator's command line (scripts/operator.ts), as scripts/lab.sh calls it: schema, diagram,
 * summary and status on the repository's stack files, the live parts over fake runners.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main, parseKnownHosts, run } from "../../scripts/operator";
import { renderDiagram } from "../../operator/diagram/render";
import { labJsonSchema, schemaText } from "../../operator/schema/json-schema";
import { DEV_OUTPUTS } from "../fixtures/operator-status";
import { DEGRADED, HEALTHY, labRunners } from "../operator/status/lab-answers";
import { ROOT, stackSpec } from "../operator/stack-specs";

const DEV = path.join(ROOT, "Pulumi.dev.yaml");
let dir: string;
let outputs: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kvmlab-operator-"));
  outputs = path.join(dir, "outputs.json");
  key = path.join(dir, "key");
  writeFileSync(outputs, JSON.stringify(DEV_OUTPUTS));
  writeFileSync(key, "KEY");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("operator.ts", () => {
  test("schema prints the lab schema", async () => {
    expect(await run(["schema"])).toBe(schemaText(labJsonSchema()));
  });

  test("diagram: the stack file's lab; with live facts from status --json", async () => {
    expect(await run(["diagram", DEV])).toBe(renderDiagram(stackSpec("dev")));
    const facts = path.join(dir, "facts.json");
    writeFileSync(
      facts,
      await run(["status", DEV, outputs, key, "dev", "--no-drift", "--json"], labRunners(DEGRADED)),
    );
    const live = await run(["diagram", DEV, facts]);
    expect(live).toContain("runs on node01");
    expect(live).toContain("not running");
  });

  test("summary: asked live with the key, in the lab's namespace", async () => {
    const text = await run(
      ["summary", DEV, outputs, "dev", "--netns", "kvmlab-dev", "--key", key],
      labRunners(HEALTHY),
    );
    expect(text).toContain("service01: runs on node01, VIP 192.168.7.99");
    expect(text).toContain("ip netns exec kvmlab-dev psql");
  });

  test("status: with a refresh preview's drift, or without", async () => {
    const preview = path.join(dir, "preview.json");
    writeFileSync(
      preview,
      JSON.stringify({ steps: [{ op: "same", urn: "urn:pulumi:dev::kvm-ha-lab::x::y" }] }),
    );
    const text = await run(
      ["status", DEV, outputs, key, "dev", "--drift", preview, "0"],
      labRunners(HEALTHY),
    );
    expect(text).toContain("Drift    none");
    expect(await run(["status", DEV, outputs, key, "dev", "--no-drift"], labRunners(HEALTHY))).toContain(
      "Drift    skipped (--no-drift was given)",
    );
  });

  test("errors: usage (exit 2), outputs of no lab (exit 1, with the fix)", async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
    try {
      expect(await main(["status", DEV, outputs, key, "dev"])).toBe(2);
      expect(await main(["bogus"])).toBe(2);
      const empty = path.join(dir, "empty.json");
      writeFileSync(empty, "{}");
      expect(await main(["summary", DEV, empty, "dev"])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/status: give --drift PREVIEW_JSON STATUS or --no-drift/);
    expect(errors[1]).toMatch(/unknown command "bogus"/);
    expect(errors[2]).toMatch(/not the outputs of this program .*Fix: run `npm run lab -- up`/);
  });
});

describe("--known-hosts: the nodes' pinned host keys for the live probes", () => {
  test("known_hosts lines by address (comments and blank lines skipped)", () => {
    const text = "# the lab\n192.168.8.121 ssh-ed25519 AAAA1\n\n192.168.8.122 ssh-ed25519 AAAA2\n";
    expect(parseKnownHosts(text, "kh")).toEqual({
      "192.168.8.121": "ssh-ed25519 AAAA1",
      "192.168.8.122": "ssh-ed25519 AAAA2",
    });
  });

  test("a malformed line, or a file that is not there, is an error naming it", async () => {
    expect(() => parseKnownHosts("192.168.8.121 ssh-ed25519\n", "kh")).toThrow(
      "kh:1: not a known_hosts line (ADDRESS TYPE KEY): 192.168.8.121 ssh-ed25519",
    );
    const missing = path.join(dir, "no-known-hosts");
    await expect(
      run(["status", DEV, outputs, key, "dev", "--no-drift", "--known-hosts", missing], labRunners(HEALTHY)),
    ).rejects.toThrow(missing);
  });

  test("status with the nodes' host keys given reads the lab as without them (the probes' runner pins them)", async () => {
    const known = path.join(dir, "known_hosts");
    writeFileSync(known, "192.168.8.121 ssh-ed25519 AAAA1\n192.168.8.122 ssh-ed25519 AAAA2\n");
    const args = ["status", DEV, outputs, key, "dev", "--no-drift"];
    expect(await run([...args, "--known-hosts", known], labRunners(HEALTHY))).toBe(
      await run(args, labRunners(HEALTHY)),
    );
  });
});
