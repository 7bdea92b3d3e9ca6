/**
 * RealServer: one node converged to an LVS real server in direct routing (seed 002) by the setup
 * script of real-server-script.ts — ARP for the VIP suppressed, the VIP on lo now and at boot,
 * lighttpd serving the check page and an index page naming the node.
 *
 * `read` reports, each as a desired-true input that reads false when it does not hold: the VIP
 * gone from lo or not coming back at boot, its unit file changed (`vipOnLo`), an ARP sysctl or the
 * sysctl file changed (`arpSuppressed`), a page changed or removed (`pagesCurrent`), lighttpd
 * stopped, not enabled at boot or its ports file changed (`webActive`). An unreachable node
 * reads as all of them lost. `delete` removes the unit, the VIP, the sysctls and the pages.
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
  sshEndpointField,
} from "../exec/node-exec";
import {
  checkPagePath,
  LIGHTTPD_PORTS_PATH,
  LO_VIP_UNIT,
  LO_VIP_UNIT_PATH,
  REAL_SERVER_SYSCTL_PATH,
  WEB_ROOT,
} from "./real-server-files";
import {
  parseRealServerState,
  renderRealServerSetup,
  renderRealServerState,
  type RealServerSetup,
} from "./real-server-script";

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    /** Node name (`fe1`). */
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "name must be a node name"),
    /** The node's address on the VIP's network. */
    address: z.string().regex(/^[0-9.]+$/, "address must be an IPv4 address"),
    /** MAC of the service NIC. */
    serviceMac: z
      .string()
      .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "serviceMac must be a lowercase MAC address"),
    /** The VIP. */
    vip: z.string().regex(/^[0-9.]+$/, "vip must be an IPv4 address"),
    /** The check page, relative to the web root. */
    request: z.string().min(1),
    /** The check page's text. */
    receive: z.string().min(1),
    /** Ports the web service answers on. */
    ports: z.array(z.number().int().min(1).max(65535)).min(1),
    /** Desired: the VIP is on lo and comes back at boot (its unit enabled and as rendered). */
    vipOnLo: z.boolean().default(true),
    /** Desired: the ARP sysctls hold, now and at boot (their sysctl file as rendered). */
    arpSuppressed: z.boolean().default(true),
    /** Desired: the check and index pages are the rendered ones. */
    pagesCurrent: z.boolean().default(true),
    /** Desired: lighttpd is active, enabled at boot, and its ports file as rendered (absent on port 80 alone). */
    webActive: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a RealServer, as its schema takes them (fields with a default are optional). */
export type RealServerInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a RealServer. */
export interface RealServerOutputs {
  /** The service NIC's name on the node (found by its MAC). */
  nic: string;
}

/** The renderers' input of a resource's inputs. */
export function realServerSetupOf(inputs: Inputs): RealServerSetup {
  return {
    name: inputs.name,
    address: inputs.address,
    vip: inputs.vip,
    serviceMac: inputs.serviceMac,
    request: inputs.request,
    receive: inputs.receive,
    ports: inputs.ports,
  };
}

/** The script that undoes the setup (kernel defaults 0 for the ARP sysctls). */
export function realServerRemoval(inputs: Inputs): string {
  return `systemctl disable --now ${LO_VIP_UNIT} 2>/dev/null || true
rm -f ${LO_VIP_UNIT_PATH}
systemctl daemon-reload
ip address del ${inputs.vip}/32 dev lo 2>/dev/null || true
rm -f ${REAL_SERVER_SYSCTL_PATH}
sysctl -q -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0 || true
rm -f ${checkPagePath(inputs.request)} ${WEB_ROOT}/index.html
if [ -e ${LIGHTTPD_PORTS_PATH} ]; then rm -f ${LIGHTTPD_PORTS_PATH}; systemctl restart lighttpd || true; fi`;
}

async function converge(inputs: Inputs): Promise<RealServerOutputs> {
  const { stdout } = await onNode(inputs.node, inputs.sshPrivateKey, (run) =>
    explained(inputs.node.address, () =>
      run(renderRealServerSetup(realServerSetupOf(inputs)), { timeoutSeconds: 180 }),
    ),
  );
  progress(`lb: ${inputs.name} serves behind ${inputs.vip} (VIP on lo, ARP suppressed, lighttpd)`);
  const nic = /^nic=(.*)$/m.exec(stdout)?.[1] ?? "";
  return { nic };
}

/** The RealServer provider. */
export const realServerProvider = defineProvider({
  kind: "RealServer",
  schema,
  render: (inputs) => {
    const setup = realServerSetupOf(inputs);
    return {
      setup: renderRealServerSetup(setup),
      state: renderRealServerState(setup),
      remove: realServerRemoval(inputs),
    };
  },
  forceNew: ["node"],
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: `${inputs.name}:${inputs.vip}`, outs };
  },
  async read(_id, olds) {
    return orIfUnreachable(
      async () => {
        const setup = realServerSetupOf(olds);
        const { stdout } = await onNode(olds.node, olds.sshPrivateKey, (run) =>
          run(renderRealServerState(setup), { timeoutSeconds: 60 }),
        );
        const state = parseRealServerState(stdout, setup);
        return {
          nic: state.nic,
          vipOnLo: state.vipOnLo && state.vipAtBoot && state.unitFileCurrent,
          arpSuppressed: state.arpSuppressed && state.sysctlFileCurrent,
          pagesCurrent: state.pagesCurrent,
          webActive: state.webActive && state.webAtBoot && state.portsCurrent,
        };
      },
      { vipOnLo: false, arpSuppressed: false, pagesCurrent: false, webActive: false },
    );
  },
  async update(_id, olds, news) {
    if (olds.vip !== news.vip || olds.request !== news.request) {
      // The old VIP and page must not stay behind.
      await onNode(news.node, news.sshPrivateKey, (run) =>
        explained(news.node.address, () =>
          run(
            `ip address del ${olds.vip}/32 dev lo 2>/dev/null || true\nrm -f ${checkPagePath(olds.request)}`,
            {
              timeoutSeconds: 60,
            },
          ),
        ),
      );
    }
    return converge(news);
  },
  async delete(_id, olds) {
    await removeUnlessUnreachable(`real server ${olds.name}`, () =>
      onNode(olds.node, olds.sshPrivateKey, (run) => run(realServerRemoval(olds), { timeoutSeconds: 120 })),
    );
  },
});

/** One node as an LVS real server. */
export const RealServer = labKind<RealServerInputs, RealServerOutputs>(realServerProvider, {
  outputs: { nic: true },
  secretInputs: ["sshPrivateKey"],
});
/** A RealServer resource. */
export type RealServer = InstanceType<typeof RealServer>;
