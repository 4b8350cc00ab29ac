// The managed-instances variant's AWS path against the template that deploys it, as
// aws-target-contract.test.ts checks the others: the stack the load test, `npm run
// deploy:managed-instances` and `destroy:managed-instances` look for is the one the CDK app
// builds; the URL and bucket come from outputs the template declares; REPORT lines are queried
// in the log group the template gives the API function; and no cold start is forced, because
// Lambda Managed Instances has none per request. The stack is "deployed" into the fake AWS as
// CloudFormation and Lambda would (test/support/deployed-template.ts). Nothing is hand-written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAwsClients } from '../../loadtest/aws/clients';
import { stackNames } from '../../loadtest/aws/stacks';
import { type AwsTarget, awsTarget } from '../../loadtest/aws-target';
import { parseDeployArgs } from '../../scripts/lib/deploy-args';
import { deployPlan, destroyPlan, shown, stackOf } from '../../scripts/lib/deploy-plan';
import { scratchDir, stubAssetDirs, synthesize } from '../support/cdk';
import { deployTemplate } from '../support/deployed-template';
import { FAKE_CREDENTIALS, FAKE_REGION, type FakeAws, startFakeAws } from '../support/fake-aws';
import type { Template } from '../support/template';

jest.setTimeout(180_000);

const FAST = {
  lambda: { minDelayS: 0.02, maxDelayS: 0.05, maxWaitS: 10, conflictRetries: 2 },
  query: { pollMs: 10, requeryMs: 20, deadlineMs: 2_000 },
};

describe('the AWS path of managed-instances against its template', () => {
  let stackName: string;
  let stackId: string;
  let template: Template;
  let aws: FakeAws;
  let stateDir: string;
  let target: AwsTarget | undefined;
  const cleanups: (() => void)[] = [];

  beforeAll(() => {
    const assets = stubAssetDirs();
    const outdir = scratchDir();
    cleanups.push(assets.remove, () => rmSync(outdir, { recursive: true, force: true }));
    const synthesized = synthesize({
      outdir,
      assetDirs: assets.dirs,
      context: { stage: 'dev' },
      stacks: ['managed-instances'],
    });
    const stack = synthesized.cartoon.managedInstances;
    if (stack === undefined) throw new Error('no managed-instances stack');
    stackName = stack.stackName;
    stackId = stack.node.id;
    template = synthesized.template('managed-instances');
  });

  afterAll(() => {
    for (const c of cleanups) c();
  });

  beforeEach(async () => {
    aws = await startFakeAws();
    stateDir = mkdtempSync(path.join(tmpdir(), 'lmi-contract-state-'));
    target = undefined;
  });
  afterEach(async () => {
    await target?.close();
    await aws?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const open = async () => {
    target = await awsTarget({
      stage: 'dev',
      region: FAKE_REGION,
      variants: ['managed-instances'],
      stateDir,
      clients: createAwsClients({
        region: FAKE_REGION,
        endpoint: aws.url,
        credentials: FAKE_CREDENTIALS,
      }),
      timing: FAST,
    });
    return target;
  };

  it('the load test and the deploy scripts look up the stack the app builds', () => {
    expect(stackNames('dev')['managed-instances']).toBe(stackName);
    expect(stackOf('managed-instances', 'dev')).toBe(stackName);
  });

  it('deploys and destroys that stack with cdk, after staging the bundles and layer it takes', () => {
    const options = { stage: 'dev', region: 'eu-west-1', extra: ['-c', 'lmiMaxVCpuCount=24'] };
    const args = parseDeployArgs(['managed-instances', '--region', 'eu-west-1']);
    expect(args.variant).toBe('managed-instances');

    expect(deployPlan(args.variant, options).map(shown)).toEqual([
      'npm run build:containers',
      `AWS_REGION=eu-west-1 cdk deploy ${stackId} --require-approval never -c stage=dev -c lmiMaxVCpuCount=24`,
    ]);
    expect(destroyPlan(args.variant, options).map(shown)).toEqual([
      'npm run build:containers',
      `AWS_REGION=eu-west-1 cdk destroy ${stackId} --force -c stage=dev -c lmiMaxVCpuCount=24`,
    ]);
  });

  it('takes the URL and bucket from outputs the template declares', async () => {
    deployTemplate(aws, template, stackName);
    const t = await open();
    expect(t.variants).toEqual([
      expect.objectContaining({
        name: 'managed-instances',
        url: aws.url,
        bucket: expect.any(String),
        lambda: true,
      }),
    ]);
  });

  it('queries REPORT lines in the log group the template gives the API function', async () => {
    const deployed = deployTemplate(aws, template, stackName);
    const api = deployed.functions.find((f) => /^Api/.test(f.logicalId));
    if (api === undefined) throw new Error('no Api function in the template');
    expect(deployed.logGroups).toContain(api.logGroup);
    const t = await open();
    const mark = await t.markLogs('managed-instances');
    aws.state.logGroups.get(api.logGroup)?.push({
      timestamp: mark + 2_500,
      visibleFromQuery: 1,
      fields: { '@requestId': 'r1', '@duration': '10', '@memorySize': '2048000000' },
    });

    const reports = await t.reportsCovering('managed-instances', mark, 1);

    expect(reports.map((r) => r.requestId)).toEqual(['r1']);
    expect(aws.sent('StartQuery').map((q) => q.logGroupName)).toEqual([api.logGroup]);
  });

  it('forces no cold start, says why, and changes no configuration', async () => {
    deployTemplate(aws, template, stackName);
    const t = await open();

    const cold = await t.makeCold('managed-instances');

    expect(cold).toEqual({
      cold: false,
      how: expect.stringMatching(/^not forced: Lambda Managed Instances start environments/),
    });
    expect(aws.sent('UpdateFunctionConfiguration')).toEqual([]);
  });
});
