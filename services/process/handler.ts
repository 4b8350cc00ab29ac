/**
 * `process`: S3 `ObjectCreated` events under `uploads/`, invoked asynchronously. A thrown
 * error makes Lambda retry and, when retries run out, send the event to the on-failure queue.
 */
import type { Context, S3Event } from 'aws-lambda';
import { environment, withMiddleware } from '../shared/lambda';
import { processUpload } from '../shared/process-upload';
import { parseS3Notification } from '../shared/s3-events';

const { config, logger, store } = environment(process.env);
const deps = { store, logger, limits: config.limits, maxSide: config.s3MaxSide };

const lambdaHandler = async (event: S3Event, _context: Context): Promise<void> => {
  const { uploads, ignored } = parseS3Notification(event, config.bucket);
  if (ignored > 0) logger.warn('records for another bucket or event type; ignored', { ignored });
  for (const upload of uploads) await processUpload(upload, deps);
};

export const handler = withMiddleware(lambdaHandler, logger);
