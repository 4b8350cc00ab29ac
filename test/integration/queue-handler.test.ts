/**
 * lambda-image's `queue` function (services/queue/handler.ts), invoked in-process with SQS
 * batches whose bodies are S3 notifications, against a local S3 server and real sharp.
 */
import { NotFoundError } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import sharp from 'sharp';
import type * as QueueModule from '../../services/queue/handler';
import { photo } from '../support/fixtures';
import { lambdaContext, sqsEvent } from '../support/lambda-events';
import { type LocalS3, startLocalS3, storeEnv } from '../support/local-s3';
import { s3Notification, s3TestEvent } from '../support/local-sqs';

jest.setTimeout(30_000);

type Handler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;

let s3: LocalS3;
let store: S3ImageStore;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startLocalS3();
  store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
  env = {
    ...storeEnv(s3),
    VARIANT: 'lambda-image',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    S3_MAX_SIDE: '256',
  };
}, 30_000);

afterAll(async () => {
  await s3?.close();
});

/** Loads the handler in a fresh module registry (a new execution environment) with `overrides`. */
async function invoke(event: SQSEvent, overrides: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env, overrides);
  try {
    let response: SQSBatchResponse | undefined;
    await jest.isolateModulesAsync(async () => {
      const { handler } = require('../../services/queue/handler') as typeof QueueModule;
      response = await (handler as unknown as Handler)(event, lambdaContext('cartoon-queue'));
    });
    return response as SQSBatchResponse;
  } finally {
    process.env = saved;
  }
}

test('reports exactly the records that threw; a bad image and a test event are not failures', async () => {
  await store.put('uploads/batch-good.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  await store.put('uploads/batch-bad.png', Buffer.from('no'), { contentType: 'image/png' });
  const event = sqsEvent([
    await s3Notification(store, s3.bucket, 'uploads/batch-good.jpg'),
    'this is not an S3 notification',
    await s3Notification(store, s3.bucket, 'uploads/batch-bad.png'),
    s3TestEvent(s3.bucket),
  ]);

  const response = await invoke(event);

  expect(response).toEqual({
    batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }],
  });
  const cartoon = await store.get('cartoons/batch-good.jpg.jpg');
  expect(await sharp(cartoon.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 256 });
  const record = JSON.parse((await store.get('failed/batch-bad.png.json')).bytes.toString('utf8'));
  expect(record.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
});

test('when S3 cannot be reached every image record is reported, and nothing else', async () => {
  await store.put('uploads/outage-1.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  await store.put('uploads/outage-2.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  const event = sqsEvent([
    await s3Notification(store, s3.bucket, 'uploads/outage-1.jpg'),
    s3TestEvent(s3.bucket),
    await s3Notification(store, s3.bucket, 'uploads/outage-2.jpg'),
  ]);

  // Port 1 on loopback: nothing listens, every S3 call is refused.
  const response = await invoke(event, { S3_ENDPOINT: 'http://127.0.0.1:1' });

  expect(response.batchItemFailures).toEqual([
    { itemIdentifier: event.Records[0]?.messageId },
    { itemIdentifier: event.Records[2]?.messageId },
  ]);
  await expect(store.head('cartoons/outage-1.jpg.jpg')).rejects.toBeInstanceOf(NotFoundError);
});
