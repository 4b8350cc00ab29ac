/**
 * Asynchronous invocation (InvocationType Event), as S3 notifications invoke lambda-zip's
 * `process`: Lambda queues the event, invokes the function, retries a function error up to
 * MaximumRetryAttempts times (about 1 minute, then 2 minutes apart on AWS; scaled down and
 * configurable here), retries throttles until the event's maximum age, and sends what still
 * failed to the on-failure destination as a destination record (AWS Lambda developer guide,
 * "Asynchronous invocation" and "Capturing records of asynchronous invocations", 2026-11).
 */
import { randomUUID } from 'node:crypto';
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
  readonly log?: (message: string) => void;
}

/** AWS's retry spacing for asynchronous invocation, for scaling. */
export const AWS_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/**
 * Queues and retries asynchronous invocations of one function.
 *
 * @example
 * ```ts
 * const invoker = new AsyncInvoker({ functionArn, config: fn.async, invoke: (p, id) => pool.invoke(p, id),
 *   retryDelaysMs: [1000, 2000], throttleRetryMs: 500, sendToDestination });
 * invoker.submit(Buffer.from(JSON.stringify(notification)));
 * ```
 */
export class AsyncInvoker {
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: AsyncInvokerOptions) {}

  /** Accepts an event (Lambda answers 202) and returns its request id. */
  submit(payload: Buffer): string {
    const requestId = randomUUID();
    const run = this.run(payload, requestId).catch((err: unknown) => {
      this.options.log?.(`async invoke ${requestId} failed: ${String(err)}`);
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return requestId;
  }

  /** Resolves when every accepted event has been processed or sent to its destination. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(payload: Buffer, requestId: string): Promise<void> {
    const { config } = this.options;
    const expires = Date.now() + config.maximumEventAgeSeconds * 1000;
    let attempts = 0;
    let last: InvokeResult | undefined;
    while (!this.stopped) {
      if (Date.now() > expires) {
        await this.fail(payload, requestId, 'EventAgeExceeded', attempts, last);
        return;
      }
      let result: InvokeResult;
      try {
        result = await this.options.invoke(payload, requestId);
      } catch (err) {
        if (!(err instanceof TooManyRequestsError)) throw err;
        await sleep(this.options.throttleRetryMs);
        continue;
      }
      attempts += 1;
      last = result;
      if (result.functionError === undefined) return;
      if (attempts > config.maximumRetryAttempts) {
        await this.fail(payload, requestId, 'RetriesExhausted', attempts, last);
        return;
      }
      const delays = this.options.retryDelaysMs;
      await sleep(delays[Math.min(attempts - 1, delays.length - 1)] ?? 0);
    }
  }

  private async fail(
    payload: Buffer,
    requestId: string,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
    attempts: number,
    last: InvokeResult | undefined,
  ): Promise<void> {
    const destination = this.options.config.onFailure;
    this.options.log?.(`async invoke ${requestId}: ${condition} after ${attempts} attempts`);
    if (destination === undefined) return;
    await this.options.sendToDestination(
      destination,
      JSON.stringify(
        destinationRecord(this.options.functionArn, requestId, condition, attempts, payload, last),
      ),
    );
  }
}

/**
 * The record Lambda sends to an on-failure destination.
 *
 * @example
 * ```ts
 * destinationRecord(arn, id, 'RetriesExhausted', 3, payload, lastResult).requestContext.condition;
 * ```
 */
function destinationRecord(
  functionArn: string,
  requestId: string,
  condition: string,
  approximateInvokeCount: number,
  payload: Buffer,
  last: InvokeResult | undefined,
) {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId,
      functionArn: `${functionArn}:$LATEST`,
      condition,
      approximateInvokeCount,
    },
    requestPayload: parseJson(payload),
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(last?.functionError === undefined ? {} : { functionError: last.functionError }),
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
