/**
 * libvirt domain XML of a cluster node (seeds 000/004): `pc` machine, direct kernel boot of the
 * lab image (a bare ext4 file system on vda), the root volume as a virtio qcow2 disk, the cloud-init
 * seed ISO as an IDE cdrom, one virtio NIC per lab network with its fixed MAC (the guest matches
 * NICs by MAC: their names are enp0s2, enp0s3, … by PCI slot), a serial console on a pty, and a
 * restart after a guest crash.
 */
import { buildLibvirtXml, type XmlNode } from "./network-xml";

/** One NIC of a domain. */
export interface DomainInterface {
  /** libvirt network name (`dev-service`). */
  network: string;
  /** MAC address (`52:54:00:ab:ba:d5`). */
  mac: string;
}

/** Input of {@link renderDomainXml}. */
export interface DomainXmlInput {
  /** libvirt domain name. */
  name: string;
  /** UUID of an existing domain being redefined (libvirt refuses a same-named definition with a new one). */
  uuid?: string;
  /** `kvm` (hardware virtualisation, host-passthrough CPU) or `qemu` (TCG, the default CPU model). */
  domainType: "kvm" | "qemu";
  vcpus: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Root volume (qcow2), attached as vda. */
  diskPath: string;
  /** cloud-init NoCloud seed ISO (volume label `cidata`), attached as a cdrom. */
  cloudInitIsoPath: string;
  /** Kernel for direct kernel boot; empty: boot from the disk. */
  kernelPath: string;
  /** Initrd for direct kernel boot; empty: none. */
  initrdPath: string;
  /** Kernel command line (direct kernel boot only). */
  kernelArgs: string;
  /** One NIC per lab network, in order. */
  interfaces: DomainInterface[];
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function checkDomain(d: DomainXmlInput): void {
  const fail = (problem: string): never => {
    throw new Error(`libvirt domain ${d.name}: ${problem}`);
  };
  if (d.name.trim() === "") throw new Error("libvirt domain: name is empty");
  if (!Number.isInteger(d.vcpus) || d.vcpus < 1) fail(`vcpus ${d.vcpus} is not a positive integer`);
  if (!Number.isInteger(d.memoryMiB) || d.memoryMiB < 1)
    fail(`memory ${d.memoryMiB} MiB is not a positive integer`);
  if (d.diskPath === "") fail("disk path is empty");
  if (d.cloudInitIsoPath === "") fail("cloud-init ISO path is empty");
  if (d.kernelPath === "" && d.initrdPath !== "") fail("an initrd needs a kernel");
  const macs = new Set<string>();
  for (const nic of d.interfaces) {
    if (!MAC.test(nic.mac)) fail(`"${nic.mac}" is not a lower-case MAC address`);
    if (macs.has(nic.mac)) fail(`MAC ${nic.mac} is used twice`);
    if (nic.network === "") fail(`NIC ${nic.mac} has no network`);
    macs.add(nic.mac);
  }
}

/** `<os>`: direct kernel boot when a kernel is given, else boot from the first disk. */
function osElement(d: DomainXmlInput): XmlNode {
  const type = { "@_arch": "x86_64", "@_machine": "pc", "#text": "hvm" };
  if (d.kernelPath === "") return { type, boot: { "@_dev": "hd" } };
  return {
    type,
    kernel: d.kernelPath,
    ...(d.initrdPath !== "" ? { initrd: d.initrdPath } : {}),
    cmdline: d.kernelArgs,
  };
}

/** A file-backed disk device. */
function fileDisk(device: "disk" | "cdrom", format: string, path: string, dev: string, bus: string): XmlNode {
  return {
    "@_type": "file",
    "@_device": device,
    driver: { "@_name": "qemu", "@_type": format },
    source: { "@_file": path },
    target: { "@_dev": dev, "@_bus": bus },
    ...(device === "cdrom" ? { readonly: "" } : {}),
  };
}

/**
 * Renders the `<domain>` XML that `virsh define` takes. The CPU is `host-passthrough` under KVM and
 * left to QEMU's default model under TCG (`qemu`), where host-passthrough is meaningless. Throws
 * on an empty name or path, a non-positive size, a malformed or repeated MAC, or an initrd without
 * a kernel.
 */
export function renderDomainXml(d: DomainXmlInput): string {
  checkDomain(d);
  return buildLibvirtXml({
    domain: {
      "@_type": d.domainType,
      name: d.name,
      ...(d.uuid !== undefined ? { uuid: d.uuid } : {}),
      memory: { "@_unit": "MiB", "#text": String(d.memoryMiB) },
      vcpu: { "@_placement": "static", "#text": String(d.vcpus) },
      os: osElement(d),
      features: { acpi: "", apic: "" },
      ...(d.domainType === "kvm" ? { cpu: { "@_mode": "host-passthrough" } } : {}),
      clock: { "@_offset": "utc" },
      on_poweroff: "destroy",
      on_reboot: "restart",
      on_crash: "restart",
      devices: {
        disk: [
          fileDisk("disk", "qcow2", d.diskPath, "vda", "virtio"),
          fileDisk("cdrom", "raw", d.cloudInitIsoPath, "hdc", "ide"),
        ],
        interface: d.interfaces.map((nic) => ({
          "@_type": "network",
          mac: { "@_address": nic.mac },
          source: { "@_network": nic.network },
          model: { "@_type": "virtio" },
        })),
        serial: { "@_type": "pty", target: { "@_port": "0" } },
        console: { "@_type": "pty", target: { "@_type": "serial", "@_port": "0" } },
      },
    },
  });
}
