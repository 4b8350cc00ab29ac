/**
 * `process`: S3 `ObjectCreated` events under `uploads/`, invoked asynchronously. A thrown
 * error makes Lambda retry and, when retries run out, send the event to the on-failure queue.
 */
import type { Context, S3Event } from 'aws-lambda';
import { invocationDeadline } from '../shared/invocation-deadline';
import { environment, withMiddleware } from '../shared/lambda';
import { processDeps, processNotification } from '../shared/process-upload';
import { s3Store } from '../shared/s3-store';

const { config, logger } = environment(process.env);
// Every event reads S3, so the client is made at init.
const { store } = s3Store(config);
const deps = processDeps(config, store, logger);

const lambdaHandler = async (event: S3Event, context: Context): Promise<void> =>
  processNotification(event, config.bucket, deps, { signal: invocationDeadline(context) });

export const handler = withMiddleware(lambdaHandler, logger);
