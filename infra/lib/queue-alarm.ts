/**
 * An alarm that goes off as soon as a queue holds a message it should never hold: a dead-letter
 * queue (a notification that failed every receive) or lambda-zip's on-failure destination. Each
 * such message is an upload that was not cartoonized, so one is already worth a look.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * SQS sends its metrics to CloudWatch every minute (Amazon SQS developer guide, "Available
 * CloudWatch metrics for Amazon SQS",
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
 * read 2026-12). An empty, idle queue stops reporting after six hours: missing data is "fine".
 */
export const QUEUE_ALARM_PERIOD = Duration.minutes(1);

/**
 * `ApproximateNumberOfMessagesVisible > 0` on `queue`, over one one-minute period.
 *
 * @example
 * ```ts
 * queueNotEmptyAlarm(this, 'DeadLetterAlarm', deadLetterQueue, 'Uploads whose notification failed every receive');
 * ```
 */
export function queueNotEmptyAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
): cloudwatch.Alarm {
  return queue
    .metricApproximateNumberOfMessagesVisible({
      period: QUEUE_ALARM_PERIOD,
      statistic: cloudwatch.Stats.MAXIMUM,
    })
    .createAlarm(scope, id, {
      alarmDescription: description,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
}
