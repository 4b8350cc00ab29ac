// The HTTP API front door in front of the echo fixture, on real processes and sockets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FrontDoor, startFrontDoor } from '../../../local-cloud/front-door';
import type { FunctionPool } from '../../../local-cloud/function-pool';
import { fixturePool } from '../../support/fixture-functions';
import { sleep } from '../../support/poll';

let door: FrontDoor;
let echo: FunctionPool;
let slow: FunctionPool;

beforeAll(async () => {
  echo = fixturePool('echo', [], { environment: { timeoutSeconds: 5 } });
  slow = fixturePool('echo', [], { maxConcurrency: 1 });
  door = await startFrontDoor({
    context: { accountId: '000000000000', apiId: 'test' },
    routes: [
      { routeKey: 'POST /echo', timeoutMs: 800, invoke: (p) => echo.invoke(p) },
      { routeKey: 'GET /echo/{id}', timeoutMs: 800, invoke: (p) => echo.invoke(p) },
      { routeKey: 'GET /busy', timeoutMs: 5000, invoke: (p) => slow.invoke(p) },
    ],
  });
});

afterAll(async () => {
  await door.close();
  await Promise.all([echo.stop(), slow.stop()]);
});

async function send(path: string, init: RequestInit = {}) {
  const response = await fetch(`${door.url}${path}`, init);
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const MESSAGE = (message: string) => JSON.stringify({ message });

describe('front-door', () => {
  it('hands the function a byte-exact base64 body for image/jpeg', async () => {
    const jpeg = Buffer.alloc(300_000);
    for (let i = 0; i < jpeg.length; i += 1) jpeg[i] = (i * 7919) % 256;

    const { status, body } = await send('/echo?a=1&a=2', {
      method: 'POST',
      body: jpeg,
      headers: { 'content-type': 'image/jpeg', cookie: 'k=v' },
    });

    expect(status).toBe(200);
    const event = JSON.parse(body.toString('utf8'));
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64').equals(jpeg)).toBe(true);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'a=1&a=2',
      queryStringParameters: { a: '1,2' },
      cookies: ['k=v'],
      requestContext: { stage: '$default', http: { method: 'POST', path: '/echo' } },
    });
    expect(event.headers['content-type']).toBe('image/jpeg');
  });

  it('passes path parameters and decodes binary responses with cookies', async () => {
    const { status, headers, body } = await send('/echo/abc?mode=binary');
    expect(status).toBe(201);
    expect(headers.get('content-type')).toBe('image/png');
    expect(headers.getSetCookie()).toEqual(['a=1', 'b=2; Path=/']);
    expect(body).toEqual(Buffer.from([0, 1, 2, 255]));
    const plain = await send('/echo/abc?mode=string');
    expect([plain.status, plain.body.toString()]).toEqual([200, 'just a string']);
    const event = JSON.parse((await send('/echo/x%20y')).body.toString());
    expect(event.pathParameters).toEqual({ id: 'x y' });
  });

  it.each([
    ['an unknown route', '/nope', {}, 404, 'Not Found'],
    ['a function error', '/echo/x?mode=throw', {}, 500, 'Internal Server Error'],
    ['a response over 6 MB', '/echo/x?mode=big&bytes=7000000', {}, 502, 'Internal Server Error'],
    ['the integration timeout', '/echo/x?mode=sleep&ms=2000', {}, 503, 'Service Unavailable'],
    [
      'an event over 6 MB',
      '/echo',
      { method: 'POST', body: Buffer.alloc(5_000_000), headers: { 'content-type': 'image/png' } },
      413,
      'Request Entity Too Large',
    ],
  ])('answers %s as API Gateway does', async (_what, path, init, status, message) => {
    const response = await send(path, init as RequestInit);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body.toString()).toBe(MESSAGE(message));
  });

  it('answers a request over 10 MB with 413 without reading it all', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${door.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'content-length': String(11 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(11 * 1024 * 1024));
    });
    expect(status).toBe(413);
  });

  it('answers 429 when the function is throttled', async () => {
    const busy = send('/busy?mode=sleep&ms=800');
    await sleep(300);
    const throttled = await send('/busy');
    expect([throttled.status, throttled.body.toString()]).toEqual([
      429,
      MESSAGE('Too Many Requests'),
    ]);
    expect((await busy).status).toBe(200);
  });

  it('throttles as the stage says: the burst passes, then 429 until tokens come back', async () => {
    const throttled = await startFrontDoor({
      context: { accountId: '000000000000', apiId: 'throttled' },
      throttle: { rateLimit: 2, burstLimit: 3 },
      routes: [{ routeKey: 'GET /echo/{id}', timeoutMs: 5000, invoke: (p) => echo.invoke(p) }],
    });
    try {
      // All at once: the bucket decides on arrival, before any invocation has taken time.
      const statuses = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          fetch(`${throttled.url}/echo/${i}`).then((r) => r.status),
        ),
      );
      // 2 tokens a second: after 600 ms at least one is back.
      await sleep(600);
      const later = (await fetch(`${throttled.url}/echo/later`)).status;

      expect(statuses.filter((status) => status === 200)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
      expect(later).toBe(200);
    } finally {
      await throttled.close();
    }
  });
});

describe('front-door: malformed function responses', () => {
  let dir: string;
  let malformed: FunctionPool;
  let wrongDoor: FrontDoor;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'front-door-malformed-'));
    // Answers the 2.0 response the query names, with headers or a body of the wrong type.
    writeFileSync(
      path.join(dir, 'shape.js'),
      `exports.handler = async (event) => {
        const shape = (event.queryStringParameters ?? {}).shape;
        if (shape === 'headers-string') return { statusCode: 200, headers: 'x-a: 1', body: 'x' };
        if (shape === 'headers-array') return { statusCode: 200, headers: [['x-a', '1']], body: 'x' };
        if (shape === 'body-object') return { statusCode: 200, body: { hello: 'world' } };
        if (shape === 'body-number') return { statusCode: 200, body: 42 };
        return { statusCode: 201, headers: { 'x-a': '1' }, body: 'fine' };
      };\n`,
    );
    malformed = fixturePool('shape', [], { environment: { taskRoot: dir } });
    wrongDoor = await startFrontDoor({
      context: { accountId: '000000000000', apiId: 'test' },
      routes: [{ routeKey: 'GET /shape', timeoutMs: 5000, invoke: (p) => malformed.invoke(p) }],
    });
  });

  afterAll(async () => {
    await wrongDoor.close();
    await malformed.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['headers-string', 'headers-array', 'body-object', 'body-number'])(
    'answers 500 Internal Server Error, as an HTTP API does, to %s',
    async (shape) => {
      const response = await fetch(`${wrongDoor.url}/shape?shape=${shape}`);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(MESSAGE('Internal Server Error'));
    },
  );

  it('passes a well-formed response through', async () => {
    const response = await fetch(`${wrongDoor.url}/shape?shape=fine`);
    expect([response.status, response.headers.get('x-a'), await response.text()]).toEqual([
      201,
      '1',
      'fine',
    ]);
  });
});
