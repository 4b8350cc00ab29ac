import { topologyFromTemplate } from '../../../local-cloud/topology';

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
