/**
 * The bare core: cartoonize() of the same image and options in this process, no transport,
 * no Lambda. The yardstick for warm POST /cartoon (at most 1.15× this) and for fargate's
 * throughput (at least 80% of this per process).
 */
import { cartoonize } from '@cartoon-compute/core';
import type { BareResult } from '../results';

/**
 * Times `iterations` sequential cartoonize() calls after one warm-up call.
 *
 * @example
 * ```ts
 * const bare = await bareCartoonize(image, { style: 'comic', maxSide: 640 }, 10);
 * bare.throughputPerS;
 * ```
 */
export async function bareCartoonize(
  image: Buffer,
  options: Record<string, string>,
  iterations: number,
): Promise<BareResult> {
  // The first call loads libvips' operations and fills its cache, as a warm environment has.
  await cartoonize(image, options);
  const durationsMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await cartoonize(image, options);
    durationsMs.push(performance.now() - t);
  }
  const totalS = (performance.now() - started) / 1000;
  return { durationsMs, throughputPerS: iterations / totalS, processes: 1 };
}
