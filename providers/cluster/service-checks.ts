/**
 * Checks of a service group's resources that both cluster stacks make, with the same field, problem
 * and fix: the address of an `ip` resource, and the device of an `iscsi-filesystem` resource's LUN.
 */
import { parseIpv4 } from "../../spec/ipv4";
import type { Problems } from "../../spec/problems";

/** Records a problem at `<field>.address` when `address` is not an IPv4 address (without prefix). */
export function checkServiceAddress(problems: Problems, field: string, address: string): void {
  problems.need(
    parseIpv4(address) !== undefined,
    `${field}.address`,
    `${JSON.stringify(address)} is not an IPv4 address`,
    "give the service address without a prefix (e.g. 192.168.7.99)",
  );
}

/** The device of iSCSI LUN `lun` on the nodes; records a problem at `<field>.lun` when none is known. */
export function lunDeviceOf(
  problems: Problems,
  field: string,
  lun: number,
  lunDevices: Readonly<Record<string, string>>,
): string | undefined {
  const device = lunDevices[String(lun)];
  problems.need(
    device !== undefined,
    `${field}.lun`,
    `no device is known for iSCSI LUN ${lun} (lunDevices has ${Object.keys(lunDevices).join(", ") || "none"})`,
    "use a LUN of the lab's iSCSI target (iscsi.luns), with iSCSI enabled",
  );
  return device;
}
