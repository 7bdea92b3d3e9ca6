/**
 * The resource graph of the whole lab (components/ha-lab.ts), built under Pulumi mocks
 * (test/support/pulumi-mocks.ts): which resources exist, under which parent, in which order, that
 * secrets stay secret, and the variants and layers. The inputs of each layer are checked in the
 * files of its component.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  buildLab,
  byType,
  DYN,
  get,
  input,
  isWrappedSecret,
  promiseOf,
  recorded,
  withDefaultLab,
} from "../support/pulumi-mocks";

const built = withDefaultLab();

/** The default lab's resources by type, layer by layer: the substrate (host, image, networks, nodes, fence access)… */
const SUBSTRATE = {
  "kvmlab:lab:HaLab": 1,
  "kvmlab:host:KvmHost": 1,
  "kvmlab:image:BaseImage": 1,
  "kvmlab:network:LabNetwork": 3,
  "kvmlab:node:ClusterNode": 2,
  // the program, fence and root keys, and one host key per node
  [`${DYN}SshKeyPair`]: 5,
  [`${DYN}HostPrep`]: 1,
  [`${DYN}HostSshd`]: 1,
  [`${DYN}BaseImageBuild`]: 1,
  [`${DYN}LibvirtNetwork`]: 3,
  [`${DYN}NodeVolume`]: 2,
  [`${DYN}CloudInitDisk`]: 2,
  [`${DYN}LibvirtDomain`]: 2,
  [`${DYN}NodeReady`]: 2,
  [`${DYN}NodeFiles`]: 2,
};
/** …the shared storage… */
const STORAGE = {
  "kvmlab:storage:IscsiTarget": 1,
  "kvmlab:storage:GlusterVolume": 1,
  [`${DYN}IscsiTarget`]: 1,
  [`${DYN}IscsiInitiator`]: 2,
  [`${DYN}GlusterPeers`]: 1,
  [`${DYN}GlusterVolume`]: 1,
  [`${DYN}GlusterMount`]: 2,
};
/** …and the cluster, its fencing and its services. */
const CLUSTER = {
  "kvmlab:cluster:HaCluster": 1,
  "kvmlab:cluster:FenceDevice": 1,
  "kvmlab:cluster:ServiceGroup": 1,
  [`${DYN}RandomSecret`]: 2,
  [`${DYN}PcsCluster`]: 1,
  [`${DYN}StonithDevice`]: 1,
  [`${DYN}ClusterServiceGroup`]: 1,
};

describe("the default lab's resource graph", () => {
  test("has every resource, counted by type", () => {
    expect(Object.fromEntries(byType("dev"))).toEqual({ ...SUBSTRATE, ...STORAGE, ...CLUSTER });
    const all = [...recorded.values()].filter((r) => r.name.startsWith("dev"));
    expect(all.filter((r) => !r.custom)).toHaveLength(13);
    expect(all.filter((r) => r.custom)).toHaveLength(33);
  });

  test("names every child after its parent, under the right parent", () => {
    const parents: Record<string, string> = {
      dev: "",
      "dev-host": "dev",
      "dev-host-fence-key": "dev-host",
      "dev-host-program-key": "dev-host",
      "dev-host-prep": "dev-host",
      // Not under the host: it waits for the management network, which waits for the host.
      "dev-host-sshd": "dev",
      "dev-root-key": "dev",
      "dev-image": "dev",
      "dev-image-build": "dev-image",
      "dev-net-service": "dev",
      "dev-net-service-libvirt": "dev-net-service",
      "dev-net-management-libvirt": "dev-net-management",
      "dev-net-heartbeat-libvirt": "dev-net-heartbeat",
      "dev-node01": "dev",
      "dev-node01-volume": "dev-node01",
      "dev-node01-cloud-init": "dev-node01",
      "dev-node01-domain": "dev-node01",
      "dev-node01-ready": "dev-node01",
      "dev-node01-files": "dev-node01",
      "dev-node02-ready": "dev-node02",
      "dev-iscsi": "dev",
      "dev-iscsi-target": "dev-iscsi",
      "dev-iscsi-initiator-node01": "dev-iscsi",
      "dev-iscsi-initiator-node02": "dev-iscsi",
      "dev-gluster": "dev",
      "dev-gluster-peers": "dev-gluster",
      "dev-gluster-volume": "dev-gluster",
      "dev-gluster-mount-node01": "dev-gluster",
      "dev-gluster-mount-node02": "dev-gluster",
      "dev-cluster": "dev",
      "dev-cluster-password": "dev-cluster",
      "dev-cluster-pcs": "dev-cluster",
      "dev-fence-kvmhost01": "dev",
      "dev-fence-kvmhost01-stonith": "dev-fence-kvmhost01",
      "dev-svc-service01": "dev",
      "dev-svc-service01-group": "dev-svc-service01",
    };
    for (const [name, parent] of Object.entries(parents))
      expect([name, get(name).parent]).toEqual([name, parent]);
    for (const r of recorded.values()) {
      if (r.name.startsWith("dev") && r.parent !== "") expect(r.name.startsWith(`${r.parent}-`)).toBe(true);
    }
  });

  test("states the build order with dependsOn", () => {
    const deps = (name: string) => get(name).dependsOn;
    // Image and networks after the host; nodes after the image and every network.
    expect(deps("dev-image-build")).toEqual(expect.arrayContaining(["dev-host-prep"]));
    expect(deps("dev-net-service-libvirt")).toEqual(expect.arrayContaining(["dev-host-prep"]));
    // The host's sshd listens on the management address: after the management network.
    expect(deps("dev-host-sshd")).toEqual(
      expect.arrayContaining(["dev-host-prep", "dev-net-management-libvirt"]),
    );
    expect(deps("dev-host-sshd")).not.toContain("dev-net-service-libvirt");
    // The nodes do not wait for the sshd; the fence devices do.
    expect(deps("dev-node01-volume")).not.toContain("dev-host-sshd");
    expect(deps("dev-fence-kvmhost01-stonith")).toEqual(expect.arrayContaining(["dev-host-sshd"]));
    for (const node of ["node01", "node02"]) {
      expect(deps(`dev-${node}-volume`)).toEqual(
        expect.arrayContaining([
          "dev-image-build",
          "dev-net-service-libvirt",
          "dev-net-management-libvirt",
          "dev-net-heartbeat-libvirt",
        ]),
      );
    }
    // Nodes do not wait for each other.
    expect(deps("dev-node02-volume")).not.toContain("dev-node01-ready");
    // Within a node: the seed before the domain, the domain before the wait, which a new domain
    // replaces; the seed's files once the node answers. Storage waits for the files (names resolve).
    expect(deps("dev-node01-domain")).toEqual(expect.arrayContaining(["dev-node01-cloud-init"]));
    expect(deps("dev-node01-ready")).toEqual(expect.arrayContaining(["dev-node01-domain"]));
    expect(get("dev-node01-ready").replaceWith).toEqual(["dev-node01-domain"]);
    // A restart for new settings drains the member by its cluster name and waits for it by its
    // generated host key: no input of the domain comes from the running node.
    expect(input("dev-node02-domain", "member")).toEqual({
      node: {
        address: "192.168.8.122",
        port: 22,
        user: "root",
        hostKey: expect.stringMatching(/^ssh-ed25519 /),
      },
      hostname: "node02",
      clusterNode: "node02h",
      bootSeconds: expect.any(Number),
    });
    expect(deps("dev-node02-domain")).not.toContain("dev-node02-ready");
    expect(deps("dev-node01-files")).toEqual(expect.arrayContaining(["dev-node01-ready"]));
    expect(deps("dev-gluster-peers")).toEqual(
      expect.arrayContaining(["dev-node01-files", "dev-node02-files"]),
    );
    // Storage after every node; the cluster after storage; fencing after the cluster; services last.
    expect(deps("dev-gluster-peers")).toEqual(
      expect.arrayContaining(["dev-node01-ready", "dev-node02-ready"]),
    );
    expect(deps("dev-iscsi-target")).toEqual(
      expect.arrayContaining(["dev-node01-ready", "dev-node02-ready"]),
    );
    expect(deps("dev-cluster-pcs")).toEqual(
      expect.arrayContaining([
        "dev-node01-ready",
        "dev-iscsi-target",
        "dev-gluster-volume",
        "dev-gluster-mount-node02",
      ]),
    );
    expect(deps("dev-fence-kvmhost01-stonith")).toEqual(expect.arrayContaining(["dev-cluster-pcs"]));
    expect(deps("dev-svc-service01-group")).toEqual(
      expect.arrayContaining(["dev-cluster-pcs", "dev-fence-kvmhost01-stonith", "dev-gluster-volume"]),
    );
    // Initiators log in once the target with its LUNs exists; mounts once the volume does.
    expect(deps("dev-iscsi-initiator-node01")).toEqual(expect.arrayContaining(["dev-iscsi-target"]));
    expect(deps("dev-gluster-mount-node01")).toEqual(expect.arrayContaining(["dev-gluster-volume"]));
  });
});

describe("key inputs of the default lab", () => {
  test("component outputs", async () => {
    const { lab } = built;
    expect(await promiseOf(lab.nodeAddresses)).toEqual({ node01: "192.168.8.121", node02: "192.168.8.122" });
    expect(await promiseOf(lab.domainNames)).toEqual({ node01: "halab-node01", node02: "halab-node02" });
    expect(await promiseOf(lab.vips)).toEqual({ service01: "192.168.7.99" });
    expect(await promiseOf(lab.clusterName)).toBe("cluster01");
    expect(await promiseOf(lab.domainType)).toBe("qemu");
    const devices = await promiseOf(lab.iscsi!.devices);
    expect(devices.map((d) => [d.lun, d.sizeMiB])).toEqual([
      [1, 100],
      [2, 1024],
    ]);
    expect(devices[0].path).toBe(
      "/dev/disk/by-path/ip-192.168.8.1:3260-iscsi-iqn.2011-08.com.example.kvmhost:halab-tgt01-lun-1",
    );
  });
});

describe("secrets", () => {
  test("secret inputs reach the providers as secrets", () => {
    expect(isWrappedSecret(get("dev-cluster-pcs").inputs.haclusterPassword)).toBe(true);
    expect(isWrappedSecret(get("dev-fence-kvmhost01-stonith").inputs.identityKey)).toBe(true);
    expect(isWrappedSecret(get("dev-node01-cloud-init").inputs.rootPrivateKey)).toBe(true);
    expect(isWrappedSecret(get("dev-node01-cloud-init").inputs.hostPrivateKey)).toBe(true);
    // A member's domain reaches the node to drain it before a restart.
    expect(isWrappedSecret(get("dev-node01-domain").inputs.sshPrivateKey)).toBe(true);
    // PostgreSQL's role password: generated, secret on its way to the service group.
    expect(isWrappedSecret(get("dev-svc-service01-group").inputs.dbPassword)).toBe(true);
    expect(input("dev-svc-service01-group", "dbClientCidr")).toBe("192.168.7.0/24");
    expect(input("dev-svc-service01-group", "clusterNodeNames")).toEqual({
      node01: "node01h",
      node02: "node02h",
    });
    expect(isWrappedSecret(get("dev-node01-files").inputs.rootPrivateKey)).toBe(true);
    for (const name of [
      "dev-node01-ready",
      "dev-node01-files",
      "dev-gluster-volume",
      "dev-iscsi-target",
      "dev-svc-service01-group",
    ]) {
      expect([name, isWrappedSecret(get(name).inputs.sshPrivateKey)]).toEqual([name, true]);
    }
    // …and no input anywhere holds a private key or the password in plain.
    for (const r of recorded.values()) {
      const text = JSON.stringify(
        Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isWrappedSecret(v))),
      );
      expect([r.name, /PRIVATE KEY|pw-dev-cluster-password/.test(text)]).toEqual([r.name, false]);
    }
  });

  test("the keys flow where they belong", async () => {
    const fencePublic = await promiseOf(built.lab.host.fencePublicKey);
    expect(fencePublic).toMatch(/^ssh-ed25519 .* halab-fence$/);
    expect(input("dev-host-sshd", "fenceAuthorizedKey")).toBe(fencePublic);
    expect(input("dev-host-sshd", "fenceDomains")).toEqual(["halab-node01", "halab-node02"]);
    expect(input("dev-fence-kvmhost01-stonith", "identityKey")).toMatch(/dev-host-fence-key/);
    expect(input("dev-node01-cloud-init", "authorizedKeys")).toEqual([
      expect.stringMatching(/halab-program$/),
      expect.stringMatching(/root@halab$/),
    ]);
    expect(input("dev-node01-cloud-init", "rootPrivateKey")).toMatch(/dev-root-key/);
    expect(input("dev-node02-ready", "sshPrivateKey")).toMatch(/dev-host-program-key/);
    expect(input("dev-cluster-pcs", "haclusterPassword")).toBe("pw-dev-cluster-password");
  });

  test("secret outputs are secret", async () => {
    const { lab } = built;
    if (lab.cluster === undefined || lab.clusterPassword === undefined)
      throw new Error("the default lab has a cluster");
    expect(await pulumi.isSecret(lab.clusterPassword)).toBe(true);
    expect(await pulumi.isSecret(lab.cluster.password)).toBe(true);
    expect(await pulumi.isSecret(lab.host.fencePrivateKey)).toBe(true);
    expect(await pulumi.isSecret(lab.host.programPrivateKey)).toBe(true);
    expect(await pulumi.isSecret(lab.host.fencePublicKey)).toBe(false);
    expect(await pulumi.isSecret(lab.nodeAddresses)).toBe(false);
  });
});

describe("variants", () => {
  test("the cman flavour makes a CmanCluster with expected_votes 1 and a ricci password", async () => {
    const { loaded } = built;
    await buildLab(loaded, "cmanlab", loaded.spec.parseLabSpec({ cluster: { stack: "cman" } }));
    const counts = byType("cmanlab");
    expect(counts.get(`${DYN}CmanCluster`)).toBe(1);
    expect(counts.has(`${DYN}PcsCluster`)).toBe(false);
    const res = get("cmanlab-cluster-cman").inputs;
    expect([res.expectedVotes, res.transport, res.tokenMs]).toEqual([1, "udpu", 20000]);
    expect(isWrappedSecret(res.ricciPassword)).toBe(true);
    expect(input("cmanlab-fence-kvmhost01-stonith", "stack")).toBe("cman");
    // cluster.conf rendered from the same model (version left to the provider).
    const conf = String(res.clusterConf);
    expect(conf).toContain('<cluster config_version="0" name="cluster01">');
    expect(conf).toContain('<cman expected_votes="1" transport="udpu" two_node="1"/>');
    expect(conf).toContain('<device name="kvmhost01" port="halab-node01"/>');
    expect(conf).toContain('<ip address="192.168.7.99" monitor_link="on"/>');
  });

  test("without shared storage, no iSCSI or GlusterFS resources; a path image needs no build", async () => {
    const { loaded } = built;
    await buildLab(
      loaded,
      "bare",
      loaded.spec.parseLabSpec({
        image: { source: "path", location: "/srv/images/debian.qcow2" },
        iscsi: { enabled: false },
        gluster: { enabled: false },
        services: [{ name: "web", resources: [{ kind: "ip", address: "192.168.7.50" }] }],
      }),
    );
    const types = [...byType("bare").keys()];
    expect(types.filter((t) => /Iscsi|Gluster|BaseImage(Build|Fetch)/.test(t))).toEqual([]);
    expect(input("bare-node01-volume", "baseImagePath")).toBe("/srv/images/debian.qcow2");
    expect(input("bare-node01-domain", "kernelPath")).toBe("");
  });
});

describe("layers", () => {
  /** Types of everything above the substrate (storage, cluster, fencing, services). */
  const STORAGE_TYPES = Object.keys(STORAGE);
  const CLUSTER_TYPES = [...Object.keys(CLUSTER), `${DYN}CmanCluster`];

  test("the default is the whole lab (cluster)", () => {
    expect(built.spec.layers).toBe("cluster");
  });

  test("substrate: host, image, networks, nodes and the fence access; no storage, cluster, fencing or services", async () => {
    const { loaded } = built;
    const sub = await buildLab(loaded, "l1sub", loaded.spec.parseLabSpec({ layers: "substrate" }));
    const counts = Object.fromEntries(byType("l1sub"));
    expect(counts).toEqual(SUBSTRATE);
    expect(Object.keys(counts).filter((t) => [...STORAGE_TYPES, ...CLUSTER_TYPES].includes(t))).toEqual([]);
    expect(sub.cluster).toBeUndefined();
    expect(sub.clusterPassword).toBeUndefined();
    expect(sub.iscsi).toBeUndefined();
    expect(sub.gluster).toBeUndefined();
    expect(sub.fenceDevices).toEqual([]);
    expect(sub.serviceGroups).toEqual([]);
    // The outputs that do not need the cluster are still there; no service group, so no VIP.
    expect(await promiseOf(sub.clusterName)).toBe("cluster01");
    expect(await promiseOf(sub.vips)).toEqual({});
    expect(await promiseOf(sub.nodeAddresses)).toEqual({ node01: "192.168.8.121", node02: "192.168.8.122" });
  });

  test("storage: the substrate plus iSCSI and GlusterFS; no cluster, fencing or services", async () => {
    const { loaded } = built;
    const sto = await buildLab(loaded, "l2sto", loaded.spec.parseLabSpec({ layers: "storage" }));
    const counts = Object.fromEntries(byType("l2sto"));
    expect(counts).toEqual({ ...SUBSTRATE, ...STORAGE });
    expect(Object.keys(counts).filter((t) => CLUSTER_TYPES.includes(t))).toEqual([]);
    expect(sto.iscsi).toBeDefined();
    expect(sto.gluster).toBeDefined();
    expect(sto.cluster).toBeUndefined();
    expect(sto.clusterPassword).toBeUndefined();
    expect(sto.fenceDevices).toEqual([]);
    expect(sto.serviceGroups).toEqual([]);
    expect(get("l2sto-gluster-peers").dependsOn).toEqual(
      expect.arrayContaining(["l2sto-node01-ready", "l2sto-node02-ready"]),
    );
  });
});
