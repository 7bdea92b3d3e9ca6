/**
 * BaseImageBuild: the lab's Debian image built on the host by the rendered builder script
 * (providers/image/image-build-script.ts), into a content-addressed cache: the id is the cache key
 * (builder version, suite, package list, size, kernel flavour), so unchanged inputs never rebuild — neither in this
 * stack nor in another one on the same host — and a changed list builds a new image next to the old.
 *
 * The cache is shared by every lab on the host, like a package cache: deleting the resource leaves
 * the image there for the next stack (`scripts/image-cache.sh` lists and prunes it). `read` reports
 * whether the cached files are still there as built (`image_intact`: the marker, each file, the
 * sizes the marker records); when they are not the next `up` builds them again.
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { labKind } from "../core/kind";
import {
  builtImagePaths,
  IMAGE_INTACT,
  imageContentKey,
  normalisedPackages,
  renderImageBuildScript,
} from "./image-build-script";
import { shellQuote } from "../exec/ssh";

/** A cold build takes ~2 min on this project's machines; allow for slow mirrors. */
const BUILD_TIMEOUT_SECONDS = 3600;

const schema = () =>
  z.object({
    host: hostField(),
    suite: z.string().regex(/^[a-z][a-z0-9-]*$/, "suite must be a Debian suite name (e.g. bookworm)"),
    mirror: z.string().regex(/^https?:\/\/\S+$/, "mirror must be an http(s) URL of a Debian mirror"),
    /** Every package of the image (the lab's own list plus the extra ones). */
    packages: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, "must be a Debian package name"))
      .min(1, "packages must not be empty")
      .transform(normalisedPackages),
    sizeGiB: z.number().int().min(2, "sizeGiB must be at least 2").max(64, "sizeGiB must be at most 64"),
    /** The kernel flavour, given only when not the cloud default (a cloud image's inputs are as before). */
    kernel: z.enum(["generic"]).optional(),
    /** Desired: the image files exist as built (read sets false when the entry is gone or changed). */
    present: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a BaseImageBuild, as its schema takes them (fields with a default are optional). */
export type BaseImageBuildInputs = z.input<ReturnType<typeof schema>>;

/** Paths of a bootable base image on the host (what every image kind returns). */
export interface ImageFiles {
  imagePath: string;
  /** Kernel for direct kernel boot; empty when the image boots with its own boot loader. */
  kernelPath: string;
  /** Initrd for direct kernel boot; empty when the image boots with its own boot loader. */
  initrdPath: string;
}

/** Outputs of a BaseImageBuild. */
export interface BaseImageBuildOutputs extends ImageFiles {
  /** Hash of everything that shapes the image: the cache key. */
  contentKey: string;
}

async function build(inputs: Inputs): Promise<BaseImageBuildOutputs> {
  const paths = builtImagePaths(inputs);
  progress(`image: ${inputs.suite} with ${inputs.packages.length} packages → ${paths.dir}`);
  await runOnHost(renderImageBuildScript(inputs), {
    timeoutSeconds: BUILD_TIMEOUT_SECONDS,
    onStderrLine: (line) => {
      if (line.startsWith("image: ")) progress(line);
    },
  });
  return {
    imagePath: paths.imagePath,
    kernelPath: paths.kernelPath,
    initrdPath: paths.initrdPath,
    contentKey: imageContentKey(inputs),
  };
}

/** The BaseImageBuild provider. */
export const baseImageBuildProvider = defineProvider({
  kind: "BaseImageBuild",
  schema,
  // A different image is a different cache entry: every shaping input replaces.
  forceNew: ["host", "suite", "packages", "sizeGiB", "kernel"],
  async create(inputs) {
    const outs = await build(inputs);
    return { id: outs.contentKey, outs };
  },
  async read(_id, olds) {
    const dir = builtImagePaths(olds).dir;
    const { code } = await runOnHost(`${IMAGE_INTACT}\nimage_intact ${shellQuote(dir)}`, {
      okExitCodes: [0, 1],
    });
    return { present: code === 0 };
  },
  async update(_id, _olds, news) {
    // The mirror changed, or the cached files were removed: (re)build; a cached entry returns at once.
    return build(news);
  },
});

/** The lab's base image, built on the host and cached by content. */
export const BaseImageBuild = labKind<BaseImageBuildInputs, BaseImageBuildOutputs>(baseImageBuildProvider, {
  outputs: { imagePath: true, kernelPath: true, initrdPath: true, contentKey: true },
});
export type BaseImageBuild = InstanceType<typeof BaseImageBuild>;
