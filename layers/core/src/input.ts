import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import {
  ImageTooLargeError,
  ImageTooSmallError,
  InvalidImageError,
  PayloadTooLargeError,
  toCartoonError,
  UnsupportedMediaTypeError,
} from './errors';
import { decodeHeic, heifKind, readHeifHeader } from './heic';
import { ownVipsError } from './vips-errors';

/** What `cartoonize` accepts as input. */
export type ImageInput = Buffer | Uint8Array | Readable;

/**
 * The image types we decode, named as `sharp().metadata().format` reports them, except HEIC
 * (HEIF with HEVC-coded pixels, as phones write), which libvips calls `heif` and cannot decode
 * here; heic.ts does.
 */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heic'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

/** The `Content-Type`s an HTTP entry point accepts (the bytes are still checked). */
export const ACCEPTED_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'image/heic',
  'image/heif',
  'application/octet-stream',
] as const;

export interface ProbedImage {
  readonly format: AcceptedFormat;
  /** Width and height after EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  readonly hasAlpha: boolean;
}

/**
 * Reads a Buffer or stream into memory, refusing more than `maxBytes`.
 *
 * @example
 * ```ts
 * const bytes = await readInput(fs.createReadStream('photo.jpg'), 25 * 1024 * 1024);
 * ```
 */
export async function readInput(input: ImageInput, maxBytes: number): Promise<Buffer> {
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tooManyBytes(maxBytes);
    return Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.length);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > maxBytes) {
      input.destroy();
      throw tooManyBytes(maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooManyBytes(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Image is larger than ${maxBytes} bytes`);
}

/**
 * The shortest side we cartoonize. A 1×1 image is valid, but there is nothing to draw on it:
 * outlines and flat regions need room, and the analysis filters need a few pixels on each
 * side. 16 is also the smallest `maxSide` a caller may ask for. Smaller images are refused
 * with {@link ImageTooSmallError} (422) rather than turned into a meaningless cartoon.
 */
export const MIN_SIDE = 16;

/**
 * Identifies an image from its bytes (never from a name or a declared type) and checks its
 * declared dimensions against `maxPixels` and {@link MIN_SIDE} before anything is decoded, so
 * that a decompression bomb is refused from its header alone.
 *
 * - Not an image type libvips knows (text, PDF, random bytes): {@link UnsupportedMediaTypeError}.
 * - A type libvips reads but we do not accept (SVG): {@link UnsupportedMediaTypeError}.
 * - HEIC is read by heic.ts from its boxes, the same checks applied to the primary image.
 * - The signature of a type we accept, but a header that cannot be parsed, or (interlaced
 *   PNG) chunks that are cut short or fail their CRC: {@link InvalidImageError}.
 * - Too many pixels, or too few: {@link ImageTooLargeError}, {@link ImageTooSmallError}.
 */
export async function probeImage(bytes: Buffer, maxPixels: number): Promise<ProbedImage> {
  if (bytes.length === 0) throw new InvalidImageError('Image is empty');
  const heif = heifKind(bytes);
  if (heif === 'hevc' || heif === 'heif') {
    const header = readHeifHeader(bytes);
    if (header.hevc) {
      checkSize(header.width, header.height, maxPixels);
      // Tiles, thumbnails and alpha planes are decoded at their own declared sizes too.
      if (header.largestItemPixels > maxPixels) {
        throw new ImageTooLargeError(
          `Image holds a picture of ${header.largestItemPixels} pixels; the limit is ${maxPixels} pixels`,
        );
      }
      return {
        format: 'heic',
        width: header.width,
        height: header.height,
        hasAlpha: header.hasAlpha,
      };
    }
    // A HEIF brand with AV1 inside is AVIF, which libvips decodes; anything else is refused.
    if (header.itemType !== 'av01') {
      throw new UnsupportedMediaTypeError(
        `HEIF images coded as ${JSON.stringify(header.itemType)} are not supported; send HEIC (HEVC) or AVIF`,
      );
    }
  }
  let metadata: sharp.Metadata;
  try {
    // Only the header is read here, so sharp's own pixel limit is off: the check below
    // refuses large images with a message that states the limit.
    metadata = await ownVipsError(
      () => sharp(bytes, { limitInputPixels: false }).metadata(),
      undefined,
      sniffFormat(bytes),
    );
  } catch (err) {
    const mapped = toCartoonError(err);
    if (!(mapped instanceof InvalidImageError || mapped instanceof UnsupportedMediaTypeError)) {
      throw mapped;
    }
    // A header libvips cannot use is "corrupt" when the bytes carry the signature of a type we
    // accept (a JPEG cut after 100 bytes, a TIFF that lost its directory); otherwise it is a
    // type we do not accept, however mangled (text, a broken SVG or HEIC).
    throw sniffFormat(bytes) === undefined
      ? new UnsupportedMediaTypeError(unsupportedMessage(), { cause: err })
      : new InvalidImageError('Image data is truncated or corrupt', { cause: err });
  }
  const format = acceptedFormat(metadata);
  if (format === undefined) {
    throw new UnsupportedMediaTypeError(unsupportedMessage());
  }
  const { width, height } = metadata;
  if (!width || !height) throw new InvalidImageError('Image has no dimensions');
  checkSize(width, height, maxPixels);
  // libvips decodes an interlaced PNG in one piece and then loses libpng's error (it reports
  // "Unknown error"), so a truncated or corrupt one is caught here from its chunk structure.
  if (format === 'png' && metadata.isProgressive && !pngChunksIntact(bytes)) {
    throw new InvalidImageError('Image data is truncated or corrupt');
  }
  const rotated = (metadata.orientation ?? 1) >= 5;
  return {
    format,
    width: rotated ? height : width,
    height: rotated ? width : height,
    hasAlpha: metadata.hasAlpha === true,
  };
}

/** Too many pixels or too few, from the declared size. */
function checkSize(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(
      `Image is ${width}x${height} (${width * height} pixels); the limit is ${maxPixels} pixels`,
    );
  }
  if (width < MIN_SIDE || height < MIN_SIDE) {
    throw new ImageTooSmallError(
      `Image is ${width}x${height}; both sides must be at least ${MIN_SIDE} pixels`,
    );
  }
}

/**
 * A sharp pipeline that reads the image `probeImage` accepted, to be oriented, resized and
 * converted by the caller. For HEIC, the primary image is decoded here (libheif in
 * WebAssembly) and handed over as 8-bit RGBA, already oriented and without metadata, so the
 * caller's `autoOrient()` finds nothing to do; every other type is decoded by libvips itself,
 * with `limitInputPixels` as a second guard against a header that lied.
 *
 * @example
 * ```ts
 * const probe = await probeImage(bytes, limits.maxPixels);
 * const pipeline = await openImage(bytes, probe, limits.maxPixels);
 * const { data, info } = await pipeline.autoOrient().resize(512).raw().toBuffer({ resolveWithObject: true });
 * ```
 */
export async function openImage(
  bytes: Buffer,
  probe: ProbedImage,
  maxPixels: number,
): Promise<sharp.Sharp> {
  if (probe.format === 'heic') {
    const { data, width, height } = await decodeHeic(bytes, maxPixels);
    const pipeline = sharp(data, { raw: { width, height, channels: 4 } });
    // libheif fills alpha with 255 when there is none; dropping it saves the caller a band.
    return probe.hasAlpha ? pipeline : pipeline.removeAlpha();
  }
  return sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, animated: false });
}

function acceptedFormat(metadata: sharp.Metadata): AcceptedFormat | undefined {
  if (metadata.format === 'heif') {
    // HEIF is a container: AVIF (AV1) is accepted, HEIC (HEVC) is not decodable here.
    return metadata.compression === 'av1' ? 'avif' : undefined;
  }
  return (ACCEPTED_FORMATS as readonly string[]).includes(metadata.format)
    ? (metadata.format as AcceptedFormat)
    : undefined;
}

/**
 * The accepted format whose signature starts `bytes`, if any. Used only when libvips cannot
 * read the header, to tell a corrupt image of a type we accept (400) from another type (415).
 */
function sniffFormat(bytes: Buffer): AcceptedFormat | undefined {
  const ascii = (start: number, end: number) => bytes.toString('latin1', start, end);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  // The ftyp box's brands name AVIF (HEIC never reaches here: probeImage reads it by hand).
  if (heifKind(bytes) === 'avif') return 'avif';
  return undefined;
}

/**
 * Whether every chunk of a PNG lies within the bytes, every critical chunk's CRC matches,
 * and IEND is reached: what libpng checks while decoding.
 */
function pngChunksIntact(png: Buffer): boolean {
  for (let offset = 8; offset + 12 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    const dataEnd = offset + 8 + length;
    if (dataEnd + 4 > png.length) return false;
    const type = png.toString('latin1', offset + 4, offset + 8);
    // Ancillary chunks (lower-case first letter) with a bad CRC are skipped by libpng.
    const critical = ((png[offset + 4] as number) & 0x20) === 0;
    if (critical && crc32(png.subarray(offset + 4, dataEnd)) !== png.readUInt32BE(dataEnd)) {
      return false;
    }
    if (type === 'IEND') return true;
    offset = dataEnd + 4;
  }
  return false;
}

function unsupportedMessage(): string {
  return `Unsupported image type; send one of ${ACCEPTED_FORMATS.join(', ')}`;
}
