/**
 * Tests of pcsd authentication (providers/cluster/pacemaker/pcs-auth.ts) for pcs 0.11.5.
 *
 * Sources: ClusterLabs/pcs pcs/pcs.8.in and pcs/usage.py (pcs-0.11: host auth), pcs/utils.py
 * get_terminal_password (password from stdin when stdin is not a TTY).
 */
import {
  HACLUSTER_USER,
  pcsHostAuth,
  pcsPasswordStdin,
} from "../../../../providers/cluster/pacemaker/pcs-auth";
import { pcsNodeName } from "../../../../providers/cluster/pacemaker/pcs-setup";
import { devMembers } from "./fixtures";

describe("pcs host auth", () => {
  it("authenticates the link-0 host names as hacluster, with no password in argv", () => {
    const argv = pcsHostAuth(devMembers.map(pcsNodeName));
    expect(argv).toEqual(["pcs", "host", "auth", "node01h", "node02h", "-u", "hacluster"]);
    expect(argv).not.toContain("-p");
    expect(HACLUSTER_USER).toBe("hacluster");
    expect(pcsHostAuth(["node01h", "node02h"], { node02h: "192.168.9.122" })).toEqual([
      "pcs",
      "host",
      "auth",
      "node01h",
      "node02h",
      "addr=192.168.9.122",
      "-u",
      "hacluster",
    ]);
  });

  it("sends the password as one stdin line and never echoes it in errors", () => {
    expect(pcsPasswordStdin("Xy7pQ2")).toBe("Xy7pQ2\n");
    let message = "";
    try {
      pcsPasswordStdin("top\nsecret");
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toMatch(/haclusterPassword: the password contains a line break.*Fix:/);
    expect(message).not.toContain("secret");
    expect(() => pcsPasswordStdin("")).toThrow(/haclusterPassword: the password is empty/);
  });

  it("rejects bad host lists", () => {
    expect(() => pcsHostAuth([])).toThrow(/hostnames: no host is given/);
    expect(() => pcsHostAuth(["node01h", "node01h"])).toThrow(/hostnames\[1\]: "node01h" is listed twice/);
    expect(() => pcsHostAuth(["node01h"], { node09h: "10.0.0.9" })).toThrow(/addrs\.node09h: .*Fix: key the/);
  });
});
