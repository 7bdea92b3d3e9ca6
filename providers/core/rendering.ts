import { createHash } from "node:crypto";

/**
 * A digest of what a resource's commands or files render to, passed to the resource as an input
 * (`rendering`). Pulumi runs `read` with the provider code stored in the state and does not diff
 * on provider code, so without it a fixed renderer would never reach an existing resource: with
 * it, a renderer change is a change of this input, and the next `up` converges with the new code.
 */
export function renderingDigest(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
}
