import { isHostLabel } from "../../spec";
import {
  CMAN_CLUSTER_NAME,
  COROSYNC_CLUSTER_NAME,
  GLUSTER_VOLUME,
  GLUSTER_VOLUME_ARGUMENT,
  LAB_USER_NAME,
  UNIX_USER_NAME,
  isAbsolutePath,
  isHostNameOrIpv4,
  isMac,
  isResourceId,
} from "../../spec/patterns";

describe("name and path patterns", () => {
  test("host label rule", () => {
    expect(isHostLabel("node01")).toBe(true);
    expect(isHostLabel("a".repeat(63))).toBe(true);
    expect(isHostLabel("a".repeat(64))).toBe(false);
    expect(isHostLabel("Node01")).toBe(false);
    expect(isHostLabel("-node")).toBe(false);
    expect(isHostLabel("node_01")).toBe(false);
  });

  test("resource ids start with a letter", () => {
    expect(isResourceId("service01-ip")).toBe(true);
    expect(isResourceId("01service")).toBe(false);
    expect(isResourceId("service-")).toBe(false);
  });

  test("MACs in either case; absolute paths other than / without ..", () => {
    expect(isMac("52:54:00:AB:cd:ef")).toBe(true);
    expect(isMac("52:54:00:ab:cd")).toBe(false);
    expect(isAbsolutePath("/gldata00/pgsql")).toBe(true);
    expect(isAbsolutePath("/")).toBe(false);
    expect(isAbsolutePath("/a/../b")).toBe(false);
    expect(isAbsolutePath("relative")).toBe(false);
  });

  test("host names or IPv4 addresses", () => {
    expect(isHostNameOrIpv4("192.168.8.1")).toBe(true);
    expect(isHostNameOrIpv4("kvm01.example.com")).toBe(true);
    expect(isHostNameOrIpv4("bad host")).toBe(false);
  });

  test("lab and renderer patterns differ where their tools differ", () => {
    const sixteen = "c".repeat(16);
    expect(COROSYNC_CLUSTER_NAME.test(sixteen)).toBe(true);
    expect(CMAN_CLUSTER_NAME.test(sixteen)).toBe(false);
    expect(GLUSTER_VOLUME_ARGUMENT.test("vol.1")).toBe(true);
    expect(GLUSTER_VOLUME.test("vol.1")).toBe(false);
    expect(UNIX_USER_NAME.test("u".repeat(33))).toBe(true);
    expect(LAB_USER_NAME.test("u".repeat(33))).toBe(false);
  });
});
