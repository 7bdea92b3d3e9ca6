/**
 * Tests of the fence device builders (providers/cluster/pacemaker/stonith-commands.ts) for pcs
 * 0.11.5 and fence-agents 4.12.
 *
 * Sources: pcs's stonith tests (`action=` rejected, "use 'pcmk_off_action', 'pcmk_reboot_action'");
 * ClusterLabs/fence-agents agents/virsh/fence_virsh.py and lib/fencing.py.py (metadata names
 * `ip`, `username`, `plug`, `identity_file`; `ipaddr`, `login`, `port` are the deprecated
 * aliases); pacemaker-fenced(7) for pcmk_host_map and pcmk_reboot_action.
 */
import {
  pcsStonithCreate,
  stonithResource,
  STONITH_TIMEOUTS,
} from "../../../../providers/cluster/pacemaker/stonith-commands";
import { MANAGED_ATTRIBUTES } from "../../../../providers/cluster/pacemaker/stonith-device";
import { devFence, devHostMap, devNodeNames } from "./fixtures";

describe("pcs stonith create", () => {
  it("creates the default lab's fence_virsh device with the current parameter names", () => {
    expect(pcsStonithCreate(devFence, devHostMap, devNodeNames)).toEqual([
      "pcs",
      "stonith",
      "create",
      "kvmhost01",
      "fence_virsh",
      "ip=192.168.8.1",
      "username=root",
      "identity_file=/etc/cluster/fence_virsh_key",
      "pcmk_host_map=node01h:dev-node01;node02h:dev-node02",
      "pcmk_monitor_timeout=120s",
      "pcmk_reboot_timeout=300s",
    ]);
  });

  it("maps action off to pcmk_reboot_action and never passes action=", () => {
    const argv = pcsStonithCreate({ ...devFence, action: "off" }, devHostMap, devNodeNames, { ipport: 2222 });
    expect(argv.slice(8)).toEqual([
      "ipport=2222",
      "pcmk_host_map=node01h:dev-node01;node02h:dev-node02",
      "pcmk_reboot_action=off",
      "pcmk_monitor_timeout=120s",
      "pcmk_reboot_timeout=300s",
    ]);
    expect(argv.some((w) => w.startsWith("action="))).toBe(false);
  });

  it("names the field and the fix of a bad device", () => {
    expect(() => pcsStonithCreate(devFence, devHostMap, { node01: "node01h" })).toThrow(
      /clusterNodeNames\.node02: no cluster node name is given\. Fix:/,
    );
    expect(() => pcsStonithCreate(devFence, { node01: "dev;node01" }, devNodeNames)).toThrow(
      /hostMap\.node01: "dev;node01" cannot stand in pcmk_host_map/,
    );
    expect(() =>
      pcsStonithCreate({ ...devFence, identityFile: "fence_key" }, devHostMap, devNodeNames),
    ).toThrow(
      /identityFile: "fence_key" is not an absolute path.*Fix: use e\.g\. \/etc\/cluster\/fence_virsh_key/,
    );
    expect(() => pcsStonithCreate(devFence, devHostMap, devNodeNames, { ipport: 0 })).toThrow(
      /ipport: 0 is not/,
    );
  });
});

describe("stonithResource", () => {
  it("describes the default lab's device as a stonith-class resource with its attributes in argv order", () => {
    expect(stonithResource(devFence, devHostMap, devNodeNames)).toEqual({
      id: "kvmhost01",
      agent: "stonith:fence_virsh",
      attributes: {
        ip: "192.168.8.1",
        username: "root",
        identity_file: "/etc/cluster/fence_virsh_key",
        pcmk_host_map: "node01h:dev-node01;node02h:dev-node02",
        ...STONITH_TIMEOUTS,
      },
      meta: {},
      operations: [],
    });
    const off = stonithResource({ ...devFence, action: "off" }, devHostMap, devNodeNames, { ipport: 2222 });
    // Every attribute the builder can set, in argv order, is one StonithDevice manages.
    expect(Object.keys(off.attributes)).toEqual(MANAGED_ATTRIBUTES);
    expect(off.attributes["ipport"]).toBe("2222");
  });
});
