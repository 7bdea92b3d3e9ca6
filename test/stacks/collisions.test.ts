/** Two stacks' labs side by side on one host (stacks/collisions.ts). */
import { parseLabSpec, type LabConfigInput } from "../../spec";
import { tgtControlPort } from "../../spec/queries";
import { sideBySideProblems } from "../../stacks/collisions";

const DEV = { stack: "dev", spec: parseLabSpec({ name: "dev" }) };
const RANGES = [
  { name: "service", role: "service" as const, cidr: "192.168.27.0/24" },
  { name: "management", role: "management" as const, cidr: "192.168.28.0/24" },
  { name: "heartbeat", role: "heartbeat" as const, cidr: "192.168.29.0/24" },
];
const staging = (lab: LabConfigInput) => ({
  stack: "staging",
  spec: parseLabSpec({ name: "stg", networks: RANGES, ...lab }),
});
const paths = (lab: LabConfigInput) => sideBySideProblems(staging(lab), [DEV]).map((p) => p.path);

describe("sideBySideProblems", () => {
  test("a lab with a name and ranges of its own shares nothing", () => {
    expect(sideBySideProblems(staging({}), [DEV])).toEqual([]);
  });

  test("the same lab name: every name derived from it is shared too", () => {
    expect(paths({ name: "dev" })).toEqual([
      "name",
      "networks[0].bridge",
      "networks[1].bridge",
      "networks[2].bridge",
      "nodes[0].domainName",
      "nodes[1].domainName",
      "host.stateDir",
      "iscsi.iqn",
      "iscsi.directory",
    ]);
  });

  test("ranges, a bridge, a domain, a state directory, the host sshd: each named with its fix", () => {
    const problems = sideBySideProblems(
      staging({
        networks: [{ ...RANGES[0], cidr: "192.168.7.128/25", bridge: "dev-svc" }, RANGES[1], RANGES[2]],
        nodes: [{ name: "node01", domainName: "dev-node02" }, { name: "node02" }],
        host: { stateDir: "/var/lib/kvm-ha-lab/dev/stg", address: "192.168.28.1" },
      }),
      [DEV],
    );
    expect(problems.map((p) => `${p.path}: ${p.problem}`)).toEqual([
      "networks[0].cidr: 192.168.7.128/25 overlaps the dev stack's service network (192.168.7.0/24)",
      "networks[0].bridge: bridge dev-svc is the dev stack's too",
      "nodes[0].domainName: libvirt domain dev-node02 is the dev stack's too",
      "host.stateDir: /var/lib/kvm-ha-lab/dev/stg overlaps the dev stack's state directory (/var/lib/kvm-ha-lab/dev)",
    ]);
    expect(problems[0].fix).toBe(
      "give the staging stack an address range of its own in Pulumi.staging.yaml, or remove networks[0].cidr from it and promote again (its profile or its lab name gives one)",
    );
  });

  test("the host sshd's address and port", () => {
    const management = [RANGES[0], { ...RANGES[1], cidr: "192.168.8.0/24" }, RANGES[2]];
    expect(paths({ networks: management })).toEqual(["networks[1].cidr", "host.sshPort"]);
    expect(paths({ networks: management, host: { sshPort: 2222 } })).toEqual(["networks[1].cidr"]);
  });

  test("tgtd's control port on the host, derived from two different IQNs", () => {
    const port = tgtControlPort(DEV.spec.iscsi.iqn);
    let n = 0;
    while (tgtControlPort(`iqn.2011-08.com.example.kvmhost:stg-${n}`) !== port) n++;
    const problems = sideBySideProblems(
      staging({ iscsi: { iqn: `iqn.2011-08.com.example.kvmhost:stg-${n}` } }),
      [DEV],
    );
    expect(problems.map((p) => `${p.path}: ${p.problem}`)).toEqual([
      `iscsi.iqn: tgtd's control port ${port} (derived from the IQN) is the dev stack's too`,
    ]);
    // A target on a node of the lab runs no tgtd on the host.
    expect(
      sideBySideProblems(
        staging({ iscsi: { iqn: `iqn.2011-08.com.example.kvmhost:stg-${n}`, host: "node02" } }),
        [DEV],
      ),
    ).toEqual([]);
  });
});
