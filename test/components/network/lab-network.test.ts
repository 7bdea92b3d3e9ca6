/** The lab networks in the default lab's graph (components/network/lab-network.ts), under Pulumi mocks. */
import { get, withDefaultLab } from "../../support/pulumi-mocks";

withDefaultLab();

describe("key inputs of the default lab", () => {
  test("networks: libvirt names, CIDRs, isolated", () => {
    const nets = ["service", "management", "heartbeat"].map((n) => get(`dev-net-${n}-libvirt`).inputs);
    expect(nets.map((n) => [n.name, n.cidr, n.mode])).toEqual([
      ["halab-service", "192.168.7.0/24", "isolated"],
      ["halab-management", "192.168.8.0/24", "isolated"],
      ["halab-heartbeat", "192.168.9.0/24", "isolated"],
    ]);
    expect(nets.map((n) => n.gateway)).toEqual(["192.168.7.1", "192.168.8.1", "192.168.9.1"]);
  });
});
