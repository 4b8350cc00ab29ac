import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { CartoonError, TimedOutError, toCartoonError } from './errors';
import { outlinesBeside } from './helper';
import { halvedToFit, softenColour } from './ink';
import { type ImageInput, openImage, type ProbedImage, probeImage, readInput } from './input';
import {
  type CartoonOptions,
  type OutputFormat,
  type ResolvedOptions,
  resolveOptions,
} from './options';
import { encodeImage } from './output';
import { type Field, Painting } from './paint';
import { choosePalette } from './palette';
import { fitInside, type Size } from './size';
import { ownVipsError } from './vips-errors';

/** Input limits, set once by each adapter (see DESIGN.md for why they differ per entry point). */
export interface CartoonLimits {
  /** Largest accepted width × height, checked from the header before decoding. */
  readonly maxPixels: number;
  /** Largest accepted input in bytes. */
  readonly maxBytes: number;
}

export const DEFAULT_LIMITS: CartoonLimits = {
  maxPixels: 40_000_000,
  maxBytes: 32 * 1024 * 1024,
};

/** What a caller may ask of one call besides the image's options. */
export interface CartoonCall {
  /**
   * Aborted when the caller stops waiting (the invocation's deadline): the work stops at the
   * next stage with a {@link TimedOutError}. Stages are tens of milliseconds, so the check
   * between them is soon enough and nothing inside them needs to poll.
   */
  readonly signal?: AbortSignal;
}

/**
 * Colours are found on the photo at the ink size halved until it is no larger than this
 * (512 px for a 2048 px output): the colour field is softened anyway, so more pixels would
 * only cost time, and halving is the cheapest shrink there is. The field is interpolated up
 * to the output size before it is quantised, so region borders are drawn at the output's
 * own resolution.
 */
const COLOUR_SIDE = 640;

/**
 * Outlines are found at the output size up to this long side, and at half the output size
 * above it (1024 px for a 2048 px output, 2048 px for 4096): tied to the output, so a subject
 * a few percent of the frame wide keeps its outline at every size, at a quarter of the cost
 * of full resolution for large outputs. The ink field is interpolated to the output and
 * thresholded there, so lines stay crisp, with no doubled pixels.
 */
const INK_FULL_SIDE = 1024;

/** Enough samples, spread evenly over the image, for k-means to find the palette. */
const PALETTE_SAMPLES = 4096;
/** Each palette sample averages this many points across and down (see `softSamples`). */
const SAMPLE_TAPS = 5;

/**
 * About `count` colours of a packed RGB image, on an even grid, each the mean of a
 * `SAMPLE_TAPS`-square of points spaced to span about ±1.6 `sigma`: softened about as the
 * colour field is by its Gaussian of `sigma`, so the palette is chosen from colours the
 * painting will hold. Point samples of the softened field itself made worse palettes: in
 * comic, the ladybird's orange spread to the borders of the grass.
 */
function softSamples(rgb: Buffer, size: Size, sigma: number, count: number): Buffer {
  const { width, height } = size;
  const columns = Math.max(1, Math.round(Math.sqrt((count * width) / height)));
  const rows = Math.max(1, Math.round(count / columns));
  const spacing = Math.max(1, Math.round((sigma * 3.2) / (SAMPLE_TAPS - 1)));
  const reach = (spacing * (SAMPLE_TAPS - 1)) / 2;
  const taps = SAMPLE_TAPS * SAMPLE_TAPS;
  const sample = Buffer.allocUnsafe(columns * rows * 3);
  for (let j = 0, o = 0; j < rows; j++) {
    const y0 = Math.floor(((j + 0.5) * height) / rows) - reach;
    for (let i = 0; i < columns; i++, o += 3) {
      const x0 = Math.floor(((i + 0.5) * width) / columns) - reach;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let ty = 0; ty < SAMPLE_TAPS; ty++) {
        const y = Math.min(height - 1, Math.max(0, y0 + ty * spacing));
        for (let tx = 0; tx < SAMPLE_TAPS; tx++) {
          const x = Math.min(width - 1, Math.max(0, x0 + tx * spacing));
          const p = (y * width + x) * 3;
          r += rgb[p] as number;
          g += rgb[p + 1] as number;
          b += rgb[p + 2] as number;
        }
      }
      sample[o] = Math.round(r / taps);
      sample[o + 1] = Math.round(g / taps);
      sample[o + 2] = Math.round(b / taps);
    }
  }
  return sample;
}

export type Stage = 'read' | 'probe' | 'decode' | 'analyse' | 'paint' | 'encode';

export interface CartoonResult {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly style: string;
  /** Wall-clock milliseconds of each stage, in order. */
  readonly timings: Readonly<Record<Stage, number>>;
}

/**
 * Turns a photo into a cartoon: flat colours from a small palette, inked outlines on the
 * real edges of objects, and no speckle on texture.
 *
 * @param input image bytes as a Buffer or a stream; the type is detected from the bytes
 * @param options style and output options, validated (see `resolveOptions`)
 * @param limits input limits; `DEFAULT_LIMITS` when omitted
 * @param call the caller's deadline as an `AbortSignal` (see {@link CartoonCall})
 * @throws CartoonError subclasses for bad input or options, each with an HTTP status;
 *   {@link TimedOutError} once `call.signal` has fired
 * @example
 * ```ts
 * const photo = await fs.readFile('cat.jpg');
 * const { data, contentType, timings } = await cartoonize(photo, { style: 'comic', maxSide: 800 });
 * await fs.writeFile('cat-comic.jpg', data);
 * // In a Lambda handler, stop when the invocation's time is up:
 * const signal = AbortSignal.timeout(context.getRemainingTimeInMillis() - 500);
 * await cartoonize(photo, { style: 'comic' }, DEFAULT_LIMITS, { signal });
 * ```
 */
export async function cartoonize(
  input: ImageInput,
  options: CartoonOptions | Record<string, unknown> = {},
  limits: CartoonLimits = DEFAULT_LIMITS,
  call: CartoonCall = {},
): Promise<CartoonResult> {
  try {
    return await draw(input, options, limits, call.signal);
  } catch (err) {
    // Whatever a stage throws reaches the caller as a CartoonError with an HTTP status.
    throw toCartoonError(err);
  }
}

/** Throws a {@link TimedOutError} if `signal` has fired; `after` names the stage just done. */
function checkDeadline(signal: AbortSignal | undefined, after?: Stage): void {
  if (!signal?.aborted) return;
  const where = after === undefined ? 'before the read' : `after the ${after} stage`;
  throw new TimedOutError(`The image was not done in time; the work stopped ${where}`, {
    cause: signal.reason,
  });
}

async function draw(
  input: ImageInput,
  options: CartoonOptions | Record<string, unknown>,
  limits: CartoonLimits,
  signal: AbortSignal | undefined,
): Promise<CartoonResult> {
  const resolved = resolveOptions(options);
  const timings = {} as Record<Stage, number>;
  let last = performance.now();
  // Each stage ends with its time and, from the caller's deadline, whether to go on; once
  // encoded, the answer is given whatever the time.
  const mark = (stage: Stage) => {
    const now = performance.now();
    timings[stage] = Math.round((now - last) * 100) / 100;
    last = now;
    if (stage !== 'encode') checkDeadline(signal, stage);
  };
  checkDeadline(signal);

  const bytes = await readInput(input, limits.maxBytes);
  mark('read');
  const probe = await probeImage(bytes, limits.maxPixels);
  mark('probe');

  const output = fitInside(probe.width, probe.height, resolved.maxSide);
  const inkSize = inkSizeFor(output);
  const keepAlpha = probe.hasAlpha && resolved.format !== 'jpeg';
  // Read again if it fails, for a message of its own (see vips-errors.ts).
  const decoded = await ownVipsError(
    () => decode(bytes, probe, inkSize, limits.maxPixels, keepAlpha),
    (err) => err instanceof CartoonError,
    probe.format,
  );
  mark('decode');

  const alpha = decoded.alpha ? resizeRaw(decoded.alpha, inkSize, 1, output) : undefined;
  alpha?.catch(() => undefined); // awaited below; this only stops an early failure going unhandled
  const { colour, palette, ink } = analyse(decoded.rgb, inkSize, resolved);
  mark('analyse');

  const painting = Painting.paint(colour, ink, output, palette, resolved);
  let encoded: Awaited<ReturnType<typeof encodeImage>>;
  try {
    mark('paint');
    encoded = await encodeImage(painting.pixels, output, await alpha, resolved);
    mark('encode');
  } finally {
    painting.release();
  }

  return {
    data: encoded.data,
    format: resolved.format,
    contentType: encoded.contentType,
    width: output.width,
    height: output.height,
    style: resolved.style.name,
    timings,
  };
}

interface Decoded {
  /** Packed sRGB, alpha already flattened onto white. */
  readonly rgb: Buffer;
  /** The alpha band when the output keeps transparency. */
  readonly alpha?: Buffer;
}

/** Decodes, orients and shrinks in one libvips pipeline, to 8-bit sRGB at the analysis size. */
async function decode(
  bytes: Buffer,
  probe: ProbedImage,
  size: Size,
  maxPixels: number,
  keepAlpha: boolean,
): Promise<Decoded> {
  const pipeline = (await openImage(bytes, probe, maxPixels))
    .autoOrient()
    .resize(size.width, size.height, { fit: 'fill' })
    .toColourspace('srgb');
  if (!keepAlpha) {
    const rgb = await pipeline
      .flatten({ background: '#ffffff' })
      .raw({ depth: 'uchar' })
      .toBuffer();
    return { rgb };
  }
  const rgba = await pipeline.ensureAlpha().raw({ depth: 'uchar' }).toBuffer();
  return splitAlpha(rgba);
}

/** Separates RGBA into RGB flattened onto white (for analysis) and the alpha band. */
function splitAlpha(rgba: Buffer): Decoded {
  const pixels = rgba.length / 4;
  const rgb = Buffer.allocUnsafe(pixels * 3);
  const alpha = Buffer.allocUnsafe(pixels);
  for (let p = 0; p < pixels; p++) {
    const a = rgba[p * 4 + 3] as number;
    const white = 255 * (255 - a);
    rgb[p * 3] = ((rgba[p * 4] as number) * a + white) / 255;
    rgb[p * 3 + 1] = ((rgba[p * 4 + 1] as number) * a + white) / 255;
    rgb[p * 3 + 2] = ((rgba[p * 4 + 2] as number) * a + white) / 255;
    alpha[p] = a;
  }
  return { rgb, alpha };
}

interface Analysis {
  /** Softened colour at the colour size. */
  readonly colour: Field;
  /** Palette chosen from the photo, before the style's saturation is applied. */
  readonly palette: Uint8Array;
  /** Outline coverage (0–255) at the ink size. */
  readonly ink: Field;
}

/** The size outlines are found at for an output size (see `INK_FULL_SIDE`). */
function inkSizeFor(output: Size): Size {
  const long = Math.max(output.width, output.height);
  if (long <= INK_FULL_SIDE) return output;
  return fitInside(output.width, output.height, Math.max(INK_FULL_SIDE, Math.ceil(long / 2)));
}

/**
 * Softened colour, palette and outline mask, from the photo at the ink size, by the kernels
 * (see ink.ts), with no libvips pipeline to wait for: the outlines on the helper worker
 * when an image may use two threads (helper.ts), while this thread softens the colour and
 * chooses the palette.
 */
function analyse(rgb: Buffer, size: Size, options: ResolvedOptions): Analysis {
  const colourSize = halvedToFit(size, COLOUR_SIDE);
  const long = Math.max(colourSize.width, colourSize.height);
  // Smoothing is specified in pixels of a 512 px image, so the look does not depend on size.
  const sigma = Math.max(0.3, (options.smoothing * long) / 512);
  let colour: Field | undefined;
  let palette: Uint8Array | undefined;
  const ink = outlinesBeside(rgb, size, options.edgeThickness, () => {
    colour = softenColour(rgb, size, colourSize, sigma);
    // The softened colour is what gets quantised, so the samples are softened alike.
    const inkSigma = (sigma * Math.max(size.width, size.height)) / long;
    palette = choosePalette(softSamples(rgb, size, inkSigma, PALETTE_SAMPLES), options.colours);
  });
  if (!colour || !palette) throw new Error('cartoonize: the colour was not softened');
  return { colour, palette, ink: { pixels: ink, size } };
}

async function resizeRaw(pixels: Buffer, from: Size, channels: 1 | 3, to: Size): Promise<Buffer> {
  if (from.width === to.width && from.height === to.height) return pixels;
  let pipeline = sharp(pixels, { raw: { ...from, channels } }).resize(to.width, to.height, {
    fit: 'fill',
    kernel: 'linear',
  });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  return pipeline.raw().toBuffer();
}
