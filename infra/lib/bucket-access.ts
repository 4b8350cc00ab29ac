/**
 * What each part of the service may do in its bucket, as IAM statements scoped to prefixes,
 * mirroring the lambda-zip roles in serverless.yml. No `s3:*`, no `bucket/*`.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { CARTOONS, FAILED, UPLOADS } from './service-storage';

/** The jobs that touch the bucket; a role gets the statements of the jobs it does. */
export type BucketJob = 'api' | 'process';

function objects(bucket: s3.IBucket, prefixes: string[]): string[] {
  return prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
}

/**
 * Acknowledges cdk-nag's IAM5 finding for each `bucket/<prefix>*` object ARN, one by one: the
 * `*` is the object name under a fixed prefix, the narrowest an object ARN can be for keys
 * that are made at run time. Any other wildcard still fails the check.
 *
 * @example
 * ```ts
 * acknowledgeObjectWildcards(role, bucket);
 * ```
 */
export function acknowledgeObjectWildcards(scope: IConstruct, bucket: s3.Bucket): void {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement);
  for (const prefix of [UPLOADS, CARTOONS, FAILED]) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
      reason: `Objects under ${prefix} are named at run time; the prefix bounds them.`,
    });
  }
}

/**
 * The statements the given jobs need in `bucket` (the Fargate task does both jobs).
 *
 * @example
 * ```ts
 * for (const statement of bucketStatements(bucket, ['api'])) role.addToPolicy(statement);
 * ```
 */
export function bucketStatements(
  bucket: s3.IBucket,
  jobs: readonly BucketJob[],
): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (jobs.includes('api')) {
    statements.push(
      // Presigned upload URLs are signed with this role: it may create uploads only.
      new iam.PolicyStatement({
        sid: 'PresignUploads',
        actions: ['s3:PutObject'],
        resources: objects(bucket, [UPLOADS]),
      }),
      // GET /cartoons/{id}: head and presign results, read failure records.
      new iam.PolicyStatement({
        sid: 'ReadResults',
        actions: ['s3:GetObject'],
        resources: objects(bucket, [CARTOONS, FAILED]),
      }),
    );
  }
  if (jobs.includes('process')) {
    statements.push(
      // Reads uploads, existing results to skip work already done, and failure records to
      // count the attempts at an upload.
      new iam.PolicyStatement({
        sid: 'ReadUploadsAndResults',
        actions: ['s3:GetObject'],
        resources: objects(bucket, [UPLOADS, CARTOONS, FAILED]),
      }),
      // Writes results and failure records, never uploads.
      new iam.PolicyStatement({
        sid: 'WriteResults',
        actions: ['s3:PutObject'],
        resources: objects(bucket, [CARTOONS, FAILED]),
      }),
    );
  }
  // S3 answers 403 rather than 404 for a missing key to a caller that may not list the bucket
  // (S3 API reference, HeadObject, "Permissions"); GET /cartoons/{id} also finds a result by
  // listing its id prefix.
  statements.push(
    new iam.PolicyStatement({
      sid: 'ListBucket',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
    }),
  );
  return statements;
}

/**
 * Gives `role` the statements of `jobs` in `bucket`, and acknowledges their object wildcards
 * on it: the one way both stacks grant bucket access.
 *
 * @example
 * ```ts
 * grantBucketJobs(taskDefinition.taskRole, bucket, ['api', 'process']);
 * ```
 */
export function grantBucketJobs(
  role: iam.IRole,
  bucket: s3.Bucket,
  jobs: readonly BucketJob[],
): void {
  for (const statement of bucketStatements(bucket, jobs)) role.addToPrincipalPolicy(statement);
  acknowledgeObjectWildcards(role, bucket);
}
