/** Addresses following their networks to new ranges (stacks/rebase.ts). */
import { rebaseAddresses } from "../../stacks/rebase";

const MOVES = [
  { from: "192.168.7.0/24", to: "192.168.27.0/24" },
  { from: "192.168.8.0/24", to: "10.1.0.0/16" },
];

describe("rebaseAddresses", () => {
  test("moves every address inside a source range to the same host number, with its prefix or port", () => {
    expect(
      rebaseAddresses(
        {
          addresses: { service: "192.168.7.121", management: "192.168.8.121" },
          vip: "192.168.7.99/24",
          fallback: "192.168.7.1:80",
          pingTargets: ["192.168.7.1", "192.168.9.1"],
        },
        MOVES,
      ),
    ).toEqual({
      addresses: { service: "192.168.27.121", management: "10.1.0.121" },
      vip: "192.168.27.99/24",
      fallback: "192.168.27.1:80",
      pingTargets: ["192.168.27.1", "192.168.9.1"],
    });
  });

  test("leaves other strings, keys, numbers and addresses outside the ranges as they are", () => {
    const value = {
      "192.168.7.5": "127.0.0.1:80",
      name: "node01",
      mac: "52:54:00:12:34:56",
      path: "/srv/192.168.7.5",
      port: 5432,
      on: true,
      nothing: null,
    };
    expect(rebaseAddresses(value, MOVES)).toEqual(value);
  });

  test("leaves an address whose host number the target range cannot hold", () => {
    expect(rebaseAddresses(["10.0.1.5"], [{ from: "10.0.0.0/16", to: "192.168.27.0/24" }])).toEqual([
      "10.0.1.5",
    ]);
    expect(rebaseAddresses(["10.0.0.5"], [{ from: "10.0.0.0/16", to: "192.168.27.0/24" }])).toEqual([
      "192.168.27.5",
    ]);
  });
});
