/**
 * The read-only probe scripts of `status`: one round trip per machine, each printing `== NAME`
 * sections (providers/exec/node-exec.ts `parseSections` splits them). Pure: they are rendered from
 * the spec and the outputs; nothing here changes the lab — every command only reads, and a command
 * that fails prints its error into its section instead of stopping the script.
 */
import { shellJoin } from "../../providers/exec/ssh";
import { virshCommand } from "../../providers/libvirt/virsh";
import { tgtadm } from "../../providers/storage/iscsi/tgt-plan";
import type { LabSpec } from "../../spec/types";

/** `== NAME` then COMMAND's output (stdout and stderr), never failing the script. */
function section(name: string, command: string): string {
  return `echo "== ${name}"; { ${command}; } 2>&1 || true`;
}

/** The section name of the i-th node's domain state in the host probe. */
export const domainSection = (i: number) => `domain-${i}`;

/**
 * The host probe (run where libvirtd and the lab's tgtd run): the state of each node's domain, and
 * the iSCSI target when it runs on the host (its own tgtd, on the control port `controlPort`).
 */
export function hostProbeScript(spec: LabSpec, domains: readonly string[], controlPort?: number): string {
  return [
    ...domains.map((d, i) => section(domainSection(i), virshCommand(spec.host.libvirtUri, ["domstate", d]))),
    ...(controlPort !== undefined
      ? [section("tgt", shellJoin(tgtadm(controlPort, "--mode", "target", "--op", "show")))]
      : []),
  ].join("\n");
}

/**
 * The node probe: boot id, uptime, IPv4 addresses, iSCSI sessions, mounts, corosync's knet link
 * state; with `tgtControlPort`, also the iSCSI target this node serves.
 */
export function nodeProbeScript(tgtControlPort?: number): string {
  return [
    section("boot", "cat /proc/sys/kernel/random/boot_id"),
    section("uptime", "cut -d' ' -f1 /proc/uptime"),
    section("addresses", "ip -j -4 addr show"),
    section("iscsi", "iscsiadm -m session"),
    section("mounts", "findmnt -J -o TARGET,SOURCE,FSTYPE"),
    section("knet", "corosync-cmapctl -m stats stats.knet."),
    ...(tgtControlPort !== undefined
      ? [section("tgt", shellJoin(tgtadm(tgtControlPort, "--mode", "target", "--op", "show")))]
      : []),
  ].join("\n");
}

/** The cluster probe (on one member): crm_mon's status and the fencing history. */
export function clusterProbeScript(): string {
  return [
    section("crm_mon", "crm_mon -1 --output-as=xml"),
    section("fencing", "stonith_admin --history '*' --output-as=xml"),
  ].join("\n");
}

/** The GlusterFS probe (on one member): the volume's info, its bricks' status, the heal backlog. */
export function glusterProbeScript(volume: string): string {
  const gluster = (...args: string[]) => shellJoin(["gluster", "--mode=script", "--xml", "volume", ...args]);
  return [
    section("info", gluster("info", volume)),
    section("status", gluster("status", volume)),
    section("heal", gluster("heal", volume, "info", "summary")),
  ].join("\n");
}
