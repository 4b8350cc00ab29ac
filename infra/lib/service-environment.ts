/**
 * The environment every variant's code reads (services/shared/config.ts and the Powertools
 * Logger), built in one place so lambda-image and fargate cannot drift apart.
 */
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { CommonSettings } from './settings';

export interface ServiceEnvironmentProps {
  readonly variant: 'lambda-image' | 'fargate' | 'managed-instances';
  readonly bucket: s3.IBucket;
  readonly settings: CommonSettings;
  /** APP_VERSION: the package.json version, reported by GET /health. */
  readonly version: string;
  /** The upload queue's visibility timeout: how long one receive of a notification lasts. */
  readonly queueVisibilitySeconds: number;
}

/**
 * The variables for one variant's code.
 *
 * @example
 * ```ts
 * serviceEnvironment({ variant: 'fargate', bucket, settings, version: '0.1.0', queueVisibilitySeconds: 300 }).VARIANT; // 'fargate'
 * ```
 */
export function serviceEnvironment(props: ServiceEnvironmentProps): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
    POWERTOOLS_LOG_LEVEL: props.settings.logLevel,
    VARIANT: props.variant,
    APP_VERSION: props.version,
    BUCKET_NAME: props.bucket.bucketName,
    // SQS hands a notification out maxReceiveCount times, each for up to the visibility
    // timeout, before the dead-letter queue takes it: the attempts the processing gets, and
    // how long after a failure another may still come (services/shared/config.ts).
    PROCESS_MAX_ATTEMPTS: String(props.settings.maxReceiveCount),
    PROCESS_RETRY_WINDOW_SECONDS: String(
      props.queueVisibilitySeconds * props.settings.maxReceiveCount,
    ),
    ...props.settings.serviceEnvironment,
  };
}
