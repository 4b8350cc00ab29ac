// `npm run local-cloud` as a user runs it: the real lambda-zip artifacts (function zips and
// the layer built for this CPU) behind the front door and the S3 endpoint, uploads dropped in
// with the real AWS CLI v2, and a shutdown that leaves no process behind. Builds what is
// missing first (npm run package, the x64 layer, Debian's awscli).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import sharp from 'sharp';
import type { Endpoints } from '../../local-cloud/local-cloud';
import { parseReports } from '../../local-cloud/report-log';
import { photoPath } from '../support/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATE = path.join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const AWS = '/usr/bin/aws';
const ARCH = process.arch;

let dir: string;
let cli: ChildProcess;
let endpoints: Endpoints;
let s3: S3Client;
let bucket: string;
let url: string;

function ensureArtifacts(): void {
  const run = (args: string[]) => execFileSync('npm', args, { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(TEMPLATE) || !existsSync(path.join(ROOT, 'build', 'functions', 'api.zip'))) {
    run(['run', 'package']);
  }
  if (!existsSync(path.join(ROOT, 'build', `layer-${ARCH}.zip`))) {
    run(['run', 'build:layer', '--', '--arch', ARCH]);
  }
  execFileSync(path.join(ROOT, 'scripts', 'ensure-awscli.sh'), { stdio: 'ignore' });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function awsCli(...args: string[]): string {
  return execFileSync(AWS, ['--endpoint-url', endpoints.s3.endpoint, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
      AWS_DEFAULT_REGION: endpoints.s3.region,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
}

/** Every process below `pid`, found through /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function apiReports() {
  const log = path.join(endpoints.logs, 'cartoon-compute-dev-api.log');
  return existsSync(log) ? parseReports(readFileSync(log, 'utf8')) : [];
}

beforeAll(async () => {
  ensureArtifacts();
  dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-e2e-'));
  cli = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [
      '--tsconfig',
      'tsconfig.json',
      'scripts/start-local-cloud.ts',
      '--s3-port',
      '0',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--no-persist',
      '--log-level',
      'quiet',
      '--retry-scale',
      '0.001',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const file = path.join(dir, 'endpoints.json');
  endpoints = await waitFor(
    'endpoints.json',
    async () =>
      existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Endpoints) : undefined,
    60_000,
  );
  const variant = endpoints.variants['lambda-zip'];
  url = variant?.url ?? '';
  bucket = variant?.bucket ?? '';
  s3 = new S3Client({
    region: endpoints.s3.region,
    endpoint: endpoints.s3.endpoint,
    forcePathStyle: true,
    credentials: {
      accessKeyId: endpoints.s3.accessKeyId,
      secretAccessKey: endpoints.s3.secretAccessKey,
    },
  });
}, 240_000);

afterAll(() => {
  s3?.destroy();
  if (cli.exitCode === null) cli.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('local cloud (lambda-zip, real artifacts)', () => {
  it('lists its flags with --help', () => {
    const help = execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['--tsconfig', 'tsconfig.json', 'scripts/start-local-cloud.ts', '--help'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    for (const flag of ['--variants', '--s3-port', '--port', '--idle-timeout', '--log-level']) {
      expect(help).toContain(flag);
    }
  });

  it('answers the first request cold with an Init Duration and the next one warm', async () => {
    const first = await fetch(`${url}/health`);
    const second = await fetch(`${url}/health`);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.headers.get('apigw-requestid')).toBeTruthy();
    const reports = await waitFor(
      'two REPORT lines',
      async () => {
        const found = apiReports();
        return found.length >= 2 ? found : undefined;
      },
      5_000,
    );
    expect(reports[0]?.initDurationMs).toBeGreaterThan(0);
    expect(reports[1]?.initDurationMs).toBeUndefined();
    expect(reports[0]?.memorySizeMb).toBe(1769);
  });

  it('turns a photo POSTed to /cartoon into a cartoon', async () => {
    const photo = readFileSync(photoPath('rocket.jpg'));

    const response = await fetch(`${url}/cartoon?maxSide=256`, {
      method: 'POST',
      body: photo,
      headers: { 'content-type': 'image/jpeg' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-cartoon-variant')).toBe('lambda-zip');
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 256, 171]);
  });

  it('cartoonizes an upload dropped in with the AWS CLI within 30 s', async () => {
    const file = path.join(dir, 'IMG_0001.jpg');
    writeFileSync(file, readFileSync(photoPath('rocket.jpg')));

    awsCli('s3', 'cp', file, `s3://${bucket}/uploads/`);

    const key = await waitFor(
      'a cartoon',
      async () => {
        const listed = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: 'cartoons/IMG_0001' }),
        );
        return listed.Contents?.[0]?.Key;
      },
      30_000,
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const cartoon = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect((await sharp(cartoon).metadata()).format).toBe('jpeg');
  }, 40_000);

  it('stores AWS CLI uploads byte-exact, multipart ones too', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024); // over the CLI's 8 MB multipart threshold
    for (let i = 0; i < big.length; i += 1) big[i] = (i * 2_654_435_761) >>> 24;
    const file = path.join(dir, 'big.bin');
    writeFileSync(file, big);

    awsCli('s3', 'cp', file, `s3://${bucket}/other/big.bin`);

    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'other/big.bin' }));
    const stored = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(stored.equals(big)).toBe(true);
    expect(object.ETag).toMatch(/-2"$/);
  }, 30_000);

  it('records a non-image upload under failed/, with no destination message (the handler resolves)', async () => {
    const file = path.join(dir, 'notes.jpg');
    writeFileSync(file, 'these are notes, not a photo\n');

    awsCli('s3', 'cp', file, `s3://${bucket}/uploads/notes.jpg`);

    await waitFor(
      'a failure record',
      async () => {
        const listed = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: 'failed/' }),
        );
        return listed.Contents?.find((o) => o.Key?.includes('notes'))?.Key;
      },
      30_000,
    );
    const sqs = new SQSClient({
      region: endpoints.s3.region,
      endpoint: endpoints.s3.endpoint,
      credentials: {
        accessKeyId: endpoints.s3.accessKeyId,
        secretAccessKey: endpoints.s3.secretAccessKey,
      },
      useQueueUrlAsEndpoint: false,
    });
    const queue = Object.values(endpoints.queues)[0] ?? '';
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 1 }),
    );
    sqs.destroy();
    expect(received.Messages ?? []).toHaveLength(0);
  }, 40_000);

  it('stops on SIGTERM within seconds and leaves no process behind', async () => {
    const pids = descendants(cli.pid ?? -1);
    expect(pids.length).toBeGreaterThanOrEqual(3); // fauxqs and at least two environments

    cli.kill('SIGTERM');
    await waitFor(
      'the CLI to exit',
      async () => (cli.exitCode !== null || cli.signalCode !== null ? true : undefined),
      8_000,
    );
    await waitFor(
      'every child to be gone',
      async () => (pids.some(running) ? undefined : true),
      3_000,
    );

    expect(pids.filter(running)).toEqual([]);
  }, 15_000);
});
