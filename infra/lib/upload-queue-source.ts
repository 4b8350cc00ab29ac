/**
 * How the Lambda variants that poll the upload queue (lambda-image, managed-instances) read it:
 * the queue's visibility timeout derived from the queue function's timeout, and the event
 * source mapping with its batch, window, partial failures and concurrency cap. One definition,
 * so both variants take uploads off the queue alike.
 */
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { LambdaImageSettings } from './settings';

type QueueSettings = Pick<
  LambdaImageSettings,
  'queueTimeout' | 'maxBatchingWindowSeconds' | 'batchSize' | 'queueMaxConcurrency'
>;

/**
 * AWS: "set the source queue's visibility timeout to at least six times the timeout that you
 * configure on your function" (AWS Lambda developer guide, "Creating and configuring an Amazon
 * SQS event source mapping", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html,
 * read 2026-11), so a batch retried after a throttle is not received twice; the batching
 * window is added because records wait that long before the function even starts.
 */
const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The upload queue's visibility timeout in seconds for a queue function of `queueTimeout`.
 *
 * @example
 * ```ts
 * queueVisibilitySeconds({ queueTimeout: 60, maxBatchingWindowSeconds: 5 }); // 365
 * ```
 */
export function queueVisibilitySeconds(
  settings: Pick<QueueSettings, 'queueTimeout' | 'maxBatchingWindowSeconds'>,
): number {
  return VISIBILITY_TIMEOUT_FACTOR * settings.queueTimeout + settings.maxBatchingWindowSeconds;
}

/**
 * The event source mapping that feeds `queue`'s upload notifications to the queue function.
 *
 * @example
 * ```ts
 * queueFunction.addEventSource(uploadQueueSource(storage.queue, settings));
 * ```
 */
export function uploadQueueSource(queue: sqs.IQueue, settings: QueueSettings): SqsEventSource {
  return new SqsEventSource(queue, {
    batchSize: settings.batchSize,
    maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
    // The handler names the records that failed; the rest of the batch is deleted.
    reportBatchItemFailures: true,
    maxConcurrency: settings.queueMaxConcurrency,
  });
}
