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
    private readonly listening: Listening,
    /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
    readonly address: string,
  ) {
    super();
  }

  static async start(): Promise<LmiRuntimeApi> {
    let api: LmiRuntimeApi | undefined;
    const listening = await startRuntimeServer((req, res) => api?.handle(req, res));
    api = new LmiRuntimeApi(listening, new URL(listening.url).host);
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
    sendDelivery(res, delivery);
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
    return this.listening.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readRuntimeRequest(req, res);
    if (request === undefined) return;
    if (request.route === 'next') {
      const queued = this.pending.shift();
      if (queued !== undefined) sendDelivery(res, queued);
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
    if (request.route === 'initError') {
      this.emit('initError', { payload: request.payload, errorType: request.errorType });
      return;
    }
    if (!this.running.delete(request.requestId)) {
      if (this.timedOut.delete(request.requestId)) {
        answerJson(res, 410, { errorMessage: 'Invoke timeout', errorType: 'InvokeTimeout' });
      } else {
        answerJson(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      }
      return;
    }
    this.emit('outcome', answerInvocation(res, request));
  }
}
