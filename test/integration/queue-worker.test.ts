/**
 * The fargate task's S3 path (services/fargate/queue-worker.ts) against a local SQS with
 * visibility timeouts, long polling and a dead-letter queue, and a local S3: the test sends
 * the S3 notification itself, as S3 would.
 */
import { createLogger, type ImageStore, NotFoundError } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import sharp from 'sharp';
import type { QueueSettings } from '../../services/fargate/config';
import { createQueueWorker, type QueueWorker } from '../../services/fargate/queue-worker';
import { photo } from '../support/fixtures';
import { type LocalS3, startLocalS3 } from '../support/local-s3';
import {
  createQueues,
  type LocalQueues,
  messageCount,
  receiveBodies,
  s3Notification,
  s3TestEvent,
  sendMessage,
} from '../support/local-sqs';
import { sleep, waitFor } from '../support/poll';

jest.setTimeout(60_000);

let s3: LocalS3;
let store: S3ImageStore;
const workers: QueueWorker[] = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
}, 30_000);

/** Every queue pair made, so their SQS clients' sockets are closed at the end. */
const queuePairs: LocalQueues[] = [];

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  for (const queues of queuePairs) queues.client.destroy();
  await s3?.close();
});

async function newQueues(options: Parameters<typeof createQueues>[1]): Promise<LocalQueues> {
  const queues = await createQueues(s3, options);
  queuePairs.push(queues);
  return queues;
}

const logger = createLogger({ variant: 'fargate', logLevel: 'SILENT' });

function startWorker(
  queues: LocalQueues,
  settings: Partial<QueueSettings> = {},
  workerStore: ImageStore = store,
  maxAttempts = 3,
): QueueWorker {
  const worker = createQueueWorker({
    sqs: queues.client,
    bucket: s3.bucket,
    settings: {
      queueUrl: queues.queueUrl,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 10,
      heartbeatSeconds: 3,
      retryDelaySeconds: 0,
      processTimeoutSeconds: 60,
      ...settings,
    },
    stopTimeoutMs: 1_000,
    store: workerStore,
    logger,
    limits: { maxBytes: 32 * 1024 * 1024, maxPixels: 40_000_000 },
    maxSide: 256,
    maxAttempts,
    retryWindowSeconds: 900,
  });
  workers.push(worker);
  worker.start();
  return worker;
}

async function drained(queues: LocalQueues, url = queues.queueUrl): Promise<void> {
  await waitFor(async () => (await messageCount(queues.client, url)) === 0, {
    what: 'queue empty',
    timeoutMs: 20_000,
  });
}

async function exists(key: string): Promise<boolean | undefined> {
  try {
    await store.head(key);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The store with `get` replaced, everything else passed through. */
/** The real store, except that reading an upload goes through `get`. */
function withGet(get: ImageStore['get']): ImageStore {
  return {
    get: (key) => (key.startsWith('uploads/') ? get(key) : store.get(key)),
    put: (key, bytes, options) => store.put(key, bytes, options),
    head: (key) => store.head(key),
    firstKey: (prefix) => store.firstKey(prefix),
  };
}

test('a good image is made into a cartoon and its message deleted', async () => {
  const queues = await newQueues({ maxReceiveCount: 3, visibilityTimeoutSeconds: 10 });
  await store.put('uploads/good.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  await sendMessage(queues, await s3Notification(store, s3.bucket, 'uploads/good.jpg'));

  const worker = startWorker(queues);
  await waitFor(() => exists('cartoons/good.jpg.jpg'), {
    what: 'cartoon written',
    timeoutMs: 20_000,
  });
  await drained(queues);
  await worker.stop();

  const result = await store.get('cartoons/good.jpg.jpg');
  expect(await sharp(result.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 256 });
  expect(await messageCount(queues.client, queues.dlqUrl)).toBe(0);
});

test('a non-image ends as a failed/ record and leaves the queue; a test event is acknowledged', async () => {
  const queues = await newQueues({ maxReceiveCount: 3, visibilityTimeoutSeconds: 10 });
  await store.put('uploads/notes.jpg', Buffer.from('not a JPEG'), { contentType: 'image/jpeg' });
  await sendMessage(queues, s3TestEvent(s3.bucket));
  await sendMessage(queues, await s3Notification(store, s3.bucket, 'uploads/notes.jpg'));

  const worker = startWorker(queues);
  await waitFor(() => exists('failed/notes.jpg.json'), {
    what: 'failure record',
    timeoutMs: 20_000,
  });
  await drained(queues);
  await worker.stop();

  const record = JSON.parse((await store.get('failed/notes.jpg.json')).bytes.toString('utf8'));
  expect(record.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  expect(await messageCount(queues.client, queues.dlqUrl)).toBe(0);
});

test('a transient failure is retried and, after maxReceiveCount receives, moved to the DLQ', async () => {
  const queues = await newQueues({ maxReceiveCount: 2, visibilityTimeoutSeconds: 10 });
  await store.put('uploads/flaky.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  const body = await s3Notification(store, s3.bucket, 'uploads/flaky.jpg');
  await sendMessage(queues, body);
  let attempts = 0;
  const broken = withGet(async () => {
    attempts += 1;
    throw new Error('S3 is unreachable');
  });

  // As deployed, the worker's attempts are the queue's maxReceiveCount.
  const worker = startWorker(queues, {}, broken, 2);
  await drained(queues);
  await worker.stop();

  expect(attempts).toBe(2);
  expect(await receiveBodies(queues.client, queues.dlqUrl)).toEqual([body]);
  // The first failure was recorded as retrying, the last as final.
  const record = JSON.parse((await store.get('failed/flaky.jpg.json')).bytes.toString('utf8'));
  expect(record).toMatchObject({ attempts: 2, retrying: false, error: { code: 'INTERNAL_ERROR' } });
  await expect(store.head('cartoons/flaky.jpg.jpg')).rejects.toBeInstanceOf(NotFoundError);
});

test('an image that outlives the visibility timeout is kept hidden by the heartbeat and made once', async () => {
  const queues = await newQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 2 });
  await store.put('uploads/slow.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  await sendMessage(queues, await s3Notification(store, s3.bucket, 'uploads/slow.jpg'));
  let reads = 0;
  // Twice the visibility timeout: without the heartbeat the message would reappear meanwhile.
  const slow = withGet(async (key) => {
    reads += 1;
    await sleep(4_500);
    return store.get(key);
  });

  // Two consumers on one queue: the second would receive the message if it reappeared.
  const settings = { visibilityTimeoutSeconds: 2, heartbeatSeconds: 1 };
  const first = startWorker(queues, settings, slow);
  const second = startWorker(queues, settings, slow);
  await waitFor(() => exists('cartoons/slow.jpg.jpg'), {
    what: 'cartoon written',
    timeoutMs: 20_000,
  });
  await drained(queues);
  await Promise.all([first.stop(), second.stop()]);

  expect(reads).toBe(1);
  expect(await messageCount(queues.client, queues.dlqUrl)).toBe(0);
});

test('a message still in progress when the stop timeout ends goes straight back to the queue', async () => {
  const queues = await newQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
  await store.put('uploads/late.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
  const body = await s3Notification(store, s3.bucket, 'uploads/late.jpg');
  await sendMessage(queues, body);
  let started = (): void => undefined;
  const inProgress = new Promise<void>((resolve) => {
    started = resolve;
  });
  let giveUp = (): void => undefined;
  // An image that does not finish within the stop timeout (1 s, in startWorker).
  const stuck = withGet(async () => {
    started();
    return new Promise((_, reject) => {
      giveUp = () => reject(new Error('gave up'));
    });
  });

  const worker = startWorker(queues, { visibilityTimeoutSeconds: 30, heartbeatSeconds: 20 }, stuck);
  await inProgress;
  const finished = await worker.stop();

  expect(finished).toBe(false);
  // Visible again at once, not after the 30 s visibility timeout; never deleted.
  const bodies = await receiveBodies(queues.client, queues.queueUrl);
  // The process would exit here; in a test the handler is ended instead, stopping its heartbeat.
  giveUp();
  await waitFor(() => exists('failed/late.jpg.json'), {
    what: 'failure record',
    timeoutMs: 15_000,
  });
  expect(bodies).toEqual([body]);
});
