import { parseLabSpec } from "../../spec";
import {
  clusterNodeName,
  findNetworkByRole,
  hasSharedData,
  interfaceOn,
  linkInterfaces,
  managementAddress,
  networkWithRole,
  serviceCidr,
  serviceVip,
} from "../../spec/queries";

describe("spec queries", () => {
  const spec = parseLabSpec({});
  const [node01, node02] = spec.nodes;
  const group = spec.services[0];

  test("networks by role", () => {
    expect(networkWithRole(spec.networks, "management")?.cidr).toBe("192.168.8.0/24");
    expect(findNetworkByRole(spec, "heartbeat")?.name).toBe("heartbeat");
    expect(networkWithRole(spec.networks.slice(0, 2), "heartbeat")).toBeUndefined();
  });

  test("a node's interface on a network, or an error naming the node and the network", () => {
    expect(interfaceOn(node01, "heartbeat")).toMatchObject({ address: "192.168.9.121", hostname: "node01h" });
    expect(() => interfaceOn(node01, "backup")).toThrow('node node01: no interface on network "backup"');
  });

  test("management address, or an error without a management network", () => {
    expect(managementAddress(node02, spec.networks)).toBe("192.168.8.122");
    const noManagement = spec.networks.filter((n) => n.role !== "management");
    expect(() => managementAddress(node02, noManagement)).toThrow("the lab has no management network");
  });

  test("cluster links: interfaces in link order; the cluster's name for a node", () => {
    expect(linkInterfaces(node01, spec.cluster.links).map((f) => f.address)).toEqual([
      "192.168.9.121",
      "192.168.8.121",
    ]);
    expect(clusterNodeName(node01, spec.cluster.links)).toBe("node01h");
    expect(clusterNodeName(node01, [])).toBe("node01");
  });

  test("a group's VIP, client network and shared data", () => {
    expect(serviceVip(group)).toBe("192.168.7.99");
    expect(serviceCidr(group, spec.networks)).toBe("192.168.7.0/24");
    expect(hasSharedData(group)).toBe(true);
    const web = { ...group, resources: group.resources.filter((r) => r.kind === "postgresql") };
    expect(serviceVip(web)).toBeUndefined();
    expect(serviceCidr(web, spec.networks)).toBe("192.168.7.0/24");
    expect(serviceCidr(web, [])).toBe("");
    expect(hasSharedData(web)).toBe(false);
  });
});
