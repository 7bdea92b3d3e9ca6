/**
 * LvsDirector: one cluster member converged to an LVS director (seed 002) by the setup script of
 * director-script.ts — forwarding on, ldirectord.cf written, ldirectord's systemd unit masked so
 * that only pacemaker starts it, the VIPcheck agent installed, the sorry page served. Pacemaker's
 * resources (the VIP, VIPcheck, ldirectord, the ping clone) are not made here.
 *
 * `read` reports, each as a desired-true input that reads false when it does not hold:
 * ldirectord.cf changed (`configCurrent`), the agent changed (`agentCurrent`), forwarding off, its
 * sysctl file changed or ip_vs not loaded (`forwarding`), ldirectord's unit unmasked
 * (`ldirectordMasked`), the sorry page changed or its server stopped or not enabled at boot
 * (`sorryServed`), and the IPVS table of the active director disagreeing with
 * ldirectord.cf (`ipvsCurrent`: another scheduler, a foreign destination, a real server not in
 * direct routing). The table itself is an output (`ipvs`). An unreachable node reads as all lost.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { labKind } from "../core/kind";
import { progress } from "../exec/host-exec";
import {
  explained,
  onNode,
  orIfUnreachable,
  removeUnlessUnreachable,
  runCommands,
  sshEndpointField,
} from "../exec/node-exec";
import { DIRECTOR_SYSCTL_PATH, SORRY_CONF_PATH, SORRY_DROPIN_PATH, SORRY_ROOT } from "./director-files";
import {
  LDIRECTORD_UNIT,
  parseDirectorState,
  renderDirectorSetup,
  renderDirectorState,
  type DirectorSetup,
} from "./director-script";
import { ipvsRepairCommands, parseIpvsadmList, type IpvsService } from "./ipvsadm";
import { LDIRECTORD_CF_PATH } from "./ldirectord-cf";
import { VIPCHECK_AGENT_PATH } from "./vipcheck-agent";

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Node name (`ld1`). */
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "name must be a node name"),
    /** ldirectord.cf (renderer-checked field by field). */
    ldirectord: z.object({
      vip: z.string(),
      port: z.number().int(),
      protocol: z.enum(["tcp", "udp"]),
      scheduler: z.string(),
      forwarding: z.enum(["gate"]),
      realServers: z.array(z.object({ name: z.string(), address: z.string() })).min(1),
      fallback: z.string(),
      checkType: z.enum(["negotiate", "connect"]),
      checkPort: z.number().int(),
      request: z.string(),
      receive: z.string(),
      checkTimeout: z.number().int(),
      checkInterval: z.number().int(),
      autoreload: z.boolean(),
      quiescent: z.boolean(),
    }),
    /** Desired: ldirectord.cf is the rendered one. */
    configCurrent: z.boolean().default(true),
    /** Desired: the VIPcheck agent is the rendered one. */
    agentCurrent: z.boolean().default(true),
    /** Desired: forwarding and the non-local bind are on, now and at boot (their sysctl file); ip_vs is loaded. */
    forwarding: z.boolean().default(true),
    /** Desired: ldirectord's systemd unit is masked. */
    ldirectordMasked: z.boolean().default(true),
    /** Desired: the sorry page is served, now and from boot. */
    sorryServed: z.boolean().default(true),
    /** Desired: the IPVS table agrees with ldirectord.cf (when this director has the virtual service). */
    ipvsCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of an LvsDirector, as its schema takes them (fields with a default are optional). */
export type LvsDirectorInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of an LvsDirector. */
export interface LvsDirectorOutputs {
  /** The IPVS table as last read (the active director's holds the virtual service). */
  ipvs: IpvsService[];
}

/** The renderers' input of a resource's inputs. */
export function directorSetupOf(inputs: Inputs): DirectorSetup {
  return { name: inputs.name, ldirectord: inputs.ldirectord };
}

/** The script that undoes the setup: files removed, forwarding off, ldirectord unmasked, lighttpd stopped. */
export function directorRemoval(): string {
  return `rm -f ${DIRECTOR_SYSCTL_PATH}
sysctl -q -w net.ipv4.ip_forward=0 net.ipv4.ip_nonlocal_bind=0 || true
systemctl unmask ${LDIRECTORD_UNIT} >/dev/null 2>&1 || true
rm -f ${LDIRECTORD_CF_PATH} ${VIPCHECK_AGENT_PATH}
systemctl disable --now lighttpd 2>/dev/null || true
rm -f ${SORRY_DROPIN_PATH} ${SORRY_CONF_PATH}
rm -rf ${SORRY_ROOT}
systemctl daemon-reload`;
}

async function converge(inputs: Inputs): Promise<LvsDirectorOutputs> {
  await onNode(inputs.node, inputs.sshPrivateKey, (run) =>
    explained(inputs.node.address, () =>
      run(renderDirectorSetup(directorSetupOf(inputs)), { timeoutSeconds: 180 }),
    ),
  );
  progress(
    `lb: ${inputs.name} is a director for ${inputs.ldirectord.vip}:${inputs.ldirectord.port} (ldirectord masked, pacemaker's)`,
  );
  return { ipvs: [] };
}

/** Puts the active director's IPVS table back in line with ldirectord.cf (nothing on the standby). */
async function repairIpvs(inputs: Inputs): Promise<void> {
  await onNode(inputs.node, inputs.sshPrivateKey, async (run) => {
    const { stdout } = await run("ipvsadm -Ln", { timeoutSeconds: 60 });
    const commands = ipvsRepairCommands(parseIpvsadmList(stdout), inputs.ldirectord);
    await explained(inputs.node.address, () => runCommands(run, commands, { timeoutSeconds: 60 }));
    if (commands.length > 0)
      progress(`lb: ${inputs.name}: IPVS table repaired (${commands.length} change(s))`);
  });
}

/** The LvsDirector provider. */
export const lvsDirectorProvider = defineProvider({
  kind: "LvsDirector",
  schema,
  render: (inputs) => {
    const setup = directorSetupOf(inputs);
    return {
      setup: renderDirectorSetup(setup),
      state: renderDirectorState(setup),
      remove: directorRemoval(),
    };
  },
  forceNew: ["node"],
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: `${inputs.name}:${inputs.ldirectord.vip}`, outs };
  },
  async read(_id, olds) {
    return orIfUnreachable(
      async () => {
        const setup = directorSetupOf(olds);
        const { stdout } = await onNode(olds.node, olds.sshPrivateKey, (run) =>
          run(renderDirectorState(setup), { timeoutSeconds: 60 }),
        );
        const state = parseDirectorState(stdout, setup);
        return {
          configCurrent: state.configCurrent,
          agentCurrent: state.agentCurrent,
          forwarding: state.forwarding,
          ldirectordMasked: state.ldirectordMasked,
          sorryServed: state.sorryServed,
          ipvsCurrent: state.ipvsDifferences.length === 0,
          ipvs: state.ipvs,
        };
      },
      {
        configCurrent: false,
        agentCurrent: false,
        forwarding: false,
        ldirectordMasked: false,
        sorryServed: false,
        ipvsCurrent: false,
      },
    );
  },
  async update(_id, olds, news) {
    const outs = await converge(news);
    if (olds.ipvsCurrent === false) await repairIpvs(news);
    return outs;
  },
  async delete(_id, olds) {
    await removeUnlessUnreachable(`LVS director ${olds.name}`, () =>
      onNode(olds.node, olds.sshPrivateKey, (run) => run(directorRemoval(), { timeoutSeconds: 120 })),
    );
  },
});

/** One cluster member as an LVS director. */
export const LvsDirector = labKind<LvsDirectorInputs, LvsDirectorOutputs>(lvsDirectorProvider, {
  outputs: { ipvs: true },
  secretInputs: ["sshPrivateKey"],
});
/** An LvsDirector resource. */
export type LvsDirector = InstanceType<typeof LvsDirector>;
