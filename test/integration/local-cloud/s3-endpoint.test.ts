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
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Client } from '@cartoon-compute/core/s3';
import {
  type ObjectCreated,
  type S3Endpoint,
  startS3Endpoint,
} from '../../../local-cloud/s3-endpoint';
import { s3Presigner } from '../../../services/shared/presigner';
import { UPLOAD_CONDITION } from '../../../services/shared/upload-condition';
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

/** A presigned upload as POST /uploads hands it out: the API's presigner, the API's headers. */
async function ticket(key: string, body: Buffer, ttlSeconds = 60) {
  const client = createS3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
  });
  const url = await s3Presigner(client, BUCKET).uploadUrl({
    key,
    contentType: 'image/png',
    contentLength: body.length,
    metadata: { style: 'sketch' },
    ttlSeconds,
  });
  client.destroy();
  const headers = {
    'content-type': 'image/png',
    'x-amz-meta-style': 'sketch',
    ...UPLOAD_CONDITION,
  };
  return { url, headers };
}

/** The `<Code>` of S3's XML error body. */
async function errorCode(response: Response): Promise<string | undefined> {
  expect(response.headers.get('content-type')).toBe('application/xml');
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];
}

async function stored(key: string): Promise<boolean> {
  const c = client('WHEN_REQUIRED');
  try {
    await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFound') return false;
    throw err;
  } finally {
    c.destroy();
  }
}

describe('s3-endpoint enforces what a presigned URL signs, as S3 does', () => {
  it('writes an upload key once: the second PUT to the URL gets 412 and changes nothing', async () => {
    const key = 'uploads/once.png';
    const first = bytes(3000, 17);
    const second = bytes(3000, 19);
    const { url, headers } = await ticket(key, first);

    const put1 = await fetch(url, { method: 'PUT', headers, body: first });
    const put2 = await fetch(url, { method: 'PUT', headers, body: second });

    expect(put1.status).toBe(200);
    expect(put2.status).toBe(412);
    expect(await errorCode(put2)).toBe('PreconditionFailed');
    const c = client('WHEN_REQUIRED');
    expect((await read(c, key)).equals(first)).toBe(true);
    c.destroy();
    await notified(key);
    await sleep(200);
    expect(seen.filter((e) => e.key === key)).toHaveLength(1);
  });

  it('gives 4 PUTs racing on one URL exactly one write and one notification', async () => {
    const key = 'uploads/race.png';
    const bodies = [21, 23, 25, 27].map((seed) => bytes(200_000, seed));
    const { url, headers } = await ticket(key, bodies[0] as Buffer);

    const answers = await Promise.all(
      bodies.map((body) => fetch(url, { method: 'PUT', headers, body })),
    );

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    // The losers get S3's answers to a conditional write: 412, or 409 while the winner runs.
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect([412, 409]).toContain(answer.status);
      expect(['PreconditionFailed', 'ConditionalRequestConflict']).toContain(
        await errorCode(answer),
      );
    }
    const winner = bodies[statuses.indexOf(200)] as Buffer;
    const c = client('WHEN_REQUIRED');
    expect((await read(c, key)).equals(winner)).toBe(true);
    c.destroy();
    await notified(key);
    await sleep(300);
    expect(seen.filter((e) => e.key === key)).toHaveLength(1);
  });

  it('refuses the URL with its path rewritten to cartoons/x.jpg, and stores nothing there', async () => {
    const body = bytes(1000, 29);
    const { url, headers } = await ticket('uploads/rewritten.png', body);
    const rewritten = url.replace(`/${BUCKET}/uploads/rewritten.png`, `/${BUCKET}/cartoons/x.jpg`);

    const put = await fetch(rewritten, { method: 'PUT', headers, body });

    expect(put.status).toBe(403);
    expect(await errorCode(put)).toBe('SignatureDoesNotMatch');
    expect(await stored('cartoons/x.jpg')).toBe(false);
  });

  it('refuses an expired URL with AccessDenied "Request has expired"', async () => {
    const c = client('WHEN_REQUIRED');
    const url = await getSignedUrl(
      c,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/late.png' }),
      { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) },
    );
    c.destroy();

    const put = await fetch(url, { method: 'PUT', body: bytes(100, 31) });

    expect(put.status).toBe(403);
    const text = await put.text();
    expect(text).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    expect(text).toMatch(/<X-Amz-Expires>60<\/X-Amz-Expires>/);
    expect(await stored('uploads/late.png')).toBe(false);
  });

  it.each([
    ['a body of another length than signed', bytes(1001, 33), {}],
    ['another content type than signed', bytes(1000, 33), { 'content-type': 'image/jpeg' }],
    ['the signed If-None-Match left out', bytes(1000, 33), { 'if-none-match': undefined }],
  ])('refuses a PUT with %s', async (_name, body, change) => {
    const key = `uploads/mismatch-${body.length}-${Object.keys(change).join()}.png`;
    const { url, headers } = await ticket(key, bytes(1000, 33));
    const sent = Object.fromEntries(
      Object.entries({ ...headers, ...change }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;

    const put = await fetch(url, { method: 'PUT', headers: sent, body });

    expect(put.status).toBe(403);
    expect(await errorCode(put)).toBe('SignatureDoesNotMatch');
    expect(await stored(key)).toBe(false);
  });

  it('honours If-None-Match from an SDK client too', async () => {
    const c = client('WHEN_REQUIRED');
    const put = (body: Buffer) =>
      c.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'uploads/sdk.png',
          Body: body,
          IfNoneMatch: '*',
        }),
      );

    await put(bytes(500, 35));

    await expect(put(bytes(500, 37))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await read(c, 'uploads/sdk.png')).equals(bytes(500, 35))).toBe(true);
    c.destroy();
  });
});
