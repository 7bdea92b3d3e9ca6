/**
 * LibvirtNetwork: one lab network as a persistent, autostarted libvirt network (bridge with the
 * host's address, no DHCP/DNS, NAT only when asked) from the rendered XML.
 *
 * `read` reports what is live: gone (undefined), stopped (`active: false`), a running domain's NIC
 * no longer plugged into the bridge (`portsAttached: false` — what a stop/start out of band leaves
 * behind: libvirt does not re-plug running guests), autostart off (`autostarted: false`), the
 * bridge/address/forward mode in the live XML (a change replaces the network), and whether the
 * persistent and the live definition hold everything the program renders (`definitionCurrent`:
 * DNS off, STP and its delay too; xml-drift.ts). The next `up` starts the network, autostarts it,
 * defines it again when its persistent definition differs, restarts it when it runs with another
 * one, and plugs the guests' tap devices back into the bridge.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { formatCidr, parseCidr } from "../../spec/ipv4";
import { labKind } from "../core/kind";
import { renderNetworkXml } from "./network-xml";
import { renderedDifferences } from "./xml-drift";
import { shellQuote } from "../exec/ssh";
import {
  attr,
  elements,
  parseInfo,
  unlessDaemonDown,
  parseXml,
  virsh,
  virshCommand,
  virshDefine,
  virshIfExists,
  virshRemove,
} from "./virsh";

const schema = () =>
  z.object({
    host: hostField(),
    /** libvirt network name. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "name must be a plain libvirt network name"),
    bridge: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, "bridge must be a bridge name of ≤ 15 characters"),
    cidr: z
      .string()
      .refine((c) => parseCidr(c) !== undefined, "cidr must be an IPv4 network like 192.168.7.0/24"),
    gateway: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, "gateway must be an IPv4 address"),
    mode: z.enum(["isolated", "nat"]),
    /** Desired: started (drift when stopped). */
    active: z.boolean().default(true),
    /** Desired: every running domain's NIC on the network plugged in (drift when not). */
    portsAttached: z.boolean().default(true),
    /** Desired: started with libvirtd (`net-info` Autostart; drift when not). */
    autostarted: z.boolean().default(true),
    /** Desired: the persistent and the live definition hold what the program renders (drift when not). */
    definitionCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a LibvirtNetwork, as its schema takes them (fields with a default are optional). */
export type LibvirtNetworkInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a LibvirtNetwork. */
export interface LibvirtNetworkOutputs {
  uuid: string;
}

/** The network XML of the inputs (with `uuid` when redefining an existing network). */
export function networkXml(inputs: Inputs, uuid?: string): string {
  const prefix = parseCidr(inputs.cidr)?.prefix ?? 24;
  return renderNetworkXml({
    name: inputs.name,
    bridge: inputs.bridge,
    mode: inputs.mode,
    gatewayAddress: inputs.gateway,
    prefix,
    ...(uuid !== undefined ? { uuid } : {}),
  });
}

/** The parts of the rendered network a libvirt definition (`net-dumpxml`, with `--inactive` or not) lacks. */
function definitionDrift(inputs: Inputs, xml: string): string[] {
  return renderedDifferences(networkXml(inputs), xml);
}

/**
 * Shell snippet: for every running domain, each NIC whose source is this network gets its tap
 * device plugged into the bridge (and up). Prints `unplugged` for each one it had to fix (or, with
 * `dryRun`, found unplugged).
 */
export function replugScript(uri: string, network: string, bridge: string, dryRun: boolean): string {
  return `for dom in $(${virshCommand(uri, ["list", "--name", "--state-running"])}); do
  ${virshCommand(uri, ["domiflist"])} "$dom" | awk -v net=${shellQuote(network)} '$2 == "network" && $3 == net {print $1}' |
  while read -r tap; do
    [ "$tap" = "-" ] && continue
    master=$(basename "$(readlink /sys/class/net/"$tap"/master 2>/dev/null)" 2>/dev/null || true)
    if [ "$master" != ${shellQuote(bridge)} ]; then
      echo "unplugged $dom $tap"
      ${dryRun ? ":" : `ip link set "$tap" master ${shellQuote(bridge)} && ip link set "$tap" up`}
    fi
  done
done`;
}

async function converge(inputs: Inputs): Promise<LibvirtNetworkOutputs> {
  const uri = inputs.host.libvirtUri;
  progress(`network ${inputs.name}: bridge ${inputs.bridge}, ${inputs.cidr} (${inputs.mode})`);
  const info = await virshIfExists(uri, ["net-info", inputs.name]);
  let active = info !== undefined && parseInfo(info).Active === "yes";
  // An existing definition is kept when it holds what the program renders (anything that shapes
  // the network replaces the resource), else defined again with its uuid; a running network whose
  // live definition differs (started from an edited one) is restarted; a stopped one is started.
  if (info === undefined) {
    await virshDefine(uri, "net", networkXml(inputs));
  } else {
    const persistent = await virsh(uri, ["net-dumpxml", "--inactive", inputs.name]);
    if (definitionDrift(inputs, persistent).length > 0) {
      progress(`network ${inputs.name}: defining it again (its definition was changed)`);
      await virshDefine(uri, "net", networkXml(inputs, parseInfo(info).UUID));
    }
    if (active && definitionDrift(inputs, await virsh(uri, ["net-dumpxml", inputs.name])).length > 0) {
      progress(`network ${inputs.name}: restarting it (it runs with a changed definition)`);
      await virsh(uri, ["net-destroy", inputs.name]);
      active = false;
    }
  }
  if (!active) await virsh(uri, ["net-start", inputs.name]);
  await virsh(uri, ["net-autostart", inputs.name]);
  const fixed = await runOnHost(replugScript(uri, inputs.name, inputs.bridge, false));
  if (fixed.stdout.trim())
    progress(`network ${inputs.name}: re-plugged ${fixed.stdout.trim().replace(/\n/g, ", ")}`);
  return { uuid: (await virsh(uri, ["net-uuid", inputs.name])).trim() };
}

/** The LibvirtNetwork provider. */
export const libvirtNetworkProvider = defineProvider({
  kind: "LibvirtNetwork",
  render: (inputs) => ({
    xml: networkXml(inputs),
    replug: replugScript(inputs.host.libvirtUri, inputs.name, inputs.bridge, false),
  }),
  // 1: the delete reads the network's state and reports every virsh failure (virshRemove).
  revision: 1,
  schema,
  forceNew: ["host", "name", "bridge", "cidr", "gateway", "mode"],
  deleteBeforeReplace: true,
  async create(inputs) {
    const outs = await converge(inputs);
    return { id: inputs.name, outs };
  },
  async read(_id, olds) {
    return unlessDaemonDown(
      async () => {
        const uri = olds.host.libvirtUri;
        const info = await virshIfExists(uri, ["net-info", olds.name]);
        if (info === undefined) return undefined;
        const liveXml = await virsh(uri, ["net-dumpxml", olds.name]);
        const persistentXml = await virsh(uri, ["net-dumpxml", "--inactive", olds.name]);
        const live = parseXml(liveXml);
        const net = elements(live, "network")[0];
        const ip = elements(net, "ip")[0];
        const bridge = attr(elements(net, "bridge")[0], "name");
        const forward = attr(elements(net, "forward")[0], "mode");
        const gateway = attr(ip, "address");
        const prefix = attr(ip, "prefix");
        const network = parseCidr(`${gateway}/${prefix}`);
        const unplugged = (
          await runOnHost(replugScript(uri, olds.name, bridge || olds.bridge, true))
        ).stdout.trim();
        return {
          active: parseInfo(info).Active === "yes",
          portsAttached: unplugged === "",
          autostarted: parseInfo(info).Autostart === "yes",
          definitionCurrent:
            definitionDrift(olds, persistentXml).length === 0 && definitionDrift(olds, liveXml).length === 0,
          bridge: bridge || olds.bridge,
          gateway: gateway || olds.gateway,
          mode: forward === "nat" ? "nat" : forward === "" ? "isolated" : olds.mode,
          cidr: network ? formatCidr(network) : olds.cidr,
          uuid: parseInfo(info).UUID ?? olds.uuid,
        };
      },
      { active: false },
    );
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    await virshRemove(olds.host.libvirtUri, "network", olds.name);
  },
});

/** A libvirt network of the lab. */
export const LibvirtNetwork = labKind<LibvirtNetworkInputs, LibvirtNetworkOutputs>(libvirtNetworkProvider, {
  outputs: { uuid: true },
});
export type LibvirtNetwork = InstanceType<typeof LibvirtNetwork>;
