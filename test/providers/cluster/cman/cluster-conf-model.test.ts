/**
 * Tests of the cluster.conf input of the lab model (providers/cluster/cman/cluster-conf-model.ts):
 * rgmanager's resource nesting and the model errors, which name the model's fields.
 */
import {
  clusterConfFromModel,
  nestInStartOrder,
} from "../../../../providers/cluster/cman/cluster-conf-model";
import { iscsiSpec, labModel, seedModel } from "./fixtures";

describe("nestInStartOrder", () => {
  const ip = { kind: "ip", address: "192.168.7.99", monitorLink: true } as const;
  const glmount = { kind: "script", name: "glmount", file: "/etc/init.d/glmount" } as const;
  const pgsql = { kind: "script", name: "pgsql", file: "/etc/init.d/postgresql" } as const;
  const fs0 = {
    kind: "fs",
    name: "fs0",
    device: "/dev/sdb",
    mountpoint: "/shared00",
    fstype: "ext4",
  } as const;

  test("seed order [ip, glmount, pgsql]: ip and glmount on top, pgsql nested", () => {
    expect(nestInStartOrder([ip, glmount, pgsql])).toEqual([ip, { ...glmount, children: [pgsql] }]);
  });

  test("[ip, fs, pgsql]: a chain (rgmanager would start a top-level fs before the ip)", () => {
    expect(nestInStartOrder([ip, fs0, pgsql])).toEqual([
      { ...ip, children: [{ ...fs0, children: [pgsql] }] },
    ]);
  });

  test("[fs, ip, pgsql]: rgmanager's type order already matches, all on top", () => {
    expect(nestInStartOrder([fs0, ip, pgsql])).toEqual([fs0, ip, pgsql]);
  });

  test("[ip, ip]: a second resource of the same type nests (same level is not 'after')", () => {
    const ip2 = { ...ip, address: "192.168.7.98" };
    expect(nestInStartOrder([ip, ip2])).toEqual([{ ...ip, children: [ip2] }]);
  });
});

describe("clusterConfFromModel", () => {
  test("model errors name the model's fields", () => {
    expect(() =>
      clusterConfFromModel({ ...seedModel, cluster: { ...seedModel.cluster, transport: "knet" } }),
    ).toThrow(/cluster\.transport: knet is corosync 3 only.*Fix: set cluster\.transport to udpu or udp/);
    expect(() => clusterConfFromModel({ ...seedModel, domainNames: { node01: "RHCSvm01-gluster" } })).toThrow(
      /domainNames\.node02: no libvirt domain name for member node02 .*Fix: /,
    );
    const group = seedModel.services[0];
    expect(() =>
      clusterConfFromModel({
        ...seedModel,
        services: [{ ...group, domain: { ...group.domain, nodes: ["node01", "node03"] } }],
      }),
    ).toThrow(
      /services\[0\]\.domain\.nodes\[1\]: "node03" is not a cluster member\. Fix: use member names: node01, node02/,
    );
    expect(() => clusterConfFromModel(labModel(iscsiSpec, {}))).toThrow(
      /services\[0\]\.resources\[1\]\.lun: no device is known for iSCSI LUN 2 .*Fix: /,
    );
    expect(() =>
      clusterConfFromModel({
        ...seedModel,
        members: [seedModel.members[0], { ...seedModel.members[1], linkHostnames: [] }],
      }),
    ).toThrow(/members\[1\]\.linkHostnames: member node02 has no host name on a cluster link/);
  });
});
