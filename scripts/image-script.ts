/**
 * Prints the base-image builder script for the default lab image (the same renderer the
 * BaseImageBuild provider runs), optionally into another cache directory:
 *
 *   npx ts-node --transpile-only scripts/image-script.ts [CACHE_DIR] | bash
 *
 * Used by scripts/bench.sh to time a cold and a cached build without touching the real cache.
 */
import { LAB_PACKAGES } from "../components/image/base-image";
import { renderImageBuildScript } from "../providers/image/image-build-script";

const cacheDir = process.argv[2];
process.stdout.write(
  "set -euo pipefail\n" +
    renderImageBuildScript({
      suite: "bookworm",
      mirror: "http://deb.debian.org/debian",
      packages: LAB_PACKAGES,
      sizeGiB: 4,
      ...(cacheDir ? { cacheDir } : {}),
    }),
);
