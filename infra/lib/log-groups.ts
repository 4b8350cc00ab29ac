/**
 * The log groups of both stacks: kept for the stage's retention, deleted with the stack so a
 * redeploy after `cdk destroy` does not meet a leftover group.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CommonSettings } from './settings';

/**
 * A log group with the stage's retention, removed with its stack.
 *
 * @example
 * ```ts
 * const logGroup = serviceLogGroup(this, 'TaskLogs', settings);
 * ```
 */
export function serviceLogGroup(
  scope: Construct,
  id: string,
  settings: Pick<CommonSettings, 'logRetentionDays'>,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: settings.logRetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
