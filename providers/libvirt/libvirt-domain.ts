/**
 * LibvirtDomain: a node VM as a persistent libvirt domain (rendered XML:
 * providers/libvirt/domain-xml.ts), started.
 *
 * `read` reports the live domain: gone (undefined: the next `up` defines and starts it again),
 * stopped (`running: false`: the next `up` starts it), autostart off (`autostarted: false`), its
 * vCPUs, memory and NICs from the persistent XML, and whether that XML still holds the rest of
 * what the program renders (`definitionCurrent`: type, disk and seed paths, kernel, initrd and
 * command line, CPU mode, `on_*` actions, console; xml-drift.ts). vCPU or memory changes redefine
 * the domain and restart a running VM — one at a time, cleanly, a cluster member drained first and
 * rejoined after (domain-restart.ts); a definition edited out of band is defined again as rendered
 * (it applies at the VM's next start, no restart for it); a change of the config of anything else
 * that shapes the machine (disk, seed, kernel, NICs, type) replaces it.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { labKind } from "../core/kind";
import { renderDomainXml } from "./domain-xml";
import { memberField, restartDomain } from "./domain-restart";
import { renderedDifferences } from "./xml-drift";
import {
  attr,
  elements,
  parseInfo,
  parseXml,
  unlessDaemonDown,
  virsh,
  virshDefine,
  virshIfExists,
  virshRemove,
} from "./virsh";

const KIB_PER_MIB = 1024;

const schema = () =>
  z.object({
    host: hostField(),
    /** libvirt domain name. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "name must be a plain libvirt domain name"),
    domainType: z.enum(["kvm", "qemu"]),
    vcpus: z.number().int().min(1, "vcpus must be at least 1"),
    memoryMiB: z.number().int().min(256, "memoryMiB must be at least 256"),
    diskPath: z.string().regex(/^\/\S+$/, "diskPath must be an absolute path"),
    cloudInitPath: z.string().regex(/^\/\S+$/, "cloudInitPath must be an absolute path"),
    /** Direct kernel boot (empty: boot from the disk). */
    kernelPath: z.string(),
    initrdPath: z.string(),
    kernelArgs: z.string(),
    /** One NIC per lab network, in order. */
    nics: z.array(z.object({ network: z.string().min(1), mac: z.string() })).min(1, "a node needs a NIC"),
    /** Desired: running (drift when the VM was stopped out of band). */
    running: z.boolean().default(true),
    /** Desired: started with libvirtd (`dominfo` Autostart; drift when not). */
    autostarted: z.boolean().default(true),
    /** Desired: the persistent definition holds what the program renders (drift when edited out of band). */
    definitionCurrent: z.boolean().default(true),
    /** When the node is a cluster member: how its restart drains it and waits for it (domain-restart.ts). */
    member: memberField().optional(),
    /** The program's SSH key, to drain and wait for a member (secret; with `member`). */
    sshPrivateKey: z.string().min(1).optional(),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a LibvirtDomain, as its schema takes them (fields with a default are optional). */
export type LibvirtDomainInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a LibvirtDomain. */
export interface LibvirtDomainOutputs {
  /** The domain's libvirt UUID. */
  uuid: string;
}

/** The domain XML of the inputs. */
export function domainXml(inputs: Inputs, uuid?: string): string {
  return renderDomainXml({
    name: inputs.name,
    ...(uuid !== undefined ? { uuid } : {}),
    domainType: inputs.domainType,
    vcpus: inputs.vcpus,
    memoryMiB: inputs.memoryMiB,
    diskPath: inputs.diskPath,
    cloudInitIsoPath: inputs.cloudInitPath,
    kernelPath: inputs.kernelPath,
    initrdPath: inputs.initrdPath,
    kernelArgs: inputs.kernelArgs,
    interfaces: inputs.nics,
  });
}

/**
 * Where the persistent definition (`dumpxml --inactive`) lacks what the program renders. vCPUs,
 * memory and the NICs' networks and MACs are left out: fields of their own read them. libvirt
 * records the `pc` machine as its versioned name.
 */
export function definitionDrift(inputs: Inputs, inactiveXml: string): string[] {
  return renderedDifferences(domainXml(inputs), inactiveXml, {
    ignore: [
      "domain/memory",
      "domain/vcpu",
      "domain/devices/interface/mac",
      "domain/devices/interface/source",
    ],
    same: (path, rendered, live) =>
      path === "domain/os/type/@machine" && rendered === "pc" && live.startsWith("pc-i440fx-"),
  });
}

async function state(uri: string, name: string): Promise<string | undefined> {
  return (await virshIfExists(uri, ["domstate", name]))?.trim();
}

async function defineAndStart(inputs: Inputs, restart: boolean): Promise<LibvirtDomainOutputs> {
  const uri = inputs.host.libvirtUri;
  const existing = (await virshIfExists(uri, ["domuuid", inputs.name]))?.trim();
  await virshDefine(uri, "domain", domainXml(inputs, existing));
  const now = await state(uri, inputs.name);
  if (restart && now === "running") {
    await restartDomain(uri, inputs.name, inputs.member, inputs.sshPrivateKey);
  } else if (now !== "running") {
    progress(
      `domain ${inputs.name}: starting (${inputs.domainType}, ${inputs.vcpus} vCPU, ${inputs.memoryMiB} MiB)`,
    );
    await virsh(uri, ["start", inputs.name]);
  }
  // Back with the daemon (host reboot, libvirtd restart), like the networks.
  await virsh(uri, ["autostart", inputs.name]);
  return { uuid: (await virsh(uri, ["domuuid", inputs.name])).trim() };
}

/** The LibvirtDomain provider. */
export const libvirtDomainProvider = defineProvider({
  kind: "LibvirtDomain",
  render: (inputs) => ({ xml: domainXml(inputs) }),
  // 1: the delete reads the domain's state and reports every virsh failure (virshRemove).
  revision: 1,
  schema,
  forceNew: [
    "host",
    "name",
    "domainType",
    "diskPath",
    "cloudInitPath",
    "kernelPath",
    "initrdPath",
    "kernelArgs",
    "nics",
  ],
  deleteBeforeReplace: true,
  async create(inputs) {
    const outs = await defineAndStart(inputs, false);
    return { id: outs.uuid, outs };
  },
  async read(_id, olds) {
    return unlessDaemonDown(
      async () => {
        const uri = olds.host.libvirtUri;
        const now = await state(uri, olds.name);
        if (now === undefined) return undefined;
        const inactiveXml = await virsh(uri, ["dumpxml", "--inactive", olds.name]);
        const domain = elements(parseXml(inactiveXml), "domain")[0];
        const info = parseInfo(await virsh(uri, ["dominfo", olds.name]));
        const memory = elements(domain, "memory")[0];
        const unit = attr(memory, "unit") || "KiB";
        const amount = Number(attr(memory, "#text"));
        const nics = elements(elements(domain, "devices")[0], "interface").map((i) => ({
          network: attr(elements(i, "source")[0], "network"),
          mac: attr(elements(i, "mac")[0], "address"),
        }));
        return {
          running: now === "running",
          vcpus: Number(attr(elements(domain, "vcpu")[0], "#text")) || olds.vcpus,
          memoryMiB: unit === "KiB" && amount > 0 ? Math.round(amount / KIB_PER_MIB) : olds.memoryMiB,
          nics,
          autostarted: info.Autostart === "enable",
          definitionCurrent: definitionDrift(olds, inactiveXml).length === 0,
          uuid: info.UUID ?? olds.uuid,
        };
      },
      { running: false },
    );
  },
  async update(_id, olds, news) {
    const restart = olds.vcpus !== news.vcpus || olds.memoryMiB !== news.memoryMiB;
    return defineAndStart(news, restart);
  },
  async delete(_id, olds) {
    await virshRemove(olds.host.libvirtUri, "domain", olds.name);
  },
});

/** A node VM. */
export const LibvirtDomain = labKind<LibvirtDomainInputs, LibvirtDomainOutputs>(libvirtDomainProvider, {
  outputs: { uuid: true },
  secretInputs: ["sshPrivateKey"],
});
export type LibvirtDomain = InstanceType<typeof LibvirtDomain>;
