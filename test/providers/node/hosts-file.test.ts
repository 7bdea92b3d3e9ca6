/**
 * The /etc/hosts renderer, rendered from the default lab's hosts table. Compared byte for byte
 * with its golden file under test/golden/; after an intended change, regenerate it with
 *
 *     UPDATE_GOLDEN=1 npx jest test/providers/node/hosts-file.test.ts
 *
 * and review the diff.
 */
import { renderHostsFile } from "../../../providers/node/hosts-file";
import { expectGolden } from "../../support/golden";
import { hosts } from "../../fixtures/default-lab";

describe("/etc/hosts", () => {
  const out = renderHostsFile(hosts);
  const lines = out
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/));
  const addressOf = (name: string): string | undefined => lines.find((l) => l.slice(1).includes(name))?.[0];

  test("matches the golden file", () => {
    expectGolden("hosts-node01", out);
  });

  test("lists every node name on every network, and the reserved node03", () => {
    expect(addressOf("node01")).toBe("192.168.7.121");
    expect(addressOf("node01m")).toBe("192.168.8.121");
    expect(addressOf("node01h")).toBe("192.168.9.121");
    expect(addressOf("node02")).toBe("192.168.7.122");
    expect(addressOf("node02h")).toBe("192.168.9.122");
    expect(addressOf("node03")).toBe("192.168.7.123");
    expect(addressOf("node03m")).toBe("192.168.8.123");
  });

  test("never maps a lab name to a loopback address", () => {
    for (const [address, ...names] of lines) {
      if (address.startsWith("127.") || address === "::1") {
        expect(names.every((n) => n.startsWith("localhost") || n.startsWith("ip6-"))).toBe(true);
      }
    }
    expect(() => renderHostsFile([{ address: "127.0.1.1", names: ["node01"] }])).toThrow(/loopback/);
  });

  test("does not depend on the order of the entries", () => {
    expect(renderHostsFile([...hosts].reverse())).toBe(out);
  });

  test("rejects a name on two addresses", () => {
    expect(() =>
      renderHostsFile([
        { address: "192.168.7.1", names: ["x"] },
        { address: "192.168.7.2", names: ["x"] },
      ]),
    ).toThrow(/maps to both/);
  });
});
