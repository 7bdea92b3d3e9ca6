/**
 * The NodeVolume provider (a qcow2 overlay on the base image) against the fake KVM host
 * (test/support/fake-lab.ts), driven as the engine drives it. The create script (it reads the
 * base image's format and size from `qemu-img info`) and the delete run for real against a fake
 * qemu-img (test/fixtures/fake-tools.ts) with the state directory and the image cache moved into
 * the host's sandbox; the read's one `qemu-img info` is answered by rules.
 */
import { fakeMachine, forget, forReal, lab, on, scripts, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { createVolumeScript, nodeVolumeProvider } from "../../../providers/libvirt/node-volume";
import { bashSyntaxCheck } from "../../support/bash";
import { checked, failureOf, named } from "../../support/provider-driver";
import { escapeRegExp } from "../../support/virsh";
import { HOST, STATE_DIR } from "../../fixtures/lab";
import { fakeImage, QEMU_IMG } from "../../fixtures/fake-tools";
import { IMAGE_CACHE_DIR } from "../../../providers/image/image-build-script";

describe("NodeVolume provider", () => {
  const p = nodeVolumeProvider;
  const BASE = "/var/cache/kvm-ha-lab/images/bookworm-abc/disk.qcow2";
  const PATH = `${STATE_DIR}/volumes/dev-node01.qcow2`;
  const GIB = 1024 ** 3;
  const raw = named(
    { host: HOST, name: "dev-node01.qcow2", baseImagePath: BASE, sizeGiB: 8 },
    "dev-node01-volume",
  );

  /** The KVM host with the base image (none: missing); the create and delete scripts run there for real. */
  function kvmHost(base?: string): FakeMachine {
    const host = fakeMachine(QEMU_IMG, { paths: [STATE_DIR, IMAGE_CACHE_DIR] });
    if (base !== undefined) host.write(BASE, base);
    on(/qemu-img create /, forReal(host));
    on(/^rm -f /, forReal(host));
    return host;
  }

  test("create, run for real: the overlay has the base's format and the larger of both sizes", async () => {
    const host = kvmHost(fakeImage("qcow2", 2 * GIB));
    await p.create(await checked(p, raw));
    expect(host.outside(host.read(PATH) ?? "")).toBe(fakeImage("qcow2", 8 * GIB, BASE));
    expect(host.read(`${PATH}.tmp`)).toBeUndefined();

    // A base image larger than asked for: the overlay is as large as the base.
    forget();
    const large = kvmHost(fakeImage("raw", 10 * GIB));
    await p.create(await checked(p, raw));
    expect(large.outside(large.read(PATH) ?? "")).toBe(fakeImage("qcow2", 10 * GIB, BASE));
    expect(large.log()).toContain(`qemu-img create -q -f qcow2 -F raw -b ${BASE} ${PATH}.tmp ${10 * GIB}`);
  });

  test("create without the base image: fails naming it, no volume", async () => {
    const host = kvmHost();
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(/^NodeVolume "dev-node01-volume": create failed: /);
    expect(err.message).toContain(`base image ${BASE} does not exist`);
    expect(host.read(PATH)).toBeUndefined();
  });

  test("create: a qcow2 overlay with -b <base> and -F <its format>, at least the requested size", async () => {
    kvmHost(fakeImage("qcow2", 2 * GIB));
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(PATH);
    expect(outs.path).toBe(PATH);
    expect(scripts()).toHaveLength(1);
    const script = scripts()[0];
    expect(script).toMatch(
      new RegExp(
        `qemu-img create -q -f qcow2 -F "\\$fmt" -b ${escapeRegExp(BASE).source} ${escapeRegExp(PATH).source}\\.tmp "\\$want"`,
      ),
    );
    expect(script).toContain(`want=$((8 * ${GIB}))`);
    expect(script).toContain(`mv -f ${PATH}.tmp ${PATH}`);
    expect(lab.calls[0].opts.timeoutSeconds).toBe(120);
    expect(script).toBe(createVolumeScript(inputs as Parameters<typeof createVolumeScript>[0]));
    bashSyntaxCheck(script);
  });

  test("read returns gone (empty id) when qemu-img info fails", async () => {
    on(/qemu-img info/, { code: 1, stderr: "qemu-img: Could not open: No such file or directory" });
    const olds = { ...(await checked(p, raw)), path: PATH };
    expect(await p.read(PATH, olds)).toEqual({ id: "", props: {} });
    expect(lab.calls[0].opts.okExitCodes).toEqual([0, 1]);
  });

  test("read reports the live backing file; a different one replaces the volume", async () => {
    on(/qemu-img info/, {
      stdout: JSON.stringify({ "virtual-size": 8 * GIB, "backing-filename": "/srv/old/disk.qcow2" }),
    });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ baseImagePath: "/srv/old/disk.qcow2", sizeGiB: 8 });
    expect(await p.diff(PATH, read.props as Props, inputs)).toEqual({
      changes: true,
      replaces: ["baseImagePath"],
      deleteBeforeReplace: true,
    });
  });

  test("a volume grown to a larger base image's size still counts as the requested size (no drift)", async () => {
    on(/qemu-img info/, { stdout: JSON.stringify({ "virtual-size": 10 * GIB, "backing-filename": BASE }) });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ sizeGiB: 8, baseImagePath: BASE });
    expect((await p.diff(PATH, read.props as Props, inputs)).changes).toBe(false);
  });

  test("a volume smaller than requested is drift (replaced)", async () => {
    on(/qemu-img info/, { stdout: JSON.stringify({ "virtual-size": 4 * GIB, "backing-filename": BASE }) });
    const inputs = await checked(p, raw);
    const read = await p.read(PATH, { ...inputs, path: PATH });
    expect(read.props).toMatchObject({ sizeGiB: 4 });
    expect((await p.diff(PATH, read.props as Props, inputs)).replaces).toEqual(["sizeGiB"]);
  });

  test("delete removes the file", async () => {
    const host = kvmHost(fakeImage("qcow2", 2 * GIB));
    host.write(PATH, fakeImage("qcow2", 8 * GIB, BASE));
    await p.delete(PATH, { ...(await checked(p, raw)), path: PATH });
    expect(scripts()).toEqual([`rm -f ${PATH}`]);
    expect(host.read(PATH)).toBeUndefined();
    expect(host.read(BASE)).toBe(fakeImage("qcow2", 2 * GIB));
  });
});
