/**
 * The bare yardstick's process: cartoonize() of the image it is sent, timed, with no transport
 * and no Lambda. Started by bare-process.ts inside the CPU allowance of one API environment.
 */
import { bareCartoonize } from '../scenarios/bare';
import { serveWorker } from './worker-process';

serveWorker(async (payload) => {
  const { image, options, iterations } = payload as {
    image: Uint8Array;
    options: Record<string, string>;
    iterations: number;
  };
  return bareCartoonize(Buffer.from(image), options, iterations);
});
