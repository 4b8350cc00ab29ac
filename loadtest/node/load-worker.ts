/**
 * The load generator's process: runs each load it is sent with autocannon and sends back every
 * sample, and the count of answers so far while it runs (for the progress line). Started by
 * load.ts on its own CPUs, so making the load does not take CPU from what is measured.
 *
 * It warms itself up first against a server of its own: the first request a fresh autocannon
 * makes measured 70-90 ms against a loopback server that answers in 2 ms (its HTTP client
 * code not yet compiled), and the first request of a run is a cold start's.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LoadOptions, runAutocannon } from './autocannon-run';
import { serveWorker } from './worker-process';

async function warmUp(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'x-cold-start': 'false' }).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    for (let i = 0; i < 3; i++)
      await runAutocannon({
        url,
        method: 'POST',
        body: Buffer.alloc(64 * 1024),
        connections: 2,
        amount: 20,
        timeoutS: 5,
      });
  } finally {
    server.close();
  }
}

const warmed = warmUp();

serveWorker(async (payload, progress) => {
  await warmed;
  const options = payload as LoadOptions;
  // structured clone hands a Buffer over as a Uint8Array
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return runAutocannon({ ...options, ...(body ? { body } : {}) }, (n) => progress(n));
});
