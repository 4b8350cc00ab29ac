/**
 * The failure record of an upload, `failed/<name>.json`: written by the S3 processing
 * (process-upload.ts), read by it to count attempts and by GET /cartoons/{id}. One home for
 * its shape and its JSON.
 */
import type { ImageStore } from '@cartoon-compute/core';
import { failedKey } from './keys';

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
  /** While retrying: after this time no attempt is due any more, so the upload has failed. */
  readonly retryUntil?: string;
}

/**
 * Whether a failure record still stands for an upload being retried: marked retrying by an
 * attempt that had attempts left, within the platform's retry window.
 */
export function stillRetrying(record: FailureRecord, now = Date.now()): boolean {
  return record.retrying && record.retryUntil !== undefined && Date.parse(record.retryUntil) > now;
}

/** The failure record stored at `key` (a `failed/` key); throws NotFoundError when there is none. */
export async function readFailureRecord(store: ImageStore, key: string): Promise<FailureRecord> {
  return JSON.parse((await store.get(key)).bytes.toString('utf8'));
}

/** Writes the failure record of the upload at `uploadKey`. */
export async function writeFailureRecord(
  store: ImageStore,
  uploadKey: string,
  record: FailureRecord,
): Promise<void> {
  await store.put(failedKey(uploadKey), Buffer.from(JSON.stringify(record, null, 2)), {
    contentType: 'application/json',
  });
}
