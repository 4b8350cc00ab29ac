/**
 * The fargate task: `node server.js` in the container (this file, bundled). Reads the
 * settings once, serves the HTTP contract and, when QUEUE_URL is set, polls the S3 path's
 * queue, until SIGTERM (a deployment, scale-in, Fargate Spot's two-minute notice): then it
 * stops taking requests and messages, finishes what is in flight and exits 0.
 */
import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { configureSharp, createLogger } from '@cartoon-compute/core';
import { s3Presigner } from '../shared/presigner';
import { processDeps } from '../shared/process-upload';
import { presigningClient, s3Store } from '../shared/s3-store';
import { readFargateConfig } from './config';
import { createQueueWorker } from './queue-worker';
import { buildServer, serverLimits } from './server';

async function main(): Promise<void> {
  const config = readFargateConfig(process.env);
  // sharp runs each image on libuv's pool (4 threads unless told before first use): room for
  // every image in flight, the queue's image and the pool's other users (fs, dns, crypto).
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, config.maxInFlight + 2));
  configureSharp({ concurrency: config.sharpConcurrency });
  const { service } = config;
  const logger = createLogger({ serviceName: config.serviceName, variant: service.variant });
  const { store } = s3Store(service);

  const app = await buildServer({
    config: service,
    store,
    presigner: s3Presigner(presigningClient(service), service.bucket),
    logger,
    ...serverLimits(config),
  });
  const worker = config.queue
    ? createQueueWorker({
        sqs: new SQSClient({
          ...(service.region ? { region: service.region } : {}),
          ...(config.queue.endpoint ? { endpoint: config.queue.endpoint } : {}),
        }),
        bucket: service.bucket,
        settings: config.queue,
        // Leaves time to return an unfinished message before the process's own deadline.
        stopTimeoutMs: Math.max(1_000, config.stopTimeoutMs - 3_000),
        ...processDeps(service, store, logger),
      })
    : undefined;

  await app.listen({ port: config.port, host: config.host });
  worker?.start();
  const address = app.server.address();
  logger.info('listening', {
    port: typeof address === 'object' && address ? address.port : config.port,
    start_ms: Math.round(performance.now()),
    max_in_flight: config.maxInFlight,
    max_bodies_reading: config.maxBodiesReading,
    body_timeout_ms: config.bodyTimeoutMs,
    sharp_threads: config.sharpConcurrency,
    queue: worker !== undefined,
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    logger.info('stopping', { signal });
    // Past the stop timeout, exit anyway (1: something was cut short), before ECS's SIGKILL.
    setTimeout(() => {
      logger.error('stop timeout: in-flight work cut short', { stop_ms: config.stopTimeoutMs });
      process.exit(1);
    }, config.stopTimeoutMs).unref();
    // close() refuses new connections, answers requests arriving on open keep-alive
    // connections with 503, cuts bodies that cannot arrive within stopBodyGraceMs (408) and
    // resolves when every request in flight has been answered.
    const [server, queue] = await Promise.allSettled([app.close(), worker?.stop() ?? true]);
    const clean = server.status === 'fulfilled' && queue.status === 'fulfilled' && queue.value;
    logger.info('stopped', { stop_ms: Math.round(performance.now() - started), clean });
    process.exit(clean ? 0 : 1);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  // Configuration errors name the variable; nothing else is known to be safe to print here.
  console.error(
    JSON.stringify({
      level: 'CRITICAL',
      message: 'fargate task failed to start',
      error: err instanceof Error ? err.message : String(err),
    }),
  );
  process.exit(1);
});
