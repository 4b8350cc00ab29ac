import { availableParallelism } from 'node:os';
import sharp from 'sharp';

export interface SharpSettings {
  /**
   * Threads per image: libvips', and, from two, a helper worker thread's, which finds a
   * large photo's outlines and paints the lower half of its cartoon (see helper.ts).
   * Default: the CPUs this process may use. A Lambda function gets one vCPU per 1,769 MB of
   * memory (AWS Lambda docs, "Memory and computing power", read 2026-11), so a 2 GB
   * function has two.
   */
  readonly concurrency?: number;
  /**
   * Keep libvips' operation cache. Default off: every request brings a different image, so
   * cached operations are never reused and only hold memory in a small process.
   */
  readonly cache?: boolean;
}

/**
 * Tunes sharp for a small, one-request-at-a-time process (a Lambda environment, a Fargate
 * task). Adapters call it once at start-up.
 *
 * @example
 * ```ts
 * configureSharp({ concurrency: 2 });
 * ```
 */
export function configureSharp(settings: SharpSettings = {}): void {
  threads = settings.concurrency ?? availableParallelism();
  sharp.cache(settings.cache ?? false);
  sharp.concurrency(threads);
}

let threads = availableParallelism();

/** Threads each image may use (see `SharpSettings.concurrency`). */
export function threadsPerImage(): number {
  return threads;
}
