/**
 * IscsiTarget: the shared-disk target of seed 000 — tgtd with file-backed LUNs, on the KVM host
 * (default) or on a node, access restricted to the cluster nodes' initiator names and addresses.
 *
 * - Before anything changes, a probe checks that tgt is installed and that every LUN file fits in
 *   the free space of its directory (a LUN is never shrunk: that would cut its data).
 * - LUN files are allocated with `fallocate` (space really reserved) and grown in place.
 * - The configuration is persistent: a targets.conf rendered by `render/tgt-targets-conf.ts`. On a
 *   node it goes to /etc/tgt/conf.d and the tgt service (enabled) loads it at boot; on the KVM host,
 *   where no init system runs, tgtd is started by the provider on its own control port and
 *   management-network portal and loads the file with `tgt-admin -e`.
 * - The live target is then converged with `tgtadm` from the plan of `tgt-plan.ts`.
 *
 * `read` reports what tgtd serves: the target gone or tgtd down (`online: false`), the LUNs that
 * are there (a LUN removed out of band is missing), their sizes, the ACL, and the logged-in
 * initiators (`sessions`); and, from the same probe, the persistent configuration against the
 * rendered one (`configCurrent`), the LUN files on disk (`lunFilesCurrent`), the portal listened on
 * (`listening`) and, on a node, the tgt service enabled at boot (`enabledAtBoot`).
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import { hostField } from "../../host/host-prep";
import {
  explained,
  isUnreachable,
  onPlacement,
  parseSections,
  runCommands,
  SCRIPT_FAIL,
  sshEndpointField,
  type Runner,
} from "../../exec/node-exec";
import { parseTgtShow } from "./tgt-show";
import { labKind } from "../../core/kind";
import { renderTargetsConf } from "./targets-conf";
import { shellJoin, shellQuote } from "../../exec/ssh";
import { stopDaemonScript } from "../../exec/pid-file";
import { isInitiatorName, planTgt, tgtadm } from "./tgt-plan";
import { fileDigestsProbe, holdsRendered, parseFileDigests } from "../../exec/file-digests";
import { listens } from "../../exec/listens";
import { enabledAtBoot, parseUnitStates, unitStatesProbe, type UnitState } from "../../node/unit-states";

const IQN = /^iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[^\s<>'"]+)?$/i;
/** An absolute path without spaces, quotes or `..` segments. */
const ABSOLUTE = /^(?!.*\/\.\.(\/|$))\/[^\s'"<>]+$/;

const schema = () =>
  z.object({
    host: hostField(),
    /** The node the target runs on; unset: on the KVM host. */
    node: sshEndpointField().optional(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    iqn: z.string().regex(IQN, "iqn must look like iqn.2011-08.com.example.host:tgt01"),
    /** Directory of the LUN files (owned by the stack). */
    directory: z.string().regex(ABSOLUTE, "directory must be an absolute path without spaces"),
    /** `address:port` tgtd listens on (the KVM host's management address). */
    portal: z.string().regex(/^\d+\.\d+\.\d+\.\d+:\d+$/, "portal must be address:port"),
    /** tgtd's management channel (`tgtadm -C`): one tgtd per lab on the host; 0 on a node. */
    controlPort: z.number().int().min(0).max(65535),
    /** The LUNs: number, backing file (under `directory`), size, purpose. */
    luns: z
      .array(
        z.object({
          lun: z.number().int().min(1, "lun numbers start at 1 (0 is the controller)").max(255),
          path: z.string().regex(ABSOLUTE, "path must be an absolute path without spaces"),
          sizeMiB: z.number().int().positive("sizeMiB must be a positive number of MiB"),
          purpose: z.enum(["quorum", "data", "other"]),
        }),
      )
      .min(1, "a target needs at least one LUN")
      // In LUN order, as tgtd lists them (else every read would look like drift).
      .transform((luns) => [...luns].sort((a, b) => a.lun - b.lun)),
    /** Initiators allowed in: addresses and IQNs (access is never `ALL`). */
    initiatorAddresses: z
      .array(z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, "initiator addresses must be IPv4 addresses"))
      .min(1, "access must be restricted to the cluster nodes: give their addresses"),
    initiatorNames: z
      .array(z.string().regex(IQN, "initiator names must be IQNs"))
      .min(1, "access must be restricted to the cluster nodes: give their initiator names"),
    /** Desired: tgtd serves the target (drift when it does not). */
    online: z.boolean().default(true),
    /** Desired: the persistent configuration holds the rendered targets.conf (drift when not). */
    configCurrent: z.boolean().default(true),
    /** Desired: on a node, the tgt service starts at boot (drift when not; always true on the host). */
    enabledAtBoot: z.boolean().default(true),
    /** Desired: every LUN file is there, at least `sizeMiB` large (drift when not). */
    lunFilesCurrent: z.boolean().default(true),
    /** Desired: something listens on `portal` (drift when not). */
    listening: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of an IscsiTarget, as its schema takes them (fields with a default are optional). */
export type IscsiTargetInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of an IscsiTarget. */
export interface IscsiTargetOutputs {
  /** tgtd's target id. */
  tid: number;
  /** Initiator IQNs logged in when last seen. */
  sessions: string[];
}

/** Where the persistent configuration and (on the host) tgtd's pid file live. */
export function targetFiles(inputs: Pick<Inputs, "node" | "directory">): {
  config: string;
  pidFile?: string;
} {
  const base = inputs.directory.replace(/\/+$/, "");
  if (inputs.node !== undefined) {
    return { config: `/etc/tgt/conf.d/kvmlab-${base.split("/").pop() ?? "target"}.conf` };
  }
  return { config: `${base}.conf`, pidFile: `${base}.tgtd.pid` };
}

/** The unit that runs tgtd on a node. */
const TGT_UNIT = "tgt";

/** The portal as address and port. */
function portalOf(inputs: Pick<Inputs, "portal">): { address: string; port: number } {
  const at = inputs.portal.lastIndexOf(":");
  return { address: inputs.portal.slice(0, at), port: Number(inputs.portal.slice(at + 1)) };
}

/**
 * The probe: is tgtd up, what it serves, free space for the LUN files, their current sizes, the
 * persistent configuration's digest, whether something listens on the portal and (on a node)
 * whether the tgt service starts at boot. It runs where tgtd runs, in its network namespace.
 */
export function probeScript(inputs: Inputs): string {
  const paths = inputs.luns.map((l) => l.path);
  const { address, port } = portalOf(inputs);
  const units = inputs.node !== undefined ? `\necho "== units"\n${unitStatesProbe([TGT_UNIT])}` : "";
  return `${SCRIPT_FAIL}
command -v tgtadm >/dev/null || fail "tgt is not installed. Fix: apt-get install tgt (npm run lab installs it on the KVM host; the lab image has it), then run pulumi up again"
echo "== running"
if ${shellJoin(tgtadm(inputs.controlPort, "--mode", "sys", "--op", "show"))} >/dev/null 2>&1; then echo yes; else echo no; fi
echo "== show"
${shellJoin(tgtadm(inputs.controlPort, "--mode", "target", "--op", "show"))} 2>/dev/null || true
echo "== avail"
d=${shellQuote(inputs.directory)}
while [ ! -d "$d" ]; do d=$(dirname "$d"); done
df -B1M --output=avail "$d" | tail -n 1
echo "== files"
for f in ${shellJoin(paths)}; do
  if [ -f "$f" ]; then echo "$(stat -c %s "$f") $f"; else echo "- $f"; fi
done
echo "== config"
${fileDigestsProbe([targetFiles(inputs).config])}
echo "== listening"
if ${listens(address, port)}; then echo yes; else echo no; fi${units}`;
}

/** What the probe found. */
export interface ProbeResult {
  running: boolean;
  show: string;
  availMiB: number;
  /** Current size in bytes of each LUN file that exists. */
  fileBytes: Record<string, number>;
  /** The persistent configuration's path → sha256 (`""` when it is missing). */
  configDigests: Record<string, string>;
  /** Something listens on the portal. */
  listening: boolean;
  /** The tgt service's states (a node only; empty on the host). */
  units: Record<string, UnitState>;
}

/** Parses the probe's output. */
export function parseProbe(stdout: string): ProbeResult {
  const sections = parseSections(stdout);
  const fileBytes: Record<string, number> = {};
  for (const line of sections.files ?? []) {
    const m = /^(\d+) (.+)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) fileBytes[m[2]] = Number(m[1]);
  }
  return {
    running: (sections.running ?? []).join("").trim() === "yes",
    show: (sections.show ?? []).join("\n"),
    availMiB: Number((sections.avail ?? []).join("").trim()) || 0,
    fileBytes,
    configDigests: parseFileDigests(sections.config ?? []),
    listening: (sections.listening ?? []).join("").trim() === "yes",
    units: parseUnitStates(sections.units ?? []),
  };
}

/** The LUNs whose file is missing or smaller than `sizeMiB`. */
export function lunsWithoutFile(
  inputs: Pick<Inputs, "luns">,
  probe: Pick<ProbeResult, "fileBytes">,
): number[] {
  return inputs.luns.filter((l) => (probe.fileBytes[l.path] ?? -1) < l.sizeMiB * MIB).map((l) => l.lun);
}

/**
 * What the probe says of the machine beside tgtd's view: the persistent configuration as rendered,
 * the tgt service enabled at boot (a node only), every LUN file in place, the portal listened on.
 */
export function heldState(
  inputs: Inputs,
  probe: ProbeResult,
): Pick<Inputs, "configCurrent" | "enabledAtBoot" | "lunFilesCurrent" | "listening"> {
  return {
    configCurrent: holdsRendered(probe.configDigests, targetFiles(inputs).config, targetsConf(inputs)),
    enabledAtBoot: inputs.node === undefined || enabledAtBoot(probe.units[TGT_UNIT]),
    lunFilesCurrent: lunsWithoutFile(inputs, probe).length === 0,
    listening: probe.listening,
  };
}

const MIB = 1024 * 1024;

/**
 * The problems to fix before anything changes: a LUN that would shrink, LUN files that do not fit
 * in the free space. Each names the LUN (`iscsi.luns[i]`) and the fix.
 */
export function spaceProblems(inputs: Inputs, probe: Pick<ProbeResult, "availMiB" | "fileBytes">): string[] {
  const problems: string[] = [];
  let needed = 0;
  inputs.luns.forEach((l, i) => {
    const have = probe.fileBytes[l.path];
    const want = l.sizeMiB * MIB;
    if (have !== undefined && have > want) {
      problems.push(
        `iscsi.luns[${i}] (LUN ${l.lun}, ${l.path}) is ${Math.ceil(have / MIB)} MiB on disk but sizeMiB is ${l.sizeMiB}: ` +
          `a LUN is never shrunk (its data would be cut). Fix: set sizeMiB ≥ ${Math.ceil(have / MIB)}, or remove the file if its data may go`,
      );
    }
    needed += Math.max(0, want - (have ?? 0)) / MIB;
  });
  if (needed > probe.availMiB) {
    const list = inputs.luns.map((l, i) => `iscsi.luns[${i}] ${l.sizeMiB} MiB`).join(", ");
    problems.push(
      `the LUN files need ${Math.ceil(needed)} MiB more but only ${probe.availMiB} MiB are free under ${inputs.directory} (${list}). ` +
        "Fix: free space there, lower iscsi.luns[].sizeMiB, or set iscsi.directory to a larger file system; then run pulumi up again",
    );
  }
  return problems;
}

/**
 * Files, persistent configuration and a running tgtd (started here on the KVM host). `restart`:
 * tgtd runs but nothing listens on the portal, so it is stopped and started again (on the host
 * the one of the pid file, on a node the tgt service); it loads the configuration as it starts.
 */
export function prepareScript(inputs: Inputs, opts: { restart?: boolean } = {}): string {
  const { config, pidFile } = targetFiles(inputs);
  const port = inputs.controlPort;
  const sys = shellJoin(tgtadm(port, "--mode", "sys", "--op", "show"));
  const allocate = inputs.luns
    .map(
      (l) =>
        `fallocate -l ${l.sizeMiB}MiB ${shellQuote(l.path)} || truncate -s ${l.sizeMiB}M ${shellQuote(l.path)}`,
    )
    .join("\n");
  const restart =
    opts.restart !== true
      ? ""
      : pidFile !== undefined
        ? `${stopDaemonScript(pidFile, "tgtd")}\n`
        : `systemctl restart ${TGT_UNIT} >/dev/null 2>&1 || fail "the tgt service did not restart. Fix: systemctl status tgt on the target node"\n`;
  const start =
    pidFile !== undefined
      ? `${restart}if ! ${sys} >/dev/null 2>&1; then
  tgtd -C ${port} -p ${shellQuote(pidFile)} --iscsi portal=${shellQuote(inputs.portal)}
  for _ in $(seq 50); do ${sys} >/dev/null 2>&1 && break; sleep 0.2; done
  ${sys} >/dev/null 2>&1 || fail "tgtd did not start on control port ${port}. Fix: look for another tgtd (pgrep -a tgtd) and the system log"
  tgt-admin -C ${port} -e -c ${shellQuote(config)} >&2
  echo started
fi`
      : `systemctl enable --now tgt >/dev/null 2>&1 || fail "the tgt service did not start. Fix: systemctl status tgt on the target node"
${restart}for _ in $(seq 50); do ${sys} >/dev/null 2>&1 && break; sleep 0.2; done`;
  return `${SCRIPT_FAIL}
umask 077
mkdir -p ${shellQuote(inputs.directory)}
${allocate}
mkdir -p "$(dirname ${shellQuote(config)})"
base64 -d > ${shellQuote(`${config}.new`)}
mv -f ${shellQuote(`${config}.new`)} ${shellQuote(config)}
${start}`;
}

/** The rendered targets.conf of the inputs. */
export function targetsConf(inputs: Inputs): string {
  return renderTargetsConf({
    iqn: inputs.iqn,
    luns: inputs.luns.map((l) => ({ lun: l.lun, path: l.path })),
    initiatorAddresses: inputs.initiatorAddresses,
    initiatorNames: inputs.initiatorNames,
  });
}

async function probe(run: Runner, inputs: Inputs): Promise<ProbeResult> {
  return parseProbe((await run(probeScript(inputs), { timeoutSeconds: 60 })).stdout);
}

async function converge(inputs: Inputs): Promise<IscsiTargetOutputs> {
  return onPlacement(inputs, (run, where) =>
    explained(where, async () => {
      const before = await probe(run, inputs);
      const problems = spaceProblems(inputs, before);
      if (problems.length > 0) throw new Error(problems.join("\n"));
      const restart = before.running && !before.listening;
      if (restart) progress(`iSCSI target: nothing listens on ${inputs.portal}, restarting tgtd on ${where}`);
      const prepared = await run(prepareScript(inputs, { restart }), {
        stdin: Buffer.from(targetsConf(inputs)).toString("base64"),
        timeoutSeconds: 300,
      });
      if (prepared.stdout.includes("started")) progress(`iSCSI target: tgtd started on ${where}`);
      // A LUN tgtd served while its file was gone or cut keeps the old one open: made again on the new file.
      const served = before.running ? parseTgtShow(before.show).find((t) => t.iqn === inputs.iqn) : undefined;
      const remade = lunsWithoutFile(inputs, before).filter((n) => served?.luns.some((l) => l.lun === n));
      const live = parseTgtShow((await probe(run, inputs)).show).map((t) =>
        t.iqn !== inputs.iqn
          ? t
          : { ...t, luns: t.luns.map((l) => (remade.includes(l.lun) ? { ...l, sizeMiB: -1 } : l)) },
      );
      const plan = planTgt(
        {
          iqn: inputs.iqn,
          luns: inputs.luns,
          initiatorAddresses: inputs.initiatorAddresses,
          initiatorNames: inputs.initiatorNames,
        },
        live,
        inputs.controlPort,
      );
      if (plan.commands.length > 0) {
        progress(`iSCSI target ${inputs.iqn}: ${plan.commands.length} tgtadm change(s) on ${where}`);
        await runCommands(run, plan.commands, { timeoutSeconds: 120 });
      }
      const after = parseTgtShow((await probe(run, inputs)).show).find((t) => t.iqn === inputs.iqn);
      return { tid: plan.tid, sessions: (after?.sessions ?? []).map((s) => s.initiator) };
    }),
  );
}

/** The IscsiTarget provider. */
export const iscsiTargetProvider = defineProvider({
  kind: "IscsiTarget",
  render: (inputs) => {
    const { pidFile } = targetFiles(inputs);
    return {
      probe: probeScript(inputs),
      prepare: prepareScript(inputs),
      conf: targetsConf(inputs),
      // The delete's stop of the host's tgtd: a delete runs the code stored with the resource.
      ...(pidFile !== undefined ? { stop: stopDaemonScript(pidFile, "tgtd") } : {}),
    };
  },
  schema,
  check(inputs) {
    const failures = [];
    const numbers = inputs.luns.map((l) => l.lun);
    const dup = numbers.find((n, i) => numbers.indexOf(n) !== i);
    if (dup !== undefined) {
      failures.push({
        property: "luns",
        reason: `luns: LUN ${dup} is given twice. Fix: give every LUN its own id`,
      });
    }
    inputs.luns.forEach((l, i) => {
      if (!l.path.startsWith(`${inputs.directory.replace(/\/+$/, "")}/`)) {
        failures.push({
          property: `luns[${i}].path`,
          reason: `luns[${i}].path ${l.path} is outside the target's directory ${inputs.directory}. Fix: keep LUN files under iscsi.directory`,
        });
      }
    });
    return failures;
  },
  // Not `node`: how the program reaches it (pinned host key) may change; a move is handled in update.
  forceNew: ["host", "iqn", "directory", "controlPort"],
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: inputs.iqn, outs };
  },
  async read(_id, olds) {
    return readTarget(olds).catch((err: unknown) => {
      // A target node that does not answer serves nothing.
      if (isUnreachable(err)) return { online: false };
      throw err;
    });
  },
  async update(_id, olds, news) {
    if (olds.node?.address !== news.node?.address) {
      progress(
        `iSCSI target ${news.iqn}: moving from ${olds.node?.address ?? "the KVM host"} to ${news.node?.address ?? "the KVM host"}`,
      );
      await removeTarget(olds);
    }
    return converge(news);
  },
  async delete(_id, olds) {
    await removeTarget(olds);
  },
});

async function readTarget(olds: Inputs): Promise<Partial<Inputs & IscsiTargetOutputs>> {
  return onPlacement(olds, async (run) => {
    const found = await probe(run, olds);
    const held = heldState(olds, found);
    const live = found.running ? parseTgtShow(found.show).find((t) => t.iqn === olds.iqn) : undefined;
    if (live === undefined) return { online: false, ...held };
    return {
      ...held,
      online: true,
      tid: live.tid,
      luns: live.luns.map((l) => ({
        lun: l.lun,
        path: l.path,
        sizeMiB: l.sizeMiB,
        purpose: olds.luns.find((o) => o.lun === l.lun)?.purpose ?? "other",
      })),
      initiatorAddresses: live.acl.filter((a) => !isInitiatorName(a)),
      initiatorNames: live.acl.filter(isInitiatorName),
      sessions: live.sessions.map((s) => s.initiator),
    };
  });
}

/** Deletes the target, its LUN files and configuration; stops the host's tgtd when it serves nothing else. */
async function removeTarget(olds: Inputs): Promise<void> {
  const { config, pidFile } = targetFiles(olds);
  const port = olds.controlPort;
  await onPlacement(olds, async (run) => {
    const found = await probe(run, olds);
    const live = found.running ? parseTgtShow(found.show) : [];
    const ours = live.find((t) => t.iqn === olds.iqn);
    const others = live.filter((t) => t.iqn !== olds.iqn);
    // Only our tgtd: the pid file outlives it across a host reboot (the pid may be anyone's then).
    const stop = pidFile !== undefined && others.length === 0 ? stopDaemonScript(pidFile, "tgtd") : "";
    await run(
      `set -e
${ours !== undefined ? `${shellJoin(tgtadm(port, "--mode", "target", "--op", "delete", "--force", "--tid", ours.tid))}` : ""}
${stop}
rm -f ${shellJoin([...olds.luns.map((l) => l.path), config])}
rmdir ${shellQuote(olds.directory)} 2>/dev/null || true
rmdir "$(dirname ${shellQuote(olds.directory)})" 2>/dev/null || true`,
      { timeoutSeconds: 60 },
    );
  });
}

/** The iSCSI target with its LUNs. */
export const IscsiTargetRes = labKind<IscsiTargetInputs, IscsiTargetOutputs>(iscsiTargetProvider, {
  outputs: { tid: true, sessions: true },
  secretInputs: ["sshPrivateKey"],
});
export type IscsiTargetRes = InstanceType<typeof IscsiTargetRes>;
