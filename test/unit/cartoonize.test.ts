import { createReadStream, readFileSync } from 'node:fs';
import { cartoonize, fitInside, OUTPUT_FORMATS, STYLE_NAMES, STYLES } from '@cartoon-compute/core';
import sharp from 'sharp';
import { cameraJpeg, PHOTO_NAMES, photo, photoPath } from '../support/fixtures';
import { GOLDEN_CASES, GOLDEN_OPTIONS, GOLDEN_TOLERANCE, goldenPath } from '../support/golden';
import { dominantColourShare, perceptualDistance } from '../support/perceptual';

jest.setTimeout(30_000);

/** A 300×200 landscape crop of a fixture, for orientation tests. */
function landscape(): sharp.Sharp {
  return sharp(photo('astronaut.png')).extract({ left: 100, top: 150, width: 300, height: 200 });
}

describe('cartoonize: every style on every photo', () => {
  test.each(PHOTO_NAMES.flatMap((name) => STYLE_NAMES.map((style) => [name, style] as const)))(
    '%s in %s style is a valid JPEG of the expected size',
    async (name, style) => {
      const input = photo(name);
      const { width = 0, height = 0 } = await sharp(input).metadata();

      const result = await cartoonize(input, { style, maxSide: 400 });

      const expected = fitInside(width, height, 400);
      const meta = await sharp(result.data).metadata();
      expect(meta).toMatchObject({
        format: 'jpeg',
        width: expected.width,
        height: expected.height,
      });
      expect(result).toMatchObject({
        ...expected,
        format: 'jpeg',
        contentType: 'image/jpeg',
        style,
      });
      expect(Object.keys(result.timings)).toEqual([
        'read',
        'probe',
        'decode',
        'analyse',
        'paint',
        'encode',
      ]);
    },
  );
});

describe('cartoonize: golden images', () => {
  test.each(GOLDEN_CASES)(
    '$photo in $style style looks like its golden image',
    async ({ photo: name, style }) => {
      const golden = readFileSync(goldenPath(name, style));

      const { data } = await cartoonize(photo(name), { ...GOLDEN_OPTIONS, style });

      expect(await perceptualDistance(data, golden)).toBeLessThan(GOLDEN_TOLERANCE);
    },
  );

  test('the distance tells styles apart, so the golden comparison can fail', async () => {
    const comic = readFileSync(goldenPath('coffee.png', 'comic'));

    const { data: sketch } = await cartoonize(photo('coffee.png'), {
      ...GOLDEN_OPTIONS,
      style: 'sketch',
    });

    expect(await perceptualDistance(sketch, comic)).toBeGreaterThan(GOLDEN_TOLERANCE * 4);
  });
});

describe('cartoonize: the look', () => {
  test('colour styles paint flat areas: a palette-sized set of colours covers most pixels', async () => {
    for (const style of ['classic', 'comic'] as const) {
      const { data } = await cartoonize(photo('coffee.png'), { style, format: 'png' });
      // Ink anti-aliasing blends a little; the palette colours themselves cover most of the image.
      expect(await dominantColourShare(data, STYLES[style].colours)).toBeGreaterThan(0.8);
    }
    // The photo itself is nowhere near flat.
    expect(await dominantColourShare(photo('coffee.png'), STYLES.classic.colours)).toBeLessThan(
      0.05,
    );
  });

  test('the colours option sets the palette size', async () => {
    const { data } = await cartoonize(photo('astronaut.png'), {
      style: 'classic',
      colours: 3,
      edgeStrength: 0,
      format: 'png',
    });

    expect(await dominantColourShare(data, 3)).toBeGreaterThan(0.99);
  });

  test('sketch is monochrome pencil on paper', async () => {
    const { data } = await cartoonize(photo('chelsea.png'), { style: 'sketch', format: 'png' });

    const { channels } = await sharp(data).stats();
    const [r, , b] = channels;
    // Warm paper: channels differ by a few levels at most, unlike the orange cat.
    expect(Math.abs((r?.mean ?? 0) - (b?.mean ?? 0))).toBeLessThan(12);
    expect(r?.mean).toBeGreaterThan(180);
  });

  test('edgeStrength 0 removes the ink, so the darkest pixels get lighter', async () => {
    const inked = await cartoonize(photo('astronaut.png'), { style: 'comic', format: 'png' });
    const bare = await cartoonize(photo('astronaut.png'), {
      style: 'comic',
      edgeStrength: 0,
      format: 'png',
    });

    const darkShare = async (image: Buffer) => {
      const { data } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
      return data.filter((v) => v < 30).length / data.length;
    };
    expect(await darkShare(inked.data)).toBeGreaterThan((await darkShare(bare.data)) + 0.01);
  });
});

describe('cartoonize: sizes and formats', () => {
  test('maxSide bounds the long side and never upscales', async () => {
    const small = await cartoonize(photo('rocket.jpg'), { maxSide: 100 });
    const large = await cartoonize(photo('rocket.jpg'), { maxSide: 4096 });

    expect([small.width, small.height]).toEqual([100, 67]);
    expect([large.width, large.height]).toEqual([640, 427]);
  });

  test('a large output is exact to the pixel, odd sizes included', async () => {
    const camera = await cameraJpeg('coffee.png', 4);

    // 2449x1633 inside 2047 is 2047x1365: odd both ways, painted at that size itself.
    const result = await cartoonize(camera, { maxSide: 2047 });

    expect([result.width, result.height]).toEqual([2047, 1365]);
    expect(await sharp(result.data).metadata()).toMatchObject({ width: 2047, height: 1365 });
    // The same picture as at 512 px, though with finer outlines: they are found at a
    // resolution tied to the output size (another photo is 20 or more away).
    const small = await cartoonize(camera, { maxSide: 512, format: 'png' });
    expect(await perceptualDistance(result.data, small.data)).toBeLessThan(GOLDEN_TOLERANCE * 2);
  });

  test('a sliver scaled below the median window still gives an image', async () => {
    const sliver = await sharp({
      create: { width: 400, height: 16, channels: 3, background: '#884422' },
    })
      .png()
      .toBuffer();

    const result = await cartoonize(sliver, { maxSide: 16 });

    expect([result.width, result.height]).toEqual([16, 1]);
    expect((await sharp(result.data).metadata()).height).toBe(1);
  });

  test.each(OUTPUT_FORMATS)('writes %s', async (format) => {
    const result = await cartoonize(photo('chelsea.png'), { format });

    expect((await sharp(result.data).metadata()).format).toBe(format);
    expect(result.contentType).toBe(`image/${format}`);
  });

  test('quality changes the JPEG size', async () => {
    const low = await cartoonize(photo('coffee.png'), { quality: 20 });
    const high = await cartoonize(photo('coffee.png'), { quality: 95 });

    expect(high.data.length).toBeGreaterThan(low.data.length * 1.5);
  });

  test('accepts a stream and gives the same image as a Buffer', async () => {
    const fromStream = await cartoonize(createReadStream(photoPath('rocket.jpg')));
    const fromBuffer = await cartoonize(photo('rocket.jpg'));

    expect(await perceptualDistance(fromStream.data, fromBuffer.data)).toBeLessThan(0.5);
  });
});

describe('cartoonize: input handling', () => {
  test('applies EXIF orientation', async () => {
    const upright = await landscape().rotate(90).jpeg().toBuffer();
    const tagged = await landscape().jpeg().withMetadata({ orientation: 6 }).toBuffer();

    const fromTagged = await cartoonize(tagged);
    const fromUpright = await cartoonize(upright);

    expect([fromTagged.width, fromTagged.height]).toEqual([200, 300]);
    // The palette is sampled on a grid, so a turned photo gets a slightly different sample
    // (4.2 away when measured); turned the wrong way, the cartoon is 85 away.
    expect(await perceptualDistance(fromTagged.data, fromUpright.data)).toBeLessThan(
      GOLDEN_TOLERANCE * 2,
    );
  });

  test.each([
    ['WebP', (s: sharp.Sharp) => s.webp()],
    ['GIF', (s: sharp.Sharp) => s.gif()],
    ['TIFF', (s: sharp.Sharp) => s.tiff()],
    ['AVIF', (s: sharp.Sharp) => s.avif({ quality: 70 })],
    ['CMYK JPEG', (s: sharp.Sharp) => s.toColourspace('cmyk').jpeg()],
    ['16-bit PNG', (s: sharp.Sharp) => s.toColourspace('rgb16').png()],
    ['greyscale PNG', (s: sharp.Sharp) => s.greyscale().png()],
    ['palette PNG', (s: sharp.Sharp) => s.png({ palette: true, colours: 64 })],
  ])('decodes %s into an 8-bit sRGB cartoon', async (_name, encode) => {
    const input = await encode(sharp(photo('chelsea.png'))).toBuffer();

    const result = await cartoonize(input, { format: 'png' });

    const meta = await sharp(result.data).metadata();
    expect(meta).toMatchObject({
      width: 451,
      height: 300,
      channels: 3,
      depth: 'uchar',
      space: 'srgb',
    });
  });

  test('takes the first frame of an animated GIF', async () => {
    const first = await sharp(photo('chelsea.png')).png().toBuffer();
    const second = await sharp(photo('rocket.jpg'))
      .resize(451, 300, { fit: 'fill' })
      .png()
      .toBuffer();
    const animated = await sharp([first, second], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);

    const result = await cartoonize(animated, { format: 'png' });
    const fromFirst = await cartoonize(first, { format: 'png' });

    expect([result.width, result.height]).toEqual([451, 300]);
    // GIF's 256 colours shift the palette a little; a different frame is far off.
    expect(await perceptualDistance(result.data, fromFirst.data)).toBeLessThan(
      GOLDEN_TOLERANCE * 2,
    );
  });

  test('strips metadata from the output', async () => {
    const input = await sharp(photo('rocket.jpg'))
      .withMetadata({ exif: { IFD0: { Copyright: 'someone', Artist: 'someone' } } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    expect((await sharp(input).metadata()).exif).toBeDefined();

    const meta = await sharp((await cartoonize(input)).data).metadata();

    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  describe('alpha', () => {
    /** Coffee cut out in a circle: opaque inside, transparent corners. */
    async function cutOut(): Promise<Buffer> {
      const mask = Buffer.from(
        '<svg width="600" height="400"><circle cx="300" cy="200" r="180" fill="#fff"/></svg>',
      );
      return sharp(photo('coffee.png'))
        .ensureAlpha()
        .composite([{ input: mask, blend: 'dest-in' }])
        .png()
        .toBuffer();
    }

    test('PNG and WebP keep transparency', async () => {
      for (const format of ['png', 'webp'] as const) {
        const { data } = await cartoonize(await cutOut(), { format });
        const { data: pixels, info } = await sharp(data)
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect(info.channels).toBe(4);
        const alphaAt = (x: number, y: number) => pixels[(y * info.width + x) * 4 + 3];
        expect(alphaAt(2, 2)).toBe(0);
        expect(alphaAt(300, 200)).toBe(255);
      }
    });

    test('JPEG flattens transparency onto white', async () => {
      const { data } = await cartoonize(await cutOut(), { format: 'jpeg', edgeStrength: 0 });
      const { data: pixels, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });

      expect(info.channels).toBe(3);
      expect(Math.min(pixels[0] ?? 0, pixels[1] ?? 0, pixels[2] ?? 0)).toBeGreaterThan(200);
    });
  });
});
