import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { UPLOAD_CONDITION } from './upload-condition';

/** Short-lived URLs for clients to move image bytes to and from the bucket directly. */
export interface Presigner {
  /**
   * A PUT URL bound to one key, one content type, one exact length and the metadata, and
   * usable once: S3 refuses a request whose `Content-Type`, `Content-Length`, `x-amz-meta-*`
   * or `If-None-Match` headers differ from the signed ones, and with `If-None-Match: *` signed
   * in it answers a PUT to a key that already exists with 412 PreconditionFailed. The client
   * must send the header of `UPLOAD_CONDITION` (upload-condition.ts) too.
   */
  uploadUrl(upload: {
    key: string;
    contentType: string;
    contentLength: number;
    metadata: Record<string, string>;
    ttlSeconds: number;
  }): Promise<string>;
  downloadUrl(key: string, ttlSeconds: number): Promise<string>;
}

/**
 * Presigns with the SDK, from the function's own credentials.
 *
 * @example
 * ```ts
 * const presigner = s3Presigner(client, 'my-bucket');
 * const url = await presigner.downloadUrl('cartoons/x.jpg', 300);
 * ```
 */
export function s3Presigner(client: S3Client, bucket: string): Presigner {
  return {
    uploadUrl: ({ key, contentType, contentLength, metadata, ttlSeconds }) =>
      getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          ContentType: contentType,
          ContentLength: contentLength,
          Metadata: metadata,
          // Not an x-amz- header, so the presigner leaves it a header and signs it: the client
          // must send it, and cannot drop it to overwrite the upload.
          IfNoneMatch: UPLOAD_CONDITION['if-none-match'],
        }),
        {
          expiresIn: ttlSeconds,
          // Signed headers the client must send exactly as they are. The style metadata is one
          // of them rather than a query parameter, so every S3-compatible store keeps it.
          signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']),
          unhoistableHeaders: new Set(Object.keys(metadata).map((name) => `x-amz-meta-${name}`)),
        },
      ),
    downloadUrl: (key, ttlSeconds) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: ttlSeconds,
      }),
  };
}
