/** Checks of the KVM host. */
import { LAB_USER_NAME, LIBVIRT_URI } from "../patterns";
import { Problems, type Problem } from "../problems";
import type { LabSpec } from "../types";
import { DEFAULT_STATE_ROOT } from "../defaults";
import { QUOTED, checkHostAddress, exampleLabName, networkByRole } from "./common";
import { checkLabPath } from "./paths";

/** The KVM host: libvirt URI, address (must be the management gateway), state directory, user. */
export function checkHost(spec: LabSpec): Problem[] {
  const out = new Problems();
  const h = spec.host;
  out.need(
    LIBVIRT_URI.test(h.libvirtUri),
    "host.libvirtUri",
    `${QUOTED(h.libvirtUri)} is not a libvirt URI`,
    "use a URI such as qemu:///system or qemu+ssh://root@kvm01/system",
  );
  const stateExample = `${DEFAULT_STATE_ROOT}/${exampleLabName(spec)}`;
  const state = checkLabPath("host.stateDir", h.stateDir, "state directory", "directory", stateExample);
  out.add(...state);
  // The host's preparation refuses a top-level directory (it sets the state directory's mode).
  out.need(
    state.length > 0 || h.stateDir.split("/").length > 2,
    "host.stateDir",
    `${h.stateDir} is a top-level directory: the host makes the state directory the lab's own (mode 0711)`,
    `use a directory below one (e.g. ${stateExample})`,
  );
  out.need(
    LAB_USER_NAME.test(h.sshUser),
    "host.sshUser",
    `${QUOTED(h.sshUser)} is not a valid user name`,
    "use a POSIX user name such as root",
  );
  const mgmt = networkByRole(spec, "management");
  if (mgmt) {
    const p = checkHostAddress("host.address", h.address, mgmt, "host address", true);
    out.add(...p);
    out.need(
      p.length > 0 || h.address === mgmt.net.gateway,
      "host.address",
      `host address ${h.address} differs from networks[${mgmt.index}].gateway (${mgmt.net.gateway}), the host's address on the management bridge`,
      `set host.address to ${mgmt.net.gateway}, or set networks[${mgmt.index}].gateway to ${h.address}`,
    );
  }
  return out.list;
}
