/**
 * The lab's fence device as pacemaker holds it: a fence_virsh STONITH resource (seeds 000/001/004)
 * and its `pcs stonith create` argv.
 *
 * Syntax facts relied on: `pcs stonith create <id> <agent> [options]`; pcs rejects `action=`
 * (deprecated, "use pcmk_off_action, pcmk_reboot_action"); fence agents name their parameters
 * `ip`, `username`, `plug` (the old `ipaddr`, `login`, `port` are deprecated aliases), and
 * pacemaker fills `plug` from `pcmk_host_map="node:port;node:port"`.
 */
import {
  ARGUMENT_PATH,
  HOST_MAP_DOMAIN_NAME,
  HOST_NAME,
  isHostNameOrIpv4,
  UNIX_USER_NAME,
} from "../../../spec/patterns";
import { Problems } from "../../../spec/problems";
import type { FenceDeviceSpec } from "../../../spec/types";
import { createArgv, STONITH_CLASS, type PcsResource } from "./pcs-resource";
import { checkCibId, isPort, quoted } from "./pcs-validate";

/** Timeouts of the fence device (the host's fence shell answers slowly when TCG guests load it). */
export const STONITH_TIMEOUTS: Readonly<Record<string, string>> = {
  pcmk_monitor_timeout: "120s",
  pcmk_reboot_timeout: "300s",
};

/**
 * The fence device as a {@link PcsResource}: agent `stonith:fence_virsh`, attributes `ip`,
 * `username`, `identity_file`, [`ipport`], `pcmk_host_map=<node>:<domain>;…`,
 * [`pcmk_reboot_action=off`] and the {@link STONITH_TIMEOUTS}.
 *
 * `hostMap` is member name → libvirt domain (the fence_virsh plug), `clusterNodeNames` member name →
 * cluster node name (`node01h`); the map is written in `hostMap` order. The action is not passed
 * as `action=` (pcs rejects it): `reboot` is pacemaker's default, `off` becomes
 * `pcmk_reboot_action=off` so this device powers a node off whenever the cluster asks for a reboot.
 * `ipport` is the host's sshd port, when it is not 22 (FenceDeviceSpec does not carry it).
 */
export function stonithResource(
  device: FenceDeviceSpec,
  hostMap: Readonly<Record<string, string>>,
  clusterNodeNames: Readonly<Record<string, string>>,
  options: { ipport?: number } = {},
): PcsResource {
  const problems = new Problems();
  checkCibId(
    problems,
    "name",
    device.name,
    "start with a letter or '_', then letters, digits, '_', '.' or '-' (e.g. kvmhost01)",
  );
  problems.need(
    device.agent === "fence_virsh",
    "agent",
    `${quoted(device.agent)} is not modelled`,
    "use fence_virsh",
  );
  problems.need(
    isHostNameOrIpv4(device.ipaddr),
    "ipaddr",
    `${quoted(device.ipaddr)} is neither an IPv4 address nor a host name`,
    "give the KVM host's management address (e.g. 192.168.8.1)",
  );
  problems.need(
    UNIX_USER_NAME.test(device.login),
    "login",
    `${quoted(device.login)} is not a user name`,
    "use e.g. root",
  );
  problems.need(
    ARGUMENT_PATH.test(device.identityFile),
    "identityFile",
    `${quoted(device.identityFile)} is not an absolute path without blanks`,
    "use e.g. /etc/cluster/fence_virsh_key",
  );
  problems.need(
    device.action === "reboot" || device.action === "off",
    "action",
    `${quoted(device.action)} is not a fence action`,
    "use reboot or off",
  );
  if (options.ipport !== undefined) {
    problems.need(
      isPort(options.ipport),
      "ipport",
      `${options.ipport} is not a TCP port`,
      "use 1…65535 (the host's sshd port)",
    );
  }
  const entries = Object.entries(hostMap);
  problems.need(
    entries.length > 0,
    "hostMap",
    "the device fences no node",
    "map every cluster member to its libvirt domain",
  );
  for (const [member, domain] of entries) {
    const nodeName = clusterNodeNames[member];
    problems.need(
      nodeName !== undefined && HOST_NAME.test(nodeName),
      `clusterNodeNames.${member}`,
      nodeName === undefined ? "no cluster node name is given" : `${quoted(nodeName)} is not a host name`,
      "give every member's name on link 0 (e.g. node01h)",
    );
    problems.need(
      HOST_MAP_DOMAIN_NAME.test(domain),
      `hostMap.${member}`,
      `${quoted(domain)} cannot stand in pcmk_host_map (':', ';', ',' and blanks separate its entries)`,
      "use a libvirt domain name of letters, digits, '_', '.', '+' and '-'",
    );
  }
  problems.throwIfAny(`pcs stonith create ${device.name}`);
  const map = entries.map(([member, domain]) => `${clusterNodeNames[member]}:${domain}`).join(";");
  return {
    id: device.name,
    agent: `${STONITH_CLASS}:${device.agent}`,
    attributes: {
      ip: device.ipaddr,
      username: device.login,
      identity_file: device.identityFile,
      ...(options.ipport !== undefined ? { ipport: String(options.ipport) } : {}),
      pcmk_host_map: map,
      ...(device.action === "off" ? { pcmk_reboot_action: "off" } : {}),
      ...STONITH_TIMEOUTS,
    },
    meta: {},
    operations: [],
  };
}

/** `pcs stonith create <name> fence_virsh <attributes>`: {@link stonithResource} as argv. */
export function pcsStonithCreate(
  device: FenceDeviceSpec,
  hostMap: Readonly<Record<string, string>>,
  clusterNodeNames: Readonly<Record<string, string>>,
  options: { ipport?: number } = {},
): string[] {
  return createArgv(stonithResource(device, hostMap, clusterNodeNames, options));
}
