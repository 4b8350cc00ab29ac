/**
 * The lambda-zip handlers, invoked in-process with the events AWS sends, against a real
 * local S3-compatible server on an ephemeral port and real sharp. Nothing is mocked.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cartoonize, NotFoundError } from '@cartoon-compute/core';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import sharp from 'sharp';
import type * as ApiModule from '../../services/api/handler';
import type * as ProcessModule from '../../services/process/handler';
import { photo } from '../support/fixtures';
import {
  type HttpRequest,
  httpApiEvent,
  lambdaContext,
  s3PutEvent,
} from '../support/lambda-events';
import { type LocalS3, startLocalS3 } from '../support/local-s3';

jest.setTimeout(30_000);

const MAX_SYNC_BYTES = 500_000;
const MAX_PIXELS = 4_000_000;

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
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    VARIANT: 'lambda-zip',
    APP_VERSION: '9.9.9-test',
    MAX_SYNC_BYTES: String(MAX_SYNC_BYTES),
    MAX_PIXELS: String(MAX_PIXELS),
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

function json(result: Result): Record<string, unknown> {
  expect(result.headers['content-type']).toBe('application/json');
  return JSON.parse(result.body ?? '');
}

function expectError(result: Result, statusCode: number, code: string, message: RegExp): void {
  expect(result.statusCode).toBe(statusCode);
  const { error } = json(result) as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  // Nothing internal reaches a client.
  expect(result.body).not.toContain(s3.bucket);
  expect(result.body).not.toMatch(/\/work\/|node_modules|at .+\(|vips|sharp/);
}

async function keys(prefix: string): Promise<string[]> {
  const response = await s3.client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
  );
  return (response.Contents ?? []).map((object) => object.Key ?? '');
}

async function processKey(key: string): Promise<void> {
  const { etag, contentLength } = await store.head(key);
  await processHandler(
    s3PutEvent(s3.bucket, key, etag, contentLength),
    lambdaContext('cartoon-compute-dev-process'),
  );
}

describe('GET /health and GET /styles', () => {
  test('health names the variant and version', async () => {
    const result = await call({ method: 'GET', url: '/health' });

    expect(result.statusCode).toBe(200);
    expect(json(result)).toEqual({ status: 'ok', variant: 'lambda-zip', version: '9.9.9-test' });
  });

  test('styles lists every style with its defaults, and the option ranges', async () => {
    const body = json(await call({ method: 'GET', url: '/styles' })) as {
      styles: Array<{ name: string; defaults: Record<string, number> }>;
      options: Record<string, unknown>;
    };

    expect(body.styles.map((s) => s.name)).toEqual(['classic', 'comic', 'sketch']);
    expect(body.styles[1]?.defaults).toMatchObject({ colours: 8, edgeThickness: 1.5 });
    expect(body.options.maxSide).toEqual({ min: 16, max: 4096, integer: true });
  });
});

describe('POST /cartoon', () => {
  test.each([
    ['image/jpeg', 'rocket.jpg'],
    ['image/png', 'chelsea.png'],
    ['application/octet-stream', 'rocket.jpg'],
  ] as const)(
    'a %s body reaches the core byte for byte and comes back base64',
    async (type, name) => {
      const input = photo(name);

      const result = await call({
        method: 'POST',
        url: '/cartoon?style=comic&maxSide=300',
        headers: { 'content-type': type },
        body: input,
      });

      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      // cartoonize is deterministic: the same answer as the core gives for the original bytes.
      const expected = await cartoonize(input, { style: 'comic', maxSide: 300 });
      expect(bodyBytes(result).equals(expected.data)).toBe(true);
      expect(result.headers).toMatchObject({
        'content-type': 'image/jpeg',
        'x-cartoon-variant': 'lambda-zip',
      });
      expect(result.headers['server-timing']).toMatch(/^read;dur=[\d.]+, probe;dur=[\d.]+, decode/);
    },
  );

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
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await withEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' }, (handler) =>
        handler(
          httpApiEvent({ method: 'GET', url: '/cartoons/not-an-id' }),
          lambdaContext('cartoon-compute-dev-api'),
        ),
      );
    } finally {
      write.mockRestore();
    }

    const entries = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
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
    expect(lines.join('')).not.toContain(s3.bucket);
  });

  test('format and quality from the query string', async () => {
    const result = await call({
      method: 'POST',
      url: '/cartoon?format=webp&quality=50',
      headers: { 'content-type': 'image/png' },
      body: photo('chelsea.png'),
    });

    expect(result.headers['content-type']).toBe('image/webp');
    expect((await sharp(bodyBytes(result)).metadata()).format).toBe('webp');
  });

  test.each<[string, HttpRequest, number, string, RegExp]>([
    [
      'a declared type we do not accept',
      {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('hello'),
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /^Content-Type must be one of image\/jpeg/,
    ],
    [
      'no content type',
      { method: 'POST', url: '/cartoon', body: photo('rocket.jpg') },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /^Content-Type must be one of/,
    ],
    [
      'text sent as image/jpeg',
      {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/jpeg' },
        body: Buffer.from('not an image at all'),
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /^Unsupported image type/,
    ],
    [
      'a truncated JPEG',
      {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/jpeg' },
        body: photo('rocket.jpg').subarray(0, 40_000),
      },
      400,
      'INVALID_IMAGE',
      /truncated or corrupt/,
    ],
    [
      'an empty body',
      {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/png' },
        body: Buffer.alloc(0),
      },
      400,
      'INVALID_IMAGE',
      /empty/,
    ],
    [
      'a body over the synchronous limit',
      {
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/png' },
        body: Buffer.alloc(MAX_SYNC_BYTES + 1),
      },
      413,
      'PAYLOAD_TOO_LARGE',
      /larger than 500000 bytes; send larger images with POST \/uploads/,
    ],
    [
      'a bad option',
      {
        method: 'POST',
        url: '/cartoon?quality=0',
        headers: { 'content-type': 'image/jpeg' },
        body: photo('rocket.jpg'),
      },
      400,
      'INVALID_OPTION',
      /^Expected integer between 1 and 100 for quality but received '0'$/,
    ],
    [
      'an unknown option',
      {
        method: 'POST',
        url: '/cartoon?maxsize=10',
        headers: { 'content-type': 'image/jpeg' },
        body: photo('rocket.jpg'),
      },
      400,
      'INVALID_OPTION',
      /^Unknown option maxsize/,
    ],
    [
      'an unknown route',
      { method: 'GET', url: '/nope' },
      404,
      'NOT_FOUND',
      /^No route GET \/nope$/,
    ],
    [
      'a wrong method',
      { method: 'GET', url: '/cartoon' },
      405,
      'METHOD_NOT_ALLOWED',
      /answers POST, not GET/,
    ],
  ])('%s', async (_name, request, status, code, message) => {
    expectError(await call(request), status, code, message);
  });

  test('too many pixels: 422', async () => {
    const big = await sharp({
      create: { width: 2100, height: 2000, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();

    const result = await call({
      method: 'POST',
      url: '/cartoon',
      headers: { 'content-type': 'image/png' },
      body: big,
    });

    expectError(
      result,
      422,
      'IMAGE_TOO_LARGE',
      /2100x2000 \(4200000 pixels\); the limit is 4000000 pixels/,
    );
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

describe('POST /uploads', () => {
  test('answers 201 with a short-lived URL bound to the type and length', async () => {
    const result = await call({
      method: 'POST',
      url: '/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/png', contentLength: 1234, style: 'sketch' }),
    });

    expect(result.statusCode).toBe(201);
    const body = json(result) as {
      id: string;
      key: string;
      upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
      result: { key: string; status: string };
    };
    expect(body.key).toBe(`uploads/${body.id}.png`);
    expect(body.result).toEqual({ key: `cartoons/${body.id}.jpg`, status: `/cartoons/${body.id}` });
    expect(body.upload.method).toBe('PUT');
    expect(body.upload.headers).toEqual({
      'content-type': 'image/png',
      'content-length': '1234',
      'x-amz-meta-style': 'sketch',
    });
    const url = new URL(body.upload.url);
    expect(url.pathname).toBe(`/${s3.bucket}/uploads/${body.id}.png`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'host', 'x-amz-meta-style']),
    );
    const minutes = (Date.parse(body.upload.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4);
    expect(minutes).toBeLessThanOrEqual(5);
  });

  test.each<[string, string, number, string, RegExp]>([
    ['not JSON', '{contentType', 400, 'BAD_REQUEST', /^Body must be JSON/],
    ['a JSON array', '[]', 400, 'BAD_REQUEST', /^Body must be a JSON object$/],
    ['no contentType', '{"contentLength":10}', 400, 'BAD_REQUEST', /^contentType is required$/],
    [
      'a type we do not accept',
      '{"contentType":"image/svg+xml","contentLength":10}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /^contentType must be one of image\/jpeg/,
    ],
    [
      'no contentLength',
      '{"contentType":"image/png"}',
      400,
      'BAD_REQUEST',
      /^contentLength is required$/,
    ],
    [
      'a negative contentLength',
      '{"contentType":"image/png","contentLength":-5}',
      400,
      'BAD_REQUEST',
      /positive integer/,
    ],
    [
      'a fractional contentLength',
      '{"contentType":"image/png","contentLength":1.5}',
      400,
      'BAD_REQUEST',
      /positive integer/,
    ],
    [
      'a contentLength over the limit',
      '{"contentType":"image/png","contentLength":33554433}',
      413,
      'PAYLOAD_TOO_LARGE',
      /over the 33554432-byte limit/,
    ],
    [
      'an unknown style',
      '{"contentType":"image/png","contentLength":10,"style":"anime"}',
      400,
      'INVALID_OPTION',
      /for style but received 'anime'/,
    ],
  ])('%s', async (_name, body, status, code, message) => {
    expectError(await call({ method: 'POST', url: '/uploads', body }), status, code, message);
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

    const result = await store.get('cartoons/holiday 2026/my photo ü 猫.jpg');
    expect(result.metadata['source-key']).toBe(encodeURIComponent(key));
    expect((await sharp(result.bytes).metadata()).width).toBe(640);
  });

  test('the same upload processed twice gives the same result, written once', async () => {
    const key = 'uploads/twice.png';
    await store.put(key, photo('chelsea.png'), { contentType: 'image/png' });

    await processKey(key);
    const first = await store.head('cartoons/twice.jpg');
    await processKey(key);
    const second = await store.head('cartoons/twice.jpg');

    expect(second.etag).toBe(first.etag);
    expect(second.metadata['duration-ms']).toBe(first.metadata['duration-ms']);
  });

  test('a non-image in uploads/ leaves a failure record and the upload as it was', async () => {
    const key = 'uploads/notes.jpg';
    const text = Buffer.from('meeting notes, definitely not a JPEG');
    await store.put(key, text, { contentType: 'image/jpeg' });

    await processKey(key);

    const record = JSON.parse((await store.get('failed/notes.json')).bytes.toString('utf8'));
    expect(record).toMatchObject({
      sourceKey: key,
      error: {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringMatching(/^Unsupported image type/),
      },
    });
    await expect(store.head('cartoons/notes.jpg')).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get(key)).bytes.equals(text)).toBe(true);
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

  test.each([
    ['a path outside uploads/', 'cartoons/loop.jpg'],
    ['a suffix that is not an image', 'uploads/readme.txt'],
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
    const before = await keys('uploads/');
    await store.put('uploads/self.png', photo('chelsea.png'), { contentType: 'image/png' });

    await processKey('uploads/self.png');

    expect(await keys('uploads/')).toEqual([...before, 'uploads/self.png'].sort());
  });

  test.each<[string, string, number, string, RegExp]>([
    [
      'an id that is not one we hand out',
      '/cartoons/..%2F..%2Fetc',
      400,
      'BAD_REQUEST',
      /^Expected an id returned by POST \/uploads$/,
    ],
    [
      'an id with no upload',
      '/cartoons/11111111-2222-4333-8444-555555555555',
      404,
      'NOT_FOUND',
      /^No upload with this id$/,
    ],
  ])('GET /cartoons/{id}: %s', async (_name, url, status, code, message) => {
    expectError(await call({ method: 'GET', url }), status, code, message);
  });
});
