/**
 * The policy rules on the resources the program really registers (built under the mocks) for a lab
 * description that the program accepts but the policy refuses: each violation is found on the
 * resource that carries it.
 */
import { withLab } from "../support/pulumi-mocks";
import { checkAll, heartbeatNetworkNames } from "../../policy/rules";
import { labResources } from "./support";

const config = {
  networks: [
    { name: "service", role: "service", cidr: "192.168.7.0/24", mode: "nat" },
    { name: "management", role: "management", cidr: "192.168.8.0/24" },
    { name: "ring0", role: "heartbeat", cidr: "192.168.9.0/24", mode: "nat" },
  ],
  cluster: {
    tokenMs: 1000,
    properties: { "stonith-enabled": "false", "no-quorum-policy": "ignore" },
    allowNoStonithWithSharedData: true,
  },
  gluster: { allowDestructiveChanges: true },
};

withLab("dev", config);

test("each violation of the lab description is reported on its resource", () => {
  const violations = checkAll(labResources(), { heartbeatNetworks: heartbeatNetworkNames(config) });
  expect(violations.map((v) => v.message.split(": ")[0] + ": " + v.message.split(" ")[2])).toEqual([
    "dev-cluster-pcs (PcsCluster): properties.stonith-enabled",
    "dev-net-ring0-libvirt (LibvirtNetwork): mode",
    "dev-cluster-pcs (PcsCluster): properties.no-quorum-policy",
    "dev-cluster-pcs (PcsCluster): tokenMs",
    "dev-gluster-volume (GlusterVolume): allowDestructiveChanges",
  ]);
});
