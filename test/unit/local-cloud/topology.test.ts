import { rmSync } from 'node:fs';
import {
  publishedVersion,
  type Template,
  topologyFromTemplate,
  type VariantTopology,
} from '../../../local-cloud/topology';
import { ROUTE_KEYS } from '../../support/api-contract';
import { scratchDir, stubAssetDirs, synthesize } from '../../support/cdk';

// CloudFormation's own ${…} syntax, not a template literal.
const BUCKET_SUB = ['svc-dev-$', '{AWS::AccountId}-$', '{AWS::Region}'].join('');

/** The shapes osls writes for lambda-zip, trimmed to what the local cloud reads. */
const TEMPLATE = {
  Resources: {
    CoreLambdaLayer: {
      Type: 'AWS::Lambda::LayerVersion',
      Properties: { Content: { S3Bucket: 'x', S3Key: 'serverless/svc/dev/123/layer-arm64.zip' } },
    },
    ApiLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Key: 'serverless/svc/dev/123/api.zip' },
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        FunctionName: 'svc-dev-api',
        MemorySize: 1769,
        Timeout: 29,
        Environment: {
          Variables: {
            VARIANT: 'lambda-zip',
            BUCKET_NAME: { 'Fn::Sub': BUCKET_SUB },
          },
        },
        Layers: [{ Ref: 'CoreLambdaLayer' }],
      },
    },
    ApiAlias: {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: 'ApiLambdaFunction' },
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
      },
    },
    ProcessLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Key: 'serverless/svc/dev/123/process.zip' },
        Handler: 'index.handler',
        FunctionName: 'svc-dev-process',
        MemorySize: 2048,
        Timeout: 60,
        ReservedConcurrentExecutions: 20,
      },
    },
    ProcessLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'ProcessLambdaFunction' },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } },
        },
        MaximumEventAgeInSeconds: 3600,
        MaximumRetryAttempts: 1,
      },
    },
    HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
    HttpApiIntegrationApi: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationUri: { Ref: 'ApiAlias' },
        PayloadFormatVersion: '2.0',
        TimeoutInMillis: 30000,
      },
    },
    HttpApiRouteGetCartoonsIdVar: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: 'GET /cartoons/{id}',
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationApi' }]] },
      },
    },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: { 'Fn::Sub': BUCKET_SUB },
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Function: { 'Fn::GetAtt': ['ProcessLambdaFunction', 'Arn'] },
              Filter: { S3Key: { Rules: [{ Name: 'Prefix', Value: 'uploads/' }] } },
            },
          ],
        },
      },
    },
    FailureQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'svc-dev-failures' } },
    ProcessMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'ProcessLambdaFunction' },
        EventSourceArn: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] },
        BatchSize: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
  },
};

describe('topology', () => {
  const topology = topologyFromTemplate('lambda-zip', TEMPLATE);
  const api = topology.functions.find((f) => f.logicalId === 'ApiLambdaFunction');
  const processFn = topology.functions.find((f) => f.logicalId === 'ProcessLambdaFunction');

  it('reads each function’s settings, artifacts and resolved environment', () => {
    expect(api).toMatchObject({
      name: 'svc-dev-api',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-api',
      handler: 'index.handler',
      memoryMb: 1769,
      timeoutSeconds: 29,
      codeArtifact: 'api.zip',
      layerArtifacts: ['layer-arm64.zip'],
      provisionedConcurrency: 2,
      // The alias names no literal version: the first one a function publishes.
      provisionedVersion: '1',
      environment: { VARIANT: 'lambda-zip', BUCKET_NAME: 'svc-dev-000000000000-us-east-1' },
    });
    expect(api?.reservedConcurrency).toBeUndefined();
    expect(api?.async).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 });
  });

  it('reads reserved concurrency and the async retry and destination settings', () => {
    expect(processFn?.reservedConcurrency).toBe(20);
    expect(processFn?.async).toEqual({
      maximumRetryAttempts: 1,
      maximumEventAgeSeconds: 3600,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:svc-dev-failures',
    });
  });

  it('routes the HTTP API to the function behind an alias', () => {
    expect(topology.httpApis).toEqual([
      {
        logicalId: 'HttpApi',
        routes: [
          {
            routeKey: 'GET /cartoons/{id}',
            functionLogicalId: 'ApiLambdaFunction',
            payloadFormatVersion: '2.0',
            timeoutMs: 30000,
          },
        ],
      },
    ]);
  });

  it('reads the bucket’s notification rules, whatever case the filter names use', () => {
    expect(topology.buckets).toEqual([
      {
        logicalId: 'Bucket',
        name: 'svc-dev-000000000000-us-east-1',
        notifications: [
          {
            events: ['s3:ObjectCreated:*'],
            prefix: 'uploads/',
            target: { kind: 'function', logicalId: 'ProcessLambdaFunction' },
          },
        ],
      },
    ]);
    expect(topology.queues).toEqual([
      {
        logicalId: 'FailureQueue',
        name: 'svc-dev-failures',
        arn: 'arn:aws:sqs:us-east-1:000000000000:svc-dev-failures',
        visibilityTimeoutSeconds: 30,
      },
    ]);
  });

  it('reads SQS event source mappings for the queue pollers', () => {
    expect(topology.eventSourceMappings).toEqual([
      {
        logicalId: 'ProcessMapping',
        functionLogicalId: 'ProcessLambdaFunction',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:svc-dev-failures',
        batchSize: 5,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        enabled: true,
      },
    ]);
  });

  it('fails on an intrinsic it cannot resolve rather than guessing', () => {
    const broken = {
      Resources: {
        F: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { X: { 'Fn::ImportValue': 'elsewhere' } } } },
        },
      },
    };
    expect(() => topologyFromTemplate('x', broken)).toThrow(/cannot resolve/);
  });
});

// The CDK app synthesized in-process, as `npm start` does: what the local cloud reads must be
// what deploys, so these read the real stacks rather than hand-made templates.
describe('publishedVersion', () => {
  it('keeps a literal version and numbers a version resource as the first publish', () => {
    expect(publishedVersion('3')).toBe('3');
    expect(publishedVersion(4)).toBe('4');
    expect(publishedVersion({ 'Fn::GetAtt': ['ApiLambdaVersionAbc', 'Version'] })).toBe('1');
    expect(publishedVersion('$LATEST')).toBe('1');
  });

  it('reads a provisioned version from the alias, and none without provisioned concurrency', () => {
    const template = structuredClone(TEMPLATE) as typeof TEMPLATE & {
      Resources: { ApiAlias: { Properties: Record<string, unknown> } };
    };
    template.Resources.ApiAlias.Properties.FunctionVersion = '12';
    const functions = topologyFromTemplate('lambda-zip', template).functions;
    expect(functions.find((f) => f.logicalId === 'ApiLambdaFunction')?.provisionedVersion).toBe(
      '12',
    );
    expect(
      functions.find((f) => f.logicalId === 'ProcessLambdaFunction')?.provisionedVersion,
    ).toBeUndefined();
  });
});

describe('topology of the CDK stacks', () => {
  let image: VariantTopology;
  let fargate: VariantTopology;
  beforeAll(() => {
    const assets = stubAssetDirs();
    const outdir = scratchDir();
    try {
      const synthesized = synthesize({ outdir, assetDirs: assets.dirs });
      image = topologyFromTemplate(
        'lambda-image',
        synthesized.template('lambda-image') as Template,
      );
      fargate = topologyFromTemplate('fargate', synthesized.template('fargate') as Template);
    } finally {
      assets.remove();
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads lambda-image functions as image functions whose command names the handler', () => {
    const api = image.functions.find((f) => f.imageCommand?.[0] === 'api/index.handler');
    const queue = image.functions.find((f) => f.imageCommand?.[0] === 'queue/index.handler');
    expect(api).toMatchObject({ packageType: 'Image', memoryMb: 1769, timeoutSeconds: 29 });
    expect(api?.reservedConcurrency).toBeGreaterThan(0);
    expect(api?.imageTag).toMatch(/^[0-9a-f]{64}$/);
    expect(queue).toMatchObject({ packageType: 'Image', memoryMb: 2048, timeoutSeconds: 60 });
    expect(queue?.environment.BUCKET_NAME).toBe(image.buckets[0]?.name);
  });

  it('reads the HTTP API routes and the stage throttling', () => {
    const api = image.httpApis[0];
    expect(api?.routes.map((r) => r.routeKey).sort()).toEqual(ROUTE_KEYS);
    expect(api?.throttle?.rateLimit).toBeGreaterThan(0);
    expect(api?.throttle?.burstLimit).toBeGreaterThanOrEqual(api?.throttle?.rateLimit ?? 0);
  });

  it('names each stack’s unnamed queues apart, with redrive and visibility timeout', () => {
    const names = [...image.queues, ...fargate.queues].map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
    const uploads = image.queues.find((q) => q.redrive !== undefined);
    const dlq = image.queues.find((q) => q.redrive === undefined);
    expect(uploads?.redrive).toEqual({ deadLetterTargetArn: dlq?.arn, maxReceiveCount: 3 });
    // Six times the queue function's timeout plus the batching window (infra's rule).
    expect(uploads?.visibilityTimeoutSeconds).toBe(6 * 60 + 1);
  });

  it('reads the bucket notification to the queue and the event source mapping', () => {
    const uploads = image.queues.find((q) => q.redrive !== undefined);
    expect(image.buckets[0]?.notifications).toEqual([
      {
        events: ['s3:ObjectCreated:*'],
        prefix: 'uploads/',
        target: { kind: 'queue', arn: uploads?.arn },
      },
    ]);
    expect(image.eventSourceMappings).toEqual([
      expect.objectContaining({
        queueArn: uploads?.arn,
        batchSize: 5,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        enabled: true,
        maximumConcurrency: 20,
      }),
    ]);
  });

  it('reads the fargate service: task size, variables, port, stop timeout, health check, count', () => {
    const [service] = fargate.services;
    const uploads = fargate.queues.find((q) => q.redrive !== undefined);
    expect(service).toMatchObject({
      cpu: 1024,
      memoryMb: 2048,
      containerPort: 8080,
      stopTimeoutSeconds: 120,
      desiredCount: 1,
      minCapacity: 1,
      maxCapacity: 4,
      deregistrationDelaySeconds: 35,
      healthCheck: {
        path: '/health',
        intervalSeconds: 15,
        timeoutSeconds: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    expect(service?.environment).toMatchObject({
      VARIANT: 'fargate',
      PORT: '8080',
      BUCKET_NAME: fargate.buckets[0]?.name,
      // A queue's Ref is its URL, as CloudFormation gives it.
      QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/000000000000/${uploads?.name}`,
    });
    expect(fargate.functions).toEqual([]);
  });
});
