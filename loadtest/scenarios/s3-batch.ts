/**
 * S3 batch: N images put into a variant's bucket under `uploads/`, then the time until each
 * cartoon exists under `cartoons/` (the result key is `cartoons/<upload name>.jpg`:
 * uploads/a.jpg → cartoons/a.jpg.jpg), end to end through the variant's own path (S3 invoking
 * lambda-zip, SQS for lambda-image and fargate).
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3BatchResult } from '../results';
import type { S3Access, Target, VariantEndpoint } from '../target';

/**
 * The cartoon's key for an upload's key.
 *
 * @example
 * ```ts
 * resultKey('uploads/a.jpg'); // 'cartoons/a.jpg.jpg'
 * ```
 */
export function resultKey(uploadKey: string): string {
  return `cartoons/${uploadKey.slice(uploadKey.lastIndexOf('/') + 1)}.jpg`;
}

/**
 * An S3 client for the target: path-style and checksums only when required against a local
 * endpoint (PITFALLS: streamed aws-chunked bodies).
 *
 * @example
 * ```ts
 * const s3 = s3Client(target.s3);
 * ```
 */
export function s3Client(access: S3Access): S3Client {
  return new S3Client({
    region: access.region,
    ...(access.endpoint ? { endpoint: access.endpoint, forcePathStyle: true } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Drops `images` copies of the image into the bucket and waits for every cartoon.
 *
 * @example
 * ```ts
 * const r = await s3Batch(target, variant, image, { images: 5, timeoutMs: 60_000, runId: 'r1' });
 * r.allDoneMs;
 * ```
 */
export async function s3Batch(
  target: Target,
  variant: VariantEndpoint,
  image: Buffer,
  options: {
    readonly images: number;
    readonly timeoutMs: number;
    readonly runId: string;
    readonly onProgress?: (phase: string, done: number) => void;
    readonly run?: number;
  },
): Promise<S3BatchResult> {
  if (variant.bucket === undefined) throw new Error(`${variant.name} has no bucket`);
  const bucket = variant.bucket;
  const s3 = s3Client(target.s3);
  const stem = `loadtest-${options.runId}-${variant.name}-`;
  const keys = Array.from({ length: options.images }, (_, i) => `uploads/${stem}${i}.jpg`);
  const wanted = new Map(keys.map((k, i) => [resultKey(k), i]));
  const doneMs: (number | null)[] = keys.map(() => null);
  const started = performance.now();
  try {
    await Promise.all(
      keys.map((Key) =>
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key, Body: image, ContentType: 'image/jpeg' }),
        ),
      ),
    );
    let seen = 0;
    while (seen < keys.length && performance.now() - started < options.timeoutMs) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `cartoons/${stem}`,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? []) {
          const i = object.Key === undefined ? undefined : wanted.get(object.Key);
          if (i !== undefined && doneMs[i] === null) {
            doneMs[i] = performance.now() - started;
            seen += 1;
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      options.onProgress?.('waiting for cartoons', seen);
      if (seen < keys.length) await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    s3.destroy();
  }
  const all = doneMs.every((d) => d !== null);
  return {
    variant: variant.name,
    run: options.run ?? 1,
    images: options.images,
    doneMs,
    allDoneMs: all ? Math.max(...(doneMs as number[])) : null,
    timeoutMs: options.timeoutMs,
    // The S3 path runs other functions than the HTTP one; their REPORT lines are not read yet.
    reports: [],
  };
}
