import { Problems, formatProblem } from "../../spec/problems";

describe("problem collector", () => {
  test("formats a problem as path, problem and fix", () => {
    expect(formatProblem({ path: "nodes[1].name", problem: "bad", fix: "rename it" })).toBe(
      "nodes[1].name: bad. Fix: rename it",
    );
  });

  test("need() records a problem only when its condition is false", () => {
    const problems = new Problems();
    problems.need(true, "a", "never", "nothing");
    problems.need(false, "b", "wrong", "fix b");
    expect(problems.list).toEqual([{ path: "b", problem: "wrong", fix: "fix b" }]);
  });

  test("add() appends problems found elsewhere, in order", () => {
    const problems = new Problems();
    problems.add({ path: "x", problem: "p1", fix: "f1" }, { path: "y", problem: "p2", fix: "f2" });
    expect(problems.list.map((p) => p.path)).toEqual(["x", "y"]);
  });

  test("throwIfAny: nothing without problems", () => {
    expect(() => new Problems().throwIfAny("input")).not.toThrow();
  });

  test("throwIfAny: one problem on the error's line", () => {
    const problems = new Problems();
    problems.need(false, "name", "is empty", "give a name");
    expect(() => problems.throwIfAny("cluster.conf input")).toThrow(
      new Error("cluster.conf input: name: is empty. Fix: give a name"),
    );
  });

  test("throwIfAny: several problems, one per line", () => {
    const problems = new Problems();
    problems.need(false, "name", "is empty", "give a name");
    problems.need(false, "nodes", "has no node", "add one");
    expect(() => problems.throwIfAny("pcs input")).toThrow(
      new Error("pcs input:\n  - name: is empty. Fix: give a name\n  - nodes: has no node. Fix: add one"),
    );
  });
});
