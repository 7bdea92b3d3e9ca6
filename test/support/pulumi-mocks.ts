/**
 * Building labs under Pulumi mocks and reading back the resource graph they register: which
 * resources exist, under which parent, in which order, with which inputs, and whether secrets stay
 * secret.
 *
 * The mocks must be set before the components are loaded, so this module imports them (and the
 * spec) only in {@link startMocks}; a test file calls it in `beforeAll` and {@link stopMocks} in
 * `afterAll` (which waits for the registrations still serialising providers).
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockMonitor, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import type * as Components from "../../components";
import type * as Spec from "../../spec";

/** Marker of a secret value in the property bags the mock monitor hands out. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

/** The type token prefix of the lab's dynamic providers. */
export const DYN = "pulumi-nodejs:dynamic/kvmlab:";

/** One registered resource, as the mock monitor saw it. */
export interface Recorded {
  name: string;
  type: string;
  custom: boolean;
  /** Inputs without the serialised provider; secrets still wrapped (see {@link isWrappedSecret}). */
  inputs: Props;
  /** Name of the parent resource ("" for none). */
  parent: string;
  /** Names of the resources it explicitly depends on. */
  dependsOn: string[];
  /** Names of the resources whose replacement replaces it (`replaceWith`). */
  replaceWith: string[];
}

interface RegisterRequest {
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getReplaceWithList(): string[];
}
type RegisterCallback = (err: unknown, response: unknown) => void;

/** Every resource registered so far, by name. */
export const recorded = new Map<string, Recorded>();
type Links = Pick<Recorded, "parent" | "dependsOn" | "replaceWith">;
const pendingParents = new Map<string, Links>();
let outstanding = 0;

const nameOfUrn = (urn: string): string => urn.split("::").pop() ?? "";

export function isWrappedSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The plain value of a recorded input (secret wrapper removed). */
export function plain(value: unknown): unknown {
  return isWrappedSecret(value) ? value.value : value;
}

/** Plausible computed outputs, as the real providers would return them. */
export function computedOutputs(kind: string, name: string, inputs: Props): Props {
  switch (kind) {
    case "SshKeyPair":
      return {
        publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${name.replace(/[^A-Za-z0-9]/g, "")} ${String(inputs.comment)}`,
        privateKey: pulumi.secret(
          `-----BEGIN OPENSSH PRIVATE KEY-----\n${name}\n-----END OPENSSH PRIVATE KEY-----`,
        ),
        fingerprint: `SHA256:${name}`,
      };
    case "RandomSecret":
      return { value: pulumi.secret(`pw-${name}`) };
    case "HostPrep":
      return { domainType: "qemu", cpuVirtualisation: false, startedDaemons: false };
    case "HostSshd":
      return { sshHostKey: "ssh-ed25519 AAAAhost" };
    case "BaseImageBuild":
      return {
        imagePath: "/var/lib/kvm-ha-lab/images/abc.qcow2",
        kernelPath: "/var/lib/kvm-ha-lab/images/abc.vmlinuz",
        initrdPath: "/var/lib/kvm-ha-lab/images/abc.initrd",
        contentKey: "abc",
      };
    case "NodeVolume":
    case "CloudInitDisk":
      return { path: `/var/lib/kvm-ha-lab/${name}` };
    case "LibvirtNetwork":
    case "LibvirtDomain":
      return { uuid: `uuid-${name}` };
    case "NodeReady":
      return { bootId: `boot-${name}` };
    default:
      return {};
  }
}

/** The kind of a dynamic resource's type token (`…/kvmlab:NodeReady` → `NodeReady`). */
export function kindOfType(type: string): string {
  return type.split(":").pop() ?? "";
}

function stripProvider(inputs: Props): Props {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")));
}

/** Waits until the mock monitor has been idle for a while (every registration done). */
export async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 5;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    quiet = outstanding === 0 ? quiet + 1 : 0;
  }
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** The number of resources of each type among those whose name starts with `prefix`. */
export function byType(prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of recorded.values()) {
    if (!r.name.startsWith(prefix)) continue;
    counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  }
  return counts;
}

/** The resource named `name` (fails when there is none). */
export function get(name: string): Recorded {
  const r = recorded.get(name);
  if (r === undefined) throw new Error(`no resource named ${name}; have: ${[...recorded.keys()].join(", ")}`);
  return r;
}

/** The plain value of the input `key` of the resource `name`. */
export function input(name: string, key: string): unknown {
  return plain(get(name).inputs[key]);
}

/** What {@link startMocks} gives: the components and the spec, loaded under the mocks. */
export interface Loaded {
  components: typeof Components;
  spec: typeof Spec;
}

/** How {@link startMocks} runs the program. */
export interface MockOptions {
  /** Run as a preview (`pulumi preview`): an output the mocks leave out is unknown. */
  preview?: boolean;
  /**
   * The state the engine hands back for a custom resource (its outputs); by default its inputs with
   * {@link computedOutputs}.
   */
  state?: (resource: Recorded) => Promise<Props>;
}

/** Sets the mocks (project kvm-ha-lab, stack dev), then loads the components and the spec. */
export async function startMocks(options: MockOptions = {}): Promise<Loaded> {
  // Pulumi serialises each kind's provider when its first resource registers (the text the engine
  // would store): seconds per kind, again in every test file, and no graph test reads it. A stub
  // stands in; every provider's real serialisation is tested once (providers/core/serialisation).
  jest.doMock(require.resolve("@pulumi/pulumi/runtime/closure/serializeClosure"), () => ({
    serializeFunction: () => Promise.resolve({ text: "", exportName: "handler", containsSecrets: false }),
  }));
  await pulumi.runtime.setMocks(
    {
      async newResource(args: MockResourceArgs) {
        const inputs = stripProvider(args.inputs as Props);
        const links = pendingParents.get(args.name) ?? { parent: "", dependsOn: [], replaceWith: [] };
        const resource: Recorded = {
          name: args.name,
          type: args.type,
          custom: args.custom === true,
          inputs,
          ...links,
        };
        recorded.set(args.name, resource);
        if (args.custom !== true) return { id: undefined, state: {} };
        return {
          id: `${args.name}-id`,
          state: options.state
            ? await options.state(resource)
            : { ...inputs, ...computedOutputs(kindOfType(args.type), args.name, inputs) },
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    "kvm-ha-lab",
    "dev",
    options.preview === true,
  );

  // Record each registration's parent and explicit dependencies, and count registrations in flight.
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req: RegisterRequest, callback: RegisterCallback) => {
    outstanding++;
    pendingParents.set(req.getName(), {
      parent: nameOfUrn(req.getParent()),
      dependsOn: req.getDependenciesList().map(nameOfUrn),
      replaceWith: req.getReplaceWithList().map(nameOfUrn),
    });
    await register(req, (err: unknown, response: unknown) => {
      outstanding--;
      callback(err, response);
    });
  };

  return { components: await import("../../components"), spec: await import("../../spec") };
}

/** Waits for what the runtime still has in flight (provider serialisation), so nothing runs after the tests. */
export async function stopMocks(): Promise<void> {
  await settle();
  await pulumi.runtime.disconnect();
}

/** A lab built under the mocks, with what it was built from. */
export interface BuiltLab {
  loaded: Loaded;
  spec: Spec.LabSpec;
  lab: Components.HaLab;
}

/**
 * Starts the mocks and builds the lab of `config` (a `kvm-ha-lab:lab` value) as `name` before the
 * file's tests (filled in by `beforeAll`), and stops the mocks after them.
 */
export function withLab(name: string, config: unknown): BuiltLab {
  const built = {} as BuiltLab;
  beforeAll(async () => {
    built.loaded = await startMocks();
    built.spec = built.loaded.spec.parseLabSpec(config);
    built.lab = await buildLab(built.loaded, name, built.spec);
  });
  afterAll(stopMocks);
  return built;
}

/** {@link withLab} for the default lab (`parseLabSpec({})`), built as "dev". */
export function withDefaultLab(): BuiltLab {
  return withLab("dev", {});
}

/** Builds the lab `name` of `spec` and waits until every resource is registered. */
export async function buildLab(
  { components }: Loaded,
  name: string,
  spec: Spec.LabSpec,
): Promise<Components.HaLab> {
  const lab = new components.HaLab(name, { spec });
  await promiseOf(pulumi.all([lab.nodeAddresses, lab.vips, lab.clusterName, lab.domainType]));
  await settle();
  return lab;
}
