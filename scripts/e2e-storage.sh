# The storage part of the end-to-end test, sourced by scripts/e2e.sh inside the run's namespace
# once the substrate passed (steps 5–8 of e2e.sh's list), on the test lab's first two nodes
# (node1/node2: node01/node02) and its iSCSI target and GlusterFS volume as the stack describes them.
#
# Needs from e2e.sh: work, E2E_PING_TIMEOUT, E2E_DATA_LUN_MIB, load_e2e_env (sets the LAB_*
#   variables: LAB_NAME, LAB_NODES, LAB_ADDRESSES, LAB_ISCSI_*, LAB_GLUSTER_*), fail, on, set_lab;
#   log, e2e_phase, e2e_expect_drift (lib.sh); tcp_listening and tgt_serves (e2e-checks.sh).
# Defines: n1, n2 (the two nodes' management addresses), node1, node2 (their names), data_lun,
#   control_port, check_iscsi, check_shared_lun, check_gluster_file, same_on_bricks.
# shellcheck shell=bash disable=SC2154 # work: e2e.sh's, see above

control_port() { # the control port of the host's tgtd (its socket's suffix); dies when there is none
  local sockets port
  sockets=$(ss -Hlxp) || die "ss -Hlxp failed: cannot find tgtd's control socket"
  port=$(sed -n 's#.*/var/run/tgtd/socket\.\([0-9]*\) .*#\1#p' <<<"$sockets" | head -n 1)
  [ -n "$port" ] || die "no tgtd control socket listens"
  echo "$port"
}

check_iscsi() {
  local port host_show problem i devices
  port=$(control_port) || fail "cannot reach the host's tgtd (above)"
  host_show=$(tgtadm -C "$port" --lld iscsi --mode target --op show) || fail "tgtadm --op show failed on the host"
  problem=$(tgt_serves "$host_show" "$LAB_ISCSI_IQN" "${LAB_ADDRESSES[@]}") || fail "$problem: $host_show"
  [ -f "$LAB_ISCSI_DIR.conf" ] || fail "no persistent target configuration $LAB_ISCSI_DIR.conf"
  devices=$(printf ' && [ -b %s ]' "${LAB_ISCSI_DEVICES[@]}")
  for i in "${!LAB_ADDRESSES[@]}"; do
    on "${LAB_ADDRESSES[$i]}" "iscsiadm -m session | grep -qF '$LAB_ISCSI_IQN'$devices &&
      iscsiadm -m node -T $LAB_ISCSI_IQN -p $LAB_ISCSI_PORTAL | grep -qx 'node.startup = automatic'" ||
      fail "${LAB_NODES[$i]}: no persistent session with every LUN device"
  done
  log "e2e: iSCSI target on the host, ACL = the nodes, all logged in (startup automatic), LUN devices present"
}

check_shared_lun() {
  local sum got
  sum=$(on "$n1" "head -c 4096 /dev/urandom > /root/block && dd if=/root/block of=$data_lun bs=4096 count=1 seek=100 oflag=direct status=none && sha256sum < /root/block") ||
    fail "$node1: writing to the shared LUN failed"
  got=$(on "$n2" "dd if=$data_lun bs=4096 count=1 skip=100 iflag=direct status=none | sha256sum") ||
    fail "$node2: reading the shared LUN failed"
  [ "$sum" = "$got" ] || fail "the block written on $node1 reads differently on $node2"
  log "e2e: a block written to the shared LUN on $node1 reads back identically on $node2"
}

check_gluster_file() { # check_gluster_file NAME — write on node1 through the mount, read on node2
  local sum got file="$LAB_GLUSTER_MOUNT/$1"
  sum=$(on "$n1" "head -c 65536 /dev/urandom > $file && sha256sum < $file") || fail "$node1: writing $file failed"
  got=$(on "$n2" "sha256sum < $file") || fail "$node2: reading $file failed"
  [ "$sum" = "$got" ] || fail "$file differs between $node1 and $node2"
  echo "$sum" >"$work/$1.sum"
  log "e2e: $file written on $node1 reads identically on $node2 (GlusterFS)"
}

same_on_bricks() { # same_on_bricks NAME — both bricks hold the same bytes as written
  local want b1 b2
  want=$(cat "$work/$1.sum")
  b1=$(on "$n1" "sha256sum < $LAB_GLUSTER_BRICK/$1") || fail "$node1's brick lacks $1"
  b2=$(on "$n2" "sha256sum < $LAB_GLUSTER_BRICK/$1") || fail "$node2's brick lacks $1"
  if [ "$b1" != "$want" ] || [ "$b2" != "$want" ]; then
    fail "the bricks differ for $1 ($node1 $b1, $node2 $b2, written $want)"
  fi
}

# 5. The storage layer.
set_lab layers storage
e2e_phase storage-converge pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the storage layer failed"
load_e2e_env
n1=${LAB_ADDRESSES[0]}
n2=${LAB_ADDRESSES[1]}
node1=${LAB_NODES[0]}
node2=${LAB_NODES[1]}
# The test lab's second LUN (e2e_stack_file: purpose data).
data_lun=${LAB_ISCSI_DEVICES[1]}
check_iscsi
check_shared_lun
check_gluster_file hello
e2e_phase storage-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the storage converge finds changes"
e2e_phase storage-up-noop pulumi up --yes --non-interactive --expect-no-changes || fail "a second up of the storage layer wanted changes"

# 6. A brick process killed; writes go on; repair restarts it; heal; both bricks equal.
on "$n2" "pkill -9 -x glusterfsd" || fail "$node2: no glusterfsd to kill"
check_gluster_file while-brick-down
e2e_expect_drift "a dead brick process" "$LAB_NAME-gluster-volume"
e2e_phase storage-repair-brick pulumi up --refresh --yes --non-interactive || fail "up did not restart the brick"
on "$n1" "/etc/init.d/glmount heal" || fail "glmount heal did not finish"
same_on_bricks while-brick-down
same_on_bricks hello
log "e2e: brick killed, write kept, brick restarted by up, healed: both bricks hold the same data"

# 7a. Drift: a LUN deleted, a session logged out, an option changed, a mount gone.
port=$(control_port)
tid=$(tgtadm -C "$port" --lld iscsi --mode target --op show | sed -n "s/^Target \([0-9]*\): $LAB_ISCSI_IQN\$/\1/p")
tgtadm -C "$port" --lld iscsi --mode logicalunit --op delete --tid "$tid" --lun 1 || fail "could not delete LUN 1 out of band"
on "$n2" "iscsiadm -m node -T $LAB_ISCSI_IQN -p $LAB_ISCSI_PORTAL --logout >/dev/null" || fail "could not log $node2 out"
on "$n1" "gluster --mode=script volume set $LAB_GLUSTER_VOLUME network.ping-timeout 42 >/dev/null" || fail "could not change an option"
on "$n2" "umount $LAB_GLUSTER_MOUNT" || fail "could not unmount $node2's $LAB_GLUSTER_MOUNT"
e2e_expect_drift "a deleted LUN, a logged-out session, a changed option and a lost mount" \
  "$LAB_NAME-iscsi-target" "$LAB_NAME-iscsi-initiator-$node2" "$LAB_NAME-gluster-volume" "$LAB_NAME-gluster-mount-$node2"
e2e_phase storage-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the storage drift"
check_iscsi
on "$n1" "gluster volume get $LAB_GLUSTER_VOLUME network.ping-timeout | grep -q ' $E2E_PING_TIMEOUT *\$'" ||
  fail "the option was not restored"
[ "$(on "$n2" "sha256sum < $LAB_GLUSTER_MOUNT/hello")" = "$(cat "$work/hello.sum")" ] || fail "$node2's mount is not back"
check_shared_lun

# 7b. The volume stopped and deleted out of band: re-created on its bricks, files kept.
on "$n1" "gluster --mode=script volume stop $LAB_GLUSTER_VOLUME >/dev/null && gluster --mode=script volume delete $LAB_GLUSTER_VOLUME >/dev/null" ||
  fail "could not delete the volume out of band"
# The refresh finds the volume gone (its read returns nothing): the preview creates it again.
e2e_expect_drift "a deleted volume" "$LAB_NAME-gluster-volume=create"
pulumi up --refresh --yes --non-interactive || fail "up did not re-create the deleted volume"
for i in "${!LAB_ADDRESSES[@]}"; do
  [ "$(on "${LAB_ADDRESSES[$i]}" "sha256sum < $LAB_GLUSTER_MOUNT/hello")" = "$(cat "$work/hello.sum")" ] ||
    fail "${LAB_NODES[$i]}: $LAB_GLUSTER_MOUNT/hello lost with the re-created volume"
done
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repairs a refresh still finds changes"
log "e2e: deleted volume re-created on its bricks with the data; no drift left"

# 8a. Fault: a LUN larger than the free space — refused before anything changes.
sizes_before=$(stat -c '%s %n' "$LAB_ISCSI_DIR"/*.img)
set_lab 'iscsi.luns[1].sizeMiB' 100000000
if pulumi up --yes --non-interactive --skip-preview >"$work/fault.txt" 2>&1; then fail "a 95 TiB LUN was accepted"; fi
if ! grep -q 'iscsi.luns\[1\]' "$work/fault.txt" || ! grep -q 'Fix:' "$work/fault.txt"; then
  cat "$work/fault.txt"
  fail "the error does not name the LUN and the fix"
fi
[ "$(stat -c '%s %n' "$LAB_ISCSI_DIR"/*.img)" = "$sizes_before" ] || fail "the refused LUN change altered the LUN files"
set_lab 'iscsi.luns[1].sizeMiB' "$E2E_DATA_LUN_MIB"
pulumi preview --non-interactive --expect-no-changes >/dev/null || fail "after reverting the LUN size the preview wants changes"
log "e2e: a LUN larger than the free space is refused with the field and the fix; nothing changed"

# 8b. Fault: the storage layer removed, then re-built over a brick directory holding foreign files.
set_lab layers substrate
e2e_phase storage-destroy pulumi up --yes --non-interactive --skip-preview || fail "removing the storage layer failed"
on "$n1" "! mountpoint -q $LAB_GLUSTER_MOUNT && ! iscsiadm -m session >/dev/null 2>&1" || fail "$node1 kept a mount or a session"
if tcp_listening ":${LAB_ISCSI_PORTAL##*:}"; then fail "tgtd still listens after the storage layer was removed"; fi
on "$n2" "mkdir -p $LAB_GLUSTER_BRICK && echo foreign > $LAB_GLUSTER_BRICK/not-a-brick" || fail "could not prepare the foreign brick"
set_lab layers storage
if pulumi up --yes --non-interactive --skip-preview >"$work/fault.txt" 2>&1; then fail "a brick holding foreign files was accepted"; fi
grep -q 'not empty and not a brick' "$work/fault.txt" ||
  { cat "$work/fault.txt"; fail "the error does not say the brick holds foreign files"; }
on "$n2" "rm -f $LAB_GLUSTER_BRICK/not-a-brick" || fail "could not clean the brick"
pulumi up --yes --non-interactive --skip-preview || fail "up after fixing the brick did not finish the job"
check_iscsi
check_gluster_file after-fault
log "e2e: a foreign brick directory is refused with the fix; after the fix, up finishes without manual cleanup"
