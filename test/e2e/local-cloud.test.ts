// `npm start` as a user runs it: all three variants from their real artifacts and templates
// (lambda-zip's zips and layer, lambda-image's staged image, fargate's staged server), the
// HTTP path of each, uploads dropped in with the real AWS CLI v2, failures, lambda-image's
// dead-letter queue, fargate's task replacement, and a shutdown that leaves no process behind.
// The CLI builds whatever is missing first. Redelivery is shortened with --visibility-scale.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import sharp from 'sharp';
import { parseReports } from '../../local-cloud/report-log';
import { photoPath } from '../support/fixtures';
import {
  commandLine,
  descendants,
  E2E_CLOUD_FLAGS,
  type RunningCloud,
  running,
  startCloudCli,
  VARIANTS,
} from '../support/local-cloud-cli';
import { waitFor } from '../support/poll';

const ROOT = path.resolve(__dirname, '..', '..');

let cloud: RunningCloud;

function variant(name: string): { url: string; bucket: string } {
  const v = cloud.endpoints.variants[name];
  return { url: v?.url ?? '', bucket: v?.bucket ?? '' };
}

function reports(logFile: string) {
  const file = path.join(cloud.endpoints.logs, logFile);
  return existsSync(file) ? parseReports(readFileSync(file, 'utf8')) : [];
}

function queueUrl(pattern: RegExp): string {
  const found = Object.entries(cloud.endpoints.queues).find(([name]) => pattern.test(name));
  if (found === undefined) throw new Error(`no queue like ${pattern}`);
  return found[1];
}

beforeAll(async () => {
  cloud = await startCloudCli(E2E_CLOUD_FLAGS);
}, 320_000);

afterAll(async () => {
  await cloud?.dispose();
}, 30_000);

describe('npm start: the local cloud with all three variants', () => {
  it('lists its flags with --help', () => {
    const help = execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['--tsconfig', 'tsconfig.json', 'scripts/start-local-cloud.ts', '--help'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    for (const flag of ['--variants', '--tasks', '--s3-port', '--port', '--no-build']) {
      expect(help).toContain(flag);
    }
  });

  it.each([
    [['--tasks', '1.5'], 'Expected integer of at least 1 for --tasks but received 1.5'],
    [['--port', '70000'], 'Expected integer between 0 and 65535 for --port but received 70000'],
    [['--idle-timeout', ''], "Expected number of at least 0 for --idle-timeout but received ''"],
    [['--tasks'], "Option '--tasks <value>' argument missing"],
  ])('refuses %j with exit code 2 before building or starting anything', (args, message) => {
    const run = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['--tsconfig', 'tsconfig.json', 'scripts/start-local-cloud.ts', ...args],
      { cwd: ROOT, encoding: 'utf8' },
    );

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('npm start -- --help lists the flags');
    expect(run.stdout).toBe('');
  });

  it('writes every variant, the queues and the logs folder to endpoints.json', () => {
    expect(Object.keys(cloud.endpoints.variants)).toEqual([...VARIANTS]);
    for (const name of VARIANTS) {
      expect(variant(name).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(variant(name).bucket).toBeTruthy();
    }
    expect(new Set(VARIANTS.map((name) => variant(name).bucket)).size).toBe(3);
    expect(Object.keys(cloud.endpoints.queues)).toEqual(
      expect.arrayContaining([
        'cartoon-compute-dev-process-failures',
        expect.stringMatching(/^lambda-image-StorageQueue/),
        expect.stringMatching(/^lambda-image-StorageDeadLetterQueue/),
        expect.stringMatching(/^fargate-StorageQueue/),
        expect.stringMatching(/^fargate-StorageDeadLetterQueue/),
      ]),
    );
    expect(existsSync(cloud.endpoints.logs)).toBe(true);
  });

  it('answers cold with an Init Duration and then warm, for both Lambda variants', async () => {
    for (const [name, log] of [
      ['lambda-zip', 'cartoon-compute-dev-api.log'],
      ['lambda-image', readdirSync(cloud.endpoints.logs).find((f) => /^lambda-image-Api/.test(f))],
    ] as const) {
      const first = await fetch(`${variant(name).url}/health`);
      const second = await fetch(`${variant(name).url}/health`);
      expect([first.status, second.status]).toEqual([200, 200]);
      const found = await waitFor(
        async () => {
          const all = reports(log ?? `${name}-api.log`);
          return all.length >= 2 ? all : undefined;
        },
        { what: `two REPORT lines of ${name}`, timeoutMs: 5_000, retryErrors: true },
      );
      expect(found[0]?.initDurationMs).toBeGreaterThan(0);
      expect(found[1]?.initDurationMs).toBeUndefined();
      expect(found[0]?.memorySizeMb).toBe(1769);
    }
  });

  it('turns a photo POSTed to /cartoon into the same cartoon bytes on every variant', async () => {
    const photo = readFileSync(photoPath('rocket.jpg'));
    const bodies: Buffer[] = [];

    for (const name of VARIANTS) {
      const response = await fetch(`${variant(name).url}/cartoon?style=comic&maxSide=256`, {
        method: 'POST',
        body: photo,
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('x-cartoon-variant')).toBe(name);
      bodies.push(Buffer.from(await response.arrayBuffer()));
    }

    const metadata = await sharp(bodies[0]).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 256, 171]);
    // One core, one layer: the image/jpeg body crossed each front door byte-exact both ways.
    expect(bodies[1]?.equals(bodies[0] ?? Buffer.alloc(0))).toBe(true);
    expect(bodies[2]?.equals(bodies[0] ?? Buffer.alloc(0))).toBe(true);
  }, 60_000);

  it.each(VARIANTS)(
    '%s: cartoonizes an upload dropped in with the AWS CLI within 30 s',
    async (name) => {
      const { bucket } = variant(name);
      const file = path.join(cloud.dir, 'IMG_0001.jpg');
      writeFileSync(file, readFileSync(photoPath('rocket.jpg')));

      cloud.aws('s3', 'cp', file, `s3://${bucket}/uploads/`);

      const key = await waitFor(async () => (await cloud.keys(bucket, 'cartoons/IMG_0001'))[0], {
        what: 'a cartoon',
        timeoutMs: 30_000,
        retryErrors: true,
      });
      expect((await sharp(await cloud.read(bucket, key)).metadata()).format).toBe('jpeg');
    },
    40_000,
  );

  it.each(VARIANTS)(
    '%s: records a non-image upload under failed/ and keeps the upload',
    async (name) => {
      const { bucket } = variant(name);
      const file = path.join(cloud.dir, 'notes.jpg');
      writeFileSync(file, 'these are notes, not a photo\n');

      cloud.aws('s3', 'cp', file, `s3://${bucket}/uploads/notes.jpg`);

      await waitFor(
        async () => (await cloud.keys(bucket, 'failed/')).find((k) => k.includes('notes')),
        { what: 'a failure record', timeoutMs: 30_000, retryErrors: true },
      );
      expect(await cloud.keys(bucket, 'uploads/notes.jpg')).toEqual(['uploads/notes.jpg']);
    },
    40_000,
  );

  it('lambda-zip: a resolved failure sends no destination message', async () => {
    const received = await cloud.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl(/process-failures$/),
        WaitTimeSeconds: 1,
      }),
    );
    expect(received.Messages ?? []).toHaveLength(0);
  });

  it.each(['lambda-image', 'fargate'])(
    '%s: a message the handler throws on ends in the dead-letter queue after maxReceiveCount',
    async (name) => {
      const main = queueUrl(new RegExp(`^${name}-StorageQueue`));
      const dlq = queueUrl(new RegExp(`^${name}-StorageDeadLetterQueue`));

      await cloud.sqs.send(new SendMessageCommand({ QueueUrl: main, MessageBody: 'not json' }));

      const dead = await waitFor(
        async () => {
          const got = await cloud.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: dlq,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            }),
          );
          return got.Messages?.find((m) => m.Body === 'not json');
        },
        { what: 'a dead letter', timeoutMs: 60_000, retryErrors: true },
      );
      expect(dead.Body).toBe('not json');
    },
    70_000,
  );

  it('fargate: replaces a task killed with SIGKILL and keeps answering through the balancer', async () => {
    const tasks = () =>
      descendants(cloud.cli.pid ?? -1).filter((pid) => commandLine(pid).includes('server.js'));
    const before = tasks();
    expect(before).toHaveLength(2);

    process.kill(before[0] ?? -1, 'SIGKILL');

    const after = await waitFor(
      async () => {
        const now = tasks().filter(running);
        return now.length === 2 && !now.includes(before[0] ?? -1) ? now : undefined;
      },
      { what: 'a replacement task', timeoutMs: 30_000, retryErrors: true },
    );
    expect(after).toContain(before[1]);
    expect(existsSync(path.join(cloud.endpoints.logs, 'fargate-task-3.log'))).toBe(true);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${variant('fargate').url}/health`)),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  }, 40_000);

  it('stops on SIGTERM and leaves no process behind (environments and tasks included)', async () => {
    const pids = descendants(cloud.cli.pid ?? -1);
    // fauxqs, two fargate tasks and at least the environments the tests above started.
    expect(pids.filter((pid) => commandLine(pid).includes('server.js'))).toHaveLength(2);
    expect(pids.length).toBeGreaterThanOrEqual(6);

    cloud.cli.kill('SIGTERM');
    await waitFor(
      async () => (cloud.cli.exitCode !== null || cloud.cli.signalCode !== null ? true : undefined),
      { what: 'the CLI to exit', timeoutMs: 20_000, retryErrors: true },
    );
    await waitFor(async () => (pids.some(running) ? undefined : true), {
      what: 'every child to be gone',
      timeoutMs: 5_000,
      retryErrors: true,
    });

    expect(pids.filter(running)).toEqual([]);
  }, 30_000);
});
