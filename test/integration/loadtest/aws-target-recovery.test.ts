// The AWS path against a fake AWS on loopback (test/support/fake-aws.ts): real HTTP through the
// real SDK clients, their retries and waiters, answering in the SDK's wire shapes. Each test
// scripts one thing a real account does (a conflicting update, an update in progress, targets
// not yet healthy, REPORT lines indexed late, a failed stack) and checks the recovery and what
// was sent.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAwsClients } from '../../../loadtest/aws/clients';
import type { FargateTiming } from '../../../loadtest/aws/fargate-cold';
import { COLD_VARIABLE, type LambdaTiming } from '../../../loadtest/aws/lambda-cold';
import { type QueryTiming, REPORT_QUERY } from '../../../loadtest/aws/report-query';
import { restoreFile } from '../../../loadtest/aws/restore-state';
import { type AwsTarget, awsTarget } from '../../../loadtest/aws-target';
import {
  FAKE_CREDENTIALS,
  FAKE_REGION,
  type FakeAws,
  type FakeFunction,
  startFakeAws,
} from '../../support/fake-aws';

const LAMBDA: LambdaTiming = { minDelayS: 0.02, maxDelayS: 0.05, maxWaitS: 10, conflictRetries: 5 };
const QUERY: QueryTiming = { pollMs: 10, requeryMs: 20, deadlineMs: 2_000 };
const FARGATE: FargateTiming = {
  minDelayS: 0.02,
  maxDelayS: 0.05,
  maxWaitS: 10,
  healthPollMs: 20,
  healthDeadlineMs: 5_000,
};

const ZIP = 'cartoon-compute-dev';
const IMAGE = 'cartoon-compute-dev-lambda-image';
const FARGATE_STACK = 'cartoon-compute-dev-fargate';
const CLUSTER = 'cartoon-compute-dev-fargate-ClusterEB0386A7-a1B2';
const SERVICE = 'cartoon-compute-dev-fargate-Service-9Z8y';
const SCALABLE_ID = `service/${CLUSTER}/${SERVICE}`;

function fn(overrides: Partial<FakeFunction> = {}): FakeFunction {
  return {
    variables: { BUCKET_NAME: 'b', VARIANT: 'lambda-zip' },
    revision: 1,
    lastUpdateStatus: 'Successful',
    conflicts: 0,
    inProgressReads: 0,
    readsPerUpdate: 0,
    ...overrides,
  };
}

function lambdaStack(aws: FakeAws, name: string, functionName: string, extra = {}) {
  aws.state.stacks.set(name, {
    status: 'CREATE_COMPLETE',
    outputs: {
      HttpApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      BucketName: `${name}-b`,
    },
    resources: [
      {
        LogicalResourceId: 'ApiLambdaFunction',
        PhysicalResourceId: functionName,
        ResourceType: 'AWS::Lambda::Function',
      },
    ],
    ...extra,
  });
}

function fargateStack(aws: FakeAws) {
  aws.state.stacks.set(FARGATE_STACK, {
    status: 'CREATE_COMPLETE',
    outputs: { ApiUrl: `${aws.url}/`, BucketName: 'fb' },
    resources: [
      {
        LogicalResourceId: 'ClusterEB0386A7',
        PhysicalResourceId: CLUSTER,
        ResourceType: 'AWS::ECS::Cluster',
      },
      {
        LogicalResourceId: 'ServiceD69D759B',
        PhysicalResourceId: `arn:aws:ecs:eu-west-1:123456789012:service/${CLUSTER}/${SERVICE}`,
        ResourceType: 'AWS::ECS::Service',
      },
    ],
  });
  aws.state.services.set(SERVICE, {
    cluster: CLUSTER,
    desiredCount: 2,
    runningCount: 2,
    pollsToSettle: 2,
    pollsSinceUpdate: 0,
    settles: true,
  });
  aws.state.scalableTargets.set(SCALABLE_ID, { MinCapacity: 1, MaxCapacity: 4 });
  aws.state.tasks = [
    {
      taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/c/1',
      createdAt: 1_764_360_600,
      pullStartedAt: 1_764_360_611.5,
      pullStoppedAt: 1_764_360_629.25,
      startedAt: 1_764_360_631,
    },
  ];
}

describe('the AWS target against a fake AWS', () => {
  let aws: FakeAws;
  let stateDir: string;
  let notes: string[];
  let target: AwsTarget | undefined;

  beforeEach(async () => {
    aws = await startFakeAws();
    stateDir = mkdtempSync(path.join(tmpdir(), 'aws-state-'));
    notes = [];
    target = undefined;
  });
  afterEach(async () => {
    await target?.close();
    await aws.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const open = async (variants: string[]) => {
    target = await awsTarget({
      stage: 'dev',
      region: FAKE_REGION,
      variants,
      stateDir,
      note: (n) => notes.push(n),
      clients: createAwsClients({
        region: FAKE_REGION,
        endpoint: aws.url,
        credentials: FAKE_CREDENTIALS,
      }),
      timing: { lambda: LAMBDA, query: QUERY, fargate: FARGATE },
    });
    return target;
  };

  it('waits out an update in progress and a ResourceConflictException, sends the revision, and removes the marker at the end', async () => {
    lambdaStack(aws, ZIP, 'cartoon-compute-dev-api');
    aws.state.logGroups.set('/aws/lambda/cartoon-compute-dev-api', []);
    // Right after a deploy: two reads say InProgress, then one conflict, and each update
    // takes two more reads to finish.
    aws.state.functions.set(
      'cartoon-compute-dev-api',
      fn({ inProgressReads: 2, lastUpdateStatus: 'InProgress', conflicts: 1, readsPerUpdate: 2 }),
    );
    const t = await open(['lambda-zip']);

    const cold = await t.makeCold('lambda-zip');

    expect(cold.cold).toBe(true);
    expect(cold.how).toContain('after 1 conflicting update(s) waited out');
    const updates = aws.sent('UpdateFunctionConfiguration');
    expect(updates).toHaveLength(2); // the refused one and the one that went through
    // Each update carries the revision its variables were read at.
    expect(updates.map((u) => u.RevisionId)).toEqual(['rev-1', 'rev-1']);
    const fnState = aws.state.functions.get('cartoon-compute-dev-api');
    expect(fnState?.variables).toEqual({
      BUCKET_NAME: 'b',
      VARIANT: 'lambda-zip',
      [COLD_VARIABLE]: expect.any(String),
    });
    // The first update was not sent before the function's own update had finished.
    const order = aws.calls.filter((c) => c.api === 'lambda').map((c) => c.action);
    expect(order.indexOf('UpdateFunctionConfiguration')).toBeGreaterThan(
      order.lastIndexOf('GetFunction', order.indexOf('UpdateFunctionConfiguration')),
    );

    await t.close();
    expect(aws.state.functions.get('cartoon-compute-dev-api')?.variables).toEqual({
      BUCKET_NAME: 'b',
      VARIANT: 'lambda-zip',
    });
    expect(aws.state.functions.get('cartoon-compute-dev-api')?.lastUpdateStatus).toBe('Successful');
  });

  it('does not touch a function whose variables Lambda cannot read (Environment.Error)', async () => {
    lambdaStack(aws, ZIP, 'cartoon-compute-dev-api');
    aws.state.functions.set(
      'cartoon-compute-dev-api',
      fn({
        environmentError: { ErrorCode: 'AccessDeniedException', Message: 'KMS key not accessible' },
      }),
    );
    const t = await open(['lambda-zip']);

    const cold = await t.makeCold('lambda-zip');

    expect(cold).toEqual({ cold: false, how: expect.stringContaining('not forced') });
    expect(cold.how).toContain('KMS key not accessible');
    expect(aws.sent('UpdateFunctionConfiguration')).toEqual([]);
  });

  it('reports "not forced" when an alias (provisioned concurrency) is in front of the function', async () => {
    lambdaStack(aws, ZIP, 'cartoon-compute-dev-api');
    aws.state.stacks.get(ZIP)?.resources.push({
      LogicalResourceId: 'ApiProvConcLambdaAlias',
      PhysicalResourceId:
        'arn:aws:lambda:eu-west-1:123456789012:function:cartoon-compute-dev-api:provisioned',
      ResourceType: 'AWS::Lambda::Alias',
    });
    aws.state.functions.set('cartoon-compute-dev-api', fn());
    const t = await open(['lambda-zip']);

    const cold = await t.makeCold('lambda-zip');

    expect(cold.cold).toBe(false);
    expect(cold.how).toContain('alias provisioned');
    expect(aws.sent('UpdateFunctionConfiguration')).toEqual([]);
  });

  it('queries the log group the function configuration names, re-querying until late rows cover the requests', async () => {
    lambdaStack(aws, IMAGE, 'cartoon-compute-dev-lambda-image-Api-XYZ');
    const group = 'cartoon-compute-dev-lambda-image-ApiLogs1234-abcd';
    aws.state.functions.set('cartoon-compute-dev-lambda-image-Api-XYZ', fn({ logGroup: group }));
    const t = await open(['lambda-image']);
    const mark = await t.markLogs('lambda-image');
    const row = (id: string, visibleFromQuery: number, extra: Record<string, string> = {}) => ({
      timestamp: mark + 3_000,
      visibleFromQuery,
      fields: {
        '@requestId': id,
        '@duration': '512.3',
        '@billedDuration': '513',
        '@memorySize': '1769000000',
        '@maxMemoryUsed': '145000000',
        ...extra,
      },
    });
    // Two rows at once, the third only from the third query on (indexed late), one timed out.
    aws.state.logGroups.set(group, [
      row('a', 1),
      row('b', 1, { '@status': 'timeout' }),
      row('c', 3),
    ]);
    aws.state.runningPolls = 2;

    const reports = await t.reportsCovering('lambda-image', mark, 3);

    expect(reports.map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
    const queries = aws.sent('StartQuery');
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatchObject({ logGroupName: group, queryString: REPORT_QUERY });
    expect(REPORT_QUERY).toContain('@status');
    expect(notes).toContain('lambda-image: REPORT lines with a status: 1 timeout');
  });

  it('says how many REPORT lines it found when the deadline passes first', async () => {
    lambdaStack(aws, ZIP, 'cartoon-compute-dev-api');
    aws.state.functions.set('cartoon-compute-dev-api', fn());
    const t = await open(['lambda-zip']);
    const mark = await t.markLogs('lambda-zip');
    aws.state.logGroups.set('/aws/lambda/cartoon-compute-dev-api', [
      {
        timestamp: mark + 2_500,
        visibleFromQuery: 1,
        fields: { '@requestId': 'a', '@duration': '1', '@memorySize': '1769000000' },
      },
    ]);

    const reports = await t.reportsCovering('lambda-zip', mark, 4);

    expect(reports).toHaveLength(1);
    expect(notes).toEqual([
      expect.stringMatching(
        /^lambda-zip: 1 of 4 REPORT lines found in \/aws\/lambda\/cartoon-compute-dev-api after \d+ Logs Insights queries .*undercount$/,
      ),
    ]);
  });

  it('reports a ROLLBACK_COMPLETE stack as such and a missing one as missing, and goes on with the others', async () => {
    lambdaStack(aws, ZIP, 'cartoon-compute-dev-api', {
      status: 'ROLLBACK_COMPLETE',
      statusReason: 'The following resource(s) failed to create: [ApiLambdaFunction].',
    });
    aws.state.functions.set('cartoon-compute-dev-api', fn());
    fargateStack(aws);
    const t = await open(['lambda-zip', 'lambda-image', 'fargate']);

    expect(t.variants.map((v) => v.name)).toEqual(['fargate']);
    expect(notes).toEqual([
      expect.stringContaining(
        `lambda-zip: stack ${ZIP} is ROLLBACK_COMPLETE (The following resource(s) failed to create: [ApiLambdaFunction].): its creation failed`,
      ),
      `lambda-image: no stack ${IMAGE}; skipped`,
    ]);
  });

  it('scales fargate to zero and back, waits until the load balancer answers, and restores the minimum', async () => {
    fargateStack(aws);
    // After the scale-up the load balancer answers 503 three times (targets still initial).
    aws.state.unhealthyPerScaleUp = 3;
    const t = await open(['fargate']);

    const cold = await t.makeCold('fargate');

    expect(cold.cold).toBe(true);
    expect(cold.how).toMatch(
      /^scaled from zero to 2 task\(s\); task start p50 31\.0 s \(provisioning 11\.5 s, image pull 17\.8 s, container start 1\.8 s; ECS task timestamps\); healthy behind the load balancer \d+\.\d s after scaling up/,
    );
    const health = aws.calls.filter((c) => c.api === 'alb');
    expect(health.length).toBeGreaterThanOrEqual(3 + 4); // three 503s, then four 200s in a row
    expect(aws.sent('UpdateService').map((u) => u.desiredCount)).toEqual([0, 2, 2]);
    expect(aws.sent('RegisterScalableTarget').map((r) => r.MinCapacity)).toEqual([0, 1]);
    // The burst starts only after the last health check.
    const lastHealth = aws.calls.lastIndexOf(health.at(-1) as (typeof aws.calls)[number]);
    const scaleUp = aws.calls.findIndex(
      (c) => c.action === 'UpdateService' && c.input.desiredCount === 2,
    );
    expect(lastHealth).toBeGreaterThan(scaleUp);
    expect(existsSync(restoreFile(stateDir, FARGATE_STACK))).toBe(false);
  });

  it('restores a service an interrupted run left scaled down before using it', async () => {
    fargateStack(aws);
    const service = aws.state.services.get(SERVICE);
    if (service) Object.assign(service, { desiredCount: 0, runningCount: 0 });
    const target0 = aws.state.scalableTargets.get(SCALABLE_ID);
    if (target0) target0.MinCapacity = 0;
    writeFileSync(
      restoreFile(stateDir, FARGATE_STACK),
      JSON.stringify({
        stackName: FARGATE_STACK,
        cluster: CLUSTER,
        service: SERVICE,
        desiredCount: 2,
        minCapacity: 1,
        savedAt: '2026-12-08T10:00:00Z',
      }),
    );

    await open(['fargate']);

    expect(aws.sent('RegisterScalableTarget')).toEqual([
      expect.objectContaining({ ResourceId: SCALABLE_ID, MinCapacity: 1 }),
    ]);
    expect(aws.sent('UpdateService')).toEqual([
      { cluster: CLUSTER, service: SERVICE, desiredCount: 2 },
    ]);
    expect(notes).toEqual([expect.stringContaining('fargate: restored')]);
    expect(existsSync(restoreFile(stateDir, FARGATE_STACK))).toBe(false);
  });
});
