/**
 * Empties a bucket before its stack is deleted: CloudFormation cannot delete a bucket that
 * holds objects (the stack ends DELETE_FAILED), and the load test's s3 scenario leaves
 * uploads and cartoons behind. The buckets are not versioned (infra/lib/service-storage.ts,
 * serverless.yml), so listing current objects finds them all. DeleteObjects takes at most
 * 1,000 keys (Amazon S3 API reference, DeleteObjects,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html, read 2026-12), as
 * many as one ListObjectsV2 page.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/**
 * Deletes every object of the bucket; answers how many.
 *
 * @example
 * ```ts
 * await emptyBucket(new S3Client({ region: 'eu-west-1' }), 'cartoon-compute-dev-123456789012-eu-west-1');
 * ```
 * @throws when S3 refuses a listing or a deletion (with the keys it refused).
 */
export async function emptyBucket(s3: S3Client, Bucket: string): Promise<number> {
  let deleted = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket, ContinuationToken, MaxKeys: 1000 }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) {
      const out = await s3.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      if (out.Errors?.length) {
        const first = out.Errors[0];
        throw new Error(
          `S3 refused to delete ${out.Errors.length} object(s) of ${Bucket}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`,
        );
      }
      deleted += keys.length;
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return deleted;
}
