/**
 * The stack outputs, as `pulumi stack output --json` prints them: the one contract between the
 * program (index.ts builds them) and the operator's commands (summary, status, diagram read them).
 * Optional parts are absent — never `undefined` — when the lab is not built that far, so the engine
 * has nothing to warn about.
 */
import { z } from "zod";

/** The zod schema of the outputs (built on each call, like every schema outside spec/). */
export function stackOutputsSchema() {
  const names = z.record(z.string(), z.string());
  return z
    .object({
      /** Lab name (prefix of every libvirt object). */
      labName: z.string(),
      /** How far the lab is built. */
      layers: z.enum(["substrate", "storage", "cluster"]),
      /** Domain type the nodes run with. */
      domainType: z.enum(["kvm", "qemu"]),
      /** Node name → management address. */
      nodeAddresses: names,
      /** Node name → libvirt domain name. */
      domainNames: names,
      /** Cluster name. */
      clusterName: z.string(),
      /** Service group name → virtual IP (only groups the lab has built: none below the cluster layer). */
      vips: names,
      /** The service groups the lab has built (cluster layer only). */
      services: z
        .record(
          z.string(),
          z.object({
            /** Its virtual IP, when it has one. */
            vip: z.string().optional(),
            /** The failover domain's nodes, most preferred first. */
            nodes: z.array(z.string()),
            /** Its PostgreSQL, when it runs one: database, role and port on the VIP. */
            database: z.object({ name: z.string(), user: z.string(), port: z.number() }).optional(),
          }),
        )
        .optional(),
      /** The hacluster password (a secret: `pulumi stack output --json` shows `[secret]`; cluster layer only). */
      clusterPassword: z.string().optional(),
      /** Shared storage (storage and cluster layers). */
      storage: z.object({
        iscsi: z
          .object({
            iqn: z.string(),
            portal: z.string(),
            devices: z.array(
              z.object({ lun: z.number(), purpose: z.string(), sizeMiB: z.number(), path: z.string() }),
            ),
          })
          .optional(),
        gluster: z
          .object({ volume: z.string(), bricks: z.array(z.string()), mountPoint: z.string() })
          .optional(),
      }),
    })
    .passthrough();
}

/** The stack outputs, as the program exports them (resolved). */
export type StackOutputs = z.infer<ReturnType<typeof stackOutputsSchema>>;

/** One service group of {@link StackOutputs.services}. */
export type ServiceOutput = NonNullable<StackOutputs["services"]>[string];

/**
 * Reads `pulumi stack output --json` (parsed). Throws naming every field that is missing or of the
 * wrong shape, and the fix.
 */
export function parseStackOutputs(raw: unknown, source: string): StackOutputs {
  const parsed = stackOutputsSchema().safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(
    `${source}: not the outputs of this program (${problems.join("; ")}). ` +
      "Fix: run `npm run lab -- up` for this stack first, so its outputs exist",
  );
}
