// One region everywhere: the load test and the deploy scripts resolve it the same way
// (--region, else the SDK's chain, else DEFAULT_REGION), serverless.yml defaults to the same
// one, and the CDK deploy is handed it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_REGION, resolveRegion } from '../../../loadtest/aws/region';
import { parseDeployArgs } from '../../../scripts/lib/deploy-args';
import { deployPlan, destroyPlan } from '../../../scripts/lib/deploy-plan';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SDK_LOAD_CONFIG',
];

describe('the region', () => {
  const saved: Record<string, string | undefined> = {};
  let dir: string;
  beforeEach(() => {
    for (const k of KEYS) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    dir = mkdtempSync(path.join(tmpdir(), 'aws-config-'));
    // An empty config file, so a developer's own ~/.aws/config does not leak in.
    process.env.AWS_CONFIG_FILE = path.join(dir, `config-${Math.random()}`);
    writeFileSync(process.env.AWS_CONFIG_FILE, '');
  });
  afterEach(() => {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is serverless.yml’s default when nothing names one', async () => {
    const yml = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    const fallback = /^\s+region: \$\{opt:region, '([a-z0-9-]+)'\}/m.exec(yml)?.[1];
    expect(fallback).toBe(DEFAULT_REGION);
    expect(await resolveRegion(undefined)).toEqual({ region: DEFAULT_REGION, source: 'default' });
  });

  it('follows AWS_REGION, then the profile’s region, and --region above both', async () => {
    const config = path.join(dir, 'config-profile');
    writeFileSync(config, '[profile demo]\nregion = ap-southeast-2\n');
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_PROFILE = 'demo';
    expect(await resolveRegion(undefined)).toEqual({ region: 'ap-southeast-2', source: 'sdk' });
    process.env.AWS_REGION = 'us-west-2';
    expect(await resolveRegion(undefined)).toEqual({ region: 'us-west-2', source: 'sdk' });
    expect(await resolveRegion('eu-central-1')).toEqual({ region: 'eu-central-1', source: 'flag' });
  });

  it('is the one every deploy and destroy command is given', () => {
    const options = { stage: 'dev', region: 'us-west-2', extra: [] };
    for (const variant of ['lambda-zip', 'lambda-image', 'fargate'] as const) {
      for (const plan of [deployPlan(variant, options), destroyPlan(variant, options)]) {
        const tool = plan.at(-1);
        if (tool?.command === 'serverless') {
          expect(tool.args.join(' ')).toContain('--stage dev --region us-west-2');
        } else {
          expect(tool?.env).toEqual({ AWS_REGION: 'us-west-2' });
          expect(tool?.args).toEqual(expect.arrayContaining(['-c', 'stage=dev']));
        }
      }
    }
  });
});

describe('unattended deploys', () => {
  const options = { stage: 'dev', region: 'eu-west-1', extra: ['-c', 'spot=true'] };

  it('deploys the CDK stacks without asking for approval, after staging their images', () => {
    expect(deployPlan('fargate', options).map((c) => [c.command, ...c.args].join(' '))).toEqual([
      'npm run build:containers',
      'cdk deploy Fargate --require-approval never -c stage=dev -c spot=true',
    ]);
  });

  it('destroys without the confirmation prompt', () => {
    expect(destroyPlan('lambda-image', { ...options, extra: [] }).at(-1)?.args).toEqual([
      'destroy',
      'LambdaImage',
      '--force',
      '-c',
      'stage=dev',
    ]);
  });

  it('builds the layer and functions before serverless deploy', () => {
    expect(
      deployPlan('lambda-zip', { ...options, extra: ['--param=apiMemory=3008'] }).map((c) =>
        c.args.join(' '),
      ),
    ).toEqual([
      'run build:layer',
      'run build:functions',
      'deploy --stage dev --region eu-west-1 --param=apiMemory=3008',
    ]);
  });

  it('reads the variant and its own flags, passing the rest on, and refuses a second stage', () => {
    expect(
      parseDeployArgs(['fargate', '--stage=prod', '--region', 'us-east-1', '-c', 'spot=true']),
    ).toEqual({
      variant: 'fargate',
      stage: 'prod',
      region: 'us-east-1',
      dryRun: false,
      extra: ['-c', 'spot=true'],
    });
    expect(() => parseDeployArgs(['gke'])).toThrow('the first argument must be one of');
    expect(() => deployPlan('fargate', { ...options, extra: ['-c', 'stage=prod'] })).toThrow(
      '--stage',
    );
    expect(() => parseDeployArgs(['fargate', '--stage', 'Prod_1'])).toThrow('lower case');
  });
});
