/**
 * Tests of the cluster.conf input checks (providers/cluster/cman/cluster-conf-validate.ts) through
 * the renderer: every problem names its field and the fix, and all are listed in one error.
 */
import type { ClusterConfInput } from "../../../../providers/cluster/cman/cluster-conf-input";
import { renderClusterConf } from "../../../../providers/cluster/cman/cluster-conf-render";
import { seedInput } from "./fixtures";

describe("validation errors name the field and the fix", () => {
  const render = (patch: Partial<ClusterConfInput>) => () => renderClusterConf({ ...seedInput, ...patch });

  test.each<[string, Partial<ClusterConfInput>, RegExp]>([
    [
      "cluster name with a blank",
      { name: "my cluster" },
      /name: cluster name "my cluster" has characters .*Fix: /,
    ],
    ["cluster name over 15 characters", { name: "a-very-long-cluster" }, /name: .*Fix: use at most 15/],
    [
      "node name with an underscore",
      {
        nodes: [{ ...seedInput.nodes[0], name: "node_01h" }, seedInput.nodes[1]],
        failoverDomains: [],
        services: [],
      },
      /nodes\[0\]\.name: node name "node_01h" has characters cman\/rgmanager reject\. Fix: use a host name/,
    ],
    [
      "duplicate node ids",
      { nodes: [seedInput.nodes[0], { ...seedInput.nodes[1], nodeId: 1 }] },
      /nodes\[1\]\.nodeId: nodeid "1" is also nodes\[0\]\.nodeId\. Fix: give every node its own nodeid/,
    ],
    [
      "a service domain that does not exist",
      { services: [{ ...seedInput.services[0], domain: "dom02" }] },
      /services\[0\]\.domain: failover domain "dom02" does not exist\. Fix: define it in failoverDomains, or use one of: dom01/,
    ],
    [
      "a fence device referenced but not defined",
      { fenceDevices: [{ ...seedInput.fenceDevices[0], name: "kvmhost02" }] },
      /nodes\[0\]\.fence\[0\]\.device: fence device "kvmhost01" is not defined\. Fix: define it in fenceDevices, or use one of: kvmhost02/,
    ],
    [
      "two_node with three nodes",
      {
        nodes: [...seedInput.nodes, { name: "node03h", nodeId: 3, votes: 1, fence: [] }],
      },
      /cman\.twoNode: two_node needs exactly two nodes.*Fix: /,
    ],
    [
      "two_node with expected_votes 2",
      { cman: { expectedVotes: 2, twoNode: true } },
      /cman\.expectedVotes: cman requires expected_votes="1" with two_node/,
    ],
    [
      "a domain node that is not a cluster node",
      {
        failoverDomains: [{ ...seedInput.failoverDomains[0], nodes: [{ name: "node01", priority: 1 }] }],
      },
      /failoverDomains\[0\]\.nodes\[0\]\.name: "node01" is not a cluster node\. Fix: use one of: node01h, node02h/,
    ],
    [
      "the same script in two services",
      {
        services: [
          seedInput.services[0],
          { ...seedInput.services[0], name: "service02", resources: [seedInput.services[0].resources[1]] },
        ],
      },
      /services\[1\]\.resources\[0\]: resource "script name glmount" is also services\[0\]\.resources\[1\]\. Fix: /,
    ],
    [
      "an ip that is not an address",
      {
        services: [
          {
            ...seedInput.services[0],
            resources: [{ kind: "ip", address: "192.168.7.99/24", monitorLink: true }],
          },
        ],
      },
      /services\[0\]\.resources\[0\]\.address: "192\.168\.7\.99\/24" is not an IPv4 address/,
    ],
  ])("%s", (_what, patch, message) => {
    expect(render(patch)).toThrow(message);
  });

  test("several problems are listed in one error, one per line", () => {
    expect(render({ name: "bad name", totem: { token: 0 } })).toThrow(
      /^cluster\.conf:\n {2}- name: .*\n {2}- totem\.token: .*Fix: /,
    );
  });
});
