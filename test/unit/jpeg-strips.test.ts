// A JPEG encoded in strips and joined with restart markers (layers/core/src/jpeg-strips.ts)
// must decode to the very pixels of the same image encoded whole, at any width and height,
// with the encoder settings every variant uses; strips that cannot join must be refused.
import { withFormat } from '@cartoon-compute/core';
import sharp from 'sharp';
import { joinJpegStrips, stripRows } from '../../layers/core/src/jpeg-strips';
import { encodeImage, encodePainted } from '../../layers/core/src/output';
import type { Size } from '../../layers/core/src/size';
import { photo } from '../support/fixtures';

const QUALITY = 82;

/** A real photo as packed RGB at `size`. */
const pixelsOf = (size: Size) =>
  sharp(photo('coffee.png'))
    .resize(size.width, size.height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();

const encode = (rgb: Buffer, size: Size, quality = QUALITY) =>
  withFormat(sharp(rgb, { raw: { ...size, channels: 3 } }), 'jpeg', quality).toBuffer();

const decoded = (jpeg: Buffer) => sharp(jpeg).raw().toBuffer();

/** `rgb` encoded a strip of `rows` at a time, the strips joined. */
async function inStrips(rgb: Buffer, size: Size, rows: number): Promise<Buffer> {
  const strips: Promise<Buffer>[] = [];
  for (let top = 0; top < size.height; top += rows) {
    const height = Math.min(rows, size.height - top);
    const strip = rgb.subarray(top * size.width * 3, (top + height) * size.width * 3);
    strips.push(encode(strip, { width: size.width, height }));
  }
  return joinJpegStrips(await Promise.all(strips), size, rows);
}

describe('joinJpegStrips', () => {
  test.each([
    [2048, 1365, 352],
    [1001, 700, 176],
    [333, 261, 128],
    // Eleven strips: the restart markers cycle through RST0 to RST7 and start again.
    [64, 170, 16],
    // A last strip of five rows, under one MCU row.
    [250, 37, 16],
  ] as const)(
    '%ix%i in strips of %i rows decodes to the pixels of one encode',
    async (width, height, rows) => {
      const size = { width, height };
      const rgb = await pixelsOf(size);

      const joined = await inStrips(rgb, size, rows);
      const whole = await encode(rgb, size);

      const meta = await sharp(joined).metadata();
      expect([meta.format, meta.width, meta.height, meta.isProgressive]).toEqual([
        'jpeg',
        width,
        height,
        false,
      ]);
      expect((await decoded(joined)).equals(await decoded(whole))).toBe(true);
      // A strip costs its marker, its padding and a first DC coded afresh: tens of bytes, no more.
      expect(Math.abs(joined.length - whole.length)).toBeLessThan(
        32 * Math.ceil(height / rows) + 16,
      );
    },
  );

  test('one strip is the image itself', async () => {
    const jpeg = await encode(await pixelsOf({ width: 40, height: 30 }), { width: 40, height: 30 });

    expect(joinJpegStrips([jpeg], { width: 40, height: 30 }, 32)).toBe(jpeg);
  });

  test('strips encoded with different settings are refused, not joined into a broken image', async () => {
    const size = { width: 64, height: 32 };
    const rgb = await pixelsOf(size);
    const top = await encode(rgb.subarray(0, 64 * 16 * 3), { width: 64, height: 16 });
    const bottom = await encode(rgb.subarray(64 * 16 * 3), { width: 64, height: 16 }, 50);

    expect(() => joinJpegStrips([top, bottom], size, 16)).toThrow(
      'jpeg-strips: the strips were encoded with different settings',
    );
  });

  test('progressive strips and strips that are not whole MCU rows are refused', async () => {
    const rgb = await pixelsOf({ width: 64, height: 16 });
    const raw = { raw: { width: 64, height: 16, channels: 3 as const } };
    const progressive = await sharp(rgb, raw).jpeg({ progressive: true }).toBuffer();
    const baseline = await encode(rgb, { width: 64, height: 16 });

    expect(() => joinJpegStrips([progressive, progressive], { width: 64, height: 32 }, 16)).toThrow(
      'jpeg-strips: a strip is not baseline',
    );
    expect(() => joinJpegStrips([baseline, baseline], { width: 64, height: 30 }, 15)).toThrow(
      'jpeg-strips: 15 rows is not whole MCU rows',
    );
  });
});

describe('stripRows', () => {
  test('one libvips thread encodes the whole image at once', () => {
    expect(stripRows({ width: 2048, height: 1365 }, 1)).toBe(1365);
  });

  test.each([
    [1365, 352],
    [2731, 688],
    [300, 128],
    [100, 128],
  ])('%i rows on two threads: strips of %i, whole MCU rows', (height, rows) => {
    expect(stripRows({ width: 2048, height }, 2)).toBe(rows);
  });
});

describe('encodePainted', () => {
  // Strips are for two threads or more (see stripRows), whatever this machine has.
  const threads = sharp.concurrency();
  beforeAll(() => sharp.concurrency(2));
  afterAll(() => sharp.concurrency(threads));

  /** Rows of `rgb` copied in only as they are painted, so an early encode would read zeros. */
  function paintedFrom(rgb: Buffer, size: Size) {
    const pixels = Buffer.alloc(rgb.length);
    const calls: number[] = [];
    let painted = 0;
    return {
      pixels,
      calls,
      paintTo(row: number) {
        calls.push(row);
        rgb.copy(pixels, painted * size.width * 3, painted * size.width * 3, row * size.width * 3);
        painted = Math.max(painted, row);
      },
    };
  }

  test('a JPEG paints in strips, each encoded only once painted, and is the image encoded whole', async () => {
    const size = { width: 700, height: 1000 };
    const rgb = await pixelsOf(size);
    const rows = paintedFrom(rgb, size);

    const encoding = encodePainted(rows, size, undefined, { format: 'jpeg', quality: QUALITY });
    const paintedBeforeReturn = [...rows.calls];
    const { data, contentType } = await encoding;

    expect(contentType).toBe('image/jpeg');
    expect(paintedBeforeReturn).toEqual([256, 512, 768, 1000]);
    const whole = await encodeImage(rgb, size, undefined, { format: 'jpeg', quality: QUALITY });
    expect((await decoded(data)).equals(await decoded(whole.data))).toBe(true);
  });

  test('PNG waits for the last row and encodes once', async () => {
    const size = { width: 300, height: 400 };
    const rgb = await pixelsOf(size);
    const rows = paintedFrom(rgb, size);

    const { data } = await encodePainted(rows, size, undefined, { format: 'png', quality: 80 });

    expect(rows.calls).toEqual([400]);
    expect((await decoded(data)).equals(rgb)).toBe(true);
  });
});
