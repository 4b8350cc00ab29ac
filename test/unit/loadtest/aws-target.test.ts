// The AWS path, tested on what it sends (SDK command inputs, the Logs Insights query) and on
// parsing responses recorded in AWS's documented shapes (test/fixtures/aws/). No network:
// the clients are recorders that answer from the fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type AwsClients,
  apiFunctionFromResources,
  awsTarget,
  COLD_VARIABLE,
  coldConfigurationInput,
  endpointFromOutputs,
  REPORT_QUERY,
  reportsFromQueryResults,
  scaleServiceInput,
  startQueryInput,
  taskStartup,
} from '../../../loadtest/aws-target';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'aws');
// biome-ignore lint/suspicious/noExplicitAny: fixtures are the SDK's JSON shapes, read untyped.
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** A client that records each command and answers from `answers` by command name. */
function recorder(
  sent: Sent[],
  answers: Record<string, (input: Record<string, unknown>) => unknown>,
) {
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      sent.push({ command: name, input: command.input });
      const answer = answers[name];
      if (answer === undefined) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  };
}

function clients(sent: Sent[]): AwsClients {
  const stacks: Record<string, string> = {
    'cartoon-compute-dev': 'describe-stacks-lambda-zip.json',
    'cartoon-compute-dev-fargate': 'describe-stacks-fargate.json',
  };
  const notFound = (name: unknown) => {
    const err = new Error(`Stack with id ${String(name)} does not exist`);
    err.name = 'ValidationError';
    throw err;
  };
  return {
    cloudformation: recorder(sent, {
      DescribeStacksCommand: (i) =>
        stacks[String(i.StackName)]
          ? fixture(stacks[String(i.StackName)] ?? '')
          : notFound(i.StackName),
      DescribeStackResourcesCommand: (i) =>
        fixture(
          String(i.StackName).endsWith('-fargate')
            ? 'describe-stack-resources-fargate.json'
            : 'describe-stack-resources-lambda-zip.json',
        ),
    }) as unknown as AwsClients['cloudformation'],
    lambda: recorder(sent, {
      GetFunctionConfigurationCommand: () => fixture('get-function-configuration.json'),
      UpdateFunctionConfigurationCommand: () => ({ LastUpdateStatus: 'InProgress' }),
    }) as unknown as AwsClients['lambda'],
    logs: recorder(sent, {
      StartQueryCommand: () => fixture('start-query.json'),
      GetQueryResultsCommand: () => fixture('get-query-results.json'),
    }) as unknown as AwsClients['logs'],
    waitUpdated: async () => undefined,
    ecs: recorder(sent, {
      DescribeServicesCommand: () => fixture('describe-services.json'),
      UpdateServiceCommand: (i) => ({ service: { desiredCount: i.desiredCount } }),
      ListTasksCommand: () => fixture('list-tasks.json'),
      DescribeTasksCommand: () => fixture('describe-tasks.json'),
    }) as unknown as AwsClients['ecs'],
    autoscaling: recorder(sent, {
      DescribeScalableTargetsCommand: () => fixture('describe-scalable-targets.json'),
      RegisterScalableTargetCommand: () => ({}),
    }) as unknown as AwsClients['autoscaling'],
    waitStable: async (service) => {
      sent.push({ command: 'wait services stable', input: { ...service } });
    },
  };
}

describe('reading the stacks', () => {
  it('takes the URL and bucket from the serverless outputs', () => {
    const zip = endpointFromOutputs(
      'lambda-zip',
      fixture('describe-stacks-lambda-zip.json').Stacks[0].Outputs,
    );
    expect(zip).toEqual({
      name: 'lambda-zip',
      url: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      bucket: 'cartoon-compute-dev-123456789012-us-east-1',
      lambda: true,
    });
  });

  it('takes ApiUrl from the CDK outputs, without its trailing slash', () => {
    const fargate = endpointFromOutputs(
      'fargate',
      fixture('describe-stacks-fargate.json').Stacks[0].Outputs,
    );
    expect(fargate.url).toBe('http://cartoo-Farga-1ABCDEF-123456789.us-east-1.elb.amazonaws.com');
    expect(fargate.lambda).toBe(false);
  });

  it('finds the HTTP function among the stack resources', () => {
    const resources = fixture('describe-stack-resources-lambda-zip.json').StackResources;
    expect(apiFunctionFromResources(resources)).toBe('cartoon-compute-dev-api');
  });
});

describe('what it sends', () => {
  it('forces new environments by changing one variable and sending the others back', () => {
    const vars = fixture('get-function-configuration.json').Environment.Variables;
    expect(coldConfigurationInput('cartoon-compute-dev-api', vars, 'run-2')).toEqual({
      FunctionName: 'cartoon-compute-dev-api',
      Environment: {
        Variables: {
          BUCKET: 'cartoon-compute-dev-123456789012-us-east-1',
          POWERTOOLS_SERVICE_NAME: 'cartoon-api',
          [COLD_VARIABLE]: 'run-2',
        },
      },
    });
  });

  it('queries REPORT events with the fields Insights discovers, in seconds', () => {
    expect(REPORT_QUERY).toBe(
      'filter @type = "REPORT" | fields @timestamp, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration | sort @timestamp asc | limit 10000',
    );
    expect(
      startQueryInput('cartoon-compute-dev-api', 1_764_360_000_400, 1_764_360_060_200),
    ).toEqual({
      logGroupName: '/aws/lambda/cartoon-compute-dev-api',
      startTime: 1_764_360_000,
      endTime: 1_764_360_061,
      queryString: REPORT_QUERY,
      limit: 10_000,
    });
  });

  it('scales the fargate service with UpdateService', () => {
    expect(scaleServiceInput('cluster-1', 'service-1', 0)).toEqual({
      cluster: 'cluster-1',
      service: 'service-1',
      desiredCount: 0,
    });
  });

  it('sends DescribeStacks per variant, then GetFunctionConfiguration, UpdateFunctionConfiguration and StartQuery', async () => {
    const sent: Sent[] = [];
    const notes: string[] = [];
    const target = await awsTarget({
      stage: 'dev',
      region: 'us-east-1',
      variants: ['lambda-zip', 'lambda-image', 'fargate'],
      clients: clients(sent),
      note: (n) => notes.push(n),
    });
    expect(target.where).toBe('aws');
    expect(target.label).toBe('AWS us-east-1, stage dev');
    expect(target.variants.map((v) => v.name)).toEqual(['lambda-zip', 'fargate']);
    expect(notes).toEqual([
      expect.stringContaining('lambda-image: no stack cartoon-compute-dev-lambda-image'),
    ]);
    expect(sent.filter((s) => s.command === 'DescribeStacksCommand').map((s) => s.input)).toEqual([
      { StackName: 'cartoon-compute-dev' },
      { StackName: 'cartoon-compute-dev-lambda-image' },
      { StackName: 'cartoon-compute-dev-fargate' },
    ]);

    sent.length = 0;
    const cold = await target.makeCold('lambda-zip');
    expect(cold.cold).toBe(true);
    expect(sent.map((s) => s.command)).toEqual([
      'GetFunctionConfigurationCommand',
      'UpdateFunctionConfigurationCommand',
    ]);
    const update = sent[1]?.input as {
      FunctionName: string;
      Environment: { Variables: Record<string, string> };
    };
    expect(update.FunctionName).toBe('cartoon-compute-dev-api');
    expect(update.Environment.Variables.BUCKET).toBe('cartoon-compute-dev-123456789012-us-east-1');
    // A new value, not the old one and not dropped: a changed configuration is what forces cold.
    expect(update.Environment.Variables[COLD_VARIABLE]).toEqual(expect.any(String));
    expect(update.Environment.Variables[COLD_VARIABLE]).not.toBe('2026-11-27T18:00:00.000Z');

    sent.length = 0;
    const fargate = await target.makeCold('fargate');
    const cluster = 'cartoon-compute-dev-fargate-ClusterEB0386A7-a1B2c3D4e5F6';
    const service = 'cartoon-compute-dev-fargate-Service-9Z8y7X6w5V4u';
    const scalable = {
      ServiceNamespace: 'ecs',
      ResourceId: `service/${cluster}/${service}`,
      ScalableDimension: 'ecs:service:DesiredCount',
    };
    // Minimum to zero, scale to zero, wait, back to the desired 2, wait, minimum back to 1.
    expect(sent.map((s) => [s.command, s.input])).toEqual([
      ['DescribeServicesCommand', { cluster, services: [service] }],
      [
        'DescribeScalableTargetsCommand',
        {
          ServiceNamespace: 'ecs',
          ResourceIds: [scalable.ResourceId],
          ScalableDimension: scalable.ScalableDimension,
        },
      ],
      ['RegisterScalableTargetCommand', { ...scalable, MinCapacity: 0 }],
      ['UpdateServiceCommand', { cluster, service, desiredCount: 0 }],
      ['wait services stable', { cluster, service }],
      ['UpdateServiceCommand', { cluster, service, desiredCount: 2 }],
      ['wait services stable', { cluster, service }],
      ['RegisterScalableTargetCommand', { ...scalable, MinCapacity: 1 }],
      ['ListTasksCommand', { cluster, serviceName: service, desiredStatus: 'RUNNING' }],
      ['DescribeTasksCommand', { cluster, tasks: fixture('list-tasks.json').taskArns }],
    ]);
    // describe-tasks.json: created 20:10:00, pull 20:10:11.5 → 20:10:29.25, running 20:10:31.
    expect(fargate).toEqual({
      cold: true,
      how: 'scaled from zero to 2 task(s); task start p50 31.0 s (provisioning 11.5 s, image pull 17.8 s, container start 1.8 s; ECS task timestamps)',
    });

    sent.length = 0;
    const reports = await target.reportsSince('lambda-zip', 1_764_360_000_000);
    expect(sent.map((s) => s.command)).toEqual(['StartQueryCommand', 'GetQueryResultsCommand']);
    expect(sent[0]?.input).toMatchObject({
      logGroupName: '/aws/lambda/cartoon-compute-dev-api',
      startTime: 1_764_360_000,
      queryString: REPORT_QUERY,
    });
    expect(sent[1]?.input).toEqual({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' });
    expect(reports).toHaveLength(3);
    await target.close();
  });
});

describe('parsing the answers', () => {
  it('reads Insights rows through the one REPORT parser: fields, bytes to MB, or @message', () => {
    const reports = reportsFromQueryResults(fixture('get-query-results.json'));
    expect(reports[0]).toEqual({
      requestId: '6f8b7c1e-0d3a-4b55-9b8e-2f1f6a0c1d01',
      durationMs: 512.34,
      billedDurationMs: 1130,
      memorySizeMb: 1769,
      maxMemoryUsedMb: 145,
      initDurationMs: 617.45,
    });
    expect(reports[1]?.initDurationMs).toBeUndefined();
    expect(reports[2]).toMatchObject({
      requestId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      billedDurationMs: 53,
      maxMemoryUsedMb: 152,
    });
  });

  it('times a Fargate task from its ECS timestamps', () => {
    const task = fixture('describe-tasks.json').tasks[0];
    // created 20:10:00.000 → pull 11.5 s → pulled 29.25 s → started 31.0 s.
    expect(taskStartup(task)).toEqual({
      provisioningMs: 11_500,
      pullMs: 17_750,
      startMs: 1_750,
      totalMs: 31_000,
    });
  });
});
