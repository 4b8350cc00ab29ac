// Which files each variant runs from, and which builds `npm start` runs for a fresh, a built
// and a stale checkout: a temporary repository layout, the build commands recorded, not run.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureBuilt,
  VARIANT_NAMES,
  variantFiles,
  variantSources,
} from '../../../local-cloud/variants';

let root: string;
let commands: string[];
let synths: number;

function file(relative: string, ageSeconds: number): void {
  const target = path.join(root, relative);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, relative);
  const when = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(target, when, when);
}

/** Sources 100 s old, every build output 10 s old: an up-to-date checkout. */
function builtCheckout(): void {
  for (const source of [
    'services/api/handler.ts',
    'layers/core/src/index.ts',
    'layers/core/package.json',
    'package-lock.json',
    'serverless.yml',
    'container/fargate/Dockerfile',
    'infra/lib/app.ts',
  ]) {
    file(source, 100);
  }
  for (const output of [
    '.serverless/cloudformation-template-update-stack.json',
    'build/layer-x64.zip',
    'build/containers/lambda-image/Dockerfile',
    'build/containers/fargate-x86_64/Dockerfile',
    'build/cdk.out/LambdaImage.template.json',
    'build/cdk.out/Fargate.template.json',
    'build/cdk.out/ManagedInstances.template.json',
  ]) {
    file(output, 10);
  }
}

const build = () =>
  ensureBuilt(VARIANT_NAMES, {
    root,
    arch: 'x64',
    run: (command) => {
      commands.push(command.join(' '));
    },
    synth: async () => {
      synths += 1;
    },
  });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'variants-'));
  commands = [];
  synths = 0;
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

it('runs lambda-image and fargate from the CDK templates and this CPU’s staged contexts', () => {
  expect(variantFiles('fargate', root, 'x64')).toEqual({
    template: path.join(root, 'build/cdk.out/Fargate.template.json'),
    imageContext: path.join(root, 'build/containers/fargate-x86_64'),
  });
  expect(variantFiles('fargate', root, 'arm64').imageContext).toBe(
    path.join(root, 'build/containers/fargate'),
  );
  expect(variantFiles('lambda-image', root, 'x64').imageReplace).toEqual({
    '/opt/nodejs/node_modules': path.join(root, 'build/layer/x64/nodejs/node_modules'),
  });
  expect(
    variantSources(['lambda-zip', 'fargate'], { root, port: 3000, tasks: 3 }).map((v) => [
      v.name,
      v.port,
      v.tasks,
    ]),
  ).toEqual([
    ['lambda-zip', 3000, undefined],
    ['fargate', 3001, 3],
  ]);
});

it('runs managed-instances from its CDK template, its staged assets and this CPU’s layer', () => {
  expect(variantFiles('managed-instances', root, 'x64')).toEqual({
    template: path.join(root, 'build/cdk.out/ManagedInstances.template.json'),
    assetDir: path.join(root, 'build/cdk.out'),
    layerDir: path.join(root, 'build/layer/x64'),
  });
  expect(variantSources(['managed-instances'], { root })[0]).toMatchObject({
    name: 'managed-instances',
    assetDir: path.join(root, 'build/cdk.out'),
  });
});

it('builds this CPU’s layer for managed-instances even without lambda-zip', async () => {
  builtCheckout();
  file('layers/core/src/index.ts', 1);

  await ensureBuilt(['managed-instances'], {
    root,
    arch: 'x64',
    run: (command) => {
      commands.push(command.join(' '));
    },
    synth: async () => {
      synths += 1;
    },
  });

  expect(commands).toEqual(['npm run build:layer -- --arch x64', 'npm run build:containers']);
});

it('builds everything on a fresh checkout, each step once, in order', async () => {
  const taken = await build();

  expect(commands).toEqual([
    'npm run package',
    'npm run build:layer -- --arch x64',
    'npm run build:containers',
  ]);
  expect(synths).toBe(1);
  expect(taken).toHaveLength(4);
});

it('builds nothing when every output is newer than its sources', async () => {
  builtCheckout();

  expect(await build()).toEqual([]);
  expect(commands).toEqual([]);
});

it('restages the containers after a Dockerfile change, and only that', async () => {
  builtCheckout();
  file('container/lambda-image/Dockerfile', 1);

  await build();

  expect(commands).toEqual(['npm run build:containers']);
  // The staged Dockerfiles are still the old ones here (the run was recorded, not done), and
  // the templates are older than infra/ only when infra changes: no synth.
  expect(synths).toBe(0);
});

it('resynthesizes after an infra change without rebuilding anything else', async () => {
  builtCheckout();
  file('infra/lib/fargate-stack.ts', 1);

  await build();

  expect(commands).toEqual([]);
  expect(synths).toBe(1);
});
