/**
 * The number readers of the CDK app's settings modules (settings.ts, managed-instances-settings.ts):
 * one context key each, its fallback when unset, its range, and one error shape that names the
 * key, so every setting fails the same way whichever stack reads it.
 */

/** Reads one context key; `node.tryGetContext` in the app, a plain object in tests. */
export type ContextReader = (key: string) => unknown;

/**
 * The integer under `key` (a number or its text), `fallback` when unset or empty; an error that
 * names the key and the range when it is not an integer in [min, max].
 *
 * @example
 * ```ts
 * readInteger((key) => ({ apiMemory: '3008' })[key], 'apiMemory', 2048, 128, 10240); // 3008
 * ```
 */
export function readInteger(
  get: ContextReader,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return readRanged(get, key, fallback, [min, max], 'an integer', Number.isInteger);
}

/**
 * The finite number under `key` (a number or its text), `fallback` when unset or empty; an
 * error that names the key and the range when it is not a number in [min, max].
 *
 * @example
 * ```ts
 * readNumber((key) => ({ lmiMemoryGiBPerVCpu: '2.5' })[key], 'lmiMemoryGiBPerVCpu', 2, 2, 8); // 2.5
 * ```
 */
export function readNumber(
  get: ContextReader,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return readRanged(get, key, fallback, [min, max], 'a number', Number.isFinite);
}

function readRanged(
  get: ContextReader,
  key: string,
  fallback: number,
  [min, max]: readonly [number, number],
  kind: string,
  accepts: (value: number) => boolean,
): number {
  const raw = get(key);
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(String(raw));
  if (!accepts(value) || value < min || value > max) {
    throw new Error(`context ${key} must be ${kind} between ${min} and ${max}; got '${raw}'`);
  }
  return value;
}
