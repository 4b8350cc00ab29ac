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
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
