// The event source mapping poller against the real local SQS (fauxqs behind the S3 endpoint):
// batches up to the batch size, partial batch failures redelivered after the visibility
// timeout, and the redrive policy moving a message that keeps failing to the dead-letter queue.
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { EsmPoller } from '../../../local-cloud/esm-poller';
import { type S3Endpoint, startS3Endpoint } from '../../../local-cloud/s3-endpoint';
import { waitFor } from '../../support/poll';

const ACCOUNT = '000000000000';
const arn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
let s3: S3Endpoint;
let sqs: SQSClient;

beforeAll(async () => {
  const redrive = (dlq: string) =>
    JSON.stringify({ deadLetterTargetArn: arn(dlq), maxReceiveCount: 2 });
  s3 = await startS3Endpoint({
    buckets: [],
    queues: [
      'dlq',
      { name: 'partial', attributes: { VisibilityTimeout: '2', RedrivePolicy: redrive('dlq') } },
      { name: 'batches', attributes: { VisibilityTimeout: '5' } },
    ],
  });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    useQueueUrlAsEndpoint: false,
  });
}, 30_000);

afterAll(async () => {
  sqs?.destroy();
  await s3?.close();
});

function poller(
  queue: string,
  batchSize: number,
  handler: (event: SQSEvent) => unknown,
  windowSeconds = 1,
): EsmPoller {
  return new EsmPoller({
    sqs,
    queueUrl: s3.queueUrl(queue),
    queueArn: arn(queue),
    region: 'us-east-1',
    batchSize,
    maximumBatchingWindowSeconds: windowSeconds,
    reportBatchItemFailures: true,
    pollers: 1,
    waitTimeSeconds: 1,
    invoke: async (payload) => {
      const answer = handler(JSON.parse(payload.toString('utf8')) as SQSEvent);
      return { payload: Buffer.from(JSON.stringify(answer ?? null)) };
    },
  });
}

it('gathers batches up to the batch size within the batching window', async () => {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: s3.queueUrl('batches'),
      Entries: Array.from({ length: 7 }, (_, i) => ({ Id: String(i), MessageBody: `m${i}` })),
    }),
  );
  const sizes: number[] = [];
  const esm = poller('batches', 5, (event) => {
    sizes.push(event.Records.length);
    return { batchItemFailures: [] };
  });

  esm.start();
  await waitFor(() => sizes.reduce((a, b) => a + b, 0) >= 7, {
    what: 'all 7 messages delivered',
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  await esm.stop();

  expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
  expect(esm.batches.reduce((sum, b) => sum + b.deleted, 0)).toBe(7);
}, 20_000);

it('redelivers only the reported failures, and moves one that keeps failing to the DLQ', async () => {
  await sqs.send(new SendMessageCommand({ QueueUrl: s3.queueUrl('partial'), MessageBody: 'ok' }));
  await sqs.send(new SendMessageCommand({ QueueUrl: s3.queueUrl('partial'), MessageBody: 'bad' }));
  const seen: string[] = [];
  // No batching window: a window as long as the visibility timeout would see 'ok' again.
  const esm = poller(
    'partial',
    10,
    (event) => {
      seen.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    },
    0,
  );

  esm.start();
  // maxReceiveCount 2: 'bad' is received twice, then its third receive moves it to the DLQ.
  await waitFor(() => seen.filter((s) => s.startsWith('bad')).length >= 2, {
    what: 'the bad message seen twice',
    timeoutMs: 15_000,
    intervalMs: 50,
  });
  const dead = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: s3.queueUrl('dlq'), WaitTimeSeconds: 5 }),
  );
  await esm.stop();

  expect(seen.filter((s) => s.startsWith('ok'))).toEqual(['ok#1']);
  expect(seen.filter((s) => s.startsWith('bad'))).toEqual(['bad#1', 'bad#2']);
  expect(dead.Messages?.map((m) => m.Body)).toEqual(['bad']);
}, 30_000);

it('leaves the whole batch for a function error', async () => {
  await sqs.send(new SendMessageCommand({ QueueUrl: s3.queueUrl('batches'), MessageBody: 'e' }));
  let calls = 0;
  const esm = new EsmPoller({
    sqs,
    queueUrl: s3.queueUrl('batches'),
    queueArn: arn('batches'),
    region: 'us-east-1',
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: true,
    pollers: 1,
    waitTimeSeconds: 1,
    invoke: async () => {
      calls += 1;
      return { payload: Buffer.from('{"errorType":"Error"}'), functionError: 'Unhandled' };
    },
  });

  esm.start();
  await waitFor(() => calls >= 1, {
    what: 'a first invocation',
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  await esm.stop();

  expect(esm.batches[0]).toEqual({ received: 1, deleted: 0, retried: 1 });
}, 20_000);
