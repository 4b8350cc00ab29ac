// The HTTP contract for HEIC, through the shared API every variant runs: which types are
// taken, and what a user sees when a HEIC is refused. No network: the store refuses every
// call and the presigner only records what it was asked to sign.
import { createLogger, type ImageStore } from '@cartoon-compute/core';
import sharp from 'sharp';
import { type ApiResponse, createApi } from '../../services/shared/cartoon-api';
import { readConfig } from '../../services/shared/config';
import { isProcessableUpload } from '../../services/shared/keys';
import { type HeicFixture, heic, heicBomb, heicFixture, truncate } from '../support/bad-inputs';
import { photo } from '../support/fixtures';

const unusedStore: ImageStore = {
  get: () => Promise.reject(new Error('no store in this test')),
  head: () => Promise.reject(new Error('no store in this test')),
  put: () => Promise.reject(new Error('no store in this test')),
  firstKey: () => Promise.reject(new Error('no store in this test')),
};

const signed: { key: string; contentType: string }[] = [];

const api = createApi({
  config: readConfig({ BUCKET_NAME: 'test-bucket', VARIANT: 'local' }),
  store: unusedStore,
  presigner: {
    uploadUrl: async ({ key, contentType }) => {
      signed.push({ key, contentType });
      return `https://upload.invalid/${key}`;
    },
    downloadUrl: async (key) => `https://download.invalid/${key}`,
  },
  logger: createLogger({ variant: 'local', logLevel: 'SILENT' }),
  coldStart: () => false,
});

function post(path: string, contentType: string, body: Buffer): Promise<ApiResponse> {
  return api({ method: 'POST', path, query: {}, headers: { 'content-type': contentType }, body });
}

function errorOf(response: ApiResponse): { status: number; code: string; message: string } {
  const { error } = JSON.parse(String(response.body)) as {
    error: { code: string; message: string };
  };
  return { status: response.statusCode, ...error };
}

describe('POST /uploads takes HEIC and HEIF', () => {
  test.each([
    ['image/heic', '.heic'],
    ['image/heif', '.heif'],
  ])('%s: 201, the upload key ends in %s', async (contentType, suffix) => {
    const body = Buffer.from(JSON.stringify({ contentType, contentLength: 2_000_000 }));
    const response = await post('/uploads', 'application/json', body);
    expect(response.statusCode).toBe(201);
    const { key } = JSON.parse(String(response.body)) as { key: string };
    expect(key).toMatch(new RegExp(`^uploads/[0-9a-f-]{36}\\${suffix}$`));
    expect(signed.at(-1)).toEqual({ key, contentType });
  });
});

describe('the S3 path takes HEIC uploads whatever the suffix', () => {
  test.each([
    'uploads/IMG_0001.HEIC',
    'uploads/IMG_0001.heic',
    'uploads/a/b photo.HEIF',
    'uploads/x.heif',
  ])('%s is processed (the bytes decide)', (key) => {
    expect(isProcessableUpload(key)).toBe(true);
  });
});

describe('POST /cartoon turns a HEIC into a cartoon', () => {
  test.each<[string, HeicFixture]>([
    ['image/heic', 'rocket-irot90.heic'],
    ['image/heif', 'coffee-exif6.heic'],
    ['application/octet-stream', 'chelsea-10bit.heic'],
  ])('%s (%s): 200 with a JPEG cartoon', async (contentType, name) => {
    const response = await post('/cartoon', contentType, heicFixture(name));

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(response.body as Buffer).metadata();
    expect(meta.format).toBe('jpeg');
  });

  test('the HEIF rotation is applied once: the irot 90 photo comes out portrait', async () => {
    const source = await sharp(photo('rocket.jpg')).metadata();
    const response = await post('/cartoon', 'image/heic', heicFixture('rocket-irot90.heic'));

    const meta = await sharp(response.body as Buffer).metadata();
    // rocket.jpg is landscape; a quarter turn makes the cartoon portrait.
    expect((source.width ?? 0) > (source.height ?? 0)).toBe(true);
    expect((meta.height ?? 0) > (meta.width ?? 0)).toBe(true);
  });

  test('alpha survives into a PNG cartoon', async () => {
    const response = await api({
      method: 'POST',
      path: '/cartoon',
      query: { format: 'png' },
      headers: { 'content-type': 'image/heic' },
      body: heicFixture('astronaut-alpha.heic'),
    });

    expect(response.statusCode).toBe(200);
    const { channels, hasAlpha } = await sharp(response.body as Buffer).metadata();
    expect({ channels, hasAlpha }).toEqual({ channels: 4, hasAlpha: true });
  });
});

describe('POST /cartoon refuses a bad HEIC with the message a user sees', () => {
  test.each<[string, string, () => Buffer, number, string, string]>([
    [
      'a HEIC cut in half',
      'image/heic',
      () => truncate(heicFixture('coffee-exif6.heic')),
      400,
      'INVALID_IMAGE',
      'HEIC image data is truncated or corrupt: the file is cut short',
    ],
    [
      'a HEIC bomb (60000x60000 in ispe)',
      'image/heif',
      () => heicBomb(60_000, 60_000),
      422,
      'IMAGE_TOO_LARGE',
      'Image is 60000x60000 (3600000000 pixels); the limit is 40000000 pixels',
    ],
    [
      'a HEIC bomb sent as application/octet-stream (typed from its bytes)',
      'application/octet-stream',
      () => heicBomb(60_000, 60_000),
      422,
      'IMAGE_TOO_LARGE',
      'Image is 60000x60000 (3600000000 pixels); the limit is 40000000 pixels',
    ],
    [
      'a HEIC whose HEVC parameter set declares 60000x60000',
      'image/heic',
      () => heic(640, 480, { width: 60_000, height: 60_000 }),
      422,
      'IMAGE_TOO_LARGE',
      'Image holds a picture of 3600000000 pixels; the limit is 40000000 pixels',
    ],
    [
      'a HEIC declaring 12x12',
      'image/heic',
      () => heicBomb(12, 12),
      422,
      'IMAGE_TOO_SMALL',
      'Image is 12x12; both sides must be at least 16 pixels',
    ],
  ])('%s (%s): %i', async (_name, contentType, build, status, code, message) => {
    expect(errorOf(await post('/cartoon', contentType, build()))).toEqual({
      status,
      code,
      message,
    });
  });

  test('a HEIC over the synchronous byte limit: 413 with the way round it', async () => {
    const big = Buffer.concat([heicFixture('coffee-exif6.heic'), Buffer.alloc(4_500_000)]);
    const error = errorOf(await post('/cartoon', 'image/heic', big));
    expect([error.status, error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(error.message).toBe(
      'Image is larger than 4500000 bytes; send larger images with POST /uploads and fetch the result from GET /cartoons/{id}',
    );
  });

  test('image/heic-sequence is not an accepted content type: 415 listing the ones that are', async () => {
    const error = errorOf(
      await post('/cartoon', 'image/heic-sequence', heicFixture('coffee-exif6.heic')),
    );
    expect([error.status, error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(error.message).toContain('image/heic, image/heif');
  });
});
