/**
 * The HTTP contract (DESIGN.md) as one table of cases and one set of assertions, run by every
 * front door's tests: the lambda-zip handler invoked with API Gateway events, the fargate
 * server over real HTTP. A case added here is checked against every variant.
 */
import { cartoonize } from '@cartoon-compute/core';
import sharp from 'sharp';
import { cspHash } from '../../services/shared/page-policy';
import { photo } from './fixtures';
import type { HttpRequest } from './lambda-events';

/** What any front door answered, with the body as bytes (base64 already decoded). */
export interface ContractReply {
  readonly statusCode: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The limits the cases assume; each test file starts its variant with these settings. */
export const CONTRACT_ENV = {
  MAX_SYNC_BYTES: '500000',
  MAX_PIXELS: '4000000',
  APP_VERSION: '9.9.9-test',
} as const;
const MAX_SYNC_BYTES = Number(CONTRACT_ENV.MAX_SYNC_BYTES);

/** The contract's routes as API Gateway route keys, sorted: every API template has these. */
export const ROUTE_KEYS: readonly string[] = [
  'GET /',
  'GET /cartoons/{id}',
  'GET /health',
  'GET /styles',
  'POST /cartoon',
  'POST /uploads',
];

export interface ContractTarget {
  /** The variant the answers must name. */
  readonly variant: string;
  readonly call: (request: HttpRequest) => Promise<ContractReply>;
  /** The variant's bucket (upload URLs are path-style against a local endpoint). */
  readonly bucket: () => string;
  /** Strings that must never reach a client (the bucket name, ...), read when a test runs. */
  readonly secrets: () => readonly string[];
}

type ErrorCase = [
  name: string,
  request: HttpRequest,
  status: number,
  code: string,
  message: RegExp,
];

const IMAGE_ERRORS: ErrorCase[] = [
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
  ['an unknown route', { method: 'GET', url: '/nope' }, 404, 'NOT_FOUND', /^No route GET \/nope$/],
  [
    'a wrong method',
    { method: 'GET', url: '/cartoon' },
    405,
    'METHOD_NOT_ALLOWED',
    /answers POST, not GET/,
  ],
];

const uploadCase = (
  name: string,
  body: string,
  status: number,
  code: string,
  message: RegExp,
): ErrorCase => [
  `POST /uploads: ${name}`,
  { method: 'POST', url: '/uploads', headers: { 'content-type': 'application/json' }, body },
  status,
  code,
  message,
];

const UPLOAD_ERRORS: ErrorCase[] = [
  uploadCase('not JSON', '{contentType', 400, 'BAD_REQUEST', /^Body must be JSON/),
  uploadCase('a JSON array', '[]', 400, 'BAD_REQUEST', /^Body must be a JSON object$/),
  uploadCase(
    'no contentType',
    '{"contentLength":10}',
    400,
    'BAD_REQUEST',
    /^contentType is required$/,
  ),
  uploadCase(
    'a type we do not accept',
    '{"contentType":"image/svg+xml","contentLength":10}',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    /^contentType must be one of image\/jpeg/,
  ),
  uploadCase(
    'no contentLength',
    '{"contentType":"image/png"}',
    400,
    'BAD_REQUEST',
    /^contentLength is required$/,
  ),
  uploadCase(
    'a negative contentLength',
    '{"contentType":"image/png","contentLength":-5}',
    400,
    'BAD_REQUEST',
    /positive integer/,
  ),
  uploadCase(
    'a fractional contentLength',
    '{"contentType":"image/png","contentLength":1.5}',
    400,
    'BAD_REQUEST',
    /positive integer/,
  ),
  uploadCase(
    'a contentLength over the limit',
    '{"contentType":"image/png","contentLength":33554433}',
    413,
    'PAYLOAD_TOO_LARGE',
    /over the 33554432-byte limit/,
  ),
  uploadCase(
    'an unknown style',
    '{"contentType":"image/png","contentLength":10,"style":"anime"}',
    400,
    'INVALID_OPTION',
    /for style but received 'anime'/,
  ),
];

const STATUS_ERRORS: ErrorCase[] = [
  [
    'GET /cartoons/{id}: an id that is not one we hand out',
    { method: 'GET', url: '/cartoons/..%2F..%2Fetc' },
    400,
    'BAD_REQUEST',
    /^Expected an id returned by POST \/uploads$/,
  ],
  [
    'GET /cartoons/{id}: an id with no upload',
    { method: 'GET', url: '/cartoons/11111111-2222-4333-8444-555555555555' },
    404,
    'NOT_FOUND',
    /^No upload with this id$/,
  ],
];

/** Every refused request of the contract: its status, code and message. */
export const ERROR_CASES: readonly ErrorCase[] = [
  ...IMAGE_ERRORS,
  ...UPLOAD_ERRORS,
  ...STATUS_ERRORS,
];

/** Bodies that must reach the core byte for byte, whatever their declared type. */
export const BINARY_CASES = [
  ['image/jpeg', 'rocket.jpg'],
  ['image/png', 'chelsea.png'],
  ['application/octet-stream', 'rocket.jpg'],
] as const;

/**
 * The body of a JSON answer, after checking its content type is exactly the contract's.
 *
 * @example
 * ```ts
 * expect(jsonBody(await call({ method: 'GET', url: '/health' }))).toMatchObject({ status: 'ok' });
 * ```
 */
export function jsonBody(reply: ContractReply): Record<string, unknown> {
  expect(reply.headers['content-type']).toBe('application/json');
  return JSON.parse(reply.body.toString('utf8'));
}

/**
 * A refusal in the contract's shape, with nothing internal in it.
 *
 * @example
 * ```ts
 * expectErrorReply(reply, 404, 'NOT_FOUND', /^No route/, [s3.bucket]);
 * ```
 */
export function expectErrorReply(
  reply: ContractReply,
  statusCode: number,
  code: string,
  message: RegExp,
  secrets: readonly string[],
): void {
  expect(reply.statusCode).toBe(statusCode);
  const { error } = jsonBody(reply) as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  const text = reply.body.toString('utf8');
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\/work\/|node_modules|at .+\(|vips|sharp/);
}

/**
 * Declares the contract's tests for one front door.
 *
 * @example
 * ```ts
 * describeHttpContract({
 *   variant: 'fargate',
 *   call: overHttp,
 *   bucket: () => s3.bucket,
 *   secrets: () => [s3.bucket],
 * });
 * ```
 */
export function describeHttpContract(target: ContractTarget): void {
  const { call } = target;

  describe(`the HTTP contract (${target.variant})`, () => {
    test('GET /health names the variant and version', async () => {
      const reply = await call({ method: 'GET', url: '/health' });

      expect(reply.statusCode).toBe(200);
      expect(jsonBody(reply)).toEqual({
        status: 'ok',
        variant: target.variant,
        version: CONTRACT_ENV.APP_VERSION,
      });
    });

    test('GET / serves the page with a policy that runs only its own inline script', async () => {
      const reply = await call({ method: 'GET', url: '/' });
      const ticket = await call({
        method: 'POST',
        url: '/uploads',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/png', contentLength: 10 }),
      });

      expect(reply.statusCode).toBe(200);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      const html = reply.body.toString('utf8');
      const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
      const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
      const policy = Object.fromEntries(
        (reply.headers['content-security-policy'] ?? '').split('; ').map((directive) => {
          const [name = '', ...sources] = directive.split(' ');
          return [name, sources];
        }),
      );
      expect(policy['default-src']).toEqual(["'none'"]);
      expect(policy['script-src']).toEqual([cspHash(script)]);
      expect(policy['style-src']).toEqual([cspHash(style)]);
      // It may reach its own origin and the bucket its uploads go to, nothing else.
      const bucket = new URL((jsonBody(ticket) as { upload: { url: string } }).upload.url).origin;
      expect(policy['connect-src']).toEqual(["'self'", bucket]);
      expect(policy['img-src']).toEqual(["'self'", 'blob:', 'data:', bucket]);
      expect(policy['frame-ancestors']).toEqual(["'none'"]);
    });

    test('every answer, errors included, carries nosniff', async () => {
      const reply = await call({ method: 'GET', url: '/nowhere' });

      expect(reply.statusCode).toBe(404);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    });

    test('GET /styles lists every style with its defaults, and the option ranges', async () => {
      const body = jsonBody(await call({ method: 'GET', url: '/styles' })) as {
        styles: Array<{ name: string; defaults: Record<string, number> }>;
        options: Record<string, unknown>;
      };

      expect(body.styles.map((s) => s.name)).toEqual(['classic', 'comic', 'sketch']);
      expect(body.styles[1]?.defaults).toMatchObject({ colours: 8, edgeThickness: 1.5 });
      expect(body.options.maxSide).toEqual({ min: 16, max: 4096, integer: true });
    });

    test.each(BINARY_CASES)(
      'POST /cartoon: a %s body reaches the core byte for byte',
      async (type, name) => {
        const input = photo(name);

        const reply = await call({
          method: 'POST',
          url: '/cartoon?style=comic&maxSide=300',
          headers: { 'content-type': type },
          body: input,
        });

        expect(reply.statusCode).toBe(200);
        // cartoonize is deterministic: the same answer as the core gives for the original bytes.
        const expected = await cartoonize(input, { style: 'comic', maxSide: 300 });
        expect(reply.body.equals(expected.data)).toBe(true);
        expect(reply.headers).toMatchObject({
          'content-type': 'image/jpeg',
          'x-cartoon-variant': target.variant,
        });
        expect(reply.headers['x-cold-start']).toMatch(/^(true|false)$/);
        expect(reply.headers['server-timing']).toMatch(
          /^read;dur=[\d.]+, probe;dur=[\d.]+, decode/,
        );
      },
    );

    test('POST /cartoon: format and quality from the query string', async () => {
      const reply = await call({
        method: 'POST',
        url: '/cartoon?format=webp&quality=50',
        headers: { 'content-type': 'image/png' },
        body: photo('chelsea.png'),
      });

      expect(reply.headers['content-type']).toBe('image/webp');
      expect((await sharp(reply.body).metadata()).format).toBe('webp');
    });

    test('POST /cartoon: too many pixels is 422', async () => {
      const big = await sharp({
        create: { width: 2100, height: 2000, channels: 3, background: '#336699' },
      })
        .png()
        .toBuffer();

      const reply = await call({
        method: 'POST',
        url: '/cartoon',
        headers: { 'content-type': 'image/png' },
        body: big,
      });

      expectErrorReply(
        reply,
        422,
        'IMAGE_TOO_LARGE',
        /2100x2000 \(4200000 pixels\); the limit is 4000000 pixels/,
        target.secrets(),
      );
    });

    test('POST /uploads answers 201 with a short-lived, single-use URL bound to the type and length', async () => {
      const reply = await call({
        method: 'POST',
        url: '/uploads',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/png', contentLength: 1234, style: 'sketch' }),
      });

      expect(reply.statusCode).toBe(201);
      const body = jsonBody(reply) as {
        id: string;
        key: string;
        upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
        result: { key: string; status: string };
      };
      expect(body.key).toBe(`uploads/${body.id}.png`);
      expect(body.result).toEqual({
        key: `cartoons/${body.id}.png.jpg`,
        status: `/cartoons/${body.id}`,
      });
      expect(body.upload.method).toBe('PUT');
      // Every header the URL signs, If-None-Match included: the key is written once.
      expect(body.upload.headers).toEqual({
        'content-type': 'image/png',
        'content-length': '1234',
        'if-none-match': '*',
        'x-amz-meta-style': 'sketch',
      });
      const url = new URL(body.upload.url);
      expect(url.pathname).toBe(`/${target.bucket()}/uploads/${body.id}.png`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
        expect.arrayContaining([
          'content-length',
          'content-type',
          'host',
          'if-none-match',
          'x-amz-meta-style',
        ]),
      );
      const minutes = (Date.parse(body.upload.expiresAt) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(4);
      expect(minutes).toBeLessThanOrEqual(5);
    });

    test.each(ERROR_CASES)('%s', async (_name, request, status, code, message) => {
      expectErrorReply(await call(request), status, code, message, target.secrets());
    });
  });
}
