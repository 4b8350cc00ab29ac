// The page's words for answers and its parsing of Server-Timing (web/describe.ts), and the cost
// panel's figures, which must be the CLI's (same model, same formatting).
import { formatUsd, workload } from '../../loadtest/cost-model';
import { costReport } from '../../loadtest/cost-report';
import { costChartSvg, costRows, panelReport } from '../../web/cost-panel';
import {
  describeError,
  describeUploadError,
  parseServerTiming,
  pathFor,
  SYNC_LIMIT_BYTES,
} from '../../web/describe';

describe('describeError', () => {
  it('says what a 415 means and keeps the service message', () => {
    const text = describeError(415, '{"error":{"code":"UnsupportedMediaType","message":"no"}}');
    expect(text).toBe(
      'That file is not a photo this service reads (JPEG, PNG, WebP, AVIF, GIF, TIFF or HEIC). (415: no)',
    );
  });

  it("reads API Gateway's own { message } body", () => {
    expect(describeError(429, '{"message":"Too Many Requests"}')).toMatch(
      /^Too many requests.*\(429: Too Many Requests\)$/,
    );
  });

  it('names an unknown status and ignores a body that is not JSON', () => {
    expect(describeError(418, 'teapot')).toBe('The variant answered 418. (418)');
  });
});

describe('describeUploadError', () => {
  const s3Error = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`;

  it('says an upload link takes one photo when S3 answers 412', () => {
    expect(describeUploadError(412, s3Error('PreconditionFailed', 'At least one…'))).toBe(
      'This upload link was already used: each link takes one photo. (412: PreconditionFailed)',
    );
  });

  it('tells an expired link from another refusal', () => {
    expect(describeUploadError(403, s3Error('AccessDenied', 'Request has expired'))).toBe(
      'The upload link expired before the photo was sent: try again. (403: Request has expired)',
    );
    expect(describeUploadError(403, s3Error('SignatureDoesNotMatch', 'The request…'))).toMatch(
      /^The storage refused the photo: it is not the type or size that was announced\. \(403: SignatureDoesNotMatch\)$/,
    );
  });

  it('names the status of an answer that is not S3 XML', () => {
    expect(describeUploadError(502, 'Bad Gateway')).toBe('The storage answered 502. (502)');
  });
});

describe('parseServerTiming', () => {
  it('reads each stage and its duration', () => {
    expect(parseServerTiming('decode;dur=12, cartoon;desc="x";dur=80.5')).toEqual([
      { name: 'decode', ms: 12 },
      { name: 'cartoon', ms: 80.5 },
    ]);
  });

  it('skips entries without a duration and a missing header', () => {
    expect(parseServerTiming('cache, total;dur=abc')).toEqual([]);
    expect(parseServerTiming(null)).toEqual([]);
  });
});

describe('pathFor', () => {
  it('sends photos up to the sync limit directly and larger ones through uploads', () => {
    expect(pathFor(SYNC_LIMIT_BYTES)).toBe('direct');
    expect(pathFor(SYNC_LIMIT_BYTES + 1)).toBe('upload');
  });
});

describe('cost panel', () => {
  const inputs = { requestsPerMonth: 2e6, payloadKb: 600, memoryMb: 1024, durationMs: 700 };

  it('shows the figures the CLI computes for the same flags', () => {
    const cli = costReport(workload({ ...inputs, arch: 'arm64' }));
    expect(costRows(panelReport(inputs)).map((r) => r.monthly)).toEqual(
      cli.variants.map((v) => formatUsd(v.monthlyUsd)),
    );
  });

  it('draws one line per variant', () => {
    const svg = costChartSvg(panelReport(inputs));
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).not.toContain('NaN');
  });
});
