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

/** An option is missing, of the wrong type or out of range. 400. */
export class InvalidOptionError extends CartoonError {
  readonly statusCode = 400;
  readonly code = 'INVALID_OPTION';
}

/** A stored object (an upload, a result) does not exist. 404. */
export class NotFoundError extends CartoonError {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
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
 * libvips and sharp failure messages that mean "the input is broken", not "we are broken".
 * Matched case-insensitively against the message of an error thrown while decoding.
 * Kept in one place so that every adapter reports the same status for the same input.
 */
const UNDECODABLE_PATTERNS: readonly RegExp[] = [
  /premature end/i,
  /truncated/i,
  /corrupt/i,
  /bad (?:huffman|crc|adler|marker|header|image)/i,
  /crc error/i,
  /not a (?:jpeg|png|gif|webp|tiff)/i,
  /invalid (?:jpeg|png|gif|webp|tiff|image|data)/i,
  /read error/i,
  /decode/i,
  /out of order|unexpected end|incorrect header|unable to (?:read|load)/i,
  /libpng error|jpeg|webp|heif|gifload|tiff2vips|tiffload|vipsload/i,
];

const UNSUPPORTED_PATTERN = /unsupported image format/i;
const PIXEL_LIMIT_PATTERN = /exceeds pixel limit/i;

/**
 * Turns anything thrown while reading or decoding an image into a {@link CartoonError}.
 * Errors that already belong to the hierarchy pass through untouched.
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
  if (UNDECODABLE_PATTERNS.some((pattern) => pattern.test(message))) {
    return new InvalidImageError('Image data is truncated or corrupt', { cause: err });
  }
  return new InternalError({ cause: err });
}
