/**
 * The code of one runtime worker thread, as Lambda Managed Instances' Node.js runtime runs
 * them (see docs/managed-instances-research.md): the thread loads the core itself, at its
 * own init, and runs every invocation it is handed at once, without waiting for the one
 * before to finish, as the runtime's multi-concurrent loop does (it takes the next event
 * and starts its handler with setImmediate). test/support/invocation-threads.ts bundles
 * this file with esbuild and starts it; it is never imported.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { type CartoonOptions, cartoonize, configureSharp } from '@cartoon-compute/core';
import { helperJobsDone } from '../../layers/core/src/helper';
import type { ThreadReply, ThreadRequest } from './invocation-messages';

async function invoke(
  id: number,
  image: Uint8Array,
  options: CartoonOptions,
): Promise<ThreadReply> {
  try {
    const result = await cartoonize(Buffer.from(image), options);
    return { kind: 'done', id, threadId, data: result.data, contentType: result.contentType };
  } catch (err) {
    const error = err as { name?: string; message?: string; statusCode?: number };
    return {
      kind: 'failed',
      id,
      threadId,
      name: error.name ?? 'Error',
      message: error.message ?? String(err),
      statusCode: error.statusCode ?? 500,
    };
  }
}

const port = parentPort;
if (port) {
  port.on('message', (request: ThreadRequest) => {
    if (request.kind === 'configure') {
      configureSharp({ concurrency: request.concurrency });
      port.postMessage({ kind: 'configured', threadId } satisfies ThreadReply);
    } else if (request.kind === 'stats') {
      port.postMessage({ kind: 'stats', threadId, helperJobsDone: helperJobsDone() });
    } else {
      setImmediate(() => {
        void invoke(request.id, request.image, request.options).then((reply) =>
          port.postMessage(reply),
        );
      });
    }
  });
}
