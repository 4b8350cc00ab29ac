/**
 * A photo over POST /cartoon's limit sent to the fargate server through the local load balancer,
 * as a phone would send it to the ALB: the client gets the app's 413 with its hint to use
 * POST /uploads, never a 502, and the connection is not reset under the upload (the server
 * reads the rest and throws it away, so the balancer never sees its target close while it is
 * still sending). Real sockets throughout: Node's http client, the balancer, the server.
 */
import http from 'node:http';
import type { ImageStore } from '@cartoon-compute/core';
import { createLogger } from '@cartoon-compute/core';
import type { FastifyInstance } from 'fastify';
import { LoadBalancer } from '../../local-cloud/load-balancer';
import { readFargateConfig } from '../../services/fargate/config';
import { buildServer, serverLimits } from '../../services/fargate/server';
import type { Presigner } from '../../services/shared/presigner';

jest.setTimeout(20_000);

const MB = 1_000_000;
let app: FastifyInstance;
let lb: LoadBalancer;
let serverUrl = '';

beforeAll(async () => {
  // The deployed limits: 4.5 MB for POST /cartoon, 32 MiB for an upload.
  const config = readFargateConfig({ BUCKET_NAME: 'bucket', MAX_EVENT_LOOP_DELAY_MS: '60000' }, 2);
  // Nothing here reaches S3: every request is refused before the contract's routes run.
  const unused = () => {
    throw new Error('not used by this test');
  };
  app = await buildServer({
    config: config.service,
    store: { get: unused, put: unused } as unknown as ImageStore,
    presigner: unused as unknown as Presigner,
    logger: createLogger({ variant: 'fargate', logLevel: 'SILENT' }),
    ...serverLimits(config),
    maxRssBytes: 0,
  });
  serverUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  lb = await LoadBalancer.start({
    healthCheck: {
      path: '/health',
      intervalMs: 1_000,
      timeoutMs: 1_000,
      healthyThreshold: 1,
      unhealthyThreshold: 3,
    },
    deregistrationDelayMs: 1_000,
    initialIntervalMs: 50,
  });
  lb.register('task-1', Number(new URL(serverUrl).port));
  await lb.whenHealthy('task-1');
});

afterAll(async () => {
  await lb?.close();
  await app?.close();
});

interface Sent {
  readonly status: number;
  readonly body: string;
  /** The request's own error (ECONNRESET, EPIPE), if the connection broke under it. */
  readonly error: string | undefined;
  /** Whether the socket was one the agent had used before. */
  readonly reused: boolean;
}

/** One request on `agent`, its body written in 64 KiB chunks as a client streams a file. */
function send(url: string, agent: http.Agent, body: Buffer | undefined): Promise<Sent> {
  return new Promise((resolve) => {
    let status = 0;
    let text = '';
    let error: string | undefined;
    let reused = false;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve({ status, body: text, error, reused });
    };
    const request = http.request(
      `${url}${body ? '/cartoon' : '/health'}`,
      {
        method: body ? 'POST' : 'GET',
        agent,
        headers: body ? { 'content-type': 'image/jpeg', 'content-length': body.length } : {},
      },
      (response) => {
        status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          // Wait for the request to be fully written (or to fail) before settling.
          if (request.writableFinished) settle();
          else request.once('finish', settle);
        });
        response.on('error', (err) => {
          error = err.message;
          settle();
        });
      },
    );
    request.on('socket', () => {
      reused = request.reusedSocket;
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
      settle();
    });
    if (!body) {
      request.end();
      return;
    }
    let offset = 0;
    const writeMore = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', writeMore);
          return;
        }
      }
      request.end();
    };
    writeMore();
  });
}

describe.each([
  ['through the load balancer', () => lb.url],
  ['straight to the server', () => serverUrl],
])('a photo over the limit %s', (_name, url) => {
  test.each([5, 7, 11])(
    '%i MB: 413 with the hint, no reset, and the connection still serves',
    async (megabytes) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const body = Buffer.alloc(megabytes * MB, 0xff);

        const refused = await send(url(), agent, body);
        const next = await send(url(), agent, undefined);

        expect(refused.error).toBeUndefined();
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.body)).toEqual({
          error: {
            code: 'PAYLOAD_TOO_LARGE',
            message: expect.stringMatching(
              /^Image is larger than 4500000 bytes; send larger images with POST \/uploads/,
            ),
          },
        });
        // The same keep-alive connection answers the next request: it was never closed.
        expect(next).toMatchObject({ status: 200, error: undefined, reused: true });
      } finally {
        agent.destroy();
      }
    },
  );
});
