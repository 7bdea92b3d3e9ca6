/**
 * The HostSshd provider (the lab's sshd on the KVM host for fencing) against the fake KVM host
 * (test/support/fake-lab.ts): its converge scripts, create and check.
 */
import { on } from "../../support/fake-lab";
import { hostSshdProvider, hostSshdScript } from "../../../providers/host/host-sshd";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, named } from "../../support/provider-driver";
import { HOST, STATE_DIR } from "../../fixtures/lab";

describe("HostSshd provider", () => {
  const p = hostSshdProvider;
  const FENCE_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFenceKeyForTestsOnly dev-fence";
  const raw = named(
    {
      host: HOST,
      daemon: "managed",
      address: "192.168.8.1",
      port: 22,
      user: "root",
      fenceAuthorizedKey: FENCE_PUBLIC_KEY,
      fenceDomains: ["dev-node02", "dev-node01"],
    },
    "dev-host-sshd",
  );

  test("the converge scripts (managed and external) are valid bash with the restricted key line", async () => {
    const inputs = (await checked(p, raw)) as Parameters<typeof hostSshdScript>[0];
    for (const script of [hostSshdScript(inputs), hostSshdScript({ ...inputs, daemon: "external" })]) {
      bashSyntaxCheck(script);
      expect(script).toContain(`restrict,pty,command="${STATE_DIR}/sshd/fence-shell" ${FENCE_PUBLIC_KEY}`);
      expect(script).toContain("domains=(dev-node01 dev-node02)");
    }
    expect(hostSshdScript(inputs)).toContain("ListenAddress 192.168.8.1:22");
  });

  test("create returns the host key; the id is address:port", async () => {
    on(/KVMLAB_FENCE_SHELL/, { stdout: "ssh-ed25519 AAAAhostkey kvmlab-host\n" });
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe("192.168.8.1:22");
    expect(outs.sshHostKey).toBe("ssh-ed25519 AAAAhostkey");
  });

  test("check rejects a fence domain list that is empty and a key that is not one ed25519 line", async () => {
    const r = await p.check(
      {},
      {
        ...raw,
        fenceDomains: [],
        fenceAuthorizedKey: `${FENCE_PUBLIC_KEY}\nssh-rsa AAAA x`,
      },
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["fenceAuthorizedKey", "fenceDomains"]);
  });
});
