/**
 * The lambda-zip handlers, invoked in-process with the events AWS sends, against a real
 * local S3-compatible server on an ephemeral port and real sharp. Nothing is mocked.
 */
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cartoonize, createLogger, NotFoundError } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import sharp from 'sharp';
import type * as ApiModule from '../../services/api/handler';
import type * as ProcessModule from '../../services/process/handler';
import { processUpload } from '../../services/shared/process-upload';
import { CONTRACT_ENV, type ContractReply, describeHttpContract } from '../support/api-contract';
import { captureJsonLogs } from '../support/captured-logs';
import { photo } from '../support/fixtures';
import {
  type HttpRequest,
  httpApiEvent,
  lambdaContext,
  s3PutEvent,
} from '../support/lambda-events';
import { type LocalS3, startLocalS3, storeEnv } from '../support/local-s3';

jest.setTimeout(30_000);

let s3: LocalS3;
let store: S3ImageStore;
let api: (
  event: ReturnType<typeof httpApiEvent>,
  context: unknown,
) => Promise<APIGatewayProxyResultV2>;
let processHandler: (event: ReturnType<typeof s3PutEvent>, context: unknown) => Promise<void>;

beforeAll(async () => {
  s3 = await startLocalS3();
  store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
  // The handlers read their configuration once, at module load, as on Lambda.
  Object.assign(process.env, {
    ...storeEnv(s3),
    VARIANT: 'lambda-zip',
    ...CONTRACT_ENV,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // Set by Lambda and by serverless.yml.
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
  api = (require('../../services/api/handler') as typeof ApiModule).handler as never;
  processHandler = (require('../../services/process/handler') as typeof ProcessModule)
    .handler as never;
}, 30_000);

afterAll(async () => {
  await s3?.close();
});

type Result = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

/** Loads a fresh api handler (a new execution environment) with some settings changed. */
async function withEnv(
  overrides: Record<string, string>,
  run: (handler: typeof api) => Promise<APIGatewayProxyResultV2>,
): Promise<Result> {
  const saved = { ...process.env };
  Object.assign(process.env, overrides);
  try {
    let result: APIGatewayProxyResultV2 | undefined;
    await jest.isolateModulesAsync(async () => {
      const fresh = (require('../../services/api/handler') as typeof ApiModule).handler;
      result = await run(fresh as unknown as typeof api);
    });
    return result as Result;
  } finally {
    process.env = saved;
  }
}

async function call(request: HttpRequest): Promise<Result> {
  return (await api(httpApiEvent(request), lambdaContext('cartoon-compute-dev-api'))) as Result;
}

function bodyBytes(result: Result): Buffer {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
}

/** The handler's answer as the client of an HTTP API sees it: base64 decoded. */
function asReply(result: Result): ContractReply {
  return { statusCode: result.statusCode ?? 0, headers: result.headers, body: bodyBytes(result) };
}

describeHttpContract({
  variant: 'lambda-zip',
  call: async (request) => asReply(await call(request)),
  bucket: () => s3.bucket,
  secrets: () => [s3.bucket],
});

function json(result: Result): Record<string, unknown> {
  expect(result.headers['content-type']).toBe('application/json');
  return JSON.parse(result.body ?? '');
}

async function keys(prefix: string): Promise<string[]> {
  const response = await s3.client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
  );
  return (response.Contents ?? []).map((object) => object.Key ?? '');
}

/**
 * The real store, with its failures of an outage: writing results (`cartoons/`) and reading
 * failure records (`failed/`, as S3 answers a role without the permission) as asked.
 */
function failingStore(fail: { resultWrites?: boolean; recordReads?: boolean }): S3ImageStore {
  return new Proxy(store, {
    get: (target, name: keyof S3ImageStore) => {
      if (name === 'put' && fail.resultWrites) {
        return (...args: Parameters<S3ImageStore['put']>) =>
          args[0].startsWith('cartoons/')
            ? Promise.reject(new Error('We encountered an internal error. Please try again.'))
            : target.put(...args);
      }
      if (name === 'get' && fail.recordReads) {
        return (key: string) =>
          key.startsWith('failed/') ? Promise.reject(new Error('Access Denied')) : target.get(key);
      }
      return target[name].bind(target);
    },
  });
}

/** What the process function passes processUpload, around `processStore`. */
function processDepsWith(processStore: S3ImageStore) {
  return {
    store: processStore,
    logger: createLogger({ variant: 'lambda-zip', logLevel: 'SILENT' }),
    limits: { maxBytes: 32 * 1024 * 1024, maxPixels: 40_000_000 },
    maxSide: 256,
    maxAttempts: 3,
    retryWindowSeconds: 600,
  };
}

async function processKey(key: string): Promise<void> {
  const { etag, contentLength } = await store.head(key);
  await processHandler(
    s3PutEvent(s3.bucket, key, etag, contentLength),
    lambdaContext('cartoon-compute-dev-process'),
  );
}

describe('POST /cartoon', () => {
  test('image bodies come back base64-encoded, as API Gateway needs them', async () => {
    const result = await call({
      method: 'POST',
      url: '/cartoon?maxSide=64',
      headers: { 'content-type': 'image/jpeg' },
      body: photo('rocket.jpg'),
    });

    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(bodyBytes(result).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  test('x-cold-start is true for the first request of an execution environment only', async () => {
    const request = httpApiEvent({
      method: 'POST',
      url: '/cartoon',
      headers: { 'content-type': 'image/jpeg' },
      body: photo('rocket.jpg'),
    });
    const context = lambdaContext('cartoon-compute-dev-api');
    let second: Result | undefined;

    const first = await withEnv({}, async (handler) => {
      const answer = await handler(request, context);
      second = (await handler(request, context)) as Result;
      return answer;
    });

    expect(first.headers['x-cold-start']).toBe('true');
    expect(second?.headers['x-cold-start']).toBe('false');
  });

  test('log lines are structured, with cold_start, the request id and the variant, and no bucket', async () => {
    const { entries, raw } = await captureJsonLogs(() =>
      withEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' }, (handler) =>
        handler(
          httpApiEvent({ method: 'GET', url: '/cartoons/not-an-id' }),
          lambdaContext('cartoon-compute-dev-api'),
        ),
      ),
    );

    const refused = entries.find((entry) => entry.message === 'request refused');
    expect(refused).toMatchObject({
      level: 'INFO',
      service: 'cartoon-compute',
      variant: 'lambda-zip',
      cold_start: true,
      function_name: 'cartoon-compute-dev-api',
      function_request_id: expect.stringMatching(/^req-/),
      status: 400,
      code: 'BAD_REQUEST',
    });
    expect(raw).not.toContain(s3.bucket);
  });

  test('an answer that would not fit the response limit falls back to a smaller JPEG', async () => {
    const input = await sharp(photo('chelsea.png')).resize(300).webp({ quality: 50 }).toBuffer();
    const query = { format: 'png', colours: '32', edgeStrength: '0', smoothing: '0.5' };
    const png = await cartoonize(input, query);
    const jpeg = await cartoonize(input, { ...query, format: 'jpeg', quality: '70' });
    // A limit the PNG answer is over, and the JPEG fallback and the input are under.
    const limit = Math.round((png.data.length + jpeg.data.length) / 2);
    expect(input.length).toBeLessThan(limit);
    expect(png.data.length).toBeGreaterThan(limit);

    const result = await withEnv({ MAX_SYNC_BYTES: String(limit) }, (handler) =>
      handler(
        httpApiEvent({
          method: 'POST',
          url: `/cartoon?${new URLSearchParams(query)}`,
          headers: { 'content-type': 'image/webp' },
          body: input,
        }),
        lambdaContext('cartoon-compute-dev-api'),
      ),
    );

    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('image/jpeg');
    expect(bodyBytes(result).equals(jpeg.data)).toBe(true);
  });
});

describe('the S3 path, end to end', () => {
  test('presigned upload, S3 trigger, then GET /cartoons/{id} reports done with a working download', async () => {
    const bytes = photo('coffee.png');
    const created = json(
      await call({
        method: 'POST',
        url: '/uploads',
        body: JSON.stringify({
          contentType: 'image/png',
          contentLength: bytes.length,
          style: 'comic',
        }),
      }),
    ) as { id: string; key: string; upload: { url: string; headers: Record<string, string> } };

    const put = await fetch(created.upload.url, {
      method: 'PUT',
      headers: created.upload.headers,
      body: bytes,
    });
    expect(put.status).toBe(200);
    const pending = json(await call({ method: 'GET', url: `/cartoons/${created.id}` }));
    expect(pending).toEqual({ id: created.id, status: 'pending' });

    await processKey(created.key);

    const done = json(await call({ method: 'GET', url: `/cartoons/${created.id}` })) as {
      status: string;
      url: string;
      style: string;
    };
    expect(done).toMatchObject({ status: 'done', style: 'comic', contentType: 'image/jpeg' });
    const download = Buffer.from(await (await fetch(done.url)).arrayBuffer());
    expect(await sharp(download).metadata()).toMatchObject({
      format: 'jpeg',
      width: 600,
      height: 400,
    });
    // The upload itself is untouched.
    expect((await store.get(created.key)).bytes.equals(bytes)).toBe(true);
  });

  test('keys with spaces and unicode, URL-encoded in the event as S3 does', async () => {
    const key = 'uploads/holiday 2026/my photo ü 猫.jpg';
    await store.put(key, photo('rocket.jpg'), { contentType: 'image/jpeg' });

    await processKey(key);

    const result = await store.get('cartoons/holiday 2026/my photo ü 猫.jpg.jpg');
    expect(result.metadata['source-key']).toBe(encodeURIComponent(key));
    expect((await sharp(result.bytes).metadata()).width).toBe(640);
  });

  test('the same upload processed twice gives the same result, written once', async () => {
    const key = 'uploads/twice.png';
    await store.put(key, photo('chelsea.png'), { contentType: 'image/png' });

    await processKey(key);
    const first = await store.head('cartoons/twice.png.jpg');
    await processKey(key);
    const second = await store.head('cartoons/twice.png.jpg');

    expect(second.etag).toBe(first.etag);
    expect(second.metadata['duration-ms']).toBe(first.metadata['duration-ms']);
  });

  test('a non-image in uploads/ leaves a failure record and the upload as it was', async () => {
    const key = 'uploads/notes.jpg';
    const text = Buffer.from('meeting notes, definitely not a JPEG');
    await store.put(key, text, { contentType: 'image/jpeg' });

    await processKey(key);

    const record = JSON.parse((await store.get('failed/notes.jpg.json')).bytes.toString('utf8'));
    expect(record).toMatchObject({
      sourceKey: key,
      error: {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringMatching(/^Unsupported image type/),
      },
    });
    await expect(store.head('cartoons/notes.jpg.jpg')).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get(key)).bytes.equals(text)).toBe(true);
  });

  test.each([
    'uploads/IMG_0001.JPG',
    'uploads/Scan.PNG',
    'uploads/x.Tiff',
    'uploads/no-suffix-at-all',
  ])('%s is processed whatever its suffix says: the bytes decide', async (key) => {
    await store.put(key, photo('rocket.jpg'), { contentType: 'image/jpeg' });

    await processKey(key);

    const result = await store.get(`cartoons/${key.slice('uploads/'.length)}.jpg`);
    expect((await sharp(result.bytes).metadata()).format).toBe('jpeg');
  });

  test('a file that is not an image ends as a failure record that says why', async () => {
    const key = 'uploads/readme.txt';
    const text = Buffer.from('not a picture');
    await store.put(key, text, { contentType: 'text/plain' });

    await processKey(key);

    const record = JSON.parse((await store.get('failed/readme.txt.json')).bytes.toString('utf8'));
    expect(record.error).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringMatching(/^Unsupported image type/),
    });
    expect((await store.get(key)).bytes.equals(text)).toBe(true);
  });

  test('two uploads with the same name and different suffixes keep a result each', async () => {
    await store.put('uploads/cat.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
    await store.put('uploads/cat.png', photo('chelsea.png'), { contentType: 'image/png' });

    await processKey('uploads/cat.jpg');
    await processKey('uploads/cat.png');

    const fromJpeg = await store.get('cartoons/cat.jpg.jpg');
    const fromPng = await store.get('cartoons/cat.png.jpg');
    expect(fromJpeg.metadata['source-key']).toBe(encodeURIComponent('uploads/cat.jpg'));
    expect(fromPng.metadata['source-key']).toBe(encodeURIComponent('uploads/cat.png'));
    expect((await sharp(fromJpeg.bytes).metadata()).width).toBe(640);
    expect((await sharp(fromPng.bytes).metadata()).width).toBe(451);
  });

  test('the same name in two folders keeps a result each, and a failure never replaces a result', async () => {
    await store.put('uploads/a/dog.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
    await store.put('uploads/b/dog.jpg', Buffer.from('oops'), { contentType: 'image/jpeg' });

    await processKey('uploads/a/dog.jpg');
    await processKey('uploads/b/dog.jpg');

    expect((await store.head('cartoons/a/dog.jpg.jpg')).metadata['source-key']).toBe(
      encodeURIComponent('uploads/a/dog.jpg'),
    );
    await expect(store.head('cartoons/b/dog.jpg.jpg')).rejects.toBeInstanceOf(NotFoundError);
    expect(await keys('failed/a/')).toEqual([]);
    expect(await keys('failed/b/')).toEqual(['failed/b/dog.jpg.json']);
  });

  test('an upload the event says is over the byte limit is refused without being read', async () => {
    const key = 'uploads/huge.jpg';
    const bytes = photo('rocket.jpg');
    await store.put(key, bytes, { contentType: 'image/jpeg' });
    const { etag } = await store.head(key);

    // The event's size, not the object, is what is checked: claim 40 MB.
    await processHandler(
      s3PutEvent(s3.bucket, key, etag, 40 * 1024 * 1024),
      lambdaContext('cartoon-compute-dev-process'),
    );

    const record = JSON.parse((await store.get('failed/huge.jpg.json')).bytes.toString('utf8'));
    expect(record.error).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Image is larger than 33554432 bytes',
    });
    await expect(store.head('cartoons/huge.jpg.jpg')).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get(key)).bytes.equals(bytes)).toBe(true);
  });

  test('GET /cartoons/{id} still finds a result after its upload has expired', async () => {
    const id = '5d1e8c7a-94f0-4b3e-8a2d-6c5b4a392817';
    await store.put(`uploads/${id}.jpg`, photo('rocket.jpg'), { contentType: 'image/jpeg' });
    await processKey(`uploads/${id}.jpg`);
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `uploads/${id}.jpg` }));

    const body = json(await call({ method: 'GET', url: `/cartoons/${id}` }));

    expect(body).toMatchObject({ id, status: 'done', contentType: 'image/jpeg' });
  });

  test('a failed upload is reported by GET /cartoons/{id}', async () => {
    const id = '0b6c3f0e-2a52-4c1e-9a53-0d0d0d0d0d0d';
    await store.put(`uploads/${id}.png`, photo('rocket.jpg').subarray(0, 5000), {
      contentType: 'image/png',
    });
    await processKey(`uploads/${id}.png`);

    const body = json(await call({ method: 'GET', url: `/cartoons/${id}` }));

    expect(body).toEqual({
      id,
      status: 'failed',
      error: { code: 'INVALID_IMAGE', message: 'Image data is truncated or corrupt' },
    });
  });

  test('a transient failure says pending while attempts are left, failed after the last', async () => {
    const id = '7c2f4a1e-3b5d-4e6f-8a9b-0c1d2e3f4a5b';
    const key = `uploads/${id}.jpg`;
    await store.put(key, photo('rocket.jpg'), { contentType: 'image/jpeg' });
    const { etag, contentLength } = await store.head(key);
    // Writing the result fails as an S3 outage would (a 500).
    const deps = processDepsWith(failingStore({ resultWrites: true }));
    const attempt = () => processUpload({ key, etag, size: contentLength }, deps);
    const status = async () => json(await call({ method: 'GET', url: `/cartoons/${id}` }));
    const internal = { code: 'INTERNAL_ERROR', message: 'Internal error' };

    await expect(attempt()).rejects.toThrow('internal error');
    expect(await status()).toEqual({
      id,
      status: 'pending',
      retrying: true,
      attempts: 1,
      retryUntil: expect.any(String),
      error: internal,
    });
    await expect(attempt()).rejects.toThrow('internal error');
    expect(await status()).toMatchObject({ status: 'pending', retrying: true, attempts: 2 });
    await expect(attempt()).rejects.toThrow('internal error');
    expect(await status()).toEqual({ id, status: 'failed', error: internal });

    // The same name uploaded again starts a new count; a success then wins over the record.
    await store.put(key, photo('chelsea.png'), { contentType: 'image/jpeg' });
    const again = await store.head(key);
    await expect(
      processUpload({ key, etag: again.etag, size: again.contentLength }, deps),
    ).rejects.toThrow('internal error');
    expect(await status()).toMatchObject({ status: 'pending', retrying: true, attempts: 1 });
    await processKey(key);
    expect(await status()).toMatchObject({ id, status: 'done' });
    expect(await keys(`uploads/${id}`)).toEqual([key]);
  });

  test('a retrying record whose retry window has passed reads as failed', async () => {
    // An attempt that timed out or crashed writes nothing; the window ends the wait anyway.
    const id = '8d3a5b2f-4c6e-4f70-9b1c-2d3e4f5a6b7c';
    await store.put(`uploads/${id}.jpg`, photo('rocket.jpg'), { contentType: 'image/jpeg' });
    const record = {
      sourceKey: `uploads/${id}.jpg`,
      sourceEtag: 'abc',
      error: { code: 'INTERNAL_ERROR', message: 'Internal error' },
      at: new Date(Date.now() - 20 * 60_000).toISOString(),
      attempts: 1,
      retrying: true,
      retryUntil: new Date(Date.now() - 10 * 60_000).toISOString(),
    };
    await store.put(`failed/${id}.jpg.json`, Buffer.from(JSON.stringify(record)), {
      contentType: 'application/json',
    });

    const body = json(await call({ method: 'GET', url: `/cartoons/${id}` }));

    expect(body).toEqual({ id, status: 'failed', error: record.error });
  });

  test('a failure is still recorded, and the right one reported, when the earlier record cannot be read', async () => {
    await store.put('uploads/denied.jpg', photo('rocket.jpg'), { contentType: 'image/jpeg' });
    const { etag, contentLength } = await store.head('uploads/denied.jpg');
    // Reading failed/ is denied and writing the result fails as in an outage.
    const deps = processDepsWith(failingStore({ resultWrites: true, recordReads: true }));

    // The platform sees the processing's own failure, not the record's trouble.
    await expect(
      processUpload({ key: 'uploads/denied.jpg', etag, size: contentLength }, deps),
    ).rejects.toThrow('internal error');
    const record = JSON.parse((await store.get('failed/denied.jpg.json')).bytes.toString('utf8'));
    expect(record).toMatchObject({
      attempts: 1,
      retrying: true,
      error: { code: 'INTERNAL_ERROR' },
    });
  });

  test.each([
    ['a path outside uploads/', 'cartoons/loop.jpg'],
    ['a folder marker written by the S3 console', 'uploads/holiday/'],
    ['a parent-directory segment', 'uploads/../cartoons/evil.jpg'],
  ])('%s is ignored and nothing is written', async (_name, key) => {
    const before = [...(await keys('cartoons/')), ...(await keys('failed/'))].sort();

    await processHandler(
      s3PutEvent(s3.bucket, key, 'abc', 10),
      lambdaContext('cartoon-compute-dev-process'),
    );

    expect([...(await keys('cartoons/')), ...(await keys('failed/'))].sort()).toEqual(before);
  });

  test('processing never writes under uploads/, so it cannot trigger itself', async () => {
    const before = (await keys('uploads/')).sort();
    await store.put('uploads/self.png', photo('chelsea.png'), { contentType: 'image/png' });

    await processKey('uploads/self.png');

    // Sorted here: fauxqs lists keys case-insensitively, where S3 lists them in UTF-8 byte order.
    expect((await keys('uploads/')).sort()).toEqual([...before, 'uploads/self.png'].sort());
  });
});
