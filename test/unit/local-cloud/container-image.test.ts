// Reading a staged build context as the image it becomes: the final stage's ENV and CMD, and
// its files laid out where the COPY lines put them (one layer swapped for this CPU's).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageEnv, layOutImage, readImage } from '../../../local-cloud/container-image';

let dir: string;
// Docker's own ${…} syntax, not template literals.
const ARG = (name: string) => ['$', `{${name}}`].join('');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'container-image-'));
  const context = path.join(dir, 'context');
  for (const sub of [
    'functions/api',
    'functions/queue',
    'layer/nodejs/node_modules/core',
    'x64/core',
  ]) {
    mkdirSync(path.join(context, sub), { recursive: true });
  }
  writeFileSync(path.join(context, 'functions/api/index.js'), 'api');
  writeFileSync(path.join(context, 'functions/queue/index.js'), 'queue');
  writeFileSync(path.join(context, 'layer/nodejs/node_modules/core/arch'), 'arm64');
  writeFileSync(path.join(context, 'x64/core/arch'), 'x64');
  writeFileSync(
    path.join(context, 'Dockerfile'),
    [
      'ARG PLATFORM=linux/arm64',
      `FROM --platform=${ARG('PLATFORM')} node:24 AS verify`,
      'ENV STAGE=one',
      'FROM --platform=linux/arm64 public.ecr.aws/lambda/nodejs:24',
      'COPY layer/nodejs/node_modules /opt/nodejs/node_modules',
      `COPY functions/api ${ARG('LAMBDA_TASK_ROOT')}/api`,
      `COPY functions/queue ${ARG('LAMBDA_TASK_ROOT')}/queue`,
      'COPY --from=verify /app /app',
      'ENV NODE_PATH=/opt/nodejs/node_modules:/var/task \\',
      '    VARIANT=lambda-image',
      'CMD ["api/index.handler"]',
    ].join('\n'),
  );
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('reads the final stage only: its platform, ENV, CMD and context COPY lines', () => {
  const image = readImage(path.join(dir, 'context'));

  expect(image.platform).toBe('linux/arm64');
  expect(image.env).toEqual({
    NODE_PATH: '/opt/nodejs/node_modules:/var/task',
    VARIANT: 'lambda-image',
  });
  expect(image.cmd).toEqual(['api/index.handler']);
  expect(image.copies.map((c) => c.destination)).toEqual([
    '/opt/nodejs/node_modules',
    '/var/task/api',
    '/var/task/queue',
  ]);
});

it('lays the files out under a root, with a destination replaced by another folder', () => {
  const image = readImage(path.join(dir, 'context'));
  const root = path.join(dir, 'root');

  layOutImage(image, root, { '/opt/nodejs/node_modules': path.join(dir, 'context', 'x64') });

  expect(readFileSync(path.join(root, 'var/task/api/index.js'), 'utf8')).toBe('api');
  expect(readFileSync(path.join(root, 'var/task/queue/index.js'), 'utf8')).toBe('queue');
  expect(readFileSync(path.join(root, 'opt/nodejs/node_modules/core/arch'), 'utf8')).toBe('x64');
  expect(imageEnv(image, root).NODE_PATH).toBe(`${root}/opt/nodejs/node_modules:${root}/var/task`);
});

it('says how to stage a context that is missing', () => {
  expect(() => readImage(path.join(dir, 'nowhere'))).toThrow(/npm run build:containers/);
});
