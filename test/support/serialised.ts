/**
 * A provider as the engine runs it: serialised by Pulumi's closure serialiser (the text
 * `pulumi up` stores in the state and a refresh or destroy runs), then revived from that text.
 */
import * as pulumi from "@pulumi/pulumi";

/** What {@link serialiseAndRevive} gives: the revived provider and the serialised text's facts. */
export interface Revived<P> {
  revived: P;
  containsSecrets: boolean;
  textLength: number;
}

/** Serialises `provider` (secrets refused unless `allowSecrets`) and revives it from the text. */
export async function serialiseAndRevive<P>(provider: P, allowSecrets = false): Promise<Revived<P>> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets });
  const mod = { exports: {} as Record<string, unknown> };
  new Function("exports", "require", "module", sf.text)(mod.exports, require, mod);
  const revived = (mod.exports[sf.exportName] as () => P)();
  return { revived, containsSecrets: sf.containsSecrets, textLength: sf.text.length };
}
