/**
 * Timing for the benchmarks: the median wall-clock time of a run, after one warm-up run
 * (JIT, libvips caches, and for HEIC the WebAssembly compile).
 */
import { performance } from 'node:perf_hooks';

/**
 * Median milliseconds of `runs` calls of `run`, after one call not counted.
 *
 * @example
 * ```ts
 * const ms = await medianMs(() => cartoonize(bytes), 9);
 * ```
 */
export async function medianMs(run: () => Promise<unknown>, runs: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The median of `values`, which it sorts. */
function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
}

/**
 * Median milliseconds of each of several runs, measured in turn (one of each, then again),
 * after one call of each not counted: on a shared machine whose speed drifts, every one
 * sees the same conditions, so ratios between them hold better than with one after another.
 *
 * @example
 * ```ts
 * const { floor, cartoon } = await interleavedMedians({ floor: encode, cartoon: draw }, 9);
 * ```
 */
export async function interleavedMedians<K extends string>(
  runs: Readonly<Record<K, () => Promise<unknown>>>,
  count: number,
): Promise<Record<K, number>> {
  const names = Object.keys(runs) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (const name of names) await runs[name]();
  for (let i = 0; i < count; i++) {
    for (const name of names) {
      const start = performance.now();
      await runs[name]();
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(times[name])])) as Record<K, number>;
}
