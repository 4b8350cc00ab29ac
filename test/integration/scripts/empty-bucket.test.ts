// destroy.ts empties a variant's bucket before deleting its stack (CloudFormation cannot delete
// a bucket with objects in it): against a real local S3 endpoint, more than one listing page.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { emptyBucket } from '../../../scripts/lib/empty-bucket';
import { type LocalS3, startLocalS3 } from '../../support/local-s3';

describe('emptying a bucket before its stack is deleted', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    await s3.close();
  });

  it('deletes every object, over more than one listing page', async () => {
    const keys = Array.from({ length: 1_005 }, (_, i) => `uploads/run/${i}.jpg`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) =>
            s3.client.send(
              new PutObjectCommand({ Bucket: s3.bucket, Key, Body: Buffer.from('x') }),
            ),
          ),
      );
    }

    expect(await emptyBucket(s3.client, s3.bucket)).toBe(1_005);
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    expect(left.KeyCount ?? 0).toBe(0);
  }, 120_000);
});
