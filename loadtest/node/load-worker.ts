/**
 * The load generator's process: runs each load it is sent with autocannon and sends back every
 * sample, and the count of answers so far while it runs (for the progress line). Started by
 * load.ts on its own CPUs, so making the load does not take CPU from what is measured.
 */
import { type LoadOptions, runAutocannon } from './autocannon-run';
import { serveWorker } from './worker-process';

serveWorker(async (payload, progress) => {
  const options = payload as LoadOptions;
  // structured clone hands a Buffer over as a Uint8Array
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return runAutocannon({ ...options, ...(body ? { body } : {}) }, (n) => progress(n));
});
