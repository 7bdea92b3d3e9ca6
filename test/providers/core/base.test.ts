import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utils } from "ssh2";
import { z } from "zod";
import { defineProvider, RESOURCE_NAME_KEY, UNKNOWN, type Props } from "../../../providers/core/base";
import { labKind } from "../../../providers/core/kind";
import { publicKeyFingerprint, sshKeyPairProvider } from "../../../providers/secrets/keypair";
import { generateSecret, RandomSecret, randomSecretProvider } from "../../../providers/secrets/secret";
import { SshKeyPair } from "../../../providers/secrets/keypair";
import { serialiseAndRevive } from "../../support/serialised";

/** A test kind backed by an in-memory "remote system", so read can see drift and disappearance. */
function widgetProvider(live: Map<string, { size: number }>, opts: { withUpdate?: boolean } = {}) {
  return defineProvider({
    kind: "Widget",
    schema: () =>
      z.object({
        name: z.string().min(1, "name must not be empty"),
        size: z.number().int().min(1, "size must be at least 1").default(1),
        tags: z.array(z.string()).default([]),
      }),
    check: (inputs) =>
      inputs.tags.includes(inputs.name)
        ? [{ property: "tags", reason: "tags: must not contain the name" }]
        : [],
    forceNew: ["name"],
    secretOutputs: ["token"],
    async create(inputs) {
      if (inputs.name === "explode") throw new Error("boom");
      live.set(inputs.name, { size: inputs.size });
      return { id: inputs.name, outs: { token: "t0ken" } };
    },
    async read(id) {
      const found = live.get(id);
      return found === undefined ? undefined : { size: found.size };
    },
    update:
      opts.withUpdate === false
        ? undefined
        : async (id, _olds, news) => {
            live.set(id, { size: news.size });
            return { token: "t0ken" };
          },
    async delete(id) {
      live.delete(id);
    },
  });
}

const named = (props: Props, name = "w1"): Props => ({ ...props, [RESOURCE_NAME_KEY]: name });

describe("defineProvider: check", () => {
  const p = widgetProvider(new Map());

  test("applies defaults, keeps the resource name, reports no failures", async () => {
    const r = await p.check({}, named({ name: "a" }));
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ name: "a", size: 1, tags: [], [RESOURCE_NAME_KEY]: "w1" });
  });

  test("failures name the property, in the property field and in the reason", async () => {
    const r = await p.check({}, { name: "a", size: 0 });
    expect(r.failures).toEqual([{ property: "size", reason: "size: size must be at least 1" }]);
  });

  test("nested failures carry a path; wrong types are reported", async () => {
    const r = await p.check({}, { name: 3, tags: ["ok", 5] });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["name", "tags[1]"]);
  });

  test("a property the kind does not have is a failure", async () => {
    const r = await p.check({}, { name: "a", colour: "red" });
    expect(r.failures).toEqual([{ property: "colour", reason: "colour: not a property of Widget" }]);
  });

  test("cross-field check runs after the schema", async () => {
    const r = await p.check({}, { name: "a", tags: ["a"] });
    expect(r.failures).toEqual([{ property: "tags", reason: "tags: must not contain the name" }]);
  });

  test("unknown values (preview) pass through unvalidated, also nested ones", async () => {
    const r = await p.check({}, { name: UNKNOWN, size: 2, tags: ["x", UNKNOWN] });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ name: UNKNOWN, size: 2, tags: ["x", UNKNOWN] });
  });

  test("UNKNOWN is the engine's own unknown value (spelled out so providers load without the SDK)", () => {
    expect(UNKNOWN).toBe(pulumi.runtime.unknownValue);
  });
});

describe("defineProvider: diff", () => {
  const p = widgetProvider(new Map());
  const olds = named({ name: "a", size: 1, tags: [], token: "t0ken" });

  test("no change → changes false, nothing replaced (outputs that are not inputs are ignored)", async () => {
    expect(await p.diff("a", olds, named({ name: "a", size: 1, tags: [] }, "renamed"))).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("an updatable field changes without replacement", async () => {
    const d = await p.diff("a", olds, { name: "a", size: 2, tags: [] });
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([]);
  });

  test("a force-new field replaces", async () => {
    const d = await p.diff("a", olds, { name: "b", size: 1, tags: [] });
    expect(d).toMatchObject({ changes: true, replaces: ["name"] });
  });

  test("unknown values count as possible changes; force-new ones as replacements", async () => {
    expect(await p.diff("a", olds, { name: "a", size: UNKNOWN, tags: [] })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await p.diff("a", olds, { name: UNKNOWN, size: 1, tags: [] })).toMatchObject({
      changes: true,
      replaces: ["name"],
    });
  });

  test("without update every change replaces", async () => {
    const q = widgetProvider(new Map(), { withUpdate: false });
    expect(await q.diff("a", olds, { name: "a", size: 5, tags: [] })).toMatchObject({
      changes: true,
      replaces: ["size"],
    });
  });
});

describe("defineProvider: create/read/update/delete", () => {
  test("create mirrors the inputs into the outputs, so diff compares desired with last known", async () => {
    const live = new Map<string, { size: number }>();
    const p = widgetProvider(live);
    const inputs = (await p.check({}, named({ name: "a", size: 3 }))).inputs as Props;
    const created = await p.create(inputs);
    expect(created.id).toBe("a");
    expect(created.outs).toEqual({ ...inputs, token: "t0ken" });
    expect((await p.diff("a", created.outs as Props, inputs)).changes).toBe(false);
  });

  test("read shows drift, diff then reports it, update converges", async () => {
    const live = new Map<string, { size: number }>();
    const p = widgetProvider(live);
    const inputs = (await p.check({}, named({ name: "a", size: 3 }))).inputs as Props;
    const created = await p.create(inputs);
    live.set("a", { size: 9 }); // out-of-band change
    const read = await p.read("a", created.outs);
    expect(read).toEqual({ id: "a", props: { ...created.outs, size: 9 } });
    const d = await p.diff("a", read.props as Props, inputs);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const updated = await p.update("a", read.props as Props, inputs);
    expect(updated.outs).toMatchObject({ size: 3 });
    expect(live.get("a")).toEqual({ size: 3 });
  });

  test("read of something gone returns an empty id", async () => {
    const p = widgetProvider(new Map());
    expect(await p.read("zzz", named({ name: "zzz", size: 1, tags: [] }))).toEqual({ id: "", props: {} });
  });

  test("errors are wrapped with the kind, the resource name and the operation", async () => {
    const p = widgetProvider(new Map());
    await expect(p.create(named({ name: "explode", size: 1, tags: [] }, "my-widget"))).rejects.toThrow(
      'Widget "my-widget": create failed: boom',
    );
  });

  test("delete removes; secret outputs are declared on the provider", async () => {
    const live = new Map([["a", { size: 1 }]]);
    const p = widgetProvider(live);
    await p.delete("a", named({ name: "a", size: 1, tags: [] }));
    expect(live.size).toBe(0);
    expect(p.secretOutputs).toEqual(["token"]);
    expect(p.kind).toBe("Widget");
  });
});

describe("RandomSecret provider", () => {
  const p = randomSecretProvider;

  test("rejects a length below 12, naming length", async () => {
    const r = await p.check({}, { length: 8 });
    expect(r.failures).toHaveLength(1);
    expect(r.failures?.[0].property).toBe("length");
    expect(r.failures?.[0].reason).toMatch(/length.*at least 12/);
  });

  test("creates a secret of the requested length and alphabet; value is a secret output", async () => {
    const inputs = (await p.check({}, { length: 24 })).inputs as Props;
    expect(inputs.alphabet).toBe("alnum");
    const a = await p.create(inputs);
    const b = await p.create(inputs);
    expect(a.outs.value).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(a.outs.value).not.toBe(b.outs.value);
    expect(p.secretOutputs).toEqual(["value"]);
    const hex = await p.create({ length: 32, alphabet: "hex" });
    expect(hex.outs.value).toMatch(/^[0-9a-f]{32}$/);
    expect(generateSecret(200, "printable")).not.toMatch(/[\s'"`$\\]/);
  });

  test("stable: same inputs → no change; length or alphabet change → replace", async () => {
    const created = await p.create({ length: 16, alphabet: "alnum" });
    const outs = created.outs as Props;
    expect(await p.diff(created.id, outs, { length: 16, alphabet: "alnum" })).toMatchObject({
      changes: false,
    });
    expect(await p.diff(created.id, outs, { length: 20, alphabet: "alnum" })).toMatchObject({
      changes: true,
      replaces: ["length"],
    });
    expect(await p.diff(created.id, outs, { length: 16, alphabet: "hex" })).toMatchObject({
      replaces: ["alphabet"],
    });
    expect(await p.read(created.id, outs)).toEqual({ id: created.id, props: outs });
  });
});

describe("SshKeyPair provider", () => {
  test("produces a usable ed25519 key pair", async () => {
    const inputs = (await sshKeyPairProvider.check({}, { comment: "fence@kvm01" })).inputs as Props;
    const { id, outs } = await sshKeyPairProvider.create(inputs);
    const publicKey = outs.publicKey as string;
    const privateKey = outs.privateKey as string;
    expect(publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ fence@kvm01$/);
    expect(privateKey).toContain("-----BEGIN OPENSSH PRIVATE KEY-----");
    expect(sshKeyPairProvider.secretOutputs).toEqual(["privateKey"]);

    const priv = utils.parseKey(privateKey);
    const pub = utils.parseKey(publicKey);
    if (priv instanceof Error) throw priv;
    if (pub instanceof Error) throw pub;
    expect(priv.type).toBe("ssh-ed25519");
    expect(priv.getPublicSSH().equals(pub.getPublicSSH())).toBe(true);
    const data = Buffer.from("hello");
    expect(pub.verify(data, priv.sign(data))).toBe(true);

    // The fingerprint (also the id) is the one ssh-keygen prints.
    const dir = mkdtempSync(join(tmpdir(), "kvmlab-key-"));
    try {
      writeFileSync(join(dir, "k.pub"), `${publicKey}\n`);
      const keygen = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", join(dir, "k.pub")]).toString();
      expect(keygen.split(" ")[1]).toBe(outs.fingerprint);
      expect(id).toBe(publicKeyFingerprint(publicKey));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("comment change replaces; an empty comment is rejected", async () => {
    const { outs } = await sshKeyPairProvider.create({ comment: "a", type: "ed25519" });
    expect(
      await sshKeyPairProvider.diff("x", outs as Props, { comment: "b", type: "ed25519" }),
    ).toMatchObject({
      replaces: ["comment"],
    });
    const r = await sshKeyPairProvider.check({}, { comment: "" });
    expect(r.failures?.[0]?.property).toBe("comment");
  });
});

describe("closure serialisation (what pulumi.dynamic.Resource does with a provider)", () => {
  test.each([
    ["RandomSecret", randomSecretProvider, { length: 14 }, /^[A-Za-z0-9]{14}$/],
    ["SshKeyPair", sshKeyPairProvider, { comment: "x@y" }, /^ssh-ed25519 /],
  ])(
    "%s serialises, and the revived provider checks and creates",
    async (_label, provider, args, pattern) => {
      const { revived, containsSecrets, textLength } = await serialiseAndRevive(provider);
      expect(containsSecrets).toBe(false);
      expect(textLength).toBeLessThan(200_000);
      expect(revived.kind).toBe(provider.kind);
      const check = await revived.check({}, args);
      expect(check.failures).toEqual([]);
      const { outs } = await revived.create(check.inputs as Props);
      expect(String(outs.value ?? outs.publicKey)).toMatch(pattern);
    },
  );
});

describe("LabDynamicResource (pulumi mocks)", () => {
  test("registers the kvmlab type, passes the resource name, serialises the provider, marks secrets", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return { id: `${args.name}-id`, state: { ...args.inputs, value: "s".repeat(16), privateKey: "k" } };
        },
        call: (args) => args.inputs,
      },
      "kvm-ha-lab",
      "test",
    );
    const seen: Record<string, pulumi.CustomResourceOptions> = {};
    const capture = (args: pulumi.ResourceTransformationArgs): undefined => {
      seen[args.name] = args.opts as pulumi.CustomResourceOptions;
      return undefined;
    };
    const secret = new RandomSecret("db-password", { length: 16 }, { transformations: [capture] });
    const key = new SshKeyPair("fence-key", { comment: "fence@kvm01" }, { transformations: [capture] });
    const outputs = [
      secret.urn,
      secret.id,
      secret.value,
      key.urn,
      key.id,
      key.publicKey,
    ] as pulumi.Output<unknown>[];
    const [, , value] = await new Promise<unknown[]>((resolve) => pulumi.all(outputs).apply(resolve));
    expect(value).toBe("s".repeat(16));

    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    expect(byName["db-password"].type).toBe("pulumi-nodejs:dynamic/kvmlab:RandomSecret");
    expect(byName["fence-key"].type).toBe("pulumi-nodejs:dynamic/kvmlab:SshKeyPair");
    expect(byName["db-password"].inputs).toMatchObject({ length: 16, [RESOURCE_NAME_KEY]: "db-password" });
    expect(typeof byName["db-password"].inputs.__provider).toBe("string");
    expect(seen["db-password"].additionalSecretOutputs).toEqual(["value"]);
    expect(seen["fence-key"].additionalSecretOutputs).toEqual(["privateKey"]);
  });
});

describe("labKind (pulumi mocks)", () => {
  const gadgetProvider = defineProvider({
    kind: "Gadget",
    schema: () => z.object({ name: z.string(), password: z.string() }),
    secretOutputs: ["token"],
    async create(inputs) {
      return { id: inputs.name, outs: { token: "t0ken", count: 3 } };
    },
  });
  const Gadget = labKind<{ name: string; password: string }, { token: string; count: number }>(
    gadgetProvider,
    { outputs: { token: true, count: true }, secretInputs: ["password"] },
  );

  test("names the kind, declares every output, keeps secret inputs secret", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return { id: `${args.name}-id`, state: { ...args.inputs, token: "t0ken", count: 3 } };
        },
        call: (args) => args.inputs,
      },
      "kvm-ha-lab",
      "test",
    );
    let seen: pulumi.ResourceTransformationArgs | undefined;
    const capture = (args: pulumi.ResourceTransformationArgs): undefined => {
      seen = args;
      return undefined;
    };
    const gadget = new Gadget("g1", { name: "g1", password: "plain" }, { transformations: [capture] });
    const outputs = [gadget.urn, gadget.name, gadget.token, gadget.count] as pulumi.Output<unknown>[];
    const [, name, token, count] = await new Promise<unknown[]>((resolve) =>
      pulumi.all(outputs).apply(resolve),
    );

    expect(Gadget.kind).toBe("Gadget");
    expect(registered.map((r) => r.type)).toEqual(["pulumi-nodejs:dynamic/kvmlab:Gadget"]);
    expect([name, token, count]).toEqual(["g1", "t0ken", 3]);
    expect(seen?.props).toHaveProperty("token");
    expect(seen?.props).toHaveProperty("count");
    const password = seen?.props.password;
    expect(pulumi.Output.isInstance(password)).toBe(true);
    expect(await pulumi.isSecret(password as pulumi.Output<string>)).toBe(true);
    expect(pulumi.Output.isInstance(seen?.props.name)).toBe(false);
    expect((seen?.opts as pulumi.CustomResourceOptions).additionalSecretOutputs).toEqual([
      "password",
      "token",
    ]);
  });
});
