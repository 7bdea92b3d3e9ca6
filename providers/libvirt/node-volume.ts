/**
 * NodeVolume: a node's root disk, a qcow2 copy-on-write overlay over the base image, in
 * `<stateDir>/volumes/`. `read` reports the live backing file and size (or "gone"); every change
 * replaces the volume (a new base image means a freshly installed node).
 */
import { z } from "zod";
import { defineProvider } from "../core/base";
import { progress, runOnHost } from "../exec/host-exec";
import { hostField } from "../host/host-prep";
import { labKind } from "../core/kind";
import { shellQuote } from "../exec/ssh";

const GIB = 1024 ** 3;

const schema = () =>
  z.object({
    host: hostField(),
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "name must be a plain file name"),
    /** Backing file (copy-on-write). */
    baseImagePath: z.string().regex(/^\/\S+$/, "baseImagePath must be an absolute path on the host"),
    sizeGiB: z.number().int().min(1, "sizeGiB must be at least 1"),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of a NodeVolume, as its schema takes them. */
export type NodeVolumeInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of a NodeVolume. */
export interface NodeVolumeOutputs {
  /** Path of the volume file on the host. */
  path: string;
}

/** Where the volume lives. */
export function volumePath(inputs: Pick<Inputs, "host" | "name">): string {
  return `${inputs.host.stateDir}/volumes/${inputs.name}`;
}

/** The create script: overlay over the base image in its own format, never over a smaller size. */
export function createVolumeScript(inputs: Inputs): string {
  const path = shellQuote(volumePath(inputs));
  const base = shellQuote(inputs.baseImagePath);
  return `[ -f ${base} ] || { echo "base image ${inputs.baseImagePath} does not exist" >&2; exit 1; }
fmt=$(qemu-img info -U --output=json ${base} | sed -n 's/^ *"format": "\\(.*\\)",*$/\\1/p' | head -n1)
vsize=$(qemu-img info -U --output=json ${base} | sed -n 's/^ *"virtual-size": \\([0-9]*\\),*$/\\1/p' | head -n1)
want=$((${inputs.sizeGiB} * ${GIB}))
if [ "$want" -lt "$vsize" ]; then want=$vsize; fi
mkdir -p "$(dirname ${path})"
rm -f ${path}.tmp
qemu-img create -q -f qcow2 -F "$fmt" -b ${base} ${path}.tmp "$want"
mv -f ${path}.tmp ${path}`;
}

/** The NodeVolume provider. */
export const nodeVolumeProvider = defineProvider({
  kind: "NodeVolume",
  render: (inputs) => ({ script: createVolumeScript(inputs) }),
  schema,
  forceNew: ["host", "name", "baseImagePath", "sizeGiB"],
  deleteBeforeReplace: true,
  async create(inputs) {
    progress(`volume ${inputs.name}: overlay over ${inputs.baseImagePath}`);
    await runOnHost(createVolumeScript(inputs), { timeoutSeconds: 120 });
    const path = volumePath(inputs);
    return { id: path, outs: { path } };
  },
  async read(_id, olds) {
    const path = volumePath(olds);
    const { stdout, code } = await runOnHost(
      `qemu-img info -U --output=json ${shellQuote(path)} 2>/dev/null`,
      {
        okExitCodes: [0, 1],
      },
    );
    if (code !== 0) return undefined;
    const info = JSON.parse(stdout) as { "virtual-size"?: number; "backing-filename"?: string };
    const size = info["virtual-size"] ?? 0;
    return {
      path,
      baseImagePath: info["backing-filename"] ?? "",
      // A volume grown to the base image's size still counts as the requested size; a smaller one is drift.
      sizeGiB: size >= olds.sizeGiB * GIB ? olds.sizeGiB : Math.floor(size / GIB),
    };
  },
  async delete(_id, olds) {
    await runOnHost(`rm -f ${shellQuote(volumePath(olds))}`);
  },
});

/** A node's root volume. */
export const NodeVolume = labKind<NodeVolumeInputs, NodeVolumeOutputs>(nodeVolumeProvider, {
  outputs: { path: true },
});
export type NodeVolume = InstanceType<typeof NodeVolume>;
