/**
 * S3's error answers, as the local S3 endpoint gives them when it refuses a request itself
 * (signature, expiry, conditional writes) before fauxqs sees it: the status and the XML body
 * S3 documents, so SDKs and browsers parse the same `Code` they would get from AWS.
 *
 * Codes, statuses and messages: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 * (checked 2026-12).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A refusal: S3's status and code, its message, and the extra elements S3 adds for it. */
export interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Extra child elements of `<Error>`, in order (e.g. `Condition`, `X-Amz-Expires`). */
  readonly details?: Readonly<Record<string, string>>;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/**
 * S3's `<Error>` document for a refusal.
 *
 * @example
 * ```ts
 * s3ErrorXml({ status: 412, code: 'PreconditionFailed', message: '…',
 *   details: { Condition: 'If-None-Match' } }, 'REQ1');
 * ```
 */
export function s3ErrorXml(refusal: S3Refusal, requestId: string): string {
  const details = Object.entries(refusal.details ?? {})
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(refusal.code)}</Code><Message>${escapeXml(refusal.message)}</Message>${details}<RequestId>${requestId}</RequestId><HostId>local</HostId></Error>`;
}

/**
 * Answers `res` with the refusal, as S3 does: XML body, `x-amz-request-id`. Headers already set
 * on `res` (CORS) are kept, so a browser can read the error too.
 *
 * @example
 * ```ts
 * sendS3Error(res, { status: 403, code: 'AccessDenied', message: 'Request has expired' });
 * ```
 */
export function sendS3Error(res: ServerResponse, refusal: S3Refusal): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = s3ErrorXml(refusal, requestId);
  res.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}
