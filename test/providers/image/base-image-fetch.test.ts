/**
 * The BaseImageFetch provider (a cloud image downloaded into the image cache) against the fake KVM
 * host (test/support/fake-lab.ts), driven as the engine drives it: check → create, read → diff →
 * update, delete. Every script runs for real against a fake curl and qemu-img
 * (test/fixtures/fake-tools.ts) with the image cache moved into the host's sandbox; each command of
 * the fetch fails in turn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeMachine, forReal, lab, on, scripts, type FakeMachine } from "../../support/fake-lab";
import type { Props } from "../../../providers/core/base";
import {
  baseImageFetchProvider,
  fetchedImagePath,
  fetchScript,
} from "../../../providers/image/base-image-fetch";
import { IMAGE_CACHE_DIR } from "../../../providers/image/image-build-script";
import { addFakes, bashSyntaxCheck, failingTool } from "../../support/bash";
import {
  checked,
  failedProperties,
  failureOf,
  named,
  readsPresentThenGone,
} from "../../support/provider-driver";
import { HOST } from "../../fixtures/lab";
import { CURL, fakeImage, QEMU_IMG } from "../../fixtures/fake-tools";

const p = baseImageFetchProvider;
const URL = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2";
const raw = named({ host: HOST, url: URL }, "dev-image-fetch");
const IMAGE = fetchedImagePath(URL);
const DISK = fakeImage("qcow2", 2 * 1024 ** 3);

describe("BaseImageFetch provider", () => {
  /** The KVM host: curl serves the image; every script runs there for real. */
  let host: FakeMachine;
  beforeEach(() => {
    host = fakeMachine({ ...CURL, ...QEMU_IMG }, { paths: [IMAGE_CACHE_DIR], reads: ["/proc"] });
    host.state("download", DISK);
    on(/curl -fSL/, forReal(host));
    on(/^test -f /, forReal(host));
  });

  /** What the cache holds of this image: the image and any partial download. */
  const cached = () => {
    const dir = host.at(path.dirname(IMAGE));
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  };

  test("fetchedImagePath: keyed by the URL, named after its file; the script is valid bash", () => {
    expect(IMAGE).toMatch(
      new RegExp(`^${IMAGE_CACHE_DIR}/fetched-[0-9a-f]{24}/debian-12-generic-amd64\\.qcow2$`),
    );
    expect(fetchedImagePath(`${URL}?x=1`)).not.toBe(IMAGE);
    bashSyntaxCheck(fetchScript(URL));
  });

  test("check refuses a URL that is not http(s) or ftp, naming url", async () => {
    expect(await failedProperties(p, { ...raw, url: "file:///srv/image.qcow2" })).toEqual(["url"]);
  });

  test("create downloads the image into the cache (mode 0644), no partial file left; the id is its path", async () => {
    const { id, outs } = await p.create(await checked(p, raw));
    expect(id).toBe(IMAGE);
    expect(outs).toMatchObject({ imagePath: IMAGE, kernelPath: "", initrdPath: "" });
    expect(host.read(IMAGE)).toBe(DISK);
    expect(fs.statSync(host.at(IMAGE)).mode & 0o777).toBe(0o644);
    expect(cached()).toEqual([path.basename(IMAGE)]);
    expect(host.log()).toEqual([
      `curl -fSL --retry 3 -o ${IMAGE}.part ${URL}`,
      `qemu-img info --output=json ${IMAGE}.part`,
    ]);
    expect(lab.calls[0].opts.timeoutSeconds).toBe(3600);
  });

  test("an image already cached (and a disk image) is not downloaded again", async () => {
    host.write(IMAGE, DISK);
    await p.create(await checked(p, raw));
    expect(host.log()).toEqual([`qemu-img info --output=json ${IMAGE}`]);
  });

  /** The download as curl serves it: bytes (a raw disk, a web page). */
  const serves = (content: Buffer | string) =>
    fs.writeFileSync(path.join(host.fake.root, "state", "download"), content);
  /** A raw disk of 1 MiB with a partition table: the boot signature 55 aa at byte 510. */
  const rawDisk = () => {
    const disk = Buffer.alloc(1024 * 1024);
    disk[510] = 0x55;
    disk[511] = 0xaa;
    return disk;
  };
  const NOT_AN_IMAGE =
    `${URL} is not a disk image (qemu-img cannot read it, or reads it as raw and it has no partition table: a web page, an archive?). ` +
    "Fix: give the URL of a cloud disk image (qcow2 or raw, e.g. Debian's debian-12-genericcloud-amd64.qcow2)";

  test("a raw disk image (qemu-img: raw, with a partition table) is kept", async () => {
    serves(rawDisk());
    await p.create(await checked(p, raw));
    expect(fs.readFileSync(host.at(IMAGE)).equals(rawDisk())).toBe(true);
  });

  test.each<[string, string | Buffer]>([
    [
      "a web page (qemu-img takes it for raw)",
      "<!DOCTYPE html>\n<html><body>Moved</body></html>\n".repeat(20),
    ],
    ["a raw file of a disk's size without a partition table (an archive)", Buffer.alloc(1024 * 1024, 0x1f)],
  ])("%s is refused with the fix; nothing cached", async (_what, content) => {
    serves(content);
    const err = await failureOf(p.create(await checked(p, raw)));
    expect(err.message).toMatch(/^BaseImageFetch "dev-image-fetch": create failed: /);
    expect(err.message).toContain(NOT_AN_IMAGE);
    expect(cached()).toEqual([]);
  });

  test("a cached file that is not a disk image (kept by an earlier version) is fetched again", async () => {
    host.write(IMAGE, "<html>404</html>\n");
    await p.create(await checked(p, raw));
    expect(host.read(IMAGE)).toBe(DISK);
    expect(host.log()).toContain(`curl -fSL --retry 3 -o ${IMAGE}.part ${URL}`);
  });

  test.each<[string, (host: FakeMachine) => void, string]>([
    ["a 404", (h) => h.state("curl", "404"), "curl: (22) The requested URL returned error: 404"],
    [
      "a download cut short",
      (h) => h.state("curl", "partial"),
      "curl: (18) transfer closed with 1048476 bytes remaining to read",
    ],
    ["an unknown host", (h) => h.state("curl", "unresolved"), "curl: (6) Could not resolve host"],
  ])(
    "%s: the create fails naming the resource, the URL and the fix; nothing left in the cache",
    async (_label, breakIt, curlSays) => {
      breakIt(host);
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(/^BaseImageFetch "dev-image-fetch": create failed: /);
      expect(err.message).toContain(curlSays);
      expect(err.message).toContain(
        `could not download ${URL}. Fix: check the URL and that this host reaches it, or set image.source to build`,
      );
      expect(cached()).toEqual([]);
    },
  );

  test.each<[string, Record<string, string>, string]>([
    [
      "qemu-img (not a disk image)",
      {
        "qemu-img": `echo "qemu-img: Could not open 'debian.qcow2': Image is not in qcow2 format" >&2; exit 1`,
      },
      NOT_AN_IMAGE,
    ],
    [
      "mkdir",
      { mkdir: failingTool("mkdir", "mkdir: cannot create directory: Read-only file system") },
      "Read-only file system",
    ],
    [
      "chmod",
      { chmod: failingTool("chmod", "chmod: changing permissions: Operation not permitted") },
      "Operation not permitted",
    ],
    ["mv", { mv: failingTool("mv", "mv: cannot move: No space left on device") }, "No space left on device"],
  ])(
    "%s failing: the create fails naming the resource; no image, no partial file",
    async (_tool, tools, says) => {
      addFakes(host.fake, tools);
      const err = await failureOf(p.create(await checked(p, raw)));
      expect(err.message).toMatch(/^BaseImageFetch "dev-image-fetch": create failed: .*exit code 1/);
      expect(err.message).toContain(says);
      expect(cached()).toEqual([]);
    },
  );

  test("a partial file of an earlier run does not count as the image: it is downloaded again", async () => {
    fs.mkdirSync(host.at(path.dirname(IMAGE)), { recursive: true });
    fs.writeFileSync(host.at(`${IMAGE}.part`), "fake-image qc");
    await p.create(await checked(p, raw));
    expect(host.read(IMAGE)).toBe(DISK);
    expect(cached()).toEqual([path.basename(IMAGE)]);
  });

  test("read: present while the image is cached; gone → present false → the update fetches it again", async () => {
    const inputs = await checked(p, raw);
    const { id, props } = await readsPresentThenGone(p, inputs, () => fs.rmSync(host.at(IMAGE)));
    expect(scripts().filter((s) => s.startsWith("test "))).toEqual([`test -f ${IMAGE}`, `test -f ${IMAGE}`]);
    await p.update(id, props, inputs);
    expect(host.read(IMAGE)).toBe(DISK);
  });

  test("a new URL replaces the resource (another cache entry)", async () => {
    const inputs = await checked(p, raw);
    const { outs } = await p.create(inputs);
    expect(await p.diff(IMAGE, outs as Props, { ...inputs, url: `${URL}.new` })).toMatchObject({
      replaces: ["url"],
    });
  });

  test("delete leaves the shared cache alone and runs nothing", async () => {
    const { id, outs } = await p.create(await checked(p, raw));
    lab.calls = [];
    await p.delete(id, outs as Props);
    expect(lab.calls).toEqual([]);
    expect(host.read(IMAGE)).toBe(DISK);
  });
});
