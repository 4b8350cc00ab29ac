// The local cloud assembled from a CloudFormation template whose functions are fixtures:
// front door to a function, and an upload that fails every attempt ending on the failure queue.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalCloud, startLocalCloud } from '../../../local-cloud/local-cloud';
import { parseReports } from '../../../local-cloud/report-log';
import { FIXTURE_FUNCTIONS } from '../../support/fixture-functions';
import { waitFor } from '../../support/poll';

const TEMPLATE = {
  Resources: {
    HelloFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'lc-hello',
        Handler: 'hello.handler',
        MemorySize: 256,
        Timeout: 3,
        Environment: { Variables: { BUCKET_NAME: { Ref: 'Bucket' } } },
      },
    },
    ThrowsFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'lc-throws',
        Handler: 'throws.handler',
        MemorySize: 256,
        Timeout: 3,
      },
    },
    ThrowsInvokeConfig: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'ThrowsFunction' },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
      },
    },
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'Api' },
        IntegrationUri: { 'Fn::GetAtt': ['HelloFunction', 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'Api' },
        RouteKey: 'GET /hello',
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'Integration' }]] },
      },
    },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: 'lc-bucket',
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Function: { 'Fn::GetAtt': ['ThrowsFunction', 'Arn'] },
              Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            },
          ],
        },
      },
    },
    Failures: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'lc-failures' } },
  },
};

let dir: string;
let cloud: LocalCloud;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-it-'));
  writeFileSync(path.join(dir, 'template.json'), JSON.stringify(TEMPLATE));
  cloud = await startLocalCloud({
    stateDir: dir,
    artifactDirs: [],
    codeDirs: { HelloFunction: FIXTURE_FUNCTIONS, ThrowsFunction: FIXTURE_FUNCTIONS },
    variants: [{ name: 'fixture', template: path.join(dir, 'template.json') }],
    retryDelayScale: 0.001, // 60 ms and 120 ms between attempts
  });
}, 30_000);

afterAll(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('local-cloud', () => {
  it('writes endpoints.json and serves the template’s route with the local bucket name', async () => {
    const written = JSON.parse(readFileSync(path.join(dir, 'endpoints.json'), 'utf8'));
    expect(written).toEqual(cloud.endpoints);
    expect(written.variants.fixture.bucket).toBe('lc-bucket');
    expect(written.s3).toMatchObject({
      region: 'us-east-1',
      accessKeyId: 'local',
      secretAccessKey: 'local',
    });

    const response = await fetch(`${written.variants.fixture.url}/hello?x=1`);

    expect(response.status).toBe(200);
    const body = (await response.json()) as { event: { routeKey: string }; functionName: string };
    expect(body.event.routeKey).toBe('GET /hello');
    expect(body.functionName).toBe('lc-hello');
  });

  it('retries a failing upload twice, then sends a destination record to the failure queue', async () => {
    const { s3: endpoint } = cloud.endpoints;
    const credentials = {
      accessKeyId: endpoint.accessKeyId,
      secretAccessKey: endpoint.secretAccessKey,
    };
    const s3 = new S3Client({
      region: endpoint.region,
      endpoint: endpoint.endpoint,
      forcePathStyle: true,
      credentials,
    });
    const sqs = new SQSClient({
      region: endpoint.region,
      endpoint: endpoint.endpoint,
      credentials,
      useQueueUrlAsEndpoint: false,
    });
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'cartoons/ignored.jpg', Body: 'x' }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: 'lc-bucket',
          Key: 'uploads/my photo.jpg',
          Body: 'not an image',
        }),
      );

      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: cloud.endpoints.queues['lc-failures'],
          WaitTimeSeconds: 5,
        }),
      );

      expect(received.Messages).toHaveLength(1);
      const record = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
      expect(record).toMatchObject({
        version: '1.0',
        requestContext: {
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:lc-throws:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: {
          statusCode: 200,
          executedVersion: '$LATEST',
          functionError: 'Unhandled',
        },
        responsePayload: {
          errorType: 'TypeError',
          errorMessage: 'cannot handle uploads/my+photo.jpg',
        },
      });
      expect(record.requestPayload.Records[0]).toMatchObject({
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'lc-bucket' }, object: { key: 'uploads/my+photo.jpg', size: 12 } },
      });
      // One invocation per attempt, all with the same request id; nothing for cartoons/. The
      // last REPORT is written when the runtime asks for its next event, just after the answer.
      const logFile = path.join(cloud.endpoints.logs, 'lc-throws.log');
      const reports = await waitFor(
        () => {
          const all = parseReports(readFileSync(logFile, 'utf8'));
          return all.length >= 3 ? all : undefined;
        },
        { what: 'three REPORT lines of lc-throws', timeoutMs: 2_000, intervalMs: 50 },
      );
      expect(reports).toHaveLength(3);
      expect(new Set(reports.map((r) => r.requestId))).toEqual(
        new Set([record.requestContext.requestId]),
      );
    } finally {
      s3.destroy();
      sqs.destroy();
    }
  }, 20_000);

  // Last: it closes the cloud (afterAll's close is then the same one).
  it('keeps what it unpacks in one run folder, removed by close, and closes once however often asked', async () => {
    const runs = () =>
      readdirSync(tmpdir()).filter((name) => name.startsWith(`local-cloud-${process.pid}-`));
    expect(runs()).toHaveLength(1);

    const [first, second] = [cloud.close(), cloud.close()];

    expect(second).toBe(first);
    await first;
    expect(runs()).toEqual([]);
  });
});
