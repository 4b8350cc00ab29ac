/**
 * The fargate server (services/fargate/server.ts) over real HTTP on an ephemeral port, against
 * a local S3-compatible server and real sharp: the contract's shared cases, then what only a
 * long-running server has to do (its own concurrency bound, load shedding, per-task cold start).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createLogger } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { readFargateConfig } from '../../services/fargate/config';
import { buildServer, type ServerDeps, serverLimits } from '../../services/fargate/server';
import { s3Presigner } from '../../services/shared/presigner';
import { CONTRACT_ENV, describeHttpContract, expectErrorReply } from '../support/api-contract';
import { captureJsonLogs } from '../support/captured-logs';
import { cameraJpeg, photo } from '../support/fixtures';
import { httpCall } from '../support/http-client';
import { type LocalS3, startLocalS3 } from '../support/local-s3';
import { waitFor } from '../support/poll';

jest.setTimeout(30_000);

let s3: LocalS3;
const servers: FastifyInstance[] = [];
let baseUrl = '';

/** A server as main.ts builds it, from settings read the same way, listening on 127.0.0.1:0. */
async function startServer(
  env: Record<string, string> = {},
  overrides: Partial<ServerDeps> = {},
): Promise<string> {
  const config = readFargateConfig(
    {
      BUCKET_NAME: s3.bucket,
      // As a task gets them locally: the page's policy names the bucket's origin from these.
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: s3.region,
      ...CONTRACT_ENV,
      // The server shares its event loop with jest (and this file's own image making), whose
      // pauses would count as the server's own: load shedding by event-loop delay stays off.
      MAX_EVENT_LOOP_DELAY_MS: '60000',
      ...env,
    },
    2,
  );
  const store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
  const app = await buildServer({
    config: config.service,
    store,
    presigner: s3Presigner(s3.client, s3.bucket),
    logger: createLogger({ variant: config.service.variant, logLevel: 'SILENT' }),
    ...serverLimits(config),
    ...overrides,
  });
  servers.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

beforeAll(async () => {
  s3 = await startLocalS3();
  baseUrl = await startServer();
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((app) => app.close()));
  await s3?.close();
});

describeHttpContract({
  variant: 'fargate',
  call: (request) => httpCall(baseUrl, request),
  bucket: () => s3.bucket,
  secrets: () => [s3.bucket],
});

describe('the fargate server', () => {
  test('x-cold-start is true for the task’s first request only; health checks do not count', async () => {
    const url = await startServer();
    expect((await httpCall(url, { method: 'GET', url: '/health' })).statusCode).toBe(200);
    const request = {
      method: 'POST',
      url: '/cartoon?maxSide=64',
      headers: { 'content-type': 'image/jpeg' },
      body: photo('rocket.jpg'),
    };

    const first = await httpCall(url, request);
    const second = await httpCall(url, request);

    expect(first.headers['x-cold-start']).toBe('true');
    expect(second.headers['x-cold-start']).toBe('false');
  });

  test('a body far over the limit is cut off while read and refused in the contract’s shape', async () => {
    const reply = await httpCall(baseUrl, {
      method: 'POST',
      url: '/cartoon',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.alloc(3 * Number(CONTRACT_ENV.MAX_SYNC_BYTES)),
    });

    expectErrorReply(
      reply,
      413,
      'PAYLOAD_TOO_LARGE',
      /^Image is larger than 500000 bytes; send larger images with POST \/uploads/,
      [s3.bucket],
    );
  });

  /**
   * A one-slot server and a camera-sized image, which keeps the slot busy while a whole burst
   * of requests arrives.
   */
  async function oneSlotServer(maxQueued: number) {
    const url = await startServer({
      MAX_IN_FLIGHT: '1',
      MAX_QUEUED: String(maxQueued),
      MAX_SYNC_BYTES: '8000000',
    });
    const request = {
      method: 'POST',
      url: '/cartoon?maxSide=2048',
      headers: { 'content-type': 'image/jpeg' },
      body: await cameraJpeg('rocket.jpg', 4),
    };
    return { url, request };
  }

  test('past MAX_IN_FLIGHT images and MAX_QUEUED waiting it answers 503 with Retry-After at once, and recovers', async () => {
    const { url, request } = await oneSlotServer(0);

    const replies = await Promise.all([1, 2, 3].map(() => httpCall(url, request)));

    const statuses = replies.map((reply) => reply.statusCode).sort();
    expect(statuses).toEqual([200, 503, 503]);
    for (const reply of replies.filter((r) => r.statusCode === 503)) {
      expect(reply.headers['retry-after']).toBe('1');
      expectErrorReply(reply, 503, 'OVERLOADED', /^Too many images in progress; retry later$/, [
        s3.bucket,
      ]);
    }
    // The slot was given back: the next image is served.
    expect((await httpCall(url, request)).statusCode).toBe(200);
  });

  test('a burst within MAX_QUEUED waits its turn: every image served, one at a time', async () => {
    const { url, request } = await oneSlotServer(3);

    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => httpCall(url, request)));

    // One in flight and three waiting are served; the fifth finds the queue full.
    const statuses = replies.map((reply) => reply.statusCode).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503]);
    expect((await httpCall(url, request)).statusCode).toBe(200);
  });

  test('under memory pressure it sheds load with 503 and Retry-After, but /health still answers', async () => {
    // Any process is over a 1-byte RSS limit once @fastify/under-pressure has sampled it.
    const url = await startServer({ MAX_RSS_BYTES: '1', RETRY_AFTER_SECONDS: '7' });
    const styles = { method: 'GET', url: '/styles' };
    const reply = await waitFor(
      async () => {
        const answer = await httpCall(url, styles);
        return answer.statusCode === 503 ? answer : undefined;
      },
      { what: 'a 503 from /styles', timeoutMs: 4_000 },
    );

    expect(reply.headers['retry-after']).toBe('7');
    expectErrorReply(reply, 503, 'OVERLOADED', /^The service is overloaded; retry later$/, []);
    expect((await httpCall(url, { method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  test('log lines carry the variant and Fastify’s request id, and no bucket', async () => {
    const logger: Logger = createLogger({ variant: 'fargate', logLevel: 'INFO' });
    const { entries, raw } = await captureJsonLogs(async () => {
      const url = await startServer({}, { logger });
      await httpCall(url, { method: 'GET', url: '/cartoons/not-an-id' });
      await httpCall(url, {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/png' },
        body: await sharp(photo('chelsea.png')).png().toBuffer(),
      });
    });

    const refused = entries.find((entry) => entry.message === 'request refused');
    expect(refused).toMatchObject({
      level: 'INFO',
      variant: 'fargate',
      cold_start: true,
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 400,
      code: 'BAD_REQUEST',
    });
    expect(raw).not.toContain(s3.bucket);
  });
});

describe('the fargate settings', () => {
  const base = { BUCKET_NAME: 'bucket' };

  test('default to one image per vCPU, one sharp thread each, 90% of memory, port 8080, no queue', () => {
    const config = readFargateConfig(base, 4, 8 * 1024 ** 3);

    expect(config).toMatchObject({ port: 8080, maxInFlight: 4, sharpConcurrency: 1 });
    expect(config.maxRssBytes).toBe(Math.floor(0.9 * 8 * 1024 ** 3));
    expect(config.service.variant).toBe('fargate');
    expect(config.queue).toBeUndefined();
  });

  test('MAX_IN_FLIGHT overrides the vCPUs, and sharp gets the vCPUs left per image', () => {
    expect(readFargateConfig({ ...base, MAX_IN_FLIGHT: '2' }, 8)).toMatchObject({
      maxInFlight: 2,
      sharpConcurrency: 4,
    });
  });

  test('a queue gets long polling, the queue’s own visibility timeout and a heartbeat under it', () => {
    const { queue } = readFargateConfig({ ...base, QUEUE_URL: 'https://sqs/q' }, 2);

    // 300 s: the upload queue's visibility timeout as the CDK app creates it.
    expect(queue).toMatchObject({
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 300,
      heartbeatSeconds: 100,
    });
  });

  test('refuses a retry window shorter than the receives the queue can still make', () => {
    const env = {
      ...base,
      QUEUE_URL: 'https://sqs/q',
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: '300',
      PROCESS_MAX_ATTEMPTS: '3',
    };

    expect(() => readFargateConfig({ ...env, PROCESS_RETRY_WINDOW_SECONDS: '180' }, 2)).toThrow(
      /^PROCESS_RETRY_WINDOW_SECONDS \(180\) must be at least QUEUE_VISIBILITY_TIMEOUT_SECONDS x PROCESS_MAX_ATTEMPTS \(900\)$/,
    );
    expect(
      readFargateConfig({ ...env, PROCESS_RETRY_WINDOW_SECONDS: '900' }, 2).queue,
    ).toMatchObject({ visibilityTimeoutSeconds: 300 });
  });

  test('a body may take 1.5 times what the largest one needs at 1 Mbit/s', () => {
    // 4,500,000 bytes at 125,000 bytes/s is 36 s; half as much again is 54 s.
    expect(readFargateConfig(base, 2)).toMatchObject({
      bodyTimeoutMs: 54_000,
      maxBodiesReading: 64,
      stopBodyGraceMs: 5_000,
    });
    expect(readFargateConfig({ ...base, MAX_SYNC_BYTES: '1000000' }, 2).bodyTimeoutMs).toBe(12_000);
    expect(readFargateConfig({ ...base, BODY_TIMEOUT_SECONDS: '5' }, 2).bodyTimeoutMs).toBe(5_000);
  });

  test.each([
    [{ PORT: 'http' }, /^PORT must be an integer between 0 and 65535; got 'http'$/],
    [{ MAX_IN_FLIGHT: '0' }, /^MAX_IN_FLIGHT must be an integer between 1 and 1024/],
    [
      { QUEUE_URL: 'q', QUEUE_VISIBILITY_TIMEOUT_SECONDS: '10', QUEUE_HEARTBEAT_SECONDS: '10' },
      /^QUEUE_HEARTBEAT_SECONDS must be an integer between 1 and 9/,
    ],
    [{ STOP_TIMEOUT_SECONDS: '300' }, /^STOP_TIMEOUT_SECONDS must be an integer between 1 and 120/],
    [{ BODY_TIMEOUT_SECONDS: '0' }, /^BODY_TIMEOUT_SECONDS must be an integer between 1 and 3600/],
    [{ MAX_BODIES_READING: 'x' }, /^MAX_BODIES_READING must be an integer between 1 and 65536/],
  ])('fails fast naming the variable: %o', (env, message) => {
    expect(() => readFargateConfig({ ...base, ...env }, 2)).toThrow(message);
  });

  test('fails fast without BUCKET_NAME', () => {
    expect(() => readFargateConfig({}, 2)).toThrow(/^BUCKET_NAME is required$/);
  });
});
