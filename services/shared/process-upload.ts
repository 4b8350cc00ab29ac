import { performance } from 'node:perf_hooks';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type CartoonError,
  type CartoonLimits,
  cartoonize,
  type ImageStore,
  NotFoundError,
  PayloadTooLargeError,
  toCartoonError,
} from '@cartoon-compute/core';
import type { ServiceConfig } from './config';
import { failedKey, isProcessableUpload, resultKey } from './keys';
import { parseS3Notification, type UploadRef } from './s3-events';

export interface ProcessDeps {
  readonly store: ImageStore;
  readonly limits: CartoonLimits;
  /** Long side of the results. */
  readonly maxSide: number;
  /** Attempts the platform makes at one upload (see `ServiceConfig.processMaxAttempts`). */
  readonly maxAttempts: number;
  readonly logger: Logger;
}

/**
 * What `failed/<name>.json` holds. A transient failure with attempts left is `retrying`: the
 * platform runs the upload again, and GET /cartoons/{id} says pending until one attempt
 * succeeds (results win) or the last one fails.
 */
export interface FailureRecord {
  readonly sourceKey: string;
  readonly sourceEtag: string;
  readonly error: { readonly code: string; readonly message: string };
  readonly at: string;
  /** Failed attempts at this upload (this ETag) so far. */
  readonly attempts: number;
  readonly retrying: boolean;
}

export type ProcessOutcome = 'done' | 'already-done' | 'skipped' | 'failed';

/** Metadata keys on a result; S3 user metadata must be ASCII, so the source key is URI-encoded. */
const SOURCE_KEY = 'source-key';
const SOURCE_ETAG = 'source-etag';

/**
 * Turns one upload into its cartoon, the S3 path shared by every variant (an S3 event for
 * Lambda, an SQS message for Fargate).
 *
 * - Idempotent: a result already made from the same upload (same ETag) is left alone.
 * - An upload the event says is over the byte limit is refused without being downloaded.
 * - Bad input (a non-image, a corrupt file, a bomb) leaves a `failed/` record saying why
 *   and resolves: retrying cannot help. Anything else leaves a record, marked retrying
 *   while attempts are left, and throws, so the caller's retries and on-failure
 *   destination take over.
 * - The upload is never deleted or overwritten.
 *
 * @example
 * ```ts
 * await processUpload({ key: 'uploads/IMG_0001.JPG', etag: '9b2cf535…', size: 2_481_551 }, deps);
 * ```
 */
export async function processUpload(upload: UploadRef, deps: ProcessDeps): Promise<ProcessOutcome> {
  const { key, etag, size } = upload;
  const { store, logger } = deps;
  if (!isProcessableUpload(key)) {
    logger.warn('not a processable upload; ignored', { key });
    return 'skipped';
  }
  const target = resultKey(key);
  if (etag !== undefined && (await madeFrom(store, target)) === unquote(etag)) {
    logger.info('result already made from this upload', { key, etag });
    return 'already-done';
  }

  const started = performance.now();
  let sourceEtag = unquote(etag ?? '');
  try {
    if (size !== undefined && size > deps.limits.maxBytes) {
      throw new PayloadTooLargeError(`Image is larger than ${deps.limits.maxBytes} bytes`);
    }
    const stored = await store.get(key);
    sourceEtag = unquote(stored.etag);
    const style = stored.metadata.style;
    const result = await cartoonize(
      stored.bytes,
      { ...(style === undefined ? {} : { style }), maxSide: deps.maxSide },
      deps.limits,
    );
    const durationMs = Math.round(performance.now() - started);
    await store.put(target, result.data, {
      contentType: result.contentType,
      metadata: {
        [SOURCE_KEY]: encodeURIComponent(key),
        [SOURCE_ETAG]: sourceEtag,
        style: result.style,
        'duration-ms': String(durationMs),
      },
    });
    logger.info('cartoon done', { key, result: target, style: result.style, durationMs });
    return 'done';
  } catch (err) {
    if (err instanceof NotFoundError) {
      // Deleted between the event and now: nothing to make, nothing to record.
      logger.warn('upload no longer exists', { key });
      return 'skipped';
    }
    const error = toCartoonError(err);
    const retryable = error.statusCode >= 500;
    await recordFailure(store, key, sourceEtag, error, retryable ? deps.maxAttempts : 1);
    if (!retryable) {
      logger.warn('upload rejected', { key, code: error.code, reason: error.message });
      return 'failed';
    }
    logger.error('processing failed', { key, error: err as Error });
    throw err;
  }
}

/**
 * The processing settings of a service: its store and logger, its limits, the results' size.
 *
 * @example
 * ```ts
 * const deps = processDeps(config, store, logger);
 * ```
 */
export function processDeps(config: ServiceConfig, store: ImageStore, logger: Logger): ProcessDeps {
  return {
    store,
    logger,
    limits: config.limits,
    maxSide: config.s3MaxSide,
    maxAttempts: config.processMaxAttempts,
  };
}

/**
 * Every upload one S3 notification names, one after the other: the notification as Lambda
 * receives it (lambda-zip) or as an SQS message body (lambda-image, fargate). S3's test event
 * and records of other buckets or events are logged and skipped. Throws as `processUpload`
 * does, so each caller's retry mechanism takes over.
 *
 * @example
 * ```ts
 * await processNotification(sqsRecord.body, config.bucket, deps);
 * ```
 */
export async function processNotification(
  notification: Parameters<typeof parseS3Notification>[0],
  bucket: string,
  deps: ProcessDeps,
): Promise<void> {
  const { uploads, ignored, testEvent } = parseS3Notification(notification, bucket);
  if (testEvent) deps.logger.info('S3 test event acknowledged');
  if (ignored > 0) {
    deps.logger.warn('records for another bucket or event type; ignored', { ignored });
  }
  for (const upload of uploads) await processUpload(upload, deps);
}

/** S3 events give ETags bare, S3 responses in quotes: compare them bare. */
function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** The ETag of the upload an existing result was made from, if there is a result. */
async function madeFrom(store: ImageStore, target: string): Promise<string | undefined> {
  try {
    return (await store.head(target)).metadata[SOURCE_ETAG];
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * Writes the failure record of an upload, counting this attempt after those already
 * recorded for the same upload (same ETag): retrying while fewer than `maxAttempts` failed.
 */
async function recordFailure(
  store: ImageStore,
  key: string,
  etag: string,
  error: CartoonError,
  maxAttempts: number,
): Promise<void> {
  const attempts = (await failedAttempts(store, key, etag)) + 1;
  // Only messages meant for users are recorded; internal failures get the generic message.
  const record: FailureRecord = {
    sourceKey: key,
    sourceEtag: etag,
    error: { code: error.code, message: error.expose ? error.message : 'Internal error' },
    at: new Date().toISOString(),
    attempts,
    retrying: attempts < maxAttempts,
  };
  await store.put(failedKey(key), Buffer.from(JSON.stringify(record, null, 2)), {
    contentType: 'application/json',
  });
}

/** Failed attempts already recorded for this upload; a record of an earlier upload counts none. */
async function failedAttempts(store: ImageStore, key: string, etag: string): Promise<number> {
  try {
    const previous = JSON.parse((await store.get(failedKey(key))).bytes.toString('utf8'));
    return previous.sourceEtag === etag && Number.isInteger(previous.attempts)
      ? previous.attempts
      : 0;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return 0;
    throw err;
  }
}
