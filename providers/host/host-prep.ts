/**
 * HostPrep: the KVM host ready for the lab — the stack's state directory, libvirtd answering on the
 * configured URI (started here, with virtlogd, when `daemon` is `managed` and none answers: machines
 * without systemd), and the domain type decided from the CPU (kvm only with vmx/svm, as `kvm-ok`
 * decides; libvirt's capability list is not trusted: it advertises kvm on hosts that cannot run it).
 *
 * `read` reports whether libvirtd still answers, so a stopped daemon shows as drift and the next
 * `up` starts it again. `delete` removes the state directory only when the stack left nothing in
 * it, and stops the daemons only when this resource started them and they hold no lab objects.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { localHostProblem, progress, runOnHost } from "../exec/host-exec";
import { labKind } from "../core/kind";
import { shellQuote } from "../exec/ssh";
import { stopDaemonScript } from "../exec/pid-file";
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

/** The script that converges the host; prints `cpu=…` and `started=…`. */
export function hostPrepScript(inputs: HostPrepInputs): string {
  const uri = inputs.host.libvirtUri;
  const managed = inputs.daemon === "managed";
  const start = `# Directories systemd-tmpfiles would make on a systemd host.
  mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt/dnsmasq /var/lib/libvirt/qemu /var/cache/libvirt
  wrap=()
  if [ "$cpu" = qemu ] && [ ${shellQuote(inputs.requestedDomainType)} != kvm ] && [ -e /dev/kvm ]; then
    # /dev/kvm exists but cannot run these guests (no vmx/svm: e.g. a nested PVM host). libvirt
    # would probe QEMU with KVM again on every define (about a minute each): libvirtd gets its own
    # mount namespace where /dev/kvm is an inaccessible empty file.
    # Its QEMU processes then run without libvirt's private /dev (which would try to move that
    # bind mount): the same qemu.conf plus "namespaces = [ ]", also only inside that namespace.
    : >/run/libvirt/kvmlab-nokvm
    chmod 000 /run/libvirt/kvmlab-nokvm
    { cat /etc/libvirt/qemu.conf; echo 'namespaces = [ ]'; } >/run/libvirt/kvmlab-qemu.conf
    wrap=(unshare -m --propagation private sh -c 'mount --bind /run/libvirt/kvmlab-nokvm /dev/kvm &&
      mount --bind /run/libvirt/kvmlab-qemu.conf /etc/libvirt/qemu.conf && exec "$@"' sh)
  fi
  if ! { [ -s ${MANAGED_PID_FILES.virtlogd} ] && kill -0 "$(cat ${MANAGED_PID_FILES.virtlogd})" 2>/dev/null; }; then
    virtlogd -d -p ${MANAGED_PID_FILES.virtlogd}
  fi
  "\${wrap[@]}" libvirtd -d -p ${MANAGED_PID_FILES.libvirtd}
  for _ in $(seq 1 60); do ${answers(uri)} && break; sleep 0.5; done
  ${answers(uri)} || { echo "libvirtd was started but does not answer on ${uri} within 30 s (see /var/log/libvirt)" >&2; exit 1; }
  started=yes`;
  const refuse = `echo "libvirtd does not answer on ${uri}. Fix: start libvirtd on the host, or set host.daemon to managed so the program starts it" >&2
  exit 1`;
  return `mkdir -p ${shellQuote(inputs.host.stateDir)}
chmod 0711 ${shellQuote(inputs.host.stateDir)} # qemu (libvirt-qemu) must reach volumes/ and seeds/
if grep -qwE 'vmx|svm' /proc/cpuinfo; then cpu=kvm; else cpu=qemu; fi
started=no
if ! ${answers(uri)}; then
  ${managed ? start : refuse}
fi
echo "cpu=$cpu"
echo "started=$started"`;
}

const schema = () =>
  z.object({
    host: hostField(),
    /** `managed`: start virtlogd/libvirtd when none answers; `external`: use the running daemon. */
    daemon: z.enum(["managed", "external"]),
    /** Requested domain type; `auto` decides from the CPU flags (vmx/svm). */
    requestedDomainType: z.enum(["auto", "kvm", "qemu"]),
    /** Networks (CIDR) whose nodes use the host as their time server. */
    timeClients: z.array(z.string()).default([]),
    /** Desired: libvirtd answers (read sets false when it stopped). */
    daemonAnswers: z.boolean().default(true),
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
  if (startedDaemons) progress("host: started virtlogd and libvirtd");
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
    const { code } = await runOnHost(answers(olds.host.libvirtUri), {
      okExitCodes: [0, 1],
      timeoutSeconds: 30,
    });
    return { daemonAnswers: code === 0 };
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
