/**
 * SshKeyPair: an ed25519 key pair generated once with ssh2's key generator and kept in state;
 * the private key is a secret output. Replaced when `comment` or `type` change.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { utils } from "ssh2";
import { z } from "zod";
import { defineProvider } from "../core/base";
import { LabDynamicResource } from "../core/dynamic-resource";

/** Key types the lab generates. */
export type SshKeyType = "ed25519";

/** Arguments of {@link SshKeyPair}. */
export interface SshKeyPairArgs {
  /** Comment embedded in the public key, e.g. `fence@kvm01`. Changing it replaces the key. */
  comment: pulumi.Input<string>;
  /** Key type (only `ed25519`). */
  type?: pulumi.Input<SshKeyType>;
}

/** OpenSSH SHA256 fingerprint (`SHA256:…`) of a one-line public key. */
export function publicKeyFingerprint(publicKey: string): string {
  const b64 = publicKey.trim().split(/\s+/)[1] ?? "";
  return `SHA256:${createHash("sha256").update(Buffer.from(b64, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** The SshKeyPair provider (exported for tests; the engine uses it through {@link SshKeyPair}). */
export const sshKeyPairProvider = defineProvider({
  kind: "SshKeyPair",
  schema: () =>
    z.object({
      comment: z
        .string({ required_error: "comment is required" })
        .trim()
        .min(1, "comment must not be empty")
        .regex(/^[^\r\n]+$/, "comment must be a single line"),
      type: z.literal("ed25519").default("ed25519"),
    }),
  forceNew: ["comment", "type"],
  secretOutputs: ["privateKey"],
  async create(inputs) {
    const pair = utils.generateKeyPairSync(inputs.type, { comment: inputs.comment });
    const publicKey = pair.public.trim();
    const fingerprint = publicKeyFingerprint(publicKey);
    return { id: fingerprint, outs: { publicKey, privateKey: pair.private, fingerprint } };
  },
  async read() {
    // The key pair lives only in the state.
    return {};
  },
});

/** An SSH key pair; `privateKey` is a Pulumi secret. */
export class SshKeyPair extends LabDynamicResource {
  /** Public key, OpenSSH one-line form (`ssh-ed25519 AAAA… comment`). */
  declare public readonly publicKey: pulumi.Output<string>;
  /** Private key, OpenSSH PEM form (marked secret). */
  declare public readonly privateKey: pulumi.Output<string>;
  /** SHA256 fingerprint of the public key, as `ssh-keygen -lf` prints it. */
  declare public readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: SshKeyPairArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      sshKeyPairProvider,
      name,
      {
        comment: args.comment,
        type: args.type,
        publicKey: undefined,
        privateKey: undefined,
        fingerprint: undefined,
      },
      opts,
    );
  }
}
