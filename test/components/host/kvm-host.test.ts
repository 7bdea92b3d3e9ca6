/** The KVM host's resources in the default lab's graph (components/host/kvm-host.ts), under Pulumi mocks. */
import { DYN, get, plain, withDefaultLab } from "../../support/pulumi-mocks";

const built = withDefaultLab();

describe("key inputs of the default lab", () => {
  test("host: HostPrep gets the endpoint and the daemon settings only; HostSshd the fence access", () => {
    const { spec } = built;
    const prep = get("dev-host-prep").inputs;
    expect(prep).toEqual({
      host: { libvirtUri: "qemu:///system", stateDir: spec.host.stateDir },
      daemon: spec.host.daemon,
      requestedDomainType: "auto",
    });
    for (const gone of ["sshAddress", "sshPort", "sshUser", "fenceAuthorizedKey"])
      expect(prep).not.toHaveProperty(gone);

    const sshd = get("dev-host-sshd");
    expect(sshd.type).toBe(`${DYN}HostSshd`);
    expect(sshd.inputs).toMatchObject({
      host: { libvirtUri: "qemu:///system", stateDir: spec.host.stateDir },
      daemon: spec.host.daemon,
      address: "192.168.8.1",
      port: 22,
      user: "root",
      fenceDomains: ["halab-node01", "halab-node02"],
    });
    expect(plain(sshd.inputs.fenceAuthorizedKey)).toMatch(/^ssh-ed25519 \S+ halab-fence$/);
  });
});
