/**
 * The BaseImageBuild provider (the cached Debian image) against the fake KVM host
 * (test/support/fake-lab.ts), driven as the engine drives it. The builder (debootstrap, loop
 * devices, mounts: test/providers/image/image-build-script.test.ts checks it) is answered by a rule
 * that leaves the image and its marker in the cache; the read's marker test runs for real on the
 * host with the image cache moved into its sandbox.
 */
import * as fs from "node:fs";
import { exactly, fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { baseImageBuildProvider } from "../../../providers/image/base-image-build";
import {
  builtImagePaths,
  IMAGE_CACHE_DIR,
  IMAGE_FILES,
  IMAGE_INTACT,
  imageContentKey,
  RECORD_IMAGE,
  renderImageBuildScript,
} from "../../../providers/image/image-build-script";
import { checked, failedProperties, named, readsPresentThenGone } from "../../support/provider-driver";
import { HOST } from "../../fixtures/lab";

describe("BaseImageBuild provider", () => {
  const p = baseImageBuildProvider;
  const raw = named(
    {
      host: HOST,
      suite: "bookworm",
      mirror: "http://deb.debian.org/debian",
      packages: ["systemd-sysv", "openssh-server", "cloud-init", "openssh-server"],
      sizeGiB: 4,
    },
    "dev-image-build",
  );
  const normalised = {
    suite: "bookworm",
    mirror: "http://deb.debian.org/debian",
    packages: ["cloud-init", "openssh-server", "systemd-sysv"],
    sizeGiB: 4,
  };

  const dir = builtImagePaths(normalised).dir;
  const marker = `${dir}/complete`;
  /** The read's probe. */
  const READ = /\nimage_intact \S+$/;

  /**
   * The KVM host: the builder leaves the image's files in the cache and records them in the marker
   * (its `record_image`, run for real); the read's `image_intact` runs for real.
   */
  let host: FakeMachine;
  beforeEach(() => {
    host = fakeMachine({}, { paths: [IMAGE_CACHE_DIR] });
    on(exactly(renderImageBuildScript(normalised)), (_script, call) => {
      fs.rmSync(host.at(dir), { recursive: true, force: true });
      for (const file of IMAGE_FILES) host.write(`${dir}/${file}`, `${file} of the image\n`);
      return forReal(host)(`${RECORD_IMAGE}\nrecord_image ${dir}`, call);
    });
    on(READ, forReal(host));
  });

  test("check sorts and de-duplicates the packages and rejects bad ones, naming them", async () => {
    expect(await checked(p, raw)).toMatchObject({ ...normalised, present: true });
    const r = await p.check({}, { ...raw, packages: ["ok", "Bad Name"], sizeGiB: 1, mirror: "ftp://x" });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["mirror", "packages[1]", "sizeGiB"]);
  });

  test("create runs the rendered builder; the id is the content key", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    const key = imageContentKey(normalised);
    const paths = builtImagePaths(normalised);
    expect(id).toBe(key);
    expect(outs).toMatchObject({
      contentKey: key,
      imagePath: paths.imagePath,
      kernelPath: paths.kernelPath,
      initrdPath: paths.initrdPath,
    });
    expect(scripts()).toEqual([renderImageBuildScript(normalised)]);
    expect(lab.calls[0].opts.timeoutSeconds).toBe(3600);
    expect(typeof lab.calls[0].opts.onStderrLine).toBe("function");
  });

  test("read: present while the complete marker exists; gone marker → present false → rebuild in place", async () => {
    const inputs = await checked(p, raw);
    const { id, props } = await readsPresentThenGone(p, inputs, () => fs.rmSync(host.at(marker)));
    expect(scripts().slice(1)).toEqual([
      `${IMAGE_INTACT}\nimage_intact ${dir}`,
      `${IMAGE_INTACT}\nimage_intact ${dir}`,
    ]);
    lab.calls = [];
    await p.update(id, props, inputs);
    expect(scripts()).toEqual([renderImageBuildScript(normalised)]);
  });

  test.each<[string, () => void]>([
    ["the disk truncated", () => fs.truncateSync(host.at(`${dir}/disk.qcow2`), 3)],
    ["the kernel removed", () => fs.rmSync(host.at(`${dir}/vmlinuz`))],
    [
      "the initrd replaced by another",
      () => host.write(`${dir}/initrd.img`, "another initrd, longer than it was\n"),
    ],
    ["versions.txt emptied", () => host.write(`${dir}/versions.txt`, "")],
  ])("read: the marker kept but %s → present false → rebuilt in place", async (_label, damage) => {
    const inputs = await checked(p, raw);
    const { id, props } = await readsPresentThenGone(p, inputs, damage);
    expect(host.read(marker)).toBe(IMAGE_FILES.map((f) => `${`${f} of the image\n`.length} ${f}\n`).join(""));
    await p.update(id, props, inputs);
    expect((await p.read(id, props)).props).toMatchObject({ present: true });
  });

  test("the builder's cache check is the read's: a damaged entry is built again, an intact one is not", () => {
    const script = renderImageBuildScript(normalised);
    expect(script).toContain(
      `${IMAGE_INTACT}\n\nif image_intact "$out"; then step "cached: $out"; exit 0; fi`,
    );
    expect(script).toContain(
      'if image_intact "$out"; then step "cached: $out (built by a concurrent run)"; exit 0; fi\n',
    );
  });

  test("a new mirror updates in place; suite, packages or size replace (a new cache entry)", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    const diff = (change: Props) => p.diff("k", outs as Props, { ...inputs, ...change });
    expect(await diff({ mirror: "http://ftp.de.debian.org/debian" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff({ suite: "trixie" })).toMatchObject({ replaces: ["suite"] });
    expect(await diff({ packages: ["cloud-init"] })).toMatchObject({ replaces: ["packages"] });
    expect(await diff({ sizeGiB: 6 })).toMatchObject({ replaces: ["sizeGiB"] });
    expect(await diff({ kernel: "generic" })).toMatchObject({ replaces: ["kernel"] });
    expect(await diff({})).toMatchObject({ changes: false });
  });

  test("a kernel flavour other than generic is refused by name; none given is the cloud image", async () => {
    expect(await failedProperties(p, { ...raw, kernel: "cloud" })).toEqual(["kernel"]);
    expect(await checked(p, raw)).not.toHaveProperty("kernel");
  });

  test("delete leaves the shared cache alone", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    lab.calls = [];
    await p.delete(id, outs as Props);
    expect(scripts()).toEqual([]);
  });
});
