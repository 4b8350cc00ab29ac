/**
 * The HTTP API front door: an HTTP server on loopback that routes requests as an API Gateway
 * HTTP API does, invokes the route's function with a payload 2.0 event and answers with what
 * it returned, and answers AWS's limits with AWS's status codes and bodies (API Gateway
 * developer guide, "Quotas for HTTP APIs" and "Troubleshooting Lambda integrations", 2026-11):
 *
 * | condition | status | body |
 * |---|---|---|
 * | no route | 404 | `{"message":"Not Found"}` |
 * | request over 10 MB, or event over Lambda's 6 MB | 413 | `{"message":"Request Entity Too Large"}` |
 * | function throttled | 429 | `{"message":"Too Many Requests"}` |
 * | function error or malformed answer | 500 | `{"message":"Internal Server Error"}` |
 * | answer over Lambda's 6 MB | 502 | `{"message":"Internal Server Error"}` |
 * | integration timeout (30 s) | 503 | `{"message":"Service Unavailable"}` |
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { cors } from './cors';
import type { InvokeResult } from './environment';
import { TooManyRequestsError } from './function-pool';
import {
  type ApiContext,
  apiRequestId,
  httpApiEvent,
  matchRoute,
  readHttpApiResponse,
} from './http-api-event';
import { listen } from './listen';

/** API Gateway HTTP API's payload quota. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload limit. */
const MAX_EVENT_BYTES = 6 * 1024 * 1024;

export interface FrontDoorRoute {
  readonly routeKey: string;
  readonly timeoutMs: number;
  /** Invokes the integration's function; throws TooManyRequestsError when throttled. */
  readonly invoke: (payload: Buffer) => Promise<InvokeResult>;
}

export interface FrontDoorOptions {
  readonly routes: readonly FrontDoorRoute[];
  readonly port?: number;
  readonly host?: string;
  readonly context: Omit<ApiContext, 'domainName'>;
  /**
   * The stage's default route throttling: a token bucket of `burstLimit` tokens refilled at
   * `rateLimit` per second, as API Gateway applies it; past it the answer is 429.
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** The one browser origin allowed (the console page), as the deployed API's CORS setting. */
  readonly corsOrigin?: string | undefined;
}

export interface FrontDoor {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a front door.
 *
 * @example
 * ```ts
 * const door = await startFrontDoor({ routes: [{ routeKey: 'GET /health', timeoutMs: 30_000,
 *   invoke: (p) => pool.invoke(p) }], context: { accountId, apiId: 'local' } });
 * await fetch(`${door.url}/health`);
 * ```
 */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const routes = new Map(options.routes.map((r) => [r.routeKey, r]));
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) message(res, 500, 'Internal Server Error', apiRequestId());
      else res.destroy();
    });
  });

  const bucket = { tokens: options.throttle?.burstLimit ?? 0, at: performance.now() };
  const throttled = (): boolean => {
    const { throttle } = options;
    if (throttle === undefined) return false;
    const now = performance.now();
    bucket.tokens = Math.min(
      throttle.burstLimit,
      bucket.tokens + ((now - bucket.at) / 1000) * throttle.rateLimit,
    );
    bucket.at = now;
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = apiRequestId();
    // API Gateway answers CORS preflights itself, before routes and throttling.
    if (cors(req, res, options.corsOrigin)) return;
    if (throttled()) {
      req.resume();
      message(res, 429, 'Too Many Requests', requestId);
      return;
    }
    const body = await readLimited(req, MAX_REQUEST_BYTES);
    if (body === undefined) {
      message(res, 413, 'Request Entity Too Large', requestId, true);
      return;
    }
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const match = matchRoute([...routes.keys()], method, url.split('?')[0] ?? '/');
    const route = match === undefined ? undefined : routes.get(match.routeKey);
    if (match === undefined || route === undefined) {
      message(res, 404, 'Not Found', requestId);
      return;
    }
    const host = req.headers.host ?? '127.0.0.1';
    const event = httpApiEvent(
      {
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${req.httpVersion}`,
      },
      match,
      { ...options.context, domainName: host.split(':')[0] ?? host },
      requestId,
    );
    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > MAX_EVENT_BYTES) {
      message(res, 413, 'Request Entity Too Large', requestId);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), route.timeoutMs);
    });
    let result: InvokeResult | 'timeout';
    try {
      // The invocation runs on past a gateway timeout, as on AWS; only the answer is dropped.
      const invocation = route.invoke(payload);
      invocation.catch(() => undefined);
      result = await Promise.race([invocation, timedOut]);
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        message(res, 429, 'Too Many Requests', requestId);
        return;
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (result === 'timeout') {
      message(res, 503, 'Service Unavailable', requestId);
      return;
    }
    if (result.functionError !== undefined) {
      const status = result.errorType === 'Function.ResponseSizeTooLarge' ? 502 : 500;
      message(res, status, 'Internal Server Error', requestId);
      return;
    }
    const response = readHttpApiResponse(result.payload);
    if (response === undefined) {
      message(res, 500, 'Internal Server Error', requestId);
      return;
    }
    const headers: Record<string, string | string[]> = {
      ...response.headers,
      'apigw-requestid': requestId,
    };
    if (response.cookies.length > 0) headers['set-cookie'] = [...response.cookies];
    headers['content-length'] = String(response.body.length);
    res.writeHead(response.statusCode, headers).end(response.body);
  }

  return listen(server, options);
}

function message(
  res: ServerResponse,
  status: number,
  text: string,
  requestId: string,
  close = false,
): void {
  const body = JSON.stringify({ message: text });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'apigw-requestid': requestId,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

/** The body, or undefined once it passes `limit` bytes (the rest is drained, not kept). */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
