/**
 * Words for what a variant answered: the page shows these instead of bare status codes.
 * No DOM here, so the unit tests run it directly.
 */

/** What each status of the contract means to the person who sent the photo. */
const MEANING: Readonly<Record<number, string>> = {
  400: 'The request was not understood (an option may be out of range).',
  404: 'This variant does not know that address.',
  413: 'The photo is too large for this variant to take directly.',
  415: 'That file is not a photo this service reads (JPEG, PNG, WebP, AVIF, GIF, TIFF or HEIC).',
  422: 'The photo could not be read or is too big in pixels to cartoonize.',
  429: 'Too many requests right now: wait a moment and try again.',
  500: 'The variant failed on this photo.',
  502: 'The variant gave a broken answer.',
  503: 'The variant is busy or starting up: try again in a moment.',
  504: 'The variant took too long to answer.',
};

/**
 * A sentence for an error answer, with the service's own message after it when there is one.
 *
 * @example
 * ```ts
 * describeError(415, '{"error":{"code":"UnsupportedMediaType","message":"..."}}');
 * ```
 */
export function describeError(status: number, body: string): string {
  const meaning = MEANING[status] ?? `The variant answered ${status}.`;
  const detail = errorMessage(body);
  return detail === undefined ? `${meaning} (${status})` : `${meaning} (${status}: ${detail})`;
}

/** The message of `{error:{message}}` (the contract) or `{message}` (API Gateway's own). */
function errorMessage(body: string): string | undefined {
  try {
    const value = JSON.parse(body) as { error?: { message?: unknown }; message?: unknown };
    const message = value.error?.message ?? value.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** What S3's refusals of a presigned upload mean to the person who sent the photo. */
const UPLOAD_MEANING: Readonly<Record<string, string>> = {
  PreconditionFailed: 'This upload link was already used: each link takes one photo.',
  ConditionalRequestConflict: 'This upload link is being used by another upload right now.',
  SignatureDoesNotMatch:
    'The storage refused the photo: it is not the type or size that was announced.',
  AccessDenied: 'The storage refused the upload.',
};

/**
 * A sentence for a refused PUT to a presigned upload URL. S3 answers with XML
 * (`<Error><Code>…</Code><Message>…</Message></Error>`), not the contract's JSON.
 *
 * @example
 * ```ts
 * describeUploadError(412, '<Error><Code>PreconditionFailed</Code><Message>…</Message></Error>');
 * ```
 */
export function describeUploadError(status: number, body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code === 'AccessDenied' && message === 'Request has expired') {
    return `The upload link expired before the photo was sent: try again. (${status}: ${message})`;
  }
  const meaning = (code && UPLOAD_MEANING[code]) ?? `The storage answered ${status}.`;
  return code === undefined ? `${meaning} (${status})` : `${meaning} (${status}: ${code})`;
}

export interface TimingEntry {
  readonly name: string;
  readonly ms: number;
}

/**
 * Parses a Server-Timing header (`decode;dur=12, cartoon;dur=80`).
 *
 * @example
 * ```ts
 * parseServerTiming('decode;dur=12, encode;dur=3'); // [{name:'decode',ms:12},{name:'encode',ms:3}]
 * ```
 */
export function parseServerTiming(header: string | null): TimingEntry[] {
  if (!header) return [];
  return header.split(',').flatMap((part) => {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (!name || dur === undefined) return [];
    const ms = Number(dur.slice(4));
    return Number.isFinite(ms) ? [{ name: name.trim(), ms }] : [];
  });
}

/** Above this a photo goes through POST /uploads (the services' LAMBDA_SYNC_RAW_BYTES: Lambda's 6 MB, less base64). */
export const SYNC_LIMIT_BYTES = 4_500_000;

/**
 * Which path a photo of `bytes` takes.
 *
 * @example
 * ```ts
 * pathFor(5_000_000); // 'upload'
 * ```
 */
export function pathFor(bytes: number, limit = SYNC_LIMIT_BYTES): 'direct' | 'upload' {
  return bytes > limit ? 'upload' : 'direct';
}
