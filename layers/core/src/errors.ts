/**
 * One error hierarchy for every adapter. Each error carries the HTTP status a client should
 * see and whether its message is safe to show (`expose`), in the manner of middy's HttpError.
 * Adapters turn any of these into `{ "error": { "code", "message" } }`.
 */
export abstract class CartoonError extends Error {
  /** HTTP status code an adapter answers with. */
  abstract readonly statusCode: number;
  /** Machine-readable code, stable across releases. */
  abstract readonly code: string;
  /** Whether `message` may be shown to a client. */
  readonly expose: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The bytes are not an image type we accept (SVG, PDF, text, random bytes...). 415. */
export class UnsupportedMediaTypeError extends CartoonError {
  readonly statusCode = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** The bytes claim to be a supported image but cannot be decoded (truncated, corrupt). 400. */
export class InvalidImageError extends CartoonError {
  readonly statusCode = 400;
  readonly code = 'INVALID_IMAGE';
}

/** The request body is larger than this entry point accepts. 413. */
export class PayloadTooLargeError extends CartoonError {
  readonly statusCode = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** A valid image we will not process: more pixels than the configured limit. 422. */
export class ImageTooLargeError extends CartoonError {
  readonly statusCode = 422;
  readonly code = 'IMAGE_TOO_LARGE';
}

/**
 * A valid image too small to cartoonize: a side shorter than `MIN_SIDE` (see input.ts). 422.
 */
export class ImageTooSmallError extends CartoonError {
  readonly statusCode = 422;
  readonly code = 'IMAGE_TOO_SMALL';
}

/** An option is missing, of the wrong type or out of range. 400. */
export class InvalidOptionError extends CartoonError {
  readonly statusCode = 400;
  readonly code = 'INVALID_OPTION';
}

/** A request that is malformed apart from its image: bad JSON, a missing field, a bad id. 400. */
export class BadRequestError extends CartoonError {
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
}

/** A known route asked with a method it does not answer. 405. */
export class MethodNotAllowedError extends CartoonError {
  readonly statusCode = 405;
  readonly code = 'METHOD_NOT_ALLOWED';
}

/** A stored object (an upload, a result) does not exist. 404. */
export class NotFoundError extends CartoonError {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
}

/**
 * The caller's deadline passed (its `AbortSignal` fired) before the image was done: the work
 * stopped at the next stage. On Lambda Managed Instances a timed-out invocation is not
 * stopped by Lambda, so without this it would go on using the CPU the environment's other
 * invocations share (AWS Lambda developer guide, "Understanding the Lambda Managed Instances
 * execution environment", read 2026-12). 504.
 */
export class TimedOutError extends CartoonError {
  readonly statusCode = 504;
  readonly code = 'TIMED_OUT';
}

/** Anything unexpected. The message shown to clients is generic; the cause stays in logs. 500. */
export class InternalError extends CartoonError {
  readonly statusCode = 500;
  readonly code = 'INTERNAL_ERROR';
  override readonly expose = false;

  constructor(options?: { cause?: unknown }) {
    super('Internal error', options);
  }
}

/**
 * How sharp and libvips say that an image could not be read, mapped to what that means for the
 * client. Kept in one place so that every adapter reports the same status for the same input.
 * Each pattern is anchored to the start of a line (libvips joins the messages of nested
 * failures with newlines) and was seen with sharp 0.35 / libvips 8.18;
 * test/unit/rejected-input.test.ts holds a real example of each.
 */

/** sharp: width × height from the header is over `limitInputPixels`. */
const PIXEL_LIMIT_PATTERN = /^Input image exceeds pixel limit/m;

/** sharp: no libvips loader recognises the first bytes (text, PDF, BMP, random bytes). */
const UNSUPPORTED_PATTERN = /^Input (?:buffer|file) contains unsupported image format/m;

/** sharp: a loader recognised the signature but could not parse the header (cut short, mangled). */
const CORRUPT_HEADER_PATTERN = /^Input (?:buffer|file) has corrupt header/m;

/**
 * A message in the error domain of a libvips loader for a format we accept means that the
 * decoder refused the bytes:
 * - `VipsJpeg` (libjpeg): "premature end of JPEG image" (truncated), "Bogus Huffman table definition"
 * - `vipspng` (libpng): "libpng read error" (truncated, bad CRC)
 * - `webp2vips` (libwebp): "unable to read pixels"
 * - `gifload_buffer`, `gifload_source`: "Invalid frame data"
 * - `tiff2vips` (libtiff and its JPEG codec): "Quantization table 0x01 was not defined"
 * - `heif` (libheif, AVIF): "Invalid input: Unexpected end of file"
 * - `source: bad seek`: libvips was sent past the end of the bytes (truncated AVIF)
 */
const DECODER_PATTERN =
  /^(?:(?:VipsJpeg|vipspng|webp2vips|gifload_(?:buffer|source)|tiff2vips|heif): |source: bad seek)/m;

/** ...except running out of memory, which is our failure, not the input's. */
const OUT_OF_MEMORY_PATTERN =
  /out of memory|insufficient memory|(?:unable|cannot|failed) to allocate/i;

/**
 * Turns anything thrown while reading or decoding an image into a {@link CartoonError}.
 * Errors that already belong to the hierarchy pass through untouched; anything not
 * recognised as bad input becomes an {@link InternalError} that keeps the original as `cause`.
 *
 * @example
 * ```ts
 * try { await sharp(bytes).raw().toBuffer(); }
 * catch (err) { throw toCartoonError(err); }
 * ```
 */
export function toCartoonError(err: unknown): CartoonError {
  if (err instanceof CartoonError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (PIXEL_LIMIT_PATTERN.test(message)) {
    return new ImageTooLargeError('Image has more pixels than this service processes', {
      cause: err,
    });
  }
  if (UNSUPPORTED_PATTERN.test(message)) {
    return new UnsupportedMediaTypeError('Unsupported image type', { cause: err });
  }
  if (OUT_OF_MEMORY_PATTERN.test(message)) return new InternalError({ cause: err });
  if (CORRUPT_HEADER_PATTERN.test(message) || DECODER_PATTERN.test(message)) {
    return new InvalidImageError('Image data is truncated or corrupt', { cause: err });
  }
  return new InternalError({ cause: err });
}
