/**
 * The HTTP contract on Fastify, for the fargate task behind an ALB: a thin adapter over
 * `createApi`, as services/api/handler.ts is for API Gateway. Every body arrives as raw bytes
 * whatever its content type; the answer's status, headers and body are the contract's.
 * On top of the contract, what a long-running server needs and Lambda does for us: a bound on
 * images in flight, and load shedding when the event loop or memory is saturated.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { BadRequestError, type ImageStore, PayloadTooLargeError } from '@cartoon-compute/core';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  type ApiRequest,
  type ApiResponse,
  createApi,
  errorResponse,
  HINT,
} from '../shared/cartoon-api';
import type { ServiceConfig } from '../shared/config';
import type { Presigner } from '../shared/presigner';
import { createInFlightLimit } from './in-flight';

export interface ServerDeps {
  readonly config: ServiceConfig;
  readonly store: ImageStore;
  readonly presigner: Presigner;
  readonly logger: Logger;
  readonly maxInFlight: number;
  /** Requests that may wait for a slot before the task answers 503. */
  readonly maxQueued: number;
  readonly retryAfterSeconds: number;
  readonly maxEventLoopDelayMs: number;
  /** 0: no memory limit. */
  readonly maxRssBytes: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** 503 in the contract's error shape; Fastify skips the rest of a request once it is sent. */
function overloaded(reply: FastifyReply, retryAfterSeconds: number, message: string): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(retryAfterSeconds))
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify({ error: { code: 'OVERLOADED', message } })));
}

function toApiRequest(request: FastifyRequest): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(request.url, 'http://task').searchParams) {
    query[name] = value;
  }
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  return { method: request.method, path: request.url.split('?')[0] ?? '/', query, headers, body };
}

/** Bytes either way: Fastify would append `; charset=utf-8` to the contract's JSON type. */
function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  const { statusCode, headers, body } = response;
  return reply
    .code(statusCode)
    .headers(headers)
    .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
}

/**
 * Builds the server (not listening yet).
 *
 * @example
 * ```ts
 * const app = await buildServer({ config, store, presigner, logger, maxInFlight: 2, maxQueued: 4,
 *   retryAfterSeconds: 1, maxEventLoopDelayMs: 1000, maxRssBytes: 0 });
 * await app.listen({ port: 8080, host: '0.0.0.0' });
 * ```
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const app = Fastify({
    // Powertools is the one logger; Fastify's own request logs would be a second format.
    logger: false,
    genReqId: () => randomUUID(),
    // One byte over the contract's limit reaches createApi, which answers 413 with its hint;
    // a larger body is cut off while it is read (see the error handler).
    bodyLimit: config.maxSyncBytes + 1,
    // Connections idle between keep-alive requests are closed at once by close(); the ALB's
    // idle timeout is 60 s, so keep ours above it (AWS: ALB connection idle timeout).
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
  });

  // Raw bytes for every content type, image/* included: the core decides from the bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: config.maxSyncBytes + 1 },
    (_request, body, done) => done(null, body),
  );

  await app.register(underPressure, {
    maxEventLoopDelay: deps.maxEventLoopDelayMs,
    ...(deps.maxRssBytes > 0 ? { maxRssBytes: deps.maxRssBytes } : {}),
    retryAfter: deps.retryAfterSeconds,
    pressureHandler: (_request, reply, type) => {
      logger.warn('under pressure', { type });
      overloaded(reply, deps.retryAfterSeconds, 'The service is overloaded; retry later');
    },
  });

  const limit = createInFlightLimit(deps.maxInFlight, deps.maxQueued);
  // Counted before the body is read, so refused and waiting requests cost no memory.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== '/cartoon') return;
    const waiting = limit.acquire();
    if (!waiting) {
      logger.warn('too many images in flight', {
        in_flight: limit.inFlight,
        queued: limit.queued,
        max: limit.max,
      });
      return overloaded(reply, deps.retryAfterSeconds, 'Too many images in progress; retry later');
    }
    // 'close' fires when the answer is sent and also when the client goes away first, which
    // may happen while the request still waits for a slot.
    let gone = false;
    const onGone = () => {
      gone = true;
    };
    reply.raw.once('close', onGone);
    const release = await waiting;
    reply.raw.off('close', onGone);
    if (gone) {
      release();
      return reply.hijack();
    }
    reply.raw.once('close', release);
  });

  // Lambda's `x-cold-start` is per execution environment; here it is the task's first request.
  // Health checks do not count: the ALB and ECS probe every task before it gets traffic, and a
  // probe warms nothing that an image needs, so the first image would never be reported cold.
  let warm = false;
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const coldStart = !warm;
    if (request.routeOptions.url !== '/health') warm = true;
    const api = createApi({
      config,
      store: deps.store,
      presigner: deps.presigner,
      // A child per request: concurrent requests must not share the request id key.
      logger: logger.createChild({
        persistentKeys: { request_id: request.id, cold_start: coldStart },
      }),
      coldStart: () => coldStart,
    });
    return send(reply, await api(toApiRequest(request)));
  };
  // /health answers even under pressure: the ALB must not replace a busy task as a sick one.
  app.get('/health', { config: { pressureHandler: () => undefined } }, handle);
  app.route({ method: [...METHODS], url: '/*', handler: handle });
  app.route({ method: [...METHODS], url: '/', handler: handle });

  // Errors Fastify raises before the contract runs (a body over the limit, a malformed
  // request) get the contract's JSON shape too.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const child = logger.createChild({ persistentKeys: { request_id: request.id } });
    let cause: unknown = error;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      cause = new PayloadTooLargeError(
        `Image is larger than ${config.maxSyncBytes} bytes; ${HINT}`,
      );
    } else if (
      error.statusCode !== undefined &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      cause = new BadRequestError('Malformed request');
    }
    return send(reply, errorResponse(cause, child));
  });
  return app;
}
