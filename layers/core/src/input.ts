import type { Readable } from 'node:stream';
import sharp from 'sharp';
import {
  ImageTooLargeError,
  InvalidImageError,
  PayloadTooLargeError,
  toCartoonError,
  UnsupportedMediaTypeError,
} from './errors';

/** What `cartoonize` accepts as input. */
export type ImageInput = Buffer | Uint8Array | Readable;

/** The image types we decode, named as `sharp().metadata().format` reports them. */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

/** The `Content-Type`s an HTTP entry point accepts (the bytes are still checked). */
export const ACCEPTED_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
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
    return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
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
 * Identifies an image from its bytes (never from a name or a declared type) and checks its
 * declared dimensions against `maxPixels` before anything is decoded, so that a
 * decompression bomb is refused from its header alone.
 */
export async function probeImage(bytes: Buffer, maxPixels: number): Promise<ProbedImage> {
  if (bytes.length === 0) throw new InvalidImageError('Image is empty');
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (err) {
    const mapped = toCartoonError(err);
    // A header sharp cannot recognise at all is "not an image type we accept".
    throw mapped instanceof InvalidImageError || mapped instanceof UnsupportedMediaTypeError
      ? new UnsupportedMediaTypeError(unsupportedMessage(), { cause: err })
      : mapped;
  }
  const format = acceptedFormat(metadata);
  if (format === undefined) {
    throw new UnsupportedMediaTypeError(unsupportedMessage());
  }
  const { width, height } = metadata;
  if (!width || !height) throw new InvalidImageError('Image has no dimensions');
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(
      `Image is ${width}x${height} (${width * height} pixels); the limit is ${maxPixels} pixels`,
    );
  }
  const rotated = (metadata.orientation ?? 1) >= 5;
  return {
    format,
    width: rotated ? height : width,
    height: rotated ? width : height,
    hasAlpha: metadata.hasAlpha === true,
  };
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

function unsupportedMessage(): string {
  return `Unsupported image type; send one of ${ACCEPTED_FORMATS.join(', ')}`;
}
