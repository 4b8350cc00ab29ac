/**
 * Lambda events in the shapes AWS sends them, for invoking handlers in-process:
 * API Gateway HTTP API payload 2.0, S3 event notifications and SQS batches.
 */
import type { APIGatewayProxyEventV2, Context, S3Event, SQSEvent } from 'aws-lambda';

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1769',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/28/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpRequest {
  method: string;
  /** Path with an optional query string: `/cartoon?style=comic`. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** An HTTP API (payload 2.0) event; binary bodies are base64-encoded as API Gateway does. */
export function httpApiEvent({
  method,
  url,
  headers = {},
  body,
}: HttpRequest): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = url.split('?');
  const query = new URLSearchParams(rawQueryString);
  const binary = Buffer.isBuffer(body);
  const routeKey = `${method} ${rawPath.startsWith('/cartoons/') ? '/cartoons/{id}' : rawPath}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...headers },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(query) } : {}),
    ...(rawPath.startsWith('/cartoons/') ? { pathParameters: { id: rawPath.slice(10) } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey,
      stage: '$default',
      time: '28/Nov/2026:15:00:00 +0000',
      timeEpoch: 1_795_878_000_000,
    },
    ...(body === undefined ? {} : { body: binary ? body.toString('base64') : body }),
    isBase64Encoded: binary,
  };
}

/** S3 encodes keys in event records like a form: `+` for a space, `/` left as it is. */
export function s3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** An `ObjectCreated:Put` notification for one object. S3 gives the ETag without quotes. */
export function s3PutEvent(bucket: string, key: string, etag: string, size: number): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads-jpg',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'EXAMPLE' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: s3EventKey(key),
            size,
            eTag: etag.replace(/"/g, ''),
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}

/**
 * An SQS event as a Lambda event source mapping delivers it, one record per body.
 *
 * @example
 * ```ts
 * const event = sqsEvent([s3TestEvent(bucket)]);
 * ```
 */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `msg-${index}-${Math.random().toString(16).slice(2)}`,
      receiptHandle: `handle-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:cartoon-compute-uploads',
      awsRegion: 'us-east-1',
    })),
  };
}
