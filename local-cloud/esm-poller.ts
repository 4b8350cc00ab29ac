/**
 * A Lambda event source mapping for SQS (lambda-image's upload queue): pollers long-poll the
 * queue, gather a batch up to the mapping's batch size or until its batching window closes,
 * invoke the function synchronously with an SQS event in Lambda's shape, and delete what
 * succeeded. With `ReportBatchItemFailures` the function's `batchItemFailures` stay on the queue;
 * a function error (or a dead environment) leaves the whole batch. What is left comes back after
 * the queue's visibility timeout, and the queue's redrive policy moves a message to its
 * dead-letter queue after maxReceiveCount receives: fauxqs does that itself on receive, as SQS
 * does, so the poller does not count receives.
 *
 * Lambda starts an SQS mapping with five concurrent pollers and scales them up with the backlog
 * to the mapping's maximum concurrency; locally a fixed number run (five, capped by the mapping's
 * MaximumConcurrency), which is enough for one machine's CPUs.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { TooManyRequestsError } from './function-pool';

export interface EsmPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Concurrent pollers, each with at most one batch in flight. */
  readonly pollers: number;
  /** Invokes the function synchronously (RequestResponse). */
  readonly invoke: (
    payload: Buffer,
  ) => Promise<{ readonly payload: Buffer; readonly functionError?: string }>;
  /** Long-poll wait, seconds (SQS's maximum, 20, by default). */
  readonly waitTimeSeconds?: number;
  /** Back-off after a throttle or a failed receive. */
  readonly retryDelayMs?: number;
  readonly log?: (message: string) => void;
}

/** What one batch came to: counts for logs and tests. */
export interface BatchOutcome {
  readonly received: number;
  readonly deleted: number;
  /** Left on the queue for redelivery (function error, item failures, throttle). */
  readonly retried: number;
}

/**
 * The SQS event Lambda hands a function for a batch of messages.
 *
 * @example
 * ```ts
 * const event = sqsEvent(messages, 'arn:aws:sqs:us-east-1:000000000000:uploads', 'us-east-1');
 * event.Records[0]?.eventSource; // 'aws:sqs'
 * ```
 */
export function sqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  const records: SQSRecord[] = messages.map((m) => {
    const body = m.Body ?? '';
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body,
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? 'AROAEXAMPLE:s3',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: lambdaMessageAttributes(m.MessageAttributes),
      md5OfBody: m.MD5OfBody ?? createHash('md5').update(body).digest('hex'),
      ...(m.MD5OfMessageAttributes === undefined
        ? {}
        : { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
  });
  return { Records: records };
}

/**
 * A message's attributes as Lambda puts them in an SQS record: camel-case keys, binary values
 * base64-encoded, and the list fields SQS reserves (always empty) present, as in the example
 * event of the AWS Lambda developer guide, "Using Lambda with Amazon SQS"
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, 2026-12) and the SQS API's
 * MessageAttributeValue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html).
 *
 * @example
 * ```ts
 * lambdaMessageAttributes({ kind: { DataType: 'String', StringValue: 'upload' } });
 * // { kind: { stringValue: 'upload', stringListValues: [], binaryListValues: [], dataType: 'String' } }
 * ```
 */
export function lambdaMessageAttributes(
  attributes: Message['MessageAttributes'],
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [...(value.StringListValues ?? [])],
      binaryListValues: (value.BinaryListValues ?? []).map((b) =>
        Buffer.from(b).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

/**
 * The message ids a function's answer asks to retry: none on success, all of them when the
 * answer is malformed or names a message not in the batch (as Lambda treats it).
 *
 * @example
 * ```ts
 * failedIds(['a', 'b'], { batchItemFailures: [{ itemIdentifier: 'b' }] }); // Set { 'b' }
 * ```
 */
export function failedIds(batchIds: readonly string[], answer: unknown): Set<string> {
  const failures = (answer as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return new Set(batchIds);
  const ids = failures.map((f) => (f as { itemIdentifier?: unknown })?.itemIdentifier);
  if (ids.some((id) => typeof id !== 'string' || !batchIds.includes(id))) return new Set(batchIds);
  return new Set(ids as string[]);
}

/**
 * Runs one event source mapping until stopped.
 *
 * @example
 * ```ts
 * const esm = new EsmPoller({ sqs, queueUrl, queueArn, region: 'us-east-1', batchSize: 5,
 *   maximumBatchingWindowSeconds: 1, reportBatchItemFailures: true, pollers: 5,
 *   invoke: (payload) => pool.invoke(payload) });
 * esm.start();
 * await esm.stop();
 * ```
 */
export class EsmPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly outcomes: BatchOutcome[] = [];

  constructor(private readonly options: EsmPollerOptions) {}

  /** Batches handled so far (newest last). */
  get batches(): readonly BatchOutcome[] {
    return this.outcomes;
  }

  start(): void {
    for (let i = 0; i < this.options.pollers; i += 1) this.loops.push(this.loop());
  }

  /** Stops polling; a batch in flight finishes (or fails) first. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const batch = await this.gather();
        if (batch.length > 0) this.outcomes.push(await this.handle(batch));
      } catch (err) {
        // The back-off comes before the report: a terminal's Ctrl-C reaches the queue's endpoint
        // and the local cloud at once, and the endpoint may be gone before the mapping hears
        // that it stops. An error the shutdown caused is not the queue's, and is not reported.
        await this.sleep(this.options.retryDelayMs ?? 1000);
        if (this.stopped) return;
        this.options.log?.(`event source mapping: ${(err as Error).message}`);
      }
    }
  }

  /** One long poll, then more receives until the batch is full or the window closes. */
  private async gather(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.options;
    const batch = await this.receive(batchSize, this.options.waitTimeSeconds ?? 20);
    if (batch.length === 0) return batch;
    const deadline = performance.now() + maximumBatchingWindowSeconds * 1000;
    while (batch.length < batchSize && !this.stopped) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      batch.push(...(await this.receive(batchSize - batch.length, Math.ceil(left / 1000))));
    }
    return batch;
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const answer = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: Math.min(20, waitTimeSeconds),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return answer.Messages ?? [];
  }

  private async handle(batch: Message[]): Promise<BatchOutcome> {
    const { queueArn, region } = this.options;
    const payload = Buffer.from(JSON.stringify(sqsEvent(batch, queueArn, region)));
    const ids = batch.map((m) => m.MessageId ?? '');
    let retry: Set<string>;
    try {
      const result = await this.options.invoke(payload);
      if (result.functionError !== undefined) {
        retry = new Set(ids);
      } else if (this.options.reportBatchItemFailures) {
        retry = failedIds(ids, parseJson(result.payload));
      } else {
        retry = new Set();
      }
    } catch (err) {
      // Throttled or stopped: the batch returns after its visibility timeout, as on AWS.
      retry = new Set(ids);
      if (err instanceof TooManyRequestsError) await this.sleep(this.options.retryDelayMs ?? 1000);
      else if (!this.stopped) this.options.log?.(`event source mapping: ${(err as Error).message}`);
    }
    const done = batch.filter((m) => !retry.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    return { received: batch.length, deleted: done.length, retried: batch.length - done.length };
  }

  /** Waits `ms`, or less when the poller stops (the listener goes with the timer). */
  private async sleep(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
