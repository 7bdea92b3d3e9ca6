import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { BaseImageSpec } from "../../spec/types";
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

/** Arguments of {@link BaseImage}. */
export interface BaseImageArgs {
  /** How the image is obtained (`build`, `path`, `url`) and what goes in it. */
  image: BaseImageSpec;
  /** The KVM host the image lives on (libvirt URI and state directory). */
  host: HostEndpoint;
}

/**
 * The base image the node volumes are layered over. `build` debootstraps Debian (12 by default)
 * with {@link LAB_PACKAGES} on the host, cached by a content key; `url` fetches a cloud image on a
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
            packages: [...new Set([...LAB_PACKAGES, ...image.extraPackages])],
            sizeGiB: image.sizeGiB,
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
