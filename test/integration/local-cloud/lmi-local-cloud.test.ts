// The local cloud running a Lambda Managed Instances function from a template: capacity
// provider, function config and scaling, HTTP API; the fixture function stands in for the code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseLmiReports } from '../../../local-cloud/lmi-log';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/local-cloud';
import { FIXTURE_FUNCTIONS } from '../../support/fixture-functions';
import { waitFor } from '../../support/poll';

jest.setTimeout(30_000);

const TEMPLATE = {
  Resources: {
    Provider: {
      Type: 'AWS::Lambda::CapacityProvider',
      Properties: {
        InstanceRequirements: { Architectures: ['arm64'] },
        CapacityProviderScalingConfig: { MaxVCpuCount: 12 },
      },
    },
    LmiFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'lc-lmi',
        Handler: 'lmi.handler',
        MemorySize: 2048,
        Timeout: 3,
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: { 'Fn::GetAtt': ['Provider', 'Arn'] },
            ExecutionEnvironmentMemoryGiBPerVCpu: 2,
            PerExecutionEnvironmentMaxConcurrency: 2,
          },
        },
        FunctionScalingConfig: { MinExecutionEnvironments: 3, MaxExecutionEnvironments: 3 },
      },
    },
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'Api' },
        IntegrationUri: { 'Fn::GetAtt': ['LmiFunction', 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'Api' },
        RouteKey: 'GET /lmi',
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'Integration' }]] },
      },
    },
  },
};

/** Another variant whose on-demand function has the same logical id, as two CDK stacks can. */
const PLAIN = {
  Resources: {
    LmiFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: 'lc-plain', Handler: 'hello.handler', MemorySize: 256 },
    },
    Api: TEMPLATE.Resources.Api,
    Integration: TEMPLATE.Resources.Integration,
    Route: TEMPLATE.Resources.Route,
  },
};

let dir: string;
let cloud: LocalCloud;
const notes: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-lmi-'));
  writeFileSync(path.join(dir, 'template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(path.join(dir, 'plain.json'), JSON.stringify(PLAIN));
  cloud = await startLocalCloud({
    stateDir: dir,
    artifactDirs: [],
    codeDirs: { LmiFunction: FIXTURE_FUNCTIONS },
    variants: [
      { name: 'plain', template: path.join(dir, 'plain.json') },
      { name: 'lmi', template: path.join(dir, 'template.json') },
    ],
    note: (message) => notes.push(message),
  });
}, 30_000);

afterAll(async () => {
  await cloud?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('local-cloud with Lambda Managed Instances', () => {
  it('has its one local environment running before the first request, and says AWS starts three', () => {
    const pool = cloud.lmiPools.get('LmiFunction');

    expect(pool?.size).toBe(1);
    // The on-demand pool of that name is the other variant's.
    expect(cloud.pools.get('LmiFunction')?.name).toBe('lc-plain');
    expect(notes.join('\n')).toContain('lc-lmi: 1 pre-started environment(s) (deployed: 3');
    expect(cloud.pids()).toEqual(expect.arrayContaining(pool?.pids() ?? [-1]));
  });

  it('answers through the HTTP API, and 429 once both slots are taken', async () => {
    const url = `${cloud.endpoints.variants.lmi?.url}/lmi`;

    const ask = async (id: string, ms: number) => {
      const response = await fetch(`${url}?id=${id}&ms=${ms}`);
      return { status: response.status, body: await response.text() };
    };
    const pool = cloud.lmiPools.get('LmiFunction');

    const busy = [ask('a', 600), ask('b', 600)];
    await waitFor(() => pool?.list()[0]?.inFlight === 2, {
      what: 'both slots taken',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const answers = [await ask('c', 0), ...(await Promise.all(busy))];

    const byStatus = answers.map((a) => a.status).sort();
    expect(byStatus).toEqual([200, 200, 429]);
    expect(answers.find((a) => a.status === 429)?.body).toBe('{"message":"Too Many Requests"}');
    const ok = answers.filter((a) => a.status === 200).map((a) => JSON.parse(a.body));
    expect(new Set(ok.map((b) => b.pid)).size).toBe(1);
    expect(ok[0]).toMatchObject({ maxConcurrency: '2', workers: '1' });
  });

  it("writes the function's JSON log with platform reports", async () => {
    const file = path.join(cloud.endpoints.logs, 'lc-lmi.log');

    const reports = await waitFor(
      () => {
        const found = parseLmiReports(readFileSync(file, 'utf8'));
        return found.length >= 2 ? found : undefined;
      },
      { what: 'two platform.report records', timeoutMs: 5000 },
    );

    expect(reports.every((r) => r.status === 'success')).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('"type":"platform.initReport"');
  });

  it("routes each variant's front door to its own function when logical ids are the same", async () => {
    const plain = await fetch(`${cloud.endpoints.variants.plain?.url}/lmi`);
    const lmi = await fetch(`${cloud.endpoints.variants.lmi?.url}/lmi`);

    expect(((await plain.json()) as { functionName: string }).functionName).toBe('lc-plain');
    expect(((await lmi.json()) as { initializationType: string }).initializationType).toBe(
      'lambda-managed-instances',
    );
  });
});
