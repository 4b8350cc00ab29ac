/**
 * The bare yardstick's process: cartoonize() of the image it is sent, timed, with no transport
 * and no Lambda, and the base64 and JSON copies a Lambda transport makes of the same request
 * and answer. Started by bare-process.ts inside the CPU allowance of one API environment.
 */
import { cartoonize } from '@cartoon-compute/core';
import { bareCartoonize } from '../scenarios/bare';
import { payloadCopies } from '../scenarios/payload-copies';
import { serveWorker } from './worker-process';

serveWorker(async (payload) => {
  const { image, options, iterations } = payload as {
    image: Uint8Array;
    options: Record<string, string>;
    iterations: number;
  };
  const bytes = Buffer.from(image);
  const bare = await bareCartoonize(bytes, options, iterations);
  // The transport's own copies of this request and its answer, with the same CPU allowance.
  const { data } = await cartoonize(bytes, options);
  return { ...bare, payloadCopiesMs: payloadCopies(bytes, data, iterations) };
});
