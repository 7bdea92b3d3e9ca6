/**
 * The libvirt domain XML renderer, rendered for node01 of the default lab. Compared byte for byte
 * with its golden file under test/golden/; after an intended change, regenerate it with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/libvirt/domain-xml.test.ts
 *
 * and review the diff. Structural facts are also checked by parsing the output back.
 */
import type { NodeSpec } from "../../../spec";
import { NODE_KERNEL_ARGS } from "../../../components/node/node-vm";
import { renderDomainXml, type DomainXmlInput } from "../../../providers/libvirt/domain-xml";
import { expectGolden } from "../../support/golden";
import { rec, recs, xml } from "../../support/parsed";
import { dev, networkNamed, node01 } from "../../fixtures/default-lab";

function domainInput(node: NodeSpec, domainType: "kvm" | "qemu"): DomainXmlInput {
  const dir = dev.host.stateDir;
  return {
    name: node.domainName,
    domainType,
    vcpus: node.vcpus,
    memoryMiB: node.memoryMiB,
    diskPath: `${dir}/volumes/${node.domainName}.qcow2`,
    cloudInitIsoPath: `${dir}/volumes/${node.domainName}-cidata.iso`,
    kernelPath: `${dir}/image/vmlinuz`,
    initrdPath: `${dir}/image/initrd.img`,
    kernelArgs: NODE_KERNEL_ARGS,
    interfaces: node.interfaces.map((nic) => ({
      network: networkNamed(nic.network).libvirtName,
      mac: nic.mac,
    })),
  };
}

describe("libvirt domain XML", () => {
  const out = renderDomainXml(domainInput(node01, "qemu"));
  const domain = rec(rec(xml.parse(out)).domain);
  const devices = rec(domain.devices);

  test("matches the golden file (node01, TCG)", () => {
    expectGolden("domain-node01.xml", out);
  });

  test("pc machine, direct kernel boot, crash restarts, no host-passthrough under TCG", () => {
    expect(domain["@_type"]).toBe("qemu");
    const os = rec(domain.os);
    expect(rec(os.type)["@_machine"]).toBe("pc");
    expect(os.kernel).toBe("/var/lib/kvm-ha-lab/dev/image/vmlinuz");
    expect(os.initrd).toBe("/var/lib/kvm-ha-lab/dev/image/initrd.img");
    expect(os.cmdline).toBe(NODE_KERNEL_ARGS);
    expect(domain.on_crash).toBe("restart");
    expect(domain).not.toHaveProperty("cpu");
  });

  test("kvm: host-passthrough CPU", () => {
    const kvm = rec(rec(xml.parse(renderDomainXml(domainInput(node01, "kvm")))).domain);
    expect(kvm["@_type"]).toBe("kvm");
    expect(rec(kvm.cpu)["@_mode"]).toBe("host-passthrough");
  });

  test("virtio qcow2 root disk as vda, cloud-init ISO as a read-only cdrom", () => {
    const [disk, cdrom] = recs(devices.disk);
    expect(disk["@_device"]).toBe("disk");
    expect(rec(disk.driver)["@_type"]).toBe("qcow2");
    expect(rec(disk.target)).toEqual({ "@_dev": "vda", "@_bus": "virtio" });
    expect(cdrom["@_device"]).toBe("cdrom");
    expect(rec(cdrom.source)["@_file"]).toBe("/var/lib/kvm-ha-lab/dev/volumes/dev-node01-cidata.iso");
    expect(cdrom).toHaveProperty("readonly");
  });

  test("one virtio NIC per lab network, with the node's MACs", () => {
    const nics = recs(devices.interface);
    expect(nics.map((n) => rec(n.source)["@_network"])).toEqual([
      "dev-service",
      "dev-management",
      "dev-heartbeat",
    ]);
    expect(nics.map((n) => rec(n.mac)["@_address"])).toEqual(node01.interfaces.map((i) => i.mac));
    expect(nics.every((n) => rec(n.model)["@_type"] === "virtio")).toBe(true);
  });

  test("serial console on a pty", () => {
    expect(rec(devices.serial)["@_type"]).toBe("pty");
    expect(rec(devices.console)["@_type"]).toBe("pty");
  });

  test("boots from the disk when no kernel is given", () => {
    const input = { ...domainInput(node01, "qemu"), kernelPath: "", initrdPath: "" };
    const os = rec(rec(rec(xml.parse(renderDomainXml(input))).domain).os);
    expect(os).not.toHaveProperty("kernel");
    expect(rec(os.boot)["@_dev"]).toBe("hd");
  });

  test("rejects a repeated MAC", () => {
    const input = domainInput(node01, "qemu");
    input.interfaces.push({ ...input.interfaces[0] });
    expect(() => renderDomainXml(input)).toThrow(/used twice/);
  });
});
