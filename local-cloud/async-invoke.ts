/**
 * Asynchronous invocation (InvocationType Event), as S3 notifications invoke lambda-zip's
 * `process`: Lambda queues the event, invokes the function, retries a function error up to
 * MaximumRetryAttempts times (about 1 minute, then 2 minutes apart on AWS; scaled down and
 * configurable here), retries throttles until the event's maximum age, and sends what still
 * failed to the on-failure destination as a destination record (AWS Lambda developer guide,
 * "Asynchronous invocation" and "Capturing records of asynchronous invocations", 2026-11).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AsyncEventStore, PendingEvent } from './async-event-store';
import type { InvokeResult } from './environment';
import { TooManyRequestsError } from './function-pool';
import type { AsyncInvokeConfig } from './topology';

export interface AsyncInvokerOptions {
  readonly functionArn: string;
  readonly config: AsyncInvokeConfig;
  readonly invoke: (payload: Buffer, requestId: string) => Promise<InvokeResult>;
  /** Wait before retry n (0-based); AWS waits about 60 s, then 120 s. */
  readonly retryDelaysMs: readonly number[];
  /** Wait before trying a throttled event again. */
  readonly throttleRetryMs: number;
  /** Delivers a destination record (JSON) to a destination ARN. */
  readonly sendToDestination: (arn: string, record: string) => Promise<void>;
  /** Keeps accepted events until they are done, across restarts; in memory only without one. */
  readonly store?: AsyncEventStore;
  readonly log?: (message: string) => void;
}

/** AWS's retry spacing for asynchronous invocation, for scaling. */
export const AWS_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/**
 * Queues and retries asynchronous invocations of one function.
 *
 * Once stopped it starts no attempt and no retry: an event waiting for one, or whose attempt
 * the shutdown cut short (that attempt does not count), stays in the store for resume() on the
 * next start, as events accepted while stopping do.
 *
 * @example
 * ```ts
 * const invoker = new AsyncInvoker({ functionArn, config: fn.async, invoke: (p, id) => pool.invoke(p, id),
 *   retryDelaysMs: [1000, 2000], throttleRetryMs: 500, sendToDestination, store });
 * invoker.resume(); // events a previous run left
 * invoker.submit(Buffer.from(JSON.stringify(notification)));
 * ```
 */
export class AsyncInvoker {
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: AsyncInvokerOptions) {}

  /** Accepts an event (Lambda answers 202) and returns its request id. */
  submit(payload: Buffer): string {
    const event: PendingEvent = {
      requestId: randomUUID(),
      payload,
      acceptedAt: Date.now(),
      attempts: 0,
    };
    this.options.store?.save(event);
    if (!this.stopped) this.start(event);
    return event.requestId;
  }

  /** Delivers the events a previous run accepted and did not finish; returns how many. */
  resume(): number {
    const events = this.options.store?.load() ?? [];
    if (!this.stopped) for (const event of events) this.start(event);
    return events.length;
  }

  /** Resolves when every accepted event has been processed, sent to its destination or kept. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** No attempt or retry starts after this; waits for retries end at once. Synchronous. */
  stop(): void {
    this.abort.abort();
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private start(event: PendingEvent): void {
    const run = this.run(event).catch((err: unknown) => {
      // Kept in the store: the next start tries it again.
      if (!this.stopped)
        this.options.log?.(`async invoke ${event.requestId} failed: ${String(err)}`);
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async run(accepted: PendingEvent): Promise<void> {
    const { config, store } = this.options;
    const expires = accepted.acceptedAt + config.maximumEventAgeSeconds * 1000;
    let event = accepted;
    for (;;) {
      if (this.stopped) return;
      if (event.attempts > config.maximumRetryAttempts) {
        await this.fail(event, 'RetriesExhausted');
        break;
      }
      if (Date.now() > expires) {
        await this.fail(event, 'EventAgeExceeded');
        break;
      }
      let result: InvokeResult;
      try {
        result = await this.options.invoke(event.payload, event.requestId);
      } catch (err) {
        if (this.stopped) return;
        if (!(err instanceof TooManyRequestsError)) throw err;
        await this.sleep(this.options.throttleRetryMs);
        continue;
      }
      // An attempt the shutdown ended (its environment killed) is not the function's failure.
      if (this.stopped) return;
      event = {
        ...event,
        attempts: event.attempts + 1,
        ...(result.functionError === undefined
          ? {}
          : { last: { functionError: result.functionError, payload: result.payload } }),
      };
      if (result.functionError === undefined) break;
      store?.save(event);
      if (event.attempts > config.maximumRetryAttempts) continue;
      const delays = this.options.retryDelaysMs;
      await this.sleep(delays[Math.min(event.attempts - 1, delays.length - 1)] ?? 0);
    }
    store?.remove(event.requestId);
  }

  private async fail(
    event: PendingEvent,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
  ): Promise<void> {
    const destination = this.options.config.onFailure;
    this.options.log?.(
      `async invoke ${event.requestId}: ${condition} after ${event.attempts} attempts`,
    );
    if (destination === undefined) return;
    await this.options.sendToDestination(
      destination,
      JSON.stringify(destinationRecord(this.options.functionArn, event, condition)),
    );
  }

  /** Waits `ms`, or less when the invoker stops. */
  private async sleep(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}

/**
 * The record Lambda sends to an on-failure destination.
 *
 * @example
 * ```ts
 * destinationRecord(arn, { requestId, payload, acceptedAt, attempts: 3 }, 'RetriesExhausted');
 * ```
 */
function destinationRecord(functionArn: string, event: PendingEvent, condition: string) {
  const { last } = event;
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: event.requestId,
      functionArn: `${functionArn}:$LATEST`,
      condition,
      approximateInvokeCount: event.attempts,
    },
    requestPayload: parseJson(event.payload),
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(last === undefined ? {} : { functionError: last.functionError }),
    },
    ...(last === undefined ? {} : { responsePayload: parseJson(last.payload) }),
  };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return payload.toString('utf8');
  }
}
