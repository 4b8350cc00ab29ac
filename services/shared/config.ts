import { type CartoonLimits, DEFAULT_LIMITS, VARIANTS, type Variant } from '@cartoon-compute/core';

/** Everything an adapter needs from its environment, read once at start-up. */
export interface ServiceConfig {
  readonly variant: Variant;
  readonly version: string;
  /** The variant's bucket: `uploads/` in, `cartoons/` and `failed/` out. */
  readonly bucket: string;
  readonly region?: string;
  /** A local S3-compatible endpoint; unset on AWS. */
  readonly s3Endpoint?: string;
  readonly limits: CartoonLimits;
  /** Largest raw body `POST /cartoon` takes: what fits in Lambda's 6 MB payload once base64-encoded. */
  readonly maxSyncBytes: number;
  /** Largest image `POST /uploads` hands out an upload URL for. */
  readonly maxUploadBytes: number;
  /** Lifetime of presigned upload and download URLs. */
  readonly urlTtlSeconds: number;
  /** Long side of results made from S3 uploads. */
  readonly s3MaxSide: number;
  /**
   * How many times the platform runs the processing of one upload before it gives up: 1 +
   * MaximumRetryAttempts for Lambda's asynchronous invocation (lambda-zip), the queue's
   * maxReceiveCount for SQS (lambda-image, fargate). A transient failure before the last
   * attempt is recorded as retrying, so GET /cartoons/{id} still says pending.
   */
  readonly processMaxAttempts: number;
  /**
   * How long after a failure the platform may still make another attempt. A record marked
   * retrying counts as failed once this has passed: attempts that die without a word (a
   * timeout, a crash) write nothing, so the count alone could say retrying for good.
   */
  readonly processRetryWindowSeconds: number;
}

/**
 * Lambda's synchronous payload limit is 6 MB (6,291,456 bytes) each way; base64 turns
 * 4,718,592 raw bytes into that, and the rest of the event needs room too. Source: AWS Lambda
 * quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (2026-11).
 */
export const LAMBDA_SYNC_RAW_BYTES = 4_500_000;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * An integer setting from `env` in `[min, max]`, `fallback` when unset, failing with the
 * variable's name otherwise.
 *
 * @example
 * ```ts
 * integer(process.env, 'PORT', 8080, 0, 65_535); // PORT=x → "PORT must be an integer between 0 and 65535; got 'x'"
 * ```
 */
export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}; got '${raw}'`);
  }
  return value;
}

/**
 * Reads the service's settings from `env` (explicit value, else default), failing fast
 * with a message that names the variable.
 *
 * @example
 * ```ts
 * const config = readConfig(process.env); // throws "BUCKET_NAME is required" when unset
 * ```
 */
export function readConfig(env: Env): ServiceConfig {
  const bucket = env.BUCKET_NAME;
  if (!bucket) throw new Error('BUCKET_NAME is required');
  const variant = (env.VARIANT ?? 'lambda-zip') as Variant;
  if (!VARIANTS.includes(variant)) {
    throw new Error(`VARIANT must be one of ${VARIANTS.join(', ')}; got '${variant}'`);
  }
  const maxBytes = integer(env, 'MAX_UPLOAD_BYTES', DEFAULT_LIMITS.maxBytes, 1, 512 * 1024 * 1024);
  return {
    variant,
    version: env.APP_VERSION ?? 'dev',
    bucket,
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.S3_ENDPOINT ? { s3Endpoint: env.S3_ENDPOINT } : {}),
    limits: {
      maxBytes,
      maxPixels: integer(env, 'MAX_PIXELS', DEFAULT_LIMITS.maxPixels, 1, 268_000_000),
    },
    maxSyncBytes: integer(env, 'MAX_SYNC_BYTES', LAMBDA_SYNC_RAW_BYTES, 1, maxBytes),
    maxUploadBytes: maxBytes,
    urlTtlSeconds: integer(env, 'URL_TTL_SECONDS', 300, 1, 3600),
    s3MaxSide: integer(env, 'S3_MAX_SIDE', 2048, 16, 4096),
    processMaxAttempts: integer(env, 'PROCESS_MAX_ATTEMPTS', 3, 1, 1000),
    processRetryWindowSeconds: integer(env, 'PROCESS_RETRY_WINDOW_SECONDS', 900, 1, 86_400),
  };
}
