/**
 * The Lambda Runtime API one execution environment talks to (AWS Lambda developer guide,
 * "Using the Lambda runtime API for custom runtimes"): `GET /2018-06-01/runtime/invocation/next`
 * is held open until there is an event, `POST …/invocation/{id}/response`, `…/{id}/error` and
 * `…/init/error` report back. One server per environment, on its own loopback port, so an
 * environment can only ever see its own events.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Listening } from './listen';
import {
  answerInvocation,
  answerJson,
  type Delivery,
  type RuntimeOutcome,
  readRuntimeRequest,
  sendDelivery,
  startRuntimeServer,
} from './runtime-api-http';

export { type Delivery, MAX_RESPONSE_BYTES, type RuntimeOutcome } from './runtime-api-http';

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
    private readonly listening: Listening,
    /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
    readonly address: string,
  ) {
    super();
  }

  static async start(): Promise<RuntimeApi> {
    let api: RuntimeApi | undefined;
    const listening = await startRuntimeServer((req, res) => api?.handle(req, res));
    api = new RuntimeApi(listening, new URL(listening.url).host);
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
    sendDelivery(res, delivery);
  }

  close(): Promise<void> {
    this.waiting?.destroy();
    return this.listening.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readRuntimeRequest(req, res);
    if (request === undefined) return;
    if (request.route === 'next') {
      this.waiting = res;
      this.emit('next');
      return;
    }
    if (request.route === 'initError') {
      this.emit('initError', { payload: request.payload, errorType: request.errorType });
      return;
    }
    if (request.requestId !== this.current) {
      answerJson(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return;
    }
    this.current = undefined;
    this.emit('outcome', answerInvocation(res, request));
  }
}
