/**
 * The resource graph of the default lab, built under Pulumi mocks: which resources exist, under
 * which parent, in which order, with which key inputs, and that secrets stay secret.
 *
 * The mocks are set before the components are imported (they are loaded with dynamic imports).
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockMonitor, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import type * as Components from "../components";
import type * as Spec from "../spec";

/** Marker of a secret value in the property bags the mock monitor hands out. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

/** One registered resource, as the mock monitor saw it. */
interface Recorded {
  name: string;
  type: string;
  custom: boolean;
  /** Inputs without the serialised provider; secrets still wrapped (see {@link isWrappedSecret}). */
  inputs: Props;
  /** Name of the parent resource ("" for none). */
  parent: string;
  /** Names of the resources it explicitly depends on. */
  dependsOn: string[];
}

interface RegisterRequest {
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}
type RegisterCallback = (err: unknown, response: unknown) => void;

const recorded = new Map<string, Recorded>();
const pendingParents = new Map<string, { parent: string; dependsOn: string[] }>();
let outstanding = 0;

const nameOfUrn = (urn: string): string => urn.split("::").pop() ?? "";

function isWrappedSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** The plain value of a recorded input (secret wrapper removed). */
function plain(value: unknown): unknown {
  return isWrappedSecret(value) ? value.value : value;
}

/** Plausible computed outputs, as the real providers would return them. */
function computedOutputs(kind: string, name: string, inputs: Props): Props {
  switch (kind) {
    case "SshKeyPair":
      return {
        publicKey: `ssh-ed25519 AAAAC3${name} ${String(inputs.comment)}`,
        privateKey: pulumi.secret(
          `-----BEGIN OPENSSH PRIVATE KEY-----\n${name}\n-----END OPENSSH PRIVATE KEY-----`,
        ),
        fingerprint: `SHA256:${name}`,
      };
    case "RandomSecret":
      return { value: pulumi.secret(`pw-${name}`) };
    case "HostPrep":
      return { domainType: "qemu", cpuVirtualisation: false, startedDaemons: false };
    case "HostSshd":
      return { sshHostKey: "ssh-ed25519 AAAAhost" };
    case "BaseImageBuild":
      return {
        imagePath: "/var/lib/kvm-ha-lab/images/abc.qcow2",
        kernelPath: "/var/lib/kvm-ha-lab/images/abc.vmlinuz",
        initrdPath: "/var/lib/kvm-ha-lab/images/abc.initrd",
        contentKey: "abc",
      };
    case "NodeVolume":
    case "CloudInitDisk":
      return { path: `/var/lib/kvm-ha-lab/${name}` };
    case "LibvirtNetwork":
    case "LibvirtDomain":
      return { uuid: `uuid-${name}` };
    default:
      return {};
  }
}

function kindOf(args: MockResourceArgs): string {
  const last = args.type.split(":").pop() ?? "";
  return last;
}

function stripProvider(inputs: Props): Props {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")));
}

/** Waits until the mock monitor has been idle for a while (every registration done). */
async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 5;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    quiet = outstanding === 0 ? quiet + 1 : 0;
  }
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

function byType(prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of recorded.values()) {
    if (!r.name.startsWith(prefix)) continue;
    counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  }
  return counts;
}

function get(name: string): Recorded {
  const r = recorded.get(name);
  if (r === undefined) throw new Error(`no resource named ${name}; have: ${[...recorded.keys()].join(", ")}`);
  return r;
}

function input(name: string, key: string): unknown {
  return plain(get(name).inputs[key]);
}

const DYN = "pulumi-nodejs:dynamic/kvmlab:";

let components: typeof Components;
let spec: typeof Spec;
let lab: Components.HaLab;
let defaultSpec: Spec.LabSpec;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args: MockResourceArgs) {
        const inputs = stripProvider(args.inputs as Props);
        const links = pendingParents.get(args.name) ?? { parent: "", dependsOn: [] };
        recorded.set(args.name, {
          name: args.name,
          type: args.type,
          custom: args.custom === true,
          inputs,
          ...links,
        });
        if (args.custom !== true) return { id: undefined, state: {} };
        return {
          id: `${args.name}-id`,
          state: { ...inputs, ...computedOutputs(kindOf(args), args.name, inputs) },
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    "kvm-ha-lab",
    "dev",
  );

  // Record each registration's parent and explicit dependencies, and count registrations in flight.
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req: RegisterRequest, callback: RegisterCallback) => {
    outstanding++;
    pendingParents.set(req.getName(), {
      parent: nameOfUrn(req.getParent()),
      dependsOn: req.getDependenciesList().map(nameOfUrn),
    });
    await register(req, (err: unknown, response: unknown) => {
      outstanding--;
      callback(err, response);
    });
  };

  components = await import("../components");
  spec = await import("../spec");
  defaultSpec = spec.parseLabSpec({});
  lab = new components.HaLab("dev", { spec: defaultSpec });
  await promiseOf(pulumi.all([lab.nodeAddresses, lab.vips, lab.clusterName, lab.domainType]));
  await settle();
});

describe("the default lab's resource graph", () => {
  test("has every resource, counted by type", () => {
    expect(Object.fromEntries(byType("dev"))).toEqual({
      "kvmlab:lab:HaLab": 1,
      "kvmlab:host:KvmHost": 1,
      "kvmlab:image:BaseImage": 1,
      "kvmlab:network:LabNetwork": 3,
      "kvmlab:node:ClusterNode": 2,
      "kvmlab:storage:IscsiTarget": 1,
      "kvmlab:storage:GlusterVolume": 1,
      "kvmlab:cluster:HaCluster": 1,
      "kvmlab:cluster:FenceDevice": 1,
      "kvmlab:cluster:ServiceGroup": 1,
      [`${DYN}SshKeyPair`]: 3,
      [`${DYN}RandomSecret`]: 2,
      [`${DYN}HostPrep`]: 1,
      [`${DYN}HostSshd`]: 1,
      [`${DYN}BaseImageBuild`]: 1,
      [`${DYN}LibvirtNetwork`]: 3,
      [`${DYN}NodeVolume`]: 2,
      [`${DYN}CloudInitDisk`]: 2,
      [`${DYN}LibvirtDomain`]: 2,
      [`${DYN}NodeReady`]: 2,
      [`${DYN}IscsiTarget`]: 1,
      [`${DYN}IscsiInitiator`]: 2,
      [`${DYN}GlusterPeers`]: 1,
      [`${DYN}GlusterVolume`]: 1,
      [`${DYN}GlusterMount`]: 2,
      [`${DYN}PcsCluster`]: 1,
      [`${DYN}StonithDevice`]: 1,
      [`${DYN}ClusterServiceGroup`]: 1,
    });
    const all = [...recorded.values()].filter((r) => r.name.startsWith("dev"));
    expect(all.filter((r) => !r.custom)).toHaveLength(13);
    expect(all.filter((r) => r.custom)).toHaveLength(29);
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
  test("networks: libvirt names, CIDRs, isolated", () => {
    const nets = ["service", "management", "heartbeat"].map((n) => get(`dev-net-${n}-libvirt`).inputs);
    expect(nets.map((n) => [n.name, n.cidr, n.mode])).toEqual([
      ["halab-service", "192.168.7.0/24", "isolated"],
      ["halab-management", "192.168.8.0/24", "isolated"],
      ["halab-heartbeat", "192.168.9.0/24", "isolated"],
    ]);
    expect(nets.map((n) => n.gateway)).toEqual(["192.168.7.1", "192.168.8.1", "192.168.9.1"]);
  });

  test("host: HostPrep gets the endpoint and the daemon settings only; HostSshd the fence access", () => {
    const prep = get("dev-host-prep").inputs;
    expect(prep).toEqual({
      host: { libvirtUri: "qemu:///system", stateDir: defaultSpec.host.stateDir },
      daemon: defaultSpec.host.daemon,
      requestedDomainType: "auto",
      timeClients: ["192.168.8.0/24"],
    });
    for (const gone of ["sshAddress", "sshPort", "sshUser", "fenceAuthorizedKey"])
      expect(prep).not.toHaveProperty(gone);

    const sshd = get("dev-host-sshd");
    expect(sshd.type).toBe(`${DYN}HostSshd`);
    expect(sshd.inputs).toMatchObject({
      host: { libvirtUri: "qemu:///system", stateDir: defaultSpec.host.stateDir },
      daemon: defaultSpec.host.daemon,
      address: "192.168.8.1",
      port: 22,
      user: "root",
      fenceDomains: ["halab-node01", "halab-node02"],
    });
    expect(plain(sshd.inputs.fenceAuthorizedKey)).toMatch(/^ssh-ed25519 \S+ halab-fence$/);
  });

  test("nodes: static addresses per NIC matched by MAC, one NIC per network, /etc/hosts", () => {
    for (const [i, node] of defaultSpec.nodes.entries()) {
      const host = 121 + i;
      const ci = get(`dev-${node.name}-cloud-init`).inputs;
      expect(ci.hostname).toBe(node.name);
      expect(ci.interfaces).toEqual([
        { name: "lab-svc", mac: node.interfaces[0].mac, address: `192.168.7.${host}`, prefix: 24 },
        { name: "lab-mgt", mac: node.interfaces[1].mac, address: `192.168.8.${host}`, prefix: 24 },
        { name: "lab-hb", mac: node.interfaces[2].mac, address: `192.168.9.${host}`, prefix: 24 },
      ]);
      const dom = get(`dev-${node.name}-domain`).inputs;
      expect(dom.nics).toEqual(
        ["service", "management", "heartbeat"].map((n, k) => ({
          network: `halab-${n}`,
          mac: node.interfaces[k].mac,
        })),
      );
      expect(dom.name).toBe(`halab-${node.name}`);
      expect(dom.domainType).toBe("qemu");
      expect(input(`dev-${node.name}-ready`, "node")).toEqual({
        address: `192.168.8.${host}`,
        port: 22,
        user: "root",
      });
    }
    const macs = defaultSpec.nodes.flatMap((n) => n.interfaces.map((i) => i.mac));
    expect(new Set(macs).size).toBe(6);
    for (const mac of macs) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    const hosts = get("dev-node01-cloud-init").inputs.hosts as { address: string; names: string[] }[];
    expect(hosts).toContainEqual({ address: "192.168.7.122", names: ["node02"] });
    expect(hosts).toContainEqual({ address: "192.168.8.121", names: ["node01m"] });
    expect(hosts).toContainEqual({ address: "192.168.9.123", names: ["node03h"] });
    expect(hosts).toHaveLength(9);
  });

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

  test("GlusterFS: data00, replica 2, bricks on the management names, prepared for the service", () => {
    const vol = get("dev-gluster-volume").inputs;
    expect([vol.name, vol.replica, vol.transport]).toEqual(["data00", 2, "tcp"]);
    expect(vol.bricks).toEqual(["node01m:/glvol00", "node02m:/glvol00"]);
    expect(input("dev-gluster-peers", "peers")).toEqual(["node01m", "node02m"]);
    expect(input("dev-gluster-mount-node01", "mountPoint")).toBe("/gldata00");
    expect(input("dev-gluster-mount-node01", "mode")).toBe("prepared");
  });

  test("cluster01: pacemaker, token 20000, two_node, links heartbeat then management", () => {
    const pcs = get("dev-cluster-pcs").inputs;
    expect([pcs.name, pcs.tokenMs, pcs.twoNode, pcs.transport]).toEqual(["cluster01", 20000, true, "knet"]);
    expect((pcs.members as { linkAddresses: string[] }[]).map((m) => m.linkAddresses)).toEqual([
      ["192.168.9.121", "192.168.8.121"],
      ["192.168.9.122", "192.168.8.122"],
    ]);
    expect((pcs.properties as Props)["stonith-enabled"]).toBe("true");
  });

  test("fencing: fence_virsh to the host's management address, port = libvirt domain", () => {
    const st = get("dev-fence-kvmhost01-stonith").inputs;
    expect([st.agent, st.ipaddr, st.login, st.identityFile, st.action]).toEqual([
      "fence_virsh",
      "192.168.8.1",
      "root",
      "/etc/cluster/fence_virsh_key",
      "reboot",
    ]);
    expect(st.hostMap).toEqual({ node01: "halab-node01", node02: "halab-node02" });
  });

  test("service01: VIP 192.168.7.99, then the data00 mount, then PostgreSQL, in dom01", () => {
    const group = get("dev-svc-service01-group").inputs;
    const resources = group.resources as { kind: string; address?: string }[];
    expect(resources.map((r) => r.kind)).toEqual(["ip", "gluster-mount", "postgresql"]);
    expect(resources[0].address).toBe("192.168.7.99");
    expect(group.domain).toEqual({
      name: "dom01",
      nodes: ["node01", "node02"],
      ordered: false,
      restricted: true,
    });
  });

  test("component outputs", async () => {
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
    // PostgreSQL's role password: generated, secret on its way to the service group.
    expect(isWrappedSecret(get("dev-svc-service01-group").inputs.dbPassword)).toBe(true);
    expect(input("dev-svc-service01-group", "dbClientCidr")).toBe("192.168.7.0/24");
    expect(input("dev-svc-service01-group", "clusterNodeNames")).toEqual({
      node01: "node01h",
      node02: "node02h",
    });
    for (const name of [
      "dev-node01-ready",
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
    const fencePublic = await promiseOf(lab.host.fencePublicKey);
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
    const cman = new components.HaLab("cmanlab", { spec: spec.parseLabSpec({ cluster: { stack: "cman" } }) });
    await promiseOf(cman.vips);
    await settle();
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
    const bare = new components.HaLab("bare", {
      spec: spec.parseLabSpec({
        image: { source: "path", location: "/srv/images/debian.qcow2" },
        iscsi: { enabled: false },
        gluster: { enabled: false },
        services: [{ name: "web", resources: [{ kind: "ip", address: "192.168.7.50" }] }],
      }),
    });
    await promiseOf(bare.vips);
    await settle();
    const types = [...byType("bare").keys()];
    expect(types.filter((t) => /Iscsi|Gluster|BaseImage(Build|Fetch)/.test(t))).toEqual([]);
    expect(input("bare-node01-volume", "baseImagePath")).toBe("/srv/images/debian.qcow2");
    expect(input("bare-node01-domain", "kernelPath")).toBe("");
  });
});

describe("layers", () => {
  /** Types of everything above the substrate (storage, cluster, fencing, services). */
  const STORAGE_TYPES = [
    "kvmlab:storage:IscsiTarget",
    "kvmlab:storage:GlusterVolume",
    `${DYN}IscsiTarget`,
    `${DYN}IscsiInitiator`,
    `${DYN}GlusterPeers`,
    `${DYN}GlusterVolume`,
    `${DYN}GlusterMount`,
  ];
  const CLUSTER_TYPES = [
    "kvmlab:cluster:HaCluster",
    "kvmlab:cluster:FenceDevice",
    "kvmlab:cluster:ServiceGroup",
    `${DYN}PcsCluster`,
    `${DYN}CmanCluster`,
    `${DYN}StonithDevice`,
    `${DYN}ClusterServiceGroup`,
    `${DYN}RandomSecret`,
  ];
  const SUBSTRATE = {
    "kvmlab:lab:HaLab": 1,
    "kvmlab:host:KvmHost": 1,
    "kvmlab:image:BaseImage": 1,
    "kvmlab:network:LabNetwork": 3,
    "kvmlab:node:ClusterNode": 2,
    [`${DYN}SshKeyPair`]: 3,
    [`${DYN}HostPrep`]: 1,
    [`${DYN}HostSshd`]: 1,
    [`${DYN}BaseImageBuild`]: 1,
    [`${DYN}LibvirtNetwork`]: 3,
    [`${DYN}NodeVolume`]: 2,
    [`${DYN}CloudInitDisk`]: 2,
    [`${DYN}LibvirtDomain`]: 2,
    [`${DYN}NodeReady`]: 2,
  };

  test("the default is the whole lab (cluster)", () => {
    expect(defaultSpec.layers).toBe("cluster");
  });

  test("substrate: host, image, networks, nodes and the fence access; no storage, cluster, fencing or services", async () => {
    const sub = new components.HaLab("l1sub", { spec: spec.parseLabSpec({ layers: "substrate" }) });
    await promiseOf(pulumi.all([sub.nodeAddresses, sub.vips, sub.clusterName, sub.domainType]));
    await settle();
    const counts = Object.fromEntries(byType("l1sub"));
    expect(counts).toEqual(SUBSTRATE);
    expect(Object.keys(counts).filter((t) => [...STORAGE_TYPES, ...CLUSTER_TYPES].includes(t))).toEqual([]);
    expect(sub.cluster).toBeUndefined();
    expect(sub.clusterPassword).toBeUndefined();
    expect(sub.iscsi).toBeUndefined();
    expect(sub.gluster).toBeUndefined();
    expect(sub.fenceDevices).toEqual([]);
    expect(sub.serviceGroups).toEqual([]);
    // The outputs that do not need the cluster are still there.
    expect(await promiseOf(sub.clusterName)).toBe("cluster01");
    expect(await promiseOf(sub.vips)).toEqual({ service01: "192.168.7.99" });
    expect(await promiseOf(sub.nodeAddresses)).toEqual({ node01: "192.168.8.121", node02: "192.168.8.122" });
  });

  test("storage: the substrate plus iSCSI and GlusterFS; no cluster, fencing or services", async () => {
    const sto = new components.HaLab("l2sto", { spec: spec.parseLabSpec({ layers: "storage" }) });
    await promiseOf(pulumi.all([sto.nodeAddresses, sto.vips, sto.clusterName, sto.domainType]));
    await settle();
    const counts = Object.fromEntries(byType("l2sto"));
    expect(counts).toEqual({
      ...SUBSTRATE,
      "kvmlab:storage:IscsiTarget": 1,
      "kvmlab:storage:GlusterVolume": 1,
      [`${DYN}IscsiTarget`]: 1,
      [`${DYN}IscsiInitiator`]: 2,
      [`${DYN}GlusterPeers`]: 1,
      [`${DYN}GlusterVolume`]: 1,
      [`${DYN}GlusterMount`]: 2,
    });
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

describe("the program (index.ts)", () => {
  test("exports addresses, domain type, VIPs, cluster name — and the password only as a secret", async () => {
    const program: Record<string, unknown> = await import("../index");
    await settle();
    const out = (key: string) => program[key] as pulumi.Output<unknown>;
    expect(program.labName).toBe("halab");
    expect(program.layers).toBe("cluster");
    expect(await promiseOf(out("nodeAddresses"))).toEqual({
      node01: "192.168.8.121",
      node02: "192.168.8.122",
    });
    expect(await promiseOf(out("domainType"))).toBe("qemu");
    expect(await promiseOf(out("vips"))).toEqual({ service01: "192.168.7.99" });
    expect(await promiseOf(out("clusterName"))).toBe("cluster01");
    expect(await pulumi.isSecret(out("clusterPassword"))).toBe(true);
    for (const [key, value] of Object.entries(program)) {
      if (key === "clusterPassword" || !pulumi.Output.isInstance(value)) continue;
      expect([key, await pulumi.isSecret(value)]).toEqual([key, false]);
    }
    expect(Object.keys(program).filter((k) => /private|key/i.test(k))).toEqual([]);
  });
});
