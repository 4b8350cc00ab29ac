/**
 * Waiting in tests, in one place: a plain pause, and polling until a condition holds. Every
 * poll has a deadline and a name, so a test that times out says what it was waiting for.
 */
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * await sleep(300); // let the requests still in flight land
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

export interface WaitOptions {
  /** What is awaited, named in the error: `timed out after 5000 ms waiting for <what>`. */
  readonly what: string;
  readonly timeoutMs: number;
  /** The pause between two checks; 100 ms unless told. */
  readonly intervalMs?: number;
  /**
   * Counts a check that throws as not met yet, and names its last error on timeout (for a
   * probe of something still starting). Otherwise a check that throws fails the wait at once.
   */
  readonly retryErrors?: boolean;
}

/**
 * Calls `check` until it gives a value other than `undefined` or `false`, and resolves with
 * that value; fails once `timeoutMs` has passed without one.
 *
 * @example
 * ```ts
 * const key = await waitFor(async () => (await cloud.keys(bucket, 'cartoons/'))[0], {
 *   what: 'a cartoon',
 *   timeoutMs: 30_000,
 * });
 * ```
 */
export async function waitFor<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  { what, timeoutMs, intervalMs = 100, retryErrors = false }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    let value: T | false | undefined;
    try {
      value = await check();
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
