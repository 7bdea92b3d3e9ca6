import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { BaseImageSpec, KernelFlavour } from "../../spec/types";
import { BaseImageBuild, type ImageFiles } from "../../providers/image/base-image-build";
import { BaseImageFetch } from "../../providers/image/base-image-fetch";
import { hostEndpoint, type HostEndpoint } from "../../providers/core/endpoints";

/**
 * Packages every lab image holds on top of debootstrap's minbase (ENVIRONMENT.md): kernel, init,
 * SSH, cloud-init, the HA stack, shared storage, the sample application and time sync.
 */
export const LAB_PACKAGES: readonly string[] = [
  "linux-image-cloud-amd64",
  "systemd-sysv",
  "openssh-server",
  "cloud-init",
  "ifupdown",
  "iproute2",
  "sudo",
  "chrony",
  "iputils-ping",
  "pacemaker",
  "corosync",
  "pcs",
  "fence-agents",
  "resource-agents",
  "glusterfs-server",
  "open-iscsi",
  "tgt",
  "postgresql",
  "ldirectord",
  "ipvsadm",
  "ocfs2-tools",
];

/** The kernel package of each flavour (the cloud one is {@link LAB_PACKAGES}' own). */
export const KERNEL_PACKAGES: Readonly<Record<KernelFlavour, string>> = {
  cloud: "linux-image-cloud-amd64",
  generic: "linux-image-amd64",
};

/**
 * The lab's package list with the flavour's kernel: {@link LAB_PACKAGES} itself for the cloud
 * flavour (the same list, so the same image key as before flavours existed).
 */
export function labPackages(kernel: KernelFlavour): string[] {
  return LAB_PACKAGES.map((p) => (p === KERNEL_PACKAGES.cloud ? KERNEL_PACKAGES[kernel] : p));
}

/** Arguments of {@link BaseImage}. */
export interface BaseImageArgs {
  /** How the image is obtained (`build`, `path`, `url`) and what goes in it. */
  image: BaseImageSpec;
  /** The KVM host the image lives on (libvirt URI and state directory). */
  host: HostEndpoint;
}

/**
 * The base image the node volumes are layered over. `build` debootstraps Debian (12 by default)
 * with {@link LAB_PACKAGES} (and the kernel of `image.kernel`) on the host, cached by a content key; `url` fetches a cloud image on a
 * connected host; `path` uses an image already on the host (booted by its own boot loader).
 */
export class BaseImage extends pulumi.ComponentResource {
  /** Path of the image file on the host. */
  public readonly imagePath: pulumi.Output<string>;
  /** Kernel for direct kernel boot ("" when the image boots by itself). */
  public readonly kernelPath: pulumi.Output<string>;
  /** Initrd for direct kernel boot ("" when the image boots by itself). */
  public readonly initrdPath: pulumi.Output<string>;

  constructor(name: string, args: BaseImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:image:BaseImage", name, {}, opts);
    const { image } = args;
    const host = hostEndpoint(args.host);

    let files: { [K in keyof ImageFiles]: pulumi.Output<string> };
    switch (image.source) {
      case "build":
        files = new BaseImageBuild(
          `${name}-build`,
          {
            host,
            suite: image.suite,
            mirror: image.mirror,
            packages: [...new Set([...labPackages(image.kernel), ...image.extraPackages])],
            sizeGiB: image.sizeGiB,
            // Given only for a flavour other than cloud: a cloud image's inputs stay as they were.
            ...(image.kernel !== "cloud" ? { kernel: image.kernel } : {}),
          },
          childOptions(this, opts),
        );
        break;
      case "url":
        files = new BaseImageFetch(
          `${name}-fetch`,
          { host, url: image.location ?? "" },
          childOptions(this, opts),
        );
        break;
      case "path":
        files = {
          imagePath: pulumi.output(image.location ?? ""),
          kernelPath: pulumi.output(""),
          initrdPath: pulumi.output(""),
        };
        break;
    }

    this.imagePath = files.imagePath;
    this.kernelPath = files.kernelPath;
    this.initrdPath = files.initrdPath;
    this.registerOutputs({
      imagePath: this.imagePath,
      kernelPath: this.kernelPath,
      initrdPath: this.initrdPath,
    });
  }
}
