/**
 * A Lambda function's own role and log group (lambda-image, managed-instances): the role may
 * write to that log group and do its bucket job, nothing more. Our own role because the default
 * one carries the AWS managed AWSLambdaBasicExecutionRole, which may write to every log group in
 * the account.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type BucketJob, grantBucketJobs } from './bucket-access';
import { serviceLogGroup } from './log-groups';
import type { CommonSettings } from './settings';

export interface FunctionRoleProps {
  /** The variant's name, in the role's description. */
  readonly variant: string;
  readonly job: BucketJob;
  readonly bucket: s3.Bucket;
  readonly settings: Pick<CommonSettings, 'logRetentionDays'>;
}

/**
 * The log group `<id>Logs` and role `<id>Role` of the function `id`, created in `scope`.
 *
 * @example
 * ```ts
 * const { role, logGroup } = functionRole(this, 'Api', {
 *   variant: 'lambda-image', job: 'api', bucket, settings,
 * });
 * ```
 */
export function functionRole(
  scope: Construct,
  id: string,
  props: FunctionRoleProps,
): { readonly role: iam.Role; readonly logGroup: logs.LogGroup } {
  const logGroup = serviceLogGroup(scope, `${id}Logs`, props.settings);
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `cartoon-compute ${props.variant} ${id.toLowerCase()} function`,
  });
  logGroup.grantWrite(role);
  grantBucketJobs(role, props.bucket, [props.job]);
  return { role, logGroup };
}
