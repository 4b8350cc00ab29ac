import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { queueVisibilitySeconds, uploadQueueSource } from '../../infra/lib/upload-queue-source';

describe('queueVisibilitySeconds', () => {
  test('six times the queue function timeout plus the batching window', () => {
    expect(queueVisibilitySeconds({ queueTimeout: 60, maxBatchingWindowSeconds: 5 })).toBe(365);
    expect(queueVisibilitySeconds({ queueTimeout: 10, maxBatchingWindowSeconds: 0 })).toBe(60);
  });
});

describe('uploadQueueSource', () => {
  test('maps the queue with the batch, window, partial failures and concurrency cap', () => {
    const stack = new Stack(new App(), 'Test');
    const queue = new sqs.Queue(stack, 'Queue', { visibilityTimeout: Duration.seconds(365) });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      timeout: Duration.seconds(60),
    });

    fn.addEventSource(
      uploadQueueSource(queue, {
        queueTimeout: 60,
        maxBatchingWindowSeconds: 5,
        batchSize: 7,
        queueMaxConcurrency: 4,
      }),
    );

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 7,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });
});
