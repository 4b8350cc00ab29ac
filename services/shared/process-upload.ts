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
import { type FailureRecord, readFailureRecord, writeFailureRecord } from './failure-record';
import { failedKey, isProcessableUpload, resultKey } from './keys';
import { parseS3Notification, type UploadRef } from './s3-events';

export interface ProcessDeps {
  readonly store: ImageStore;
  readonly limits: CartoonLimits;
  /** Long side of the results. */
  readonly maxSide: number;
  /** Attempts the platform makes at one upload (see `ServiceConfig.processMaxAttempts`). */
  readonly maxAttempts: number;
  /** How long after a failure another attempt may come (`processRetryWindowSeconds`). */
  readonly retryWindowSeconds: number;
  readonly logger: Logger;
}

export type ProcessOutcome = 'done' | 'already-done' | 'skipped' | 'failed';

/** What one invocation adds: its deadline, after which the image work stops (a 504, retried). */
export interface ProcessCall {
  readonly signal?: AbortSignal;
}

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
export async function processUpload(
  upload: UploadRef,
  deps: ProcessDeps,
  call: ProcessCall = {},
): Promise<ProcessOutcome> {
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
      call.signal === undefined ? {} : { signal: call.signal },
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
    if (error.statusCode < 500) {
      logger.warn('upload rejected', { key, code: error.code, reason: error.message });
      await recordFailure(deps, key, sourceEtag, error, false);
      return 'failed';
    }
    logger.error('processing failed', { key, error: err as Error });
    await recordFailure(deps, key, sourceEtag, error, true);
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
    retryWindowSeconds: config.processRetryWindowSeconds,
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
 * await processNotification(sqsRecord.body, config.bucket, deps, { signal: invocationDeadline(context) });
 * ```
 */
export async function processNotification(
  notification: Parameters<typeof parseS3Notification>[0],
  bucket: string,
  deps: ProcessDeps,
  call: ProcessCall = {},
): Promise<void> {
  const { uploads, ignored, testEvent } = parseS3Notification(notification, bucket);
  if (testEvent) deps.logger.info('S3 test event acknowledged');
  if (ignored > 0) {
    deps.logger.warn('records for another bucket or event type; ignored', { ignored });
  }
  for (const upload of uploads) await processUpload(upload, deps, call);
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
 * Writes the failure record of an upload. A retryable failure counts this attempt after
 * those already recorded for the same upload (same ETag), and is retrying while fewer than
 * `maxAttempts` failed. Never throws: the failure being recorded is what the caller reports.
 */
async function recordFailure(
  deps: ProcessDeps,
  key: string,
  etag: string,
  error: CartoonError,
  retryable: boolean,
): Promise<void> {
  const { store, logger } = deps;
  try {
    const attempts = retryable ? (await failedAttempts(deps, key, etag)) + 1 : 1;
    const retrying = retryable && attempts < deps.maxAttempts;
    const now = Date.now();
    // Only messages meant for users are recorded; internal failures get the generic message.
    const record: FailureRecord = {
      sourceKey: key,
      sourceEtag: etag,
      error: { code: error.code, message: error.expose ? error.message : 'Internal error' },
      at: new Date(now).toISOString(),
      attempts,
      retrying,
      ...(retrying
        ? { retryUntil: new Date(now + deps.retryWindowSeconds * 1000).toISOString() }
        : {}),
    };
    await writeFailureRecord(store, key, record);
  } catch (err) {
    logger.error('could not write the failure record', { key, error: err as Error });
  }
}

/**
 * Failed attempts already recorded for this upload. A record of an earlier upload, an older
 * record without a count, or one that cannot be read counts none.
 */
async function failedAttempts(deps: ProcessDeps, key: string, etag: string): Promise<number> {
  try {
    const previous = await readFailureRecord(deps.store, failedKey(key));
    return previous.sourceEtag === etag && Number.isInteger(previous.attempts)
      ? previous.attempts
      : 0;
  } catch (err) {
    if (!(err instanceof NotFoundError)) {
      deps.logger.warn('could not read the failure record; counting from here', {
        key,
        error: err as Error,
      });
    }
    return 0;
  }
}
