// The local S3 endpoint's check of presigned requests, against URLs made by the API's own
// presigner: what the URL signs is enforced, everything else refused with S3's code.
import { S3Client } from '@aws-sdk/client-s3';
import {
  isPresigned,
  type PresignedRequest,
  presignedAuth,
} from '../../../local-cloud/presigned-auth';
import { s3Presigner } from '../../../services/shared/presigner';

const ENDPOINT = 'http://127.0.0.1:4566';
const HOST = '127.0.0.1:4566';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

function presigner(keys = credentials, signingRegion = region) {
  const client = new S3Client({
    region: signingRegion,
    endpoint: ENDPOINT,
    forcePathStyle: true,
    credentials: keys,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return s3Presigner(client, 'photos');
}

const upload = {
  key: 'uploads/5b0f3c4e-0000-4000-8000-000000000001.png',
  contentType: 'image/png',
  contentLength: 1234,
  metadata: { style: 'sketch' },
  ttlSeconds: 300,
};

/** The request a client sends to `url` with the headers the 201 of POST /uploads lists. */
function put(url: string, headers: Record<string, string> = {}): PresignedRequest {
  const { pathname, search } = new URL(url);
  return {
    method: 'PUT',
    url: `${pathname}${search}`,
    headers: {
      host: HOST,
      'content-type': 'image/png',
      'content-length': '1234',
      'if-none-match': '*',
      'x-amz-meta-style': 'sketch',
      'user-agent': 'a browser',
      ...headers,
    },
  };
}

function withoutHeader(request: PresignedRequest, name: string): PresignedRequest {
  const { [name]: _gone, ...headers } = request.headers;
  return { ...request, headers };
}

const check = presignedAuth({ credentials, region });

describe('presigned-auth', () => {
  it('accepts the upload the URL was made for, with the headers it signs', async () => {
    const url = await presigner().uploadUrl(upload);

    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'content-type',
      'host',
      'if-none-match',
      'x-amz-meta-style',
    ]);
    await expect(check(put(url))).resolves.toBeUndefined();
  });

  it('accepts a presigned download', async () => {
    const url = await presigner().downloadUrl('cartoons/x.png.jpg', 300);
    const { pathname, search } = new URL(url);

    await expect(
      check({ method: 'GET', url: `${pathname}${search}`, headers: { host: HOST } }),
    ).resolves.toBeUndefined();
  });

  it('refuses the URL with its path rewritten to another key', async () => {
    const url = (await presigner().uploadUrl(upload)).replace(
      '/photos/uploads/5b0f3c4e-0000-4000-8000-000000000001.png',
      '/photos/cartoons/x.jpg',
    );

    await expect(check(put(url))).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      details: { AWSAccessKeyId: 'local' },
    });
  });

  it.each([
    ['another content type', { 'content-type': 'image/jpeg' }],
    ['another length', { 'content-length': '999999' }],
    ['another style', { 'x-amz-meta-style': 'comic' }],
    ['another host', { host: '127.0.0.1:9' }],
  ])('refuses %s than the URL signs', async (_name, headers) => {
    const url = await presigner().uploadUrl(upload);

    await expect(check(put(url, headers))).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses the upload without If-None-Match, so the URL cannot overwrite', async () => {
    const url = await presigner().uploadUrl(upload);

    await expect(check(withoutHeader(put(url), 'if-none-match'))).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses another method on the same URL', async () => {
    const url = await presigner().uploadUrl(upload);

    await expect(check({ ...put(url), method: 'POST' })).resolves.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses an x-amz- header the URL did not sign', async () => {
    const url = await presigner().uploadUrl(upload);

    await expect(check(put(url, { 'x-amz-acl': 'public-read' }))).resolves.toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'There were headers present in the request which were not signed',
      details: { HeadersNotSigned: 'x-amz-acl' },
    });
  });

  it('refuses the URL once its expiry has passed, and accepts it until then', async () => {
    const url = await presigner().uploadUrl(upload);
    const signedAt = Date.parse(
      (new URL(url).searchParams.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    const at = (ms: number) => presignedAuth({ credentials, region, now: () => new Date(ms) });

    await expect(at(signedAt + 300_000)(put(url))).resolves.toBeUndefined();
    await expect(at(signedAt + 301_000)(put(url))).resolves.toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      details: {
        'X-Amz-Expires': '300',
        Expires: new Date(signedAt + 300_000).toISOString().replace('.000Z', 'Z'),
        ServerTime: new Date(signedAt + 301_000).toISOString().replace('.000Z', 'Z'),
      },
    });
  });

  it('refuses a URL signed with other keys, or for another region', async () => {
    const stranger = await presigner({ accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }).uploadUrl(
      upload,
    );
    const wrongSecret = await presigner({
      accessKeyId: 'local',
      secretAccessKey: 'guess',
    }).uploadUrl(upload);
    const elsewhere = await presigner(credentials, 'eu-west-1').uploadUrl(upload);

    await expect(check(put(stranger))).resolves.toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    await expect(check(put(wrongSecret))).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    await expect(check(put(elsewhere))).resolves.toMatchObject({
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message:
        "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
    });
  });

  it('refuses a presigned URL with a parameter missing or out of range', async () => {
    const url = new URL(await presigner().uploadUrl(upload));
    const without = new URL(url);
    without.searchParams.delete('X-Amz-Date');
    const tooLong = new URL(url);
    tooLong.searchParams.set('X-Amz-Expires', '604801');

    await expect(check(put(without.toString()))).resolves.toMatchObject({
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message: expect.stringMatching(/^Query-string authentication version 4 requires/),
    });
    await expect(check(put(tooLong.toString()))).resolves.toMatchObject({
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message: 'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
    });
  });

  it('leaves requests signed in a header, or unsigned, to the store', async () => {
    expect(isPresigned('/photos/uploads/a.png')).toBe(false);
    expect(isPresigned('/photos/uploads/a.png?X-Amz-Signature=abc')).toBe(true);
    await expect(
      check({ method: 'PUT', url: '/photos/uploads/a.png', headers: { host: HOST } }),
    ).resolves.toBeUndefined();
  });
});
