/**
 * The BaseImageBuild provider (the cached Debian image) against the fake KVM host
 * (test/support/fake-lab.ts), driven as the engine drives it.
 */
import { lab, on, scripts } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import { baseImageBuildProvider } from "../../../providers/image/base-image-build";
import {
  builtImagePaths,
  imageContentKey,
  renderImageBuildScript,
} from "../../../providers/image/image-build-script";
import { checked, IN_PLACE, named } from "../../support/provider-driver";
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
    const { id, outs } = await p.create(inputs);
    const marker = `${builtImagePaths(normalised).dir}/complete`;
    lab.calls = [];
    expect((await p.read(id, outs as Props)).props).toMatchObject({ present: true });
    expect(scripts()).toEqual([`test -f ${marker}`]);

    on(/^test -f /, { code: 1 });
    const read = await p.read(id, outs as Props);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ present: false });
    expect(await p.diff(id, read.props as Props, inputs)).toEqual(IN_PLACE);
    lab.calls = [];
    await p.update(id, read.props as Props, inputs);
    expect(scripts()).toEqual([renderImageBuildScript(normalised)]);
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
    expect(await diff({})).toMatchObject({ changes: false });
  });

  test("delete leaves the shared cache alone", async () => {
    const inputs = await checked(p, raw);
    const { id, outs } = await p.create(inputs);
    lab.calls = [];
    await p.delete(id, outs as Props);
    expect(scripts()).toEqual([]);
  });
});
