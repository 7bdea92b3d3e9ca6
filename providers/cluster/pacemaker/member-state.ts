/**
 * What each member of a pacemaker cluster reports besides the cluster-wide state (PcsCluster's
 * read): the boot and run states of pcsd, corosync and pacemaker, the digests of corosync.conf and
 * the corosync authkey, and the hosts pcs is authenticated to (pcsd's known-hosts file: names and
 * addresses only, never the tokens). Compared across the members that answer, they are the
 * cluster's desired-state fields `pcsdRunning`, `startAtBoot`, `configSynced` and
 * `hostsAuthenticated`.
 */
import { shellJoin } from "../../exec/ssh";
import {
  activeNow,
  enabledAtBoot,
  parseUnitStates,
  unitStatesProbe,
  type UnitState,
} from "../../node/unit-states";
import { parseSections } from "../../exec/node-exec";

/** The units every member runs; pacemaker and corosync start at boot or not together. */
export const MEMBER_UNITS: readonly string[] = ["pcsd", "corosync", "pacemaker"];

/** The files every member must hold alike. */
export const SHARED_FILES = {
  conf: "/etc/corosync/corosync.conf",
  authkey: "/etc/corosync/authkey",
} as const;

/** pcsd's known hosts (pcs 0.10 and later). */
export const KNOWN_HOSTS = "/var/lib/pcsd/known-hosts";

/** pcsd's port, where `pcs host auth … addr=<address>` reaches a host. */
const PCSD_PORT = 2224;

/** One member's probe: its units, then the digests of the shared files. Never fails. */
export const MEMBER_PROBE = `echo "== units"
${unitStatesProbe(MEMBER_UNITS)}
echo "== digests"
sha256sum ${shellJoin(Object.values(SHARED_FILES))} 2>/dev/null || true`;

/**
 * The first member's extra section: `<name> <address>:<port>` of each host in pcsd's known hosts
 * (python3 comes with pcs). Never fails; nothing when the file is missing or unreadable.
 */
export const KNOWN_HOSTS_PROBE = `echo "== known-hosts"
python3 -c 'import json, sys
try:
    hosts = json.load(open("${KNOWN_HOSTS}"))["known_hosts"]
except Exception:
    sys.exit(0)
for name, host in sorted(hosts.items()):
    print(name, " ".join("%s:%s" % (d["addr"], d["port"]) for d in host.get("dest_list", [])))' 2>/dev/null || true`;

/** What one member reported. */
export interface MemberState {
  units: Record<string, UnitState>;
  /** sha256 of each shared file (missing: the file is not there). */
  digests: Partial<Record<keyof typeof SHARED_FILES, string>>;
}

/** Parses a member's probe (the sections of {@link MEMBER_PROBE} in its stdout). */
export function parseMemberState(stdout: string): MemberState {
  const s = parseSections(stdout);
  const digests: MemberState["digests"] = {};
  for (const line of s.digests ?? []) {
    const [sum, file] = line.trim().split(/\s+/);
    for (const [key, path] of Object.entries(SHARED_FILES) as [keyof typeof SHARED_FILES, string][]) {
      if (sum && file === path) digests[key] = sum;
    }
  }
  return { units: parseUnitStates(s.units ?? []), digests };
}

/** pcsd enabled at boot and running on every member. */
export function pcsdRunningOn(members: readonly MemberState[]): boolean {
  return members.every((m) => enabledAtBoot(m.units.pcsd) && activeNow(m.units.pcsd));
}

/**
 * Start at boot as the members say, against the `wanted` setting: `true` only when corosync and
 * pacemaker start at boot on every member, `false` only when neither does on any; a mixture reads
 * as the opposite of what is wanted (drift either way).
 */
export function startAtBootOn(members: readonly MemberState[], wanted: boolean): boolean {
  const boot = members.flatMap((m) => ["corosync", "pacemaker"].map((u) => enabledAtBoot(m.units[u])));
  return wanted ? boot.every(Boolean) : boot.some(Boolean);
}

/**
 * True when every member holds the reference member's corosync.conf and authkey (the first one
 * that answered); `undefined` when the reference has no corosync.conf (no cluster to compare).
 */
export function sharedFilesAlike(
  reference: MemberState,
  others: readonly MemberState[],
): boolean | undefined {
  if (reference.digests.conf === undefined) return undefined;
  return others.every(
    (m) => m.digests.conf === reference.digests.conf && m.digests.authkey === reference.digests.authkey,
  );
}

/** `<name> → <address>:<port>` of pcsd's known hosts, from {@link KNOWN_HOSTS_PROBE}'s lines. */
export function parseKnownHosts(lines: readonly string[]): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const line of lines) {
    const [name, dest] = line.trim().split(/\s+/);
    if (name && dest) hosts[name] = dest;
  }
  return hosts;
}

/** True when pcs knows every wanted host (cluster node name → management address) at its address. */
export function hostsKnown(
  known: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(wanted).every(([name, address]) => known[name] === `${address}:${PCSD_PORT}`);
}
