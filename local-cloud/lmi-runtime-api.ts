/**
 * The Runtime API of one Lambda Managed Instances execution environment: the same routes as
 * runtime-api.ts, but many at once, as LMI's runtime uses them. Every runtime worker thread
 * keeps its own `GET …/invocation/next` waiting, and asks again as soon as it gets an event,
 * so several `/next` are held open together and answered in the order they came; responses
 * and errors arrive in any order, matched by request id.
 *
 * Modelled on AWS's own emulator of LMI (aws/aws-lambda-runtime-interface-emulator,
 * internal/lambda-managed-instances/invoke/invoke_router.go and rapi/rendering, read 2026-12):
 * an event goes to a waiting `/next`; a response for an invocation that has already timed out
 * gets 410 `{"errorMessage":"Invoke timeout","errorType":"InvokeTimeout"}`; an unknown request
 * id gets 400 `InvalidRequestID`. How many invocations may run at once is the caller's to
 * bound (the environment's slots), as LMI's router bounds it, not the runtime's.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './listen';
import { type Delivery, MAX_RESPONSE_BYTES, type RuntimeOutcome } from './runtime-api';

const BASE = '/2018-06-01/runtime';
/** How many timed-out request ids are remembered, to answer their late responses with 410. */
const TIMED_OUT_MEMORY = 10_000;

export interface LmiRuntimeApiEvents {
  /** A `/next` arrived (a worker finished init, or took an event and asks again). */
  next: [];
  outcome: [RuntimeOutcome];
  initError: [{ readonly payload: Buffer; readonly errorType: string }];
}

/**
 * A Runtime API server that serves many invocations at once.
 *
 * @example
 * ```ts
 * const api = await LmiRuntimeApi.start();
 * api.on('outcome', (outcome) => console.log(outcome.requestId, outcome.kind));
 * api.deliver(delivery); // answered now if a /next waits, else by the next /next
 * ```
 */
export class LmiRuntimeApi extends EventEmitter<LmiRuntimeApiEvents> {
  /** Held `/next` requests, oldest first. */
  private readonly waiting: ServerResponse[] = [];
  /** Events accepted before any `/next` was free. */
  private readonly pending: Delivery[] = [];
  /** Request ids handed out and not yet answered. */
  private readonly running = new Set<string>();
  private readonly timedOut = new Set<string>();

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
    readonly address: string,
  ) {
    super();
  }

  static async start(): Promise<LmiRuntimeApi> {
    let api: LmiRuntimeApi | undefined;
    const server = createServer((req, res) => {
      api?.handle(req, res).catch(() => res.destroy());
    });
    // Workers long-poll on kept-alive connections.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    const { url } = await listen(server, {});
    api = new LmiRuntimeApi(server, new URL(url).host);
    return api;
  }

  /** How many `/next` are held now: the runtime's free workers. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Hands an event to the oldest waiting `/next`, or to the next one that comes. */
  deliver(delivery: Delivery): void {
    this.running.add(delivery.requestId);
    const res = this.waiting.shift();
    if (res === undefined) {
      this.pending.push(delivery);
      return;
    }
    send(res, delivery);
  }

  /**
   * Forgets an invocation the environment has given up on (timed out): its late response or
   * error is answered 410, as LMI answers it, and reported nowhere.
   */
  abandon(requestId: string): void {
    const queued = this.pending.findIndex((d) => d.requestId === requestId);
    if (queued >= 0) this.pending.splice(queued, 1);
    if (!this.running.delete(requestId)) return;
    this.timedOut.add(requestId);
    if (this.timedOut.size > TIMED_OUT_MEMORY) {
      const oldest = this.timedOut.values().next().value;
      if (oldest !== undefined) this.timedOut.delete(oldest);
    }
  }

  close(): Promise<void> {
    for (const res of this.waiting.splice(0)) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${BASE}/invocation/next`) {
      const queued = this.pending.shift();
      if (queued !== undefined) send(res, queued);
      else {
        this.waiting.push(res);
        // A worker that dies with its /next open must not be handed an event.
        res.once('close', () => {
          const at = this.waiting.indexOf(res);
          if (at >= 0) this.waiting.splice(at, 1);
        });
      }
      this.emit('next');
      return;
    }
    const body = await readBody(req);
    const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? 'Unhandled');
    if (req.method === 'POST' && url === `${BASE}/init/error`) {
      json(res, 202, { status: 'OK' });
      this.emit('initError', { payload: body, errorType });
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method !== 'POST' || match === null) {
      json(res, 404, { errorMessage: 'Not Found', errorType: 'InvalidRequest' });
      return;
    }
    const [, requestId = '', kind] = match;
    if (!this.running.delete(requestId)) {
      if (this.timedOut.delete(requestId)) {
        json(res, 410, { errorMessage: 'Invoke timeout', errorType: 'InvokeTimeout' });
      } else {
        json(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      }
      return;
    }
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
    json(res, 202, { status: 'OK' });
    this.emit(
      'outcome',
      kind === 'response'
        ? { kind: 'response', requestId, payload: body }
        : { kind: 'error', requestId, payload: body, errorType },
    );
  }
}

function send(res: ServerResponse, delivery: Delivery): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'lambda-runtime-aws-request-id': delivery.requestId,
    'lambda-runtime-deadline-ms': String(delivery.deadlineMs),
    'lambda-runtime-invoked-function-arn': delivery.functionArn,
    'lambda-runtime-trace-id': delivery.traceId,
  });
  res.end(delivery.payload);
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
