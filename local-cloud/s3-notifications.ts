/**
 * S3 event notifications: the record S3 sends for a created object (event structure version
 * 2.1, S3 user guide "Event message structure", 2026-11), and which of a bucket's notification
 * rules it matches. Prefix and suffix are compared case-sensitively, as S3 does: a `.jpg`
 * rule never fires for `IMG_0001.JPG`.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectCreated } from './s3-endpoint';
import type { NotificationRule } from './topology';

/**
 * S3 encodes keys in event records like a form: `+` for a space, `/` kept.
 *
 * @example
 * ```ts
 * eventKey('uploads/my photo.jpg'); // 'uploads/my+photo.jpg'
 * ```
 */
export function eventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

let sequence = BigInt(Date.now()) * 1000n;

/**
 * The notification S3 sends for one created object.
 *
 * @example
 * ```ts
 * const notification = s3Notification(created, { region: 'us-east-1', configurationId: 'rule-0' });
 * ```
 */
export function s3Notification(
  created: ObjectCreated,
  options: { readonly region: string; readonly configurationId: string; readonly now?: Date },
): { Records: Record<string, unknown>[] } {
  sequence += 1n;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: options.region,
        eventTime: (options.now ?? new Date()).toISOString(),
        eventName: `ObjectCreated:${created.eventName}`,
        userIdentity: { principalId: 'AWS:AIDALOCALCLOUD' },
        requestParameters: { sourceIPAddress: created.sourceIp },
        responseElements: {
          'x-amz-request-id': created.requestId || randomBytes(8).toString('hex').toUpperCase(),
          'x-amz-id-2': randomBytes(48).toString('base64'),
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: options.configurationId,
          bucket: {
            name: created.bucket,
            ownerIdentity: { principalId: 'A3LOCALCLOUD' },
            arn: `arn:aws:s3:::${created.bucket}`,
          },
          object: {
            key: eventKey(created.key),
            size: created.size,
            eTag: created.eTag,
            sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
          },
        },
      },
    ],
  };
}

/**
 * Whether a rule fires for this object: the event matches (`s3:ObjectCreated:*` or the exact
 * name) and the key starts with the prefix and ends with the suffix, case-sensitively.
 *
 * @example
 * ```ts
 * ruleMatches({ events: ['s3:ObjectCreated:*'], suffix: '.jpg', target }, 'Put', 'uploads/A.JPG'); // false
 * ```
 */
export function ruleMatches(
  rule: NotificationRule,
  eventName: ObjectCreated['eventName'],
  key: string,
): boolean {
  const name = `s3:ObjectCreated:${eventName}`;
  const eventOk = rule.events.some((e) => e === name || e === 's3:ObjectCreated:*');
  return (
    eventOk &&
    (rule.prefix === undefined || key.startsWith(rule.prefix)) &&
    (rule.suffix === undefined || key.endsWith(rule.suffix))
  );
}

/**
 * The rules a created object fires, each with the configuration id S3 would name it by.
 * S3 refuses overlapping rules for one destination, so a key fires a destination once.
 *
 * @example
 * ```ts
 * for (const { rule, configurationId } of matchingRules(bucket.notifications, created)) deliver(rule);
 * ```
 */
export function matchingRules(
  rules: readonly NotificationRule[],
  created: Pick<ObjectCreated, 'eventName' | 'key'>,
): { rule: NotificationRule; configurationId: string }[] {
  return rules.flatMap((rule, index) =>
    ruleMatches(rule, created.eventName, created.key)
      ? [{ rule, configurationId: `local-rule-${index}` }]
      : [],
  );
}
