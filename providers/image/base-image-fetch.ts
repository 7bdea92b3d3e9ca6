/**
 * BaseImageFetch: a cloud image (Debian, Rocky, Alma …) downloaded on a connected host into the
 * same content cache as built images, keyed by the URL. The image boots with its own boot loader
 * (no kernel/initrd). The download goes to a temporary file first and is renamed when complete, so
 * an interrupted fetch never looks finished. Downloads leave from `KVMLAB_MIRROR_NETNS` when set
 * (the lab scripts' own namespace), like the image builder's.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { labKind } from "../core/kind";
import type { ImageFiles } from "./base-image-build";
import { IMAGE_CACHE_DIR, OUTSIDE_NETNS_PREFIX } from "./image-build-script";
import { shellQuote } from "../exec/ssh";

const FETCH_TIMEOUT_SECONDS = 3600;

/** Where the image of `url` is cached. */
export function fetchedImagePath(url: string): string {
  const key = createHash("sha256").update(url).digest("hex").slice(0, 24);
  const base =
    url
      .split("/")
      .pop()
      ?.replace(/[^A-Za-z0-9_.-]/g, "_") || "image";
  return `${IMAGE_CACHE_DIR}/fetched-${key}/${base}`;
}

/**
 * The fetch script: download (curl, with retries) unless cached; keep it only when it is a disk
 * image. qemu-img takes any file it does not recognise for a raw image (an HTML error page, an
 * archive), so a raw one must also have a partition table (the boot signature 55 aa at byte 510,
 * which an MBR and a GPT's protective MBR both have). A cached file that is not a disk image (kept
 * by an earlier version of this check) is fetched again. The download goes to `<image>.part`,
 * renamed when complete; a failure at any step removes it.
 */
export function fetchScript(url: string): string {
  const path = fetchedImagePath(url);
  return `path=${shellQuote(path)}
is_disk_image() {
  local fmt
  fmt=$(qemu-img info --output=json "$1" | sed -n 's/^    "format": "\\(.*\\)",*$/\\1/p') || return 1
  [ -n "$fmt" ] || return 1
  [ "$fmt" != raw ] || [ "$(od -An -tx1 -j510 -N2 "$1" | tr -d ' \\n')" = 55aa ]
}
if [ -f "$path" ]; then
  if is_disk_image "$path"; then exit 0; fi
  echo "the cached $path is not a disk image: fetching it again" >&2
  rm -f "$path"
fi
mkdir -p "$(dirname "$path")"
${OUTSIDE_NETNS_PREFIX}
tmp="$path.part"
trap 'rm -f "$tmp"' EXIT
"\${net[@]}" curl -fSL --retry 3 -o "$tmp" ${shellQuote(url)} ||
  { echo "could not download ${url}. Fix: check the URL and that this host reaches it, or set image.source to build" >&2; exit 1; }
is_disk_image "$tmp" ||
  { echo "${url} is not a disk image (qemu-img cannot read it, or reads it as raw and it has no partition table: a web page, an archive?). Fix: give the URL of a cloud disk image (qcow2 or raw, e.g. Debian's debian-12-genericcloud-amd64.qcow2)" >&2; exit 1; }
chmod 0644 "$tmp"
mv -f "$tmp" "$path"`;
}

const schema = () =>
  z.object({
    host: hostField(),
    url: z.string().regex(/^(https?|ftp):\/\/\S+$/, "url must be an http(s) or ftp URL of a cloud image"),
    /** Desired: the image file exists (read sets false when it is gone). */
    present: z.boolean().default(true),
  });

/** Inputs of a BaseImageFetch, as its schema takes them (fields with a default are optional). */
export type BaseImageFetchInputs = z.input<ReturnType<typeof schema>>;

/** The BaseImageFetch provider. */
export const baseImageFetchProvider = defineProvider({
  kind: "BaseImageFetch",
  render: (inputs) => ({ fetch: fetchScript(inputs.url) }),
  schema,
  forceNew: ["host", "url"],
  async create(inputs) {
    progress(`image: fetching ${inputs.url}`);
    await runOnHost(fetchScript(inputs.url), { timeoutSeconds: FETCH_TIMEOUT_SECONDS });
    const imagePath = fetchedImagePath(inputs.url);
    return { id: imagePath, outs: { imagePath, kernelPath: "", initrdPath: "" } };
  },
  async read(_id, olds) {
    const { code } = await runOnHost(`test -f ${shellQuote(fetchedImagePath(olds.url))}`, {
      okExitCodes: [0, 1],
    });
    return { present: code === 0 };
  },
  async update(_id, _olds, news) {
    await runOnHost(fetchScript(news.url), { timeoutSeconds: FETCH_TIMEOUT_SECONDS });
    return { imagePath: fetchedImagePath(news.url), kernelPath: "", initrdPath: "" };
  },
});

/** A cloud image fetched on the host. */
export const BaseImageFetch = labKind<BaseImageFetchInputs, ImageFiles>(baseImageFetchProvider, {
  outputs: { imagePath: true, kernelPath: true, initrdPath: true },
});
export type BaseImageFetch = InstanceType<typeof BaseImageFetch>;
