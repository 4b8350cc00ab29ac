/**
 * A runtime worker thread that logs as a Lambda Managed Instances function does: the core's
 * Powertools logger, with the Lambda context added by each invocation, and every invocation
 * run inside the runtime's InvokeStore context (AsyncLocalStorage), as the Node.js runtime
 * interface client does when AWS_LAMBDA_MAX_CONCURRENCY is set
 * (aws/aws-lambda-nodejs-runtime-interface-client, src/runtime/runtime.ts, read 2026-12).
 * Each invocation starts, cartoonizes a photo and logs again, all at once with the others;
 * the log lines go to stdout, which the test reads. test/support/invocation-threads.ts
 * bundles this file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Logger } from '@aws-lambda-powertools/logger';
import { cartoonize, createLogger } from '@cartoon-compute/core';
import type { Context } from 'aws-lambda';

interface Invocation {
  readonly requestId: string;
  readonly image: Uint8Array;
  readonly maxSide: number;
}

const { scoped } = workerData as { scoped: boolean };

function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: 'cartoon-compute-lmi-api',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cartoon-compute-lmi-api:1',
    memoryLimitInMB: '4096',
    logGroupName: '/aws/lambda/cartoon-compute-lmi-api',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The handler: what every line it logs says about whose invocation it is comes from the logger. */
async function handler(logger: Logger, { requestId, image, maxSide }: Invocation): Promise<void> {
  logger.addContext(lambdaContext(requestId));
  logger.info('cartoon started', { invocation: requestId });
  const result = await cartoonize(Buffer.from(image), { maxSide });
  logger.info('cartoon done', { invocation: requestId, bytes: result.data.length });
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  // The runtime makes its store before it loads the handler (its console patch needs it), and
  // Powertools, once AWS_LAMBDA_MAX_CONCURRENCY is set, refuses to make a logger without it.
  const store = await InvokeStore.getInstanceAsync();
  const logger = createLogger({ serviceName: 'cartoon-compute', variant: 'local' });
  port.on('message', (batch: Invocation[]) => {
    const runs = batch.map((invocation) =>
      scoped
        ? store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: invocation.requestId }, () =>
            handler(logger, invocation),
          )
        : handler(logger, invocation),
    );
    void Promise.allSettled(runs).then((outcomes) =>
      port.postMessage(outcomes.map((outcome) => outcome.status)),
    );
  });
  port.postMessage('ready');
}

void main();
