// A failed libvips read is read again until failures agree on their message, so that a
// message cleared or added to by another image's failure in the same process (libvips has
// one error buffer a process) does not decide a request's status or reach its logs.
// test/integration/concurrent-invocations.test.ts shows the race with real images.
import { InvalidImageError } from '@cartoon-compute/core';
import { ownVipsError } from '../../layers/core/src/vips-errors';

/** A read that fails with each message in turn, then succeeds with 'pixels'. */
function reads(...messages: Array<string | Error>) {
  const calls = { count: 0 };
  const read = async () => {
    const next = messages[calls.count++];
    if (next === undefined) return 'pixels';
    throw next instanceof Error ? next : new Error(next);
  };
  return { read, calls };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('a read that succeeds is read once', async () => {
  const { read, calls } = reads();

  expect(await ownVipsError(read)).toBe('pixels');
  expect(calls.count).toBe(1);
});

test('a failure that repeats itself is read twice and keeps its message', async () => {
  const own = 'VipsJpeg: premature end of JPEG image';
  const { read, calls } = reads(own, own, own);

  const err = await failure(ownVipsError(read));

  expect(err.message).toBe(own);
  expect(calls.count).toBe(2);
});

test("another image's line added to the first message is dropped", async () => {
  const { read } = reads(
    'vipspng: libpng read error\nVipsJpeg: premature end of JPEG image',
    'vipspng: libpng read error',
  );

  const err = await failure(ownVipsError(read));

  expect(err.message).toBe('vipspng: libpng read error');
  expect(err.stack).not.toContain('VipsJpeg');
});

test('a cleared message ("Unknown error") is read again until two agree', async () => {
  const own = 'vipspng: libpng read error';
  const { read, calls } = reads('Unknown error', own, 'Unknown error', own);

  const err = await failure(ownVipsError(read));

  expect(err.message).toBe(own);
  expect(calls.count).toBe(4);
});

test('a message of several lines that repeats keeps every line, each once', async () => {
  const nested = 'tiff2vips: Quantization table 0x01 was not defined\ntiff2vips: decode failed';
  const { read } = reads(nested, nested);

  expect((await failure(ownVipsError(read))).message).toBe(nested);
});

test("another image's line in two failures in a row is outvoted by a third", async () => {
  const own = 'VipsJpeg: premature end of JPEG image';
  const both = `vipspng: libpng read error\n${own}`;
  const { read, calls } = reads(both, both, own);

  expect((await failure(ownVipsError(read))).message).toBe(own);
  expect(calls.count).toBe(3);
});

test('a failure nested across two libraries that always repeats keeps both, after every attempt', async () => {
  const nested = 'tiff2vips: read error\nVipsJpeg: Corrupt JPEG data';
  const { read, calls } = reads(nested, nested, nested, nested, nested, nested);

  expect((await failure(ownVipsError(read))).message).toBe(nested);
  expect(calls.count).toBe(6);
});

test('placeholders every time stay the placeholder', async () => {
  const { read, calls } = reads(...Array.from({ length: 6 }, () => 'Unknown error'));

  expect((await failure(ownVipsError(read))).message).toBe('Unknown error');
  expect(calls.count).toBe(6);
});

test('a read that succeeds on a second try gives its result', async () => {
  const { read } = reads('Unknown error');

  expect(await ownVipsError(read)).toBe('pixels');
});

test('errors already decided are thrown at once, unchanged', async () => {
  const decided = new InvalidImageError('HEIC image data is truncated or corrupt');
  const { read, calls } = reads(decided, decided);

  const err = await failure(ownVipsError(read, (e) => e instanceof InvalidImageError));

  expect(err).toBe(decided);
  expect(calls.count).toBe(1);
});

test("a whole message from another format's loader, twice, is not taken for a PNG's own", async () => {
  const jpegs = 'VipsJpeg: premature end of JPEG image';
  const own = 'vipspng: libpng read error';
  const { read, calls } = reads(jpegs, jpegs, own, own);

  const err = await failure(ownVipsError(read, undefined, 'png'));

  expect(err.message).toBe(own);
  expect(calls.count).toBe(4);
});

test('lines of no loader stay whatever the format', async () => {
  const own = 'source: premature end\nVipsJpeg: premature end of JPEG image';
  const { read } = reads(own, own, own, own, own, own);

  const err = await failure(ownVipsError(read, undefined, 'jpeg'));

  expect(err.message).toBe(own);
});
