/**
 * The one flag reader of the command-line scripts (`npm start`, `npm run loadtest`,
 * `npm run cost`): node:util `parseArgs`, strict and without positionals, whose complaints
 * become a UsageError. Each script keeps its own checks of the values and its own messages.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** A bad flag or value: the script prints its message with a hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Config<T extends ParseArgsOptionsConfig> = {
  args: string[];
  options: T;
  strict: true;
  allowPositionals: false;
};

/** What `parseArgs` makes of the options: strings, booleans and their defaults, typed. */
export type FlagValues<T extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<Config<T>>
>['values'];

/**
 * Reads `argv` against `options`; an unknown flag, a missing value or a positional argument is
 * a UsageError with parseArgs's own message.
 *
 * @example
 * ```ts
 * const values = parseFlags(['--port', '0'], { port: { type: 'string', default: '3000' } });
 * values.port; // '0'
 * ```
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: T,
): FlagValues<T> {
  try {
    return parseArgs<Config<T>>({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
