/**
 * The one flag reader of the command-line scripts (`npm start`, `npm run loadtest`,
 * `npm run cost`): node:util `parseArgs`, strict and without positionals, whose complaints
 * become a UsageError, and the one reader of their number values.
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

/** What a number flag accepts. */
export interface NumberRange {
  readonly min: number;
  /** The value must be above `min`, not equal to it. */
  readonly above?: boolean;
  readonly max?: number;
  readonly integer?: boolean;
}

/** "between 1 and 100", "above 0 and at most 1", "of at least 1", "above 0". */
function bounds({ min, above, max }: NumberRange): string {
  if (max === undefined) return above ? `above ${min}` : `of at least ${min}`;
  return above ? `above ${min} and at most ${max}` : `between ${min} and ${max}`;
}

/**
 * A number flag's value: `fallback` when the flag was not given (a UsageError saying it is
 * missing when there is none), else `raw` when it is a number in `range`, else a UsageError
 * that names the flag, the range and what was given. A blank value is not a number.
 *
 * @example
 * ```ts
 * numberFlag('tasks', '2', { min: 1, integer: true }); // 2
 * numberFlag('tasks', '1.5', { min: 1, integer: true });
 * // UsageError: Expected integer of at least 1 for --tasks but received 1.5
 * ```
 */
export function numberFlag(
  name: string,
  raw: unknown,
  range: NumberRange,
  fallback?: number,
): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`Missing --${name}`);
    return fallback;
  }
  const value = Number(raw);
  const ok =
    typeof raw === 'string' &&
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.above ? value > range.min : value >= range.min) &&
    (range.max === undefined || value <= range.max);
  if (!ok) {
    const kind = range.integer ? 'integer' : 'number';
    throw new UsageError(
      `Expected ${kind} ${bounds(range)} for --${name} but received ${raw === '' ? "''" : String(raw)}`,
    );
  }
  return value;
}
