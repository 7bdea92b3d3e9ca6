#!/usr/bin/env bash
# End-to-end test of the shared-disk file system lab (seed 003: Pulumi.ocfs2.yaml), for real: inside
# a network namespace made for the run, with a libvirt of its own, `pulumi up` builds the lab from
# nothing (stack e2e-ocfs2: the ocfs2 lab under the name e2eocfs2, first without its third host)
# and the script checks, failing loudly at the first broken step:
#   1. the lab comes up with one `pulumi up`; a refresh and a second up change nothing;
#   (a) every node shows the volume mounted `ocfs2 (rw,_netdev,heartbeat=local)` with the same
#       UUID, and `mounted.ocfs2 -f` lists every node;
#   (b) a file written on one node is read on every other, byte for byte (sha256);
#   (c) one node destroyed (`virsh destroy`) while another writes a line every second: the writer
#       resumes (its longest pause from the loss to the remount is printed and recorded; appends to a
#       file whose lock the writer holds need not wait for o2cb's dead time), the survivor's kernel log shows the lost node's journal
#       replayed (the time from the loss is recorded: ocfs2-recovery), the destroyed node started
#       again boots and remounts
#       unaided (fstab), and every line acknowledged before and after is in the file; done
#       KVMLAB_OCFS2_LOSSES times (default 3), for the gap's median;
#   2. drift made out of band (the volume unmounted on one node, cluster.conf edited on another):
#      `preview --refresh` shows the Ocfs2Cluster resource, `up --refresh` repairs it, a refresh
#      then finds nothing;
#   (d) the third host added to the stack: `up` creates its VM and adds it online — the other nodes
#       stay mounted (the same mount, never remounted), it mounts, three nodes are listed;
#   (e) seed 003's conversion: the volume unmounted everywhere, switched to local mode
#       (`tunefs.ocfs2 -M local`), a sentinel file written in local mode; `up --refresh` switches it
#       back to cluster mode (`tunefs.ocfs2 -M cluster`) and mounts it everywhere with the sentinel;
#   3. `pulumi destroy` leaves no domain, network, file or sshd of the stack behind;
#   4. no secret of the stack is in clear in its state, its outputs, anything the run printed or
#      the process lists sampled on the host and the nodes (e2e_secret_search).
# Nothing of the lab leaves the namespace; the image build (apt to Debian's mirror) runs outside.
#
# The checks name nothing of the lab themselves: the nodes, their numbers, addresses and domains,
# the volume's device, mount point and label come from the stack (load_lab_env: the LAB_* and
# LAB_OCFS2_* variables, `npx ts-node scripts/query.ts --help` lists them).
#
#   bash scripts/e2e-ocfs2.sh [--plan]   (--plan: print what a run covers, and stop;
#                                         KVMLAB_E2E_TIMINGS=FILE appends "phase seconds" lines,
#                                         among them ocfs2-up-cold, ocfs2-refresh-noop,
#                                         ocfs2-node-loss-gap, ocfs2-recovery and ocfs2-add-node)
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/e2e-checks.sh
source "$(dirname "$0")/e2e-checks.sh"
# shellcheck source=scripts/ocfs2-checks.sh
source "$(dirname "$0")/ocfs2-checks.sh"

STACK=e2e-ocfs2
# The lab's name in the run: every libvirt object and the state directory are named after it.
E2E_OCFS2_NAME=e2eocfs2
# The host the run adds online in (d): the stack file's last o2cb node, left out of the first up.
E2E_OCFS2_ADDED=vm-host04
E2E_OCFS2_CHECKS="a b c d e"
# Node losses of check (c), one after the other, for the median of the writer's gap.
E2E_OCFS2_LOSSES=${KVMLAB_OCFS2_LOSSES:-3}

if [ "${1:-}" = --plan ]; then
  echo "lab: Pulumi.ocfs2.yaml as $E2E_OCFS2_NAME (stack $STACK), first without $E2E_OCFS2_ADDED; checks: $E2E_OCFS2_CHECKS (c: $E2E_OCFS2_LOSSES node losses), drift; destroy"
  exit 0
fi

# The test lab: the ocfs2 stack file under the run's lab name, with TCG's boot timeout (a
# passphrase salt a machine's own stack added does not belong to this throwaway stack); with
# `--without HOST` the host left out (its node and its o2cb entry).
e2e_ocfs2_stack_file() {
  local drop=()
  if [ "${1:-}" = --without ]; then
    drop=(-e "/^      - name: $2\$/,+1d" -e "/{ name: $2, number: [0-9]* }/d")
  fi
  sed -e '/^encryptionsalt:/d' -e '/^secretsprovider:/d' "${drop[@]}" \
    -e "s/^    name: ocfs2\$/    name: $E2E_OCFS2_NAME/" "$REPO/Pulumi.ocfs2.yaml"
  printf '    timeouts:\n      bootSeconds: 900\n'
}

if [ "${1:-}" != --inside ]; then
  e2e_prepare e2e-ocfs2
  e2e_ocfs2_stack_file >"$E2E_WORK/full.yaml"
  e2e_ocfs2_stack_file --without "$E2E_OCFS2_ADDED" >"$E2E_WORK/Pulumi.$STACK.yaml"
  load_lab_env "$E2E_WORK/full.yaml"
  full=${#LAB_OCFS2_NODES[@]}
  load_lab_env "$E2E_WORK/Pulumi.$STACK.yaml"
  if [ "$LAB_NAME" != "$E2E_OCFS2_NAME" ] || [ "$full" != 3 ] || [ "${#LAB_OCFS2_NODES[@]}" != 2 ]; then
    die "e2e-ocfs2: the test lab is '$LAB_NAME' with ${#LAB_OCFS2_NODES[@]} of $full o2cb nodes: Pulumi.ocfs2.yaml no longer has the shape this script rewrites"
  fi
  e2e_enter "$REPO/scripts/e2e-ocfs2.sh" --inside
  e2e_passed e2e-ocfs2
  exit 0
fi

# ---- inside the namespace (and its own mount namespace: ip netns exec made one) ----------------
work=$E2E_WORK
fail() { die "e2e-ocfs2: $*"; }
e2e_inside "$STACK"

e2e_phase ocfs2-up-cold pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the OCFS2 lab failed"
load_e2e_env

e2e_node_access
virsh_() { virsh -c qemu:///system "$@"; }
MP=$LAB_OCFS2_MOUNT

# mount_uuid ADDRESS — the UUID of the volume mounted in cluster mode on the node (fails otherwise).
mount_uuid() {
  on "$1" "findmnt -n -P -o FSTYPE,OPTIONS,UUID --mountpoint $MP" | ocfs2_mount_uuid
}
# mount_id ADDRESS — the kernel's id of the mount on MP (a remount gets a new one).
mount_id() { on "$1" "findmnt -n -o ID --mountpoint $MP"; }
# listed_nodes ADDRESS — the nodes mounted.ocfs2 -f lists for the volume, asked of ADDRESS.
listed_nodes() {
  on "$1" "mounted.ocfs2 -f" | ocfs2_mounted_nodes "$(on "$1" "readlink -f $LAB_OCFS2_DEVICE")"
}
# all_mounted — every o2cb node mounts the volume in cluster mode, the same UUID everywhere, and
# mounted.ocfs2 -f lists every node.
all_mounted() {
  local a u uuids=() listed
  for a in "${LAB_OCFS2_ADDRESSES[@]}"; do
    u=$(mount_uuid "$a") || return 1
    uuids+=("$u")
  done
  ocfs2_same_uuid "${uuids[@]}" || return 1
  listed=$(listed_nodes "${LAB_OCFS2_ADDRESSES[0]}") || return 1
  [ "$(sort <<<"$listed")" = "$(printf '%s\n' "${LAB_OCFS2_NODES[@]}" | sort)" ]
}

# ---- 1. converged; (a) mounted everywhere ----------------------------------------------------------
check_mounted() {
  local i uuid line
  e2e_wait 300 "the volume mounted on every node" all_mounted
  for i in "${!LAB_OCFS2_ADDRESSES[@]}"; do
    uuid=$(mount_uuid "${LAB_OCFS2_ADDRESSES[$i]}") || fail "(a) ${LAB_OCFS2_NODES[$i]}: the volume is not mounted as it should be (above)"
    line=$(on "${LAB_OCFS2_ADDRESSES[$i]}" "mount" | grep " on $MP type ") || fail "(a) ${LAB_OCFS2_NODES[$i]}: mount does not list $MP"
    log "e2e-ocfs2: (a) ${LAB_OCFS2_NODES[$i]}: $line (UUID $uuid)"
  done
  log "e2e-ocfs2: (a) mounted.ocfs2 -f lists $(listed_nodes "${LAB_OCFS2_ADDRESSES[0]}" | tr '\n' ' ')"
}
e2e_phase ocfs2-mounted check_mounted
e2e_phase ocfs2-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the converge finds changes"
e2e_phase ocfs2-up-noop pulumi up --yes --non-interactive --expect-no-changes || fail "a second up changes something"

# ---- (b) a file written on one node, read on the others ---------------------------------------------
check_shared_file() {
  local want got i
  on "${LAB_OCFS2_ADDRESSES[0]}" "head -c 4194304 /dev/urandom > $MP/e2e-shared.bin && sync" ||
    fail "(b) could not write $MP/e2e-shared.bin on ${LAB_OCFS2_NODES[0]}"
  want=$(on "${LAB_OCFS2_ADDRESSES[0]}" "sha256sum < $MP/e2e-shared.bin") || fail "(b) could not read the file back"
  for i in "${!LAB_OCFS2_ADDRESSES[@]}"; do
    got=$(on "${LAB_OCFS2_ADDRESSES[$i]}" "sha256sum < $MP/e2e-shared.bin") || fail "(b) ${LAB_OCFS2_NODES[$i]} cannot read the file"
    [ "$got" = "$want" ] || fail "(b) ${LAB_OCFS2_NODES[$i]} reads another content ($got, written $want)"
  done
  log "e2e-ocfs2: (b) 4 MiB written on ${LAB_OCFS2_NODES[0]} read byte for byte on every node"
}
e2e_phase ocfs2-shared-file check_shared_file

# ---- (c) a node destroyed while another writes ----------------------------------------------------
# The writer: one line a second appended on node WRITER through SSH; `EPOCH LINE ok|failed` lines in
# $work/writer.log and the acknowledged lines in $work/acked, until $work/writer.stop.
writer() {
  local address="$1" n=0
  while [ ! -e "$work/writer.stop" ] && kill -0 $$ 2>/dev/null; do
    n=$((n + 1))
    if timeout 300 "${SSH[@]}" "root@$address" "echo $n >> $MP/e2e-lines && sync" 2>/dev/null; then
      echo "$n" >>"$work/acked"
      echo "$(date +%s.%N) $n ok" >>"$work/writer.log"
    else
      echo "$(date +%s.%N) $n failed" >>"$work/writer.log"
    fi
    sleep 1
  done
}
# replayed_since INDEX LINES NUMBER — node INDEX's kernel log, past its first LINES lines, shows node
# NUMBER's journal replayed.
replayed_since() { on "${LAB_OCFS2_ADDRESSES[$1]}" "dmesg" | tail -n +"$(($2 + 1))" | ocfs2_replayed "$3"; }
written_after() { awk -v t="$1" '$1 > t && $3 == "ok" { found = 1 } END { exit !found }' "$work/writer.log"; }
mounted_on() { mount_uuid "$1" >/dev/null; } # mounted_on ADDRESS

check_node_loss() {
  # The higher-numbered node is lost: in a split o2cb keeps the lowest-numbered side, so the
  # writer on node 0 must survive whichever of the interconnect or the disk heartbeat notices first.
  local lost=1 keep=0 boot t_fail gap pid seen recovered
  rm -f "$work/writer.stop" "$work/writer.log" "$work/acked"
  writer "${LAB_OCFS2_ADDRESSES[$keep]}" &
  pid=$!
  e2e_wait 60 "the writer's first line" written_after 0
  sleep 5
  boot=$(on "${LAB_OCFS2_ADDRESSES[$lost]}" "cat /proc/sys/kernel/random/boot_id")
  # Only what the kernel logs after this point counts as this loss's replay.
  seen=$(on "${LAB_OCFS2_ADDRESSES[$keep]}" "dmesg | wc -l") || fail "(c) could not read ${LAB_OCFS2_NODES[$keep]}'s kernel log"
  t_fail=$(date +%s.%N)
  virsh_ destroy "${LAB_OCFS2_DOMAINS[$lost]}" >/dev/null || fail "(c) virsh destroy ${LAB_OCFS2_DOMAINS[$lost]} failed"
  log "e2e-ocfs2: (c) ${LAB_OCFS2_NODES[$lost]} destroyed while ${LAB_OCFS2_NODES[$keep]} writes (o2cb's dead time: ${LAB_OCFS2_DEAD_SECONDS} s)"
  e2e_wait 900 "the writer on ${LAB_OCFS2_NODES[$keep]} resuming" written_after "$t_fail"
  log "e2e-ocfs2: (c) the writer on ${LAB_OCFS2_NODES[$keep]} acknowledged a line after the loss"
  # The writer holds the file's cluster lock, so its appends need not wait for the dead node; the
  # journal replay comes once o2cb declares the node dead (its dead time), then recovery runs.
  e2e_wait $((LAB_OCFS2_DEAD_SECONDS + 240)) "${LAB_OCFS2_NODES[$keep]} replaying node ${LAB_OCFS2_NUMBERS[$lost]}'s journal" \
    replayed_since "$keep" "$seen" "${LAB_OCFS2_NUMBERS[$lost]}"
  recovered=$(echo "$(date +%s.%N) - $t_fail" | bc)
  e2e_timing ocfs2-recovery "$recovered"
  log "e2e-ocfs2: (c) ${LAB_OCFS2_NODES[$keep]} replayed node ${LAB_OCFS2_NUMBERS[$lost]}'s journal $(printf '%.0f' "$recovered") s after the loss"
  # o2cb fences by itself (no fence agent): the destroyed VM stays off until it is started.
  virsh_ start "${LAB_OCFS2_DOMAINS[$lost]}" >/dev/null || fail "(c) virsh start ${LAB_OCFS2_DOMAINS[$lost]} failed"
  e2e_wait 900 "${LAB_OCFS2_NODES[$lost]} booted again" drill_rebooted "${LAB_OCFS2_ADDRESSES[$lost]}" "$boot"
  e2e_wait 600 "${LAB_OCFS2_NODES[$lost]} remounting unaided" mounted_on "${LAB_OCFS2_ADDRESSES[$lost]}"
  sleep 5
  touch "$work/writer.stop"
  wait "$pid" || true
  # The writer's longest pause from the loss until the lost node remounted — through the dead time,
  # the journal replay and the remount, not only until its first line after the loss.
  gap=$(drill_longest_gap "$work/writer.log" 1 "$t_fail" 3 ok) || fail "(c) fewer than two acknowledged lines in the writer's log"
  log "e2e-ocfs2: (c) the writer's longest pause from the loss to the remount: ${gap} s"
  e2e_timing ocfs2-node-loss-gap "$gap"
  on "${LAB_OCFS2_ADDRESSES[$lost]}" "cat $MP/e2e-lines" >"$work/lines" || fail "(c) ${LAB_OCFS2_NODES[$lost]} cannot read the lines"
  ocfs2_missing_lines "$work/acked" "$work/lines" >"$work/missing" ||
    fail "(c) acknowledged lines missing from the file: $(tr '\n' ' ' <"$work/missing")"
  log "e2e-ocfs2: (c) ${LAB_OCFS2_NODES[$lost]} remounted unaided; all $(wc -l <"$work/acked") acknowledged lines are in the file"
  e2e_wait 300 "the volume mounted on every node again" all_mounted
}
# drill_rebooted: the boot id changed (scripts/drill.sh).
# shellcheck source=scripts/drill.sh
source "$REPO/scripts/drill.sh"
for ((loss = 1; loss <= E2E_OCFS2_LOSSES; loss++)); do
  log "e2e-ocfs2: (c) node loss $loss of $E2E_OCFS2_LOSSES"
  e2e_phase ocfs2-node-loss check_node_loss
done

# ---- 2. drift -----------------------------------------------------------------------------------------
check_drift() {
  on "${LAB_OCFS2_ADDRESSES[0]}" "umount $MP" || fail "could not unmount $MP on ${LAB_OCFS2_NODES[0]}"
  on "${LAB_OCFS2_ADDRESSES[1]}" "sed -i 's/ip_port = [0-9]*/ip_port = 7778/' /etc/ocfs2/cluster.conf" ||
    fail "could not edit cluster.conf on ${LAB_OCFS2_NODES[1]}"
  e2e_expect_drift "the volume unmounted on ${LAB_OCFS2_NODES[0]}, cluster.conf edited on ${LAB_OCFS2_NODES[1]}" "$LAB_NAME-ocfs2-o2cb"
  e2e_phase ocfs2-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the OCFS2 drift"
  all_mounted || fail "after the repair the volume is not mounted on every node"
  on "${LAB_OCFS2_ADDRESSES[1]}" "grep -c 'ip_port = 7778' /etc/ocfs2/cluster.conf" >/dev/null &&
    fail "after the repair cluster.conf on ${LAB_OCFS2_NODES[1]} still has the edit"
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repair a refresh still finds changes"
  log "e2e-ocfs2: drift shown by a refresh and repaired by up"
}
check_drift

# ---- (d) the third host added online ---------------------------------------------------------------
check_add_node() {
  local before=() i
  for i in "${!LAB_OCFS2_ADDRESSES[@]}"; do before+=("$(mount_id "${LAB_OCFS2_ADDRESSES[$i]}")"); done
  cp "$work/full.yaml" "Pulumi.$STACK.yaml"
  e2e_phase ocfs2-add-node pulumi up --yes --non-interactive --skip-preview || fail "(d) up with $E2E_OCFS2_ADDED failed"
  for i in "${!before[@]}"; do
    [ "$(mount_id "${LAB_OCFS2_ADDRESSES[$i]}")" = "${before[$i]}" ] ||
      fail "(d) ${LAB_OCFS2_NODES[$i]} was unmounted or remounted while $E2E_OCFS2_ADDED joined"
  done
  load_e2e_env
  # The new node's host key pinned (and its process list sampled): without it every SSH to it
  # failed host-key verification (found live).
  e2e_node_access
  [ "${#LAB_OCFS2_NODES[@]}" = 3 ] || fail "(d) the stack has ${#LAB_OCFS2_NODES[@]} o2cb nodes after the addition"
  e2e_wait 300 "the volume mounted on all three nodes" all_mounted
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "(d) after the addition a refresh finds changes"
  log "e2e-ocfs2: (d) $E2E_OCFS2_ADDED joined online: the others stayed mounted, mounted.ocfs2 -f lists $(listed_nodes "${LAB_OCFS2_ADDRESSES[0]}" | tr '\n' ' ')"
}
check_add_node

# ---- (e) seed 003's local → cluster conversion ---------------------------------------------------------
check_conversion() {
  local a first=${LAB_OCFS2_ADDRESSES[0]} dev=$LAB_OCFS2_DEVICE
  for a in "${LAB_OCFS2_ADDRESSES[@]}"; do on "$a" "umount $MP" || fail "(e) could not unmount $MP on $a"; done
  on "$first" "tunefs.ocfs2 -y -M local $dev" || fail "(e) tunefs.ocfs2 -M local failed"
  on "$first" "mkdir -p /mnt/e2e-local && mount -t ocfs2 $dev /mnt/e2e-local && echo sentinel > /mnt/e2e-local/e2e-sentinel && umount /mnt/e2e-local" ||
    fail "(e) could not write the sentinel in local mode"
  log "e2e-ocfs2: (e) the volume in local mode with a sentinel file"
  e2e_expect_drift "the volume in local mode and unmounted everywhere" "$LAB_NAME-ocfs2-o2cb"
  e2e_phase ocfs2-convert pulumi up --refresh --yes --non-interactive || fail "(e) up did not switch the volume back to cluster mode"
  # mounted.ocfs2 -f reads the heartbeat region, which lists a node only after its first beats
  # (seen live: the check right after the up missed a node that had mounted 20 s before).
  e2e_wait 120 "(e) the converted volume mounted in cluster mode on every node, listed by mounted.ocfs2 -f" all_mounted
  for a in "${LAB_OCFS2_ADDRESSES[@]}"; do
    [ "$(on "$a" "cat $MP/e2e-sentinel")" = sentinel ] || fail "(e) the sentinel is lost on $a"
  done
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "(e) after the conversion a refresh finds changes"
  log "e2e-ocfs2: (e) tunefs.ocfs2 -M cluster kept the sentinel; mounted in cluster mode everywhere"
}
check_conversion

# ---- 3. destroy -----------------------------------------------------------------------------------
e2e_secret_capture
e2e_phase ocfs2-destroy pulumi destroy --yes --non-interactive || fail "pulumi destroy failed"
e2e_destroyed
e2e_secret_search
e2e_stage destroy-clean
log "e2e-ocfs2: destroy removed every domain, network, file and the sshd of the stack"
