// The pages' Content-Security-Policy: inline elements allowed by hash, and the one bucket
// origin the page may reach being the origin the SDK's presigned URLs really have.
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import {
  bucketOrigin,
  contentSecurityPolicy,
  cspHash,
  inlineHashes,
} from '../../services/shared/page-policy';
import { s3Presigner } from '../../services/shared/presigner';
import { WEB_PAGE } from '../../services/shared/web-page.generated';

describe('cspHash and inlineHashes', () => {
  it("hashes an element's text as CSP does: base64 SHA-256 of its UTF-8 bytes", () => {
    const text = 'document.body.dataset.ready = "ü"';
    const digest = createHash('sha256').update(Buffer.from(text, 'utf8')).digest('base64');

    expect(cspHash(text)).toBe(`'sha256-${digest}'`);
  });

  it('finds every inline script and style, with or without attributes', () => {
    const html =
      '<style>b{}</style><p>x</p><script>one()</script><script type="module">two()</script>';

    expect(inlineHashes(html)).toEqual({
      scripts: [cspHash('one()'), cspHash('two()')],
      styles: [cspHash('b{}')],
    });
  });

  it('finds the one script and one style of the page every variant serves', () => {
    const hashes = inlineHashes(WEB_PAGE);

    expect(hashes.scripts).toHaveLength(1);
    expect(hashes.styles).toHaveLength(1);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows the hashes and the origins given, and nothing inline or elsewhere', () => {
    const policy = contentSecurityPolicy({
      hashes: { scripts: ["'sha256-A'"], styles: ["'sha256-B'"] },
      origins: ['https://photos.s3.eu-west-1.amazonaws.com'],
    });

    expect(policy).toBe(
      "default-src 'none'; script-src 'sha256-A'; style-src 'sha256-B'; img-src 'self' blob: data: https://photos.s3.eu-west-1.amazonaws.com; connect-src 'self' https://photos.s3.eu-west-1.amazonaws.com; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(policy).not.toMatch(/unsafe-inline|https:(\s|;|$)/);
  });

  it("says 'none' for a page without inline styles", () => {
    expect(contentSecurityPolicy({ hashes: { scripts: [], styles: [] }, origins: [] })).toMatch(
      /script-src 'none'; style-src 'none'; img-src 'self' blob: data:; connect-src 'self';/,
    );
  });
});

describe('bucketOrigin', () => {
  async function presignedOrigin(bucket: string, region: string, endpoint?: string) {
    const client = new S3Client({
      region,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    });
    const url = await s3Presigner(client, bucket).downloadUrl('cartoons/x.jpg', 60);
    client.destroy();
    return new URL(url).origin;
  }

  it.each([
    ['photos-123', 'eu-west-1', undefined],
    ['photos-123', 'us-east-1', undefined],
    ['my.dotted.bucket', 'us-west-2', undefined],
    ['photos-123', 'cn-north-1', undefined],
    ['photos-123', 'us-east-1', 'http://127.0.0.1:4566'],
  ])(
    'is the origin of the SDK presigned URLs for %s in %s (endpoint %s)',
    async (bucket, region, s3Endpoint) => {
      expect(bucketOrigin({ bucket, region, s3Endpoint })).toBe(
        await presignedOrigin(bucket, region, s3Endpoint),
      );
    },
  );
});
