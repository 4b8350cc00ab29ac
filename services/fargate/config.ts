/**
 * The fargate variant's settings: the shared service settings (services/shared/config.ts)
 * plus what only a long-running task has (a port, its own concurrency bound, the queue it
 * polls, how long it may take to stop). Read once, at start-up, failing fast with the name
 * of the variable.
 */
import { availableParallelism, totalmem } from 'node:os';
import { type Env, integer, readConfig, type ServiceConfig } from '../shared/config';

export interface QueueSettings {
  readonly queueUrl: string;
  /** A local SQS-compatible endpoint; unset on AWS. */
  readonly endpoint?: string;
  /** Long polling: one ReceiveMessage waits up to this long for a message (SQS allows up to 20). */
  readonly waitTimeSeconds: number;
  /** How long a received message stays invisible, renewed every `heartbeatSeconds`. */
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  /** After a transient failure, the message becomes visible again after this long. */
  readonly retryDelaySeconds: number;
  /** A handler that runs longer than this is abandoned and its message returned. */
  readonly processTimeoutSeconds: number;
}

export interface FargateConfig {
  readonly service: ServiceConfig;
  /** `service` in every log line, as POWERTOOLS_SERVICE_NAME gives it on Lambda. */
  readonly serviceName: string;
  readonly port: number;
  readonly host: string;
  /** Images (POST /cartoon) one task works on at once. */
  readonly maxInFlight: number;
  /** Requests that may wait for one of those slots; past them the answer is 503 at once. */
  readonly maxQueued: number;
  /** libvips threads per image, so that `maxInFlight` images share the task's vCPUs. */
  readonly sharpConcurrency: number;
  /** Seconds a 503 asks the client to wait. */
  readonly retryAfterSeconds: number;
  /** Event-loop delay (ms) above which @fastify/under-pressure answers 503. */
  readonly maxEventLoopDelayMs: number;
  /** Resident memory above which @fastify/under-pressure answers 503; 0 is no limit. */
  readonly maxRssBytes: number;
  /** How long SIGTERM may take to finish what is in flight before the process gives up. */
  readonly stopTimeoutMs: number;
  /** How long a client may take to send a request's body, from its headers to its last byte. */
  readonly bodyTimeoutMs: number;
  /** Bodies read at once; past them a request with a body is answered 503 before it is read. */
  readonly maxBodiesReading: number;
  /** On SIGTERM, how long bodies still arriving get before they are cut with 408. */
  readonly stopBodyGraceMs: number;
  /** Unset: the task serves HTTP only (no S3 path). */
  readonly queue?: QueueSettings;
}

/**
 * The upload queue's visibility timeout as the CDK app creates it (infra/lib/settings.ts,
 * `queueVisibilitySeconds`). The worker sets its own on every receive, which overrides the
 * queue's, so the two must be the same number: the retry window the stack derives from the
 * queue's (PROCESS_RETRY_WINDOW_SECONDS) only holds if a receive lasts that long.
 */
const QUEUE_VISIBILITY_SECONDS = 300;

/**
 * A slow but real mobile uplink: 1 Mbit/s, what a congested 4G cell or 3G (HSUPA) gives. The
 * largest body POST /cartoon takes (4.5 MB) needs 36 s at that rate; half as much again is the
 * default deadline for a body (54 s), under the ALB's 60 s idle timeout.
 */
const SLOW_UPLINK_BYTES_PER_SECOND = 125_000;
const BODY_TIMEOUT_HEADROOM = 1.5;

function queueSettings(env: Env, service: ServiceConfig): QueueSettings | undefined {
  const queueUrl = env.QUEUE_URL;
  if (!queueUrl) return undefined;
  const visibilityTimeoutSeconds = integer(
    env,
    'QUEUE_VISIBILITY_TIMEOUT_SECONDS',
    QUEUE_VISIBILITY_SECONDS,
    2,
    43_200,
  );
  // Every receive but the last can end silently (a crash, a kill) and come back only when its
  // visibility runs out: a shorter window reports an upload failed while a retry is still due.
  const needed = visibilityTimeoutSeconds * service.processMaxAttempts;
  if (service.processRetryWindowSeconds < needed) {
    throw new Error(
      `PROCESS_RETRY_WINDOW_SECONDS (${service.processRetryWindowSeconds}) must be at least ` +
        `QUEUE_VISIBILITY_TIMEOUT_SECONDS x PROCESS_MAX_ATTEMPTS (${needed})`,
    );
  }
  // Renew well before the message would reappear: a third of the timeout by default.
  const heartbeatSeconds = integer(
    env,
    'QUEUE_HEARTBEAT_SECONDS',
    Math.max(1, Math.floor(visibilityTimeoutSeconds / 3)),
    1,
    visibilityTimeoutSeconds - 1,
  );
  return {
    queueUrl,
    ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}),
    waitTimeSeconds: integer(env, 'QUEUE_WAIT_SECONDS', 20, 1, 20),
    visibilityTimeoutSeconds,
    heartbeatSeconds,
    retryDelaySeconds: integer(env, 'QUEUE_RETRY_DELAY_SECONDS', 10, 0, 43_200),
    processTimeoutSeconds: integer(env, 'QUEUE_PROCESS_TIMEOUT_SECONDS', 300, 1, 43_200),
  };
}

/**
 * The memory this process may use: the container's limit (cgroups, which is how ECS applies a
 * task's memory) when there is one, else the machine's.
 */
function memoryLimit(): number {
  const constrained = process.constrainedMemory();
  return constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
}

/** Shed load before the kernel's OOM killer ends the task and every request in it. */
const RSS_SHARE = 0.9;

/**
 * Reads the fargate task's settings from `env`. `VARIANT` defaults to `fargate` here; `cpus`
 * and `memory` are the task's, measured by default.
 *
 * @example
 * ```ts
 * const config = readFargateConfig(process.env); // throws "PORT must be an integer ..." on PORT=http
 * ```
 */
export function readFargateConfig(
  env: Env,
  cpus = availableParallelism(),
  memory = memoryLimit(),
): FargateConfig {
  const service = readConfig({ ...env, VARIANT: env.VARIANT || 'fargate' });
  // One image per vCPU by default: sharp's work is CPU-bound, so more at once only queues
  // them inside libvips and makes every answer slower.
  const maxInFlight = integer(env, 'MAX_IN_FLIGHT', cpus, 1, 1024);
  const queue = queueSettings(env, service);
  const stopTimeoutMs = integer(env, 'STOP_TIMEOUT_SECONDS', 25, 1, 120) * 1000;
  return {
    service,
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'cartoon-compute',
    port: integer(env, 'PORT', 8080, 0, 65_535),
    host: env.HOST || '0.0.0.0',
    maxInFlight,
    // Eight waiting per slot absorb the bursts a balancer delivers (a second's requests in the
    // same millisecond at a few per second); a request then waits at most about eight images'
    // time, under a second for a 2048 px cartoon here.
    maxQueued: integer(env, 'MAX_QUEUED', 8 * maxInFlight, 0, 4096),
    sharpConcurrency: Math.max(1, Math.floor(cpus / maxInFlight)),
    retryAfterSeconds: integer(env, 'RETRY_AFTER_SECONDS', 1, 1, 3600),
    maxEventLoopDelayMs: integer(env, 'MAX_EVENT_LOOP_DELAY_MS', 1000, 10, 60_000),
    maxRssBytes: integer(
      env,
      'MAX_RSS_BYTES',
      Math.floor(memory * RSS_SHARE),
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    // ECS sends SIGKILL `stopTimeout` seconds after SIGTERM (30 s by default, at most 120 s,
    // and Fargate Spot's notice is 120 s): stop a little before that.
    stopTimeoutMs,
    bodyTimeoutMs:
      integer(
        env,
        'BODY_TIMEOUT_SECONDS',
        Math.ceil((service.maxSyncBytes / SLOW_UPLINK_BYTES_PER_SECOND) * BODY_TIMEOUT_HEADROOM),
        1,
        3600,
      ) * 1000,
    // A body on its way costs a socket and at most the body limit of memory: 64 fast ones are
    // 288 MB at 4.5 MB, and 64 slow ones leave room for every real client of a task.
    maxBodiesReading: integer(env, 'MAX_BODIES_READING', 64, 1, 65_536),
    // A body still arriving at SIGTERM must also be processed before the stop timeout: a quarter
    // of it, at most 5 s, for the body; the rest is the image's.
    stopBodyGraceMs: Math.min(5_000, Math.floor(stopTimeoutMs / 4)),
    ...(queue ? { queue } : {}),
  };
}
