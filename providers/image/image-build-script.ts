/**
 * The base-image builder: a bash script, rendered from its inputs, that turns Debian's mirror into a
 * bootable lab image without loop devices (ENVIRONMENT.md, "Guest image without the internet"):
 *
 * 1. `debootstrap --variant=minbase` (a plain `--include` of many packages fails on virtual ones);
 * 2. `chroot apt-get install` of the package list, with proc/sys/dev mounted and a policy-rc.d
 *    that keeps services from starting inside the chroot;
 * 3. first-boot shape: fstab for a bare ext4 on vda, NoCloud as the only datasource, no SSH host
 *    keys and an empty machine-id (each VM makes its own), the cluster stack not started at boot
 *    (seed 000), PostgreSQL left to the cluster;
 * 4. kernel and initrd copied out for direct kernel boot, `mke2fs -t ext4 -d` builds the file system
 *    from the directory, `qemu-img convert` makes the qcow2.
 *
 * The result lands in `<cacheDir>/<key>/` (disk.qcow2, vmlinuz, initrd.img, versions.txt) by an
 * atomic rename of a finished build directory, under a lock, with a `complete` marker that records
 * each file's size: an unchanged key never rebuilds while its files are as built, a crashed build
 * leaves nothing that looks finished, and an entry whose files changed is built again. Progress goes to stderr as
 * `image: …` lines. Network traffic to the mirror leaves from the machine's own network namespace
 * (`KVMLAB_MIRROR_NETNS`, set by the lab scripts) when the builder runs inside a lab namespace.
 */
import { createHash } from "node:crypto";
import { shellJoin, shellQuote } from "../exec/ssh";
import { DEBIAN_PACKAGE, DEBIAN_SUITE, HTTP_URL } from "../../spec/patterns";

/** Bumped whenever the script changes what it produces: part of the cache key. */
export const IMAGE_BUILDER_VERSION = "2";

/** Where built images are cached on the host (shared by every lab on the host: a content cache). */
export const IMAGE_CACHE_DIR = "/var/cache/kvm-ha-lab/images";

/** Services installed by the package list that must not start at boot (the cluster starts them). */
export const SERVICES_OFF_AT_BOOT: readonly string[] = ["pacemaker", "corosync", "postgresql", "tgt"];

/** A file the builder writes into the image, whole: NodeFiles keeps it on every node of a built image. */
export interface ImageFile {
  path: string;
  content: string;
}

/** The root file system's /etc/fstab: a bare ext4 on vda (its one line is the root's). */
export const IMAGE_FSTAB: ImageFile = {
  path: "/etc/fstab",
  content: "/dev/vda / ext4 errors=remount-ro 0 1\n",
};

/** cloud-init's datasource setting: the NoCloud seed only (no network metadata service is probed). */
export const IMAGE_DATASOURCE: ImageFile = {
  path: "/etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg",
  content: "datasource_list: [ NoCloud, None ]\n",
};

/** A file's content as the format of a single-quoted `printf` (no quote, `%` or backslash in it). */
function printfText(content: string): string {
  if (/['%\\]/.test(content))
    throw new Error(`image build: ${JSON.stringify(content)} cannot be printed as is`);
  return content.replace(/\n/g, "\\n");
}

/** The directory part of an absolute path. */
function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * Shell lines that set the array `net` to the command prefix reaching the outside world:
 * `nsenter` into `KVMLAB_MIRROR_NETNS` (the lab scripts' own namespace) when this runs inside a
 * lab namespace, which has no route out; empty otherwise. Used as `"${net[@]}" curl …`.
 */
export const OUTSIDE_NETNS_PREFIX = `net=()
if [ -n "\${KVMLAB_MIRROR_NETNS:-}" ] && [ "$(readlink /proc/self/ns/net)" != "$(readlink "$KVMLAB_MIRROR_NETNS")" ]; then
  net=(nsenter "--net=$KVMLAB_MIRROR_NETNS" --)
fi`;

/** Input of {@link renderImageBuildScript}. */
export interface ImageBuildInput {
  suite: string;
  mirror: string;
  packages: readonly string[];
  sizeGiB: number;
  /**
   * Kernel flavour, when not Debian's cloud kernel (the package list names the kernel package;
   * the flavour is part of the key and the build checks the generic kernel's OCFS2 modules).
   */
  kernel?: "cloud" | "generic";
  /** Cache directory (default {@link IMAGE_CACHE_DIR}). */
  cacheDir?: string;
}

/** Kernel modules the generic flavour is chosen for (OCFS2 with the o2cb stack): the build checks them. */
export const GENERIC_KERNEL_MODULES: readonly string[] = [
  "ocfs2",
  "ocfs2_stack_o2cb",
  "ocfs2_dlm",
  "ocfs2_dlmfs",
  "ocfs2_nodemanager",
];

/** Files of a finished image, under its cache directory. */
export interface BuiltImagePaths {
  dir: string;
  imagePath: string;
  kernelPath: string;
  initrdPath: string;
}

/** The files of a finished image, in its cache directory. */
export const IMAGE_FILES: readonly string[] = ["disk.qcow2", "vmlinuz", "initrd.img", "versions.txt"];

/**
 * Shell function `image_intact DIR`: DIR holds a finished image as it was built — its `complete`
 * marker, each of {@link IMAGE_FILES} not empty, and every `<size> <file>` line the builder wrote
 * into the marker still true (an entry built before sizes were recorded has an empty marker: its
 * files are only checked to be there). The builder's cache check and BaseImageBuild's read use it.
 */
export const IMAGE_INTACT = `image_intact() {
  local dir=$1 size name
  [ -f "$dir/complete" ] || return 1
  for name in ${IMAGE_FILES.join(" ")}; do [ -s "$dir/$name" ] || return 1; done
  while read -r size name; do
    [ -n "$name" ] || continue
    [ "$(stat -c %s "$dir/$name" 2>/dev/null)" = "$size" ] || return 1
  done <"$dir/complete"
}`;

/** Shell function `record_image DIR`: writes DIR's `complete` marker, last, with each file's size. */
export const RECORD_IMAGE = `record_image() {
  (cd "$1" && stat -c '%s %n' ${IMAGE_FILES.join(" ")}) >"$1/complete"
}`;

/** The package list as it shapes the image: unique, sorted. */
export function normalisedPackages(packages: readonly string[]): string[] {
  return [...new Set(packages.map((p) => p.trim()).filter((p) => p !== ""))].sort();
}

/**
 * The cache key: sha256 over the builder version, suite, sorted package list, size and a kernel
 * flavour other than the cloud default (the cloud image's key is the one it had before flavours
 * existed: a lab that does not choose one never rebuilds). The mirror is not part of it: any
 * mirror of a suite serves the same packages.
 */
export function imageContentKey(input: ImageBuildInput): string {
  const shape = JSON.stringify({
    builder: IMAGE_BUILDER_VERSION,
    suite: input.suite,
    packages: normalisedPackages(input.packages),
    sizeGiB: input.sizeGiB,
    ...(input.kernel !== undefined && input.kernel !== "cloud" ? { kernel: input.kernel } : {}),
  });
  return createHash("sha256").update(shape).digest("hex").slice(0, 24);
}

/** Where the image with `input`'s key lives. */
export function builtImagePaths(input: ImageBuildInput): BuiltImagePaths {
  const dir = `${input.cacheDir ?? IMAGE_CACHE_DIR}/${input.suite}-${imageContentKey(input)}`;
  return {
    dir,
    imagePath: `${dir}/disk.qcow2`,
    kernelPath: `${dir}/vmlinuz`,
    initrdPath: `${dir}/initrd.img`,
  };
}

/** Throws, naming the field, when an input cannot be put in the script safely. */
function checkInput(input: ImageBuildInput): void {
  if (!DEBIAN_SUITE.test(input.suite))
    throw new Error(`image build: suite "${input.suite}" is not a Debian suite name`);
  if (!HTTP_URL.test(input.mirror))
    throw new Error(`image build: mirror "${input.mirror}" is not an http(s) URL`);
  for (const p of input.packages) {
    if (!DEBIAN_PACKAGE.test(p)) throw new Error(`image build: "${p}" is not a Debian package name`);
  }
  if (!Number.isInteger(input.sizeGiB) || input.sizeGiB < 2 || input.sizeGiB > 64)
    throw new Error(`image build: sizeGiB ${input.sizeGiB} must be an integer from 2 to 64`);
  if (input.kernel !== undefined && input.kernel !== "cloud" && input.kernel !== "generic")
    throw new Error(`image build: kernel "${String(input.kernel)}" must be cloud or generic`);
}

/**
 * Shell lines checking that the built kernel has the modules its flavour is chosen for (the
 * generic flavour: OCFS2's); nothing for the cloud flavour (the script of a cloud image is the one
 * it was before flavours existed).
 */
function kernelCheck(input: ImageBuildInput): string {
  if (input.kernel !== "generic") return "";
  return `for mod in ${GENERIC_KERNEL_MODULES.join(" ")}; do
  if [ -z "$(find "$root/lib/modules" -name "$mod.ko*" -print -quit)" ]; then
    echo "image: the generic kernel has no $mod module" >&2
    exit 1
  fi
done
`;
}

/** Renders the builder script. Pure: the same input gives the same script. */
export function renderImageBuildScript(input: ImageBuildInput): string {
  checkInput(input);
  const paths = builtImagePaths(input);
  const packages = normalisedPackages(input.packages);
  const offAtBoot = SERVICES_OFF_AT_BOOT.map((s) => `${s}.service`);
  return `# kvm-ha-lab base image builder v${IMAGE_BUILDER_VERSION} (rendered; do not edit)
out=${shellQuote(paths.dir)}
suite=${shellQuote(input.suite)}
mirror=${shellQuote(input.mirror)}
packages=(${shellJoin(packages)})
step() { echo "image: $*" >&2; }
${IMAGE_INTACT}

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
${OUTSIDE_NETNS_PREFIX}
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
logged debootstrap.log "\${net[@]}" debootstrap --variant=minbase "$suite" "$root" "$mirror"

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
printf '#!/bin/sh\\nexit 101\\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
printf 'Acquire::Check-Valid-Until "false";\\nAcquire::Languages "none";\\n' >"$root/etc/apt/apt.conf.d/99kvmlab-build"

step "apt-get install \${#packages[@]} packages"
in_root() { "\${net[@]}" chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
logged apt-update.log in_root apt-get update
logged apt-install.log in_root apt-get install -y -o Dpkg::Options::=--force-confold "\${packages[@]}"

step "first-boot configuration"
printf '${printfText(IMAGE_FSTAB.content)}' >"$root${IMAGE_FSTAB.path}"
mkdir -p "$root${dirname(IMAGE_DATASOURCE.path)}"
printf '${printfText(IMAGE_DATASOURCE.content)}' >"$root${IMAGE_DATASOURCE.path}"
for unit in ${offAtBoot.join(" ")}; do
  if [ -e "$root/lib/systemd/system/$unit" ]; then in_root systemctl disable "$unit" >/dev/null 2>&1; fi
done
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname"
in_root dpkg-query -W -f '\${Package} \${Version}\\n' >"$work/versions.txt"
in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d" "$root/etc/apt/apt.conf.d/99kvmlab-build"
for m in dev/pts dev sys proc; do umount -l "$root/$m"; done

${kernelCheck(input)}kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
install -m 0644 "$kernel" "$work/vmlinuz"
install -m 0644 "$initrd" "$work/initrd.img"

step "mke2fs -d (${input.sizeGiB} GiB ext4) and qemu-img convert"
logged mke2fs.log mke2fs -t ext4 -L kvmlab-root -d "$root" "$work/disk.raw" ${input.sizeGiB}G
logged convert.log qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
rm -rf "$work/disk.raw" "$root" "$work"/*.log
chmod 0644 "$work/disk.qcow2" "$work/versions.txt"
chmod 0755 "$work"
${RECORD_IMAGE}
record_image "$work"
mv "$work" "$out"
step "built: $out ($(du -sh "$out" | cut -f1))"
`;
}
