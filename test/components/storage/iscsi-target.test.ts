/** The iSCSI target and initiators in the default lab's graph (components/storage/iscsi-target.ts), under Pulumi mocks. */
import { input, withDefaultLab } from "../../support/pulumi-mocks";

withDefaultLab();

describe("key inputs of the default lab", () => {
  test("iSCSI: two file-backed LUNs of 100 and 1024 MiB, portal on the host's management address", () => {
    const luns = input("dev-iscsi-target", "luns") as {
      lun: number;
      sizeMiB: number;
      purpose: string;
      path: string;
    }[];
    expect(luns.map((l) => [l.lun, l.sizeMiB, l.purpose])).toEqual([
      [1, 100, "quorum"],
      [2, 1024, "data"],
    ]);
    expect(luns[0]?.path).toMatch(/\/tgtd\/cluster01\/volume01\.img$/);
    expect(input("dev-iscsi-target", "portal")).toBe("192.168.8.1:3260");
    // Access is restricted to the nodes: their management addresses and initiator names.
    expect(input("dev-iscsi-target", "initiatorAddresses")).toEqual(["192.168.8.121", "192.168.8.122"]);
    expect(input("dev-iscsi-target", "initiatorNames")).toEqual([
      "iqn.2011-08.com.example.kvmhost:halab-tgt01-node01",
      "iqn.2011-08.com.example.kvmhost:halab-tgt01-node02",
    ]);
    expect(input("dev-iscsi-target", "controlPort")).toBeGreaterThanOrEqual(1000);
    expect(input("dev-iscsi-initiator-node02", "portal")).toBe("192.168.8.1:3260");
    expect(input("dev-iscsi-initiator-node02", "luns")).toEqual([1, 2]);
  });
});
