// The painter's WebAssembly kernels (layers/core/src/paint-kernels.wat) must paint exactly
// what the TypeScript they replaced painted (test/support/paint-reference.ts): on real
// photos through the real outline stage, in every style, and on small odd sizes that scale
// up and down; the committed binary must be the one the source assembles to; and a painter
// lent on to the next picture must not carry anything over.
import path from 'node:path';
import { configureSharp, fitInside, STYLE_NAMES } from '@cartoon-compute/core';
import sharp from 'sharp';
import { helperJobsDone, helperReady, share, stopHelper } from '../../layers/core/src/helper';
import { HELPER_WORKER_SOURCE } from '../../layers/core/src/helper-worker.generated';
import { outlines } from '../../layers/core/src/ink';
import { resolveOptions } from '../../layers/core/src/options';
import { type Field, Painting } from '../../layers/core/src/paint';
import { PAINT_KERNELS_WASM } from '../../layers/core/src/paint-kernels.generated';
import { choosePalette } from '../../layers/core/src/palette';
import type { Size } from '../../layers/core/src/size';
import { assembleKernels, bundleWorker, PAINT_KERNELS } from '../../scripts/build-wasm';
import { PHOTO_NAMES, type PhotoName, photo } from '../support/fixtures';
import { waitForHelper, withTwoThreads } from '../support/helper-thread';
import { noise } from '../support/noise';
import * as reference from '../support/paint-reference';

type Options = ReturnType<typeof resolveOptions>;

interface Scene {
  readonly output: Size;
  readonly colour: Field;
  readonly ink: Field;
  readonly palette: Uint8Array;
  readonly options: Options;
}

/** What the reference paints for a scene. */
function referencePixels(scene: Scene): Buffer {
  const out = reference.paintFill(scene.colour, scene.output, scene.palette, scene.options);
  reference.layInk(out, scene.output, scene.ink, scene.options);
  return out;
}

/** What the kernels paint for a scene, copied out before the painter is lent on. */
function kernelPixels(scene: Scene): Buffer {
  const painting = paint(scene);
  const pixels = Buffer.from(painting.pixels);
  painting.release();
  return pixels;
}

function paint(scene: Scene): Painting {
  return Painting.paint(scene.colour, scene.ink, scene.output, scene.palette, scene.options);
}

/** A photo decoded at the ink size for an output size, once per photo and size. */
const decoded = new Map<string, Promise<{ output: Size; inkSize: Size; rgb: Buffer }>>();

function decode(name: PhotoName, maxSide: number) {
  const key = `${name}@${maxSide}`;
  let pending = decoded.get(key);
  if (!pending) {
    pending = (async () => {
      const bytes = photo(name);
      const { width = 1, height = 1 } = await sharp(bytes).metadata();
      const output = fitInside(width, height, maxSide);
      const long = Math.max(output.width, output.height);
      const inkSize =
        long <= 1024 ? output : fitInside(output.width, output.height, Math.ceil(long / 2));
      const rgb = await sharp(bytes)
        .removeAlpha()
        .resize(inkSize.width, inkSize.height, { fit: 'fill' })
        .raw()
        .toBuffer();
      return { output, inkSize, rgb };
    })();
    decoded.set(key, pending);
  }
  return pending;
}

/** A scene from a photo, with the fields made the way cartoonize makes them. */
async function photoScene(name: PhotoName, style: string, maxSide: number): Promise<Scene> {
  const options = resolveOptions({ style, maxSide });
  const { output, inkSize, rgb } = await decode(name, maxSide);
  const colourSize = fitInside(inkSize.width, inkSize.height, 640);
  const colour = await sharp(rgb, { raw: { ...inkSize, channels: 3 } })
    .resize(colourSize.width, colourSize.height, { fit: 'fill' })
    .blur(2)
    .raw()
    .toBuffer();
  const ink = outlines(rgb, inkSize, options.edgeThickness);
  return {
    output,
    colour: { pixels: colour, size: colourSize },
    ink: { pixels: ink, size: inkSize },
    palette: choosePalette(everyNth(colour, 97), options.colours),
    options,
  };
}

/** Every `n`th pixel of packed RGB: enough for a palette, as cartoonize samples. */
function everyNth(rgb: Buffer, n: number): Buffer {
  const pixels = Math.floor(rgb.length / 3 / n);
  const sample = Buffer.alloc(pixels * 3);
  for (let p = 0; p < pixels; p++) rgb.copy(sample, p * 3, p * n * 3, p * n * 3 + 3);
  return sample;
}

/** A scene of noise: every cell a border, ink everywhere around the floor. */
function noiseScene(colour: Size, ink: Size, output: Size, style: string, seed: number): Scene {
  const options = resolveOptions({ style });
  return {
    output,
    colour: { pixels: noise(colour.width * colour.height * 3, seed), size: colour },
    ink: { pixels: noise(ink.width * ink.height, seed + 1, 20, 140), size: ink },
    palette: noise(options.colours * 3, seed + 2),
    options,
  };
}

it('layers/core/src/paint-kernels.generated.ts is up to date with paint-kernels.wat (npm run build:wasm)', async () => {
  const wasm = await assembleKernels(path.resolve(__dirname, '../..'), PAINT_KERNELS);

  expect(wasm.toString('base64')).toBe(PAINT_KERNELS_WASM);
});

describe('on the fixtures, through the real outline stage', () => {
  const cases = PHOTO_NAMES.flatMap((name) =>
    STYLE_NAMES.flatMap((style) => [97, 640].map((maxSide) => [name, style, maxSide] as const)),
  );
  test.each(cases)('%s, %s, maxSide %i: the reference bytes', async (name, style, maxSide) => {
    const scene = await photoScene(name, style, maxSide);

    const actual = kernelPixels(scene);

    expect(actual.equals(referencePixels(scene))).toBe(true);
    // A photo paints more than one colour and lays some ink: a kernel that did nothing fails.
    expect(new Set(actual).size).toBeGreaterThan(3);
  });

  test.each(STYLE_NAMES)(
    'a 2048 px output of coffee.png in %s: the reference bytes',
    async (style) => {
      const scene = await photoScene('coffee.png', style, 2048);

      expect(kernelPixels(scene).equals(referencePixels(scene))).toBe(true);
    },
  );
});

describe('on noise at small and odd sizes', () => {
  const sizes: Array<[Size, Size, Size]> = [
    [
      { width: 1, height: 1 },
      { width: 1, height: 1 },
      { width: 1, height: 1 },
    ],
    [
      { width: 1, height: 1 },
      { width: 2, height: 2 },
      { width: 5, height: 3 },
    ],
    [
      { width: 7, height: 5 },
      { width: 7, height: 5 },
      { width: 23, height: 17 },
    ],
    [
      { width: 9, height: 6 },
      { width: 13, height: 9 },
      { width: 13, height: 9 },
    ],
    // Outputs smaller than the fields: field columns no output pixel samples first.
    [
      { width: 20, height: 12 },
      { width: 20, height: 12 },
      { width: 6, height: 4 },
    ],
    [
      { width: 31, height: 3 },
      { width: 40, height: 70 },
      { width: 97, height: 101 },
    ],
  ];
  test.each(
    sizes.flatMap(([colour, ink, output], i) =>
      STYLE_NAMES.map(
        (style) =>
          [
            `${colour.width}x${colour.height} colour, ${ink.width}x${ink.height} ink, ${output.width}x${output.height} out`,
            style,
            noiseScene(colour, ink, output, style, i * 97 + style.length),
          ] as const,
      ),
    ),
  )('%s, %s: the reference bytes', (_label, _style, scene) => {
    expect(kernelPixels(scene).equals(referencePixels(scene))).toBe(true);
  });

  test('no ink (every coverage at or below the floor, or edgeStrength 0) leaves the fill as it was', () => {
    const scene = noiseScene(
      { width: 8, height: 8 },
      { width: 8, height: 8 },
      { width: 30, height: 30 },
      'classic',
      5,
    );
    const bare = { ...scene, ink: { ...scene.ink, pixels: Buffer.alloc(64, 40) } };
    const fillOnly = reference.paintFill(scene.colour, scene.output, scene.palette, scene.options);

    const noStrength = { ...scene, options: { ...scene.options, edgeStrength: 0 } };

    expect(kernelPixels(bare).equals(fillOnly)).toBe(true);
    expect(kernelPixels(noStrength).equals(fillOnly)).toBe(true);
    expect(kernelPixels(scene).equals(fillOnly)).toBe(false);
  });
});

describe('painters lent from one picture to the next', () => {
  test('a small picture after a large one, and pictures painted at the same time, are each their own', async () => {
    const large = await photoScene('coffee.png', 'comic', 640);
    const small = noiseScene(
      { width: 9, height: 7 },
      { width: 9, height: 7 },
      { width: 17, height: 11 },
      'classic',
      3,
    );
    const pencil = noiseScene(
      { width: 9, height: 7 },
      { width: 12, height: 8 },
      { width: 25, height: 19 },
      'sketch',
      4,
    );
    kernelPixels(large); // leaves a grown, painted memory in the pool

    // Three paintings open at once (as while the encoder reads them), released in another
    // order than they were painted.
    const open = [small, large, pencil].map((scene) => ({ scene, painting: paint(scene) }));

    for (const { scene, painting } of open) {
      expect(painting.pixels.equals(referencePixels(scene))).toBe(true);
    }
    for (const { painting } of [...open].reverse()) painting.release();
    expect(kernelPixels(pencil).equals(referencePixels(pencil))).toBe(true);
    expect(kernelPixels(small).equals(referencePixels(small))).toBe(true);
  });

  test('a released painting refuses its pixels, since the next picture may be painting there', () => {
    const scene = noiseScene(
      { width: 4, height: 4 },
      { width: 4, height: 4 },
      { width: 8, height: 8 },
      'classic',
      9,
    );
    const painting = paint(scene);
    painting.release();

    expect(() => painting.pixels).toThrow('pixels asked for after release()');
  });
});

describe('shared with the helper worker (two threads an image)', () => {
  withTwoThreads();

  it('layers/core/src/helper-worker.generated.ts is up to date with helper-worker.ts (npm run build:wasm)', async () => {
    expect(await bundleWorker(path.resolve(__dirname, '../..'))).toBe(HELPER_WORKER_SOURCE);
  });

  test.each(STYLE_NAMES)(
    '%s: a 1600 px picture painted half on the worker is the reference bytes',
    async (style) => {
      const scene = await photoScene('ladybird.jpg', style, 1600);
      // The first large picture is painted alone and starts the worker.
      const alone = kernelPixels(scene);
      expect(await waitForHelper()).toBe(true);

      const shared = kernelPixels(scene);

      const expected = referencePixels(scene);
      expect(alone.equals(expected)).toBe(true);
      expect(shared.equals(expected)).toBe(true);
    },
  );

  test('rows the worker lets down are painted on this thread, and the worker is let go', async () => {
    const scene = await photoScene('ladybird.jpg', 'classic', 1600);
    kernelPixels(scene);
    expect(await waitForHelper()).toBe(true);
    const painted: string[] = [];

    // A memory the worker cannot make an instance over: its job fails.
    const job = {
      kind: 'paint' as const,
      key: -1,
      memory: {},
      picture: {} as never,
      scratch: { borders: 0, flatRow: 0, active: 0 },
      from: 8,
      to: 16,
    };
    const outcome = share(
      job,
      () => painted.push('own'),
      () => painted.push('instead'),
    );

    expect(outcome).toBe('abandoned');
    expect(painted).toEqual(['own', 'instead']);
    expect(helperReady()).toBe(false);
  });

  test('with one thread an image, no worker is started', async () => {
    stopHelper();
    configureSharp({ concurrency: 1 });
    try {
      const scene = await photoScene('ladybird.jpg', 'comic', 1600);

      const before = helperJobsDone();

      expect(kernelPixels(scene).equals(referencePixels(scene))).toBe(true);
      expect(helperJobsDone()).toBe(before);
      // A worker started anyway would be ready well within this.
      expect(await waitForHelper(500)).toBe(false);
    } finally {
      configureSharp({ concurrency: 2 });
    }
  });
});
