/**
 * Checks a presigned (SigV4 query-string) request as S3 does, so that what a presigned URL
 * binds (method, bucket and key, query, signed headers such as `content-type`,
 * `content-length` and `if-none-match`, and its expiry) is enforced locally rather than only
 * read from the URL. fauxqs itself accepts any signature.
 *
 * The signature is recomputed with the SDK's own presigner (the code that made the URL), from
 * the request as it arrived: its path and query as sent, and the values of the headers it
 * names as signed. Requests signed in the `Authorization` header (SDK clients, the AWS CLI)
 * and unsigned ones are left to fauxqs.
 *
 * S3's rules: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 * (checked 2026-12).
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { S3Refusal } from './s3-error';

export interface PresignedAuthOptions {
  /** The only key pair the endpoint knows (endpoints.json's `s3` credentials). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

/** What the check needs of a request: Node's `IncomingMessage` fits. */
export interface PresignedRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** SigV4 presigned URLs live at most 7 days (X-Amz-Expires ≤ 604800). */
const MAX_EXPIRES_SECONDS = 604_800;
const REQUIRED = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
] as const;

/** The payload hash of a presigned S3 request: never the body's. */
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';

/** Whether the request carries a query-string signature at all. */
export function isPresigned(url: string | undefined): boolean {
  return /[?&]X-Amz-Signature=/.test(url ?? '');
}

/**
 * A checker for presigned requests: resolves to undefined when the request may proceed (valid,
 * or not presigned), or to S3's refusal.
 *
 * @example
 * ```ts
 * const check = presignedAuth({ credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
 *   region: 'us-east-1' });
 * const refusal = await check(req);
 * if (refusal) sendS3Error(res, refusal);
 * ```
 */
export function presignedAuth(
  options: PresignedAuthOptions,
): (req: PresignedRequest) => Promise<S3Refusal | undefined> {
  const presigner = new S3RequestPresigner({
    credentials: options.credentials,
    region: options.region,
    sha256: NodeSha256,
  });
  const now = options.now ?? (() => new Date());
  return async (req) => {
    const url = req.url ?? '/';
    if (!isPresigned(url)) return undefined;
    const queryStart = url.indexOf('?');
    const path = url.slice(0, queryStart);
    const query = parseQuery(url.slice(queryStart + 1));
    const params = Object.fromEntries(REQUIRED.map((name) => [name, single(query[name])]));
    if (REQUIRED.some((name) => params[name] === undefined)) {
      return parametersError(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const given = params as Record<(typeof REQUIRED)[number], string>;
    if (given['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') {
      return parametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    }
    const [accessKeyId = '', day = '', region = '', service = '', terminal = ''] =
      given['X-Amz-Credential'].split('/');
    const signedAt = parseAmzDate(given['X-Amz-Date']);
    if (signedAt === undefined) {
      return parametersError(
        `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
      );
    }
    if (
      service !== 's3' ||
      terminal !== 'aws4_request' ||
      day !== given['X-Amz-Date'].slice(0, 8)
    ) {
      return parametersError(
        `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
      );
    }
    if (region !== options.region) {
      return parametersError(
        `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${options.region}'`,
        { Region: options.region },
      );
    }
    const expires = Number(given['X-Amz-Expires']);
    if (!Number.isInteger(expires) || expires < 0) {
      return parametersError('X-Amz-Expires should be a number');
    }
    if (expires > MAX_EXPIRES_SECONDS) {
      return parametersError(
        `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_EXPIRES_SECONDS}`,
      );
    }
    if (accessKeyId !== options.credentials.accessKeyId) {
      return {
        status: 403,
        code: 'InvalidAccessKeyId',
        message: 'The AWS Access Key Id you provided does not exist in our records.',
        details: { AWSAccessKeyId: accessKeyId },
      };
    }
    const expiresAt = new Date(signedAt.getTime() + expires * 1000);
    const serverTime = now();
    if (serverTime.getTime() > expiresAt.getTime()) {
      return {
        status: 403,
        code: 'AccessDenied',
        message: 'Request has expired',
        details: {
          'X-Amz-Expires': String(expires),
          Expires: isoSeconds(expiresAt),
          ServerTime: isoSeconds(serverTime),
        },
      };
    }
    const signed = given['X-Amz-SignedHeaders'].split(';');
    const unsigned = Object.keys(req.headers).filter(
      (name) => name.toLowerCase().startsWith('x-amz-') && !signed.includes(name.toLowerCase()),
    );
    if (unsigned.length > 0) {
      return {
        status: 403,
        code: 'AccessDenied',
        message: 'There were headers present in the request which were not signed',
        details: { HeadersNotSigned: unsigned.join(', ') },
      };
    }
    const expected = await signatureFor(presigner, {
      method: req.method ?? 'GET',
      path,
      query,
      headers: req.headers,
      signed,
      signedAt,
      expires,
      region,
    });
    const provided = given['X-Amz-Signature'];
    if (!sameText(expected, provided)) {
      return {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        details: { AWSAccessKeyId: accessKeyId, SignatureProvided: provided },
      };
    }
    return undefined;
  };
}

/** The signature the SDK computes for this request as it arrived. */
async function signatureFor(
  presigner: S3RequestPresigner,
  request: {
    method: string;
    path: string;
    query: Record<string, string | string[]>;
    headers: PresignedRequest['headers'];
    signed: readonly string[];
    signedAt: Date;
    expires: number;
    region: string;
  },
): Promise<string> {
  const { 'X-Amz-Signature': _signature, ...query } = request.query;
  const headers: Record<string, string> = {};
  for (const name of request.signed) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The presigner adds `X-Amz-Content-Sha256: UNSIGNED-PAYLOAD` to every request and would
  // move it into the query; the URL already carries its own copy (or none), so keep the
  // presigner's as a header that is not signed: it only sets the payload hash.
  const keepAsHeader = new Set([PAYLOAD_HASH_HEADER, ...Object.keys(headers)]);
  const toSign: Parameters<S3RequestPresigner['presign']>[0] = {
    method: request.method,
    protocol: 'http:',
    hostname: 'local',
    path: request.path,
    query,
    headers,
  };
  const presigned = await presigner.presign(toSign, {
    signingDate: request.signedAt,
    expiresIn: request.expires,
    signingRegion: request.region,
    signingService: 's3',
    signableHeaders: new Set(request.signed),
    unsignableHeaders: new Set(
      request.signed.includes(PAYLOAD_HASH_HEADER) ? [] : [PAYLOAD_HASH_HEADER],
    ),
    unhoistableHeaders: keepAsHeader,
  });
  return single(presigned.query?.['X-Amz-Signature']) ?? '';
}

/** `a=1&b=%2F` → `{ a: '1', b: '/' }`; `+` stays `+` (SigV4 encodes a space as %20). */
function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = safeDecode(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? '' : safeDecode(part.slice(equals + 1));
    const before = query[name];
    query[name] = before === undefined ? value : [...[before].flat(), value];
  }
  return query;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function single(value: string | string[] | null | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parametersError(message: string, details?: Record<string, string>): S3Refusal {
  return {
    status: 400,
    code: 'AuthorizationQueryParametersError',
    message,
    ...(details ? { details } : {}),
  };
}

/** `20261208T021047Z` → its Date, or undefined when it is not that shape. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, ...number[]];
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** S3 writes times in these errors without milliseconds: `2026-12-08T02:15:47Z`. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The SDK's hash interface (`Checksum`), on node:crypto: a SHA-256, or an HMAC with a key. */
class NodeSha256 {
  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = toKey(secret);
    this.hash = this.fresh();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function toKey(secret: string | ArrayBuffer | ArrayBufferView | undefined) {
  return secret === undefined || typeof secret === 'string' ? secret : toBytes(secret);
}
