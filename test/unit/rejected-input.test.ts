import os from 'node:os';
import { Readable } from 'node:stream';
import {
  type CartoonError,
  type CartoonLimits,
  cartoonize,
  DEFAULT_LIMITS,
  type ImageInput,
  ImageTooLargeError,
  ImageTooSmallError,
  InternalError,
  InvalidImageError,
  InvalidOptionError,
  MIN_SIDE,
  openImage,
  PayloadTooLargeError,
  probeImage,
  toCartoonError,
  UnsupportedMediaTypeError,
} from '@cartoon-compute/core';
import sharp from 'sharp';
import {
  endlessStream,
  heic,
  heicBomb,
  heicFixture,
  heicWithNoiseForPixels,
  interlacedPng,
  jpegBomb,
  pdf,
  plainText,
  pngBomb,
  pngWithBadCrc,
  randomBytes,
  solidPng,
  svg,
  truncate,
  truncatedJpeg,
  withBadIdatCrc,
} from '../support/bad-inputs';
import { FIXTURES_DIR, photo } from '../support/fixtures';

type ErrorClass = abstract new (...args: never[]) => CartoonError;

const UNSUPPORTED = 'Unsupported image type; send one of jpeg, png, webp, gif, tiff, avif, heic';
const HEIC_CUT = 'HEIC image data is truncated or corrupt: the file is cut short';
const CORRUPT = 'Image data is truncated or corrupt';

/** The error `cartoonize` rejects with; fails the test if it resolves. */
async function rejection(input: ImageInput, limits?: CartoonLimits): Promise<unknown> {
  try {
    await cartoonize(input, {}, limits);
  } catch (err) {
    return err;
  }
  throw new Error('expected cartoonize to reject');
}

/** The rejection of a bomb, which must come within `ms`: from its header, before any decoding. */
async function rejectionWithin(ms: number, input: ImageInput): Promise<unknown> {
  const started = performance.now();
  const err = await rejection(input);
  expect(performance.now() - started).toBeLessThan(ms);
  return err;
}

/** A message a client may see: no paths, no library names, no stack. */
function expectSafeMessage(message: string): void {
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/vips|sharp/i);
  expect(message).not.toMatch(/\n|\bat .+:\d+:\d+/); // stack frames
  expect(message).not.toMatch(/(?:\/[\w.-]+){2,}|[A-Za-z]:\\/); // POSIX or Windows paths
  for (const dir of [process.cwd(), FIXTURES_DIR, os.tmpdir()]) {
    expect(message).not.toContain(dir);
  }
}

function expectRejection(
  err: unknown,
  type: ErrorClass,
  statusCode: number,
  code: string,
  message: string | RegExp,
): void {
  expect(err).toBeInstanceOf(type);
  const error = err as CartoonError;
  expect(error.statusCode).toBe(statusCode);
  expect(error.code).toBe(code);
  expect(error.expose).toBe(true);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  expectSafeMessage(error.message);
}

const chelsea = () => sharp(photo('chelsea.png')).resize(160);

describe('cartoonize refuses bad input with a documented error', () => {
  test.each<[string, () => ImageInput]>([
    ['zero bytes', () => Buffer.alloc(0)],
    ['an empty stream', () => Readable.from([])],
  ])('%s: 400 Image is empty', async (_name, build) => {
    const err = await rejection(build());
    expectRejection(err, InvalidImageError, 400, 'INVALID_IMAGE', 'Image is empty');
  });

  test.each<[string, () => Buffer | Promise<Buffer>]>([
    ['random bytes', () => randomBytes(4096)],
    ['plain text', plainText],
    ['an SVG (libvips could render it)', svg],
    ['a malformed SVG', () => truncate(svg())],
    ['a PDF', pdf],
    ['a BMP', () => Buffer.concat([Buffer.from('BM', 'latin1'), randomBytes(100)])],
  ])('%s: 415 unsupported media type', async (_name, build) => {
    const err = await rejection(await build());
    expectRejection(err, UnsupportedMediaTypeError, 415, 'UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED);
  });

  test.each<[string, () => Buffer | Promise<Buffer>]>([
    ['a truncated JPEG (rocket.jpg cut in half)', truncatedJpeg],
    ['a PNG with a bad CRC in IDAT (coffee.png)', pngWithBadCrc],
    ['a PNG cut in half', () => truncate(photo('coffee.png'))],
    [
      'a PNG signature with nothing after it',
      () => truncate(photo('coffee.png'), 8 / photo('coffee.png').length),
    ],
    ['a JPEG with only its first 100 bytes', () => photo('rocket.jpg').subarray(0, 100)],
    ['an interlaced PNG cut in half', async () => truncate(await interlacedPng())],
    ['an interlaced PNG with a bad CRC', async () => withBadIdatCrc(await interlacedPng())],
    ['a truncated WebP', async () => truncate(await chelsea().webp().toBuffer())],
    ['a truncated GIF', async () => truncate(await chelsea().gif().toBuffer())],
    ['a truncated AVIF', async () => truncate(await chelsea().avif().toBuffer())],
    [
      'a truncated TIFF (its directory is at the end)',
      async () => truncate(await chelsea().tiff().toBuffer()),
    ],
    ['a GIF signature followed by text', () => Buffer.from('GIF89a, said the letter', 'latin1')],
  ])('%s: 400 invalid image', async (_name, build) => {
    const err = await rejection(await build());
    expectRejection(err, InvalidImageError, 400, 'INVALID_IMAGE', CORRUPT);
  });

  test.each<[string, () => Buffer]>([
    ['PNG', () => pngBomb(30_000, 30_000)],
    ['JPEG', () => jpegBomb(30_000, 30_000)],
  ])(
    'a %s decompression bomb (30000x30000 declared) is refused from its header: 422',
    async (_name, build) => {
      const bomb = build();
      expect(bomb.length).toBeLessThan(1_000_000);
      const err = await rejectionWithin(1_000, bomb);
      expectRejection(
        err,
        ImageTooLargeError,
        422,
        'IMAGE_TOO_LARGE',
        'Image is 30000x30000 (900000000 pixels); the limit is 40000000 pixels',
      );
    },
  );

  test('a normal photo over maxPixels: 422 stating the limit', async () => {
    const err = await rejection(photo('coffee.png'), {
      maxBytes: DEFAULT_LIMITS.maxBytes,
      maxPixels: 1000,
    });
    expectRejection(
      err,
      ImageTooLargeError,
      422,
      'IMAGE_TOO_LARGE',
      'Image is 600x400 (240000 pixels); the limit is 1000 pixels',
    );
  });
});

/** A HEIF box: 32-bit size, type, payload. */
function heifBox(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

describe('HEIC inputs are refused from the header, before libheif sees them', () => {
  const coffee = () => heicFixture('coffee-exif6.heic');

  test.each<[string, () => Buffer]>([
    ['a HEIC cut in half', () => truncate(coffee())],
    ['a HEIC cut inside its header (first 300 bytes)', () => coffee().subarray(0, 300)],
    ['a HEIC that lost its last byte', () => coffee().subarray(0, coffee().length - 1)],
  ])('%s: 400 cut short', async (_name, build) => {
    const err = await rejection(build());
    expectRejection(err, InvalidImageError, 400, 'INVALID_IMAGE', HEIC_CUT);
  });

  test('a HEIC bomb (ispe declares 60000x60000) is refused in milliseconds: 422', async () => {
    const bomb = heicBomb(60_000, 60_000);
    expect(bomb.length).toBeLessThan(100_000);
    const err = await rejectionWithin(200, bomb);
    expectRejection(
      err,
      ImageTooLargeError,
      422,
      'IMAGE_TOO_LARGE',
      'Image is 60000x60000 (3600000000 pixels); the limit is 40000000 pixels',
    );
  });

  test('a HEIC whose HEVC parameter set declares 60000x60000 behind a small ispe: 422', async () => {
    const err = await rejection(heic(640, 480, { width: 60_000, height: 60_000 }));
    expectRejection(
      err,
      ImageTooLargeError,
      422,
      'IMAGE_TOO_LARGE',
      'Image holds a picture of 3600000000 pixels; the limit is 40000000 pixels',
    );
  });

  test('a HEIC over maxPixels: 422 stating the limit', async () => {
    const err = await rejection(coffee(), { maxBytes: DEFAULT_LIMITS.maxBytes, maxPixels: 1000 });
    expectRejection(
      err,
      ImageTooLargeError,
      422,
      'IMAGE_TOO_LARGE',
      'Image is 600x400 (240000 pixels); the limit is 1000 pixels',
    );
  });

  test('a HEIC declaring 12x12: 422 too small', async () => {
    const err = await rejection(heicBomb(12, 12));
    expectRejection(
      err,
      ImageTooSmallError,
      422,
      'IMAGE_TOO_SMALL',
      'Image is 12x12; both sides must be at least 16 pixels',
    );
  });

  test('a HEIC over maxBytes: 413', async () => {
    const err = await rejection(coffee(), { maxBytes: 1000, maxPixels: 40_000_000 });
    expectRejection(
      err,
      PayloadTooLargeError,
      413,
      'PAYLOAD_TOO_LARGE',
      'Image is larger than 1000 bytes',
    );
  });

  test('a HEIF image sequence with no still image: 415', async () => {
    const ftyp = heifBox('ftyp', Buffer.from('msf1\0\0\0\0msf1hevc', 'latin1'));
    const err = await rejection(Buffer.concat([ftyp, heifBox('moov', Buffer.alloc(64))]));
    expectRejection(
      err,
      UnsupportedMediaTypeError,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'HEIF files without a still image (image sequences only) are not supported',
    );
  });

  test('a HEIF whose primary image is JPEG-coded: 415', async () => {
    const bytes = Buffer.from(coffee());
    bytes.write('jpeg', bytes.indexOf('hvc1', 0, 'latin1'), 'latin1');
    const err = await rejection(bytes);
    expectRejection(
      err,
      UnsupportedMediaTypeError,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'HEIF images coded as "jpeg" are not supported; send HEIC (HEVC) or AVIF',
    );
  });
});

describe('HEIC with an intact header but broken pixels: refused by the decoder', () => {
  // Through probeImage and openImage, the two steps of the pipeline that read a HEIC.
  async function decodeRejection(bytes: Buffer): Promise<unknown> {
    try {
      const probe = await probeImage(bytes, DEFAULT_LIMITS.maxPixels);
      await (await openImage(bytes, probe, DEFAULT_LIMITS.maxPixels)).raw().toBuffer();
    } catch (err) {
      return err;
    }
    throw new Error('expected the HEIC to be refused');
  }

  test.each<[string, () => Buffer]>([
    ['HEVC data overwritten with noise', heicWithNoiseForPixels],
    ['a HEVC stream with no parameter sets', () => heic()],
  ])('%s: 400', async (_name, build) => {
    const err = await decodeRejection(build());
    expectRejection(
      err,
      InvalidImageError,
      400,
      'INVALID_IMAGE',
      'HEIC image data is truncated or corrupt',
    );
  });
});

describe('tiny images (input.ts MIN_SIDE: refused with 422, not painted)', () => {
  test('the minimum side is 16 px', () => {
    expect(MIN_SIDE).toBe(16);
  });

  test.each<[number, number]>([
    [1, 1],
    [15, 16],
    [64, 2],
  ])('%ix%i: 422 too small', async (width, height) => {
    const err = await rejection(await solidPng(width, height));
    expectRejection(
      err,
      ImageTooSmallError,
      422,
      'IMAGE_TOO_SMALL',
      `Image is ${width}x${height}; both sides must be at least 16 pixels`,
    );
  });

  test('16x16, the smallest accepted, is cartoonized at 16x16', async () => {
    const result = await cartoonize(await solidPng(16, 16), { format: 'png' });
    expect([result.width, result.height]).toEqual([16, 16]);
    const meta = await sharp(result.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 16, 16]);
  });
});

describe('inputs near the checks that are still accepted', () => {
  test('an intact interlaced PNG passes the chunk check and is cartoonized', async () => {
    const result = await cartoonize(await interlacedPng(), { maxSide: 64 });
    expect([result.width, result.height]).toEqual([64, 43]);
  });

  test('an image exactly at maxPixels is accepted', async () => {
    const result = await cartoonize(
      photo('coffee.png'),
      { maxSide: 64 },
      {
        maxBytes: DEFAULT_LIMITS.maxBytes,
        maxPixels: 600 * 400,
      },
    );
    expect(result.width).toBe(64);
  });
});

describe('byte limit', () => {
  const limits: CartoonLimits = { maxBytes: 1000, maxPixels: 40_000_000 };

  test.each<[string, () => ImageInput]>([
    ['a stream', () => endlessStream(256)],
    ['a Buffer', () => photo('coffee.png')],
    ['a Uint8Array', () => new Uint8Array(photo('rocket.jpg'))],
  ])('%s over maxBytes: 413', async (_name, build) => {
    const input = build();
    const err = await rejection(input, limits);
    expectRejection(
      err,
      PayloadTooLargeError,
      413,
      'PAYLOAD_TOO_LARGE',
      'Image is larger than 1000 bytes',
    );
    // A stream is abandoned at the limit, not read to its (endless) end.
    if (!(input instanceof Uint8Array)) expect(input.destroyed).toBe(true);
  });

  test('bad options are refused before the input is read', async () => {
    const stream = endlessStream(256);
    await expect(cartoonize(stream, { quality: 0 }, limits)).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
    expect(stream.readableDidRead).toBe(false);
    stream.destroy();
  });
});

describe('toCartoonError', () => {
  test('an unknown Error becomes a 500 that hides its message and keeps the cause', () => {
    const original = new Error('ENOENT: no such file or directory, open /var/task/palette.bin');
    const mapped = toCartoonError(original);
    expect(mapped).toBeInstanceOf(InternalError);
    expect(mapped.statusCode).toBe(500);
    expect(mapped.code).toBe('INTERNAL_ERROR');
    expect(mapped.expose).toBe(false);
    expect(mapped.message).toBe('Internal error');
    expect(mapped.cause).toBe(original);
  });

  test('a thrown non-Error becomes a 500 too', () => {
    const mapped = toCartoonError('boom');
    expect(mapped).toBeInstanceOf(InternalError);
    expect(mapped.cause).toBe('boom');
  });

  test('a CartoonError passes through unchanged', () => {
    const original = new InvalidOptionError(
      'Expected integer between 1 and 100 for quality but received 0',
    );
    expect(toCartoonError(original)).toBe(original);
    const internal = new InternalError({ cause: new Error('x') });
    expect(toCartoonError(internal)).toBe(internal);
  });

  // Real messages from sharp 0.35 / libvips 8.18, as seen while building these tests.
  test.each<[string, ErrorClass]>([
    ['Input buffer contains unsupported image format', UnsupportedMediaTypeError],
    ['Input image exceeds pixel limit', ImageTooLargeError],
    ['Input buffer has corrupt header: webp: unable to parse image', InvalidImageError],
    [
      'Input buffer has corrupt header: gifload_buffer: Unexpected end of GIF source data',
      InvalidImageError,
    ],
    ['VipsJpeg: premature end of JPEG image', InvalidImageError],
    [
      'VipsJpeg: Corrupt JPEG data: bad Huffman code\nVipsJpeg: Bogus Huffman table definition',
      InvalidImageError,
    ],
    ['VipsJpeg: Quantization table 0x01 was not defined', InvalidImageError],
    ['vipspng: libpng read error', InvalidImageError],
    ['webp2vips: unable to read pixels', InvalidImageError],
    ['gifload_buffer: Invalid frame data', InvalidImageError],
    ['tiff2vips: Unsupported marker type 0x5a', InvalidImageError],
    [
      'source: bad seek to 2646\nheif: Invalid input: Unexpected end of file (2.100)',
      InvalidImageError,
    ],
    // Not the input's fault, or not recognised: a 500 whose message is hidden.
    ['VipsJpeg: Insufficient memory (case 4)', InternalError],
    ['Unknown error', InternalError],
    ['jpegsave: unable to write to target', InternalError],
    ['vips_image_new: bad dimensions', InternalError],
    ['The decoder says hello', InternalError],
  ])('%j maps to %p', (message, type) => {
    const original = new Error(message);
    const mapped = toCartoonError(original);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.cause).toBe(original);
    expectSafeMessage(mapped.message);
  });
});
