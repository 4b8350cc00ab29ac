import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { toCartoonError } from './errors';
import { inkMask } from './ink';
import { type ImageInput, openImage, type ProbedImage, probeImage, readInput } from './input';
import {
  type CartoonOptions,
  type OutputFormat,
  type ResolvedOptions,
  resolveOptions,
} from './options';
import { encodeImage } from './output';
import { type Fields, paint } from './paint';
import { choosePalette } from './palette';
import { fitInside, renderSize, type Size } from './size';

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
 * Colours and outlines are found on an image no larger than this, where libvips' median and
 * blurs are cheap. Both are smooth fields, scaled up to the render size before quantising,
 * so region borders and lines stay crisp.
 */
export const ANALYSIS_SIDE = 512;

/**
 * The cartoon is painted at no more than this long side. A larger output is painted at
 * 1/2 (1/3, ...) of its size and scaled up by pixel replication, which libvips does for a
 * fraction of the cost of interpolation. Measured with `npm run bench` on 2026-11-28, a
 * 2048 px result from a 4 MP photo: painted at 1024 px and interpolated up, 2.5x a plain
 * resize; at 768 px and interpolated, 2.1x; at 1024 px and replicated, 1.6–1.8x.
 */
export const RENDER_SIDE = 1024;

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
  const { size: render, factor } = renderSize(output, RENDER_SIDE);
  const { size: analysisSize, factor: analysisFactor } = analysisSizeFor(render);
  const keepAlpha = probe.hasAlpha && resolved.format !== 'jpeg';
  const decoded = await decode(bytes, probe, analysisSize, limits.maxPixels, keepAlpha);
  mark('decode');

  const [analysis, alpha] = await Promise.all([
    analyse(decoded.rgb, analysisSize, analysisFactor, render, resolved),
    decoded.alpha ? resizeRaw(decoded.alpha, analysisSize, 1, render) : undefined,
  ]);
  mark('analyse');

  const painted = paint(analysis.fields, analysis.palette, resolved, alpha);
  mark('paint');

  const encoded = await encodeImage(painted, render, alpha ? 4 : 3, { output, factor }, resolved);
  mark('encode');

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

export interface Analysis {
  /** Softened colour and ink coverage, at the render size. */
  readonly fields: Fields;
  /** Palette chosen from the photo, before the style's saturation is applied. */
  readonly palette: Uint8Array;
}

/**
 * The analysis size for a render size: half of it (or a third...) when the render size is at
 * least twice `ANALYSIS_SIDE`, so the colour field scales up by pixel replication; otherwise
 * the largest size within `ANALYSIS_SIDE`, scaled up by interpolation.
 */
function analysisSizeFor(render: Size): { size: Size; factor: number } {
  const factor = Math.floor(Math.max(render.width, render.height) / ANALYSIS_SIDE);
  if (factor < 2) return { size: fitInside(render.width, render.height, ANALYSIS_SIDE), factor: 1 };
  return {
    size: { width: Math.ceil(render.width / factor), height: Math.ceil(render.height / factor) },
    factor,
  };
}

/**
 * Softened colour, outline mask and palette. The libvips work runs at the analysis size;
 * colour and ink are smooth fields, so scaling them to the render size loses nothing.
 */
async function analyse(
  rgb: Buffer,
  size: Size,
  factor: number,
  render: Size,
  options: ResolvedOptions,
): Promise<Analysis> {
  const raw = { raw: { width: size.width, height: size.height, channels: 3 as const } };
  // Smoothing is specified in analysis pixels; libvips blurs after it resizes, at render size.
  const sigma = Math.max(
    0.3,
    (options.smoothing * Math.max(render.width, render.height)) / ANALYSIS_SIDE,
  );
  // The blur smooths away the steps of pixel replication, the cheaper way up when it fits.
  const scaled =
    factor > 1
      ? sharp(rgb, raw)
          .resize(size.width * factor, size.height * factor, { kernel: 'nearest' })
          .extract({ left: 0, top: 0, ...render })
      : sharp(rgb, raw).resize(render.width, render.height, { fit: 'fill', kernel: 'linear' });
  const [colour, ink] = await Promise.all([
    scaled.blur(sigma).raw().toBuffer(),
    inkMask(rgb, size, options.edgeThickness).then((mask) => resizeRaw(mask, size, 1, render)),
  ]);
  // The softened colour is what gets quantised, so the palette is chosen from it too.
  const palette = choosePalette(everyNthPixel(colour, PALETTE_SAMPLES), options.colours);
  return { fields: { colour, ink }, palette };
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
