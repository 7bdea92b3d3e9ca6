/**
 * Checks `pulumi preview --json` of the dev stack's lab through the real engine (scripts/preview-check.sh
 * runs it in a throwaway backend), in two passes:
 *
 *   preview-check.ts plan PREVIEW_JSON STACK_FILE
 *       A fresh stack's preview plans exactly the resources the stack's lab must have — the set of
 *       `type name` pairs {@link expectedPlan} derives from the lab description (nothing missing,
 *       nothing more), every step a create, and no error diagnostic.
 *   preview-check.ts seed PREVIEW_JSON EMPTY_EXPORT
 *       Prints a deployment for `pulumi stack import`: the stack's secret generators (RandomSecret,
 *       SshKeyPair) from that preview, with values made by their own providers' create, and the
 *       components above them. A fresh stack has no secret value yet (a preview creates nothing),
 *       so a scan of its preview could never find one; the second preview, on this state, runs
 *       the program with every generated secret known.
 *   preview-check.ts scan PREVIEW_JSON SECRET_EXPORT FILE…
 *       The second preview: the seeded generators are kept (op `same`, so their values flowed into
 *       the resources that use them), everything else is created, no error diagnostic, and none of
 *       the secret values of SECRET_EXPORT (`pulumi stack export --show-secrets`) appears in any
 *       FILE (the preview's JSON and log, the state without --show-secrets).
 *
 * Each prints what it checked; exits 1 with the reasons when a check fails (2: usage).
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import type { LabSpec } from "../spec/types";
import { stackLabConfig } from "./query";

/** A step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  provider?: string;
  newState?: {
    urn: string;
    type: string;
    custom?: boolean;
    parent?: string;
    inputs?: Record<string, unknown>;
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A URN's type part is the parent chain joined by "$"; the resource's own type is the last link. */
export function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** A URN's resource name (everything after the type part). */
export function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The steps of a preview document (none when it has no steps array). */
export function stepsOf(preview: unknown): PreviewStep[] {
  const raw = isRecord(preview) ? preview.steps : undefined;
  return Array.isArray(raw)
    ? raw.filter((s): s is PreviewStep => isRecord(s) && typeof s.urn === "string")
    : [];
}

/** Error diagnostics of a preview document, as `URN: message` lines. */
export function errorDiagnostics(preview: unknown): string[] {
  const raw = isRecord(preview) ? preview.diagnostics : undefined;
  return (Array.isArray(raw) ? raw : [])
    .filter((d): d is Record<string, unknown> => isRecord(d) && d.severity === "error")
    .map((d) => `${typeof d.urn === "string" ? d.urn : "(no resource)"}: ${String(d.message).trim()}`);
}

// ---- the plan of a lab ---------------------------------------------------------------------------

const DYN = "pulumi-nodejs:dynamic/kvmlab:";
/** The stack resource: the engine's, always one, named after the project and stack. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * Every resource the program declares for a lab, as `type name` lines, derived from the lab
 * description by the rules of components/ (each rule names its file). It states the component graph
 * a second time on purpose: the preview check then fails when a component stops declaring a
 * resource, declares one more, or renames one (a rename replaces the resource in every stack).
 */
export function expectedPlan(spec: LabSpec): { resources: string[]; problems: string[] } {
  const problems: string[] = [];
  const out: string[] = [];
  const add = (type: string, name: string) => out.push(`${type} ${name}`);
  const p = spec.name; // index.ts: new HaLab(spec.name)
  const role = (n: LabSpec["nodes"][number]) => n.role ?? "member";
  const members = spec.nodes.filter((n) => role(n) === "member");

  add("kvmlab:lab:HaLab", p);
  // layers/substrate.ts and host/kvm-host.ts: the host, its keys, preparation and fence sshd.
  add("kvmlab:host:KvmHost", `${p}-host`);
  add(`${DYN}SshKeyPair`, `${p}-host-fence-key`);
  add(`${DYN}SshKeyPair`, `${p}-host-program-key`);
  add(`${DYN}HostPrep`, `${p}-host-prep`);
  add(`${DYN}HostSshd`, `${p}-host-sshd`);
  add(`${DYN}SshKeyPair`, `${p}-root-key`);
  // image/base-image.ts: a build or a fetch; an image path declares no resource.
  add("kvmlab:image:BaseImage", `${p}-image`);
  if (spec.image.source === "build") add(`${DYN}BaseImageBuild`, `${p}-image-build`);
  if (spec.image.source === "url") add(`${DYN}BaseImageFetch`, `${p}-image-fetch`);
  // network/lab-network.ts: one per network.
  for (const net of spec.networks) {
    add("kvmlab:network:LabNetwork", `${p}-net-${net.name}`);
    add(`${DYN}LibvirtNetwork`, `${p}-net-${net.name}-libvirt`);
  }
  // node/node-vm.ts: one VM per node (the component's type token is ClusterNode).
  for (const node of spec.nodes) {
    const n = `${p}-${node.name}`;
    add("kvmlab:node:ClusterNode", n);
    for (const [kind, suffix] of [
      ["SshKeyPair", "host-key"],
      ["NodeVolume", "volume"],
      ["CloudInitDisk", "cloud-init"],
      ["LibvirtDomain", "domain"],
      ["NodeReady", "ready"],
      ["NodeFiles", "files"],
    ]) {
      add(`${DYN}${kind}`, `${n}-${suffix}`);
    }
  }
  if (spec.layers === "substrate") return { resources: out.sort(), problems };

  // layers/storage.ts, storage/iscsi-target.ts: the target, an initiator on every other member.
  if (spec.iscsi.enabled) {
    add("kvmlab:storage:IscsiTarget", `${p}-iscsi`);
    add(`${DYN}IscsiTarget`, `${p}-iscsi-target`);
    for (const m of members.filter((m) => m.name !== spec.iscsi.host)) {
      add(`${DYN}IscsiInitiator`, `${p}-iscsi-initiator-${m.name}`);
    }
  }
  // storage/gluster-volume.ts: peers, the volume, a mount on every member.
  if (spec.gluster.enabled) {
    add("kvmlab:storage:GlusterVolume", `${p}-gluster`);
    add(`${DYN}GlusterPeers`, `${p}-gluster-peers`);
    add(`${DYN}GlusterVolume`, `${p}-gluster-volume`);
    for (const m of members) add(`${DYN}GlusterMount`, `${p}-gluster-mount-${m.name}`);
  }
  // layers/ocfs2.ts, ocfs2/ocfs2-file-system.ts: seed 003's o2cb cluster with its volume.
  if (spec.ocfs2 !== undefined) {
    add("kvmlab:ocfs2:Ocfs2FileSystem", `${p}-ocfs2`);
    add(`${DYN}Ocfs2Cluster`, `${p}-ocfs2-o2cb`);
  }
  if (spec.layers === "storage") return { resources: out.sort(), problems };

  // layers/cluster.ts, cluster/ha-cluster.ts: the password and the stack's cluster resource.
  add("kvmlab:cluster:HaCluster", `${p}-cluster`);
  add(`${DYN}RandomSecret`, `${p}-cluster-password`);
  if (spec.cluster.stack === "pacemaker") add(`${DYN}PcsCluster`, `${p}-cluster-pcs`);
  else add(`${DYN}CmanCluster`, `${p}-cluster-cman`);
  // cluster/fence-device.ts: one STONITH device per fence device.
  for (const f of spec.fencing) {
    add("kvmlab:cluster:FenceDevice", `${p}-fence-${f.name}`);
    add(`${DYN}StonithDevice`, `${p}-fence-${f.name}-stonith`);
  }
  // cluster/service-group.ts: the group, and a database password when it runs PostgreSQL.
  for (const g of spec.services) {
    add("kvmlab:cluster:ServiceGroup", `${p}-svc-${g.name}`);
    if (g.resources.some((r) => r.kind === "postgresql")) {
      add(`${DYN}RandomSecret`, `${p}-svc-${g.name}-db-password`);
    }
    add(`${DYN}ClusterServiceGroup`, `${p}-svc-${g.name}-group`);
  }
  // layers/lb.ts, lb/load-balancer.ts: seed 002's load balancer — every real server, every member
  // as a director, and the directors' pacemaker resources.
  if (spec.loadBalancer !== undefined) {
    add("kvmlab:lb:LoadBalancer", `${p}-lb`);
    for (const n of spec.nodes.filter((n) => role(n) === "real-server")) {
      add(`${DYN}RealServer`, `${p}-lb-real-${n.name}`);
    }
    for (const m of members) add(`${DYN}LvsDirector`, `${p}-lb-director-${m.name}`);
    add(`${DYN}LvsPacemaker`, `${p}-lb-pacemaker`);
  }
  return { resources: out.sort(), problems };
}

/** Planned resources counted by type (the stack included). */
export function countByType(steps: readonly PreviewStep[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const s of steps) count.set(typeOf(s.urn), (count.get(typeOf(s.urn)) ?? 0) + 1);
  return count;
}

/** `type name` of every step but the stack's. */
function plannedResources(steps: readonly PreviewStep[]): string[] {
  return steps
    .filter((s) => typeOf(s.urn) !== STACK_TYPE)
    .map((s) => `${typeOf(s.urn)} ${nameOf(s.urn)}`)
    .sort();
}

/** What differs between two sorted multisets of lines: missing from `got`, and not in `want`. */
function multisetDiff(
  want: readonly string[],
  got: readonly string[],
): { missing: string[]; extra: string[] } {
  const left = [...got];
  const missing: string[] = [];
  for (const w of want) {
    const i = left.indexOf(w);
    if (i < 0) missing.push(w);
    else left.splice(i, 1);
  }
  return { missing, extra: left };
}

/**
 * Checks a fresh stack's preview against the expected plan: exactly the expected resources (and
 * one stack), every step a create, no error diagnostic.
 */
export function checkPlan(preview: unknown, expected: readonly string[]): string[] {
  const steps = stepsOf(preview);
  const problems: string[] = [];
  if (steps.length === 0) problems.push("the preview planned nothing (no steps)");
  const stacks = steps.filter((s) => typeOf(s.urn) === STACK_TYPE).length;
  if (stacks !== 1) problems.push(`expected one ${STACK_TYPE}, planned ${stacks}`);
  const { missing, extra } = multisetDiff(expected, plannedResources(steps));
  if (missing.length > 0) problems.push(`not planned: ${missing.join(", ")}`);
  if (extra.length > 0) problems.push(`planned but not expected: ${extra.join(", ")}`);
  const notCreate = steps.filter((s) => s.op !== "create");
  if (notCreate.length > 0) {
    problems.push(`a fresh stack should only create: ${notCreate.map((s) => `${s.op} ${s.urn}`).join(", ")}`);
  }
  for (const d of errorDiagnostics(preview)) problems.push(`error diagnostic: ${d}`);
  return problems;
}

// ---- seeding the secret generators ----------------------------------------------------------------

/** The resource kinds that generate secrets (providers/secrets/). */
export const SECRET_GENERATOR_TYPES = [`${DYN}RandomSecret`, `${DYN}SshKeyPair`] as const;

/** A generator's value as its provider's create made it. */
export interface Generated {
  id: string;
  outs: Record<string, unknown>;
  /** The outputs the provider marks secret. */
  secretOutputs: readonly string[];
}

/** Pulumi's marker of a secret value in a deployment. */
export const SECRET_SIG = {
  key: "4dabf18193072939515e22adb298388d",
  value: "1b47061264138c4ac30d75fd1eb44270",
};

/** A secret in a deployment, in plain text (`pulumi stack import` encrypts it). */
function secretValue(value: unknown): Record<string, string> {
  return { [SECRET_SIG.key]: SECRET_SIG.value, plaintext: JSON.stringify(value) };
}

/** The steps of the secret generators in a preview. */
export function generatorSteps(preview: unknown): PreviewStep[] {
  return stepsOf(preview).filter((s) =>
    (SECRET_GENERATOR_TYPES as readonly string[]).includes(typeOf(s.urn)),
  );
}

/** The URN of the default provider a step refers to (`URN::ID`, the ID unknown in a preview). */
function providerUrn(ref: string): string {
  return ref.split("::").slice(0, -1).join("::");
}

/**
 * The deployment to import: `empty` (`pulumi stack export` of the fresh stack: its manifest and
 * secrets provider) with the stack, the default provider, the generators' ancestor components and
 * the generators (inputs as planned, outputs as generated, secret outputs marked secret).
 */
export function seedDeployment(
  empty: unknown,
  preview: unknown,
  generated: ReadonlyMap<string, Generated>,
): Record<string, unknown> {
  if (!isRecord(empty) || !isRecord(empty.deployment)) throw new Error("the empty export has no deployment");
  const byUrn = new Map(stepsOf(preview).map((s) => [s.urn, s]));
  const generators = generatorSteps(preview);
  if (generators.length === 0) throw new Error("the preview plans no secret generator");
  const stack = stepsOf(preview).find((s) => typeOf(s.urn) === STACK_TYPE);
  if (stack === undefined) throw new Error("the preview has no stack resource");

  const resources: Record<string, unknown>[] = [{ urn: stack.urn, custom: false, type: STACK_TYPE }];
  const providerIds = new Map<string, string>();
  for (const g of generators) {
    if (g.provider === undefined) throw new Error(`${g.urn}: the preview names no provider`);
    const urn = providerUrn(g.provider);
    if (!providerIds.has(urn)) {
      providerIds.set(urn, randomUUID());
      resources.push({
        urn,
        custom: true,
        id: providerIds.get(urn),
        type: typeOf(urn),
        inputs: {},
        outputs: {},
      });
    }
  }
  // Ancestors, outermost first, each once.
  const components: string[] = [];
  for (const g of generators) {
    const chain: string[] = [];
    for (let parent = g.newState?.parent; parent !== undefined && parent !== stack.urn;) {
      chain.unshift(parent);
      parent = byUrn.get(parent)?.newState?.parent;
    }
    for (const c of chain) if (!components.includes(c)) components.push(c);
  }
  for (const urn of components) {
    const s = byUrn.get(urn);
    if (s?.newState === undefined) throw new Error(`${urn}: not in the preview`);
    resources.push({ urn, custom: false, type: s.newState.type, parent: s.newState.parent ?? stack.urn });
  }
  for (const g of generators) {
    const made = generated.get(g.urn);
    if (made === undefined || g.newState === undefined || g.provider === undefined) {
      throw new Error(`${g.urn}: no generated value`);
    }
    const outputs = Object.fromEntries(
      Object.entries(made.outs).map(([k, v]) => [k, made.secretOutputs.includes(k) ? secretValue(v) : v]),
    );
    resources.push({
      urn: g.urn,
      custom: true,
      id: made.id,
      type: g.newState.type,
      inputs: g.newState.inputs ?? {},
      outputs,
      parent: g.newState.parent ?? stack.urn,
      provider: `${providerUrn(g.provider)}::${providerIds.get(providerUrn(g.provider))}`,
    });
  }
  return { ...empty, deployment: { ...empty.deployment, resources } };
}

// ---- the secret scan ------------------------------------------------------------------------------

/** Every secret value of a `pulumi stack export --show-secrets` document (decoded, strings only). */
export function secretValues(exported: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      if (v[SECRET_SIG.key] === SECRET_SIG.value && typeof v.plaintext === "string") {
        const collect = (x: unknown): void => {
          if (typeof x === "string") {
            if (x !== "") found.add(x);
          } else if (Array.isArray(x)) x.forEach(collect);
          else if (isRecord(x)) Object.values(x).forEach(collect);
        };
        collect(JSON.parse(v.plaintext) as unknown);
      } else Object.values(v).forEach(walk);
    }
  };
  walk(exported);
  return [...found];
}

/** Shortest piece of a secret searched for on its own: shorter runs match by chance. */
export const MIN_NEEDLE = 12;

/**
 * What to search a text for to find a secret in it: the value, as a JSON string would carry it,
 * base64-encoded, and each of its lines (a key's lines inside an indented YAML or a log) that is
 * long enough and not PEM armour.
 */
export function needles(secret: string): string[] {
  const out = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString("base64"),
  ]);
  for (const line of secret.split("\n")) {
    const l = line.trim();
    if (l.length >= MIN_NEEDLE && !/^-----(BEGIN|END) /.test(l)) out.add(l);
  }
  return [...out].filter((n) => n.length >= Math.min(MIN_NEEDLE, secret.length));
}

/** Where a secret appears in plain text: `FILE: secret #i (N chars) appears in plain text`. */
export function findLeaks(
  secrets: readonly string[],
  texts: readonly { name: string; text: string }[],
): string[] {
  const leaks: string[] = [];
  secrets.forEach((secret, i) => {
    for (const { name, text } of texts) {
      if (needles(secret).some((n) => text.includes(n))) {
        leaks.push(`${name}: secret #${i + 1} (${secret.length} characters) appears in plain text`);
      }
    }
  });
  return leaks;
}

/**
 * Checks the second preview (on the seeded state): every seeded generator kept (`same`), the other
 * steps creates, no error diagnostic, at least one secret per generator, and no secret in any text.
 */
export function checkSeeded(
  preview: unknown,
  exported: unknown,
  texts: readonly { name: string; text: string }[],
): { secrets: number; generators: number; problems: string[] } {
  const problems: string[] = [];
  const resources =
    isRecord(exported) && isRecord(exported.deployment) && Array.isArray(exported.deployment.resources)
      ? exported.deployment.resources.filter(isRecord)
      : [];
  const urns = resources.map((r) => r.urn).filter((u): u is string => typeof u === "string");
  const seeded = urns.filter((u) => (SECRET_GENERATOR_TYPES as readonly string[]).includes(typeOf(u)));
  if (seeded.length === 0) problems.push("the state holds no secret generator: nothing to scan for");
  const steps = stepsOf(preview);
  if (steps.length === 0) problems.push("the preview planned nothing (no steps)");
  // Every resource of the state (providers aside) is kept: the JSON lists a kept resource only in
  // the summary's `same` count, and a step of another op for it means its value was not used.
  const kept = urns.filter((u) => !typeOf(u).startsWith("pulumi:providers:"));
  for (const s of steps.filter((s) => kept.includes(s.urn) && s.op !== "same")) {
    problems.push(`${s.op} ${s.urn}: expected same (the seeded value would not be used)`);
  }
  const summary = isRecord(preview) && isRecord(preview.changeSummary) ? preview.changeSummary : {};
  if (summary.same !== kept.length) {
    problems.push(
      `the preview keeps ${String(summary.same ?? 0)} resources, the seeded state holds ${kept.length}`,
    );
  }
  for (const s of steps) {
    if (!kept.includes(s.urn) && s.op !== "create") problems.push(`${s.op} ${s.urn}: expected a create`);
  }
  for (const d of errorDiagnostics(preview)) problems.push(`error diagnostic: ${d}`);
  const secrets = secretValues(exported);
  if (secrets.length < seeded.length) {
    problems.push(`the state holds ${secrets.length} secret values for ${seeded.length} secret generators`);
  }
  problems.push(...findLeaks(secrets, texts));
  return { secrets: secrets.length, generators: seeded.length, problems };
}

// ---- the command line -----------------------------------------------------------------------------

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8")) as unknown;
}

/** The lab of a stack file, validated as the program does. */
async function labOf(stackFile: string): Promise<LabSpec> {
  const { parseLabSpec } = await import("../spec");
  const { LAB_KEY } = await import("../spec/config-key");
  return parseLabSpec(stackLabConfig(readFileSync(stackFile, "utf8"), stackFile, LAB_KEY));
}

/** Runs each generator's own provider create on its planned inputs. */
async function generate(preview: unknown): Promise<Map<string, Generated>> {
  const { randomSecretProvider } = await import("../providers/secrets/secret");
  const { sshKeyPairProvider } = await import("../providers/secrets/keypair");
  const providers: Record<string, typeof randomSecretProvider | typeof sshKeyPairProvider> = {
    [`${DYN}RandomSecret`]: randomSecretProvider,
    [`${DYN}SshKeyPair`]: sshKeyPairProvider,
  };
  const out = new Map<string, Generated>();
  for (const step of generatorSteps(preview)) {
    const provider = providers[typeOf(step.urn)];
    const { id, outs } = await provider.create(step.newState?.inputs ?? {});
    out.set(step.urn, { id, outs: outs as Record<string, unknown>, secretOutputs: provider.secretOutputs });
  }
  return out;
}

function report(problems: readonly string[], what: string): number {
  if (problems.length > 0) {
    console.error(`preview check FAILED (${what}):\n  ${problems.join("\n  ")}`);
    return 1;
  }
  return 0;
}

const USAGE = [
  "usage: preview-check.ts plan PREVIEW_JSON STACK_FILE",
  "       preview-check.ts seed PREVIEW_JSON EMPTY_EXPORT     (prints a deployment to import)",
  "       preview-check.ts scan PREVIEW_JSON SECRET_EXPORT FILE…",
].join("\n");

/** The command line; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "plan" && rest.length === 2) {
      const [previewFile, stackFile] = rest;
      const preview = readJson(previewFile);
      const expected = expectedPlan(await labOf(stackFile));
      const counts = countByType(stepsOf(preview));
      console.log(
        `preview: ${stepsOf(preview).length} resources planned (expected ${expected.resources.length} + the stack)`,
      );
      for (const [t, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        console.log(`  ${String(n).padStart(3)}  ${t}`);
      }
      const status = report([...expected.problems, ...checkPlan(preview, expected.resources)], "plan");
      if (status === 0) console.log("preview check: the planned resources are exactly the lab's");
      return status;
    }
    if (command === "seed" && rest.length === 2) {
      const [previewFile, emptyFile] = rest;
      const preview = readJson(previewFile);
      process.stdout.write(
        `${JSON.stringify(seedDeployment(readJson(emptyFile), preview, await generate(preview)))}\n`,
      );
      return 0;
    }
    if (command === "scan" && rest.length >= 3) {
      const [previewFile, exportFile, ...files] = rest;
      const texts = [previewFile, ...files].map((name) => ({ name, text: readFileSync(name, "utf8") }));
      const { secrets, generators, problems } = checkSeeded(
        readJson(previewFile),
        readJson(exportFile),
        texts,
      );
      const status = report(problems, "secrets");
      if (status === 0) {
        console.log(
          `preview check: ${generators} secret generators kept, ${secrets} secret values, none in plain text ` +
            `in ${texts.map((t) => t.name).join(", ")}`,
        );
      }
      return status;
    }
  } catch (err) {
    console.error(`preview check FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  console.error(USAGE);
  return 2;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
