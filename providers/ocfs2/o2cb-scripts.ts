/**
 * The scripts an OCFS2 cluster runs on its nodes, rendered from the model (pure):
 *
 * - {@link nodeConfigScript}: on each node, the o2cb files written where they differ, o2cb enabled
 *   at boot and the cluster online with the wanted timeouts — a node added later is registered
 *   online (`o2cb register-cluster` updates configfs from cluster.conf without unmounting anything);
 * - {@link volumeScript}: on one node, the LUN formatted once: a blank LUN is formatted, this lab's
 *   volume kept (switched from local to cluster mode with `tunefs.ocfs2 -M cluster`, the seed's
 *   conversion, and given more slots when it has too few), any other content (another UUID than
 *   the recorded one included) refused;
 * - {@link mountScript}: on each node, the fstab line and the mount (a drifted mount, not in use,
 *   mounted again);
 * - {@link removeNodeScript}: a node leaving the cluster (or the lab destroyed): unmounted, its
 *   fstab line dropped, o2cb stopped and disabled, the files removed;
 * - {@link stateScript}: what `read` compares: cluster.conf's hash, o2cb online, the live timeouts
 *   (configfs), the mount (type, options, UUID), the digests of /etc/default/o2cb and the sysctl
 *   file, the debconf answers, the live kernel settings, o2cb enabled, the fstab line, the volume
 *   (type, label, UUID, slots, flags).
 */
import { ONELINE, SCRIPT_FAIL } from "../exec/node-exec";
import { shellQuote } from "../exec/ssh";
import { fileDigestsProbe } from "../exec/file-digests";
import { dropFstabLine, setFstabLine } from "../node/fstab";
import {
  CLUSTER_CONF_PATH,
  liveMountOptions,
  O2CB_DEFAULTS_PATH,
  OCFS2_SYSCTL_PATH,
  OCFS2_SYSCTLS,
  renderClusterConf,
  renderO2cbDebconf,
  renderO2cbDefaults,
  renderOcfs2Fstab,
  renderOcfs2Sysctl,
  type O2cbCluster,
  type O2cbNode,
  type Ocfs2Mount,
} from "./o2cb-files";

/** The volume as one node formats and checks it. */
export interface Ocfs2Volume {
  /** The LUN's stable device. */
  device: string;
  /** This lab's volume label. */
  label: string;
  /** Node slots wanted (never fewer; an existing volume with more keeps them). */
  slots: number;
  /** The volume's UUID as recorded (none before the volume is first made or kept). */
  uuid?: string;
}

/** configfs files of the live timeouts, in the order of {@link wantedTimeouts}. */
export const LIVE_TIMEOUT_FILES: readonly string[] = [
  "heartbeat/dead_threshold",
  "idle_timeout_ms",
  "keepalive_delay_ms",
  "reconnect_delay_ms",
];

/** The wanted live timeouts as the state script prints them (one line, space-separated). */
export function wantedTimeouts(c: O2cbCluster): string {
  return [c.heartbeatDeadThreshold, c.idleTimeoutMs, c.keepaliveDelayMs, c.reconnectDelayMs].join(" ");
}

/** Shell function `live_timeouts`: the cluster's live timeouts from configfs (`-` for a missing one). */
function liveTimeoutsFunction(clusterName: string): string {
  return `live_timeouts() {
  local d=/sys/kernel/config/cluster/${clusterName} f out=()
  for f in ${LIVE_TIMEOUT_FILES.join(" ")}; do
    if [ -r "$d/$f" ]; then out+=("$(cat "$d/$f")"); else out+=(-); fi
  done
  echo "\${out[*]}"
}`;
}

/**
 * On one node: the o2cb files written where they differ (cluster.conf identical on every node),
 * o2cb enabled at boot and the cluster online with the wanted timeouts. Refuses a node whose host
 * name is not its cluster.conf name or whose /etc/hosts maps it to a loopback address (seed 003),
 * and a kernel without OCFS2. `mountPoint` names the volume in a fix.
 */
export function nodeConfigScript(c: O2cbCluster, node: O2cbNode, mountPoint: string): string {
  const name = shellQuote(node.name);
  const cluster = shellQuote(c.clusterName);
  const again = "then run pulumi up again";
  return `${SCRIPT_FAIL}
${ONELINE}
${liveTimeoutsFunction(c.clusterName)}
put() {
  local path=$1 mode=$2 content=$3
  mkdir -p "$(dirname "$path")"
  printf '%s' "$content" > "$path.kvmlab"
  if cmp -s "$path.kvmlab" "$path"; then
    rm -f "$path.kvmlab"
  else
    chmod "$mode" "$path.kvmlab"
    mv -f "$path.kvmlab" "$path"
    echo "changed $path"
  fi
}
[ "$(hostname)" = ${name} ] ||
  fail "the host name is $(hostname), not ${node.name}: o2cb finds its node in cluster.conf by host name. Fix: recreate the node from its seed (which sets the host name), ${again}"
case "$(getent hosts ${name} | awk '{ print $1; exit }')" in
  127.*|::1|"") fail "/etc/hosts does not map ${node.name} to its real address (seed 003: never 127.0.0.1). Fix: map ${node.name} to its address in /etc/hosts, ${again}" ;;
esac
modinfo ocfs2 >/dev/null 2>&1 ||
  fail "the kernel $(uname -r) has no ocfs2 module. Fix: set image.kernel: generic (the nodes are recreated from the new image), ${again}"
put ${CLUSTER_CONF_PATH} 0644 ${shellQuote(renderClusterConf(c))}
put ${O2CB_DEFAULTS_PATH} 0644 ${shellQuote(renderO2cbDefaults(c))}
put ${OCFS2_SYSCTL_PATH} 0644 ${shellQuote(renderOcfs2Sysctl())}
printf '%s' ${shellQuote(renderO2cbDebconf(c))} | debconf-set-selections
sysctl -q -p ${OCFS2_SYSCTL_PATH}
out=$(systemctl enable o2cb.service 2>&1) ||
  fail "systemctl enable o2cb failed: $(oneline "$out"). Fix: check that ocfs2-tools is installed (dpkg -s ocfs2-tools), ${again}"
want=${shellQuote(wantedTimeouts(c))}
if o2cb cluster-status ${cluster} >/dev/null 2>&1; then
  if [ "$(live_timeouts)" != "$want" ]; then
    if findmnt -n -t ocfs2 >/dev/null; then
      fail "o2cb runs with the timeouts $(live_timeouts) (want $want) while an OCFS2 volume is mounted, and takes new timeouts only while the cluster is offline. Fix: unmount ${mountPoint} on every node (umount ${mountPoint}), ${again}"
    fi
    out=$(systemctl restart o2cb.service 2>&1) ||
      fail "restarting o2cb failed: $(oneline "$out"). Fix: see journalctl -u o2cb on the node, ${again}"
  else
    out=$(o2cb register-cluster ${cluster} 2>&1) ||
      fail "o2cb register-cluster ${c.clusterName} failed: $(oneline "$out"). Fix: compare ${CLUSTER_CONF_PATH} with the other nodes' and see dmesg, ${again}"
  fi
else
  out=$(systemctl restart o2cb.service 2>&1) ||
    fail "starting o2cb failed: $(oneline "$out"). Fix: see journalctl -u o2cb on the node, ${again}"
fi
o2cb cluster-status ${cluster} >/dev/null 2>&1 ||
  fail "the o2cb cluster ${c.clusterName} is not online after starting o2cb. Fix: see journalctl -u o2cb and dmesg on the node, ${again}"
[ "$(live_timeouts)" = "$want" ] ||
  fail "o2cb runs with the timeouts $(live_timeouts), not $want. Fix: see ${O2CB_DEFAULTS_PATH} and journalctl -u o2cb on the node, ${again}"`;
}

/**
 * Lines of {@link volumeScript} refusing a volume of this lab's label whose UUID is not the
 * recorded one (compared without dashes and case, as blkid and the tools print it differently).
 */
function uuidCheck(v: Ocfs2Volume, mountPoint: string): string {
  if (v.uuid === undefined || v.uuid === "")
    return "    # No UUID recorded yet: the volume found is this lab's.";
  return `    uuid=$(probe UUID) recorded=${shellQuote(v.uuid)}
    found=\${uuid//-/} want=\${recorded//-/}
    [ "\${found,,}" = "\${want,,}" ] ||
      fail "${v.device} holds an OCFS2 volume labelled ${v.label} with the UUID $uuid, not this lab's volume $recorded: the LUN was formatted anew or its UUID reset, so it is neither taken as the lab's volume nor given the old UUID back. Fix: look at what it holds (debugfs.ocfs2 -R ls ${v.device}); to keep it as this lab's volume, replace the Ocfs2Cluster (pulumi up --replace with its URN from pulumi stack --show-urns: the volume and its data stay, ${mountPoint} is unmounted and mounted again on every node); otherwise put the lab's volume back on the LUN, then run pulumi up again"`;
}

/**
 * On one node (the cluster online there): the LUN formatted once. Prints `volume=<formatted|kept|
 * converted|grown…>` lines and `uuid=<UUID>`. A blank LUN is formatted with the label and slots; a
 * volume with this lab's label is kept, switched from local to cluster mode when it is in local
 * mode, and given the wanted slots when it has fewer; anything else is refused untouched.
 * A volume with this lab's label but another UUID than the recorded one is refused untouched too:
 * mkfs with the same label makes one (the LUN formatted anew, the data gone) just as a UUID reset
 * does, and giving it the old UUID back would hide which happened (tunefs.ocfs2 changes a UUID
 * only with the volume unmounted on every node). The operator decides, with the fix.
 * tunefs.ocfs2 adds slots only to a volume mounted nowhere (its slot-count operation is not an
 * online one): a volume that needs more while mounted fails with that fix (`mountPoint` names it);
 * the default 4 slots leave room for a node added to a three-node lab.
 */
export function volumeScript(v: Ocfs2Volume, clusterName: string, mountPoint: string): string {
  const dev = shellQuote(v.device);
  const label = shellQuote(v.label);
  const again = "then run pulumi up again";
  return `${SCRIPT_FAIL}
${ONELINE}
dev=${dev}
blockdev --getsize64 "$dev" >/dev/null 2>&1 ||
  fail "the LUN's device ${v.device} is missing. Fix: check the node's iSCSI session (iscsiadm -m session) and the target's LUN, ${again}"
probe() {
  local out
  out=$(blkid -p -o value -s "$1" "$dev" 2>&1) || case $? in
    2) out= ;;
    *) fail "blkid -p ${v.device} failed: $(oneline "$out"). Fix: check the LUN (lsblk), ${again}" ;;
  esac
  printf '%s' "$out"
}
type=$(probe TYPE)
case "$type" in
  "")
    out=$(mkfs.ocfs2 -q -L ${label} -N ${v.slots} "$dev" 2>&1) ||
      fail "mkfs.ocfs2 ${v.device} failed: $(oneline "$out"). Fix: the o2cb cluster ${clusterName} must be online on the node (o2cb cluster-status), ${again}"
    echo volume=formatted
    ;;
  ocfs2)
    have=$(probe LABEL)
    [ "$have" = ${label} ] ||
      fail "${v.device} holds an OCFS2 volume labelled \${have:-(none)}, not this lab's ${v.label}: it is not reformatted. Fix: set ocfs2.label to \${have:-its label} if it is this lab's volume, or give ocfs2.lun a LUN of its own"
${uuidCheck(v, mountPoint)}
    q=$(tunefs.ocfs2 -Q 'SLOTS=%N\\nFLAGS=%H\\n' "$dev" 2>&1) ||
      fail "tunefs.ocfs2 -Q ${v.device} failed: $(oneline "$q"). Fix: check the volume (fsck.ocfs2 -n ${v.device}), ${again}"
    slots=$(printf '%s\\n' "$q" | sed -n 's/^SLOTS=//p')
    flags=" $(printf '%s\\n' "$q" | sed -n 's/^FLAGS=//p') "
    echo volume=kept
    if [[ "$flags" == *" local "* ]]; then
      out=$(tunefs.ocfs2 -y -M cluster "$dev" 2>&1) ||
        fail "tunefs.ocfs2 -M cluster ${v.device} failed: $(oneline "$out"). Fix: unmount the volume wherever it is mounted in local mode, ${again}"
      echo volume=converted
    fi
    if [ "$slots" -lt ${v.slots} ]; then
      out=$(tunefs.ocfs2 -y -N ${v.slots} "$dev" 2>&1) ||
        fail "tunefs.ocfs2 -N ${v.slots} ${v.device} failed: $(oneline "$out"). Fix: adding node slots needs the volume unmounted on every node: unmount ${mountPoint} everywhere (umount ${mountPoint}), ${again}"
      echo "volume=grown from $slots to ${v.slots} slots"
    fi
    ;;
  *)
    fail "${v.device} holds a $type file system, not OCFS2: it is not reformatted. Fix: give ocfs2.lun a LUN of its own, or wipe this one yourself (wipefs -a ${v.device}) if its data may go"
    ;;
esac
echo "uuid=$(probe UUID)"`;
}

/**
 * On one node: the fstab line of the volume and the mount. A mount of the volume that is as wanted
 * is left alone. An OCFS2 mount there that is read-only, lacks `heartbeat=local` or a configured
 * option, or is of another volume than the LUN's is unmounted and mounted again from fstab — only
 * when no process uses it (`fuser -m`, psmisc, a dependency of ocfs2-tools); otherwise the script
 * fails with the fix, never unmounting under a process. Another file system mounted there is
 * refused with the fix.
 */
export function mountScript(m: Ocfs2Mount): string {
  const mp = shellQuote(m.mountPoint);
  const again = "then run pulumi up again";
  const needs = liveMountOptions(m)
    .map((o) => `need ${shellQuote(o)} ${shellQuote(o === "rw" ? "read-only" : `without ${o}`)}`)
    .join("\n  ");
  return `${SCRIPT_FAIL}
${ONELINE}
mkdir -p ${mp}
${setFstabLine(m.mountPoint, renderOcfs2Fstab(m))}
if findmnt -n --mountpoint ${mp} >/dev/null; then
  pairs=$(findmnt -n -P -o FSTYPE,OPTIONS,UUID --mountpoint ${mp})
  pair() { printf '%s\\n' "$pairs" | sed -n "s/.*$1=\\"\\([^\\"]*\\)\\".*/\\1/p"; }
  fstype=$(pair FSTYPE)
  [ "$fstype" = ocfs2 ] ||
    fail "${m.mountPoint} holds a $fstype mount, not the OCFS2 volume. Fix: unmount it (umount ${m.mountPoint}), ${again}"
  options=",$(pair OPTIONS)," why=
  need() { case "$options" in *",$1,"*) ;; *) why="\${why:+$why, }$2" ;; esac; }
  ${needs}
  have=$(pair UUID) lun=$(blkid -p -o value -s UUID ${shellQuote(m.device)} 2>/dev/null) || lun=
  have=\${have//-/} lun=\${lun//-/}
  if [ -n "$have" ] && [ -n "$lun" ] && [ "\${have,,}" != "\${lun,,}" ]; then
    why="\${why:+$why, }of another volume than ${m.device}'s"
  fi
  if [ -n "$why" ]; then
    if users=$(fuser -m ${mp} 2>/dev/null); then
      read -r -a pids <<<"$users" || true
      fail "${m.mountPoint} must be mounted again ($why), but processes \${pids[*]} use it, and it is not unmounted under them. Fix: stop what uses ${m.mountPoint} on this node (fuser -vm ${m.mountPoint}), ${again}"
    fi
    out=$(umount ${mp} 2>&1) ||
      fail "umount ${m.mountPoint} (to mount it again: $why) failed: $(oneline "$out"). Fix: stop what uses it on this node (fuser -vm ${m.mountPoint}), ${again}"
    echo "remounted=$why"
  fi
fi
if ! findmnt -n --mountpoint ${mp} >/dev/null; then
  systemctl daemon-reload
  out=$(mount ${mp} 2>&1) ||
    fail "mounting ${m.device} on ${m.mountPoint} failed: $(oneline "$out"). Fix: o2cb must be online on the node (o2cb cluster-status) and the volume have a free slot (tunefs.ocfs2 -Q %N ${m.device}); see dmesg, then run pulumi up again"
fi
fstype=$(findmnt -n -o FSTYPE --mountpoint ${mp})
[ "$fstype" = ocfs2 ] ||
  fail "${m.mountPoint} holds a $fstype mount, not the OCFS2 volume. Fix: unmount it (umount ${m.mountPoint}), then run pulumi up again"`;
}

/**
 * On a node leaving the cluster (or on every node when the lab is destroyed): the volume
 * unmounted and its fstab line dropped, o2cb stopped (the cluster offline) and disabled, the lab's
 * o2cb files removed, an empty mount point removed. The volume's data stays on the LUN.
 */
export function removeNodeScript(clusterName: string, mountPoint: string, again: string): string {
  const mp = shellQuote(mountPoint);
  return `${SCRIPT_FAIL}
${ONELINE}
if findmnt -n --mountpoint ${mp} >/dev/null; then
  out=$(umount ${mp} 2>&1) ||
    fail "umount ${mountPoint} failed: $(oneline "$out"). Fix: stop what uses it (fuser -vm ${mountPoint}), then run ${again}"
fi
${dropFstabLine(mountPoint)}
if o2cb cluster-status ${shellQuote(clusterName)} >/dev/null 2>&1; then
  out=$(systemctl stop o2cb.service 2>&1) ||
    fail "stopping o2cb failed: $(oneline "$out"). Fix: unmount every OCFS2 volume on the node (findmnt -t ocfs2), then run ${again}"
fi
out=$(systemctl disable o2cb.service 2>&1) ||
  fail "systemctl disable o2cb failed: $(oneline "$out"). Fix: check systemctl status o2cb, then run ${again}"
rm -f ${CLUSTER_CONF_PATH} ${OCFS2_SYSCTL_PATH}
if [ -d ${mp} ]; then rmdir --ignore-fail-on-non-empty ${mp}; fi`;
}

/**
 * On one node, read-only: `== conf` cluster.conf's sha256 (nothing when missing), `== online`
 * yes/no, `== timeouts` the live timeouts, `== mount` findmnt's pairs for the mount point
 * (nothing when not mounted), `== files` the digests of /etc/default/o2cb and the sysctl file,
 * `== debconf` ocfs2-tools' debconf answers, `== sysctl` the live kernel settings, `== enabled`
 * o2cb's boot state, `== fstab` the fstab lines of the mount point, `== volume` blkid's export of
 * the LUN and, for OCFS2, its slots and incompat flags.
 */
export function stateScript(clusterName: string, m: Pick<Ocfs2Mount, "device" | "mountPoint">): string {
  const dev = shellQuote(m.device);
  return `${liveTimeoutsFunction(clusterName)}
echo "== conf"
if [ -f ${CLUSTER_CONF_PATH} ]; then sha256sum ${CLUSTER_CONF_PATH} | cut -d" " -f1; fi
echo "== online"
if o2cb cluster-status ${shellQuote(clusterName)} >/dev/null 2>&1; then echo yes; else echo no; fi
echo "== timeouts"
live_timeouts
echo "== mount"
findmnt -n -P -o FSTYPE,OPTIONS,UUID --mountpoint ${shellQuote(m.mountPoint)}
echo "== files"
${fileDigestsProbe([O2CB_DEFAULTS_PATH, OCFS2_SYSCTL_PATH])}
echo "== debconf"
debconf-show ocfs2-tools 2>/dev/null
echo "== sysctl"
for key in ${OCFS2_SYSCTLS.map(([key]) => key).join(" ")}; do echo "$key=$(sysctl -n "$key" 2>/dev/null || echo missing)"; done
echo "== enabled"
systemctl is-enabled o2cb.service 2>/dev/null
echo "== fstab"
awk -v mp=${shellQuote(m.mountPoint)} '$2 == mp' /etc/fstab 2>/dev/null
echo "== volume"
if blockdev --getsize64 ${dev} >/dev/null 2>&1; then
  info=$(blkid -p -o export ${dev})
  printf '%s\\n' "$info"
  case "$info" in
    *TYPE=ocfs2*) tunefs.ocfs2 -Q 'SLOTS=%N\\nFLAGS=%H\\n' ${dev} ;;
  esac
fi
true`;
}
