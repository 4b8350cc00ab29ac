/**
 * A variant's bucket and the queue its uploads are announced on, with lambda-zip's protections
 * (serverless.yml): private, owner-enforced, SSE-S3, TLS-only, CORS for presigned PUTs from
 * named origins only, lifecycle. Every object created under `uploads/` is announced on the
 * queue; a notification that keeps failing moves to a dead-letter queue after `maxReceiveCount`
 * receives, and an alarm goes off as soon as that queue holds one.
 *
 * The notification is set on the bucket itself (AWS::S3::Bucket NotificationConfiguration), not
 * with `bucket.addEventNotification`, which deploys a custom-resource Lambda whose role needs
 * s3:PutBucketNotification on "*" and an AWS managed policy. S3 checks that it may send to the
 * queue when the configuration is set, so the bucket waits for the queue policy, and the policy
 * names the bucket by its ARN, built from the bucket's fixed name to avoid a dependency cycle.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueNotEmptyAlarm } from './queue-alarm';
import type { CommonSettings } from './settings';

/** Where things live in a bucket (services/shared/keys.ts says the same). */
export const UPLOADS = 'uploads/';
export const CARTOONS = 'cartoons/';
export const FAILED = 'failed/';

/** S3 bucket names are 3 to 63 characters (Amazon S3 User Guide, bucket naming rules). */
const MAX_BUCKET_NAME = 63;
/** An account id, and the longest region name in use (ap-southeast-5 and the like). */
const ACCOUNT_AND_REGION = 12 + 1 + 14 + 1;

/**
 * What a variant's bucket is named after, where its own name would not fit: the longest stage
 * (10 characters) with `managed-instances` and the account and region is 72 characters.
 */
const BUCKET_LABELS: Readonly<Partial<Record<ServiceStorageProps['variant'], string>>> = {
  'managed-instances': 'lmi',
};

export interface ServiceStorageProps {
  readonly variant: 'lambda-image' | 'fargate' | 'eks' | 'managed-instances';
  readonly settings: CommonSettings;
  /** How long a received notification stays hidden while it is processed. */
  readonly visibilityTimeout: Duration;
}

/** The service's front door, as the `ApiUrl` output names it. */
export interface ApiOutput {
  readonly url: string;
  readonly description: string;
}

export class ServiceStorage extends Construct {
  readonly variant: ServiceStorageProps['variant'];
  readonly bucket: s3.Bucket;
  /** S3 notifications of new uploads. */
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** In alarm while the dead-letter queue holds a message. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly #corsOrigins: readonly string[];

  /**
   * @example
   * ```ts
   * const storage = new ServiceStorage(stack, 'Storage', {
   *   variant: 'fargate',
   *   settings,
   *   visibilityTimeout: Duration.minutes(5),
   * });
   * storage.bucket.bucketName; // cartoon-compute-dev-fargate-<account>-<region>
   * ```
   */
  constructor(scope: Construct, id: string, props: ServiceStorageProps) {
    super(scope, id);
    const { settings, variant } = props;
    this.variant = variant;
    this.#corsOrigins = settings.corsOrigins;
    const prefix = `cartoon-compute-${settings.stage}-${BUCKET_LABELS[variant] ?? variant}`;
    if (prefix.length + ACCOUNT_AND_REGION > MAX_BUCKET_NAME) {
      throw new Error(`stage '${settings.stage}' is too long for the bucket name ${prefix}-...`);
    }
    // Named like lambda-zip's bucket; CloudFormation fills in the account and region.
    const bucketName = `${prefix}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;

    // SSE-SQS, not KMS: S3 cannot send to a queue encrypted with the AWS managed aws/sqs key.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3UploadNotifications',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      bucketKeyEnabled: true,
      enforceSSL: true,
      lifecycleRules: [
        {
          id: 'expire-uploads',
          prefix: UPLOADS,
          expiration: Duration.days(settings.uploadsExpireDays),
        },
        {
          id: 'expire-results',
          prefix: CARTOONS,
          expiration: Duration.days(settings.resultsExpireDays),
        },
        {
          id: 'expire-failure-records',
          prefix: FAILED,
          expiration: Duration.days(settings.resultsExpireDays),
        },
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // A fixed name must be free again after `cdk destroy`, as `serverless remove` leaves it;
      // CloudFormation refuses to delete a bucket that still holds objects, so nothing is lost.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    // One rule, on the prefix alone, as lambda-zip: S3 matches suffix filters case-sensitively,
    // so a `.jpg` rule never fires for a camera's IMG_0001.JPG. The code decides from the bytes.
    // Results (cartoons/) and records (failed/) are outside the prefix: no self-triggering.
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: this.queue.queueArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: UPLOADS }] } },
        },
      ],
    };
    // The queue's one resource policy (addToResourcePolicy creates it as the child `Policy`).
    const queuePolicy = this.queue.node.tryFindChild('Policy');
    if (!(queuePolicy instanceof sqs.QueuePolicy)) {
      throw new Error('the upload queue has no resource policy to wait for');
    }
    this.bucket.node.addDependency(queuePolicy);

    this.deadLetterAlarm = queueNotEmptyAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `cartoon-compute ${settings.stage} ${variant}: an upload notification failed every ` +
        'receive and is in the dead-letter queue (its upload was not cartoonized)',
    );

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Transient demo images that expire in days; access logs would need a second bucket.',
    });
  }

  /**
   * Lets browsers on `frontDoor` (the variant's own page, served by GET /) and on the stage's
   * `corsOrigin` list PUT to presigned upload URLs and GET results: the bucket's one CORS rule.
   *
   * @example
   * ```ts
   * storage.allowBrowsersFrom(`https://${api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`);
   * ```
   */
  allowBrowsersFrom(frontDoor: string): void {
    this.bucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
      allowedOrigins: [frontDoor, ...this.#corsOrigins],
      allowedHeaders: ['content-type', 'x-amz-meta-style', 'if-none-match'],
      maxAge: 3000,
    });
  }

  /**
   * The stack outputs the load tests and `npm run loadtest -- --target aws` read: the API, the
   * bucket, both queues and the variant, then `extra` in order. They belong to the stack, not to
   * this construct, so their logical ids are the bare names.
   *
   * @example
   * ```ts
   * storage.addOutputs({ url: api.url, description: 'The HTTP API' }, { Architecture: 'arm64' });
   * ```
   */
  addOutputs(api: ApiOutput, extra: Readonly<Record<string, string>> = {}): void {
    const stack = Stack.of(this);
    new CfnOutput(stack, 'ApiUrl', { value: api.url, description: api.description });
    new CfnOutput(stack, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(stack, 'QueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(stack, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(stack, 'Variant', { value: this.variant });
    for (const [id, value] of Object.entries(extra)) new CfnOutput(stack, id, { value });
  }
}
