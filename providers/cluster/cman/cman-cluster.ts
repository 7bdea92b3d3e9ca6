/**
 * CmanCluster: the RHEL 6 cluster stack of seeds 000/001 on every member node — ricci with its
 * password (the remote configuration daemon), cman and rgmanager kept off at boot (seed 000: a
 * fenced node must not rejoin by itself), and /etc/cluster/cluster.conf as rendered by
 * cluster-conf-render.ts.
 *
 * The component renders cluster.conf with config_version {@link UNVERSIONED}; this provider decides
 * the version from the files on the nodes ({@link planConfigVersion}: bumped only when the content
 * changed), so an unchanged lab never bumps it. Each node receives the file on stdin into a
 * temporary file that must pass `ccs_config_validate`: first on every node that needs the file,
 * and only then, validated again, does it replace cluster.conf anywhere — a rejected file changes
 * no node. When cman runs, `cman_tool version -r -S` is issued once, from the first node where cman
 * runs, after every node has the file (`-S`: no ccs_sync via ricci — every node already has the
 * file, and ccs_sync would ask for the ricci password on a terminal).
 *
 * One script per node per step, each exported so it can be unit-tested. The ricci password only
 * ever travels on stdin and is marked sensitive (redacted from errors).
 *
 * `read` reports the config version of the first node that has the file, whether ricci runs on
 * every node (`ricciRunning`) and starts at boot (`ricciEnabled`), whether every node's file is the
 * rendered one (`confCurrent`), cman and rgmanager at boot against `startAtBoot`, and whether
 * every running cluster has loaded its file's version (`configLoaded`: reloaded when behind), and
 * whether ricci's password is the secret on every node that answers (`ricciPasswordCurrent`,
 * shadow-password.ts: the secret on stdin, hashed again on the node; every update sets it again).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { defineProvider, type CheckFailure } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  isUnreachable,
  ONELINE,
  onNode,
  parseSections,
  removeOnEach,
  SCRIPT_FAIL,
  sshEndpointField,
  type Runner,
} from "../../exec/node-exec";
import {
  passwordCurrentOf,
  passwordProbe,
  passwordVerdict,
  type PasswordVerdict,
} from "../../node/shadow-password";
import type { ClusterMember, ClusterSettings } from "../../core/endpoints";
import { labKind } from "../../core/kind";
import {
  CLUSTER_CONF_PATH,
  configVersionOf,
  nextConfigVersion,
  setConfigVersion,
  UNVERSIONED,
} from "./cluster-conf";

/** Outputs of the CmanCluster provider. */
export interface CmanClusterOutputs {
  /** config_version of cluster.conf on the nodes. */
  configVersion: number;
}

const memberField = () =>
  z.object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, "name must be a plain host name"),
    nodeId: z.number().int().min(1),
    access: sshEndpointField(),
    linkAddresses: z.array(z.string()),
    linkHostnames: z.array(z.string()).min(1, "every member needs a host name on at least one cluster link"),
  });

const schema = () =>
  z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,15}$/, "name must be at most 15 letters, digits, '_' or '-'"),
    transport: z.enum(["udpu", "udp"], {
      errorMap: () => ({ message: "cman (corosync 1) supports udpu or udp; knet is corosync 3 only" }),
    }),
    tokenMs: z.number().int().min(1),
    twoNode: z.boolean(),
    startAtBoot: z.boolean(),
    members: z.array(memberField()).min(1, "the cluster needs at least one member"),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Password of `ricci` (secret). */
    ricciPassword: z
      .string()
      .min(1, "ricciPassword is required")
      .regex(/^[^\r\n]+$/, "ricciPassword must be one line (passwd --stdin reads one line)"),
    expectedVotes: z.number().int().min(1),
    /**
     * cluster.conf as `renderClusterConf` renders it with config_version {@link UNVERSIONED}
     * (computed by the component); the provider sets the version.
     */
    clusterConf: z.string().min(1, "clusterConf is required"),
    /** Desired: ricci runs on every node (drift when not). */
    ricciRunning: z.boolean().default(true),
    /** Desired: every node's cluster.conf is the rendered one at `configVersion` (drift when not). */
    confCurrent: z.boolean().default(true),
    /** Desired: ricci starts at boot on every node (`chkconfig ricci on`). */
    ricciEnabled: z.boolean().default(true),
    /** Desired: where cman runs, it has loaded the version of the node's cluster.conf. */
    configLoaded: z.boolean().default(true),
    /** Desired: ricci's password is `ricciPassword` on every node that answers. */
    ricciPasswordCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;
type Member = Inputs["members"][number];

/** Inputs of a CmanCluster as its schema takes them, `transport` as the spec's (check refuses knet). */
export type CmanClusterInputs = Omit<z.input<ReturnType<typeof schema>>, "transport"> &
  Pick<ClusterSettings, "transport">;

// ---------------------------------------------------------------------------------------------
// Scripts (one per node per step)
// ---------------------------------------------------------------------------------------------

/** The user ricci authenticates (`ccs -h NODE` asks for its password). */
const RICCI_USER = "ricci";

/** Step 1: the ricci password (read from stdin), ricci on at boot and running. */
export function ricciScript(): string {
  return `${SCRIPT_FAIL}
id ricci >/dev/null 2>&1 || fail "the ricci user does not exist. Fix: install ricci (yum install ricci, RHEL 6 High Availability Add-On) on the node"
# The password arrives on stdin: never on a command line.
passwd --stdin ricci >/dev/null || fail "setting the ricci password failed. Fix: check the node's password rules (PAM) for the generated password"
chkconfig ricci on
service ricci status >/dev/null 2>&1 || service ricci start >/dev/null || fail "ricci does not start. Fix: see /var/log/messages on the node"`;
}

/** Step 2: cman and rgmanager at boot — off unless asked (seed 000: a fenced node must not rejoin by itself). */
export function bootScript(startAtBoot: boolean): string {
  const state = startAtBoot ? "on" : "off";
  return `${SCRIPT_FAIL}
for svc in cman rgmanager; do
  chkconfig --list "$svc" >/dev/null 2>&1 || fail "the $svc service is not installed. Fix: yum install cman rgmanager on the node"
  chkconfig "$svc" ${state}
done`;
}

/** The services whose boot state the probe reports (`chkconfig --list`, runlevel 3). */
const BOOT_SERVICES = ["ricci", "cman", "rgmanager"] as const;

/**
 * Step 3 (and `read`): the current cluster.conf (base64, one line), whether cman and ricci run,
 * whether ricci, cman and rgmanager start at boot (`<service> on|off`), and the config version the
 * running cluster has loaded (nothing when cman does not run).
 */
export function probeScript(): string {
  return `${SCRIPT_FAIL}
echo "== conf"
if [ -f ${CLUSTER_CONF_PATH} ]; then base64 -w0 < ${CLUSTER_CONF_PATH}; echo; fi
echo "== cman"
if cman_tool status >/dev/null 2>&1; then echo running; else echo stopped; fi
echo "== ricci"
if service ricci status >/dev/null 2>&1; then echo running; else echo stopped; fi
echo "== boot"
for svc in ${BOOT_SERVICES.join(" ")}; do
  l=$(chkconfig --list "$svc" 2>/dev/null) || l=
  case "$l" in *"3:on"*) echo "$svc on" ;; *) echo "$svc off" ;; esac
done
echo "== loaded"
cman_tool version 2>/dev/null | sed -n 's/.* config \\([0-9][0-9]*\\)$/\\1/p' || true`;
}

/** The read's probe on each node: {@link probeScript}, then whether ricci's password is the secret on stdin. */
export function readProbeScript(): string {
  return `${probeScript()}\n${passwordProbe(RICCI_USER)}`;
}

/**
 * The new cluster.conf (base64 on stdin) into a temporary file next to the real one, checked by
 * `ccs_config_validate -l` (`-l`: validate that file with cman's defaults loaded, the option its
 * manual recommends). The temporary file is removed on any exit unless `then` moves it first.
 */
function validatedUpload(then: string): string {
  return `${SCRIPT_FAIL}
command -v ccs_config_validate >/dev/null 2>&1 || fail "ccs_config_validate is missing. Fix: yum install cman on the node"
mkdir -p /etc/cluster
t=$(mktemp /etc/cluster/.cluster.conf.kvmlab.XXXXXX)
trap 'rm -f "$t"' EXIT
base64 -d > "$t"
if ! out=$(ccs_config_validate -l "$t" 2>&1); then
  printf '%s\\n' "$out" >&2
  fail "the new cluster.conf does not pass ccs_config_validate ($(printf '%s' "$out" | tail -n 3 | tr '\\n' ' ')); the node keeps its current ${CLUSTER_CONF_PATH}. Fix: correct the lab's cluster, fencing or services config"
fi${then}`;
}

/** Step 4: validates the new cluster.conf on a node without installing it (every node first). */
export function validateConfScript(): string {
  return validatedUpload("");
}

/** Step 5: validates the new cluster.conf again and only then replaces the node's cluster.conf. */
export function writeConfScript(): string {
  return validatedUpload(`
chmod 0640 "$t"
mv -f "$t" ${CLUSTER_CONF_PATH}
trap - EXIT`);
}

/** Step 6 (once, on the first node where cman runs): the running cluster takes the new version. */
export function reloadScript(version: number): string {
  if (!Number.isInteger(version) || version < 1) {
    throw new Error(`config version ${version} is not a whole number ≥ 1`);
  }
  return `${SCRIPT_FAIL}
cman_tool version -r -S || fail "cman_tool version -r did not load ${CLUSTER_CONF_PATH} version ${version}. Fix: check that every node has that version (cman_tool version; ccs_config_validate) and see /var/log/cluster/corosync.log"
cman_tool version | grep -q " config ${version}$" || fail "the running cluster does not report config version ${version} after the reload. Fix: see /var/log/cluster/corosync.log on the node"`;
}

/**
 * The delete on each node: rgmanager and cman stopped when cman runs (`cman_tool status` fails
 * only when it does not), then cluster.conf removed. A stop that fails, or cman still running
 * after its stop said OK, fails the delete with the init script's words: the file stays.
 */
export function deleteScript(): string {
  const fix =
    "Fix: see /var/log/cluster/corosync.log and /var/log/messages on the node, stop rgmanager then cman by hand if need be, then run pulumi destroy again";
  return `${SCRIPT_FAIL}
${ONELINE}
if cman_tool status >/dev/null 2>&1; then
  for svc in rgmanager cman; do
    out=$(service "$svc" stop 2>&1) || fail "service $svc stop failed: $(oneline "$out"). ${fix}"
  done
  ! cman_tool status >/dev/null 2>&1 || fail "cman still runs after service cman stop. ${fix}"
fi
rm -f ${CLUSTER_CONF_PATH}`;
}

// ---------------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------------

/** What {@link probeScript} found on one node. */
export interface NodeProbe {
  /** The node's cluster.conf, or undefined when it has none. */
  conf: string | undefined;
  cmanRunning: boolean;
  ricciRunning: boolean;
  /** Service → starts at boot (runlevel 3); a service missing from the output does not. */
  boot: Record<string, boolean>;
  /** The config version the running cluster has loaded (`cman_tool version`), when cman runs. */
  loadedVersion?: number;
}

/** Parses the output of {@link probeScript}. */
export function parseProbe(stdout: string): NodeProbe {
  const s = parseSections(stdout);
  const encoded = (s.conf ?? []).join("").trim();
  const loaded = (s.loaded ?? []).join("").trim();
  const boot: Record<string, boolean> = {};
  for (const line of s.boot ?? []) {
    const [svc, state] = line.trim().split(/\s+/);
    if (svc) boot[svc] = state === "on";
  }
  return {
    conf: encoded === "" ? undefined : Buffer.from(encoded, "base64").toString("utf8"),
    cmanRunning: (s.cman ?? []).join("").trim() === "running",
    ricciRunning: (s.ricci ?? []).join("").trim() === "running",
    boot,
    ...(/^\d+$/.test(loaded) ? { loadedVersion: Number(loaded) } : {}),
  };
}

/**
 * cman and rgmanager at boot as the probed nodes say, against the `wanted` setting: `true` only
 * when both start at boot on every node, `false` only when neither does on any (a mixture is drift
 * either way); `wanted` when no node answered.
 */
export function startAtBootOf(probes: readonly NodeProbe[], wanted: boolean): boolean {
  if (probes.length === 0) return wanted;
  const boot = probes.flatMap((p) => [p.boot.cman === true, p.boot.rgmanager === true]);
  return wanted ? boot.every(Boolean) : boot.some(Boolean);
}

/** True when every node where cman runs has loaded the version of its own cluster.conf. */
export function configLoadedOn(probes: readonly NodeProbe[]): boolean {
  return probes
    .filter((p) => p.cmanRunning)
    .every((p) => p.loadedVersion !== undefined && p.loadedVersion === configVersionOf(p.conf ?? ""));
}

/**
 * The config version for the nodes: the highest {@link nextConfigVersion} over their current files,
 * so it is above every node whose content changes and unchanged when no node's content changes.
 */
export function planConfigVersion(previous: readonly (string | undefined)[], clusterConf: string): number {
  return previous.reduce((v, file) => Math.max(v, nextConfigVersion(file, clusterConf)), 1);
}

function where(member: Member): string {
  return `${member.name} (${member.access.address})`;
}

/** Runs `fn` in one SSH session to a member; any failure (connection or script) names the member. */
function onMember<T>(member: Member, privateKey: string, fn: (run: Runner) => Promise<T>): Promise<T> {
  return explained(where(member), () => onNode(member.access, privateKey, fn));
}

async function apply(inputs: Inputs): Promise<CmanClusterOutputs> {
  const key = inputs.sshPrivateKey;
  const password = inputs.ricciPassword;
  const probes: NodeProbe[] = [];
  for (const member of inputs.members) {
    probes.push(
      await onMember(member, key, async (run) => {
        await run(ricciScript(), { stdin: `${password}\n`, sensitive: [password], timeoutSeconds: 120 });
        await run(bootScript(inputs.startAtBoot), { timeoutSeconds: 60 });
        const { stdout } = await run(probeScript(), { timeoutSeconds: 60 });
        return parseProbe(stdout);
      }),
    );
  }

  const version = planConfigVersion(
    probes.map((p) => p.conf),
    inputs.clusterConf,
  );
  const conf = setConfigVersion(inputs.clusterConf, version);
  const encoded = Buffer.from(conf, "utf8").toString("base64");
  const stale = inputs.members.filter((_, i) => probes[i]?.conf !== conf);
  // Every node validates before any node's file is replaced: a rejected file changes nothing.
  for (const script of [validateConfScript(), writeConfScript()]) {
    for (const member of stale) {
      await onMember(member, key, (run) => run(script, { stdin: encoded, timeoutSeconds: 120 }));
    }
  }

  // One reload, from the first node where cman runs, when a running node is behind the new version.
  const first = inputs.members.find((_, i) => probes[i]?.cmanRunning === true);
  // Behind: the running cluster has loaded an older version than the nodes now hold (its file was
  // older, or it never loaded its file).
  const behind = probes.some(
    (p) => p.cmanRunning && (p.loadedVersion ?? configVersionOf(p.conf ?? "") ?? 0) < version,
  );
  if (first !== undefined && behind) {
    await onMember(first, key, (run) => run(reloadScript(version), { timeoutSeconds: 120 }));
  }
  progress(`cman: ${inputs.name} cluster.conf version ${version} on ${inputs.members.length} node(s)`);
  return { configVersion: version };
}

/** Cross-checks of the rendered cluster.conf against the settings and members. */
function checkConf(inputs: Inputs): CheckFailure[] {
  return confProblems(inputs).map((reason) => ({
    property: "clusterConf",
    reason: `clusterConf: ${reason}`,
  }));
}

function confProblems(inputs: Inputs): string[] {
  if (XMLValidator.validate(inputs.clusterConf) !== true) return ["is not well-formed XML"];
  if (configVersionOf(inputs.clusterConf) === undefined) return ["<cluster> has no config_version"];
  // Made per call: no parser instance may live at module level.
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    isArray: (tag) => tag === "clusternode",
  });
  type Conf = {
    cluster?: {
      name?: string;
      cman?: { expected_votes?: string; two_node?: string; transport?: string };
      clusternodes?: { clusternode?: { name?: string }[] };
      totem?: { token?: string };
    };
  };
  const c = (parser.parse(inputs.clusterConf) as Conf).cluster;
  if (c === undefined) return ["has no <cluster> element"];
  const out: string[] = [];
  if (c.name !== inputs.name) out.push(`cluster name "${c.name}" differs from name "${inputs.name}"`);
  const names = (c.clusternodes?.clusternode ?? []).map((n) => n.name).join(", ");
  const expected = inputs.members.map((m: ClusterMember) => m.linkHostnames[0]).join(", ");
  if (names !== expected) {
    out.push(`clusternodes ${names} differ from the members' first-link names ${expected}`);
  }
  const votes = c.cman?.expected_votes;
  if (votes !== String(inputs.expectedVotes)) {
    out.push(`expected_votes "${votes}" differs from expectedVotes ${inputs.expectedVotes}`);
  }
  if ((c.cman?.two_node === "1") !== inputs.twoNode) {
    out.push(`two_node differs from twoNode ${inputs.twoNode}`);
  }
  if ((c.cman?.transport === "udpu") !== (inputs.transport === "udpu")) {
    out.push(`the cman transport differs from transport ${inputs.transport}`);
  }
  if (c.totem?.token !== String(inputs.tokenMs)) {
    out.push(`totem token "${c.totem?.token}" differs from tokenMs ${inputs.tokenMs}`);
  }
  return out;
}

/** The CmanCluster provider. */
export const cmanClusterProvider = defineProvider({
  kind: "CmanCluster",
  // Its scripts (cluster.conf itself is an input), the delete's too: a delete runs the code stored with the resource.
  render: (inputs) => ({
    ricci: ricciScript(),
    boot: bootScript(inputs.startAtBoot),
    probe: probeScript(),
    read: readProbeScript(),
    validate: validateConfScript(),
    write: writeConfScript(),
    remove: deleteScript(),
  }),
  schema,
  // A cluster cannot be renamed while it runs: a new name is a new cluster.
  forceNew: ["name"],
  deleteBeforeReplace: true,
  check(inputs) {
    const failures = checkConf(inputs);
    const ids = inputs.members.map((m) => m.nodeId);
    ids.forEach((id, i) => {
      const property = `members[${i}].nodeId`;
      if (ids.indexOf(id) !== i) failures.push({ property, reason: `${property}: ${id} is used twice` });
    });
    return failures;
  },
  async create(inputs) {
    const outs = await apply(inputs);
    return { id: `cman:${inputs.name}`, outs };
  },
  async read(_id, olds) {
    const expected = setConfigVersion(olds.clusterConf, olds.configVersion ?? UNVERSIONED);
    let configVersion: number | undefined;
    let ricciRunning = true;
    let ricciEnabled = true;
    let confCurrent = true;
    const probes: NodeProbe[] = [];
    const verdicts: PasswordVerdict[] = [];
    const password = olds.ricciPassword;
    for (const member of olds.members) {
      try {
        const { stdout } = await onNode(member.access, olds.sshPrivateKey, (run) =>
          run(readProbeScript(), { stdin: `${password}\n`, sensitive: [password], timeoutSeconds: 60 }),
        );
        const probe = parseProbe(stdout);
        probes.push(probe);
        verdicts.push(passwordVerdict(stdout));
        if (probe.conf !== undefined) configVersion ??= configVersionOf(probe.conf);
        ricciRunning &&= probe.ricciRunning;
        ricciEnabled &&= probe.boot.ricci === true;
        confCurrent &&= probe.conf === expected;
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        ricciRunning = false;
        ricciEnabled = false;
        confCurrent = false;
      }
    }
    const ricciPasswordCurrent = passwordCurrentOf(verdicts);
    return {
      configVersion: configVersion ?? olds.configVersion,
      ricciRunning,
      ricciEnabled,
      confCurrent,
      startAtBoot: startAtBootOf(probes, olds.startAtBoot),
      configLoaded: configLoadedOn(probes),
      ...(ricciPasswordCurrent !== undefined ? { ricciPasswordCurrent } : {}),
    };
  },
  async update(_id, _olds, news) {
    return apply(news);
  },
  async delete(_id, olds) {
    await removeOnEach(
      olds.members,
      (member) => `cman on ${where(member)}`,
      (member) => onMember(member, olds.sshPrivateKey, (run) => run(deleteScript(), { timeoutSeconds: 180 })),
    );
  },
});

/** The cman cluster stack on the member nodes (seeds 000/001). */
export const CmanClusterRes = labKind<CmanClusterInputs, CmanClusterOutputs>(cmanClusterProvider, {
  outputs: { configVersion: true },
  secretInputs: ["sshPrivateKey", "ricciPassword"],
});
export type CmanClusterRes = InstanceType<typeof CmanClusterRes>;
