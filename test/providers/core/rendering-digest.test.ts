/**
 * The rendering digest of the provider base: a kind that declares `render` stores a digest of what
 * it renders, so a renderer change reaches an existing resource as an update (a replacement for a
 * kind without update), and state written before digests existed is no change until its next
 * update records one.
 */
import { z } from "zod";
import { defineProvider, digestOf, RENDERING_KEY, UNKNOWN, type Props } from "../../../providers/core/base";

/** Records what the kind's create/update ran, so a test sees whether anything ran at all. */
interface Journal {
  ran: string[];
}

/** A kind that renders a config file from `port`, with or without an update. */
function kind(journal: Journal, opts: { template: string; revision?: number; withUpdate?: boolean }) {
  const render = (port: number) => opts.template.replace("PORT", String(port));
  return defineProvider({
    kind: "Rendered",
    schema: () => z.object({ port: z.number().int(), label: z.string().default("x") }),
    render: (inputs) => ({ file: render(inputs.port) }),
    revision: opts.revision,
    async create(inputs) {
      journal.ran.push(`create ${render(inputs.port)}`);
      return { id: "r1", outs: {} };
    },
    update:
      opts.withUpdate === false
        ? undefined
        : async (_id, _olds, news) => {
            journal.ran.push(`update ${render(news.port)}`);
            return {};
          },
  });
}

/** What the engine stores after a create through `provider`. */
async function created(provider: ReturnType<typeof kind>, news: Props): Promise<Props> {
  const { inputs } = await provider.check({}, news);
  return (await provider.create(inputs as Props)).outs;
}

describe("rendering digest", () => {
  it("is stored at create, from what the kind renders and its revision", async () => {
    const journal = { ran: [] };
    const olds = await created(kind(journal, { template: "Listen PORT" }), { port: 22 });
    expect(olds[RENDERING_KEY]).toBe(digestOf(0, { file: "Listen 22" }));
    const revised = await created(kind(journal, { template: "Listen PORT", revision: 2 }), { port: 22 });
    expect(revised[RENDERING_KEY]).toBe(digestOf(2, { file: "Listen 22" }));
    expect(revised[RENDERING_KEY]).not.toBe(olds[RENDERING_KEY]);
  });

  it("makes a renderer change an in-place update with unchanged inputs, run with the new code", async () => {
    const journal: Journal = { ran: [] };
    const olds = await created(kind(journal, { template: "Listen PORT" }), { port: 22 });
    const fixed = kind(journal, { template: "ListenAddress 0.0.0.0:PORT" });
    const { inputs: news } = await fixed.check(olds, { port: 22 });
    expect(await fixed.diff("r1", olds, news as Props)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await fixed.update("r1", olds, news as Props);
    expect(journal.ran).toEqual(["create Listen 22", "update ListenAddress 0.0.0.0:22"]);
  });

  it("is no change when the renderer and the inputs are the same", async () => {
    const provider = kind({ ran: [] }, { template: "Listen PORT" });
    const olds = await created(provider, { port: 22 });
    const { inputs: news } = await provider.check(olds, { port: 22 });
    expect((await provider.diff("r1", olds, news as Props)).changes).toBe(false);
  });

  it("replaces a kind without update when what it renders changed", async () => {
    const journal: Journal = { ran: [] };
    const olds = await created(kind(journal, { template: "a PORT", withUpdate: false }), { port: 1 });
    const changed = kind(journal, { template: "b PORT", withUpdate: false });
    const { inputs: news } = await changed.check(olds, { port: 1 });
    expect((await changed.diff("r1", olds, news as Props)).replaces).toEqual([RENDERING_KEY]);
  });

  it("is no change for state written before digests existed, with or without update", async () => {
    for (const withUpdate of [true, false]) {
      const provider = kind({ ran: [] }, { template: "Listen PORT", withUpdate });
      const olds: Props = { port: 22, label: "x" };
      const { inputs: news } = await provider.check(olds, { port: 22 });
      expect(await provider.diff("r1", olds, news as Props)).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("is recorded by the next real update of such state, which converges with the new code", async () => {
    const journal: Journal = { ran: [] };
    const provider = kind(journal, { template: "Listen PORT" });
    const olds: Props = { port: 22, label: "x" };
    const { inputs: news } = await provider.check(olds, { port: 2222 });
    expect((await provider.diff("r1", olds, news as Props)).changes).toBe(true);
    const { outs } = await provider.update("r1", olds, news as Props);
    expect(journal.ran).toEqual(["update Listen 2222"]);
    expect(outs[RENDERING_KEY]).toBe(digestOf(0, { file: "Listen 2222" }));
  });

  it("is unknown while an input is unknown (preview), and counts as a possible change", async () => {
    const provider = kind({ ran: [] }, { template: "Listen PORT" });
    const olds = await created(provider, { port: 22 });
    const { inputs: news } = await provider.check(olds, { port: UNKNOWN });
    expect((news as Props)[RENDERING_KEY]).toBe(UNKNOWN);
    expect((await provider.diff("r1", olds, news as Props)).changes).toBe(true);
  });

  it("is not computed for inputs that failed their checks", async () => {
    const provider = kind({ ran: [] }, { template: "Listen PORT" });
    const { inputs, failures } = await provider.check({}, { port: "twenty-two" });
    expect(failures).toHaveLength(1);
    expect((inputs as Props)[RENDERING_KEY]).toBeUndefined();
  });
});
