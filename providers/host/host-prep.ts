/**
 * HostPrep: the KVM host ready for the lab — the stack's state directory, libvirtd answering on the
 * configured URI (started here, with virtlogd, when `daemon` is `managed` and none answers: machines
 * without systemd), and the domain type decided from the CPU (kvm only with vmx/svm, as `kvm-ok`
 * decides; libvirt's capability list is not trusted: it advertises kvm on hosts that cannot run it).
 *
 * `read` reports whether libvirtd still answers, whether the state directory is there with its
 * mode and, for the daemons it started, whether virtlogd still runs and the nokvm wrapping is in
 * force, so each shows as drift and the next `up` repairs it (a stopped virtlogd is started alone;
 * a libvirtd of its own running unwrapped is restarted wrapped). `delete` removes the state
 * directory only when the stack left nothing in it, and stops the daemons only when this resource
 * started them and they hold no lab objects.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { localHostProblem, progress, runOnHost } from "../exec/host-exec";
import { labKind } from "../core/kind";
import { shellQuote } from "../exec/ssh";
import { DAEMON_ALIVE, daemonRunning, stopDaemonScript } from "../exec/pid-file";
import { virshCommand } from "../libvirt/virsh";

/** Pid files of daemons this program starts (under /run/libvirt, which a test may make private). */
export const MANAGED_PID_FILES = {
  virtlogd: "/run/libvirt/kvmlab-virtlogd.pid",
  libvirtd: "/run/libvirt/kvmlab-libvirtd.pid",
} as const;

/**
 * The zod shape of a host endpoint (shared by every host-side kind). Built on each call: no zod
 * instance may live at module level, or Pulumi would try to serialise it with the provider.
 */
export const hostField = () =>
  z
    .object({
      libvirtUri: z.string().min(1, "libvirtUri is required"),
      stateDir: z
        .string()
        .regex(/^\/[^\s'"]+$/, "stateDir must be an absolute path without spaces or quotes")
        .refine(
          (p) => p.split("/").filter(Boolean).length >= 2,
          "stateDir must not be a top-level directory",
        ),
    })
    .superRefine((h, ctx) => {
      const problem = localHostProblem(h.libvirtUri);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["libvirtUri"], message: problem });
    });

/** Shell snippet: is libvirtd answering? (exit status) */
function answers(uri: string): string {
  return `${virshCommand(uri, ["version"])} >/dev/null 2>&1`;
}

/** Files of the nokvm wrapping (see {@link hostFacts}): an empty /dev/kvm and libvirtd's qemu.conf. */
export const NOKVM_FILES = {
  kvm: "/run/libvirt/kvmlab-nokvm",
  qemuConf: "/run/libvirt/kvmlab-qemu.conf",
} as const;

/** The mode of the state directory: qemu (libvirt-qemu) must reach volumes/ and seeds/ in it. */
export const STATE_DIR_MODE = "711";

/**
 * Shell lines both the converge and the read start with: `cpu` (kvm with vmx/svm), and the
 * functions `daemon_alive`, `nokvm_needed` and `nokvm_in_force`.
 *
 * The nokvm wrapping: on a host whose /dev/kvm cannot run these guests (no vmx/svm: e.g. a nested
 * PVM host) libvirt would probe QEMU with KVM again on every define (about a minute each), so the
 * libvirtd the program starts gets its own mount namespace where /dev/kvm is an inaccessible empty
 * file, and qemu.conf has "namespaces = [ ]" (its QEMU processes run without libvirt's private
 * /dev, which would try to move that bind mount). `nokvm_in_force` checks both bind mounts in the
 * mount table of the running libvirtd of the pid file.
 */
function hostFacts(requestedDomainType: HostPrepInputs["requestedDomainType"]): string {
  return `${DAEMON_ALIVE}
if grep -qwE 'vmx|svm' /proc/cpuinfo; then cpu=kvm; else cpu=qemu; fi
nokvm_needed() { [ "$cpu" = qemu ] && [ ${shellQuote(requestedDomainType)} != kvm ] && [ -e /dev/kvm ]; }
nokvm_in_force() {
  [ -e ${NOKVM_FILES.kvm} ] && [ -e ${NOKVM_FILES.qemuConf} ] &&
    awk '$5 == "/dev/kvm" { k = 1 } $5 == "/etc/libvirt/qemu.conf" { q = 1 } END { exit !(k && q) }' \\
      "/proc/$(cat ${MANAGED_PID_FILES.libvirtd} 2>/dev/null)/mountinfo" 2>/dev/null
}`;
}

/** The script that converges the host; prints `cpu=…` and `started=…`. */
export function hostPrepScript(inputs: HostPrepInputs): string {
  const uri = inputs.host.libvirtUri;
  const managed = inputs.daemon === "managed";
  const libvirtdOurs = daemonRunning(MANAGED_PID_FILES.libvirtd, "libvirtd");
  const virtlogdOurs = daemonRunning(MANAGED_PID_FILES.virtlogd, "virtlogd");
  const startVirtlogd = `if ! ${virtlogdOurs}; then virtlogd -d -p ${MANAGED_PID_FILES.virtlogd}; started=yes; fi`;
  const start = `# Directories systemd-tmpfiles would make on a systemd host.
  mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt/dnsmasq /var/lib/libvirt/qemu /var/cache/libvirt
  wrap=()
  if nokvm_needed; then
    : >${NOKVM_FILES.kvm}
    chmod 000 ${NOKVM_FILES.kvm}
    { cat /etc/libvirt/qemu.conf; echo 'namespaces = [ ]'; } >${NOKVM_FILES.qemuConf}
    wrap=(unshare -m --propagation private sh -c 'mount --bind ${NOKVM_FILES.kvm} /dev/kvm &&
      mount --bind ${NOKVM_FILES.qemuConf} /etc/libvirt/qemu.conf && exec "$@"' sh)
  fi
  ${startVirtlogd}
  "\${wrap[@]}" libvirtd -d -p ${MANAGED_PID_FILES.libvirtd}
  for _ in $(seq 1 60); do ${answers(uri)} && break; sleep 0.5; done
  ${answers(uri)} || { echo "libvirtd was started but does not answer on ${uri} within 30 s (see /var/log/libvirt)" >&2; exit 1; }
  started=yes`;
  // The libvirtd of its pid file runs without the nokvm wrapping (started by hand since): stopped
  // here and started wrapped below (its guests keep running); virtlogd gone while that libvirtd
  // runs: started alone.
  const repair = `if ${libvirtdOurs} && nokvm_needed && ! nokvm_in_force; then
  echo "host: libvirtd runs without the nokvm wrapping: restarting it" >&2
${stopDaemonScript(MANAGED_PID_FILES.libvirtd, "libvirtd")}
  restart=yes
fi
if ${answers(uri)} && ${libvirtdOurs}; then
  ${startVirtlogd}
fi
`;
  const refuse = `echo "libvirtd does not answer on ${uri}. Fix: start libvirtd on the host, or set host.daemon to managed so the program starts it" >&2
  exit 1`;
  return `mkdir -p ${shellQuote(inputs.host.stateDir)}
chmod 0${STATE_DIR_MODE} ${shellQuote(inputs.host.stateDir)} # qemu (libvirt-qemu) must reach volumes/ and seeds/
${hostFacts(inputs.requestedDomainType)}
started=no
restart=no
${managed ? repair : ""}if [ $restart = yes ] || ! ${answers(uri)}; then
  ${managed ? start : refuse}
fi
echo "cpu=$cpu"
echo "started=$started"`;
}

/**
 * The probe `read` runs (one round trip): a line for each thing that holds — `daemon` (libvirtd
 * answers), `state-dir` (the state directory, mode 0711) and, on a `managed` host, `virtlogd` and
 * `nokvm`. Those two are checked while the libvirtd of the program's pid file runs (the daemons it
 * started): its virtlogd runs, and the nokvm wrapping is in force where the host needs it.
 */
export function hostPrepReadScript(
  inputs: Pick<HostPrepInputs, "host" | "daemon" | "requestedDomainType">,
): string {
  const dir = shellQuote(inputs.host.stateDir);
  const managed =
    inputs.daemon === "managed"
      ? `if ${daemonRunning(MANAGED_PID_FILES.libvirtd, "libvirtd")}; then
  if ${daemonRunning(MANAGED_PID_FILES.virtlogd, "virtlogd")}; then echo virtlogd; fi
  if ! nokvm_needed || nokvm_in_force; then echo nokvm; fi
else
  echo virtlogd
  echo nokvm
fi`
      : "echo virtlogd\necho nokvm";
  return `${hostFacts(inputs.requestedDomainType)}
if ${answers(inputs.host.libvirtUri)}; then echo daemon; fi
if [ -d ${dir} ] && [ "$(stat -c %a ${dir})" = ${STATE_DIR_MODE} ]; then echo state-dir; fi
${managed}`;
}

const schema = () =>
  z.object({
    host: hostField(),
    /** `managed`: start virtlogd/libvirtd when none answers; `external`: use the running daemon. */
    daemon: z.enum(["managed", "external"]),
    /** Requested domain type; `auto` decides from the CPU flags (vmx/svm). */
    requestedDomainType: z.enum(["auto", "kvm", "qemu"]),
    /** Desired: libvirtd answers (read sets false when it stopped). */
    daemonAnswers: z.boolean().default(true),
    /** Desired: the state directory exists with mode 0711 (read sets false when not). */
    stateDirReady: z.boolean().default(true),
    /** Desired: the virtlogd the program started runs beside its libvirtd (`managed`). */
    virtlogdRunning: z.boolean().default(true),
    /** Desired: the libvirtd the program started runs with the nokvm wrapping where the host needs it. */
    nokvmInForce: z.boolean().default(true),
  });

/** Inputs of a HostPrep, as its schema takes them (fields with a default are optional). */
export type HostPrepInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a HostPrep. */
export interface HostPrepOutputs {
  /** The domain type decided for this host. */
  domainType: "kvm" | "qemu";
  /** The CPU has vmx/svm. */
  cpuVirtualisation: boolean;
  /** This resource started virtlogd/libvirtd (and stops them on delete when they hold nothing). */
  startedDaemons: boolean;
}

function decide(requested: "auto" | "kvm" | "qemu", cpu: string): "kvm" | "qemu" {
  if (requested !== "auto") return requested;
  return cpu === "kvm" ? "kvm" : "qemu";
}

async function converge(inputs: z.output<ReturnType<typeof schema>>) {
  progress(`host: checking libvirtd on ${inputs.host.libvirtUri}`);
  const { stdout } = await runOnHost(hostPrepScript(inputs as HostPrepInputs), { timeoutSeconds: 120 });
  const cpu = /cpu=(\w+)/.exec(stdout)?.[1] ?? "qemu";
  const startedDaemons = /started=yes/.test(stdout);
  if (startedDaemons) progress("host: started the lab's libvirt daemons");
  return {
    domainType: decide(inputs.requestedDomainType, cpu),
    cpuVirtualisation: cpu === "kvm",
    startedDaemons,
  };
}

/** The HostPrep provider. */
export const hostPrepProvider = defineProvider({
  kind: "HostPrep",
  // The delete script too (with the daemons started): a delete runs the code stored with the resource.
  render: (inputs) => ({
    script: hostPrepScript(inputs),
    remove: hostPrepDeleteScript({ host: inputs.host, startedDaemons: true }),
  }),
  schema,
  forceNew: ["host"],
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: `${inputs.host.libvirtUri}#${inputs.host.stateDir}`, outs };
  },
  async read(_id, olds) {
    const { stdout } = await runOnHost(hostPrepReadScript(olds), { timeoutSeconds: 30 });
    const holds = new Set(stdout.split("\n").map((line) => line.trim()));
    return {
      daemonAnswers: holds.has("daemon"),
      stateDirReady: holds.has("state-dir"),
      virtlogdRunning: holds.has("virtlogd"),
      nokvmInForce: holds.has("nokvm"),
    };
  },
  async update(_id, olds, news) {
    const outs = await converge(news);
    return { ...outs, startedDaemons: outs.startedDaemons || olds.startedDaemons === true };
  },
  async delete(_id, olds) {
    await runOnHost(hostPrepDeleteScript(olds));
  },
});

/**
 * The delete script: the state directory goes when the stack left nothing in it (only empty
 * directories are removed: volumes/, seeds/ … once their resources are deleted), and the daemons
 * are stopped when this resource started them and they hold no domain and no running network (an
 * inactive network such as the `default` one Debian's libvirt package defines is no reason to
 * keep them). A pid file whose pid is not the daemon any more (a stale file) is only removed.
 */
export function hostPrepDeleteScript(
  olds: Pick<HostPrepInputs, "host"> & { startedDaemons?: boolean },
): string {
  const uri = olds.host.libvirtUri;
  const dir = shellQuote(olds.host.stateDir);
  const stop = olds.startedDaemons
    ? `if ${answers(uri)} && [ -z "$(${virshCommand(uri, ["list", "--all", "--name"])})" ] && [ -z "$(${virshCommand(uri, ["net-list", "--name"])})" ]; then
${stopDaemonScript(MANAGED_PID_FILES.libvirtd, "libvirtd")}
${stopDaemonScript(MANAGED_PID_FILES.virtlogd, "virtlogd")}
fi`
    : "";
  return (
    `if [ -d ${dir} ]; then find ${dir} -depth -type d -empty -delete; fi\n` +
    `if [ -d ${dir} ]; then echo "kept ${olds.host.stateDir}: not empty" >&2; fi\n${stop}`
  );
}

/** The KVM host prepared for the lab. */
export const HostPrep = labKind<HostPrepInputs, HostPrepOutputs>(hostPrepProvider, {
  outputs: { domainType: true, cpuVirtualisation: true, startedDaemons: true },
});
export type HostPrep = InstanceType<typeof HostPrep>;
