/**
 * Driving a provider through its public methods as the engine does: check → create,
 * read → diff → update, delete; and the diff results the tests compare with.
 */
import { RESOURCE_NAME_KEY, type Props } from "../../providers/core/base";

/** What the helpers need of a provider (every kind's provider has it). */
interface Driven {
  check: (olds: Props, news: Props) => Promise<{ inputs?: Props; failures?: { property: string }[] }>;
  read: (id: string, props: Props) => Promise<{ id?: string; props?: Props }>;
}

/** No change at all. */
export const NO_DIFF = { changes: false, replaces: [], deleteBeforeReplace: false };
/** A change the provider updates in place. */
export const IN_PLACE = { changes: true, replaces: [], deleteBeforeReplace: false };

/** Props with the resource's name, as the component passes it. */
export const named = (props: Props, name: string): Props => ({ ...props, [RESOURCE_NAME_KEY]: name });

/** Runs `check` as the engine does and returns the normalised inputs (failing on any failure). */
export async function checked(provider: Pick<Driven, "check">, news: Props): Promise<Props> {
  const r = await provider.check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Props;
}

/** The properties `check` complains about, sorted. */
export async function failedProperties(provider: Pick<Driven, "check">, news: Props): Promise<string[]> {
  const r = await provider.check({}, news);
  return (r.failures ?? []).map((f) => f.property).sort();
}

/** `read` then `diff` against `news`, as `pulumi up --refresh` does; the read keeps the id. */
export async function refreshDiff<D>(
  provider: Pick<Driven, "read"> & { diff: (id: string, olds: Props, news: Props) => Promise<D> },
  id: string,
  olds: Props,
  news: Props,
): Promise<{ props: Props; diff: D }> {
  const read = await provider.read(id, olds);
  expect(read.id).toBe(id);
  const props = read.props as Props;
  return { props, diff: await provider.diff(id, props, news) };
}

/**
 * A kind with a `present` flag (a cached file): creates it from `inputs`, reads it present, runs
 * `remove` (the file goes out of band), reads it again: present false, an in-place change. Returns
 * the id and the read's props for the update that brings it back.
 */
export async function readsPresentThenGone(
  provider: Driven & {
    create: (inputs: Props) => Promise<{ id: string; outs: Props }>;
    diff: (id: string, olds: Props, news: Props) => Promise<unknown>;
  },
  inputs: Props,
  remove: () => void,
): Promise<{ id: string; props: Props }> {
  const { id, outs } = await provider.create(inputs);
  expect((await provider.read(id, outs)).props).toMatchObject({ present: true });
  remove();
  const read = await provider.read(id, outs);
  expect(read.id).toBe(id);
  expect(read.props).toMatchObject({ present: false });
  expect(await provider.diff(id, read.props as Props, inputs)).toEqual(IN_PLACE);
  return { id, props: read.props as Props };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure, but it succeeded");
}
