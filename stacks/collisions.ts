/**
 * Side by side on one host: what two stacks' labs must not share so that both can be up at once —
 * the lab name (libvirt domains, networks), address ranges, bridges, domain names, the state
 * directory, the iSCSI target and its directory, and the host ports the lab listens on (the host
 * sshd's, tgtd's control port). Promotion refuses a target that shares one with another stack.
 */
import { cidrsOverlap, parseCidr } from "../spec/ipv4";
import type { Problem } from "../spec/problems";
import { tgtControlPort } from "../spec/queries";
import { KVM_HOST } from "../spec/defaults";
import type { LabSpec } from "../spec/types";
import { overlaps } from "../spec/validate/paths";

/** A stack's lab, as its file describes it. */
export interface StackLab {
  /** The stack's name (`dev`). */
  stack: string;
  /** Its resolved lab description. */
  spec: LabSpec;
}

/** The fix of a collision: the target's own value, or the profile's by leaving the field out. */
function fix(target: string, path: string, what: string): string {
  return `give the ${target} stack ${what} of its own in Pulumi.${target}.yaml, or remove ${path} from it and promote again (its profile or its lab name gives one)`;
}

/** The port tgtd's control socket uses on the host, when the lab runs a target there. */
function hostTgtPort(spec: LabSpec): number | undefined {
  return spec.iscsi.enabled && spec.layers !== "substrate" && spec.iscsi.host === KVM_HOST
    ? tgtControlPort(spec.iscsi.iqn)
    : undefined;
}

/** How a directory meets another: `is` it, or `overlaps` it (one lies inside the other). */
function sharing(dir: string, other: string): string {
  return dir === other ? "is" : "overlaps";
}

/** What `target` shares with one other stack. */
function sharedWith(target: StackLab, other: StackLab): Problem[] {
  const t = target.spec;
  const o = other.spec;
  const theirs = `the ${other.stack} stack's`;
  const out: Problem[] = [];
  const need = (ok: boolean, path: string, problem: string, what: string) => {
    if (!ok) out.push({ path, problem, fix: fix(target.stack, path, what) });
  };
  need(t.name !== o.name, "name", `lab name "${t.name}" is ${theirs} too`, "a lab name");
  t.networks.forEach((net, i) => {
    const range = parseCidr(net.cidr);
    const hit = o.networks.find((x) => {
      const r = parseCidr(x.cidr);
      return range !== undefined && r !== undefined && cidrsOverlap(range, r);
    });
    need(
      hit === undefined,
      `networks[${i}].cidr`,
      `${net.cidr} overlaps ${theirs} ${hit?.name} network (${hit?.cidr})`,
      "an address range",
    );
    const bridge = o.networks.find((x) => x.bridge === net.bridge);
    need(bridge === undefined, `networks[${i}].bridge`, `bridge ${net.bridge} is ${theirs} too`, "a bridge");
  });
  t.nodes.forEach((node, i) => {
    need(
      !o.nodes.some((x) => x.domainName === node.domainName),
      `nodes[${i}].domainName`,
      `libvirt domain ${node.domainName} is ${theirs} too`,
      "a domain name",
    );
  });
  need(
    !overlaps(t.host.stateDir, o.host.stateDir),
    "host.stateDir",
    `${t.host.stateDir} ${sharing(t.host.stateDir, o.host.stateDir)} ${theirs} state directory (${o.host.stateDir})`,
    "a state directory",
  );
  need(
    !(t.host.address === o.host.address && t.host.sshPort === o.host.sshPort),
    "host.sshPort",
    `the host sshd at ${t.host.address}:${t.host.sshPort} is ${theirs} too`,
    "a host address or sshd port",
  );
  if (t.iscsi.enabled && o.iscsi.enabled) {
    need(t.iscsi.iqn !== o.iscsi.iqn, "iscsi.iqn", `iSCSI target ${t.iscsi.iqn} is ${theirs} too`, "an IQN");
    need(
      !overlaps(t.iscsi.directory, o.iscsi.directory),
      "iscsi.directory",
      `${t.iscsi.directory} ${sharing(t.iscsi.directory, o.iscsi.directory)} ${theirs} LUN directory (${o.iscsi.directory})`,
      "a LUN directory",
    );
  }
  const port = hostTgtPort(t);
  need(
    port === undefined || t.iscsi.iqn === o.iscsi.iqn || port !== hostTgtPort(o),
    "iscsi.iqn",
    `tgtd's control port ${port} (derived from the IQN) is ${theirs} too`,
    "an IQN",
  );
  return out;
}

/**
 * The problems of running `target` on one host beside each of `others`, each naming the target's
 * field, the other stack, and the fix; none when they can run side by side.
 */
export function sideBySideProblems(target: StackLab, others: readonly StackLab[]): Problem[] {
  return others.flatMap((other) => sharedWith(target, other));
}
