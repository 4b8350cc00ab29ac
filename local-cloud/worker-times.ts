/**
 * The fargate queue worker's times, scaled as the local cloud scales the queues' visibility
 * timeouts (`--visibility-scale`). The worker sets its own visibility on every receive, and
 * services/fargate/config.ts refuses a retry window shorter than visibility × attempts, so the
 * task's variables must shrink or grow with the queue's or the task would not start.
 */

/** services/fargate/config.ts's defaults where the task definition sets nothing. */
const DEFAULTS = { visibility: 300, wait: 20, retryDelay: 10, attempts: 3 } as const;

/**
 * The variables to lay over a task definition's for `scale`; none at 1.
 *
 * @example
 * ```ts
 * scaledWorkerTimes({ QUEUE_VISIBILITY_TIMEOUT_SECONDS: '300', PROCESS_MAX_ATTEMPTS: '3' }, 0.02);
 * // { QUEUE_VISIBILITY_TIMEOUT_SECONDS: '6', PROCESS_RETRY_WINDOW_SECONDS: '18', QUEUE_HEARTBEAT_SECONDS: '2', … }
 * ```
 */
export function scaledWorkerTimes(
  task: Readonly<Record<string, string | undefined>>,
  scale: number,
): Record<string, string> {
  if (scale === 1) return {};
  const seconds = (name: string, fallback: number) => Number(task[name] ?? fallback);
  const visibility = Math.max(
    2,
    Math.round(seconds('QUEUE_VISIBILITY_TIMEOUT_SECONDS', DEFAULTS.visibility) * scale),
  );
  const attempts = seconds('PROCESS_MAX_ATTEMPTS', DEFAULTS.attempts);
  const window = seconds('PROCESS_RETRY_WINDOW_SECONDS', visibility * attempts);
  return {
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: String(visibility),
    QUEUE_HEARTBEAT_SECONDS: String(Math.max(1, Math.floor(visibility / 3))),
    // Never shorter than the receives it must cover, whatever rounding did to the visibility.
    PROCESS_RETRY_WINDOW_SECONDS: String(
      Math.max(visibility * attempts, Math.round(window * scale)),
    ),
    // The long poll matters at shutdown: a task finishes its last poll first.
    QUEUE_WAIT_SECONDS: String(
      Math.min(20, Math.max(1, Math.round(seconds('QUEUE_WAIT_SECONDS', DEFAULTS.wait) * scale))),
    ),
    QUEUE_RETRY_DELAY_SECONDS: String(
      Math.round(seconds('QUEUE_RETRY_DELAY_SECONDS', DEFAULTS.retryDelay) * scale),
    ),
  };
}
