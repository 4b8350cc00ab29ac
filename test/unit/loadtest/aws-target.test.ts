// The AWS path's pure parts: what it reads from stack outputs and resources, the inputs it
// sends, the log group it picks, and parsing responses in AWS's documented shapes
// (test/fixtures/aws/). Recoveries against a fake AWS are in
// test/integration/loadtest/aws-target-recovery.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServerClock } from '../../../loadtest/aws/clients';
import { scaleServiceInput, taskStartup } from '../../../loadtest/aws/fargate-cold';
import {
  aliasesOf,
  apiFunctionFromResources,
  COLD_VARIABLE,
  environmentInput,
  logGroupOf,
  withMarker,
} from '../../../loadtest/aws/lambda-cold';
import {
  REPORT_QUERY,
  reportsFromQueryResults,
  startQueryInput,
} from '../../../loadtest/aws/report-query';
import { endpointFromOutputs, USABLE_STACK_STATUSES } from '../../../loadtest/aws/stacks';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'aws');
// biome-ignore lint/suspicious/noExplicitAny: fixtures are the SDK's JSON shapes, read untyped.
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

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

  it('finds the aliases of that function, and only of that function', () => {
    const alias = (fn: string, name: string) => ({
      ResourceType: 'AWS::Lambda::Alias',
      PhysicalResourceId: `arn:aws:lambda:eu-west-1:123456789012:function:${fn}:${name}`,
    });
    expect(
      aliasesOf(
        [
          alias('cartoon-compute-dev-api', 'provisioned'),
          alias('cartoon-compute-dev-process', 'x'),
        ],
        'cartoon-compute-dev-api',
      ),
    ).toEqual(['provisioned']);
  });

  it('uses a stack only after a successful create or update, or an update rolled back', () => {
    expect(USABLE_STACK_STATUSES).toContain('UPDATE_ROLLBACK_COMPLETE');
    expect(USABLE_STACK_STATUSES).not.toContain('ROLLBACK_COMPLETE');
    expect(USABLE_STACK_STATUSES).not.toContain('CREATE_IN_PROGRESS');
  });
});

describe('what it sends', () => {
  it('sets the marker among the variables it read and removes it again, keeping the others', () => {
    const vars = fixture('get-function-configuration.json').Environment.Variables;
    const marked = withMarker(vars, 'run-2');
    expect(environmentInput('cartoon-compute-dev-api', marked, 'rev-7')).toEqual({
      FunctionName: 'cartoon-compute-dev-api',
      Environment: {
        Variables: {
          BUCKET: 'cartoon-compute-dev-123456789012-us-east-1',
          POWERTOOLS_SERVICE_NAME: 'cartoon-api',
          [COLD_VARIABLE]: 'run-2',
        },
      },
      RevisionId: 'rev-7',
    });
    // The fixture carries a marker an old run left: removing it leaves no trace.
    expect(vars[COLD_VARIABLE]).toBeDefined();
    expect(withMarker(marked, undefined)).toEqual({
      BUCKET: 'cartoon-compute-dev-123456789012-us-east-1',
      POWERTOOLS_SERVICE_NAME: 'cartoon-api',
    });
  });

  it('queries the log group the configuration names, else Lambda’s default', () => {
    expect(
      logGroupOf({
        FunctionName: 'f',
        LoggingConfig: { LogFormat: 'Text', LogGroup: 'stack-ApiLogs1-x' },
      }),
    ).toBe('stack-ApiLogs1-x');
    expect(logGroupOf({ FunctionName: 'cartoon-compute-dev-api' })).toBe(
      '/aws/lambda/cartoon-compute-dev-api',
    );
  });

  it('selects @status with the REPORT fields, and queries in whole seconds', () => {
    expect(REPORT_QUERY).toBe(
      'filter @type = "REPORT" | fields @timestamp, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration, @status | sort @timestamp asc | limit 10000',
    );
    expect(startQueryInput('/aws/lambda/x', 1_764_360_000_400, 1_764_360_060_200)).toEqual({
      logGroupName: '/aws/lambda/x',
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
});

describe("AWS's clock", () => {
  it('draws times from the Date header of the answers, not the local clock alone', () => {
    const clock = new ServerClock();
    expect(clock.known).toBe(false);
    // This machine is 90 s behind AWS.
    clock.observe('Tue, 08 Dec 2026 10:01:30 GMT', Date.parse('2026-12-08T10:00:00Z'));
    expect(clock.known).toBe(true);
    expect(clock.now(Date.parse('2026-12-08T10:00:10Z'))).toBe(
      Date.parse('2026-12-08T10:01:40.500Z'),
    );
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
    expect(taskStartup(task)).toEqual({
      provisioningMs: 11_500,
      pullMs: 17_750,
      startMs: 1_750,
      totalMs: 31_000,
    });
  });
});
