# The storage part of the end-to-end test (issue 4), sourced by scripts/e2e.sh inside the run's
# namespace once the substrate passed. Uses e2e.sh's phase/fail/log/on, $LAB, $mgmt, $state_dir.
# shellcheck shell=bash

iqn="iqn.2011-08.com.example.kvmhost:$LAB-tgt01"
portal=192.168.8.1:3260
lun_dev() { echo "/dev/disk/by-path/ip-$portal-iscsi-$iqn-lun-$1"; }
n1=${mgmt[0]}
n2=${mgmt[1]}
set_lab() { pulumi config set --path "kvm-ha-lab:lab.$1" "$2" >/dev/null; }
control_port() { ss -Hlxp | sed -n 's#.*/var/run/tgtd/socket\.\([0-9]*\) .*#\1#p' | head -n 1; }

# Expects `pulumi preview --refresh` to want changes naming every resource given.
expect_drift() {
  local what="$1" r
  shift
  if pulumi preview --refresh --non-interactive --expect-no-changes >"$work/drift.txt" 2>&1; then
    cat "$work/drift.txt"
    fail "$what went unnoticed by preview --refresh"
  fi
  for r in "$@"; do grep -q -- "$r" "$work/drift.txt" || { cat "$work/drift.txt"; fail "$what: $r is not in the preview"; }; done
  log "e2e: preview --refresh shows $what ($*)"
}

check_iscsi() {
  local host_show n
  host_show=$(tgtadm -C "$(control_port)" --lld iscsi --mode target --op show)
  echo "$host_show" | grep -q "Target [0-9]*: $iqn" || fail "tgtd does not serve $iqn: $host_show"
  echo "$host_show" | grep -qx '        ALL' && fail "the target's ACL is open to ALL"
  for n in "$n1" "$n2"; do echo "$host_show" | grep -qx "        $n" || fail "the ACL lacks $n"; done
  [ -f "$state_dir/tgtd/cluster01.conf" ] || fail "no persistent target configuration in $state_dir/tgtd"
  for n in "$n1" "$n2"; do
    on "$n" "iscsiadm -m session | grep -qF '$iqn' && [ -b $(lun_dev 1) ] && [ -b $(lun_dev 2) ] &&
      iscsiadm -m node -T $iqn -p $portal | grep -qx 'node.startup = automatic'" ||
      fail "$n: no persistent session with both LUN devices"
  done
  log "e2e: iSCSI target on the host, ACL = the two nodes, both logged in (startup automatic), LUN devices present"
}

check_shared_lun() {
  local sum got
  sum=$(on "$n1" "head -c 4096 /dev/urandom > /root/block && dd if=/root/block of=$(lun_dev 2) bs=4096 count=1 seek=100 oflag=direct status=none && sha256sum < /root/block") ||
    fail "node01: writing to the shared LUN failed"
  got=$(on "$n2" "dd if=$(lun_dev 2) bs=4096 count=1 skip=100 iflag=direct status=none | sha256sum") ||
    fail "node02: reading the shared LUN failed"
  [ "$sum" = "$got" ] || fail "the block written on node01 reads differently on node02"
  log "e2e: a block written to the shared LUN on node01 reads back identically on node02"
}

check_gluster_file() { # check_gluster_file NAME — write on node01 through the mount, read on node02
  local sum got
  sum=$(on "$n1" "head -c 65536 /dev/urandom > /gldata00/$1 && sha256sum < /gldata00/$1") || fail "node01: writing /gldata00/$1 failed"
  got=$(on "$n2" "sha256sum < /gldata00/$1") || fail "node02: reading /gldata00/$1 failed"
  [ "$sum" = "$got" ] || fail "/gldata00/$1 differs between node01 and node02"
  echo "$sum" >"$work/$1.sum"
  log "e2e: /gldata00/$1 written on node01 reads identically on node02 (GlusterFS)"
}

same_on_bricks() { # same_on_bricks NAME — both bricks hold the same bytes as written
  local want b1 b2
  want=$(cat "$work/$1.sum")
  b1=$(on "$n1" "sha256sum < /glvol00/$1") || fail "node01's brick lacks $1"
  b2=$(on "$n2" "sha256sum < /glvol00/$1") || fail "node02's brick lacks $1"
  [ "$b1" = "$want" ] && [ "$b2" = "$want" ] || fail "the bricks differ for $1 (node01 $b1, node02 $b2, written $want)"
}

# 5. The storage layer.
set_lab layers storage
phase storage-converge pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the storage layer failed"
check_iscsi
check_shared_lun
check_gluster_file hello
phase storage-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the storage converge finds changes"
phase storage-up-noop pulumi up --yes --non-interactive --expect-no-changes || fail "a second up of the storage layer wanted changes"

# 6. A brick process killed; writes go on; repair restarts it; heal; both bricks equal.
on "$n2" "pkill -9 -x glusterfsd" || fail "node02: no glusterfsd to kill"
check_gluster_file while-brick-down
expect_drift "a dead brick process" "$LAB-gluster-volume"
phase storage-repair-brick pulumi up --refresh --yes --non-interactive || fail "up did not restart the brick"
on "$n1" "/etc/init.d/glmount heal" || fail "glmount heal did not finish"
same_on_bricks while-brick-down
same_on_bricks hello
log "e2e: brick killed, write kept, brick restarted by up, healed: both bricks hold the same data"

# 7a. Drift: a LUN deleted, a session logged out, an option changed, a mount gone.
port=$(control_port)
tid=$(tgtadm -C "$port" --lld iscsi --mode target --op show | sed -n "s/^Target \([0-9]*\): $iqn\$/\1/p")
tgtadm -C "$port" --lld iscsi --mode logicalunit --op delete --tid "$tid" --lun 1 || fail "could not delete LUN 1 out of band"
on "$n2" "iscsiadm -m node -T $iqn -p $portal --logout >/dev/null" || fail "could not log node02 out"
on "$n1" "gluster --mode=script volume set data00 network.ping-timeout 42 >/dev/null" || fail "could not change an option"
on "$n2" "umount /gldata00" || fail "could not unmount node02's /gldata00"
expect_drift "a deleted LUN, a logged-out session, a changed option and a lost mount" \
  "$LAB-iscsi-target" "$LAB-iscsi-initiator-node02" "$LAB-gluster-volume" "$LAB-gluster-mount-node02"
phase storage-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the storage drift"
check_iscsi
on "$n1" "gluster volume get data00 network.ping-timeout | grep -q ' 10 *$'" || fail "the option was not restored"
[ "$(on "$n2" "sha256sum < /gldata00/hello")" = "$(cat "$work/hello.sum")" ] || fail "node02's mount is not back"
check_shared_lun

# 7b. The volume stopped and deleted out of band: re-created on its bricks, files kept.
on "$n1" "gluster --mode=script volume stop data00 >/dev/null && gluster --mode=script volume delete data00 >/dev/null" ||
  fail "could not delete the volume out of band"
expect_drift "a deleted volume" "$LAB-gluster-volume"
pulumi up --refresh --yes --non-interactive || fail "up did not re-create the deleted volume"
for n in "$n1" "$n2"; do
  [ "$(on "$n" "sha256sum < /gldata00/hello")" = "$(cat "$work/hello.sum")" ] || fail "$n: /gldata00/hello lost with the re-created volume"
done
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repairs a refresh still finds changes"
log "e2e: deleted volume re-created on its bricks with the data; no drift left"

# 8a. Fault: a LUN larger than the free space — refused before anything changes.
sizes_before=$(stat -c '%s %n' "$state_dir"/tgtd/cluster01/*.img)
set_lab 'iscsi.luns[1].sizeMiB' 100000000
if pulumi up --yes --non-interactive --skip-preview >"$work/fault.txt" 2>&1; then fail "a 95 TiB LUN was accepted"; fi
grep -q 'iscsi.luns\[1\]' "$work/fault.txt" && grep -q 'Fix:' "$work/fault.txt" ||
  { cat "$work/fault.txt"; fail "the error does not name the LUN and the fix"; }
[ "$(stat -c '%s %n' "$state_dir"/tgtd/cluster01/*.img)" = "$sizes_before" ] || fail "the refused LUN change altered the LUN files"
set_lab 'iscsi.luns[1].sizeMiB' 1024
pulumi preview --non-interactive --expect-no-changes >/dev/null || fail "after reverting the LUN size the preview wants changes"
log "e2e: a LUN larger than the free space is refused with the field and the fix; nothing changed"

# 8b. Fault: the storage layer removed, then re-built over a brick directory holding foreign files.
set_lab layers substrate
phase storage-destroy pulumi up --yes --non-interactive --skip-preview || fail "removing the storage layer failed"
on "$n1" "! mountpoint -q /gldata00 && ! iscsiadm -m session >/dev/null 2>&1" || fail "node01 kept a mount or a session"
if ss -Hltn | grep -q ':3260'; then fail "tgtd still listens after the storage layer was removed"; fi
on "$n2" "mkdir -p /glvol00 && echo foreign > /glvol00/not-a-brick" || fail "could not prepare the foreign brick"
set_lab layers storage
if pulumi up --yes --non-interactive --skip-preview >"$work/fault.txt" 2>&1; then fail "a brick holding foreign files was accepted"; fi
grep -q 'not empty and not a brick' "$work/fault.txt" ||
  { cat "$work/fault.txt"; fail "the error does not say the brick holds foreign files"; }
on "$n2" "rm -f /glvol00/not-a-brick" || fail "could not clean the brick"
pulumi up --yes --non-interactive --skip-preview || fail "up after fixing the brick did not finish the job"
check_iscsi
check_gluster_file after-fault
log "e2e: a foreign brick directory is refused with the fix; after the fix, up finishes without manual cleanup"
