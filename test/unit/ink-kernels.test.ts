// The outline stage's WebAssembly kernels (layers/core/src/ink-kernels.wat) must give
// exactly what the plain TypeScript they replaced gave (test/support/ink-reference.ts), on
// every size, including widths that are not a multiple of the sixteen-pixel vectors, and
// the committed binary must be the one the source assembles to.
import path from 'node:path';
import { helperJobsDone, helperReady, outlinesBeside } from '../../layers/core/src/helper';
import {
  dogCoverage,
  gaussianBlur,
  gaussianTaps,
  halvedToFit,
  medianGrey,
  outlines,
  separableMedian,
  softenColour,
} from '../../layers/core/src/ink';
import { INK_KERNELS_WASM } from '../../layers/core/src/ink-kernels.generated';
import { assembleKernels, INK_KERNELS } from '../../scripts/build-wasm';
import { waitForHelper, withTwoThreads } from '../support/helper-thread';
import * as reference from '../support/ink-reference';
import { noise } from '../support/noise';

it('layers/core/src/ink-kernels.generated.ts is up to date with ink-kernels.wat (npm run build:wasm)', async () => {
  const wasm = await assembleKernels(path.resolve(__dirname, '../..'), INK_KERNELS);

  expect(wasm.toString('base64')).toBe(INK_KERNELS_WASM);
});

describe('separable median', () => {
  const sizes = [
    [1, 1],
    [2, 3],
    [5, 1],
    [1, 9],
    [15, 4],
    [16, 16],
    [17, 5],
    [31, 7],
    [33, 2],
    [64, 40],
    [250, 3],
  ] as const;
  test.each(
    sizes.flatMap(([width, height]) => ([3, 5] as const).map((w) => [width, height, w] as const)),
  )('%ix%i, window %i, is the reference median', (width, height, window) => {
    const input = noise(width * height, width * 31 + height);
    const expected = Buffer.from(input);
    reference.separableMedian(expected, { width, height }, window);

    const actual = Buffer.from(input);
    separableMedian(actual, { width, height }, window);

    expect(actual.equals(expected)).toBe(true);
    // Noise survives no median of five unchanged: the test sees a kernel that does nothing.
    if (width * height >= 25 && window === 5) expect(actual.equals(input)).toBe(false);
  });

  test('a large image after a small one (the kernels grow their memory) is still exact', () => {
    for (const [width, height] of [
      [20, 20],
      [1024, 683],
      [9, 9],
    ] as const) {
      const input = noise(width * height, width);
      const expected = Buffer.from(input);
      reference.separableMedian(expected, { width, height }, 5);
      const actual = Buffer.from(input);
      separableMedian(actual, { width, height }, 5);
      expect(actual.equals(expected)).toBe(true);
    }
  });
});

it('DoG coverage is the reference for every pair of grey levels', () => {
  // All 65,536 (narrow, wide) pairs, plus a tail that is not a whole vector.
  const narrow = Buffer.alloc(65_536 + 7);
  const wide = Buffer.alloc(65_536 + 7);
  for (let i = 0; i < narrow.length; i++) {
    narrow[i] = i & 255;
    wide[i] = (i >> 8) & 255;
  }

  const actual = dogCoverage(narrow, wide);

  expect(actual.length).toBe(narrow.length);
  expect(actual.equals(reference.coverage(narrow, wide, 3, 5))).toBe(true);
  expect(new Set(actual).size).toBeGreaterThan(2); // paper, solid ink and the ramp between
});

describe('grey image for the outlines', () => {
  /** Rec. 601 luma in 256ths, as the kernel documents it. */
  const luma = (rgb: Buffer) =>
    Buffer.from(
      Array.from({ length: rgb.length / 3 }, (_, p) =>
        Math.floor(
          (77 * (rgb[3 * p] as number) +
            150 * (rgb[3 * p + 1] as number) +
            29 * (rgb[3 * p + 2] as number) +
            128) /
            256,
        ),
      ),
    );

  test.each([
    [1, 1],
    [3, 2],
    [15, 3],
    [16, 4],
    [17, 9],
    [33, 5],
    [250, 3],
  ] as const)('%ix%i: the luma, then the reference median, whatever the width', (width, height) => {
    const rgb = noise(width * height * 3, width * 7 + height);
    const expected = luma(rgb);
    const window = 3;
    reference.separableMedian(expected, { width, height }, window);

    expect(medianGrey(rgb, { width, height }, window).equals(expected)).toBe(true);
  });

  test('white is 255, black 0, and pure red, green and blue read 77, 149 and 29', () => {
    const rgb = Buffer.from([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    // One row, window 3: the median of three mixes neighbours, so each colour stands alone here.
    const alone = (pixel: number) =>
      medianGrey(rgb.subarray(pixel * 3, pixel * 3 + 3), { width: 1, height: 1 }, 3)[0];

    expect([0, 1, 2, 3, 4].map(alone)).toEqual([255, 0, 77, 149, 29]);
  });
});

describe('Gaussian blur', () => {
  test.each([0.4, 1, 2, 3.2, 4.8, 25.6])(
    "the taps of sigma %d sum to 256, are symmetric and reach as far as libvips' mask",
    (sigma) => {
      const taps = gaussianTaps(sigma);
      const reach = (taps.length - 1) / 2;

      expect(taps.reduce((sum, w) => sum + w, 0)).toBe(256);
      expect(Array.from(taps)).toEqual(Array.from(taps).reverse());
      // libvips keeps every offset whose weight is at least 0.2 of the centre's, and no more.
      expect(Math.exp(-(reach * reach) / (2 * sigma * sigma))).toBeGreaterThanOrEqual(0.2);
      expect(Math.exp(-((reach + 1) ** 2) / (2 * sigma * sigma))).toBeLessThan(0.2);
      // Weights fall away from the centre.
      for (let t = 0; t < reach; t++) expect(taps[t]).toBeLessThanOrEqual(taps[t + 1] as number);
    },
  );

  test.each([
    [1, 1, 2],
    [3, 2, 3.2],
    [17, 5, 1],
    [16, 16, 2],
    [33, 9, 4.8],
    [64, 40, 3.2],
    [250, 3, 2],
    [5, 70, 9.6],
  ] as const)(
    '%ix%i, sigma %d, is the reference blur, whatever the size',
    (width, height, sigma) => {
      const grey = noise(width * height, width * 13 + height);

      const actual = gaussianBlur(grey, { width, height }, sigma);

      expect(
        actual.equals(reference.gaussianBlur(grey, { width, height }, gaussianTaps(sigma))),
      ).toBe(true);
      // Noise does not survive a blur: the test sees a kernel that does nothing.
      if (width * height > 4) expect(actual.equals(grey)).toBe(false);
    },
  );

  test('a flat image stays flat, at every level', () => {
    const size = { width: 37, height: 11 };
    for (const level of [0, 1, 128, 254, 255]) {
      const blurred = gaussianBlur(Buffer.alloc(37 * 11, level), size, 4.8);
      expect(new Set(blurred)).toEqual(new Set([level]));
    }
  });
});

it('outlines are the reference median, blurs and coverage of the luma, on a large image after a small one', () => {
  for (const [width, height, thickness] of [
    [9, 7, 1],
    [700, 413, 1.2],
    [31, 200, 4],
  ] as const) {
    // Smooth shapes with edges, so there is ink to find.
    const rgb = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside =
          (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
        rgb.fill(inside ? 40 : 220, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    const long = Math.max(width, height);
    const grey = medianGrey(rgb, { width, height }, long >= 400 ? 5 : 3);
    const sigma = Math.max(0.4, (thickness * long) / 512);
    const narrow = reference.gaussianBlur(grey, { width, height }, gaussianTaps(sigma));
    const wide = reference.gaussianBlur(grey, { width, height }, gaussianTaps(sigma * 1.6));

    const actual = outlines(rgb, { width, height }, thickness);

    expect(actual.equals(reference.coverage(narrow, wide, 3, 5))).toBe(true);
    if (width > 20) expect(actual.some((v) => v === 255)).toBe(true);
  }
});

describe('colour field', () => {
  test.each([
    [1024, 683, 640, 2.5],
    [2048, 1365, 640, 3.1],
    [97, 61, 40, 1.2],
    [17, 9, 640, 2],
    [5, 3, 1, 0.3],
    [301, 999, 640, 4.4],
  ] as const)(
    '%ix%i, at most %i px, sigma %d: halved as the reference halves, then the reference blur of each channel',
    (width, height, maxSide, sigma) => {
      const from = { width, height };
      const rgb = noise(width * height * 3, width + 7 * height);
      let expected: Buffer = Buffer.from(rgb);
      let size: { width: number; height: number } = from;
      while (Math.max(size.width, size.height) > maxSide && Math.max(size.width, size.height) > 1) {
        expected = reference.halve(expected, size, 3);
        size = { width: Math.ceil(size.width / 2), height: Math.ceil(size.height / 2) };
      }

      const actual = softenColour(rgb, from, halvedToFit(from, maxSide), sigma);

      expect(actual.size).toEqual(size);
      expect(actual.size).toEqual(halvedToFit(from, maxSide));
      expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(Math.max(maxSide, 1));
      expect(
        actual.pixels.equals(reference.gaussianBlur(expected, size, gaussianTaps(sigma), 3)),
      ).toBe(true);
      // Noise does not survive a blur, unless one pixel is left.
      expect(actual.pixels.equals(expected)).toBe(size.width * size.height === 1);
    },
  );

  test('keeps each channel to itself: pure red and blue halves stay pure where flat', () => {
    const from = { width: 64, height: 32 };
    const rgb = Buffer.alloc(64 * 32 * 3);
    for (let p = 0; p < 64 * 32; p++) rgb[p * 3 + (p % 64 < 32 ? 0 : 2)] = 255;

    const soft = softenColour(rgb, from, halvedToFit(from, 32), 1).pixels;

    expect([...soft.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect([...soft.subarray(soft.length - 3)]).toEqual([0, 0, 255]);
    expect(soft.filter((_, i) => i % 3 === 1).every((g) => g === 0)).toBe(true);
  });
});

describe('outlines found by the helper worker (two threads an image)', () => {
  withTwoThreads();

  /** A photo-like image: soft shapes with edges, and noise on top. */
  function scene(width: number, height: number): Buffer {
    const rgb = noise(width * height * 3, width, 0, 40);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (height / 3) ** 2;
        for (let c = 0; c < 3; c++) {
          const p = (y * width + x) * 3 + c;
          rgb[p] = (rgb[p] as number) + (inside ? 30 : 190);
        }
      }
    }
    return rgb;
  }

  test('a 1024x683 photo: the same mask as on this thread, while this thread does its own work', async () => {
    const size = { width: 1024, height: 683 };
    const rgb = scene(size.width, size.height);
    const expected = outlines(rgb, size, 1.2);
    // The first large photo is done alone and starts the worker.
    const order: string[] = [];
    expect(outlinesBeside(rgb, size, 1.2, () => order.push('alone')).equals(expected)).toBe(true);
    expect(await waitForHelper()).toBe(true);
    const before = helperJobsDone();

    const mask = outlinesBeside(rgb, size, 1.2, () => order.push('beside'));

    expect(helperJobsDone()).toBe(before + 1);
    expect(order).toEqual(['alone', 'beside']);
    expect(mask.equals(expected)).toBe(true);
    expect(mask.some((v) => v === 255)).toBe(true);
    // A smaller photo after a larger one, in the buffer kept between jobs.
    const small = { width: 700, height: 400 };
    const smallRgb = scene(small.width, small.height);
    expect(
      outlinesBeside(smallRgb, small, 2, () => undefined).equals(outlines(smallRgb, small, 2)),
    ).toBe(true);
    expect(helperJobsDone()).toBe(before + 2);
  });

  test("when this thread's own part throws, the error goes on, the worker is let go, and the next photo is right", async () => {
    const size = { width: 1024, height: 683 };
    const rgb = scene(size.width, size.height);
    outlinesBeside(rgb, size, 1, () => undefined);
    expect(await waitForHelper()).toBe(true);

    expect(() =>
      outlinesBeside(rgb, size, 1, () => {
        throw new Error('softening failed');
      }),
    ).toThrow('softening failed');
    expect(helperReady()).toBe(false);

    // A different photo straight after: never the outlines the let-go worker was finding.
    const other = scene(900, 600).reverse();
    const otherSize = { width: 900, height: 600 };
    expect(
      outlinesBeside(other, otherSize, 1, () => undefined).equals(outlines(other, otherSize, 1)),
    ).toBe(true);
  });

  test('a small photo stays on this thread', () => {
    const size = { width: 300, height: 200 };
    const rgb = scene(size.width, size.height);
    const before = helperJobsDone();
    let ran = false;

    const mask = outlinesBeside(rgb, size, 1, () => {
      ran = true;
    });

    expect(ran).toBe(true);
    expect(helperJobsDone()).toBe(before);
    expect(mask.equals(outlines(rgb, size, 1))).toBe(true);
  });
});
