/**
 * For tests of the helper worker (layers/core/src/helper.ts): two threads an image for the
 * tests of a `describe`, whatever this machine has, and a wait for the worker to start.
 */
import { configureSharp, threadsPerImage } from '@cartoon-compute/core';
import { helperReady, stopHelper } from '../../layers/core/src/helper';

/** Two threads an image in the calling `describe`; afterwards, as before, and no worker. */
export function withTwoThreads(): void {
  const threads = threadsPerImage();
  beforeAll(() => configureSharp({ concurrency: 2 }));
  afterAll(() => {
    configureSharp({ concurrency: threads });
    stopHelper();
  });
}

/** Whether the worker is ready within `ms`, checking every 10 ms. */
export async function waitForHelper(ms = 3000): Promise<boolean> {
  for (let i = 0; i < ms / 10 && !helperReady(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return helperReady();
}
