/**
 * The one problem collector of the project: the lab model's validation and the renderers' input
 * checks all report a problem as the field to change, what is wrong, and how to fix it, and all
 * report every problem at once.
 */

/** One problem in a description. */
export interface Problem {
  /** Path of the field to change, e.g. `nodes[1].addresses.heartbeat`. */
  path: string;
  /** What is wrong (no trailing period). */
  problem: string;
  /** What to do about it (no trailing period). */
  fix: string;
}

/** Formats a problem as `<path>: <problem>. Fix: <fix>`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.problem}. Fix: ${p.fix}`;
}

/** Collects problems: `need(ok, path, problem, fix)` records one when `ok` is false. */
export class Problems {
  /** The problems recorded so far, in order. */
  readonly list: Problem[];

  /**
   * Starts empty. Set here, not as a field initialiser: Pulumi's serialisation of a provider keeps
   * a class's constructor but drops its field initialisers.
   */
  constructor() {
    this.list = [];
  }

  /** Records a problem when `ok` is false. */
  need(ok: boolean, path: string, problem: string, fix: string): void {
    if (!ok) this.list.push({ path, problem, fix });
  }

  /** Records problems found elsewhere. */
  add(...problems: readonly Problem[]): void {
    this.list.push(...problems);
  }

  /** Throws one error listing every problem (`<what>: …`), each naming its field and its fix. */
  throwIfAny(what: string): void {
    const lines = this.list.map(formatProblem);
    if (lines.length === 1) throw new Error(`${what}: ${lines[0]}`);
    if (lines.length > 1) throw new Error(`${what}:\n${lines.map((l) => `  - ${l}`).join("\n")}`);
  }
}
