// The managed-instances stack as synthesized (in-process, with stand-in build contexts, cdk-nag
// on): the capacity provider (arm64, Graviton types, its VPC, its scaling), the functions'
// CapacityProviderConfig and FunctionScalingConfig, the lambda-zip code and layer, roles scoped
// as lambda-image's, the HTTP API, the upload queue and its event source mapping, the alarm and
// AWS's template validator. Nothing here needs Docker or AWS.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type Synthesized, scratchDir, stubAssetDirs, synthesize } from '../support/cdk';
import {
  allows,
  asArray,
  idsOfType,
  permissionPolicies,
  props,
  render,
  resources,
  type Statement,
  type Template,
} from '../support/template';
import { judge, validateTemplates } from '../support/template-validation';

jest.setTimeout(180_000);

interface CapacityProvider {
  VpcConfig: { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
  PermissionsConfig: { CapacityProviderOperatorRoleArn: unknown };
  InstanceRequirements: { Architectures: string[]; AllowedInstanceTypes: string[] };
  CapacityProviderScalingConfig: {
    MaxVCpuCount: number;
    ScalingMode: string;
    ScalingPolicies: { PredefinedMetricType: string; TargetValue: number }[];
  };
}

interface LambdaFunction {
  Architectures: string[];
  Runtime: string;
  Handler: string;
  MemorySize: number;
  Timeout: number;
  Code: { S3Key: unknown };
  Layers: unknown[];
  Role: unknown;
  Environment: { Variables: Record<string, unknown> };
  LoggingConfig: { LogFormat: string; LogGroup: unknown };
  CapacityProviderConfig: {
    LambdaManagedInstancesCapacityProviderConfig: {
      CapacityProviderArn: unknown;
      ExecutionEnvironmentMemoryGiBPerVCpu: number;
      PerExecutionEnvironmentMaxConcurrency: number;
    };
  };
  FunctionScalingConfig: { MinExecutionEnvironments: number; MaxExecutionEnvironments: number };
}

const CUSTOM = {
  lmiInstanceTypes: 'c8g.xlarge,m8g.xlarge',
  lmiMaxVCpuCount: '40',
  lmiCpuTargetPercent: '70',
  lmiEnvironmentVCpus: '2',
  lmiMemoryGiBPerVCpu: '4',
  lmiConcurrencyPerVCpu: '3',
  lmiWorkersPerVCpu: '2',
  lmiMinEnvironments: '1',
  lmiApiMaxEnvironments: '10',
  lmiQueueMaxEnvironments: '5',
};

function all<T>(template: Template, type: string): { id: string; properties: T }[] {
  return idsOfType(template, type).map((id) => ({ id, properties: props<T>(template, id, type) }));
}

function only<T>(template: Template, type: string): { id: string; properties: T } {
  const found = all<T>(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as { id: string; properties: T };
}

/** The function whose logical id starts with `prefix` (Api…, Queue…). */
function fn(template: Template, prefix: string): { id: string; properties: LambdaFunction } {
  const found = all<LambdaFunction>(template, 'AWS::Lambda::Function').filter((f) =>
    f.id.startsWith(prefix),
  );
  if (found.length !== 1) throw new Error(`expected one ${prefix} function`);
  return found[0] as { id: string; properties: LambdaFunction };
}

/** Allow statements of a role, by the role's logical id. */
function statementsOf(template: Template, roleId: string): Statement[] {
  return permissionPolicies(template)
    .filter((p) => p.owner.replace(/^\$\{(.+)\}$/, '$1') === roleId)
    .flatMap((p) => p.statements)
    .filter((s) => s.Effect === 'Allow');
}

/** S3 statements as comparable text: sorted actions on sorted resources, with conditions. */
function s3Grants(statements: Statement[]): string[] {
  return statements
    .filter((s) => asArray(s.Action).some((a) => String(a).startsWith('s3:')))
    .map((s) =>
      JSON.stringify([
        asArray(s.Action).sort(),
        resources(s).sort(),
        (s as { Condition?: unknown }).Condition ?? null,
      ]),
    )
    .sort();
}

describe('managed-instances stack (Lambda Managed Instances)', () => {
  const stubs = stubAssetDirs();
  const outdirs: string[] = [];
  let byDefault: Synthesized;
  let custom: Synthesized;

  beforeAll(() => {
    const synth = (context: Record<string, unknown>) => {
      const outdir = scratchDir();
      outdirs.push(outdir);
      return synthesize({
        outdir,
        assetDirs: stubs.dirs,
        context,
        stacks: ['managed-instances', 'lambda-image'],
      });
    };
    byDefault = synth({});
    custom = synth(CUSTOM);
  });

  afterAll(() => {
    stubs.remove();
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  const template = (s: Synthesized = byDefault): Template => s.template('managed-instances');

  describe('the capacity provider', () => {
    const provider = (s?: Synthesized) =>
      only<CapacityProvider>(template(s), 'AWS::Lambda::CapacityProvider').properties;

    it('launches only arm64 Graviton instances of the allowed types', () => {
      expect(provider().InstanceRequirements.Architectures).toEqual(['arm64']);
      expect(provider().InstanceRequirements.AllowedInstanceTypes).toEqual([
        'c7g.large',
        'c7g.xlarge',
        'm7g.large',
        'm7g.xlarge',
      ]);
      expect(provider(custom).InstanceRequirements.AllowedInstanceTypes).toEqual([
        'c8g.xlarge',
        'm8g.xlarge',
      ]);
    });

    it("runs in the stack's own VPC, public subnets with an S3 gateway endpoint, no NAT", () => {
      const t = template();
      const subnets = idsOfType(t, 'AWS::EC2::Subnet');
      expect(subnets).toHaveLength(2);
      expect(provider().VpcConfig.SubnetIds.map(render).sort()).toEqual(
        subnets.map((id) => `\${${id}}`).sort(),
      );
      expect(idsOfType(t, 'AWS::EC2::NatGateway')).toEqual([]);
      const endpoint = only<{ ServiceName: unknown; VpcEndpointType?: string }>(
        t,
        'AWS::EC2::VPCEndpoint',
      ).properties;
      expect(render(endpoint.ServiceName)).toMatch(/s3/);
    });

    it('gives the instances a security group that lets nothing in', () => {
      const t = template();
      const group = only<{ SecurityGroupIngress?: unknown[] }>(t, 'AWS::EC2::SecurityGroup');
      expect(provider().VpcConfig.SecurityGroupIds.map(render)).toEqual([
        `\${${group.id}.GroupId}`,
      ]);
      expect(group.properties.SecurityGroupIngress).toBeUndefined();
      expect(idsOfType(t, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
    });

    it('scales on CPU to the target, within the vCPU ceiling', () => {
      expect(provider().CapacityProviderScalingConfig).toEqual({
        MaxVCpuCount: 12,
        ScalingMode: 'Manual',
        ScalingPolicies: [
          { PredefinedMetricType: 'LambdaCapacityProviderAverageCPUUtilization', TargetValue: 50 },
        ],
      });
      expect(provider(custom).CapacityProviderScalingConfig).toMatchObject({
        MaxVCpuCount: 40,
        ScalingPolicies: [{ TargetValue: 70 }],
      });
    });

    it("has an operator role for Lambda only, with AWS's operator policy and nothing else", () => {
      const t = template();
      const roleId = render(provider().PermissionsConfig.CapacityProviderOperatorRoleArn).replace(
        /^\$\{(.+)\.Arn\}$/,
        '$1',
      );
      const role = props<{
        AssumeRolePolicyDocument: { Statement: Statement[] };
        ManagedPolicyArns: unknown[];
      }>(t, roleId, 'AWS::IAM::Role');
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Principal: { Service: 'lambda.amazonaws.com' },
        }),
      ]);
      expect(role.ManagedPolicyArns.map(render)).toEqual([
        `arn:\${AWS::Partition}:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator`,
      ]);
      expect(statementsOf(t, roleId)).toEqual([]);
    });
  });

  describe('the functions', () => {
    it('are the lambda-zip bundles: nodejs24.x on arm64, index.handler, with the core layer', () => {
      const t = template();
      const layer = only<{ CompatibleArchitectures: string[]; CompatibleRuntimes: string[] }>(
        t,
        'AWS::Lambda::LayerVersion',
      );
      expect(layer.properties).toMatchObject({
        CompatibleArchitectures: ['arm64'],
        CompatibleRuntimes: ['nodejs24.x'],
      });
      expect(idsOfType(t, 'AWS::Lambda::Function')).toHaveLength(2);
      for (const prefix of ['Api', 'Queue']) {
        expect(fn(t, prefix).properties).toMatchObject({
          Architectures: ['arm64'],
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          Layers: [{ Ref: layer.id }],
        });
      }
    });

    it('ship the staged api and queue bundles and the staged layer', () => {
      const manifest = JSON.parse(
        readFileSync(path.join(byDefault.outdir, 'ManagedInstances.assets.json'), 'utf8'),
      ) as { files: Record<string, { source: { path: string } }> };
      const staged = (key: unknown, file: string) => {
        const hash = render(key).replace(/\.zip$/, '');
        const source = manifest.files[hash]?.source.path ?? '';
        return readFileSync(path.join(byDefault.outdir, source, file), 'utf8');
      };
      const t = template();
      expect(staged(fn(t, 'Api').properties.Code.S3Key, 'index.js')).toBe('// api\n');
      expect(staged(fn(t, 'Queue').properties.Code.S3Key, 'index.js')).toBe('// queue\n');
      const layer = only<{ Content: { S3Key: unknown } }>(t, 'AWS::Lambda::LayerVersion');
      expect(staged(layer.properties.Content.S3Key, 'nodejs/node_modules/.keep')).toBe('');
    });

    it('run on the capacity provider: one vCPU of 2 GiB, two invocations at once, one worker', () => {
      const t = template();
      const provider = only<CapacityProvider>(t, 'AWS::Lambda::CapacityProvider').id;
      for (const prefix of ['Api', 'Queue']) {
        const f = fn(t, prefix).properties;
        expect(f.CapacityProviderConfig).toEqual({
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: { 'Fn::GetAtt': [provider, 'Arn'] },
            ExecutionEnvironmentMemoryGiBPerVCpu: 2,
            PerExecutionEnvironmentMaxConcurrency: 2,
          },
        });
        expect(f.MemorySize).toBe(2048);
        expect(f.Environment.Variables.AWS_LAMBDA_NODEJS_WORKER_COUNT).toBe('1');
        // Lambda sets it; a function may not.
        expect(f.Environment.Variables.AWS_LAMBDA_MAX_CONCURRENCY).toBeUndefined();
      }
    });

    it('size environments, concurrency and workers per vCPU from context', () => {
      const f = fn(template(custom), 'Api').properties;
      expect(f.MemorySize).toBe(2 * 4 * 1024);
      expect(f.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig).toMatchObject({
        ExecutionEnvironmentMemoryGiBPerVCpu: 4,
        PerExecutionEnvironmentMaxConcurrency: 6,
      });
      expect(f.Environment.Variables.AWS_LAMBDA_NODEJS_WORKER_COUNT).toBe('4');
    });

    it('keep three environments each (one per AZ) and cap them within the vCPU ceiling', () => {
      const t = template();
      expect(fn(t, 'Api').properties.FunctionScalingConfig).toEqual({
        MinExecutionEnvironments: 3,
        MaxExecutionEnvironments: 8,
      });
      expect(fn(t, 'Queue').properties.FunctionScalingConfig).toEqual({
        MinExecutionEnvironments: 3,
        MaxExecutionEnvironments: 4,
      });
      expect(fn(template(custom), 'Api').properties.FunctionScalingConfig).toEqual({
        MinExecutionEnvironments: 1,
        MaxExecutionEnvironments: 10,
      });
    });

    it('say they are managed-instances, log JSON to their own groups, and time out as lambda-image', () => {
      const t = template();
      const groups = idsOfType(t, 'AWS::Logs::LogGroup');
      const api = fn(t, 'Api').properties;
      const queue = fn(t, 'Queue').properties;
      for (const f of [api, queue]) {
        expect(f.Environment.Variables.VARIANT).toBe('managed-instances');
        expect(f.LoggingConfig.LogFormat).toBe('JSON');
        expect(groups).toContain(render(f.LoggingConfig.LogGroup).replace(/^\$\{(.+)\}$/, '$1'));
      }
      expect(render(api.LoggingConfig.LogGroup)).not.toBe(render(queue.LoggingConfig.LogGroup));
      expect(api.Timeout).toBe(29);
      expect(queue.Timeout).toBe(60);
    });
  });

  describe('roles', () => {
    const roleOf = (t: Template, prefix: string) =>
      render(fn(t, prefix).properties.Role).replace(/^\$\{(.+)\.Arn\}$/, '$1');

    it("give each function lambda-image's bucket statements for its job, and no others", () => {
      const lmi = template();
      const image = byDefault.template('lambda-image');
      const imageFn = (cmd: string) =>
        all<{ Role: unknown; ImageConfig?: { Command?: string[] } }>(
          image,
          'AWS::Lambda::Function',
        ).find((f) => f.properties.ImageConfig?.Command?.[0] === cmd);
      const imageRole = (cmd: string) =>
        render(imageFn(cmd)?.properties.Role).replace(/^\$\{(.+)\.Arn\}$/, '$1');
      // Both stacks name the bucket Storage/Bucket: the same logical id in both templates.
      expect(s3Grants(statementsOf(lmi, roleOf(lmi, 'Api')))).toEqual(
        s3Grants(statementsOf(image, imageRole('api/index.handler'))),
      );
      expect(s3Grants(statementsOf(lmi, roleOf(lmi, 'Queue')))).toEqual(
        s3Grants(statementsOf(image, imageRole('queue/index.handler'))),
      );
      const api = statementsOf(lmi, roleOf(lmi, 'Api'));
      expect(api.some((s) => allows(s, 'sqs:ReceiveMessage'))).toBe(false);
      expect(
        api.some((s) => allows(s, 's3:PutObject') && resources(s).some((r) => /cartoons/.test(r))),
      ).toBe(false);
    });

    it('never grant anything on every resource, and write logs only to their own group', () => {
      const t = template();
      for (const prefix of ['Api', 'Queue']) {
        const statements = statementsOf(t, roleOf(t, prefix));
        expect(statements.length).toBeGreaterThan(0);
        for (const s of statements) expect(resources(s)).not.toContain('*');
        const logs = statements.filter((s) => allows(s, 'logs:PutLogEvents'));
        const group = render(fn(t, prefix).properties.LoggingConfig.LogGroup).replace(
          /^\$\{(.+)\}$/,
          '$1',
        );
        expect(logs.flatMap(resources)).toEqual([`\${${group}.Arn}`]);
      }
    });

    it('let the queue function consume the upload queue, and nothing else', () => {
      const t = template();
      const queueId = idsOfType(t, 'AWS::SQS::Queue').find((id) => id.startsWith('StorageQueue'));
      const consume = statementsOf(t, roleOf(t, 'Queue')).filter((s) =>
        allows(s, 'sqs:ReceiveMessage'),
      );
      expect(consume.flatMap(resources)).toEqual([`\${${queueId}.Arn}`]);
    });
  });

  it('answers the HTTP contract on an HTTP API, every route on the api function, throttled', () => {
    const t = template();
    const routes = all<{ RouteKey: string; Target: unknown }>(t, 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r.properties.RouteKey).sort()).toEqual(
      [
        'GET /',
        'GET /cartoons/{id}',
        'GET /health',
        'GET /styles',
        'POST /cartoon',
        'POST /uploads',
      ].sort(),
    );
    const integration = only<{ IntegrationUri: unknown; PayloadFormatVersion: string }>(
      t,
      'AWS::ApiGatewayV2::Integration',
    );
    expect(render(integration.properties.IntegrationUri)).toBe(`\${${fn(t, 'Api').id}.Arn}`);
    expect(integration.properties.PayloadFormatVersion).toBe('2.0');
    const stage = only<{ DefaultRouteSettings: Record<string, number> }>(
      t,
      'AWS::ApiGatewayV2::Stage',
    );
    expect(stage.properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
  });

  describe('the S3 path', () => {
    it('announces every upload on the queue, which an event source mapping feeds to the queue function', () => {
      const t = template();
      const queueId = idsOfType(t, 'AWS::SQS::Queue').find((id) => id.startsWith('StorageQueue'));
      const bucket = only<{
        BucketName: unknown;
        NotificationConfiguration: { QueueConfigurations: unknown[] };
      }>(t, 'AWS::S3::Bucket').properties;
      expect(bucket.NotificationConfiguration.QueueConfigurations).toEqual([
        {
          Event: 's3:ObjectCreated:*',
          Queue: { 'Fn::GetAtt': [queueId, 'Arn'] },
          Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
        },
      ]);
      // Short enough for the longest stage: managed-instances is the bucket's `lmi`.
      expect(render(bucket.BucketName)).toBe(
        `cartoon-compute-dev-lmi-\${AWS::AccountId}-\${AWS::Region}`,
      );
      const mapping = only<Record<string, unknown>>(t, 'AWS::Lambda::EventSourceMapping');
      expect(mapping.properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: fn(t, 'Queue').id },
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      // Six times the function's timeout plus the batching window, as lambda-image.
      expect(
        props<{ VisibilityTimeout: number }>(t, queueId ?? '', 'AWS::SQS::Queue'),
      ).toMatchObject({
        VisibilityTimeout: 6 * 60 + 1,
      });
    });

    it('raises an alarm as soon as the dead-letter queue holds a notification', () => {
      const t = template();
      const deadLetter = idsOfType(t, 'AWS::SQS::Queue').find((id) =>
        id.startsWith('StorageDeadLetter'),
      );
      const alarm = only<Record<string, unknown>>(t, 'AWS::CloudWatch::Alarm').properties;
      expect(alarm).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetter, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  it('outputs what the load test and deploy scripts read, and the variant', () => {
    const outputs = template().Outputs ?? {};
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'BucketName', 'QueueUrl', 'DeadLetterQueueUrl', 'Variant']),
    );
    expect(outputs.Variant?.Value).toBe('managed-instances');
    expect(render(outputs.CapacityProviderArn?.Value)).toMatch(/CapacityProvider.*\.Arn/);
  });

  it("passes AWS's template validator with no warning of its own", () => {
    const templates = {
      'default managed-instances': template(),
      'custom managed-instances': template(custom),
    };
    const { unexpected } = judge(validateTemplates(templates), 'cdk');
    expect(unexpected).toEqual([]);
  });
});
