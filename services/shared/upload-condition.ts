/**
 * The header that makes an upload URL single-use. It lives apart from the presigner so that
 * the HTTP contract can tell clients about it without loading the AWS SDK (the API loads the
 * presigner only when a request first needs it).
 */

/**
 * S3 conditional writes: without this header a presigned PUT may be used any number of times
 * until it expires, each use replacing the object and firing another notification (another
 * processing run). With `If-None-Match: *` signed into the URL, S3 writes the key only if it
 * does not exist yet: a second PUT gets 412 PreconditionFailed, one racing the first may get
 * 409 ConditionalRequestConflict, and neither stores anything or notifies.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html ("You can use
 * the presigned URL multiple times, up to the expiration date and time"), checked 2026-12.
 *
 * @example
 * ```ts
 * await fetch(url, { method: 'PUT', headers: { ...UPLOAD_CONDITION, 'content-type': type }, body });
 * ```
 */
export const UPLOAD_CONDITION: Readonly<Record<string, string>> = { 'if-none-match': '*' };
