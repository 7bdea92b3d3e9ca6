# kvm-ha-lab base image builder v2 (rendered; do not edit)
out=/var/cache/kvm-ha-lab/images/bookworm-c4b80f03eb8cf4e776b39ad3
suite=bookworm
mirror=http://deb.debian.org/debian
packages=(chrony cloud-init corosync fence-agents glusterfs-server ifupdown iproute2 iputils-ping ipvsadm ldirectord linux-image-cloud-amd64 ocfs2-tools open-iscsi openssh-server pacemaker pcs postgresql resource-agents sudo systemd-sysv tgt)
step() { echo "image: $*" >&2; }
image_intact() {
  local dir=$1 size name
  [ -f "$dir/complete" ] || return 1
  for name in disk.qcow2 vmlinuz initrd.img versions.txt; do [ -s "$dir/$name" ] || return 1; done
  while read -r size name; do
    [ -n "$name" ] || continue
    [ "$(stat -c %s "$dir/$name" 2>/dev/null)" = "$size" ] || return 1
  done <"$dir/complete"
}

if image_intact "$out"; then step "cached: $out"; exit 0; fi
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if image_intact "$out"; then step "cached: $out (built by a concurrent run)"; exit 0; fi
# Nothing, a crashed build, or an entry whose files were changed or removed since: built anew.
rm -rf "$out"

work=$(mktemp -d "$out.build.XXXXXX")
root="$work/root"
cleanup() {
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m"; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# The mirror is reached from the network namespace named by KVMLAB_MIRROR_NETNS (the lab scripts
# set it to their own, outer one) when this runs inside a lab namespace, which has no route out.
net=()
if [ -n "${KVMLAB_MIRROR_NETNS:-}" ] && [ "$(readlink /proc/self/ns/net)" != "$(readlink "$KVMLAB_MIRROR_NETNS")" ]; then
  net=(nsenter "--net=$KVMLAB_MIRROR_NETNS" --)
fi
logged() {
  local log="$work/$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "image: step failed: $*" >&2
    return 1
  fi
}

step "debootstrap $suite (minbase) from $mirror"
logged debootstrap.log "${net[@]}" debootstrap --variant=minbase "$suite" "$root" "$mirror"

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
printf 'Acquire::Check-Valid-Until "false";\nAcquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/99kvmlab-build"

step "apt-get install ${#packages[@]} packages"
in_root() { "${net[@]}" chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
logged apt-update.log in_root apt-get update
logged apt-install.log in_root apt-get install -y -o Dpkg::Options::=--force-confold "${packages[@]}"

step "first-boot configuration"
printf '/dev/vda / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
mkdir -p "$root/etc/cloud/cloud.cfg.d"
printf 'datasource_list: [ NoCloud, None ]\n' >"$root/etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg"
for unit in pacemaker.service corosync.service postgresql.service tgt.service; do
  if [ -e "$root/lib/systemd/system/$unit" ]; then in_root systemctl disable "$unit" >/dev/null 2>&1; fi
done
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname"
in_root dpkg-query -W -f '${Package} ${Version}\n' >"$work/versions.txt"
in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d" "$root/etc/apt/apt.conf.d/99kvmlab-build"
for m in dev/pts dev sys proc; do umount -l "$root/$m"; done

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
install -m 0644 "$kernel" "$work/vmlinuz"
install -m 0644 "$initrd" "$work/initrd.img"

step "mke2fs -d (4 GiB ext4) and qemu-img convert"
logged mke2fs.log mke2fs -t ext4 -L kvmlab-root -d "$root" "$work/disk.raw" 4G
logged convert.log qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
rm -rf "$work/disk.raw" "$root" "$work"/*.log
chmod 0644 "$work/disk.qcow2" "$work/versions.txt"
chmod 0755 "$work"
record_image() {
  (cd "$1" && stat -c '%s %n' disk.qcow2 vmlinuz initrd.img versions.txt) >"$1/complete"
}
record_image "$work"
mv "$work" "$out"
step "built: $out ($(du -sh "$out" | cut -f1))"
