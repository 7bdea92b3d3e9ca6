/**
 * The lab sshd_config of the KVM host, rendered for the default lab. Compared byte for byte with
 * its golden file under test/golden/; after an intended change, regenerate it with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/host/sshd-config.test.ts
 *
 * and review the diff before committing it.
 */
import { renderSshdConfig, sshdPaths, type SshdConfigInput } from "../../../providers/host/sshd-config";
import { expectGolden } from "../../support/golden";
import { dev as spec } from "../../fixtures/default-lab";

const sshdInput: SshdConfigInput = {
  address: spec.host.address,
  port: spec.host.sshPort,
  user: spec.host.sshUser,
  dir: `${spec.host.stateDir}/sshd`,
};

describe("sshd_config", () => {
  const config = renderSshdConfig(sshdInput);

  test("matches the golden file (default lab)", () => {
    expectGolden("sshd_config-dev", config);
  });

  test("listens only on the management address, keys only, everything under its own directory", () => {
    const lines = config.trimEnd().split("\n");
    const p = sshdPaths(sshdInput.dir);
    expect(lines).toContain("ListenAddress 192.168.8.1:22");
    expect(lines).toContain(`HostKey ${p.hostKey}`);
    expect(lines).toContain(`PidFile ${p.pidFile}`);
    expect(lines).toContain(`AuthorizedKeysFile ${p.authorizedKeysDir}/%u`);
    expect(lines).toContain(`AllowUsers ${spec.host.sshUser}`);
    expect(lines).toContain("PasswordAuthentication no");
    expect(lines).toContain("AllowTcpForwarding no");
    expect(lines.filter((l) => l.startsWith("ListenAddress"))).toHaveLength(1);
    expect(p.fenceShell).toBe(`${sshdInput.dir}/fence-shell`);
  });

  test.each<[string, Partial<SshdConfigInput>, RegExp]>([
    ["a host name as address", { address: "kvmhost01" }, /"kvmhost01" is not an IPv4 address/],
    ["an IPv6 address", { address: "::1" }, /"::1" is not an IPv4 address/],
    ["a truncated address", { address: "192.168.8" }, /"192\.168\.8" is not an IPv4 address/],
    ["an octet out of range", { address: "192.168.8.300" }, /"192\.168\.8\.300" is not an IPv4 address/],
    ["an address with a newline", { address: "192.168.8.1\nPermitRootLogin yes" }, /is not an IPv4 address/],
    ["port 0", { port: 0 }, /port 0 is not in 1–65535/],
    ["port 65536", { port: 65536 }, /port 65536 is not in 1–65535/],
    ["a user with a space", { user: "root admin" }, /"root admin" is not a user name/],
  ])("rejects %s, naming the field", (_label, change, message) => {
    expect(() => renderSshdConfig({ ...sshdInput, ...change })).toThrow(message);
  });
});
