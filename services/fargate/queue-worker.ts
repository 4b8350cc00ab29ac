/**
 * The fargate task's S3 path: S3 notifications for `uploads/` arrive on an SQS queue, which
 * the task long-polls with sqs-consumer. Each message body is an S3 notification, processed
 * with the same `processUpload` as every variant.
 *
 * - Deleted only on success. A bad image is a success here: processUpload leaves a `failed/`
 *   record and resolves, and retrying could not help.
 * - A transient failure (processUpload throws) leaves the message on the queue; it becomes
 *   visible again after `retryDelaySeconds`, and after the queue's maxReceiveCount the
 *   redrive policy moves it to the dead-letter queue.
 * - While an image is still in progress its visibility is renewed (the heartbeat), so a slow
 *   image is never handed to a second consumer.
 * - When stopping, a message that arrives from the last poll is returned at once (visibility
 *   0) for another task instead of being started, and so is a message still in progress when
 *   the stop timeout runs out: never deleted, it is another task's at once rather than after
 *   its visibility timeout.
 */
import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { type ProcessDeps, processNotification } from '../shared/process-upload';
import type { QueueSettings } from './config';

export interface QueueWorkerDeps extends ProcessDeps {
  readonly sqs: SQSClient;
  readonly bucket: string;
  readonly settings: QueueSettings;
  /** How long stop() waits for the last poll and the message in progress (whole seconds). */
  readonly stopTimeoutMs: number;
}

export interface QueueWorker {
  start(): void;
  /**
   * Stops polling and resolves once the last poll has returned and the message in progress
   * (if any) is finished and deleted, or `stopTimeoutMs` has passed. Resolves `true` when
   * nothing was left unfinished; an unfinished message reappears on the queue by itself.
   */
  stop(): Promise<boolean>;
}

/** Thrown for a message received after stop(): it goes back to the queue untouched. */
class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

/**
 * @example
 * ```ts
 * const worker = createQueueWorker({ sqs, bucket, settings: config.queue, store, logger, limits, maxSide });
 * worker.start();
 * process.once('SIGTERM', () => worker.stop());
 * ```
 */
export function createQueueWorker(deps: QueueWorkerDeps): QueueWorker {
  const { settings, logger } = deps;
  let stopping = false;
  const inProgress = new Map<string, Message>();

  const consumer = Consumer.create({
    queueUrl: settings.queueUrl,
    sqs: deps.sqs,
    batchSize: 1,
    waitTimeSeconds: settings.waitTimeSeconds,
    visibilityTimeout: settings.visibilityTimeoutSeconds,
    heartbeatInterval: settings.heartbeatSeconds,
    handleMessageTimeout: settings.processTimeoutSeconds * 1000,
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    strictReturn: true,
    pollingCompleteWaitTimeMs: deps.stopTimeoutMs,
    terminateVisibilityTimeout: () => (stopping ? 0 : settings.retryDelaySeconds),
    handleMessage: async (message) => {
      if (stopping) throw new StoppingError('received while stopping');
      inProgress.set(message.MessageId ?? '', message);
      const child = logger.createChild({
        persistentKeys: {
          message_id: message.MessageId,
          receive_count: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        },
      });
      try {
        await processNotification(message.Body ?? '', deps.bucket, { ...deps, logger: child });
        return message;
      } finally {
        inProgress.delete(message.MessageId ?? '');
      }
    },
  });

  // sqs-consumer wraps the handler's error; the original is its cause.
  consumer.on('processing_error', (err) => {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof StoppingError) logger.info('message returned while stopping');
    else logger.error('message left for a retry', { error: cause instanceof Error ? cause : err });
  });
  consumer.on('timeout_error', (err) =>
    logger.error('message processing timed out', { error: err }),
  );
  consumer.on('error', (err) => logger.error('queue error', { error: err }));

  /** Visibility 0: the next receive anywhere gets them (the process is about to exit). */
  const returnToQueue = (messages: Message[]) =>
    Promise.all(
      messages.map((message) =>
        deps.sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: settings.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          )
          .catch((err: unknown) => {
            // It comes back by itself when its visibility timeout ends.
            logger.warn('could not return a message to the queue', { error: err as Error });
          }),
      ),
    );

  let stopped: Promise<boolean> | undefined;
  return {
    start: () => consumer.start(),
    // Once: sqs-consumer emits 'stopped' only for the first stop().
    stop: () => {
      stopped ??= new Promise<boolean>((resolve) => {
        stopping = true;
        const started = Date.now();
        consumer.once('stopped', () => {
          const unfinished = [...inProgress.values()];
          void returnToQueue(unfinished).then(() => {
            logger.info('queue worker stopped', {
              finished: unfinished.length === 0,
              returned: unfinished.length,
              stop_ms: Date.now() - started,
            });
            resolve(unfinished.length === 0);
          });
        });
        consumer.stop({ abort: false });
      });
      return stopped;
    },
  };
}
