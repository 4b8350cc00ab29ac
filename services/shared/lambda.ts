/**
 * What every Lambda function of a variant shares: configuration read once, one logger, one
 * middleware order. Clients are not made here: what a function needs at once it makes at
 * init (s3-store.ts, the S3 functions), what only some routes need is loaded when first used
 * (on-demand.ts, the api function), so no cold start pays for a client its first request
 * does not touch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { configureSharp, createLogger } from '@cartoon-compute/core';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { coldStartFlag } from './cold-start';
import { integer, readConfig, type ServiceConfig } from './config';

/** What the Lambda runtime says about how it runs this function. */
export interface LambdaRuntime {
  /**
   * AWS_LAMBDA_MAX_CONCURRENCY: set only on Lambda Managed Instances (LMI), where one
   * environment runs up to this many invocations at once, spread over several runtime worker
   * threads that each load the handler (docs/managed-instances-research.md). Unset: one
   * invocation at a time.
   */
  readonly maxConcurrency?: number;
}

export interface Environment {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly runtime: LambdaRuntime;
  /** Called once, first thing, by every invocation: whether it is the cold start. */
  readonly takeColdStart: () => boolean;
}

/**
 * The runtime's settings from `env`.
 *
 * @example
 * ```ts
 * readLambdaRuntime({ AWS_LAMBDA_MAX_CONCURRENCY: '2' }); // { maxConcurrency: 2 }
 * ```
 */
export function readLambdaRuntime(env: NodeJS.ProcessEnv): LambdaRuntime {
  if (env.AWS_LAMBDA_MAX_CONCURRENCY === undefined) return {};
  return {
    maxConcurrency: integer(env, 'AWS_LAMBDA_MAX_CONCURRENCY', 1, 1, Number.MAX_SAFE_INTEGER),
  };
}

/**
 * Sets up an execution environment (under LMI: one runtime worker thread) from `env`.
 * Handlers call it at module scope, so it runs once, during init.
 *
 * Under LMI each image gets one thread (`configureSharp({ concurrency: 1 })`): invocations
 * already fill the environment's vCPUs, and with more the core would start a helper worker
 * thread in every runtime worker, each competing for the same vCPUs.
 *
 * @example
 * ```ts
 * const { config, logger, takeColdStart } = environment(process.env);
 * ```
 */
export function environment(env: NodeJS.ProcessEnv): Environment {
  const config = readConfig(env);
  const runtime = readLambdaRuntime(env);
  const multiConcurrent = runtime.maxConcurrency !== undefined;
  configureSharp(multiConcurrent ? { concurrency: 1 } : {});
  return {
    config,
    logger: createLogger({ variant: config.variant }),
    runtime,
    takeColdStart: coldStartFlag(multiConcurrent),
  };
}

/**
 * Wraps a handler in the middleware every function uses, in one order: the Powertools
 * context (cold_start, request id, function name on every log line) first.
 *
 * @example
 * ```ts
 * export const handler = withMiddleware(lambdaHandler, logger);
 * ```
 */
export function withMiddleware<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  logger: Logger,
) {
  return middy(handler).use(injectLambdaContext(logger));
}
