/**
 * The base-image builder script and its content key, rendered for the default lab
 * (`parseLabSpec({ name: "dev" })`). The script is compared byte for byte with its golden file
 * under test/golden/; after an intended change, regenerate it with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/image/image-build-script.test.ts
 *
 * and review the diff before committing it. The script is also syntax-checked with `bash -n`.
 */
import { createHash } from "node:crypto";
import { LAB_PACKAGES, labPackages } from "../../../components/image/base-image";
import {
  IMAGE_BUILDER_VERSION,
  IMAGE_CACHE_DIR,
  builtImagePaths,
  imageContentKey,
  normalisedPackages,
  renderImageBuildScript,
  type ImageBuildInput,
} from "../../../providers/image/image-build-script";
import { bashSyntaxCheck } from "../../support/bash";
import { expectGolden } from "../../support/golden";
import { dev as spec } from "../../fixtures/default-lab";

const imageInput: ImageBuildInput = {
  suite: "bookworm",
  mirror: "http://deb.debian.org/debian",
  packages: LAB_PACKAGES,
  sizeGiB: 4,
};

describe("base-image build script", () => {
  const script = renderImageBuildScript(imageInput);

  test("the default lab's image input is what the spec defaults say", () => {
    expect([spec.image.suite, spec.image.mirror, spec.image.sizeGiB]).toEqual([
      imageInput.suite,
      imageInput.mirror,
      imageInput.sizeGiB,
    ]);
  });

  test("matches the golden file (bookworm, lab packages, 4 GiB)", () => {
    expectGolden("image-build-bookworm.sh", script);
  });

  test("is valid bash (bash -n)", () => {
    bashSyntaxCheck(script);
  });

  test("is pure, and carries the sorted package list, mirror, suite, size and cache directory", () => {
    expect(renderImageBuildScript(imageInput)).toBe(script);
    const paths = builtImagePaths(imageInput);
    expect(paths.dir).toBe(`${IMAGE_CACHE_DIR}/bookworm-${imageContentKey(imageInput)}`);
    expect(paths.imagePath).toBe(`${paths.dir}/disk.qcow2`);
    expect(script).toContain(`out=${paths.dir}\n`);
    expect(script).toContain(`packages=(${[...LAB_PACKAGES].sort().join(" ")})\n`);
    expect(script).toContain("mirror=http://deb.debian.org/debian\n");
    expect(script).toContain("suite=bookworm\n");
    expect(script).toContain('"$work/disk.raw" 4G\n');
    expect(script).toContain(`builder v${IMAGE_BUILDER_VERSION} `);
    // The finished marker is written last, and the result appears by one rename.
    expect(script.indexOf('record_image "$work"')).toBeLessThan(script.indexOf('mv "$work" "$out"'));
    expect(script.indexOf('chmod 0644 "$work/disk.qcow2"')).toBeLessThan(
      script.indexOf('record_image "$work"'),
    );
    const elsewhere = renderImageBuildScript({ ...imageInput, cacheDir: "/srv/cache" });
    expect(elsewhere).toContain(`out=/srv/cache/bookworm-${imageContentKey(imageInput)}\n`);
  });

  test("services of the cluster are not started at boot", () => {
    expect(script).toContain(
      "for unit in pacemaker.service corosync.service postgresql.service tgt.service; do",
    );
  });
});

describe("imageContentKey", () => {
  const key = imageContentKey(imageInput);

  test("is a 24-hex-digit sha256 over builder version, suite, sorted unique packages and size", () => {
    expect(key).toMatch(/^[0-9a-f]{24}$/);
    const hash = (builder: string) =>
      createHash("sha256")
        .update(
          JSON.stringify({
            builder,
            suite: "bookworm",
            packages: normalisedPackages(LAB_PACKAGES),
            sizeGiB: 4,
          }),
        )
        .digest("hex")
        .slice(0, 24);
    expect(key).toBe(hash(IMAGE_BUILDER_VERSION));
    // A new builder version is a new key (so a changed builder never reuses an old image).
    expect(hash(`${IMAGE_BUILDER_VERSION}.next`)).not.toBe(key);
  });

  test("changes with the suite, the package set and the size", () => {
    expect(imageContentKey({ ...imageInput, suite: "trixie" })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, "htop"] })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, packages: LAB_PACKAGES.slice(1) })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, sizeGiB: 5 })).not.toBe(key);
  });

  test("the cloud kernel keeps the key it had before flavours; the generic kernel is a key of its own", () => {
    expect(imageContentKey({ ...imageInput, kernel: "cloud" })).toBe(key);
    expect(labPackages("cloud")).toEqual([...LAB_PACKAGES]);
    const generic = { ...imageInput, packages: labPackages("generic"), kernel: "generic" as const };
    expect(generic.packages).toContain("linux-image-amd64");
    expect(generic.packages).not.toContain("linux-image-cloud-amd64");
    expect(imageContentKey(generic)).not.toBe(key);
    // The flavour itself is part of the key, not only its package.
    expect(imageContentKey(generic)).not.toBe(imageContentKey({ ...generic, kernel: undefined }));
  });

  test("the generic kernel's build checks OCFS2's modules; a cloud build's script is unchanged", () => {
    expect(renderImageBuildScript({ ...imageInput, kernel: "cloud" })).toBe(
      renderImageBuildScript(imageInput),
    );
    const script = renderImageBuildScript({
      ...imageInput,
      packages: labPackages("generic"),
      kernel: "generic",
    });
    expect(script).toContain("for mod in ocfs2 ocfs2_stack_o2cb ocfs2_dlm ocfs2_dlmfs ocfs2_nodemanager; do");
    expect(() => renderImageBuildScript({ ...imageInput, kernel: "rt" as "cloud" })).toThrow(
      'image build: kernel "rt" must be cloud or generic',
    );
  });

  test("does not change with the mirror, the package order, duplicates or blanks", () => {
    expect(imageContentKey({ ...imageInput, mirror: "http://ftp.de.debian.org/debian" })).toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES].reverse() })).toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, ...LAB_PACKAGES.slice(0, 3)] })).toBe(
      key,
    );
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, " "] })).toBe(key);
    expect(imageContentKey({ ...imageInput, cacheDir: "/srv/cache" })).toBe(key);
  });

  test("the mirror changes the script but not where the image lands", () => {
    const other = { ...imageInput, mirror: "http://ftp.de.debian.org/debian" };
    expect(renderImageBuildScript(other)).not.toBe(renderImageBuildScript(imageInput));
    expect(builtImagePaths(other)).toEqual(builtImagePaths(imageInput));
  });
});

describe("base-image build script rejects what cannot go into a script safely", () => {
  test.each<[string, Partial<ImageBuildInput>, RegExp]>([
    ["a package name with a space", { packages: ["openssh-server", "bad pkg"] }, /"bad pkg".*package name/],
    ["a package name with shell syntax", { packages: ["vim;reboot"] }, /"vim;reboot".*package name/],
    ["an upper-case package name", { packages: ["Vim"] }, /"Vim".*package name/],
    [
      "a mirror that is not http(s)",
      { mirror: "ftp://deb.debian.org/debian" },
      /mirror "ftp:.*http\(s\) URL/,
    ],
    ["a mirror with a quote", { mirror: "http://x/'; reboot; '" }, /mirror .*http\(s\) URL/],
    ["a suite with shell syntax", { suite: "bookworm;id" }, /suite "bookworm;id"/],
    ["a size below 2 GiB", { sizeGiB: 1 }, /sizeGiB 1 must be an integer from 2 to 64/],
    ["a size above 64 GiB", { sizeGiB: 65 }, /sizeGiB 65 must be an integer from 2 to 64/],
    ["a fractional size", { sizeGiB: 4.5 }, /sizeGiB 4\.5 must be an integer/],
  ])("%s", (_label, change, message) => {
    expect(() => renderImageBuildScript({ ...imageInput, ...change })).toThrow(message);
  });
});
