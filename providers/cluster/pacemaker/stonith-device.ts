/**
 * StonithDevice: a fence_virsh device (seeds 000/001/004) — the fence key installed at
 * `identityFile` on every node (0600, from a secret, on stdin), and with pacemaker the STONITH
 * resource (`pcs stonith create … pcmk_host_map=node01h:<domain>;…`) that reaches the KVM host over
 * the management network with it; `crm_verify -L` must then be clean. With cman the device lives
 * in cluster.conf (CmanCluster); only the key is installed here.
 *
 * `read` reports the key missing or different on a node (`keyInstalled: false`), and with
 * pacemaker the device deleted (gone), disabled (`enabled: false`) or with other parameters
 * (`configured: false`).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  onNode,
  orIfUnreachable,
  removeUnlessUnreachable,
  runCommands,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { cibOf, firstMemberCib } from "./cib-reader";
import type { CibPrimitive } from "./cib";
import { labKind, type StonithDeviceInputs, type StonithDeviceOutputs } from "../../core/kind";
import { pcsStonithCreate } from "./pcs-commands";
import { shellQuote } from "../../exec/ssh";

const schema = () =>
  z.object({
    stack: z.enum(["pacemaker", "cman"]),
    clusterName: z.string().min(1),
    nodes: z.array(sshEndpointField()).min(1),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    name: z.string().min(1),
    agent: z.literal("fence_virsh"),
    ipaddr: z.string().min(1),
    login: z.string().min(1),
    identityFile: z.string().regex(/^\/[^\s'"]+$/, "identityFile must be an absolute path"),
    identityKey: z.string().min(1, "identityKey is required"),
    action: z.enum(["reboot", "off"]),
    hostMap: z.record(z.string()),
    clusterNodeNames: z.record(z.string()),
    /** Digest of the rendered `pcs stonith create` (a renderer change reaches the device). */
    rendering: z.string().optional(),
    keyInstalled: z.boolean().default(true),
    enabled: z.boolean().default(true),
    configured: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** The `pcs stonith create` argv of the inputs. */
export function createArgs(inputs: Inputs): string[] {
  return pcsStonithCreate(
    {
      name: inputs.name,
      agent: inputs.agent,
      ipaddr: inputs.ipaddr,
      login: inputs.login,
      identityFile: inputs.identityFile,
      action: inputs.action,
    },
    inputs.hostMap,
    inputs.clusterNodeNames,
  );
}

/** The device's instance attributes as `pcs stonith create` sets them. */
export function wantedAttributes(inputs: Inputs): Record<string, string> {
  const args = createArgs(inputs);
  return Object.fromEntries(
    args
      .slice(args.indexOf(inputs.agent) + 1)
      .map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
  );
}

/** The attributes this provider manages: one the config does not want is removed. */
export const MANAGED_ATTRIBUTES: readonly string[] = [
  "ip",
  "username",
  "identity_file",
  "ipport",
  "pcmk_host_map",
  "pcmk_reboot_action",
  "pcmk_monitor_timeout",
  "pcmk_reboot_timeout",
];

/** `name=value` for every wanted attribute, `name=` (removes it) for a managed one not wanted. */
export function updateAttributes(live: CibPrimitive, wanted: Record<string, string>): string[] {
  const stale = MANAGED_ATTRIBUTES.filter((k) => k in live.instanceAttributes && !(k in wanted));
  return [...Object.entries(wanted).map(([k, v]) => `${k}=${v}`), ...stale.map((k) => `${k}=`)];
}

/** True when the live primitive has every wanted attribute with the wanted value and no stale managed one. */
export function matches(live: CibPrimitive, wanted: Record<string, string>): boolean {
  return (
    live.type === "fence_virsh" &&
    Object.entries(wanted).every(([k, v]) => live.instanceAttributes[k] === v) &&
    MANAGED_ATTRIBUTES.every((k) => k in wanted || !(k in live.instanceAttributes))
  );
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The fence key (stdin, base64) at `identityFile`, mode 0600, written atomically. */
export function keyScript(identityFile: string): string {
  const file = shellQuote(identityFile);
  return `${SCRIPT_FAIL}
umask 077
install -d -m 0700 "$(dirname ${file})"
base64 -d > ${file}.new
chmod 0600 ${file}.new
mv -f ${file}.new ${file}`;
}

/** The key's checksum on a node (empty when missing). */
export function keySumScript(identityFile: string): string {
  return `sha256sum ${shellQuote(identityFile)} 2>/dev/null | cut -d" " -f1; true`;
}

async function converge(inputs: Inputs): Promise<StonithDeviceOutputs> {
  const key = inputs.identityKey.endsWith("\n") ? inputs.identityKey : `${inputs.identityKey}\n`;
  await Promise.all(
    inputs.nodes.map((node) =>
      onNode(node, inputs.sshPrivateKey, (run) =>
        explained(node.address, () =>
          run(keyScript(inputs.identityFile), {
            stdin: Buffer.from(key).toString("base64"),
            sensitive: [inputs.identityKey],
            timeoutSeconds: 60,
          }),
        ),
      ),
    ),
  );
  if (inputs.stack === "cman") return { deviceId: inputs.name };
  const first = inputs.nodes[0];
  if (first === undefined) throw new Error("nodes: the device needs the cluster's nodes");
  await onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, async () => {
      const cib = await cibOf(run);
      const live = cib.stonith.find((p) => p.id === inputs.name);
      const wanted = wantedAttributes(inputs);
      const cmds: string[][] = [];
      if (live === undefined) cmds.push(createArgs(inputs));
      else if (!matches(live, wanted)) {
        cmds.push(["pcs", "stonith", "update", inputs.name, ...updateAttributes(live, wanted)]);
      }
      if (live !== undefined && live.meta["target-role"] === "Stopped")
        cmds.push(["pcs", "stonith", "enable", inputs.name]);
      if (cmds.length > 0) {
        await runCommands(run, cmds, { timeoutSeconds: 300 });
        progress(
          `STONITH ${inputs.name}: ${live === undefined ? "created" : "updated"} (fence_virsh → ${inputs.ipaddr})`,
        );
      }
      // The configuration must verify clean now that fencing exists.
      const verify = await run("crm_verify -L 2>&1", { okExitCodes: [0, 1, 2, 3, 4], timeoutSeconds: 120 });
      if (verify.code !== 0) {
        throw new Error(
          `crm_verify -L is not clean after the STONITH device was set: ${verify.stdout.trim()}`,
        );
      }
    }),
  );
  return { deviceId: inputs.name };
}

/** The StonithDevice provider. */
export const stonithDeviceProvider = defineProvider<ReturnType<typeof schema>, StonithDeviceOutputs>({
  kind: "StonithDevice",
  schema,
  forceNew: ["stack", "name"],
  deleteBeforeReplace: true,
  async create(inputs) {
    return { id: inputs.name, outs: await converge(inputs) };
  },
  async read(_id, olds) {
    const sum = sha256(olds.identityKey.endsWith("\n") ? olds.identityKey : `${olds.identityKey}\n`);
    const sums = await Promise.all(
      olds.nodes.map((node) =>
        orIfUnreachable(
          () =>
            onNode(node, olds.sshPrivateKey, async (run) =>
              (await run(keySumScript(olds.identityFile), { timeoutSeconds: 30 })).stdout.trim(),
            ),
          "",
        ),
      ),
    );
    const out: Partial<Inputs> = { keyInstalled: sums.every((s) => s === sum) };
    if (olds.stack === "cman") return out;
    const cib = await firstMemberCib(olds.nodes, olds.sshPrivateKey);
    if (cib !== undefined) {
      const live = cib.stonith.find((p) => p.id === olds.name);
      if (live === undefined) return undefined;
      return {
        ...out,
        enabled: live.meta["target-role"] !== "Stopped",
        configured: matches(live, wantedAttributes(olds)),
      };
    }
    return out;
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    const first = olds.nodes[0];
    if (olds.stack === "pacemaker" && first !== undefined) {
      await removeUnlessUnreachable(`STONITH ${olds.name}`, () =>
        onNode(first, olds.sshPrivateKey, (run) =>
          run(`pcs stonith delete ${shellQuote(olds.name)} >/dev/null 2>&1 || true`, { timeoutSeconds: 120 }),
        ),
      );
    }
    await Promise.all(
      olds.nodes.map((node) =>
        removeUnlessUnreachable(`fence key on ${node.address}`, () =>
          onNode(node, olds.sshPrivateKey, (run) =>
            run(`rm -f ${shellQuote(olds.identityFile)}`, { timeoutSeconds: 30 }),
          ),
        ),
      ),
    );
  },
});

/** A fence device (and its key on the nodes). */
export const StonithDeviceRes = labKind<StonithDeviceInputs, StonithDeviceOutputs>(stonithDeviceProvider, {
  outputs: { deviceId: true },
  secretInputs: ["sshPrivateKey", "identityKey"],
});
export type StonithDeviceRes = InstanceType<typeof StonithDeviceRes>;
