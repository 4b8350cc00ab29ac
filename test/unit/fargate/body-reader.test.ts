/**
 * Reading a body up to a limit (services/fargate/body-reader.ts) from in-memory streams: the
 * body whole below the limit; above it, nothing kept but everything read before the refusal;
 * past the discard limit, refused at once.
 */
import { PassThrough } from 'node:stream';
import { BodyTooLargeError, declaredLength, readBody } from '../../../services/fargate/body-reader';

interface Outcome {
  readonly error: Error | null;
  readonly body: Buffer | undefined;
}

function read(declared: number | undefined, limit = 10, discardLimit = 30) {
  const payload = new PassThrough();
  const calls: Outcome[] = [];
  let bytes = 0;
  let ended = 0;
  const reading = readBody(
    payload,
    declared,
    { limit, discardLimit, onBytes: (n) => (bytes += n), onEnd: () => (ended += 1) },
    (error, body) => calls.push({ error, body }),
  );
  return { payload, calls, reading, bytes: () => bytes, ended: () => ended };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('a body within the limit arrives whole', async () => {
  const r = read(8);
  r.payload.write('abcd');
  r.payload.end('efgh');
  await flush();

  expect(r.calls).toEqual([{ error: null, body: Buffer.from('abcdefgh') }]);
  expect(r.bytes()).toBe(8);
  expect(r.ended()).toBe(1);
});

test.each([
  ['declared', 20],
  ['chunked', undefined],
])(
  'a %s body over the limit is read to its end, then refused, keeping the connection',
  async (_how, declared) => {
    const r = read(declared);
    r.payload.write('0123456789');
    r.payload.write('0123456789');
    await flush();
    expect(r.calls).toEqual([]);
    expect(r.reading.tooLarge).toBe(true);

    r.payload.end();
    await flush();

    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]?.error).toBeInstanceOf(BodyTooLargeError);
    expect(r.calls[0]?.error).toMatchObject({ name: 'BodyTooLargeError', readToEnd: true });
    expect(r.bytes()).toBe(20);
  },
);

test('a declared body past the discard limit is refused at once, unread', () => {
  const r = read(31);

  expect(r.calls).toHaveLength(1);
  expect(r.calls[0]?.error).toMatchObject({ name: 'BodyTooLargeError', readToEnd: false });
  expect(r.ended()).toBe(1);
});

test('a chunked body that runs past the discard limit is refused and the stream destroyed', async () => {
  const r = read(undefined);
  r.payload.write(Buffer.alloc(31));
  await flush();

  expect(r.calls[0]?.error).toMatchObject({ name: 'BodyTooLargeError', readToEnd: false });
  expect(r.payload.destroyed).toBe(true);
});

test.each([
  ['123', 123],
  ['0', 0],
  [undefined, undefined],
  ['', undefined],
  ['12x', undefined],
  ['-1', undefined],
])('Content-Length %p is %p', (header, expected) => {
  expect(declaredLength(header)).toBe(expected);
});
