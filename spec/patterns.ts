/**
 * The one module of name and path patterns: what the lab model accepts (spec/validate) and what the
 * renderers accept in their inputs (pcs commands, cluster.conf). Where a lab pattern and a renderer
 * pattern differ, both exist here under distinct names; the lab's are the stricter ones.
 */
import { parseIpv4 } from "./ipv4";

// ---------------------------------------------------------------------------------------------
// Names the lab model accepts

/** An RFC 1123 host label (without its length limit of 63; see {@link isHostLabel}). */
export const HOST_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A cluster resource id of the lab: a host label starting with a letter (length: {@link isResourceId}). */
export const RESOURCE_ID = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
/** A MAC address as six lowercase hex octets separated by `:` (see {@link isMac} for any case). */
export const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** A Linux bridge (interface) name: at most 15 letters, digits, `_`, `.` or `-`. */
export const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** A Unix user name as the lab accepts it: at most 32 characters, lowercase, a letter or `_` first. */
export const LAB_USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** An iSCSI qualified name (`iqn.yyyy-mm.reversed.domain[:suffix]`), lowercase. */
export const IQN =
  /^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:_-]+)?$/;
/** A gluster volume name as the lab accepts it: 1–64 letters, digits, `_` or `-`. */
export const GLUSTER_VOLUME = /^[A-Za-z0-9_-]{1,64}$/;
/** A libvirt object name (domain, network): 1–200 letters, digits, `_`, `.`, `+` or `-`. */
export const LIBVIRT_NAME = /^[A-Za-z0-9_.+-]{1,200}$/;
/**
 * A node's libvirt domain name as the lab accepts it: what the domain provider, pcmk_host_map and
 * cluster.conf's fence port all take — 1–200 letters, digits, `_`, `.` or `-`, a letter, digit or
 * `_` first.
 */
export const LAB_DOMAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
/** A Debian suite name as the image builder takes it (e.g. `bookworm`): lowercase, a letter first. */
export const DEBIAN_SUITE = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
/** A Debian package name (Debian Policy 5.6.1): lowercase letters, digits, `+`, `-`, `.`; 2 or more. */
export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
/** A GlusterFS volume option name: `<translator>.<option>` (e.g. `performance.cache-size`). */
export const GLUSTER_OPTION = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
/** A LUN backing file name (no directory): letters, digits, `_`, `.` or `-`. */
export const LUN_FILE = /^[A-Za-z0-9_.-]+$/;
/** A libvirt connection URI (`scheme://…` without blanks, e.g. `qemu:///system`). */
export const LIBVIRT_URI = /^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/;
/** An http or https URL without blanks, quotes or backslashes (it goes into shell scripts). */
export const HTTP_URL = /^https?:\/\/[^\s'"\\]+$/;
/** A block device path under `/dev/`: plain segments (`.` and `..` are excluded by {@link isDevicePath}). */
export const DEVICE_PATH = /^\/dev(\/[A-Za-z0-9_.-]+)+$/;
/** An absolute path without blanks (`/` and `..` are excluded by {@link isAbsolutePath}). */
export const ABSOLUTE_PATH = /^\/\S*$/;
/**
 * A path the lab mounts, owns or writes on the host or a node: absolute, plain segments of letters,
 * digits, `.`, `_`, `+` or `-`, no trailing `/` (`.` and `..` are excluded by {@link isLabPath}). It
 * goes unquoted into fstab, pcs arguments and cluster.conf attributes.
 */
export const LAB_PATH = /^(\/[A-Za-z0-9_.+-]+)+$/;
/** A page path under a web root: plain segments separated by `/`, an optional leading `/` (see {@link isPagePath}). */
export const PAGE_PATH = /^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

// ---------------------------------------------------------------------------------------------
// Names the renderers accept (pcs commands, cluster.conf)

/** A host name: letters, digits and inner `-`, with dots between labels. */
export const HOST_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** A CIB id as pcs accepts it: an XML name without `:` (a letter or `_` first). */
export const CIB_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** A corosync cluster_name as pcs takes it (pcs warns above 32 characters for GFS2/DLM). */
export const COROSYNC_CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** A cman cluster name: at most 15 letters, digits, `_` or `-`. */
export const CMAN_CLUSTER_NAME = /^[A-Za-z0-9_-]{1,15}$/;
/** A pacemaker property or meta-attribute name. */
export const OPTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A libvirt domain name usable in pcmk_host_map (no `:`, `;`, `,` or blanks: its separators). */
export const HOST_MAP_DOMAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
/** A Unix user name of any length, lowercase, a letter or `_` first. */
export const UNIX_USER_NAME = /^[a-z_][a-z0-9_-]*$/;
/** An absolute path usable as a pcs argument: no blanks, quotes or backslashes, and not `/`. */
export const ARGUMENT_PATH = /^\/[^\s"'\\]+$/;
/** A gluster volume name as pcs resources take it: letters, digits, `_`, `.` or `-`. */
export const GLUSTER_VOLUME_ARGUMENT = /^[A-Za-z0-9_.-]+$/;
/** A comma-separated `mount -o` option list. */
export const MOUNT_OPTIONS = /^[A-Za-z0-9=,._/:+-]+$/;
/** A name cman/rgmanager take unquoted (methods, devices, domains, services, resources). */
export const CMAN_OBJECT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A fence port of cluster.conf (a libvirt domain name as the lab writes them). */
export const FENCE_PORT = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;
/** An absolute path usable in a cluster.conf attribute: no blanks, quotes, `<`, `>`, `&` or backslashes. */
export const ATTRIBUTE_PATH = /^\/[^\s"'<>&\\]*$/;
/** A fence agent name (`fence_…`). */
export const FENCE_AGENT = /^fence_[a-z0-9_]+$/;
/** A fence action (e.g. `reboot`, `off`): lowercase letters. */
export const FENCE_ACTION = /^[a-z]+$/;
/** A file system type (e.g. `ext4`, `xfs`): lowercase letters and digits. */
export const FSTYPE = /^[a-z0-9]+$/;
/** A control character anywhere in a value (newlines would split a script). */
export const CONTROL_CHARACTER = /\p{Cc}/u;

// ---------------------------------------------------------------------------------------------
// Predicates

/** True for an RFC 1123 host label: 1–63 characters, lowercase letters, digits and inner hyphens. */
export function isHostLabel(name: string): boolean {
  return name.length <= 63 && HOST_LABEL.test(name);
}

/** True for a cluster resource id: a host label that starts with a letter (CIB ids are XML ids). */
export function isResourceId(name: string): boolean {
  return name.length <= 63 && RESOURCE_ID.test(name);
}

/** True for a MAC address written as six lowercase or uppercase hex octets separated by `:`. */
export function isMac(mac: string): boolean {
  return MAC.test(mac.toLowerCase());
}

/** True for an absolute path other than `/` without `..` components or whitespace. */
export function isAbsolutePath(path: string): boolean {
  return ABSOLUTE_PATH.test(path) && path !== "/" && !path.split("/").includes("..");
}

/** True when a path has a `.` or `..` segment. */
function hasDotSegment(path: string): boolean {
  return path.split("/").some((s) => s === "." || s === "..");
}

/** True for a {@link LAB_PATH} without `.` or `..` segments (e.g. `/gldata00/pgsql`). */
export function isLabPath(path: string): boolean {
  return LAB_PATH.test(path) && !hasDotSegment(path);
}

/** True for a {@link DEVICE_PATH} without `.` or `..` segments (e.g. `/dev/vdb`). */
export function isDevicePath(path: string): boolean {
  return DEVICE_PATH.test(path) && !hasDotSegment(path);
}

/** True for a {@link PAGE_PATH} without `..` segments (e.g. `haCheker/haCheck.html`). */
export function isPagePath(path: string): boolean {
  return PAGE_PATH.test(path) && !path.split("/").includes("..");
}

/** True for a dotted-quad IPv4 address or a {@link HOST_NAME}. */
export function isHostNameOrIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined || HOST_NAME.test(text);
}
