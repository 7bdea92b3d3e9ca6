/**
 * What the project's TypeScript command lines (scripts/query.ts, scripts/operator.ts) share: the
 * usage error, the answer to a command they do not know, and the main that turns a run into an
 * exit status.
 */

/** A usage error (exit status 2): printed with the usage. */
export class UsageError extends Error {}

/** The usage error of a command line that names no command, or one it does not know. */
export function unknownCommand(command: string | undefined): UsageError {
  return new UsageError(
    command === undefined ? "name a command" : `unknown command ${JSON.stringify(command)}`,
  );
}

/**
 * The command line of TOOL; returns the exit status. `--help`, `-h` or `help` print the usage (0);
 * otherwise what `run` returns goes to stdout as it is (0); a {@link UsageError} is printed as
 * `TOOL: MESSAGE` followed by the usage (2), any other error as `error: MESSAGE` (1).
 */
export async function commandLine(
  tool: string,
  argv: readonly string[],
  usage: () => string,
  run: (argv: readonly string[]) => Promise<string>,
): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(usage());
    return 0;
  }
  try {
    process.stdout.write(await run(argv));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${tool}: ${err.message}\n\n${usage()}`);
      return 2;
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
