/** The golden-file helper (test/support/golden.ts): UPDATE_GOLDEN rewrites, never under CI. */
import * as fs from "node:fs";
import * as path from "node:path";
import { expectGolden, inCi, updatingGolden } from "../support/golden";

describe("golden files", () => {
  test("CI counts as set for any value but empty, 0 and false", () => {
    expect(inCi({})).toBe(false);
    for (const v of ["", "0", "false", "FALSE", " "]) expect(inCi({ CI: v })).toBe(false);
    for (const v of ["true", "1", "yes", "woodpecker"]) expect(inCi({ CI: v })).toBe(true);
  });

  test("UPDATE_GOLDEN=1 rewrites locally; anything else compares", () => {
    expect(updatingGolden({ UPDATE_GOLDEN: "1" })).toBe(true);
    expect(updatingGolden({ UPDATE_GOLDEN: "1", CI: "false" })).toBe(true);
    expect(updatingGolden({})).toBe(false);
    expect(updatingGolden({ UPDATE_GOLDEN: "true" })).toBe(false);
    expect(updatingGolden({ CI: "true" })).toBe(false);
  });

  test("UPDATE_GOLDEN=1 under CI throws, saying why and what to do", () => {
    expect(() => updatingGolden({ UPDATE_GOLDEN: "1", CI: "true" })).toThrow(
      /UPDATE_GOLDEN=1 is refused when CI is set \(CI=true\): rewriting golden files would make every golden check pass/,
    );
  });

  test("expectGolden under CI with UPDATE_GOLDEN=1 fails and writes nothing", () => {
    const saved = { CI: process.env.CI, UPDATE_GOLDEN: process.env.UPDATE_GOLDEN };
    const file = "never-written-by-a-test.txt";
    const target = path.join(__dirname, "..", "golden", file);
    try {
      process.env.CI = "true";
      process.env.UPDATE_GOLDEN = "1";
      expect(() => expectGolden(file, "anything")).toThrow(/refused when CI is set/);
      expect(fs.existsSync(target)).toBe(false);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test("expectGolden compares with the committed file", () => {
    const saved = process.env.UPDATE_GOLDEN;
    try {
      delete process.env.UPDATE_GOLDEN;
      const text = fs.readFileSync(path.join(__dirname, "..", "golden", "hosts-node01"), "utf8");
      expectGolden("hosts-node01", text);
      expect(() => expectGolden("hosts-node01", `${text}changed\n`)).toThrow();
    } finally {
      if (saved !== undefined) process.env.UPDATE_GOLDEN = saved;
    }
  });
});
