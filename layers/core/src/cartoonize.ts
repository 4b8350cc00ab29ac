import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { toCartoonError } from './errors';
import { greyscale, outlines } from './ink';
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

/**
 * Colours are found on an image no larger than this: the colour field is softened anyway, so
 * more pixels would only cost time. It is interpolated up to the output size before it is
 * quantised, so region borders are drawn at the output's own resolution.
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

/** Enough pixels, spread evenly over the image, for k-means to find the palette. */
const PALETTE_SAMPLES = 8192;

/** About `count` pixels of a packed RGB image, taken at a fixed stride. */
function everyNthPixel(rgb: Buffer, count: number): Buffer {
  const pixels = rgb.length / 3;
  const step = Math.max(1, Math.floor(pixels / count));
  const sample = Buffer.allocUnsafe(Math.ceil(pixels / step) * 3);
  for (let p = 0, o = 0; p < pixels; p += step, o += 3) rgb.copy(sample, o, p * 3, p * 3 + 3);
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
 * @throws CartoonError subclasses for bad input or options, each with an HTTP status
 * @example
 * ```ts
 * const photo = await fs.readFile('cat.jpg');
 * const { data, contentType, timings } = await cartoonize(photo, { style: 'comic', maxSide: 800 });
 * await fs.writeFile('cat-comic.jpg', data);
 * ```
 */
export async function cartoonize(
  input: ImageInput,
  options: CartoonOptions | Record<string, unknown> = {},
  limits: CartoonLimits = DEFAULT_LIMITS,
): Promise<CartoonResult> {
  try {
    return await draw(input, options, limits);
  } catch (err) {
    // Whatever a stage throws reaches the caller as a CartoonError with an HTTP status.
    throw toCartoonError(err);
  }
}

async function draw(
  input: ImageInput,
  options: CartoonOptions | Record<string, unknown>,
  limits: CartoonLimits,
): Promise<CartoonResult> {
  const resolved = resolveOptions(options);
  const timings = {} as Record<Stage, number>;
  let last = performance.now();
  const mark = (stage: Stage) => {
    const now = performance.now();
    timings[stage] = Math.round((now - last) * 100) / 100;
    last = now;
  };

  const bytes = await readInput(input, limits.maxBytes);
  mark('read');
  const probe = await probeImage(bytes, limits.maxPixels);
  mark('probe');

  const output = fitInside(probe.width, probe.height, resolved.maxSide);
  const inkSize = inkSizeFor(output);
  const keepAlpha = probe.hasAlpha && resolved.format !== 'jpeg';
  const decoded = await decode(bytes, probe, inkSize, limits.maxPixels, keepAlpha);
  mark('decode');

  const alpha = decoded.alpha ? resizeRaw(decoded.alpha, inkSize, 1, output) : undefined;
  alpha?.catch(() => undefined); // awaited below; this only stops an early failure going unhandled
  const { colour, palette, ink } = await analyse(decoded.rgb, inkSize, resolved);
  mark('analyse');

  // The flat colours are painted while libvips finishes the outlines' blurs.
  const painting = Painting.fill(colour, output, palette, resolved);
  let encoded: Awaited<ReturnType<typeof encodeImage>>;
  try {
    painting.layInk({ pixels: await ink, size: inkSize }, resolved);
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
  /** Outline coverage (0–255) at the ink size, still being finished on libvips' threads. */
  readonly ink: Promise<Buffer>;
}

/** The size outlines are found at for an output size (see `INK_FULL_SIDE`). */
function inkSizeFor(output: Size): Size {
  const long = Math.max(output.width, output.height);
  if (long <= INK_FULL_SIDE) return output;
  return fitInside(output.width, output.height, Math.max(INK_FULL_SIDE, Math.ceil(long / 2)));
}

/**
 * Softened colour, palette and outline mask, from the photo at the ink size. libvips softens
 * the colour first, on its own threads; then it makes the grey image while this thread
 * chooses the palette, and blurs for the outlines while the caller paints.
 */
async function analyse(rgb: Buffer, size: Size, options: ResolvedOptions): Promise<Analysis> {
  const colourSize = fitInside(size.width, size.height, COLOUR_SIDE);
  const long = Math.max(colourSize.width, colourSize.height);
  // Smoothing is specified in pixels of a 512 px image, so the look does not depend on size.
  const sigma = Math.max(0.3, (options.smoothing * long) / 512);
  let pipeline = sharp(rgb, { raw: { ...size, channels: 3 } });
  if (colourSize.width !== size.width || colourSize.height !== size.height)
    pipeline = pipeline.resize(colourSize.width, colourSize.height, { fit: 'fill' });
  const colour = await pipeline.blur(sigma).raw().toBuffer();
  const grey = greyscale(rgb, size);
  grey.catch(() => undefined); // awaited below; this only stops an early failure going unhandled
  // The softened colour is what gets quantised, so the palette is chosen from it too.
  const palette = choosePalette(everyNthPixel(colour, PALETTE_SAMPLES), options.colours);
  const ink = outlines(await grey, size, options.edgeThickness);
  ink.catch(() => undefined); // awaited by the caller; this only stops an early failure going unhandled
  return { colour: { pixels: colour, size: colourSize }, palette, ink };
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
