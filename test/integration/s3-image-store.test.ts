import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { NotFoundError } from '@cartoon-compute/core';
import { createS3Client, S3ImageStore } from '@cartoon-compute/core/s3';
import { photo } from '../support/fixtures';
import { type LocalS3, startLocalS3 } from '../support/local-s3';

describe('createS3Client', () => {
  it('uses path-style addressing and checksums only when required for a local endpoint', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    try {
      expect(client.config.forcePathStyle).toBe(true);
      expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    } finally {
      client.destroy();
    }
  });

  it('keeps the SDK defaults when no endpoint is given (AWS)', async () => {
    const client = createS3Client({ region: 'eu-west-1' });
    try {
      expect(client.config.forcePathStyle).toBe(false);
      expect(await client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
      expect(await client.config.region()).toBe('eu-west-1');
    } finally {
      client.destroy();
    }
  });
});

describe('S3ImageStore against a local S3-compatible server', () => {
  let s3: LocalS3;
  let store: S3ImageStore;

  beforeAll(async () => {
    s3 = await startLocalS3();
    store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
  }, 30_000);

  afterAll(async () => {
    await s3?.close();
  });

  it('returns a real photo byte for byte, with its content type, metadata and etag', async () => {
    const coffee = photo('coffee.png');
    expect(coffee.length).toBeGreaterThan(400_000);

    const put = await store.put('uploads/coffee.png', coffee, {
      contentType: 'image/png',
      metadata: { style: 'comic', 'request-id': 'req-123' },
    });
    const got = await store.get('uploads/coffee.png');

    expect(got.bytes.length).toBe(coffee.length);
    expect(got.bytes.equals(coffee)).toBe(true);
    expect(got.contentType).toBe('image/png');
    expect(got.metadata).toEqual({ style: 'comic', 'request-id': 'req-123' });
    expect(put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(got.etag).toBe(put.etag);
  });

  it('returns a 2.5 MB generated buffer byte for byte', async () => {
    const bytes = randomBytes(2_500_000);

    await store.put('uploads/large.bin', bytes, { contentType: 'application/octet-stream' });
    const got = await store.get('uploads/large.bin');

    expect(got.bytes.length).toBe(2_500_000);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it('stores only the viewed bytes of a Uint8Array that is a window on a larger buffer', async () => {
    const backing = randomBytes(10_000);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 1_000, 5_000);

    await store.put('uploads/view.bin', view, { contentType: 'application/octet-stream' });
    const got = await store.get('uploads/view.bin');

    expect(got.bytes.length).toBe(5_000);
    expect(got.bytes.equals(backing.subarray(1_000, 6_000))).toBe(true);
  });

  it('reports size, content type, metadata and etag from head without the bytes', async () => {
    const coffee = photo('coffee.png');
    const { etag } = await store.put('uploads/head.png', coffee, {
      contentType: 'image/png',
      metadata: { style: 'sketch' },
    });

    const info = await store.head('uploads/head.png');

    expect(info).toEqual({
      contentLength: coffee.length,
      contentType: 'image/png',
      metadata: { style: 'sketch' },
      etag,
    });
  });

  it('replaces the object, its content type and its metadata when a key is put again', async () => {
    const first = randomBytes(50_000);
    const second = randomBytes(30_000);
    const a = await store.put('uploads/again.bin', first, {
      contentType: 'image/jpeg',
      metadata: { version: '1', only: 'first' },
    });

    const b = await store.put('uploads/again.bin', second, {
      contentType: 'image/webp',
      metadata: { version: '2' },
    });
    const got = await store.get('uploads/again.bin');

    expect(got.bytes.equals(second)).toBe(true);
    expect(got.contentType).toBe('image/webp');
    expect(got.metadata).toEqual({ version: '2' });
    expect(b.etag).not.toBe(a.etag);
    expect(got.etag).toBe(b.etag);
  });

  it.each([
    ['spaces and ü', 'uploads/my photo ü.jpg'],
    ['CJK and parentheses', 'uploads/日本語 写真 (1).png'],
    ['URL-significant characters', 'uploads/a+b=c&d%20e?.png'],
    ['dots that are not a .. segment', 'uploads/..hidden.png'],
    ['exactly 1024 bytes', `uploads/${'k'.repeat(1024 - 'uploads/'.length)}`],
  ])('round-trips a key with %s exactly', async (_, key) => {
    const bytes = randomBytes(1_000);

    await store.put(key, bytes, { contentType: 'image/jpeg' });
    const got = await store.get(key);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: key.slice(0, 20) }),
    );

    expect(got.bytes.equals(bytes)).toBe(true);
    expect(listed.Contents?.map((object) => object.Key)).toContain(key);
  });

  it('rejects get of a missing key with a 404 NotFoundError that names no bucket or key', async () => {
    const error: unknown = await store.get('uploads/missing.png').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(NotFoundError);
    const notFound = error as NotFoundError;
    expect(notFound.statusCode).toBe(404);
    expect(notFound.code).toBe('NOT_FOUND');
    expect(notFound.expose).toBe(true);
    expect(notFound.message).not.toContain(s3.bucket);
    expect(notFound.message).not.toContain('missing.png');
    expect((notFound.cause as Error).name).toBe('NoSuchKey');
  });

  it('rejects head of a missing key with a 404 NotFoundError', async () => {
    const error: unknown = await store.head('uploads/missing.png').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).statusCode).toBe(404);
    expect((error as NotFoundError).message).not.toContain(s3.bucket);
  });

  it('lets a missing bucket propagate as the SDK error, not as a 404', async () => {
    const wrongBucket = new S3ImageStore({ client: s3.client, bucket: `${s3.bucket}-absent` });

    const error: unknown = await wrongBucket.get('uploads/coffee.png').catch((err: unknown) => err);

    expect(error).not.toBeInstanceOf(NotFoundError);
    expect((error as Error).name).toBe('NoSuchBucket');
  });

  describe('invalid keys', () => {
    const invalidKeys: ReadonlyArray<[string, string]> = [
      ['empty', ''],
      ['1025 ASCII bytes', 'k'.repeat(1025)],
      ['1026 UTF-8 bytes in 513 characters', 'é'.repeat(513)],
      ['a .. segment', 'uploads/../secret.png'],
      ['only ..', '..'],
      ['a trailing .. segment', 'uploads/..'],
      ['a newline', 'uploads/a\nb.png'],
      ['a NUL', 'uploads/a\u0000b.png'],
      ['a DEL', 'uploads/a\u007fb.png'],
      ['a C1 control', 'uploads/a\u0085b.png'],
    ];

    it.each(invalidKeys)(
      'rejects a key with %s with a TypeError before any request',
      async (_, key) => {
        const send = jest.spyOn(s3.client, 'send');
        try {
          await expect(store.get(key)).rejects.toThrow(TypeError);
          await expect(store.head(key)).rejects.toThrow(TypeError);
          await expect(
            store.put(key, Buffer.from('x'), { contentType: 'image/png' }),
          ).rejects.toThrow(/^Expected .* image key but received/);
          expect(send).not.toHaveBeenCalled();
        } finally {
          send.mockRestore();
        }
      },
    );
  });
});
