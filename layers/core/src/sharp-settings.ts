import { availableParallelism } from 'node:os';
import sharp from 'sharp';

export interface SharpSettings {
  /**
   * libvips threads per image. Default: the CPUs this process may use. A Lambda function
   * gets one vCPU per 1,769 MB of memory (AWS Lambda docs, "Memory and computing power",
   * read 2026-11), so a 2 GB function has two.
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
  sharp.cache(settings.cache ?? false);
  sharp.concurrency(settings.concurrency ?? availableParallelism());
}
