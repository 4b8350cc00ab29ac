/**
 * Clients that send their body a byte a second, against the real fargate server on an ephemeral
 * port (real sockets, real sharp): they must not take the slots real images need, they get 408
 * in the contract's shape once the body deadline passes, and past MAX_BODIES_READING a new body
 * is refused at once while requests without one still answer.
 */
import { createLogger } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type { FastifyInstance } from 'fastify';
import { readFargateConfig } from '../../services/fargate/config';
import { buildServer, serverLimits } from '../../services/fargate/server';
import { s3Presigner } from '../../services/shared/presigner';
import { photo } from '../support/fixtures';
import { httpCall } from '../support/http-client';
import { type LocalS3, startLocalS3 } from '../support/local-s3';
import { sleep } from '../support/poll';
import { type Trickler, trickle as trickleTo } from '../support/trickle';

jest.setTimeout(60_000);

let s3: LocalS3;
const servers: FastifyInstance[] = [];
const tricklers: Trickler[] = [];

/** A trickler stopped after each test. */
function trickle(url: string): Trickler {
  const t = trickleTo(url);
  tricklers.push(t);
  return t;
}

async function startServer(env: Record<string, string>): Promise<string> {
  const config = readFargateConfig(
    { BUCKET_NAME: s3.bucket, MAX_EVENT_LOOP_DELAY_MS: '60000', ...env },
    2,
  );
  const app = await buildServer({
    config: config.service,
    store: new S3ImageStore({ client: s3.client, bucket: s3.bucket }),
    presigner: s3Presigner(s3.client, s3.bucket),
    logger: createLogger({ variant: 'fargate', logLevel: 'SILENT' }),
    ...serverLimits(config),
    maxRssBytes: 0,
  });
  servers.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

beforeAll(async () => {
  s3 = await startLocalS3();
}, 30_000);

afterEach(() => {
  for (const t of tricklers.splice(0)) t.stop();
});

afterAll(async () => {
  await Promise.all(servers.map((app) => app.close()));
  await s3?.close();
});

describe('clients trickling bodies at 1 byte/s', () => {
  test('20 of them: a real image is still answered 200 at once, and each trickler gets 408 at the deadline', async () => {
    const timeoutMs = 6_000;
    // Every other setting as deployed: two image slots, 16 waiting, 64 bodies read at once.
    const url = await startServer({ BODY_TIMEOUT_SECONDS: String(timeoutMs / 1000) });
    const slow = Array.from({ length: 20 }, () => trickle(url));
    let answered = 0;
    for (const t of slow) void t.answer.then(() => (answered += 1));
    await sleep(1_000);

    const started = Date.now();
    const reply = await httpCall(url, {
      method: 'POST',
      url: '/cartoon?maxSide=256',
      headers: { 'content-type': 'image/jpeg' },
      body: photo('rocket.jpg'),
    });
    const imageMs = Date.now() - started;
    const tricklersAnsweredFirst = answered;
    const answers = await Promise.all(slow.map((t) => t.answer));

    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('image/jpeg');
    // Answered while every trickler was still sending: none of them held it up.
    expect(tricklersAnsweredFirst).toBe(0);
    expect(imageMs).toBeLessThan(timeoutMs - 1_000);
    for (const answer of answers) {
      expect(answer.status).toBe(408);
      expect(answer.headers).toContain('content-type: application/json');
      expect(answer.headers).toContain('connection: close');
      expect(JSON.parse(answer.body)).toEqual({
        error: {
          code: 'REQUEST_TIMEOUT',
          message: expect.stringMatching(/^The request body did not arrive within 6 s; /),
        },
      });
      expect(answer.afterMs).toBeGreaterThanOrEqual(timeoutMs - 100);
      expect(answer.afterMs).toBeLessThan(timeoutMs + 3_000);
    }
  });

  test('past MAX_BODIES_READING a new body is refused with 503 at once; requests without a body still answer', async () => {
    const url = await startServer({ MAX_BODIES_READING: '2', BODY_TIMEOUT_SECONDS: '30' });
    trickle(url);
    trickle(url);
    await sleep(500);

    const refused = await httpCall(url, {
      method: 'POST',
      url: '/cartoon',
      headers: { 'content-type': 'image/jpeg' },
      body: photo('rocket.jpg'),
    });
    const health = await httpCall(url, { method: 'GET', url: '/health' });
    const styles = await httpCall(url, { method: 'GET', url: '/styles' });

    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body.toString())).toEqual({
      error: { code: 'OVERLOADED', message: 'Too many uploads in progress; retry later' },
    });
    expect(health.statusCode).toBe(200);
    expect(styles.statusCode).toBe(200);
  });

  test('closing the server cuts tricklers with 408 at once instead of waiting for their deadline', async () => {
    const url = await startServer({ BODY_TIMEOUT_SECONDS: '60' });
    const app = servers[servers.length - 1] as FastifyInstance;
    const slow = [trickle(url), trickle(url), trickle(url)];
    // Old enough to have a pace (a second), which at 1 byte/s cannot deliver 100,000 bytes.
    await sleep(1_500);

    const started = Date.now();
    await app.close();
    const closeMs = Date.now() - started;
    const answers = await Promise.all(slow.map((t) => t.answer));

    expect(closeMs).toBeLessThan(2_000);
    for (const answer of answers) expect(answer.status).toBe(408);
  });
});
