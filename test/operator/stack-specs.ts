/** The repository's stack files and the README's three-node example, as validated lab descriptions. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseLabSpec, type LabSpec } from "../../spec";
import { LAB_KEY } from "../../spec/config-key";
import { stackLabConfig } from "../../scripts/query";

/** The repository root. */
export const ROOT = path.join(__dirname, "..", "..");

/** The lab of `Pulumi.<stack>.yaml` in the repository, as the program validates it. */
export function stackSpec(stack: string): LabSpec {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  return parseLabSpec(stackLabConfig(readFileSync(file, "utf8"), file, LAB_KEY));
}

/** The README's example: three nodes, NAT on the service network, no two_node. */
export const lab3: LabSpec = parseLabSpec({
  name: "lab3",
  networks: [
    { name: "service", role: "service", cidr: "192.168.17.0/24", mode: "nat" },
    { name: "management", role: "management", cidr: "192.168.18.0/24" },
    { name: "heartbeat", role: "heartbeat", cidr: "192.168.19.0/24" },
  ],
  nodes: [1, 2, 3].map((i) => ({
    name: `node0${i}`,
    addresses: {
      service: `192.168.17.12${i}`,
      management: `192.168.18.12${i}`,
      heartbeat: `192.168.19.12${i}`,
    },
  })),
  cluster: { twoNode: false },
  services: [
    {
      name: "service01",
      resources: [
        { kind: "ip", address: "192.168.17.99" },
        { kind: "gluster-mount" },
        { kind: "postgresql" },
      ],
    },
  ],
});
