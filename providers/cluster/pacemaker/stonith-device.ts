/**
 * StonithDevice: a fence_virsh device (seeds 000/001/004) — the fence key installed at
 * `identityFile` on every node (0600, from a secret, on stdin), and with pacemaker the STONITH
 * resource (`pcs stonith create … pcmk_host_map=node01h:<domain>;…`) that reaches the KVM host over
 * the management network with it; `crm_verify -L` must then be clean. With cman the device lives
 * in cluster.conf (CmanCluster); only the key is installed here.
 *
 * `read` reports the key missing or different on a node (`keyInstalled: false`), and with
 * pacemaker the device deleted (gone), disabled (`enabled: false`) or with other parameters
 * (`configured: false`). When no member answers with a CIB (the cluster down or destroyed) the
 * device cannot be checked: `verified: false`, an update that converges it against the live CIB
 * (after the cluster's own update in the same run).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  firstOf,
  onNode,
  orIfUnreachable,
  removeOnEach,
  runCommands,
  SCRIPT_FAIL,
  sshEndpointField,
} from "../../exec/node-exec";
import { cibOf, firstMemberCib, removeFromCib } from "./cib-reader";
import type { CibPrimitive } from "./cib";
import { labKind } from "../../core/kind";
import { stonithResource } from "./stonith-commands";
import { createArgv, updateArgv, type PcsResource } from "./pcs-resource";
import { resourceDrift, resourceOfCib, staleNames } from "./pcs-drift";
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
    /** The private key installed at `identityFile` on every node (secret). */
    identityKey: z.string().min(1, "identityKey is required"),
    action: z.enum(["reboot", "off"]),
    /** Member name (`node01`) → libvirt domain name (the fence_virsh port). */
    hostMap: z.record(z.string()),
    /** Member name → the cluster's name for it (`node01h`, its host name on link 0). */
    clusterNodeNames: z.record(z.string()),
    /** Desired: the key is on every node (drift when missing or different). */
    keyInstalled: z.boolean().default(true),
    /** Desired (pacemaker): the device is enabled. */
    enabled: z.boolean().default(true),
    /** Desired (pacemaker): the device has the configured parameters. */
    configured: z.boolean().default(true),
    /** Desired (pacemaker): a member answered with a CIB to check the device against. */
    verified: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a StonithDevice, as its schema takes them (fields with a default are optional). */
export type StonithDeviceInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a StonithDevice. */
export interface StonithDeviceOutputs {
  /** The device's name in the cluster (its stonith resource, or its cluster.conf fencedevice). */
  deviceId: string;
}

/** The device the inputs want, as a structure ({@link stonithResource}). */
export function wantedDevice(inputs: Inputs): PcsResource {
  return stonithResource(
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

/** How the live device differs from the wanted one (agent, attributes, stale managed attributes); empty: as configured. */
export function deviceDrift(want: PcsResource, live: CibPrimitive): string[] {
  return resourceDrift(want, resourceOfCib(live), { attributes: MANAGED_ATTRIBUTES });
}

/** `pcs stonith update <name> …`: every wanted attribute, and `name=` for a managed one set live but not wanted. */
export function deviceUpdate(want: PcsResource, live: CibPrimitive): string[] {
  return updateArgv(want, staleNames(want.attributes, live.instanceAttributes, MANAGED_ATTRIBUTES));
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
  const first = firstOf(inputs.nodes, "nodes: the device needs the cluster's nodes");
  await onNode(first, inputs.sshPrivateKey, (run) =>
    explained(first.address, async () => {
      const cib = await cibOf(run);
      const live = cib.stonith.find((p) => p.id === inputs.name);
      const want = wantedDevice(inputs);
      const cmds: string[][] = [];
      if (live === undefined) cmds.push(createArgv(want));
      else if (deviceDrift(want, live).length > 0) cmds.push(deviceUpdate(want, live));
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
  render: (inputs) => ({
    device: createArgv(wantedDevice(inputs)),
    key: keyScript(inputs.identityFile),
    keySum: keySumScript(inputs.identityFile),
  }),
  // 1: the delete checks the CIB before and after pcs stonith delete (a delete runs the stored code).
  revision: 1,
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
    // No member answers with a CIB (the cluster down or destroyed): not verified, an update.
    if (cib === undefined) return { ...out, verified: false };
    const live = cib.stonith.find((p) => p.id === olds.name);
    if (live === undefined) return undefined;
    return {
      ...out,
      enabled: live.meta["target-role"] !== "Stopped",
      configured: deviceDrift(wantedDevice(olds), live).length === 0,
      verified: true,
    };
  },
  async update(_id, _olds, news) {
    return converge(news);
  },
  async delete(_id, olds) {
    if (olds.stack === "pacemaker") {
      await removeFromCib({
        what: `STONITH ${olds.name}`,
        nodes: olds.nodes,
        privateKey: olds.sshPrivateKey,
        ids: [olds.name],
        argvOf: (id) => ["pcs", "stonith", "delete", id],
      });
    }
    await removeOnEach(
      olds.nodes,
      (node) => `fence key on ${node.address}`,
      (node) =>
        onNode(node, olds.sshPrivateKey, (run) =>
          explained(node.address, () =>
            run(`rm -f ${shellQuote(olds.identityFile)}`, { timeoutSeconds: 30 }),
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
