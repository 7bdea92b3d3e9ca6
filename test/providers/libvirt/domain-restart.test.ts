/**
 * A running domain's restart for new settings: the member's drain and rejoin scripts and the clean
 * shutdown run for real against fake pcs, crm_mon, crm_node and virsh; one restart at a time.
 */
import {
  DRAINED,
  drainScript,
  oneAtATime,
  rejoinScript,
  SETTLE_SECONDS,
  shutdownScript,
  START_SECONDS,
} from "../../../providers/libvirt/domain-restart";
import { USER_ERROR_EXIT } from "../../../providers/exec/node-exec";
import { fakeBin, logOf, removeTempDirs, runWithFakes } from "../../support/bash";
import { URI } from "../../fixtures/lab";
import { serialiseAndRevive } from "../../support/serialised";
import { libvirtDomainProvider } from "../../../providers/libvirt/libvirt-domain";

afterEach(removeTempDirs);

/** `crm_node -l` of a two-node cluster with node02h's state `peer`. */
const members = (peer: string) => `echo "1 node01h member"; echo "2 node02h ${peer}"`;

describe("the member's drain", () => {
  test("a node whose cluster does not run is left alone: `idle`, no pcs", () => {
    const fake = fakeBin({ crm_mon: "exit 102", crm_node: members("member"), pcs: "" }, { sandbox: true });
    const r = runWithFakes(fake, drainScript("node01h"), "");
    expect([r.status, r.stdout.trim()]).toEqual([0, "idle"]);
    expect(logOf(fake)).toEqual(["crm_mon -1"]);
  });

  test("every member online: standby waiting for the groups to move, then its cluster stopped", () => {
    const fake = fakeBin({ crm_mon: "", crm_node: members("member"), pcs: "" }, { sandbox: true });
    const r = runWithFakes(fake, drainScript("node01h"), "");
    expect([r.status, r.stdout.trim()]).toEqual([0, DRAINED]);
    expect(logOf(fake)).toEqual([
      "crm_mon -1",
      "crm_node -l",
      `pcs node standby node01h --wait=${SETTLE_SECONDS}`,
      "pcs cluster stop",
    ]);
  });

  test("refused while another member is not online, naming it: two members down at once is an outage", () => {
    const fake = fakeBin({ crm_mon: "", crm_node: members("lost"), pcs: "" }, { sandbox: true });
    const r = runWithFakes(fake, drainScript("node01h"), "");
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stderr).toContain("node01h is not restarted while other members are not online (node02h )");
    expect(r.stderr).toContain("Fix: bring them back");
    expect(logOf(fake).filter((l) => l.startsWith("pcs"))).toEqual([]);
  });

  test("the groups not moved in time: fails before the cluster is stopped", () => {
    const fake = fakeBin(
      { crm_mon: "", crm_node: members("member"), pcs: '[ "$1" != node ] || exit 1' },
      { sandbox: true },
    );
    const r = runWithFakes(fake, drainScript("node01h"), "");
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stderr).toContain(`node01h: its service groups did not move away within ${SETTLE_SECONDS} s`);
    expect(logOf(fake)).not.toContain("pcs cluster stop");
  });
});

describe("the member's rejoin", () => {
  test("its cluster started, waiting, then its standby lifted", () => {
    const fake = fakeBin({ pcs: "" }, { sandbox: true });
    const r = runWithFakes(fake, rejoinScript("node02h"), "");
    expect(r.status).toBe(0);
    expect(logOf(fake)).toEqual([
      `pcs cluster start --wait=${START_SECONDS}`,
      `pcs node unstandby node02h --wait=${SETTLE_SECONDS}`,
    ]);
  });

  test("a cluster that does not start: fails naming the node, standby left as it is", () => {
    const fake = fakeBin({ pcs: '[ "$1" != cluster ] || exit 1' }, { sandbox: true });
    const r = runWithFakes(fake, rejoinScript("node02h"), "");
    expect(r.status).toBe(USER_ERROR_EXIT);
    expect(r.stderr).toContain(
      `node02h: its cluster did not start within ${START_SECONDS} s after the restart`,
    );
    expect(logOf(fake)).toHaveLength(1);
  });
});

describe("the clean shutdown", () => {
  /** A fake virsh whose domstate says `running` for the first `polls` calls, then `shut off`. */
  const virsh = (polls: number) => `
n=$(cat "$FAKE_ROOT/polls" 2>/dev/null || echo 0)
case " $* " in
  *" domstate "*) echo $((n + 1)) > "$FAKE_ROOT/polls"; if [ "$n" -lt ${polls} ]; then echo running; else echo "shut off"; fi; echo ;;
esac`;

  test("ACPI shutdown, polled until the domain is off: never destroyed", () => {
    const fake = fakeBin({ virsh: virsh(2) }, { sandbox: true });
    const r = runWithFakes(fake, shutdownScript(URI, "dev-node02", 60), "");
    expect([r.status, r.stdout]).toEqual([0, ""]);
    const poll = `virsh -q -c ${URI} domstate dev-node02`;
    expect(logOf(fake)).toEqual([
      `virsh -q -c ${URI} shutdown dev-node02`,
      poll,
      "sleep 2",
      poll,
      "sleep 2",
      poll,
    ]);
  });

  test("a domain that does not stop in time is destroyed, and the script says so", () => {
    const fake = fakeBin({ virsh: virsh(1000) }, { sandbox: true });
    const r = runWithFakes(fake, shutdownScript(URI, "dev-node02", 0), "");
    expect([r.status, r.stdout.trim()]).toEqual([0, "did not shut down within 0 s: destroyed"]);
    expect(logOf(fake)).toEqual([
      `virsh -q -c ${URI} shutdown dev-node02`,
      `virsh -q -c ${URI} destroy dev-node02`,
    ]);
  });
});

describe("one restart at a time", () => {
  test("a second restart starts only when the first has ended, also when the first failed", async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const first = oneAtATime("domain a", async () => {
      events.push("a starts");
      await new Promise<void>((resolve) => (release = resolve));
      events.push("a fails");
      throw new Error("a failed");
    });
    const second = oneAtATime("domain b", async () => {
      events.push("b starts");
      return "b done";
    });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["a starts"]);
    release();
    await expect(first).rejects.toThrow("a failed");
    await expect(second).resolves.toBe("b done");
    expect(events).toEqual(["a starts", "a fails", "b starts"]);
  });
});

describe("as the engine runs it: serialised and revived", () => {
  test("the queue still orders restarts (a module-level Promise did not survive serialisation)", async () => {
    const { revived } = await serialiseAndRevive({ oneAtATime });
    const events: string[] = [];
    let release: () => void = () => undefined;
    const first = revived.oneAtATime("domain a", async () => {
      events.push("a starts");
      await new Promise<void>((resolve) => (release = resolve));
      events.push("a ends");
    });
    const second = revived.oneAtATime("domain b", async () => {
      events.push("b starts");
    });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["a starts"]);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(["a starts", "a ends", "b starts"]);
  });

  test("LibvirtDomain serialises without secrets and revives as itself", async () => {
    const { revived, containsSecrets } = await serialiseAndRevive(libvirtDomainProvider);
    expect(containsSecrets).toBe(false);
    expect(revived.kind).toBe("LibvirtDomain");
  });
});
