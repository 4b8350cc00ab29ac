// The load test's AWS path against the templates that deploy: the packaged serverless template
// (lambda-zip, also with provisioned concurrency) and the synthesized CDK stacks (lambda-image,
// fargate), each "deployed" into the fake AWS as CloudFormation and Lambda would
// (test/support/deployed-template.ts). Nothing here is hand-written: the stack names, the
// output keys, the functions and the log groups they write to all come from the templates, so
// a change to a template that the load test does not follow fails here, offline.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAwsClients } from '../../loadtest/aws/clients';
import { stackNames } from '../../loadtest/aws/stacks';
import { type AwsTarget, awsTarget } from '../../loadtest/aws-target';
import { ensureBuilt, variantFiles } from '../../local-cloud/variants';
import { scratchDir, stubAssetDirs, synthesize } from '../support/cdk';
import { type Deployed, deployTemplate } from '../support/deployed-template';
import { FAKE_CREDENTIALS, FAKE_REGION, type FakeAws, startFakeAws } from '../support/fake-aws';
import { readTemplate, type Template } from '../support/template';

const ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATE = 'cloudformation-template-update-stack.json';
const FAST = {
  lambda: { minDelayS: 0.02, maxDelayS: 0.05, maxWaitS: 10, conflictRetries: 2 },
  query: { pollMs: 10, requeryMs: 20, deadlineMs: 2_000 },
  fargate: {
    minDelayS: 0.02,
    maxDelayS: 0.05,
    maxWaitS: 10,
    healthPollMs: 20,
    healthDeadlineMs: 5_000,
  },
};

interface Built {
  readonly stackName: string;
  readonly template: Template;
}

describe('the AWS load test against the templates that deploy', () => {
  const built: Record<string, Built> = {};
  let provisioned: Built;
  let aws: FakeAws;
  let stateDir: string;
  let target: AwsTarget | undefined;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    // With provisioned concurrency first: every `serverless package` clears .serverless/.
    const scratch = mkdtempSync(path.join(tmpdir(), 'contract-sls-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    await ensureBuilt(['lambda-zip']);
    const pack = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        'tsconfig.json',
        'scripts/package-offline.ts',
        '--param=apiProvisionedConcurrency=2',
        '--package',
        scratch,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
    );
    if (pack.status !== 0)
      throw new Error(`serverless package failed:\n${pack.stdout}\n${pack.stderr}`);
    await ensureBuilt(['lambda-zip']);
    // serverless names the stack <service>-<stage> unless provider.stackName says otherwise.
    const state = JSON.parse(
      readFileSync(path.join(ROOT, '.serverless', 'serverless-state.json'), 'utf8'),
    ) as { service: { service: string; provider: { stage: string; stackName?: string } } };
    const slsStack =
      state.service.provider.stackName ??
      `${state.service.service}-${state.service.provider.stage}`;
    built['lambda-zip'] = {
      stackName: slsStack,
      template: readTemplate(variantFiles('lambda-zip').template),
    };
    provisioned = { stackName: slsStack, template: readTemplate(path.join(scratch, TEMPLATE)) };

    const assets = stubAssetDirs();
    const outdir = scratchDir();
    cleanups.push(assets.remove, () => rmSync(outdir, { recursive: true, force: true }));
    const synthesized = synthesize({ outdir, assetDirs: assets.dirs, context: { stage: 'dev' } });
    for (const [variant, stack] of [
      ['lambda-image', synthesized.cartoon.lambdaImage],
      ['fargate', synthesized.cartoon.fargate],
    ] as const) {
      if (stack === undefined) throw new Error(`no ${variant} stack`);
      built[variant] = {
        stackName: stack.stackName,
        template: synthesized.template(variant),
      };
    }
  }, 600_000);

  afterAll(() => {
    for (const c of cleanups) c();
  });

  beforeEach(async () => {
    aws = await startFakeAws();
    stateDir = mkdtempSync(path.join(tmpdir(), 'contract-state-'));
    target = undefined;
  });
  afterEach(async () => {
    await target?.close();
    await aws?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const open = async (variant: string, notes: string[] = []) => {
    target = await awsTarget({
      stage: 'dev',
      region: FAKE_REGION,
      variants: [variant],
      stateDir,
      note: (n) => notes.push(n),
      clients: createAwsClients({
        region: FAKE_REGION,
        endpoint: aws.url,
        credentials: FAKE_CREDENTIALS,
      }),
      timing: FAST,
    });
    return target;
  };

  it.each(['lambda-zip', 'lambda-image', 'fargate'])(
    '%s: the stack the load test looks up is the one the template deploys as',
    (variant) => {
      expect(stackNames('dev')[variant]).toBe(built[variant]?.stackName);
    },
  );

  it.each(['lambda-zip', 'lambda-image', 'fargate'])(
    '%s: the URL and bucket come from outputs the template declares',
    async (variant) => {
      const b = built[variant] as Built;
      deployTemplate(aws, b.template, b.stackName);
      const t = await open(variant);
      expect(t.variants).toEqual([
        expect.objectContaining({ name: variant, url: aws.url, bucket: expect.any(String) }),
      ]);
    },
  );

  it.each(['lambda-zip', 'lambda-image'])(
    '%s: REPORT lines are queried in the log group the template gives the API function',
    async (variant) => {
      const b = built[variant] as Built;
      const deployed: Deployed = deployTemplate(aws, b.template, b.stackName);
      const api = deployed.functions.find((f) => /^Api/.test(f.logicalId));
      if (api === undefined) throw new Error(`no Api function in the ${variant} template`);
      // Lambda writes only to the group the function is configured with, which the stack made.
      expect(deployed.logGroups).toContain(api.logGroup);
      const t = await open(variant);
      const mark = await t.markLogs(variant);
      aws.state.logGroups.get(api.logGroup)?.push({
        timestamp: mark + 2_500,
        visibleFromQuery: 1,
        fields: { '@requestId': 'r1', '@duration': '10', '@memorySize': '1769000000' },
      });

      const reports = await t.reportsCovering(variant, mark, 1);

      expect(reports.map((r) => r.requestId)).toEqual(['r1']);
      expect(aws.sent('StartQuery').map((q) => q.logGroupName)).toEqual([api.logGroup]);
    },
  );

  it.each(['lambda-zip', 'lambda-image'])(
    '%s: forcing cold starts changes the API function’s configuration and puts it back',
    async (variant) => {
      const b = built[variant] as Built;
      const deployed = deployTemplate(aws, b.template, b.stackName);
      const api = deployed.functions.find((f) => /^Api/.test(f.logicalId));
      const before = { ...aws.state.functions.get(api?.name ?? '')?.variables };
      const t = await open(variant);
      expect((await t.makeCold(variant)).cold).toBe(true);
      expect(aws.sent('UpdateFunctionConfiguration')[0]).toMatchObject({ FunctionName: api?.name });
      await t.close();
      expect(aws.state.functions.get(api?.name ?? '')?.variables).toEqual(before);
    },
  );

  it('lambda-zip with provisioned concurrency: the alias in front is detected, nothing is forced', async () => {
    deployTemplate(aws, provisioned.template, provisioned.stackName);
    const t = await open('lambda-zip');
    const cold = await t.makeCold('lambda-zip');
    expect(cold.cold).toBe(false);
    expect(cold.how).toMatch(
      /^not forced: the HTTP API calls alias \S+ of cartoon-compute-dev-api/,
    );
    expect(aws.sent('UpdateFunctionConfiguration')).toEqual([]);
  });

  it('fargate: the cluster and service come from the template, and its size is restored', async () => {
    const b = built.fargate as Built;
    const deployed = deployTemplate(aws, b.template, b.stackName);
    const serviceId = Object.keys(b.template.Resources).find(
      (id) => b.template.Resources[id]?.Type === 'AWS::ECS::Service',
    );
    const arn = deployed.physical[serviceId ?? ''] ?? '';
    const [, cluster = '', service = ''] = /service\/([^/]+)\/([^/]+)$/.exec(arn) ?? [];
    aws.state.services.set(service, {
      cluster,
      desiredCount: 1,
      runningCount: 1,
      pollsToSettle: 1,
      pollsSinceUpdate: 0,
      settles: true,
    });
    aws.state.scalableTargets.set(`service/${cluster}/${service}`, {
      MinCapacity: 1,
      MaxCapacity: 4,
    });
    const t = await open('fargate');

    const cold = await t.makeCold('fargate');

    expect(cold.cold).toBe(true);
    expect(aws.sent('UpdateService').map((u) => [u.cluster, u.service, u.desiredCount])).toEqual([
      [cluster, service, 0],
      [cluster, service, 1],
      [cluster, service, 1],
    ]);
    expect(aws.state.scalableTargets.get(`service/${cluster}/${service}`)?.MinCapacity).toBe(1);
  });
});
