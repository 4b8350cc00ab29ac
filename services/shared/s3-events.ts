/**
 * The uploads an S3 notification names, however it arrived: invoking Lambda directly
 * (lambda-zip), or as the body of an SQS message (lambda-image's event source mapping, the
 * fargate worker). One parser, so every variant decodes keys and skips the same records.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { decodeEventKey } from './keys';

/** One object an S3 event says was created. */
export interface UploadRef {
  /** The object key, decoded (S3 URL-encodes keys in events, with `+` for a space). */
  readonly key: string;
  /** The ETag from the event, without quotes. */
  readonly etag?: string;
  /** Size in bytes from the event, so an oversized upload is refused without downloading it. */
  readonly size?: number;
}

/** What a notification holds for this bucket, and what was left out and why. */
export interface ParsedNotification {
  readonly uploads: UploadRef[];
  /** Records skipped: another bucket, not an ObjectCreated event. Counted for the logs. */
  readonly ignored: number;
  /** S3 sends `s3:TestEvent` once when a notification is configured; it names no object. */
  readonly testEvent: boolean;
}

/**
 * Reads an S3 notification (the object Lambda receives, or an SQS message body as a string).
 * Records for other buckets and events other than `ObjectCreated:*` are ignored.
 *
 * @example
 * ```ts
 * const { uploads } = parseS3Notification(sqsRecord.body, config.bucket);
 * for (const upload of uploads) await processUpload(upload, deps);
 * ```
 * @throws {SyntaxError} when a string body is not JSON, or not an S3 notification.
 */
export function parseS3Notification(
  notification: S3Event | string,
  bucket: string,
): ParsedNotification {
  const event: unknown = typeof notification === 'string' ? JSON.parse(notification) : notification;
  if (isTestEvent(event)) return { uploads: [], ignored: 0, testEvent: true };
  if (!isS3Event(event)) {
    throw new SyntaxError('Expected an S3 notification with Records but received something else');
  }
  const uploads: UploadRef[] = [];
  let ignored = 0;
  for (const record of event.Records) {
    if (record.s3?.bucket?.name !== bucket || !record.eventName?.startsWith('ObjectCreated:')) {
      ignored += 1;
      continue;
    }
    const { key, eTag, size } = record.s3.object;
    uploads.push({
      key: decodeEventKey(key),
      ...(eTag ? { etag: eTag.replace(/^"|"$/g, '') } : {}),
      ...(typeof size === 'number' ? { size } : {}),
    });
  }
  return { uploads, ignored, testEvent: false };
}

function isTestEvent(event: unknown): boolean {
  return (event as { Event?: unknown } | null)?.Event === 's3:TestEvent';
}

function isS3Event(event: unknown): event is { Records: S3EventRecord[] } {
  return Array.isArray((event as { Records?: unknown } | null)?.Records);
}
