/** Checks of the base image. */
import { DEBIAN_PACKAGE, DEBIAN_SUITE, HTTP_URL, isAbsolutePath } from "../patterns";
import { Problems, type Problem } from "../problems";
import type { LabSpec } from "../types";
import { QUOTED } from "./common";

/** Base image: where it comes from. */
export function checkImage(spec: LabSpec): Problem[] {
  const out = new Problems();
  const img = spec.image;
  out.need(
    img.source !== "path" || (img.location !== undefined && isAbsolutePath(img.location)),
    "image.location",
    "source path needs the absolute path of an image file on the host",
    "set image.location to e.g. /var/lib/libvirt/images/debian-12.qcow2",
  );
  out.need(
    img.source !== "url" || (img.location !== undefined && HTTP_URL.test(img.location)),
    "image.location",
    "source url needs an http(s) URL",
    "set image.location to the image's URL (e.g. https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2)",
  );
  out.need(
    img.source !== "build" || img.location === undefined,
    "image.location",
    "location is not used when source is build",
    "remove image.location, or set image.source to path or url",
  );
  out.need(
    HTTP_URL.test(img.mirror),
    "image.mirror",
    `${QUOTED(img.mirror)} is not an http(s) URL`,
    "use a Debian mirror URL such as http://deb.debian.org/debian",
  );
  out.need(
    DEBIAN_SUITE.test(img.suite),
    "image.suite",
    `${QUOTED(img.suite)} is not a suite name`,
    "use e.g. bookworm",
  );
  img.extraPackages.forEach((pkg, i) => {
    out.need(
      DEBIAN_PACKAGE.test(pkg),
      `image.extraPackages[${i}]`,
      `${QUOTED(pkg)} is not a Debian package name`,
      "write one package name per entry, in lowercase (e.g. lighttpd)",
    );
  });
  return out.list;
}
