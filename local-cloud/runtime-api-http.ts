/**
 * The HTTP side of the Runtime API (AWS Lambda developer guide, "Using the Lambda runtime API
 * for custom runtimes") that both local Runtime APIs share: runtime-api.ts (one invocation at a
 * time) and lmi-runtime-api.ts (Lambda Managed Instances, many at once). They differ in how they
 * hold `/next` and which request ids they accept; the server's timeouts, the routes, the event's
 * headers, the answers and the 6 MB response limit are the same and live here once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Listening, listen } from './listen';

/** Lambda's synchronous response limit, in bytes, as its error message gives it. */
export const MAX_RESPONSE_BYTES = 6_291_556;

const BASE = '/2018-06-01/runtime';
const INVOCATION = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

/** An event handed to the runtime. */
export interface Delivery {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly traceId: string;
}

/** What the runtime reported for one invocation. */
export type RuntimeOutcome =
  | { readonly kind: 'response'; readonly requestId: string; readonly payload: Buffer }
  | {
      readonly kind: 'error';
      readonly requestId: string;
      readonly payload: Buffer;
      readonly errorType: string;
    };

/** A runtime's request, read: what the Runtime API must still decide and answer. */
export type RuntimeRequest =
  | { readonly route: 'next' }
  | { readonly route: 'initError'; readonly payload: Buffer; readonly errorType: string }
  | {
      readonly route: 'invocation';
      readonly requestId: string;
      readonly kind: 'response' | 'error';
      readonly payload: Buffer;
      readonly errorType: string;
    };

/**
 * Starts a Runtime API server on a loopback ephemeral port. `handle` gets every request; one
 * that throws has its connection destroyed.
 *
 * @example
 * ```ts
 * let api: MyApi | undefined;
 * const listening = await startRuntimeServer((req, res) => api?.handle(req, res));
 * api = new MyApi(listening, new URL(listening.url).host);
 * ```
 */
export async function startRuntimeServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | undefined,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res)?.catch(() => res.destroy());
  });
  // The runtime long-polls `/next` on kept-alive connections.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  return listen(server, {});
}

/**
 * Reads a runtime's request. `/next` is returned unread (its response is held); an init error
 * is answered 202 here; an unknown route is answered 404 here and gives `undefined`.
 *
 * @example
 * ```ts
 * const request = await readRuntimeRequest(req, res);
 * if (request?.route === 'invocation') answerInvocation(res, request);
 * ```
 */
export async function readRuntimeRequest(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<RuntimeRequest | undefined> {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === `${BASE}/invocation/next`) return { route: 'next' };
  const payload = await readBody(req);
  const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? 'Unhandled');
  if (req.method === 'POST' && url === `${BASE}/init/error`) {
    answerJson(res, 202, { status: 'OK' });
    return { route: 'initError', payload, errorType };
  }
  const match = INVOCATION.exec(url);
  if (req.method !== 'POST' || match === null) {
    answerJson(res, 404, { errorMessage: 'Not Found', errorType: 'InvalidRequest' });
    return undefined;
  }
  const [, requestId = '', kind] = match;
  return {
    route: 'invocation',
    requestId,
    kind: kind === 'response' ? 'response' : 'error',
    payload,
    errorType,
  };
}

/**
 * Answers an accepted invocation's response or error (413 for a response over
 * MAX_RESPONSE_BYTES, else 202) and gives the outcome to report.
 *
 * @example
 * ```ts
 * this.emit('outcome', answerInvocation(res, request));
 * ```
 */
export function answerInvocation(
  res: ServerResponse,
  request: Extract<RuntimeRequest, { route: 'invocation' }>,
): RuntimeOutcome {
  const { requestId, kind, payload, errorType } = request;
  if (kind === 'response' && payload.length > MAX_RESPONSE_BYTES) {
    const message = `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
    answerJson(res, 413, { errorMessage: message, errorType: 'RequestEntityTooLarge' });
    return {
      kind: 'error',
      requestId,
      payload: Buffer.from(
        JSON.stringify({ errorMessage: message, errorType: 'Function.ResponseSizeTooLarge' }),
      ),
      errorType: 'Function.ResponseSizeTooLarge',
    };
  }
  answerJson(res, 202, { status: 'OK' });
  return kind === 'response'
    ? { kind: 'response', requestId, payload }
    : { kind: 'error', requestId, payload, errorType };
}

/**
 * Answers a held `/next` with an event.
 *
 * @example
 * ```ts
 * sendDelivery(heldNext, { requestId, payload, deadlineMs, functionArn, traceId });
 * ```
 */
export function sendDelivery(res: ServerResponse, delivery: Delivery): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'lambda-runtime-aws-request-id': delivery.requestId,
    'lambda-runtime-deadline-ms': String(delivery.deadlineMs),
    'lambda-runtime-invoked-function-arn': delivery.functionArn,
    'lambda-runtime-trace-id': delivery.traceId,
  });
  res.end(delivery.payload);
}

/**
 * Answers with a JSON document.
 *
 * @example
 * ```ts
 * answerJson(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
 * ```
 */
export function answerJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
