/**
 * The Lambda handlers as Lambda Managed Instances (LMI) runs them: AWS_LAMBDA_MAX_CONCURRENCY
 * set, the runtime's InvokeStore in place, invocations overlapping in one module instance (one
 * runtime worker thread), each inside its own InvokeStore context. Also what changed for every
 * Lambda variant with it: the cold-start flag taken when an invocation starts, and each
 * invocation's deadline. Invoked in-process against a real local S3 server and real sharp.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type {
  APIGatewayProxyStructuredResultV2,
  Context,
  S3Event,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type * as ApiModule from '../../services/api/handler';
import type * as ProcessModule from '../../services/process/handler';
import type * as QueueModule from '../../services/queue/handler';
import { DEADLINE_MARGIN_MS } from '../../services/shared/invocation-deadline';
import { photo } from '../support/fixtures';
import { httpApiEvent, lambdaContext, s3PutEvent, sqsEvent } from '../support/lambda-events';
import { type LocalS3, startLocalS3, storeEnv } from '../support/local-s3';
import { s3Notification } from '../support/local-sqs';

jest.setTimeout(60_000);

type Result = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
type Api = (event: ReturnType<typeof httpApiEvent>, context: Context) => Promise<Result>;

let s3: LocalS3;
let store: S3ImageStore;
let env: Record<string, string>;
let invokeStore: Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>;
const LMI = { AWS_LAMBDA_MAX_CONCURRENCY: '4', VARIANT: 'managed-instances' };

beforeAll(async () => {
  s3 = await startLocalS3();
  store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
  env = {
    ...storeEnv(s3),
    VARIANT: 'lambda-zip',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
    S3_MAX_SIDE: '256',
  };
  // The LMI runtime makes its store before it loads the handler; Powertools needs it there.
  invokeStore = await InvokeStore.getInstanceAsync();
}, 30_000);

afterAll(async () => {
  await s3?.close();
});

/**
 * Loads `modulePath` in a fresh module registry (a new environment, or under LMI a new runtime
 * worker thread) with `overrides`, and hands its exports to `run`.
 */
async function inEnvironment<M, T>(
  modulePath: string,
  overrides: Record<string, string>,
  run: (module: M, load: (id: string) => unknown) => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env, overrides);
  try {
    let result: T | undefined;
    await jest.isolateModulesAsync(async () => {
      result = await run(require(modulePath) as M, (id) => require(id));
    });
    return result as T;
  } finally {
    process.env = saved;
  }
}

/** One invocation as the LMI runtime starts it: inside its own InvokeStore context. */
function invoke<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  context: Context,
): Promise<R> {
  return invokeStore.run(
    { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId },
    () => handler(event, context),
  );
}

const cartoonEvent = (query: string, name: Parameters<typeof photo>[0] = 'rocket.jpg') =>
  httpApiEvent({
    method: 'POST',
    url: `/cartoon?${query}`,
    headers: { 'content-type': name.endsWith('.png') ? 'image/png' : 'image/jpeg' },
    body: photo(name),
  });

const withTimeLeft = (ms: number, name = 'cartoon-compute-dev-api'): Context => ({
  ...lambdaContext(name),
  getRemainingTimeInMillis: () => ms,
});

const bytes = (result: Result) =>
  Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');

describe('under Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY set)', () => {
  const requests = [
    cartoonEvent('style=comic&maxSide=320&format=png'),
    cartoonEvent('style=sketch&maxSide=256', 'coffee.png'),
    cartoonEvent('style=classic&maxSide=400&format=webp', 'chelsea.png'),
    cartoonEvent('style=comic&maxSide=300&colours=6', 'ladybird.jpg'),
  ];

  test('overlapping invocations each get the bytes they get alone, and none says cold', async () => {
    const { alone, together } = await inEnvironment<
      typeof ApiModule,
      { alone: Result[]; together: Result[] }
    >('../../services/api/handler', LMI, async ({ handler }) => {
      const api = handler as unknown as Api;
      const together = await Promise.all(
        requests.map((event) => invoke(api, event, lambdaContext('cartoon-compute-dev-api'))),
      );
      const alone: Result[] = [];
      for (const event of requests) {
        alone.push(await invoke(api, event, lambdaContext('cartoon-compute-dev-api')));
      }
      return { alone, together };
    });

    expect(together.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(together.map((r) => r.headers['x-cold-start'])).toEqual([
      'false',
      'false',
      'false',
      'false',
    ]);
    expect(together.map((r) => r.headers['x-cartoon-variant'])).toEqual(
      requests.map(() => 'managed-instances'),
    );
    together.forEach((result, i) => {
      expect(bytes(result).equals(bytes(alone[i] as Result))).toBe(true);
    });
    // Different requests, different answers: the comparison above could fail.
    expect(bytes(together[0] as Result).equals(bytes(together[1] as Result))).toBe(false);
  });

  test('each image gets one thread: sharp’s, and no helper worker of the core', async () => {
    const threads = await inEnvironment<typeof ApiModule, { sharp: number; core: number }>(
      '../../services/api/handler',
      LMI,
      async (_module, load) => ({
        sharp: (load('sharp') as { concurrency: () => number }).concurrency(),
        core: (
          load('@cartoon-compute/core') as { threadsPerImage: () => number }
        ).threadsPerImage(),
      }),
    );

    expect(threads).toEqual({ sharp: 1, core: 1 });
  });

  test('a value that is not a positive integer stops init with the variable’s name', async () => {
    await expect(
      inEnvironment(
        '../../services/api/handler',
        { ...LMI, AWS_LAMBDA_MAX_CONCURRENCY: 'many' },
        async () => 0,
      ),
    ).rejects.toThrow('AWS_LAMBDA_MAX_CONCURRENCY must be an integer between 1 and');
  });
});

describe('one invocation at a time (standard Lambda)', () => {
  test('two invocations that overlap in a new environment: only the first says cold', async () => {
    const answers = await inEnvironment<typeof ApiModule, Result[]>(
      '../../services/api/handler',
      {},
      async ({ handler }) => {
        const api = handler as unknown as Api;
        const context = lambdaContext('cartoon-compute-dev-api');
        return Promise.all([
          api(cartoonEvent('maxSide=200'), context),
          api(cartoonEvent('maxSide=220'), context),
        ]);
      },
    );

    expect(answers.map((r) => r.headers['x-cold-start'])).toEqual(['true', 'false']);
  });

  test('each image may use the CPUs the process has', async () => {
    const threads = await inEnvironment<typeof ApiModule, number>(
      '../../services/api/handler',
      {},
      async (_module, load) =>
        (load('@cartoon-compute/core') as { threadsPerImage: () => number }).threadsPerImage(),
    );

    expect(threads).toBe(require('node:os').availableParallelism());
  });
});

describe("each invocation's deadline", () => {
  test('POST /cartoon with no time left answers 504, and with time the same request answers 200', async () => {
    const [late, inTime] = await inEnvironment<typeof ApiModule, Result[]>(
      '../../services/api/handler',
      LMI,
      async ({ handler }) => {
        const api = handler as unknown as Api;
        return [
          await invoke(api, cartoonEvent('maxSide=200'), withTimeLeft(DEADLINE_MARGIN_MS)),
          await invoke(api, cartoonEvent('maxSide=200'), withTimeLeft(DEADLINE_MARGIN_MS + 20_000)),
        ];
      },
    );

    expect(late?.statusCode).toBe(504);
    expect(JSON.parse(late?.body ?? '')).toEqual({
      error: { code: 'TIMED_OUT', message: expect.stringContaining('not done in time') },
    });
    expect(inTime?.statusCode).toBe(200);
  });

  test('the queue function leaves records it has no time for to SQS, untouched', async () => {
    await store.put('uploads/late-1.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
    await store.put('uploads/late-2.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
    const event = sqsEvent([
      await s3Notification(store, s3.bucket, 'uploads/late-1.jpg'),
      await s3Notification(store, s3.bucket, 'uploads/late-2.jpg'),
    ]);

    const response = await inEnvironment<typeof QueueModule, SQSBatchResponse>(
      '../../services/queue/handler',
      LMI,
      async ({ handler }) =>
        invoke(
          handler as unknown as (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>,
          event,
          withTimeLeft(DEADLINE_MARGIN_MS - 1, 'cartoon-compute-dev-queue'),
        ),
    );

    expect(response.batchItemFailures).toEqual(
      event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    );
    for (const key of [
      'cartoons/late-1.jpg.jpg',
      'failed/late-1.jpg.json',
      'failed/late-2.jpg.json',
    ]) {
      await expect(store.head(key)).rejects.toThrow();
    }
  });

  test('the S3 function out of time throws for a retry, records it as retrying, keeps the upload', async () => {
    const upload = photo('rocket.jpg');
    await store.put('uploads/late-async.jpg', upload, { contentType: 'image/jpeg' });
    const { etag, contentLength } = await store.head('uploads/late-async.jpg');
    const event = s3PutEvent(s3.bucket, 'uploads/late-async.jpg', etag, contentLength);

    const outcome = inEnvironment<typeof ProcessModule, void>(
      '../../services/process/handler',
      {},
      async ({ handler }) =>
        (handler as unknown as (e: S3Event, c: Context) => Promise<void>)(
          event,
          withTimeLeft(DEADLINE_MARGIN_MS, 'cartoon-compute-dev-process'),
        ),
    );

    await expect(outcome).rejects.toMatchObject({ statusCode: 504, code: 'TIMED_OUT' });
    const record = JSON.parse(
      (await store.get('failed/late-async.jpg.json')).bytes.toString('utf8'),
    );
    expect(record).toMatchObject({ error: { code: 'TIMED_OUT' }, attempts: 1, retrying: true });
    expect((await store.get('uploads/late-async.jpg')).bytes.equals(upload)).toBe(true);
  });
});
