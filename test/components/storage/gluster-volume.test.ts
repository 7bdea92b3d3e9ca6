/** The GlusterFS volume, peers and mounts in the default lab's graph (components/storage/gluster-volume.ts), under Pulumi mocks. */
import { get, input, withDefaultLab } from "../../support/pulumi-mocks";

withDefaultLab();

describe("key inputs of the default lab", () => {
  test("GlusterFS: data00, replica 2, bricks on the management names, prepared for the service", () => {
    const vol = get("dev-gluster-volume").inputs;
    expect([vol.name, vol.replica, vol.transport]).toEqual(["data00", 2, "tcp"]);
    expect(vol.bricks).toEqual(["node01m:/glvol00", "node02m:/glvol00"]);
    expect(input("dev-gluster-peers", "peers")).toEqual(["node01m", "node02m"]);
    expect(input("dev-gluster-mount-node01", "mountPoint")).toBe("/gldata00");
    expect(input("dev-gluster-mount-node01", "mode")).toBe("prepared");
  });
});
