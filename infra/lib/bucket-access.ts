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
  statements.push(listStatement(bucket, jobs));
  return statements;
}

/**
 * What each job lists, as `s3:prefix` patterns. GET /cartoons/{id} lists `<prefix><id>.` under
 * cartoons/, failed/ and uploads/ (services/shared/cartoon-api.ts, `firstKey`); processing lists
 * nothing, but reads keys that may be missing under all three prefixes (the upload, an earlier
 * result, failure records), and S3 answers such a read 404 only to a caller that may list the
 * bucket, 403 to any other (S3 API reference, GetObject and HeadObject, "Permissions",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, read 2026-12).
 */
export const LISTED_PREFIXES: Readonly<Record<BucketJob, readonly string[]>> = {
  api: [CARTOONS, FAILED, UPLOADS],
  process: [UPLOADS, CARTOONS, FAILED],
};

/**
 * `s3:ListBucket` on the bucket, only for keys under the jobs' prefixes: a role cannot list the
 * whole bucket, or any other prefix. AWS documents the 404 for a caller "with s3:ListBucket" but
 * not how S3 fills `s3:prefix` for that check; with the key as the prefix (what a practitioner
 * observed, github.com/kopia/kopia/pull/3072, 2023) a missing key under these prefixes still
 * answers 404. The README says how to check it on a deployed stack.
 *
 * @example
 * ```ts
 * role.addToPolicy(listStatement(bucket, ['api']));
 * ```
 */
export function listStatement(bucket: s3.IBucket, jobs: readonly BucketJob[]): iam.PolicyStatement {
  const prefixes = [...new Set(jobs.flatMap((job) => LISTED_PREFIXES[job]))].sort();
  return new iam.PolicyStatement({
    sid: 'ListOwnPrefixes',
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
  });
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
