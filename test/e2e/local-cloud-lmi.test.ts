// `npm start` with the managed-instances variant: its CDK template read into a Lambda Managed
// Instances pool (environments started before the front door opens, many invocations each),
// the HTTP contract and the S3 path through SQS, beside lambda-zip for the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseLmiReports } from '../../local-cloud/lmi-log';
import { photoPath } from '../support/fixtures';
import { type RunningCloud, startCloudCli } from '../support/local-cloud-cli';
import { waitFor } from '../support/poll';

let cloud: RunningCloud;

function variant(name: string): { url: string; bucket: string } {
  const v = cloud.endpoints.variants[name];
  return { url: v?.url ?? '', bucket: v?.bucket ?? '' };
}

async function cartoon(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${url}/cartoon?style=comic`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: readFileSync(photoPath('rocket.jpg')),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

beforeAll(async () => {
  cloud = await startCloudCli([
    '--variants',
    'lambda-zip,managed-instances',
    '--log-level',
    'quiet',
  ]);
}, 320_000);

afterAll(async () => {
  await cloud?.dispose();
}, 30_000);

describe('npm start: managed-instances', () => {
  it('answers /cartoon with the same bytes as lambda-zip, as the managed-instances variant', async () => {
    const zip = await cartoon(variant('lambda-zip').url);
    const lmi = await cartoon(variant('managed-instances').url);

    expect(lmi.status).toBe(200);
    expect(lmi.headers.get('x-cartoon-variant')).toBe('managed-instances');
    expect(lmi.body.equals(zip.body)).toBe(true);
  }, 60_000);

  it('runs requests at once in its one environment, and answers 429 past its slots', async () => {
    const { url } = variant('managed-instances');

    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => cartoon(url)));

    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    // Two slots (PerExecutionEnvironmentMaxConcurrency 2) in one local environment.
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok.every((a) => a.body.equals(ok[0]?.body ?? Buffer.alloc(0)))).toBe(true);
    for (const a of refused) {
      expect(a.status).toBe(429);
      expect(a.body.toString()).toBe('{"message":"Too Many Requests"}');
    }
  }, 60_000);

  it('cartoonizes an upload through its queue and event source mapping', async () => {
    const { bucket } = variant('managed-instances');
    const file = path.join(cloud.dir, 'IMG_0002.jpg');
    writeFileSync(file, readFileSync(photoPath('rocket.jpg')));

    cloud.aws('s3', 'cp', file, `s3://${bucket}/uploads/`);

    const key = await waitFor(async () => (await cloud.keys(bucket, 'cartoons/IMG_0002'))[0], {
      what: 'a cartoon',
      timeoutMs: 30_000,
      retryErrors: true,
    });
    expect((await cloud.read(bucket, key)).length).toBeGreaterThan(1000);
  }, 40_000);

  it('logs JSON platform reports for its invocations', () => {
    const log = readFileSync(
      path.join(cloud.endpoints.logs, 'managed-instances-ApiF70053CD.log'),
      'utf8',
    );

    const reports = parseLmiReports(log);
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(log).toContain('"type":"platform.initReport"');
  });
});
