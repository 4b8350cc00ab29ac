/**
 * The Lambda Runtime API one execution environment talks to (AWS Lambda developer guide,
 * "Using the Lambda runtime API for custom runtimes"): `GET /2018-06-01/runtime/invocation/next`
 * is held open until there is an event, `POST …/invocation/{id}/response`, `…/{id}/error` and
 * `…/init/error` report back. One server per environment, on its own loopback port, so an
 * environment can only ever see its own events.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './listen';

const BASE = '/2018-06-01/runtime';
/** Lambda's synchronous response limit, in bytes, as its error message gives it. */
export const MAX_RESPONSE_BYTES = 6_291_556;

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

export interface RuntimeApiEvents {
  /** The runtime asked for an event: init is over, or the last invocation is. */
  next: [];
  outcome: [RuntimeOutcome];
  initError: [{ readonly payload: Buffer; readonly errorType: string }];
}

/**
 * A Runtime API server for one environment.
 *
 * @example
 * ```ts
 * const api = await RuntimeApi.start();
 * api.once('next', () => api.deliver({ requestId, payload, deadlineMs, functionArn, traceId }));
 * api.once('outcome', (outcome) => console.log(outcome.kind));
 * spawn(node, [bootstrap], { env: { AWS_LAMBDA_RUNTIME_API: api.address } });
 * ```
 */
export class RuntimeApi extends EventEmitter<RuntimeApiEvents> {
  private waiting: ServerResponse | undefined;
  private current: string | undefined;

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
    readonly address: string,
  ) {
    super();
  }

  static async start(): Promise<RuntimeApi> {
    let api: RuntimeApi | undefined;
    const server = createServer((req, res) => {
      api?.handle(req, res).catch(() => res.destroy());
    });
    // The runtime keeps one connection open between invocations, and long-polls on it.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    const { url } = await listen(server, {});
    api = new RuntimeApi(server, new URL(url).host);
    return api;
  }

  /** Whether the runtime is waiting in `/next`. */
  get isWaiting(): boolean {
    return this.waiting !== undefined;
  }

  /** Answers the held `/next` with an event. */
  deliver(delivery: Delivery): void {
    const res = this.waiting;
    if (res === undefined) throw new Error('the runtime is not waiting for an event');
    this.waiting = undefined;
    this.current = delivery.requestId;
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': delivery.requestId,
      'lambda-runtime-deadline-ms': String(delivery.deadlineMs),
      'lambda-runtime-invoked-function-arn': delivery.functionArn,
      'lambda-runtime-trace-id': delivery.traceId,
    });
    res.end(delivery.payload);
  }

  close(): Promise<void> {
    this.waiting?.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${BASE}/invocation/next`) {
      this.waiting = res;
      this.emit('next');
      return;
    }
    const body = await readBody(req);
    const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? 'Unhandled');
    if (req.method === 'POST' && url === `${BASE}/init/error`) {
      accepted(res);
      this.emit('initError', { payload: body, errorType });
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method !== 'POST' || match === null) {
      json(res, 404, { errorMessage: 'Not Found', errorType: 'InvalidRequest' });
      return;
    }
    const [, requestId = '', kind] = match;
    if (requestId !== this.current) {
      json(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return;
    }
    this.current = undefined;
    if (kind === 'response' && body.length > MAX_RESPONSE_BYTES) {
      const message = `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
      json(res, 413, { errorMessage: message, errorType: 'RequestEntityTooLarge' });
      const payload = Buffer.from(
        JSON.stringify({ errorMessage: message, errorType: 'Function.ResponseSizeTooLarge' }),
      );
      this.emit('outcome', {
        kind: 'error',
        requestId,
        payload,
        errorType: 'Function.ResponseSizeTooLarge',
      });
      return;
    }
    accepted(res);
    this.emit(
      'outcome',
      kind === 'response'
        ? { kind: 'response', requestId, payload: body }
        : { kind: 'error', requestId, payload: body, errorType },
    );
  }
}

function accepted(res: ServerResponse): void {
  json(res, 202, { status: 'OK' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
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
