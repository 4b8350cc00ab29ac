/**
 * How the deploy and destroy commands end: the exit code their `main` returns, or, when it
 * throws, 2 with the usage line for a UsageError (a bad argument) and 1 with the message for
 * anything else. One place, so both commands answer bad input the same way.
 */
import { UsageError } from './flags';

/**
 * The exit code for an error `main` threw; logs `<command>: <message>` (and the usage line
 * after a UsageError) through `log`.
 *
 * @example
 * ```ts
 * failureExitCode(new UsageError('unknown variant x'), 'deploy', 'usage: npm run deploy ...'); // 2
 * ```
 */
export function failureExitCode(
  err: unknown,
  command: string,
  usage: string,
  log: (line: string) => void = console.error,
): number {
  if (err instanceof UsageError) {
    log(`${command}: ${err.message}\n${usage}`);
    return 2;
  }
  log(`${command}: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

/**
 * Runs a command's `main` and sets the process's exit code from it (never `process.exit`, so
 * pending output is written first).
 *
 * @example
 * ```ts
 * runCommand('deploy', 'usage: npm run deploy -- [--stage s]', main);
 * ```
 */
export function runCommand(command: string, usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = failureExitCode(err, command, usage);
    },
  );
}
