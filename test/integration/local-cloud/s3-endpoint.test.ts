// The local S3/SQS endpoint: fauxqs behind the notification proxy, driven by the AWS SDK.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  type ObjectCreated,
  type S3Endpoint,
  startS3Endpoint,
} from '../../../local-cloud/s3-endpoint';
import { sleep, waitFor } from '../../support/poll';

const BUCKET = 'local-cloud-test';
let s3: S3Endpoint;
const seen: ObjectCreated[] = [];

function client(checksums: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'): S3Client {
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  });
}

function bytes(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) data[i] = (i * seed + 13) % 256;
  return data;
}

async function read(c: S3Client, key: string): Promise<Buffer> {
  const object = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** The notification for `key`, within 2 s. */
function notified(key: string): Promise<ObjectCreated> {
  return waitFor(() => seen.find((e) => e.key === key), {
    what: `a notification for ${key}`,
    timeoutMs: 2_000,
    intervalMs: 20,
  });
}

beforeAll(async () => {
  s3 = await startS3Endpoint({
    buckets: [BUCKET],
    queues: ['q'],
    onObjectCreated: (e) => seen.push(e),
  });
}, 30_000);

afterAll(() => s3.close());

describe('s3-endpoint', () => {
  it.each(['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const)(
    'stores a streamed upload byte-exact with checksums %s, and reports it',
    async (mode) => {
      const c = client(mode);
      const data = bytes(200_000, mode.length);
      const key = `uploads/stream ${mode}.jpg`;

      await c.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          Body: Readable.from([data]),
          ContentLength: data.length,
        }),
      );

      expect((await read(c, key)).equals(data)).toBe(true);
      expect(await notified(key)).toMatchObject({
        bucket: BUCKET,
        key,
        eventName: 'Put',
        size: data.length,
      });
      c.destroy();
    },
  );

  it('reports presigned PUTs, copies and completed multipart uploads, not their parts', async () => {
    const c = client('WHEN_SUPPORTED');
    const url = await getSignedUrl(
      c,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/signed.png' }),
      {
        expiresIn: 60,
      },
    );
    const put = await fetch(url, { method: 'PUT', body: bytes(1000, 3) });
    expect(put.status).toBe(200);
    expect(await notified('uploads/signed.png')).toMatchObject({ eventName: 'Put', size: 1000 });

    await c.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'uploads/copy.png',
        CopySource: `${BUCKET}/uploads/signed.png`,
      }),
    );
    expect(await notified('uploads/copy.png')).toMatchObject({ eventName: 'Copy', size: 1000 });

    const key = 'uploads/multi.jpg';
    const { UploadId } = await c.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
    );
    const part1 = bytes(5 * 1024 * 1024, 5);
    const part2 = bytes(1000, 7);
    const parts = [];
    for (const [index, body] of [part1, part2].entries()) {
      const { ETag } = await c.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: body,
        }),
      );
      parts.push({ ETag, PartNumber: index + 1 });
    }
    await sleep(100);
    expect(seen.some((e) => e.key === key)).toBe(false);
    await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const created = await notified(key);
    expect(created).toMatchObject({
      eventName: 'CompleteMultipartUpload',
      size: part1.length + part2.length,
    });
    expect(created.eTag).toMatch(/-2$/);
    expect((await read(c, key)).equals(Buffer.concat([part1, part2]))).toBe(true);
    c.destroy();
  });

  it('reports a browser form POST under the key the form names', async () => {
    const form = new FormData();
    form.append('key', ['uploads/form ', '$', '{filename}'].join(''));
    form.append('Content-Type', 'image/png');
    form.append('file', new Blob([bytes(2000, 9)]), 'ä.png');

    const response = await fetch(`${s3.endpoint}/${BUCKET}`, { method: 'POST', body: form });

    expect(response.status).toBeLessThan(300);
    expect(await notified('uploads/form ä.png')).toMatchObject({ eventName: 'Post', size: 2000 });
  });

  it('keeps objects across a restart when given a state folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-state-'));
    try {
      const first = await startS3Endpoint({ buckets: ['kept'], queues: [], stateDir: dir });
      const c1 = new S3Client({
        region: 'us-east-1',
        endpoint: first.endpoint,
        forcePathStyle: true,
        credentials: first.credentials,
      });
      await c1.send(
        new PutObjectCommand({ Bucket: 'kept', Key: 'a/b.bin', Body: bytes(5000, 11) }),
      );
      c1.destroy();
      await first.close();

      const second = await startS3Endpoint({ buckets: ['kept'], queues: [], stateDir: dir });
      const c2 = new S3Client({
        region: 'us-east-1',
        endpoint: second.endpoint,
        forcePathStyle: true,
        credentials: second.credentials,
      });
      const object = await c2.send(new GetObjectCommand({ Bucket: 'kept', Key: 'a/b.bin' }));
      const body = Buffer.from(
        await (
          object.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
      c2.destroy();
      await second.close();
      expect(body.equals(bytes(5000, 11))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
