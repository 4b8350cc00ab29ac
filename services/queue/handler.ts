/**
 * `queue` (lambda-image): S3 notifications for `uploads/` delivered through an SQS queue by an
 * event source mapping (with ReportBatchItemFailures). Each record's body is one S3
 * notification. Only the records whose processing threw are reported, so SQS retries those
 * alone and, after the queue's maxReceiveCount, moves them to the dead-letter queue; a bad
 * image is not a failure (processUpload records it in `failed/` and resolves), and S3's test
 * event is acknowledged.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { environment, withMiddleware } from '../shared/lambda';
import { processUpload } from '../shared/process-upload';
import { parseS3Notification } from '../shared/s3-events';

const { config, logger, store } = environment(process.env);
const deps = { store, logger, limits: config.limits, maxSide: config.s3MaxSide };

async function processRecord(body: string): Promise<void> {
  const { uploads, ignored, testEvent } = parseS3Notification(body, config.bucket);
  if (testEvent) logger.info('S3 test event acknowledged');
  if (ignored > 0) logger.warn('records for another bucket or event type; ignored', { ignored });
  for (const upload of uploads) await processUpload(upload, deps);
}

const lambdaHandler = async (event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  // One at a time: the environment has one image's worth of memory and CPU.
  for (const record of event.Records) {
    try {
      await processRecord(record.body);
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
