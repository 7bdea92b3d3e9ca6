/**
 * The delete of a libvirt domain or network (providers/libvirt/virsh.ts `virshRemove`, the delete
 * of LibvirtDomain and LibvirtNetwork) against the fake KVM host's virsh (test/support/virsh.ts):
 * the object's state read first, every virsh failure reported.
 */
import { lab, on } from "../../support/fake-lab";
import { virshRemove } from "../../../providers/libvirt/virsh";
import { failureOf } from "../../support/provider-driver";
import { DAEMON_DOWN, notFound, virshCall, virshRuns } from "../../support/virsh";
import { URI } from "../../fixtures/lab";

/** net-info as virsh prints it. */
const netInfo = (active: "yes" | "no") =>
  `Name:           dev-service\nUUID:           0f3c\nActive:         ${active}\nPersistent:     yes\nAutostart:      yes\nBridge:         virbr-kv0\n`;

const KINDS = [
  {
    kind: "domain" as const,
    name: "dev-node01",
    info: "domstate",
    active: "running\n",
    inactive: "shut off\n",
    stop: "destroy",
    undefine: "undefine",
  },
  {
    kind: "network" as const,
    name: "dev-service",
    info: "net-info",
    active: netInfo("yes"),
    inactive: netInfo("no"),
    stop: "net-destroy",
    undefine: "net-undefine",
  },
];

describe.each(KINDS)("virshRemove: a $kind", (k) => {
  const remove = () => virshRemove(URI, k.kind, k.name);
  const answer = (subcommand: string, reply: Parameters<typeof on>[1]) =>
    on(virshCall(subcommand, k.name), reply);

  test("active: stopped, then undefined", async () => {
    answer(k.info, { stdout: k.active });
    answer(k.stop, {});
    answer(k.undefine, {});
    await remove();
    expect(virshRuns()).toEqual([`${k.info} ${k.name}`, `${k.stop} ${k.name}`, `${k.undefine} ${k.name}`]);
  });

  test("inactive: undefined only", async () => {
    answer(k.info, { stdout: k.inactive });
    answer(k.undefine, {});
    await remove();
    expect(virshRuns()).toEqual([`${k.info} ${k.name}`, `${k.undefine} ${k.name}`]);
  });

  test("gone (libvirt says so): nothing else runs, no failure", async () => {
    answer(k.info, notFound(k.kind, k.name));
    await expect(remove()).resolves.toBeUndefined();
    expect(virshRuns()).toEqual([`${k.info} ${k.name}`]);
  });

  test("gone once stopped (a transient one): the undefine finding nothing is no failure", async () => {
    answer(k.info, { stdout: k.active });
    answer(k.stop, {});
    answer(k.undefine, notFound(k.kind, k.name));
    await expect(remove()).resolves.toBeUndefined();
  });

  test("libvirtd not answering: the delete fails with the fix (the old one read it as gone)", async () => {
    answer(k.info, DAEMON_DOWN);
    const err = await failureOf(remove());
    expect(err.message).toBe(
      `libvirtd does not answer at ${URI}: ${k.kind} ${k.name} cannot be removed. ` +
        "Fix: start libvirtd (systemctl start libvirtd, or `pulumi up` when the lab manages it), then run pulumi destroy again",
    );
    expect(virshRuns()).toEqual([`${k.info} ${k.name}`]);
  });

  test("the stop failing: the delete fails with virsh's words; nothing undefined (a running one would stay, transient)", async () => {
    answer(k.info, { stdout: k.active });
    answer(k.stop, {
      code: 1,
      stderr: `error: Failed to destroy ${k.kind} '${k.name}'\nerror: Failed to terminate process 4242 with SIGKILL: Device or resource busy\n`,
    });
    const err = await failureOf(remove());
    expect(err.message).toContain("Failed to terminate process 4242 with SIGKILL: Device or resource busy");
    expect(virshRuns()).toEqual([`${k.info} ${k.name}`, `${k.stop} ${k.name}`]);
  });

  test("the undefine failing: the delete fails with virsh's words", async () => {
    answer(k.info, { stdout: k.inactive });
    answer(k.undefine, {
      code: 1,
      stderr: `error: Failed to undefine ${k.kind} '${k.name}'\nerror: Permission denied\n`,
    });
    const err = await failureOf(remove());
    expect(err.message).toContain(`error: Failed to undefine ${k.kind} '${k.name}'`);
    expect(lab.calls).toHaveLength(2);
  });
});
