// Upload URLs as the deployed functions make them: on AWS (no custom endpoint) the SDK's default
// checksum setting would bake the empty body's CRC32 into the URL. Presigning is offline: no
// request leaves this process.
import { readConfig } from '../../services/shared/config';
import { s3Presigner } from '../../services/shared/presigner';
import { s3Access } from '../../services/shared/s3-access';
import { s3Store } from '../../services/shared/s3-store';

const AWS_LIKE = readConfig({
  BUCKET_NAME: 'cartoon-compute-dev-images',
  AWS_REGION: 'eu-west-1',
});
const upload = {
  key: 'uploads/0b7c9d7e-1f0a-4e55-9a44-5d1f7b0c1e11.jpg',
  contentType: 'image/jpeg',
  contentLength: 123_456,
  metadata: { style: 'comic' },
  ttlSeconds: 300,
};

describe('upload URLs on AWS', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('carry no checksum of the empty body the presigner saw', async () => {
    const url = new URL(await s3Access(AWS_LIKE).presigner.uploadUrl(upload));

    expect(url.host).toBe('cartoon-compute-dev-images.s3.eu-west-1.amazonaws.com');
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('if-none-match');
  });

  it('would carry it on the store client, whose SDK default stays on for our own puts', async () => {
    const url = new URL(
      await s3Presigner(s3Store(AWS_LIKE).client, AWS_LIKE.bucket).uploadUrl(upload),
    );

    expect(url.searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
  });
});
