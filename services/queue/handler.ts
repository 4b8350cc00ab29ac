/**
 * `queue` (lambda-image): S3 notifications for `uploads/` delivered through an SQS queue by an
 * event source mapping (with ReportBatchItemFailures). Each record's body is one S3
 * notification. Only the records whose processing threw are reported, so SQS retries those
 * alone and, after the queue's maxReceiveCount, moves them to the dead-letter queue; a bad
 * image is not a failure (processUpload records it in `failed/` and resolves), and S3's test
 * event is acknowledged.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { invocationDeadline } from '../shared/invocation-deadline';
import { environment, withMiddleware } from '../shared/lambda';
import { processDeps, processNotification } from '../shared/process-upload';
import { s3Store } from '../shared/s3-store';

const { config, logger } = environment(process.env);
// Every event reads S3, so the client is made at init.
const { store } = s3Store(config);
const deps = processDeps(config, store, logger);

const lambdaHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const signal = invocationDeadline(context);
  // One at a time: the environment has one image's worth of memory and CPU (under LMI, one
  // invocation's share of it).
  for (const record of event.Records) {
    if (signal.aborted) {
      // Out of time: left untouched for SQS to hand out again, not started and cut off.
      logger.warn('record left for a retry: the invocation has no time left', {
        message_id: record.messageId,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await processNotification(record.body, config.bucket, deps, { signal });
    } catch (err) {
      logger.error('record left for a retry', {
        message_id: record.messageId,
        error: err as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

export const handler = withMiddleware(lambdaHandler, logger);
