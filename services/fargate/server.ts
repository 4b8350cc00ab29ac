/**
 * The HTTP contract on Fastify, for the fargate task behind an ALB: a thin adapter over
 * `createApi`, as services/api/handler.ts is for API Gateway. Every body arrives as raw bytes
 * whatever its content type; the answer's status, headers and body are the contract's.
 * On top of the contract, what a long-running server needs and Lambda (or API Gateway, which
 * reads the whole request before it invokes anything) does for us: a deadline and a bound on
 * bodies still arriving, a bound on images in flight counted only once their body is here, an
 * early 413 that never resets a connection under an upload, and load shedding when the event
 * loop or memory is saturated.
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
import { type BodyReading, BodyTooLargeError, declaredLength, readBody } from './body-reader';
import { type BodyRead, createBodyReads } from './body-reads';
import type { FargateConfig } from './config';
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
  /** How long a client may take to send a body, from its headers to its last byte. */
  readonly bodyTimeoutMs: number;
  /** Bodies read at once; past them a request with a body is answered 503 before it is read. */
  readonly maxBodiesReading: number;
  /** When the server closes, bodies still arriving get this long (see body-reads.ts). */
  readonly stopBodyGraceMs: number;
}

/** The server's limits, as the task's configuration sets them. */
export type ServerLimits = Omit<ServerDeps, 'config' | 'store' | 'presigner' | 'logger'>;

/**
 * The limits `buildServer` takes, from the task's configuration: one mapping for the task and
 * its tests.
 *
 * @example
 * ```ts
 * const config = readFargateConfig(process.env);
 * await buildServer({ config: config.service, store, presigner, logger, ...serverLimits(config) });
 * ```
 */
export function serverLimits(config: FargateConfig): ServerLimits {
  return {
    maxInFlight: config.maxInFlight,
    maxQueued: config.maxQueued,
    retryAfterSeconds: config.retryAfterSeconds,
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    maxRssBytes: config.maxRssBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    maxBodiesReading: config.maxBodiesReading,
    stopBodyGraceMs: config.stopBodyGraceMs,
  };
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

/** 408 in the contract's error shape; the connection is closed after it. */
function bodyTimedOut(reply: FastifyReply, timeoutMs: number): void {
  const message = `The request body did not arrive within ${Math.round(timeoutMs / 1000)} s; retry on a faster connection, or send large images with POST /uploads`;
  void reply
    .code(408)
    .header('connection', 'close')
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify({ error: { code: 'REQUEST_TIMEOUT', message } })));
}

/** Whether a request has a body to read (RFC 9112: Content-Length or Transfer-Encoding). */
function hasBody(request: FastifyRequest): boolean {
  const length = declaredLength(request.headers['content-length']);
  return (length !== undefined && length > 0) || request.headers['transfer-encoding'] !== undefined;
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
 *   retryAfterSeconds: 1, maxEventLoopDelayMs: 1000, maxRssBytes: 0, bodyTimeoutMs: 54_000,
 *   maxBodiesReading: 64, stopBodyGraceMs: 5_000 });
 * await app.listen({ port: 8080, host: '0.0.0.0' });
 * ```
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const app = Fastify({
    // Powertools is the one logger; Fastify's own request logs would be a second format.
    logger: false,
    genReqId: () => randomUUID(),
    // Connections idle between keep-alive requests are closed at once by close(); the ALB's
    // idle timeout is 60 s, so keep ours above it (AWS: ALB connection idle timeout).
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    // Node's own bound on a whole request, a backstop for bodies our deadline no longer tracks
    // once an answer has gone out before the body was read (under-pressure's 503, a GET with a
    // body), which Node then reads and discards. Node checks it every
    // `connectionsCheckingInterval` (30 s by default, too coarse for the deadline itself).
    // `connectionTimeout` (socket inactivity) stays 0: a socket is rightly silent while its
    // image is processed.
    requestTimeout: 2 * deps.bodyTimeoutMs,
    http: { connectionsCheckingInterval: 1_000 },
  });

  const bodies = createBodyReads({ max: deps.maxBodiesReading, timeoutMs: deps.bodyTimeoutMs });
  const reads = new WeakMap<FastifyRequest, BodyRead>();
  const readings = new WeakMap<FastifyRequest, BodyReading>();
  const tooLarge = new PayloadTooLargeError(
    `Image is larger than ${config.maxSyncBytes} bytes; ${HINT}`,
  );
  // Bodies are counted (and their deadline starts) once the headers are in, before any of the
  // body is read; a task already reading its maximum refuses at once and reads nothing.
  app.addHook('onRequest', async (request, reply) => {
    if (!hasBody(request)) return;
    const expected = declaredLength(request.headers['content-length']) ?? config.maxSyncBytes + 1;
    const read = bodies.start(expected, () => {
      logger.warn('request body timed out', { reading: bodies.reading, expected });
      if (reply.sent) return void request.raw.socket.destroy();
      // An oversized body still being thrown away gets its 413 now rather than a 408.
      if (!readings.get(request)?.tooLarge) return bodyTimedOut(reply, deps.bodyTimeoutMs);
      reply.header('connection', 'close');
      void send(reply, errorResponse(tooLarge, logger));
    });
    if (read === undefined) {
      logger.warn('too many bodies being read', { max: bodies.max });
      // Not read, so not kept either: the socket is what the bound is there to save.
      reply.header('connection', 'close');
      return overloaded(reply, deps.retryAfterSeconds, 'Too many uploads in progress; retry later');
    }
    reads.set(request, read);
    // The client may go away, or the answer may come, before the body has ended.
    reply.raw.once('close', () => read.finish());
  });
  // Shutdown does not wait on tricklers: a body that cannot arrive within the grace is cut.
  app.addHook('preClose', (done) => {
    const cut = bodies.hurry(deps.stopBodyGraceMs);
    if (cut > 0 || bodies.reading > 0) {
      logger.info('bodies still arriving at close', { cut, waiting: bodies.reading });
    }
    done();
  });

  // Raw bytes for every content type, image/* included: the core decides from the bytes.
  // One byte over the contract's limit reaches createApi, which answers 413 with its hint; a
  // larger body is not kept but read to its end (up to the largest upload, within the body
  // deadline) and then refused in the same words (see body-reader.ts and the error handler),
  // so a load balancer still sending it never sees the connection close (the ALB's 502).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const read = reads.get(request);
    const reading = readBody(
      payload,
      declaredLength(request.headers['content-length']),
      {
        limit: config.maxSyncBytes + 1,
        discardLimit: Math.max(config.maxUploadBytes, config.maxSyncBytes + 1),
        ...(read ? { onBytes: (bytes: number) => read.received(bytes), onEnd: read.finish } : {}),
      },
      done,
    );
    readings.set(request, reading);
  });

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
  // Counted once the whole body has arrived (preHandler runs after the body is parsed), so a
  // slot is only ever held by an image that can be worked on; bodies on their way are bounded
  // separately above.
  app.addHook('preHandler', async (request, reply) => {
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
    if (error instanceof BodyTooLargeError) {
      cause = tooLarge;
      // Fastify asks to close after any parser error; a body read to its end leaves nothing
      // unread, so the connection is kept like any other (closing is the ALB's 502).
      if (error.readToEnd) reply.removeHeader('connection');
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
