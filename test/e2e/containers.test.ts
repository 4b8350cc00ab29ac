// Stages the container build contexts with `npm run build:containers` and checks them as
// `docker build` would use them, with no engine: every COPY source is in the context, the
// native binaries match each image's CPU, no dev dependencies, a non-root fargate user, and
// the images' own entry points run from the paths the images would have: the fargate server
// (HTTP and its bundled SQS worker, against a local S3 and SQS)
// from the x86_64 context with the Dockerfile's CMD, the lambda-image handlers from a
// /var/task + /opt laid out by the Dockerfile's COPY lines.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3ImageStore } from '@cartoon-compute/core/s3';
import sharp from 'sharp';
import {
  all,
  copyLines,
  type Dockerfile,
  envOf,
  execForm,
  lastOf,
  layOut,
  parseDockerfile,
} from '../support/dockerfile';
import { EM_AARCH64, EM_X86_64, elfMachine } from '../support/elf';
import {
  type FargateProcess,
  fargateTestEnv,
  startFargateProcess,
} from '../support/fargate-process';
import { photo, photoPath } from '../support/fixtures';
import { httpCall } from '../support/http-client';
import { type LocalS3, startLocalS3 } from '../support/local-s3';
import { createQueues, type LocalQueues, messageCount, s3Notification } from '../support/local-sqs';
import { waitFor } from '../support/poll';

const ROOT = path.resolve(__dirname, '..', '..');
const CONTEXTS = path.join(ROOT, 'build', 'containers');
const NODE = process.execPath;
const MB = 1024 * 1024;
/** Packages that only building and testing need; none may reach an image. */
const DEV_PACKAGES = ['typescript', 'jest', 'esbuild', 'tsx', '@biomejs', 'ts-jest', 'node'];

function dockerfile(context: string): Dockerfile {
  return parseDockerfile(readFileSync(path.join(CONTEXTS, context, 'Dockerfile'), 'utf8'));
}

/** The distinct ELF e_machine values of these files (undefined for a file that is not ELF). */
function machinesOf(files: readonly string[]): (number | undefined)[] {
  return [...new Set(files.map((file) => elfMachine(readFileSync(file))))];
}

function nativeAddons(modules: string): string[] {
  return readdirSync(modules, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.node') || /\.so(\.\d+)*$/.test(file))
    .map((file) => path.join(modules, file));
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((file) => statSync(path.join(dir, file)))
    .filter((stat) => stat.isFile())
    .reduce((sum, stat) => sum + stat.size, 0);
}

/** A directory outside the repo from which no node_modules of the repo can be reached. */
function sandbox(prefix: string): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    if (existsSync(path.join(up, 'node_modules'))) throw new Error(`${up}/node_modules reachable`);
  }
  return dir;
}

let buildOutput = '';

beforeAll(() => {
  const run = spawnSync('npm', ['run', 'build:containers'], { cwd: ROOT, encoding: 'utf8' });
  buildOutput = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`build:containers failed (${run.status}):\n${buildOutput}`);
}, 600_000);

describe.each(['lambda-image', 'fargate', 'fargate-x86_64'])('the %s build context', (name) => {
  test('has every COPY source of its Dockerfile, and is a sensible size', () => {
    const { stages } = dockerfile(name);
    const sources = stages.flatMap((stage) =>
      copyLines(stage)
        .filter((copy) => !copy.from)
        .flatMap((copy) => copy.sources),
    );

    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !existsSync(path.join(CONTEXTS, name, source)))).toEqual([]);
    const match = buildOutput.match(new RegExp(`context build/containers/${name}: ([\\d.]+) MB`));
    expect(Number(match?.[1])).toBeGreaterThan(10);
    expect(sizeOf(path.join(CONTEXTS, name))).toBeLessThan(60 * MB);
  });

  test('holds no dev dependencies and no TypeScript sources', () => {
    const files = readdirSync(path.join(CONTEXTS, name), { recursive: true, encoding: 'utf8' });
    const modules = files.filter((file) => /(^|\/)node_modules\/[^/]+(\/[^/]+)?$/.test(file));
    for (const dev of DEV_PACKAGES) {
      expect(modules.filter((m) => m.endsWith(`node_modules/${dev}`))).toEqual([]);
    }
    expect(files.filter((file) => /\.(ts|mts|cts)$/.test(file) && !/\.d\.ts$/.test(file))).toEqual(
      [],
    );
  });
});

describe('lambda-image', () => {
  // Read when used, never while jest collects the tests: beforeAll stages the context first.
  let stages: Dockerfile['stages'] = [];
  let stage: Dockerfile['stages'][number] | undefined;
  beforeAll(() => {
    stages = dockerfile('lambda-image').stages;
    stage = stages.at(-1);
  });

  test('is the Lambda Node.js 24 base for arm64, with the api handler as its CMD', () => {
    expect(stages).toHaveLength(1);
    expect(stage?.from).toMatch(/^public\.ecr\.aws\/lambda\/nodejs:24-arm64@sha256:[0-9a-f]{64}$/);
    expect(stage?.platform).toBe('linux/arm64');
    expect(execForm(lastOf(stage, 'CMD'))).toEqual(['api/index.handler']);
    expect(envOf(stage).NODE_PATH?.split(':')).toContain('/opt/nodejs/node_modules');
  });

  test('holds the very same bundles as lambda-zip, and the arm64 layer', () => {
    for (const fn of ['api', 'queue', 'process']) {
      const staged = readFileSync(path.join(CONTEXTS, 'lambda-image', 'functions', fn, 'index.js'));
      const zipBuild = readFileSync(path.join(ROOT, 'build', 'functions', fn, 'index.js'));
      expect(staged.equals(zipBuild)).toBe(true);
    }
    const addons = nativeAddons(path.join(CONTEXTS, 'lambda-image', 'layer'));
    expect(addons.length).toBeGreaterThan(0);
    expect(machinesOf(addons)).toEqual([EM_AARCH64]);
  });

  describe('laid out as /var/task and /opt', () => {
    let dir = '';
    let taskRoot = '';
    let env: NodeJS.ProcessEnv = {};

    beforeAll(() => {
      dir = sandbox('cartoon-lambda-image-');
      taskRoot = path.join(dir, 'var', 'task');
      if (!stage) throw new Error('no stage');
      layOut(stage, path.join(CONTEXTS, 'lambda-image'), dir, { LAMBDA_TASK_ROOT: '/var/task' });
      // The image's layer is arm64; this machine runs the x64 build of the same layer in its place
      // (npm run test:arm64 runs the arm64 one under emulation).
      const opt = path.join(dir, 'opt', 'nodejs', 'node_modules');
      expect(existsSync(path.join(opt, '@cartoon-compute', 'core', 'package.json'))).toBe(true);
      rmSync(opt, { recursive: true });
      layOut(
        {
          from: '',
          instructions: [{ keyword: 'COPY', args: 'nodejs/node_modules /opt/nodejs/node_modules' }],
        },
        path.join(ROOT, 'build', 'layer', 'x64'),
        dir,
      );
      // The image's ENV, with its paths moved under the sandbox, as the runtime would set them.
      const imageEnv = envOf(stage);
      env = {
        PATH: process.env.PATH,
        ...imageEnv,
        NODE_PATH: (imageEnv.NODE_PATH ?? '')
          .split(':')
          .map((entry) => path.join(dir, entry))
          .join(':'),
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example',
        BUCKET_NAME: 'cartoon-compute-e2e',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      };
    });

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Loads `<module>.<export>` from the task root as the runtime does and invokes it. */
    function invoke(handler: string, event: unknown): Record<string, unknown> {
      const dot = handler.lastIndexOf('.');
      const script = `
        const { randomUUID } = require('node:crypto');
        const module = require(require('node:path').join(process.env.LAMBDA_TASK_ROOT, ${JSON.stringify(handler.slice(0, dot))}));
        const context = { functionName: 'e2e', functionVersion: '$LATEST', awsRequestId: randomUUID(),
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:e2e', memoryLimitInMB: '1769',
          logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 29000 };
        const event = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
        Promise.resolve(module[${JSON.stringify(handler.slice(dot + 1))}](event, context))
          .then((result) => console.log(JSON.stringify({ result,
            loaded: Object.keys(require.cache).filter((f) => !f.startsWith(${JSON.stringify(dir)})) })))
          .catch((err) => { console.error(err); process.exit(1); });`;
      // The event on stdin: a photo in base64 is over the kernel's limit for one argument.
      const child = spawnSync(NODE, ['-e', script], {
        input: JSON.stringify(event),
        cwd: taskRoot,
        env,
        encoding: 'utf8',
        maxBuffer: 64 * MB,
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const { result, loaded } = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
      // Everything came from the image's paths, nothing from this repo.
      expect(loaded).toEqual([]);
      return result;
    }

    test('the CMD handler answers POST /cartoon with a cartoon', async () => {
      const [handler = ''] = execForm(lastOf(stage, 'CMD'));
      const result = invoke(handler, {
        version: '2.0',
        rawPath: '/cartoon',
        rawQueryString: 'maxSide=128',
        queryStringParameters: { maxSide: '128' },
        headers: { 'content-type': 'image/jpeg' },
        requestContext: { http: { method: 'POST', path: '/cartoon' } },
        body: photo('rocket.jpg').toString('base64'),
        isBase64Encoded: true,
      });

      expect(result.statusCode).toBe(200);
      expect(result.headers).toMatchObject({ 'x-cartoon-variant': 'lambda-image' });
      const jpeg = Buffer.from(String(result.body), 'base64');
      expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 128 });
    });

    test('the queue function (CMD queue/index.handler) acknowledges an S3 test event', () => {
      const result = invoke('queue/index.handler', {
        Records: [
          {
            messageId: 'm-1',
            body: JSON.stringify({ Event: 's3:TestEvent', Bucket: 'cartoon-compute-e2e' }),
          },
        ],
      });

      expect(result).toEqual({ batchItemFailures: [] });
    });
  });
});

describe('fargate', () => {
  test.each([
    ['fargate', 'linux/arm64', EM_AARCH64],
    ['fargate-x86_64', 'linux/amd64', EM_X86_64],
  ])(
    '%s: Node 24 for %s, multi-stage, non-root, health-checked, drained on SIGTERM',
    (name, platform, machine) => {
      const { stages } = dockerfile(name);
      const final = stages.at(-1);

      expect(stages.length).toBeGreaterThan(1);
      for (const stage of stages) {
        expect(stage.from).toMatch(/^node:24(\.|-|$)/);
        expect(stage.platform).toBe(platform);
      }
      expect(lastOf(final, 'USER')?.args).toBe('node');
      expect(lastOf(final, 'HEALTHCHECK')?.args).toContain('/health');
      expect(lastOf(final, 'STOPSIGNAL')?.args).toBe('SIGTERM');
      expect(execForm(lastOf(final, 'CMD'))).toEqual(['node', 'server.js']);
      expect(all(final, 'RUN')).toEqual([]);
      const addons = nativeAddons(path.join(CONTEXTS, name, 'node_modules'));
      expect(addons.length).toBeGreaterThan(0);
      expect(machinesOf(addons)).toEqual([machine]);
      const manifest = JSON.parse(readFileSync(path.join(CONTEXTS, name, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ private: true, main: 'server.js' });
      expect(manifest.devDependencies).toBeUndefined();
    },
  );

  describe('the x86_64 image run from its own paths', () => {
    let dir = '';
    let task: FargateProcess | undefined;
    let startMs = 0;
    let s3: LocalS3 | undefined;
    let queues: LocalQueues;

    beforeAll(async () => {
      s3 = await startLocalS3();
      queues = await createQueues(s3, { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
      const { stages } = dockerfile('fargate-x86_64');
      const [verify, final] = [stages[0], stages.at(-1)];
      if (!verify || !final) throw new Error('expected two stages');
      dir = sandbox('cartoon-fargate-');
      const verifyDir = layOut(verify, path.join(CONTEXTS, 'fargate-x86_64'), dir);
      // The final stage takes the verified /app whole.
      expect(copyLines(final)).toEqual([
        { from: verify.name, sources: [verifyDir], destination: '/app' },
      ]);
      const workdir = lastOf(final, 'WORKDIR')?.args ?? '/';
      const [command, ...args] = execForm(lastOf(final, 'CMD'));
      expect(command).toBe('node');
      const started = performance.now();
      task = await startFargateProcess(
        [NODE, ...args],
        { ...envOf(final), ...fargateTestEnv(s3, queues.queueUrl) },
        { cwd: path.join(dir, workdir) },
      );
      startMs = performance.now() - started;
    }, 60_000);

    afterAll(async () => {
      task?.kill();
      await s3?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('starts with the CMD and answers /health', async () => {
      console.log(`fargate x86_64 server: listening ${Math.round(startMs)} ms after spawn`);
      const reply = await httpCall(`http://127.0.0.1:${task?.port}`, {
        method: 'GET',
        url: '/health',
      });

      expect(reply.statusCode).toBe(200);
      expect(JSON.parse(reply.body.toString())).toMatchObject({ status: 'ok', variant: 'fargate' });
    });

    test('cartoonizes with the staged sharp', async () => {
      const reply = await httpCall(`http://127.0.0.1:${task?.port}`, {
        method: 'POST',
        url: '/cartoon?maxSide=96',
        headers: { 'content-type': 'image/png' },
        body: readFileSync(photoPath('chelsea.png')),
      });

      expect(reply.statusCode).toBe(200);
      expect(reply.headers['x-cold-start']).toBe('true');
      expect(await sharp(reply.body).metadata()).toMatchObject({ format: 'jpeg', width: 96 });
    });

    test('polls the queue and makes the cartoon of an upload (the bundled SQS path)', async () => {
      if (!s3) throw new Error('no local S3');
      const store = new S3ImageStore({ client: s3.client, bucket: s3.bucket });
      await store.put('uploads/e2e.png', photo('chelsea.png'), { contentType: 'image/png' });
      const body = await s3Notification(store, s3.bucket, 'uploads/e2e.png');

      await queues.client.send(
        new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }),
      );

      const cartoon = await waitFor(
        async () => {
          try {
            return await store.get('cartoons/e2e.png.jpg');
          } catch {
            return undefined;
          }
        },
        { what: 'the cartoon of uploads/e2e.png', timeoutMs: 15_000 },
      );
      expect(await sharp(cartoon.bytes).metadata()).toMatchObject({ format: 'jpeg' });
      await waitFor(async () => (await messageCount(queues.client, queues.queueUrl)) === 0, {
        what: 'queue empty',
        timeoutMs: 15_000,
      });
    });

    test('exits 0 on SIGTERM', async () => {
      task?.child.kill('SIGTERM');
      expect(await task?.exited()).toBe(0);
    });
  });
});
