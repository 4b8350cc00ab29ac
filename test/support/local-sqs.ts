/**
 * SQS queues on the local S3 server (fauxqs speaks SQS on the same endpoint, with visibility
 * timeouts, long polling and dead-letter redrive), and the S3 notifications S3 would send to
 * them: fauxqs has no bucket notifications, so tests send the notification themselves.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { S3ImageStore } from '@cartoon-compute/core/s3';
import { s3PutEvent } from './lambda-events';
import type { LocalS3 } from './local-s3';

/** A work queue and its dead-letter queue. */
export interface LocalQueues {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/**
 * A client for the local server's SQS endpoint.
 *
 * @example
 * ```ts
 * const sqs = localSqsClient(s3);
 * ```
 */
export function localSqsClient(s3: LocalS3): SQSClient {
  return new SQSClient({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials });
}

/**
 * Creates a queue whose redrive policy moves a message to a new dead-letter queue after
 * `maxReceiveCount` receives, as the deployed stacks do.
 *
 * @example
 * ```ts
 * const { queueUrl, dlqUrl } = await createQueues(s3, { maxReceiveCount: 2, visibilityTimeoutSeconds: 5 });
 * ```
 */
export async function createQueues(
  s3: LocalS3,
  options: { maxReceiveCount: number; visibilityTimeoutSeconds: number },
): Promise<LocalQueues> {
  const client = localSqsClient(s3);
  const name = `cartoon-${randomUUID().slice(0, 8)}`;
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: String(options.maxReceiveCount),
        }),
      },
    }),
  );
  return { client, queueUrl: queue.QueueUrl ?? '', dlqUrl };
}

/**
 * Sends a body as S3 would; resolves to the message id.
 *
 * @example
 * ```ts
 * await sendMessage(queues, await s3Notification(store, s3.bucket, 'uploads/cat.jpg'));
 * ```
 */
export async function sendMessage(queues: LocalQueues, body: string): Promise<string> {
  const sent = await queues.client.send(
    new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }),
  );
  return sent.MessageId ?? '';
}

/**
 * The notification S3 sends for an object already in the store (its real ETag and size).
 *
 * @example
 * ```ts
 * const body = await s3Notification(store, s3.bucket, 'uploads/cat.jpg');
 * ```
 */
export async function s3Notification(store: S3ImageStore, bucket: string, key: string) {
  const { etag, contentLength } = await store.head(key);
  return JSON.stringify(s3PutEvent(bucket, key, etag, contentLength));
}

/**
 * S3's `s3:TestEvent`, sent once when a notification to a queue is configured.
 *
 * @example
 * ```ts
 * await sendMessage(queues, s3TestEvent(s3.bucket));
 * ```
 */
export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: 'EXAMPLE',
    HostId: 'EXAMPLE',
  });
}

/**
 * Visible plus in-flight messages.
 *
 * @example
 * ```ts
 * expect(await messageCount(queues.client, queues.dlqUrl)).toBe(0);
 * ```
 */
export async function messageCount(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Receives (and so hides) what is visible on a queue now, for inspection.
 *
 * @example
 * ```ts
 * expect(await receiveBodies(queues.client, queues.dlqUrl)).toEqual([body]);
 * ```
 */
export async function receiveBodies(client: SQSClient, queueUrl: string): Promise<string[]> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.map((message) => message.Body ?? '');
}
