/**
 * The NodeReady provider against the fake lab (test/support/fake-lab.ts: its `runRemote`), driven
 * as the engine drives it: check → create, read. The readiness probe and the read run for real on
 * a fake booting node (fake `hostname` and `cloud-init`, test/fixtures/fake-tools.ts) with
 * cloud-init's result.json, the seed's completion marker and the kernel's boot id moved into its
 * sandbox: a node that answers as another host, a seed that failed, a node that never answers.
 */
import * as path from "node:path";
import { FAKE_HOST_KEY, fakeMachine, forReal, lab, on, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { nodeReadyProvider, readinessProbe } from "../../../providers/node/node-ready";
import { CLOUD_INIT_DONE_MARKER } from "../../../providers/node/cloud-init";
import { bashSyntaxCheck } from "../../support/bash";
import {
  checked,
  failedProperties,
  failureOf,
  IN_PLACE,
  named,
  NO_DIFF,
} from "../../support/provider-driver";
import { nodeAccess, PROGRAM_KEY } from "../../fixtures/lab";
import { cloudInitResult, NODE_BOOT_TOOLS } from "../../fixtures/fake-tools";

const p = nodeReadyProvider;
const N1 = nodeAccess(1);
/** The domain UUID a NodeReady stored before it took the node's identity only (its id and an input then). */
const UUID = "5d1d0c6e-0000-4000-8000-000000000001";
const raw = named(
  {
    node: N1,
    hostKey: `${FAKE_HOST_KEY} host@node01`,
    sshPrivateKey: PROGRAM_KEY,
    hostname: "node01",
    timeoutSeconds: 10,
  },
  "dev-node01-ready",
);
const RESULT_JSON = "/run/cloud-init/result.json";
const BOOT_ID = "/proc/sys/kernel/random/boot_id";

/** node01 as it boots: its host name, cloud-init's result (none: still running), the marker. */
function node01(
  s: { hostname?: string; errors?: string[]; done?: boolean; marker?: boolean } = {},
): FakeMachine {
  const node = fakeMachine(NODE_BOOT_TOOLS, {
    paths: [path.dirname(RESULT_JSON), CLOUD_INIT_DONE_MARKER, BOOT_ID],
  });
  node.env.FAKE_RESULT_JSON = node.at(RESULT_JSON);
  node.state("hostname", `${s.hostname ?? "node01"}\n`);
  node.write(BOOT_ID, "0b7c1e2a-5f4d-4c3b-9a8e-7d6c5b4a3f21\n");
  if (s.done !== false) node.write(RESULT_JSON, cloudInitResult(s.errors));
  if (s.marker !== false) node.write(CLOUD_INIT_DONE_MARKER, "");
  on(/[\s\S]*/, forReal(node), N1.address);
  return node;
}

describe("NodeReady provider", () => {
  test("check wants at least 10 s to wait, naming timeoutSeconds; the probe is valid bash", async () => {
    expect(await failedProperties(p, { ...raw, timeoutSeconds: 5 })).toEqual(["timeoutSeconds"]);
    bashSyntaxCheck(readinessProbe(60));
  });

  test("create: the node answers as itself, with its own host key and the seed applied → its boot id", async () => {
    node01();
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe(`node01@${N1.address}`);
    expect(outs).toMatchObject({ bootId: "0b7c1e2a-5f4d-4c3b-9a8e-7d6c5b4a3f21" });
    expect(lab.connects).toEqual([N1.address]);
  });

  test("create: a machine with another host key on the address → refused at once (never trusted), naming the fix", async () => {
    node01();
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnotherMachine host@node01";
    const started = Date.now();
    const err = await failureOf(p.create(await checked(p, { ...raw, hostKey: other })));
    expect(err.message).toMatch(
      /^NodeReady "dev-node01-ready": create failed: 192\.168\.8\.121 presents another SSH host key than node01's \(ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKey\)\. Fix: another machine holds this address/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lab.calls).toEqual([]);
  });

  test("check: the host key must be an ed25519 public key", async () => {
    expect(await failedProperties(p, { ...raw, hostKey: "ssh-rsa AAAAB3Nza" })).toEqual(["hostKey"]);
  });

  test("create: another machine answers on the address (host-name mismatch) → fails at once naming both", async () => {
    node01({ hostname: "node02" });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toBe(
      'NodeReady "dev-node01-ready": create failed: 192.168.8.121 answers as "node02", expected "node01". ' +
        "Fix: another machine holds this address — check the lab's address plan and running VMs",
    );
    expect(lab.calls).toHaveLength(1);
  });

  const FAILED_SEED =
    /^NodeReady "dev-node01-ready": create failed: node01: cloud-init finished with errors or without applying the seed: /;
  const SEED_FIX =
    "Fix: read /var/log/cloud-init.log on the node (virsh console) for the cause, then run `pulumi up` again";

  test("create: cloud-init finished with errors and without the seed's marker → fails with cloud-init's errors", async () => {
    node01({
      errors: ["('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))"],
      marker: false,
    });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(new RegExp(`${FAILED_SEED.source}status: error\\n`));
    expect(err.message).toContain(
      "errors:\n\t- ('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))",
    );
    expect(err.message.endsWith(SEED_FIX)).toBe(true);
    expect(lab.calls).toHaveLength(1);
  });

  test("create: cloud-init reported errors although the seed's marker is there → fails with them (not ready)", async () => {
    // A module failed (the host key, the time sync …) while runcmd still made the marker.
    node01({ errors: ["('ntp', RuntimeError('No package chrony available'))"] });
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(new RegExp(`${FAILED_SEED.source}status: error\\n`));
    expect(err.message).toContain("errors:\n\t- ('ntp', RuntimeError('No package chrony available'))");
    expect(err.message.endsWith(SEED_FIX)).toBe(true);
  });

  test("the probe: cloud-init still running when the wait ends → exit 4 (not ready yet), not a failed seed", () => {
    const node = node01({ done: false, marker: false });
    const script = readinessProbe(0);
    expect(forReal(node)(script, { where: N1.address, script, opts: {} })).toEqual({
      stdout: "",
      stderr: "cloud-init had not finished\n",
      code: 4,
    });
  });

  test("create: cloud-init not finished by the deadline → fails after timeoutSeconds saying so, with the fix", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    try {
      on(/cloud-init/, { code: 4, stderr: "cloud-init had not finished\n" }, N1.address);
      const create = failureOf(p.create(await checked(p, raw)));
      await jest.advanceTimersByTimeAsync(15_000);
      const err = await create;
      expect(err.message).toBe(
        'NodeReady "dev-node01-ready": create failed: node01 did not become ready on 192.168.8.121 within 10 s (last: cloud-init had not finished). ' +
          "Fix: look at the VM's console (virsh console), or raise timeouts.bootSeconds; then run `pulumi up` again",
      );
    } finally {
      jest.useRealTimers();
    }
  });

  test("create: a node that never answers → fails after timeoutSeconds with the last error and the fix", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    try {
      lab.down = [N1.address];
      const create = failureOf(p.create(await checked(p, raw)));
      await jest.advanceTimersByTimeAsync(15_000);
      const err = await create;
      expect(err.message).toMatch(
        /^NodeReady "dev-node01-ready": create failed: node01 did not become ready on 192\.168\.8\.121 within 10 s \(last: ssh root@192\.168\.8\.121:22: connection failed/,
      );
      expect(err.message).toContain(
        "Fix: look at the VM's console (virsh console), or raise timeouts.bootSeconds",
      );
      expect(lab.connects.length).toBeGreaterThan(1);
      expect(lab.calls).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  describe("read", () => {
    const stored = async (): Promise<Props> => ({
      ...(await checked(p, raw)),
      bootId: "old-boot",
    });

    test("a node that answers: reachable, its current boot id, no drift", async () => {
      node01();
      const read = await p.read(`node01@${UUID}`, await stored());
      expect(read.props).toMatchObject({ reachable: true, bootId: "0b7c1e2a-5f4d-4c3b-9a8e-7d6c5b4a3f21" });
      expect((await p.diff("x", read.props as Props, await checked(p, raw))).changes).toBe(false);
      // One slow handshake of a loaded node is no drift: the read retries the connection.
      expect(lab.calls).toHaveLength(1);
      expect(lab.calls[0]?.opts.retries).toBeGreaterThanOrEqual(2);
      expect(lab.calls[0]?.opts.timeoutSeconds).toBeGreaterThanOrEqual(30);
    });

    test("state that holds the domain's UUID as an input is no change (nor a replacement)", async () => {
      const olds = { ...(await stored()), domainUuid: UUID };
      expect(await p.diff(`node01@${UUID}`, olds, await checked(p, raw))).toEqual(NO_DIFF);
    });

    test("an unreachable node: reachable false (drift the next up waits for), not an error", async () => {
      lab.down = [N1.address];
      const read = await p.read(`node01@${UUID}`, await stored());
      expect(read.id).toBe(`node01@${UUID}`);
      expect(read.props).toMatchObject({ reachable: false, bootId: "old-boot" });
      expect(await p.diff("x", read.props as Props, await checked(p, raw))).toEqual(IN_PLACE);
      expect(lab.calls).toEqual([]);
    });

    test("a machine with another host key at the node's address: not the node (reachable false); the up then refuses it", async () => {
      node01();
      const olds = { ...(await stored()), hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnotherMachine" };
      const read = await p.read(`node01@${UUID}`, olds);
      expect(read.props).toMatchObject({ reachable: false, bootId: "old-boot" });
      expect(lab.calls).toEqual([]);
      const err = await failureOf(p.update("x", olds, { ...(await checked(p, raw)), hostKey: olds.hostKey }));
      expect(err.message).toMatch(/presents another SSH host key than node01's/);
    });

    test("the update waits again and records the node's state", async () => {
      node01();
      const { outs } = await p.update("x", await stored(), await checked(p, raw));
      expect(outs).toMatchObject({ bootId: "0b7c1e2a-5f4d-4c3b-9a8e-7d6c5b4a3f21", reachable: true });
    });
  });
});
