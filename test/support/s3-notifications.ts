/**
 * S3 event notifications found in a CloudFormation template, evaluated the way S3 evaluates
 * them: a configuration fires for an event type it names (`s3:ObjectCreated:*` covers every
 * `s3:ObjectCreated:...`) and a key that starts with its `prefix` rule and ends with its
 * `suffix` rule, compared case-sensitively, character for character, on the object key itself
 * (not the URL-encoded form event records carry). Amazon S3 User Guide, "Configuring event
 * notifications using object key name filtering", read 2026-11.
 *
 * The matching is the local cloud's own (`ruleMatches` in local-cloud/s3-notifications.ts),
 * so the templates are checked against the same rule the emulator delivers by; this file only
 * reads the configurations and hands them over in its shape.
 *
 * Reads both places a template can hold them: AWS::S3::Bucket `NotificationConfiguration`
 * (`Filter.S3Key.Rules`) and the Custom::S3BucketNotifications resource of CDK's
 * `bucket.addEventNotification` (the S3 API shape, `Filter.Key.FilterRules`).
 */
import type { ObjectCreated } from '../../local-cloud/s3-endpoint';
import { ruleMatches } from '../../local-cloud/s3-notifications';
import type { NotificationRule } from '../../local-cloud/topology';
import { failedKey, resultKey } from '../../services/shared/keys';
import { asArray, render, type Template } from './template';

export interface KeyRule {
  readonly Name: string;
  readonly Value: string;
}

/** One notification configuration, whatever shape it was written in. */
export interface Notification {
  /** Logical id of the bucket resource (or of the custom resource's `BucketName` Ref). */
  readonly bucket: string;
  readonly kind: 'queue' | 'lambda' | 'topic';
  /** The destination, rendered (`${Queue.Arn}`). */
  readonly target: string;
  readonly events: readonly string[];
  readonly rules: readonly KeyRule[];
}

/** Keys people really upload: camera and scanner names, mixed case, spaces and non-ASCII. */
export const REAL_WORLD_UPLOAD_KEYS = [
  'uploads/IMG_0001.JPG',
  'uploads/Scan.PNG',
  'uploads/x.Tiff',
  'uploads/holiday 2026/my photo ü 猫.jpg',
  'uploads/DSC01234.Jpg',
  'uploads/IMG_4711.HEIC',
  'uploads/2f1c9a4e-0b7d-4c55-9d59-5d1f7f0e8a11.png',
] as const;

/** What processing writes for those uploads: results and failure records, never uploads. */
export const OUTPUT_KEYS: readonly string[] = REAL_WORLD_UPLOAD_KEYS.flatMap((key) => [
  resultKey(key),
  failedKey(key),
]);

interface CfnConfiguration {
  readonly Event?: string;
  readonly Events?: string[];
  readonly Queue?: unknown;
  readonly QueueArn?: unknown;
  readonly Function?: unknown;
  readonly LambdaFunctionArn?: unknown;
  readonly Topic?: unknown;
  readonly TopicArn?: unknown;
  readonly Filter?: {
    readonly S3Key?: { readonly Rules?: KeyRule[] };
    readonly Key?: { readonly FilterRules?: KeyRule[] };
  };
}

type Configurations = Partial<
  Record<'QueueConfigurations' | 'LambdaConfigurations' | 'TopicConfigurations', CfnConfiguration[]>
>;

const KINDS = [
  ['QueueConfigurations', 'queue'],
  ['LambdaConfigurations', 'lambda'],
  ['TopicConfigurations', 'topic'],
] as const;

function normalise(bucket: string, configurations: Configurations | undefined): Notification[] {
  return KINDS.flatMap(([key, kind]) =>
    asArray(configurations?.[key]).map((config) => ({
      bucket,
      kind,
      target: render(
        config.Queue ??
          config.QueueArn ??
          config.Function ??
          config.LambdaFunctionArn ??
          config.Topic ??
          config.TopicArn,
      ),
      events: config.Events ?? asArray(config.Event),
      rules: config.Filter?.S3Key?.Rules ?? config.Filter?.Key?.FilterRules ?? [],
    })),
  );
}

/**
 * Every notification configuration in the template.
 *
 * @example
 * ```ts
 * const [upload] = notifications(template); // { bucket: 'StorageBucket…', kind: 'queue', ... }
 * ```
 */
export function notifications(template: Template): Notification[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::S3::Bucket') {
      return normalise(id, properties.NotificationConfiguration as Configurations | undefined);
    }
    if (resource.Type === 'Custom::S3BucketNotifications') {
      const bucket = render(properties.BucketName).replace(/^\$\{(.+)\}$/, '$1');
      return normalise(bucket, properties.NotificationConfiguration as Configurations | undefined);
    }
    return [];
  });
}

const CREATED = 's3:ObjectCreated:';
const CREATED_EVENTS: readonly ObjectCreated['eventName'][] = [
  'Put',
  'Post',
  'Copy',
  'CompleteMultipartUpload',
];

/** `s3:ObjectCreated:Put` as the local cloud names it (`Put`); it emulates no other events. */
function createdEventName(event: string): ObjectCreated['eventName'] {
  const name = CREATED_EVENTS.find((e) => event === `${CREATED}${e}`);
  if (name === undefined) throw new Error(`not an S3 ObjectCreated event: ${event}`);
  return name;
}

/** A key filter as the local cloud holds it: one prefix and one suffix at most, as S3 allows. */
function keyFilter(rules: readonly KeyRule[]): Pick<NotificationRule, 'prefix' | 'suffix'> {
  const filter: { prefix?: string; suffix?: string } = {};
  for (const rule of rules) {
    // Rule names are case-insensitive in the API ("prefix" or "Prefix"); values are not.
    const name = rule.Name.toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') {
      throw new Error(`unknown S3 key filter rule ${rule.Name}`);
    }
    if (filter[name] !== undefined) throw new Error(`more than one ${name} rule, which S3 refuses`);
    filter[name] = rule.Value;
  }
  return filter;
}

/** The local cloud's rule for a configuration; its target plays no part in matching. */
function localRule(events: readonly string[], rules: readonly KeyRule[]): NotificationRule {
  return { events, ...keyFilter(rules), target: { kind: 'queue', arn: '' } };
}

/**
 * Whether the key filter lets `key` through, as S3 decides it: case-sensitive prefix and suffix.
 *
 * @example
 * ```ts
 * keyMatches([{ Name: 'suffix', Value: '.jpg' }], 'uploads/IMG_0001.JPG'); // false
 * ```
 */
export function keyMatches(rules: readonly KeyRule[], key: string): boolean {
  return ruleMatches(localRule([`${CREATED}*`], rules), 'Put', key);
}

/**
 * The configurations that fire when `event` (an `s3:ObjectCreated:...` event) happens to `key`
 * in `bucket`.
 *
 * @example
 * ```ts
 * firing(notifications(template), 'StorageBucket…', 's3:ObjectCreated:Put', 'uploads/Scan.PNG');
 * ```
 */
export function firing(
  all: readonly Notification[],
  bucket: string,
  event: string,
  key: string,
): Notification[] {
  const eventName = createdEventName(event);
  return all.filter(
    (n) => n.bucket === bucket && ruleMatches(localRule(n.events, n.rules), eventName, key),
  );
}
