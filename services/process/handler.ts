/**
 * `process`: S3 `ObjectCreated` events under `uploads/`, invoked asynchronously. A thrown
 * error makes Lambda retry and, when retries run out, send the event to the on-failure queue.
 */
import type { Context, S3Event } from 'aws-lambda';
import { decodeEventKey } from '../shared/keys';
import { environment, withMiddleware } from '../shared/lambda';
import { processUpload } from '../shared/process-upload';

const { config, logger, store } = environment(process.env);
const deps = { store, logger, limits: config.limits, maxSide: config.s3MaxSide };

const lambdaHandler = async (event: S3Event, _context: Context): Promise<void> => {
  for (const record of event.Records) {
    if (record.s3.bucket.name !== config.bucket) {
      logger.warn('event from another bucket; ignored');
      continue;
    }
    await processUpload(decodeEventKey(record.s3.object.key), record.s3.object.eTag, deps);
  }
};

export const handler = withMiddleware(lambdaHandler, logger);
