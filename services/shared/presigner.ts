import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Short-lived URLs for clients to move image bytes to and from the bucket directly. */
export interface Presigner {
  /**
   * A PUT URL bound to one key, one content type, one exact length and the metadata: S3
   * refuses a request whose `Content-Type`, `Content-Length` or `x-amz-meta-*` headers differ
   * from the signed ones.
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
        }),
        {
          expiresIn: ttlSeconds,
          // Signed headers the client must send exactly as they are. The style metadata is one
          // of them rather than a query parameter, so every S3-compatible store keeps it.
          signableHeaders: new Set(['content-type', 'content-length']),
          unhoistableHeaders: new Set(Object.keys(metadata).map((name) => `x-amz-meta-${name}`)),
        },
      ),
    downloadUrl: (key, ttlSeconds) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: ttlSeconds,
      }),
  };
}
