// Synthesizes the real CDK app (infra/) in-process, with stand-in Docker build contexts, and
// checks the CloudFormation it would deploy: architectures, sizing, the HTTP API and the load
// balancer, Fargate Spot on and off, every bucket's protections, S3 notifications evaluated
// the way S3 evaluates them, the queues, IAM, and cdk-nag. Nothing here needs Docker or AWS.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FargateStack } from '../../infra/lib/fargate-stack';
import { LambdaImageStack } from '../../infra/lib/lambda-image-stack';
import { RATE_LIMITED_BODY } from '../../infra/lib/rate-limit-web-acl';
import { readFargateSettings, readLambdaImageSettings } from '../../infra/lib/settings';
import { type Synthesized, scratchDir, stubAssetDirs, synthesize } from '../support/cdk';
import {
  firing,
  keyMatches,
  notifications,
  OUTPUT_KEYS,
  REAL_WORLD_UPLOAD_KEYS,
} from '../support/s3-notifications';
import {
  allows,
  asArray,
  defaultStageParams,
  deniesInsecureTransport,
  idsOfType,
  permissionPolicies,
  props,
  render,
  resources,
  type StageParams,
  type Statement,
  type Template,
} from '../support/template';
import { judge, validateTemplates } from '../support/template-validation';
import { BROWSER_UPLOAD_HEADERS } from '../support/upload-headers';

const ROOT = path.resolve(__dirname, '..', '..');
const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const STACKS = ['lambda-image', 'fargate'] as const;
const PREFIXES = ['uploads/', 'cartoons/', 'failed/'];
const CERTIFICATE =
  'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
/** Non-default values for every setting the tests look at, and Spot and HTTPS on. */
const CUSTOM_CONTEXT = {
  apiMemory: '3008',
  apiTimeout: '20',
  apiReservedConcurrency: '5',
  apiThrottleRate: '7',
  apiThrottleBurst: '9',
  queueMemory: '4096',
  queueTimeout: '120',
  queueMaxConcurrency: '3',
  batchSize: '2',
  maxBatchingWindowSeconds: '0',
  maxReceiveCount: '5',
  cpu: '2048',
  memory: '8192',
  minTasks: '2',
  maxTasks: '6',
  cpuTargetPercent: '60',
  spot: 'true',
  certificateArn: CERTIFICATE,
  maxInFlight: '2',
  maxUploadBytes: '20000000',
  logRetentionDays: '30',
};

/** A production stage: HTTPS, an extra CORS origin, a tighter WAF rate, Spot off. */
const PRODUCTION_CONTEXT = {
  stage: 'prod',
  certificateArn: CERTIFICATE,
  corsOrigin: 'https://app.example.com',
  wafRateLimit: '500',
  wafRateWindowSeconds: '60',
};
/** Where `npm start` serves the console page: dev stages allow it by default. */
const LOCAL_CONSOLE_ORIGINS = ['http://127.0.0.1:8000', 'http://localhost:8000'];

interface LambdaFunction {
  Architectures: string[];
  PackageType: string;
  Code: { ImageUri: unknown };
  ImageConfig?: { Command?: string[] };
  MemorySize: number;
  Timeout: number;
  ReservedConcurrentExecutions?: number;
  Role: unknown;
  LoggingConfig?: { LogGroup?: unknown };
  Environment: { Variables: Record<string, unknown> };
}

interface Queue {
  VisibilityTimeout?: number;
  MessageRetentionPeriod?: number;
  SqsManagedSseEnabled?: boolean;
  KmsMasterKeyId?: unknown;
  RedrivePolicy?: { deadLetterTargetArn: unknown; maxReceiveCount: number };
}

interface ContainerDefinition {
  Image: unknown;
  ReadonlyRootFilesystem?: boolean;
  MountPoints?: { ContainerPath: string; SourceVolume: string; ReadOnly?: boolean }[];
  HealthCheck?: {
    Command: string[];
    Interval?: number;
    Timeout?: number;
    Retries?: number;
    StartPeriod?: number;
  };
  Environment: { Name: string; Value: unknown }[];
  PortMappings: { ContainerPort: number }[];
  StopTimeout?: number;
  LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

interface TaskDefinition {
  Cpu: string;
  Memory: string;
  RequiresCompatibilities: string[];
  RuntimePlatform: { CpuArchitecture: string; OperatingSystemFamily: string };
  ContainerDefinitions: ContainerDefinition[];
  TaskRoleArn: unknown;
  Volumes?: { Name: string; Host?: unknown }[];
}

interface EcsService {
  LaunchType?: string;
  CapacityProviderStrategy?: { CapacityProvider: string; Weight?: number; Base?: number }[];
  DeploymentConfiguration: {
    DeploymentCircuitBreaker?: { Enable: boolean; Rollback: boolean };
    MinimumHealthyPercent?: number;
  };
  NetworkConfiguration: {
    AwsvpcConfiguration: { AssignPublicIp: string; SecurityGroups: unknown[] };
  };
}

/** The single resource of a type, with its logical id; fails when there are none or several. */
function only<T>(template: Template, type: string): { id: string; properties: T } {
  const ids = idsOfType(template, type);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  const id = ids[0] as string;
  return { id, properties: props<T>(template, id, type) };
}

function all<T>(template: Template, type: string): { id: string; properties: T }[] {
  return idsOfType(template, type).map((id) => ({ id, properties: props<T>(template, id, type) }));
}

function anyone(principal: unknown): boolean {
  return principal === '*' || render((principal as { AWS?: unknown } | undefined)?.AWS) === '*';
}

/**
 * What is missing from each bucket's protections: public access blocked, SSE, owner-enforced
 * ownership, and a policy that denies every request without TLS on the bucket and its objects.
 */
function bucketProblems(template: Template): string[] {
  const problems: string[] = [];
  const policies = all<{ Bucket: unknown; PolicyDocument: { Statement: Statement[] } }>(
    template,
    'AWS::S3::BucketPolicy',
  );
  for (const { id, properties: bucket } of all<{
    PublicAccessBlockConfiguration?: Record<string, boolean>;
    BucketEncryption?: { ServerSideEncryptionConfiguration?: unknown[] };
    OwnershipControls?: { Rules: { ObjectOwnership: string }[] };
  }>(template, 'AWS::S3::Bucket')) {
    const block = bucket.PublicAccessBlockConfiguration ?? {};
    for (const key of [
      'BlockPublicAcls',
      'BlockPublicPolicy',
      'IgnorePublicAcls',
      'RestrictPublicBuckets',
    ]) {
      if (block[key] !== true) problems.push(`${id}: ${key} is not true`);
    }
    if ((bucket.BucketEncryption?.ServerSideEncryptionConfiguration ?? []).length === 0) {
      problems.push(`${id}: no default encryption`);
    }
    if (bucket.OwnershipControls?.Rules[0]?.ObjectOwnership !== 'BucketOwnerEnforced') {
      problems.push(`${id}: ownership is not BucketOwnerEnforced`);
    }
    const denied = policies
      .filter(({ properties }) => render(properties.Bucket) === `\${${id}}`)
      .flatMap(({ properties }) => asArray(properties.PolicyDocument.Statement))
      .filter(
        (s) =>
          deniesInsecureTransport(s) && anyone(s.Principal) && asArray(s.Action).includes('s3:*'),
      )
      .flatMap(resources);
    for (const arn of [`\${${id}.Arn}`, `\${${id}.Arn}/*`]) {
      if (!denied.includes(arn)) problems.push(`${id}: requests to ${arn} without TLS not denied`);
    }
  }
  return problems;
}

/** Every Allow statement of every permission policy, with where it is. */
function allowStatements(
  template: Template,
): { owner: string; where: string; statement: Statement }[] {
  return permissionPolicies(template).flatMap((policy) =>
    policy.statements
      .filter((statement) => statement.Effect === 'Allow')
      // An AWS::IAM::Policy names its role as `{ Ref: Role }`: the owner is the role's id.
      .map((statement) => ({
        owner: policy.owner.replace(/^\$\{(.+)\}$/, '$1'),
        where: policy.where,
        statement,
      })),
  );
}

/** The role id behind a `{ Fn::GetAtt: [Role, Arn] }`. */
function roleId(value: unknown): string {
  return render(value).replace(/^\$\{(.+)\.Arn\}$/, '$1');
}

/** Whether `role` may PutObject a key under `prefix` of the bucket `bucketId`. */
function mayWrite(template: Template, role: string, bucketId: string, prefix: string): boolean {
  const key = `\${${bucketId}.Arn}/${prefix}x.jpg`;
  return allowStatements(template)
    .filter(({ owner }) => owner === role)
    .some(
      ({ statement }) =>
        allows(statement, 's3:PutObject') &&
        resources(statement).some((arn) => key.startsWith(arn.replace(/\*$/, ''))),
    );
}

describe('CDK app (infra/)', () => {
  const stubs = stubAssetDirs();
  const outdirs: string[] = [];
  let byDefault: Synthesized;
  let custom: Synthesized;
  let production: Synthesized;
  let params: StageParams;

  beforeAll(() => {
    params = defaultStageParams(path.join(ROOT, 'serverless.yml'));
    const started = performance.now();
    const synth = (context?: Record<string, unknown>): Synthesized => {
      const outdir = scratchDir();
      outdirs.push(outdir);
      return synthesize({ outdir, assetDirs: stubs.dirs, ...(context ? { context } : {}) });
    };
    byDefault = synth();
    custom = synth(CUSTOM_CONTEXT);
    production = synth(PRODUCTION_CONTEXT);
    console.log(
      `three syntheses of both stacks took ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  afterAll(() => {
    stubs.remove();
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('the lambda-image stack', () => {
    const template = (s: Synthesized = byDefault): Template => s.template('lambda-image');
    const functions = (s?: Synthesized) =>
      all<LambdaFunction>(template(s), 'AWS::Lambda::Function');
    const byCommand = (command: string, s?: Synthesized): LambdaFunction => {
      const found = functions(s).filter((f) => f.properties.ImageConfig?.Command?.[0] === command);
      if (found.length !== 1) throw new Error(`expected one function with CMD ${command}`);
      return (found[0] as { properties: LambdaFunction }).properties;
    };
    const api = (s?: Synthesized) => byCommand('api/index.handler', s);
    const queueFn = (s?: Synthesized) => byCommand('queue/index.handler', s);

    it('has exactly two functions, both arm64 container images of one image', () => {
      expect(functions()).toHaveLength(2);
      for (const { properties } of functions()) {
        expect(properties.Architectures).toEqual(['arm64']);
        expect(properties.PackageType).toBe('Image');
      }
      expect(render(api().Code.ImageUri)).toBe(render(queueFn().Code.ImageUri));
      expect(byDefault.stagedDockerfile('lambda-image', api().Code.ImageUri)).toMatch(
        /^# lambda-image\n/,
      );
    });

    it('sizes the functions like lambda-zip by default, and from context when given', () => {
      expect(api()).toMatchObject({
        MemorySize: params.apiMemory,
        Timeout: params.apiTimeout,
        ReservedConcurrentExecutions: 10,
      });
      expect(queueFn()).toMatchObject({
        MemorySize: params.processMemory,
        Timeout: params.processTimeout,
      });
      expect(queueFn().ReservedConcurrentExecutions).toBeUndefined();
      expect(api(custom)).toMatchObject({
        MemorySize: 3008,
        Timeout: 20,
        ReservedConcurrentExecutions: 5,
      });
      expect(queueFn(custom)).toMatchObject({ MemorySize: 4096, Timeout: 120 });
    });

    it('gives both functions the variant, the bucket and the version, and config.ts limits only when set', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      for (const fn of [api(), queueFn()]) {
        const variables = fn.Environment.Variables;
        expect(variables).toMatchObject({ VARIANT: 'lambda-image', APP_VERSION: VERSION });
        expect(render(variables.BUCKET_NAME)).toBe(`\${${bucket}}`);
        expect(variables.MAX_UPLOAD_BYTES).toBeUndefined();
        // Lambda reserves AWS_REGION and sets it itself; setting it fails the deployment.
        expect(variables.AWS_REGION).toBeUndefined();
      }
      expect(api(custom).Environment.Variables.MAX_UPLOAD_BYTES).toBe('20000000');
    });

    it('answers the same routes as lambda-zip on an HTTP API', () => {
      const zipRoutes = [
        ...readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8').matchAll(
          /-\s+httpApi:\s+'([A-Z]+ [^']+)'/g,
        ),
      ].map((match) => match[1]);
      expect(zipRoutes.length).toBeGreaterThan(0);
      const routes = all<{ RouteKey: string; Target: unknown }>(
        template(),
        'AWS::ApiGatewayV2::Route',
      );
      expect(routes.map((r) => r.properties.RouteKey).sort()).toEqual([...zipRoutes].sort());
      const integrations = all<{ IntegrationUri: unknown; PayloadFormatVersion: string }>(
        template(),
        'AWS::ApiGatewayV2::Integration',
      );
      expect(integrations).toHaveLength(1);
      expect(integrations[0]?.properties.PayloadFormatVersion).toBe('2.0');
      const apiId = functions().find((f) => f.properties === api())?.id;
      expect(render(integrations[0]?.properties.IntegrationUri)).toBe(`\${${apiId}.Arn}`);
    });

    it('throttles the default stage (demo-sized by default) and logs its requests', () => {
      const stage = (s?: Synthesized) =>
        only<{
          StageName: string;
          AutoDeploy: boolean;
          DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
          AccessLogSettings?: { DestinationArn: unknown };
        }>(template(s), 'AWS::ApiGatewayV2::Stage').properties;
      expect(stage()).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        // serverless.yml's apiThrottleRate and apiThrottleBurst.
        DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      });
      expect(stage(custom).DefaultRouteSettings).toEqual({
        ThrottlingRateLimit: 7,
        ThrottlingBurstLimit: 9,
      });
      expect(render(stage().AccessLogSettings?.DestinationArn)).toMatch(/^\$\{.+\.Arn\}$/);
    });

    it('feeds the queue function from the upload queue in reported, bounded batches', () => {
      const mapping = (s?: Synthesized) =>
        only<{
          EventSourceArn: unknown;
          FunctionName: unknown;
          BatchSize: number;
          MaximumBatchingWindowInSeconds?: number;
          FunctionResponseTypes?: string[];
          ScalingConfig?: { MaximumConcurrency: number };
        }>(template(s), 'AWS::Lambda::EventSourceMapping').properties;
      const queueId = uploadQueue(template()).id;
      const queueFnId = functions().find((f) => f.properties === queueFn())?.id;
      expect(render(mapping().EventSourceArn)).toBe(`\${${queueId}.Arn}`);
      expect(render(mapping().FunctionName)).toBe(`\${${queueFnId}}`);
      expect(mapping()).toMatchObject({
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      expect(mapping(custom)).toMatchObject({
        BatchSize: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 3 },
      });
    });

    // AWS Lambda developer guide, "Creating and configuring an Amazon SQS event source mapping":
    // the visibility timeout at least six times the function timeout (read 2026-11).
    it('hides a received batch for at least six times the queue function timeout', () => {
      for (const s of [byDefault, custom]) {
        const visibility = uploadQueue(template(s)).properties.VisibilityTimeout ?? 30;
        expect(visibility).toBeGreaterThanOrEqual(6 * queueFn(s).Timeout);
      }
      expect(uploadQueue(template(custom)).properties.VisibilityTimeout).toBe(720);
    });
    it('gives each function its own role: the queue role never writes uploads, the api role never writes results', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      const apiRole = roleId(api().Role);
      const queueRole = roleId(queueFn().Role);
      expect(apiRole).not.toBe(queueRole);
      expect(PREFIXES.map((p) => [p, mayWrite(template(), queueRole, bucket, p)])).toEqual([
        ['uploads/', false],
        ['cartoons/', true],
        ['failed/', true],
      ]);
      expect(PREFIXES.map((p) => [p, mayWrite(template(), apiRole, bucket, p)])).toEqual([
        ['uploads/', true],
        ['cartoons/', false],
        ['failed/', false],
      ]);
      const receivers = allowStatements(template())
        .filter(({ statement }) => allows(statement, 'sqs:ReceiveMessage'))
        .map(({ owner }) => owner);
      expect(receivers).toEqual([queueRole]);
    });

    it('lets each function write logs to its own log group only', () => {
      for (const fn of [api(), queueFn()]) {
        const group = render(fn.LoggingConfig?.LogGroup).replace(/^\$\{(.+)\}$/, '$1');
        expect(
          props<{ RetentionInDays: number }>(template(), group, 'AWS::Logs::LogGroup'),
        ).toEqual(expect.objectContaining({ RetentionInDays: params.logRetentionDays }));
        const logStatements = allowStatements(template()).filter(
          ({ owner, statement }) =>
            owner === roleId(fn.Role) && allows(statement, 'logs:PutLogEvents'),
        );
        expect(logStatements.flatMap(({ statement }) => resources(statement))).toEqual([
          `\${${group}.Arn}`,
        ]);
      }
    });
  });

  describe('the fargate stack', () => {
    const template = (s: Synthesized = byDefault): Template => s.template('fargate');
    const task = (s?: Synthesized) => only<TaskDefinition>(template(s), 'AWS::ECS::TaskDefinition');
    const container = (s?: Synthesized): ContainerDefinition => {
      const [first, ...rest] = task(s).properties.ContainerDefinitions;
      if (first === undefined || rest.length > 0) throw new Error('expected one container');
      return first;
    };
    const environment = (s?: Synthesized): Record<string, string> =>
      Object.fromEntries(container(s).Environment.map((e) => [e.Name, render(e.Value)]));
    const service = (s?: Synthesized) =>
      only<EcsService>(template(s), 'AWS::ECS::Service').properties;

    it('runs arm64 tasks from the arm64 image by default (Spot off)', () => {
      expect(task().properties.RuntimePlatform).toEqual({
        CpuArchitecture: 'ARM64',
        OperatingSystemFamily: 'LINUX',
      });
      expect(byDefault.stagedDockerfile('fargate', container().Image)).toMatch(/^# fargate\n/);
      expect(service().CapacityProviderStrategy ?? []).toEqual([]);
      expect(service().LaunchType).toBe('FARGATE');
    });

    it('with spot=true, runs on FARGATE_SPOT with the x86_64 image, the only one Spot runs', () => {
      expect(task(custom).properties.RuntimePlatform.CpuArchitecture).toBe('X86_64');
      expect(custom.stagedDockerfile('fargate', container(custom).Image)).toMatch(
        /^# fargate-x86_64\n/,
      );
      expect(service(custom).LaunchType).toBeUndefined();
      expect(service(custom).CapacityProviderStrategy).toEqual([
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ]);
      const associations = only<{ CapacityProviders: string[] }>(
        template(custom),
        'AWS::ECS::ClusterCapacityProviderAssociations',
      );
      expect(associations.properties.CapacityProviders).toContain('FARGATE_SPOT');
    });

    it('gives the container 120 s between SIGTERM and SIGKILL, for Spot’s 2-minute notice', () => {
      expect(container().StopTimeout).toBe(120);
      expect(container(custom).StopTimeout).toBe(120);
      // The server gives up 10 s before ECS's SIGKILL, not at its own 25 s default.
      expect(environment().STOP_TIMEOUT_SECONDS).toBe('110');
    });

    it('sizes the task from context (1 vCPU, 2 GiB by default)', () => {
      expect(task().properties).toMatchObject({ Cpu: '1024', Memory: '2048' });
      expect(task(custom).properties).toMatchObject({ Cpu: '2048', Memory: '8192' });
    });

    it('passes the container its port, queue, bucket, variant, region and log settings', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      expect(environment()).toMatchObject({
        PORT: '8080',
        VARIANT: 'fargate',
        APP_VERSION: VERSION,
        BUCKET_NAME: `\${${bucket}}`,
        QUEUE_URL: `\${${uploadQueue(template()).id}}`,
        AWS_REGION: `\${AWS::Region}`,
        POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(environment().MAX_IN_FLIGHT).toBeUndefined();
      expect(environment(custom)).toMatchObject({
        MAX_IN_FLIGHT: '2',
        MAX_UPLOAD_BYTES: '20000000',
      });
      expect(container().PortMappings.map((p) => p.ContainerPort)).toEqual([8080]);
      expect(container().LogConfiguration?.LogDriver).toBe('awslogs');
    });

    it("gives the queue worker the queue's own visibility timeout, and a retry window it fills", () => {
      for (const s of [byDefault, custom]) {
        const visibility = uploadQueue(template(s)).properties.VisibilityTimeout;
        const env = environment(s);
        expect(env.QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBe(String(visibility));
        expect(Number(env.PROCESS_RETRY_WINDOW_SECONDS)).toBeGreaterThanOrEqual(
          Number(visibility) * Number(env.PROCESS_MAX_ATTEMPTS),
        );
      }
    });

    it('health-checks GET /health on the container port through the ALB', () => {
      const group = only<{
        HealthCheckPath: string;
        Port: number;
        TargetType: string;
        Matcher?: { HttpCode: string };
      }>(template(), 'AWS::ElasticLoadBalancingV2::TargetGroup').properties;
      expect(group).toMatchObject({
        HealthCheckPath: '/health',
        Port: 8080,
        TargetType: 'ip',
        Matcher: { HttpCode: '200' },
      });
    });

    it('listens on HTTP without a certificate, and on HTTPS with HTTP redirected when given one', () => {
      type Listener = {
        Port: number;
        Protocol: string;
        Certificates?: { CertificateArn: string }[];
        DefaultActions: { Type: string; RedirectConfig?: { Port: string; Protocol: string } }[];
      };
      const listeners = (s?: Synthesized) =>
        all<Listener>(template(s), 'AWS::ElasticLoadBalancingV2::Listener')
          .map((l) => l.properties)
          .sort((a, b) => a.Port - b.Port);
      expect(listeners().map((l) => [l.Port, l.Protocol, l.DefaultActions[0]?.Type])).toEqual([
        [80, 'HTTP', 'forward'],
      ]);
      const [http, https] = listeners(custom);
      expect(http?.DefaultActions[0]).toMatchObject({
        Type: 'redirect',
        RedirectConfig: { Port: '443', Protocol: 'HTTPS' },
      });
      expect(https).toMatchObject({
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: CERTIFICATE }],
      });
      expect(https?.DefaultActions[0]?.Type).toBe('forward');
    });

    it('outside development: HTTPS only (HTTP redirected), deletion protection, access logs', () => {
      type Listener = {
        Port: number;
        Protocol: string;
        DefaultActions: { Type: string; RedirectConfig?: { Port: string; Protocol: string } }[];
      };
      const prod = template(production);
      const listeners = all<Listener>(prod, 'AWS::ElasticLoadBalancingV2::Listener')
        .map((l) => l.properties)
        .sort((a, b) => a.Port - b.Port);
      expect(listeners.map((l) => [l.Port, l.Protocol, l.DefaultActions[0]?.Type])).toEqual([
        [80, 'HTTP', 'redirect'],
        [443, 'HTTPS', 'forward'],
      ]);
      const attributes = (t: Template) =>
        Object.fromEntries(
          only<{ LoadBalancerAttributes: { Key: string; Value: unknown }[] }>(
            t,
            'AWS::ElasticLoadBalancingV2::LoadBalancer',
          ).properties.LoadBalancerAttributes.map((a) => [a.Key, render(a.Value)]),
        );
      const logBucket = idsOfType(prod, 'AWS::S3::Bucket').find((id) =>
        id.startsWith('AccessLogs'),
      );
      expect(logBucket).toBeDefined();
      expect(attributes(prod)).toMatchObject({
        'deletion_protection.enabled': 'true',
        'access_logs.s3.enabled': 'true',
        'access_logs.s3.bucket': `\${${logBucket}}`,
        'access_logs.s3.prefix': 'alb',
        'routing.http.drop_invalid_header_fields.enabled': 'true',
      });
      // Private, SSE-S3, owner-enforced and TLS-only like every bucket (bucketProblems), kept
      // after the stack, expiring with the stage's logs; ELB may write under alb/ only.
      expect(bucketProblems(prod)).toEqual([]);
      expect(prod.Resources[logBucket ?? '']).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] },
        },
      });
      const writes = all<{ Bucket: unknown; PolicyDocument: { Statement: Statement[] } }>(
        prod,
        'AWS::S3::BucketPolicy',
      )
        .filter(({ properties }) => render(properties.Bucket) === `\${${logBucket}}`)
        .flatMap(({ properties }) => asArray(properties.PolicyDocument.Statement))
        .filter((statement) => allows(statement, 's3:PutObject'))
        .flatMap(resources);
      expect(writes.length).toBeGreaterThan(0);
      for (const arn of writes) {
        expect(arn).toBe(`\${${logBucket}.Arn}/alb/AWSLogs/\${AWS::AccountId}/*`);
      }
      // The stack is deployed where its certificate is: eu-west-1 here.
      expect(production.cartoon.fargate?.region).toBe('eu-west-1');
      // A development stage has neither (and no log bucket to pay for).
      expect(attributes(template())['deletion_protection.enabled']).toBe('false');
      expect(attributes(template())['access_logs.s3.enabled']).toBeUndefined();
      expect(idsOfType(template(), 'AWS::S3::Bucket')).toHaveLength(1);
      expect(Token.isUnresolved(byDefault.cartoon.fargate?.region)).toBe(true);
    });

    it('puts a WAF web ACL on the ALB that answers 429 to one client IP past its rate', () => {
      type WebAcl = {
        Scope: string;
        DefaultAction: unknown;
        CustomResponseBodies: Record<string, { ContentType: string; Content: string }>;
        Rules: {
          Priority: number;
          Statement: {
            RateBasedStatement?: {
              AggregateKeyType: string;
              Limit: number;
              EvaluationWindowSec: number;
            };
          };
          Action: {
            Block?: {
              CustomResponse?: {
                ResponseCode: number;
                CustomResponseBodyKey: string;
                ResponseHeaders?: { Name: string; Value: string }[];
              };
            };
          };
        }[];
      };
      for (const [s, limit, window] of [
        [byDefault, 1000, 300],
        [production, 500, 60],
      ] as const) {
        const acl = only<WebAcl>(template(s), 'AWS::WAFv2::WebACL');
        expect(acl.properties.Scope).toBe('REGIONAL');
        expect(acl.properties.DefaultAction).toEqual({ Allow: {} });
        expect(acl.properties.Rules).toHaveLength(1);
        const [rule] = acl.properties.Rules;
        expect(rule?.Statement.RateBasedStatement).toEqual({
          AggregateKeyType: 'IP',
          Limit: limit,
          EvaluationWindowSec: window,
        });
        const response = rule?.Action.Block?.CustomResponse;
        expect(response?.ResponseCode).toBe(429);
        expect(response?.ResponseHeaders).toEqual([{ Name: 'retry-after', Value: String(window) }]);
        const body = acl.properties.CustomResponseBodies[response?.CustomResponseBodyKey ?? ''];
        expect(body?.ContentType).toBe('APPLICATION_JSON');
        // The contract's error shape, so clients and the page show it like any other 429.
        expect(JSON.parse(body?.Content ?? '{}')).toEqual({
          error: { code: 'RATE_LIMITED', message: expect.stringMatching(/Too many requests/) },
        });
        expect(body?.Content).toBe(RATE_LIMITED_BODY);
        const association = only<{ ResourceArn: unknown; WebACLArn: unknown }>(
          template(s),
          'AWS::WAFv2::WebACLAssociation',
        ).properties;
        const alb = only(template(s), 'AWS::ElasticLoadBalancingV2::LoadBalancer').id;
        expect(render(association.ResourceArn)).toBe(`\${${alb}}`);
        expect(render(association.WebACLArn)).toBe(`\${${acl.id}.Arn}`);
      }
      // HTTP APIs take no web ACL (README, "Per-client limits"): none in lambda-image.
      expect(idsOfType(byDefault.template('lambda-image'), 'AWS::WAFv2::WebACL')).toEqual([]);
    });

    it('runs the container on a read-only root filesystem with /tmp as its one writable volume', () => {
      for (const s of [byDefault, custom, production]) {
        expect(container(s).ReadonlyRootFilesystem).toBe(true);
        expect(container(s).MountPoints).toEqual([
          { ContainerPath: '/tmp', SourceVolume: 'tmp', ReadOnly: false },
        ]);
        // No host path: task ephemeral storage, gone with the task.
        expect(task(s).properties.Volumes).toEqual([{ Name: 'tmp' }]);
      }
    });

    it('health-checks the container itself with node (no curl in the slim image)', async () => {
      const check = container().HealthCheck;
      expect(check).toMatchObject({ Interval: 15, Timeout: 5, Retries: 3, StartPeriod: 30 });
      const [form, binary, flag, script] = check?.Command ?? [];
      expect([form, binary, flag]).toEqual(['CMD', 'node', '-e']);
      expect(script).toContain('http://127.0.0.1:8080/health');
      // Run the very command against a real server on an ephemeral port: 0 for 200, 1 otherwise.
      let status = 200;
      const server = createServer((req, res) => {
        res.statusCode = req.url === '/health' ? status : 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const local = (script ?? '').replace(':8080/', `:${port}/`);
      const exitCode = (): Promise<number | null> =>
        new Promise((resolve) => spawn(process.execPath, ['-e', local]).on('exit', resolve));
      try {
        expect(await exitCode()).toBe(0);
        status = 503;
        expect(await exitCode()).toBe(1);
      } finally {
        server.close();
      }
      // Nobody listening: a failed fetch is unhealthy too, not a crash with another code.
      expect(spawnSync(process.execPath, ['-e', local]).status).toBe(1);
    });

    it('rolls a failed deployment back (circuit breaker) and keeps full capacity meanwhile', () => {
      expect(service().DeploymentConfiguration).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      });
    });

    it('tracks 75% CPU between 1 and 4 tasks by default, and the context values when given', () => {
      const scaling = (s?: Synthesized) => ({
        target: only<{ MinCapacity: number; MaxCapacity: number }>(
          template(s),
          'AWS::ApplicationAutoScaling::ScalableTarget',
        ).properties,
        policy: only<{
          PolicyType: string;
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: number;
            PredefinedMetricSpecification: { PredefinedMetricType: string };
          };
        }>(template(s), 'AWS::ApplicationAutoScaling::ScalingPolicy').properties,
      });
      expect(scaling().target).toMatchObject({ MinCapacity: 1, MaxCapacity: 4 });
      expect(scaling().policy).toMatchObject({
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 75,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
          },
        },
      });
      expect(scaling(custom).target).toMatchObject({ MinCapacity: 2, MaxCapacity: 6 });
      expect(scaling(custom).policy.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(60);
    });

    it('spans two AZs with no NAT gateway, tasks reachable only from the ALB', () => {
      expect(idsOfType(template(), 'AWS::EC2::Subnet')).toHaveLength(2);
      expect(idsOfType(template(), 'AWS::EC2::NatGateway')).toEqual([]);
      expect(service().NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('ENABLED');
      const endpoint = only<{ ServiceName: unknown; VpcEndpointType?: string }>(
        template(),
        'AWS::EC2::VPCEndpoint',
      ).properties;
      expect(render(endpoint.ServiceName)).toMatch(/\.s3$/);
      expect(endpoint.VpcEndpointType ?? 'Gateway').toBe('Gateway');
      // The tasks' security group admits the container port from the ALB's group, nothing else.
      const serviceGroups = service().NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.map(
        (group) => render(group).replace(/^\$\{(.+)\.GroupId\}$/, '$1'),
      );
      expect(serviceGroups).toHaveLength(1);
      const albGroup = render(
        asArray(
          only<{ SecurityGroups: unknown[] }>(
            template(),
            'AWS::ElasticLoadBalancingV2::LoadBalancer',
          ).properties.SecurityGroups,
        )[0],
      );
      const ingress = all<{
        GroupId: unknown;
        SourceSecurityGroupId?: unknown;
        CidrIp?: string;
        FromPort: number;
      }>(template(), 'AWS::EC2::SecurityGroupIngress')
        .map((rule) => rule.properties)
        .filter((rule) => render(rule.GroupId) === `\${${serviceGroups[0]}.GroupId}`);
      expect(ingress.map((rule) => [render(rule.SourceSecurityGroupId), rule.FromPort])).toEqual([
        [albGroup, 8080],
      ]);
      const inline = props<{ SecurityGroupIngress?: unknown[] }>(
        template(),
        serviceGroups[0] as string,
        'AWS::EC2::SecurityGroup',
      ).SecurityGroupIngress;
      expect(inline ?? []).toEqual([]);
    });

    it('lets the task role presign uploads, write results, and consume its own queue only', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      const role = roleId(task().properties.TaskRoleArn);
      expect(mayWrite(template(), role, bucket, 'uploads/')).toBe(true);
      expect(mayWrite(template(), role, bucket, 'cartoons/')).toBe(true);
      expect(mayWrite(template(), role, bucket, 'somewhere-else/')).toBe(false);
      const consume = allowStatements(template()).filter(
        ({ owner, statement }) => owner === role && allows(statement, 'sqs:ReceiveMessage'),
      );
      expect(consume.flatMap(({ statement }) => resources(statement))).toEqual([
        `\${${uploadQueue(template()).id}.Arn}`,
      ]);
    });
  });

  describe.each(STACKS)('the %s stack', (name) => {
    const template = (s: Synthesized = byDefault): Template => s.template(name);

    it('protects every bucket: public access blocked, SSE, owner-enforced, TLS only', () => {
      for (const s of [byDefault, custom]) {
        expect(idsOfType(template(s), 'AWS::S3::Bucket').length).toBeGreaterThan(0);
        expect(bucketProblems(template(s))).toEqual([]);
      }
    });

    it('expires uploads, results and failure records, and lets browsers PUT (CORS)', () => {
      const bucket = only<{
        LifecycleConfiguration: {
          Rules: { Status: string; Prefix?: string; ExpirationInDays?: number }[];
        };
        CorsConfiguration: { CorsRules: { AllowedMethods: string[]; AllowedHeaders: string[] }[] };
      }>(template(), 'AWS::S3::Bucket').properties;
      const expiry = Object.fromEntries(
        bucket.LifecycleConfiguration.Rules.filter((r) => r.Status === 'Enabled' && r.Prefix).map(
          (r) => [r.Prefix, r.ExpirationInDays],
        ),
      );
      expect(expiry).toEqual({
        'uploads/': params.uploadsExpireDays,
        'cartoons/': params.resultsExpireDays,
        'failed/': params.resultsExpireDays,
      });
      expect(bucket.CorsConfiguration.CorsRules.flatMap((r) => r.AllowedMethods)).toContain('PUT');
      expect(bucket.CorsConfiguration.CorsRules.flatMap((r) => r.AllowedHeaders)).toEqual(
        expect.arrayContaining(BROWSER_UPLOAD_HEADERS),
      );
    });

    it('announces every real-world upload name on the upload queue, and never its own output', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      const found = notifications(template());
      expect(found.length).toBeGreaterThan(0);
      const queueArn = `\${${uploadQueue(template()).id}.Arn}`;
      for (const key of REAL_WORLD_UPLOAD_KEYS) {
        for (const event of ['s3:ObjectCreated:Put', 's3:ObjectCreated:CompleteMultipartUpload']) {
          const fired = firing(found, bucket, event, key);
          expect({ key, event, targets: fired.map((n) => `${n.kind} ${n.target}`) }).toEqual({
            key,
            event,
            targets: [`queue ${queueArn}`],
          });
        }
      }
      for (const key of OUTPUT_KEYS) {
        expect({ key, fired: firing(found, bucket, 's3:ObjectCreated:Put', key) }).toEqual({
          key,
          fired: [],
        });
      }
    });

    it('lets S3 send to the upload queue only for its own bucket, and waits for that before notifying', () => {
      const { id: bucketId, properties: bucket } = only<{ BucketName: unknown }>(
        template(),
        'AWS::S3::Bucket',
      );
      const queue = uploadQueue(template()).id;
      const sends = all<{ Queues: unknown[]; PolicyDocument: { Statement: Statement[] } }>(
        template(),
        'AWS::SQS::QueuePolicy',
      )
        .filter(({ properties }) => properties.Queues.map(render).includes(`\${${queue}}`))
        .flatMap(({ properties }) => asArray(properties.PolicyDocument.Statement))
        .filter((s) => s.Effect === 'Allow' && allows(s, 'sqs:SendMessage'));
      expect(sends).toHaveLength(1);
      expect(sends[0]?.Principal).toEqual({ Service: 's3.amazonaws.com' });
      const source = render(
        (sends[0]?.Condition?.ArnEquals ?? sends[0]?.Condition?.ArnLike)?.['aws:SourceArn'],
      );
      expect(source).toBe(`arn:\${AWS::Partition}:s3:::${render(bucket.BucketName)}`);
      const policyIds = idsOfType(template(), 'AWS::SQS::QueuePolicy').filter((id) =>
        props<{ Queues: unknown[] }>(template(), id, 'AWS::SQS::QueuePolicy')
          .Queues.map(render)
          .includes(`\${${queue}}`),
      );
      expect(asArray(template().Resources[bucketId]?.DependsOn)).toEqual(
        expect.arrayContaining(policyIds),
      );
    });

    it('moves a notification to the dead-letter queue after a bounded number of receives', () => {
      for (const [s, count] of [
        [byDefault, 3],
        [custom, 5],
      ] as const) {
        const upload = uploadQueue(template(s));
        const redrive = upload.properties.RedrivePolicy;
        expect(redrive?.maxReceiveCount).toBe(count);
        // The processing knows the attempts it gets, so a failure before the last says retrying.
        const queueFunction = all<LambdaFunction>(
          s.template('lambda-image'),
          'AWS::Lambda::Function',
        )
          .map((f) => f.properties)
          .filter((f) => f.ImageConfig?.Command?.[0] === 'queue/index.handler');
        const fargateTask = only<TaskDefinition>(s.template('fargate'), 'AWS::ECS::TaskDefinition');
        const setting = (name: string) => [
          ...queueFunction.map((f) => f.Environment.Variables[name]),
          ...fargateTask.properties.ContainerDefinitions.flatMap((c) => c.Environment)
            .filter((e) => e.Name === name)
            .map((e) => e.Value),
        ];
        expect(setting('PROCESS_MAX_ATTEMPTS')).toEqual([String(count), String(count)]);
        // Retrying for as long as the remaining receives can take, each up to the visibility.
        const visibility = (t: Template) => uploadQueue(t).properties.VisibilityTimeout;
        expect(setting('PROCESS_RETRY_WINDOW_SECONDS')).toEqual([
          String(Number(visibility(s.template('lambda-image'))) * count),
          String(Number(visibility(s.template('fargate'))) * count),
        ]);
        const dlq = render(redrive?.deadLetterTargetArn).replace(/^\$\{(.+)\.Arn\}$/, '$1');
        const dead = props<Queue>(template(s), dlq, 'AWS::SQS::Queue');
        expect(dead.RedrivePolicy).toBeUndefined();
        expect(dead.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
    });

    it('encrypts every queue and refuses requests to it without TLS', () => {
      const queues = idsOfType(template(), 'AWS::SQS::Queue');
      expect(queues).toHaveLength(2);
      const policies = all<{ Queues: unknown[]; PolicyDocument: { Statement: Statement[] } }>(
        template(),
        'AWS::SQS::QueuePolicy',
      );
      for (const id of queues) {
        const queue = props<Queue>(template(), id, 'AWS::SQS::Queue');
        expect({
          id,
          encrypted: queue.SqsManagedSseEnabled === true || !!queue.KmsMasterKeyId,
        }).toEqual({ id, encrypted: true });
        const denies = policies
          .filter(({ properties }) => properties.Queues.map(render).includes(`\${${id}}`))
          .flatMap(({ properties }) => asArray(properties.PolicyDocument.Statement))
          .filter(
            (s) =>
              deniesInsecureTransport(s) &&
              anyone(s.Principal) &&
              asArray(s.Action).includes('sqs:*') &&
              resources(s).includes(`\${${id}.Arn}`),
          );
        expect({ id, denies: denies.length }).toEqual({ id, denies: 1 });
      }
    });

    it('keeps every log group for a bounded time (the context value when given)', () => {
      for (const [s, days] of [
        [byDefault, params.logRetentionDays],
        [custom, 30],
      ] as const) {
        const groups = all<{ RetentionInDays?: number }>(template(s), 'AWS::Logs::LogGroup');
        expect(groups.length).toBeGreaterThan(0);
        expect(groups.map((g) => [g.id, g.properties.RetentionInDays])).toEqual(
          groups.map((g) => [g.id, days]),
        );
      }
    });

    it('allows no wildcard action, NotAction, NotResource or managed policy', () => {
      for (const s of [byDefault, custom]) {
        const wildcard = allowStatements(template(s))
          .filter(
            ({ statement }) =>
              statement.NotAction !== undefined ||
              statement.NotResource !== undefined ||
              asArray(statement.Action).some((a) => a === '*' || /^[^:]+:\*$/.test(a)),
          )
          .map(({ where, statement }) => `${where} ${JSON.stringify(statement.Action)}`);
        expect(wildcard).toEqual([]);
        const managed = all<{ ManagedPolicyArns?: unknown[] }>(template(s), 'AWS::IAM::Role')
          .filter(({ properties }) => asArray(properties.ManagedPolicyArns).length > 0)
          .map(({ id }) => id);
        expect(managed).toEqual([]);
      }
    });

    // ecr:GetAuthorizationToken has no resource-level permissions (Service Authorization
    // Reference, Amazon ECR, "Resource types": none for this action), so pulling an image
    // from ECR needs it on "*". It is the only statement allowed there.
    it('allows nothing on Resource "*" but ecr:GetAuthorizationToken', () => {
      for (const s of [byDefault, custom]) {
        const anywhere = allowStatements(template(s))
          .filter(
            ({ statement }) =>
              statement.Resource === undefined || resources(statement).includes('*'),
          )
          .filter(
            ({ statement }) =>
              JSON.stringify(asArray(statement.Action)) !== '["ecr:GetAuthorizationToken"]',
          )
          .map(({ where, statement }) => `${where} ${JSON.stringify(statement.Action)}`);
        expect(anywhere).toEqual([]);
      }
    });

    it('scopes every object ARN to uploads/, cartoons/ or failed/ of its own bucket', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      const arns = allowStatements(template())
        .flatMap(({ statement }) => resources(statement))
        .filter((arn) => arn.includes(':s3:::') || arn.includes(`\${${bucket}.Arn}`));
      expect(arns.length).toBeGreaterThan(0);
      const allowed = [`\${${bucket}.Arn}`, ...PREFIXES.map((p) => `\${${bucket}.Arn}/${p}*`)];
      expect(arns.filter((arn) => !allowed.includes(arn))).toEqual([]);
    });

    it('lets only the role that signs upload URLs write under uploads/ (no self-triggering)', () => {
      const bucket = only(template(), 'AWS::S3::Bucket').id;
      const writers = [...new Set(allowStatements(template()).map(({ owner }) => owner))].filter(
        (role) => mayWrite(template(), role, bucket, 'uploads/'),
      );
      expect(writers).toEqual([uploadSigner(template())]);
    });

    it('names its outputs so load tests can find them', () => {
      const outputs = template().Outputs ?? {};
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining([
          'ApiUrl',
          'BucketName',
          'QueueUrl',
          'DeadLetterQueueUrl',
          'Variant',
        ]),
      );
      expect(outputs.Variant?.Value).toBe(name);
      expect(render(outputs.BucketName?.Value)).toBe(
        `\${${only(template(), 'AWS::S3::Bucket').id}}`,
      );
      expect(render(outputs.QueueUrl?.Value)).toBe(`\${${uploadQueue(template()).id}}`);
    });

    it('has no unacknowledged cdk-nag AwsSolutions error', () => {
      for (const s of [byDefault, custom]) {
        const stack = name === 'lambda-image' ? s.cartoon.lambdaImage : s.cartoon.fargate;
        if (stack === undefined) throw new Error(`no ${name} stack`);
        const report = new AwsSolutionsChecks().validateScope(stack);
        const errors = report.violations
          .filter((v) => v.severity === 'error')
          .map(
            (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
          );
        expect(errors).toEqual([]);
      }
    });

    it('has no unacknowledged cdk-nag error on a production stage either', () => {
      const stack =
        name === 'lambda-image' ? production.cartoon.lambdaImage : production.cartoon.fargate;
      if (stack === undefined) throw new Error(`no ${name} stack`);
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(
        report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName),
      ).toEqual([]);
      expect(bucketProblems(template(production))).toEqual([]);
    });

    it("allows CORS from the variant's own front door and the named origins, never '*'", () => {
      const origins = (s: Synthesized): string[] => {
        const bucket = all<{ CorsConfiguration?: { CorsRules: { AllowedOrigins: unknown[] }[] } }>(
          template(s),
          'AWS::S3::Bucket',
        ).find(({ id }) => id.startsWith('Storage'));
        const rules = bucket?.properties.CorsConfiguration?.CorsRules ?? [];
        expect(rules).toHaveLength(1);
        return (rules[0]?.AllowedOrigins ?? []).map(render);
      };
      const alb = (s: Synthesized) =>
        only(template(s), 'AWS::ElasticLoadBalancingV2::LoadBalancer').id;
      const frontDoor = (s: Synthesized, scheme: string) =>
        name === 'fargate'
          ? `${scheme}://\${${alb(s)}.DNSName}`
          : `\${${only(template(s), 'AWS::ApiGatewayV2::Api').id}.ApiEndpoint}`;
      expect(origins(byDefault)).toEqual([frontDoor(byDefault, 'http'), ...LOCAL_CONSOLE_ORIGINS]);
      expect(origins(production)).toEqual([
        frontDoor(production, 'https'),
        'https://app.example.com',
      ]);
      expect(() => readLambdaImageSettings((key) => ({ corsOrigin: '*' })[key])).toThrow(
        /context corsOrigin must be a comma-separated list of origins .*got '\*'/,
      );
      expect(
        readLambdaImageSettings(
          (key) => ({ corsOrigin: 'https://a.example, http://b.example:8080' })[key],
        ).corsOrigins,
      ).toEqual(['https://a.example', 'http://b.example:8080']);
    });

    it('lets each role list the bucket only under uploads/, cartoons/ and failed/', () => {
      for (const s of [byDefault, production]) {
        const listings = allowStatements(template(s)).filter(({ statement }) =>
          allows(statement, 's3:ListBucket'),
        );
        expect(listings.length).toBeGreaterThan(0);
        for (const { statement } of listings) {
          expect(statement.Condition).toEqual({
            StringLike: { 's3:prefix': ['cartoons/*', 'failed/*', 'uploads/*'] },
          });
        }
      }
    });

    it('alarms as soon as the dead-letter queue holds a message', () => {
      const deadLetter = all<Queue>(template(), 'AWS::SQS::Queue').find(
        ({ id }) => id !== uploadQueue(template()).id,
      );
      const alarms = all<Record<string, unknown>>(template(), 'AWS::CloudWatch::Alarm');
      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetter?.id, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    });
  });

  it("every stack of every synthesis passes AWS's template validator, with only the accepted warnings", () => {
    const templates: Record<string, unknown> = {};
    for (const [label, s] of Object.entries({ byDefault, custom, production })) {
      // Every stack the app builds, so a variant added later is validated without a new test.
      for (const stack of s.assembly.stacks)
        templates[`${label} ${stack.stackName}`] = stack.template;
    }
    expect(Object.keys(templates).length).toBeGreaterThanOrEqual(6);
    const { unexpected, unused } = judge(validateTemplates(templates), 'cdk');
    expect(unexpected).toEqual([]);
    expect(unused).toEqual([]);
  }, 180_000);

  describe('the checks themselves', () => {
    it('the notification evaluator matches suffixes case-sensitively, as S3 does', () => {
      const jpg = [
        { Name: 'prefix', Value: 'uploads/' },
        { Name: 'suffix', Value: '.jpg' },
      ];
      expect(keyMatches(jpg, 'uploads/IMG_0001.JPG')).toBe(false);
      expect(keyMatches(jpg, 'uploads/my photo ü.jpg')).toBe(true);
      expect(keyMatches([{ Name: 'Prefix', Value: 'uploads/' }], 'Uploads/x.jpg')).toBe(false);
    });

    it('cdk-nag reports unacknowledged wildcards and a bucket that allows plain HTTP', () => {
      const stack = new Stack(new App(), 'Careless');
      const role = new iam.Role(stack, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      new s3.Bucket(stack, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
      const rules = new AwsSolutionsChecks()
        .validateScope(stack)
        .violations.filter((v) => v.severity === 'error')
        .map((v) => v.ruleName);
      expect(rules).toEqual(
        expect.arrayContaining([
          'AwsSolutions-IAM5[Action::s3:*]',
          'AwsSolutions-IAM5[Resource::*]',
          'AwsSolutions-S10',
        ]),
      );
    });

    it('bucketProblems finds a bucket without its protections', () => {
      const app = new App();
      const stack = new Stack(app, 'Bare');
      new s3.Bucket(stack, 'Bucket', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
      const template = app.synth().getStackArtifact(stack.artifactId).template as Template;
      const problems = bucketProblems(template);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('BlockPublicPolicy is not true'),
          expect.stringContaining('ownership is not BucketOwnerEnforced'),
          expect.stringMatching(/without TLS not denied/),
        ]),
      );
    });

    it('refuses settings out of range, naming the context key', () => {
      expect(() => readLambdaImageSettings((key) => ({ apiTimeout: '30' })[key])).toThrow(
        /context apiTimeout must be an integer between 1 and 29/,
      );
      expect(() => readFargateSettings((key) => ({ cpu: '1024', memory: '1024' })[key])).toThrow(
        /context memory/,
      );
      // 0.25 vCPU takes three sizes only, not every 512 MiB between them.
      expect(() => readFargateSettings((key) => ({ cpu: '256', memory: '1536' })[key])).toThrow(
        /context memory must be 512, 1024 or 2048 MiB for cpu 256; got '1536'/,
      );
      expect(readFargateSettings((key) => ({ cpu: '256', memory: '1024' })[key]).memory).toBe(1024);
      expect(() => readFargateSettings((key) => ({ cpu: '8192', memory: '18432' })[key])).toThrow(
        /context memory must be 16384 to 61440 MiB in steps of 4096 MiB for cpu 8192/,
      );
      expect(() => readFargateSettings((key) => ({ spot: 'yes' })[key])).toThrow(/context spot/);
      expect(() => readFargateSettings((key) => ({ wafRateWindowSeconds: '90' })[key])).toThrow(
        /context wafRateWindowSeconds must be one of 60, 120, 300, 600; got '90'/,
      );
    });

    it('refuses a stage other than dev or local without a certificate, naming the setting', () => {
      for (const stage of ['prod', 'staging', 'dev2']) {
        expect(() => readFargateSettings((key) => ({ stage })[key])).toThrow(
          new RegExp(
            `context certificateArn is required for stage '${stage}'.*Only the dev and local stages may serve plain HTTP`,
          ),
        );
      }
      for (const stage of ['dev', 'local']) {
        expect(readFargateSettings((key) => ({ stage })[key]).certificateArn).toBeUndefined();
      }
      expect(
        readFargateSettings((key) => ({ stage: 'prod', certificateArn: CERTIFICATE })[key])
          .development,
      ).toBe(false);
      // What `cdk synth -c stage=prod` does: the app stops before any stack exists.
      const outdir = scratchDir();
      outdirs.push(outdir);
      expect(() =>
        synthesize({
          outdir,
          assetDirs: stubs.dirs,
          context: { stage: 'prod' },
          stacks: ['fargate'],
        }),
      ).toThrow(/context certificateArn is required for stage 'prod'/);
    });

    it('says to run build:containers when a build context is missing', () => {
      const app = new App();
      const settings = readLambdaImageSettings(() => undefined);
      expect(
        () =>
          new LambdaImageStack(app, 'Missing', {
            settings,
            assetDir: path.join(stubs.root, 'nowhere'),
            version: VERSION,
          }),
      ).toThrow(/npm run build:containers/);
      expect(
        () =>
          new FargateStack(app, 'MissingSpot', {
            settings: readFargateSettings((key) => ({ spot: 'true' })[key]),
            assetDirs: { arm64: stubs.dirs.fargate, x86_64: path.join(stubs.root, 'nowhere') },
            version: VERSION,
          }),
      ).toThrow(/nowhere.*npm run build:containers/);
    });
  });
});

/** The role that signs presigned upload URLs: the API function's, or the Fargate task's. */
function uploadSigner(template: Template): string {
  const tasks = idsOfType(template, 'AWS::ECS::TaskDefinition');
  if (tasks.length > 0) {
    return roleId(
      props<TaskDefinition>(template, tasks[0] as string, 'AWS::ECS::TaskDefinition').TaskRoleArn,
    );
  }
  const api = all<LambdaFunction>(template, 'AWS::Lambda::Function').filter(
    (f) => f.properties.ImageConfig?.Command?.[0] === 'api/index.handler',
  );
  if (api.length !== 1) throw new Error('expected one api function');
  return roleId(api[0]?.properties.Role);
}

/** The queue S3 notifies: the one with a redrive policy (the other is its dead-letter queue). */
function uploadQueue(template: Template): { id: string; properties: Queue } {
  const queues = all<Queue>(template, 'AWS::SQS::Queue').filter(
    (q) => q.properties.RedrivePolicy !== undefined,
  );
  if (queues.length !== 1)
    throw new Error(`expected one queue with a redrive policy, found ${queues.length}`);
  return queues[0] as { id: string; properties: Queue };
}
