/**
 * What every Lambda function of a variant shares: configuration read once, one logger, one
 * middleware order. Clients are not made here: what a function needs at once it makes at
 * init (s3-store.ts, the S3 functions), what only some routes need is loaded when first used
 * (on-demand.ts, the api function), so no cold start pays for a client its first request
 * does not touch.
 */

import { availableParallelism } from 'node:os';
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
  /** AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB: the function's memory, and so its CPU share. */
  readonly memoryMb?: number;
}

/**
 * Lambda's CPU per MB: "at 1,769 MB, a function has the equivalent of one vCPU", in proportion
 * below and above (AWS Lambda developer guide, "Configure Lambda function memory",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html, read 2026-12).
 */
export const MB_PER_VCPU = 1769;

/**
 * Threads one image may use. Lambda shows an environment more CPUs than its memory pays for
 * and throttles the difference, so the CPU count is not the measure: at one vCPU the core's
 * helper thread only adds hand-over work (1,769 MB quota, 12 MP photo to 1,024 px: p50 150 ms
 * with the helper, 140-151 without; the 320 px photo 53-56 against 48-49 ms; at two vCPUs the
 * helper won, 125 against 133-141 ms; /tmp/h1-style runs in a cgroup quota on this machine,
 * 2026-12-08). Under LMI every image gets one thread: invocations already fill the vCPUs.
 *
 * @example
 * ```ts
 * sharpThreads({ memoryMb: 1769 }, 2); // 1: the helper steps aside at one vCPU
 * sharpThreads({ memoryMb: 3538 }, 2); // 2
 * ```
 */
export function sharpThreads(runtime: LambdaRuntime, cpus = availableParallelism()): number {
  if (runtime.maxConcurrency !== undefined) return 1;
  if (runtime.memoryMb === undefined) return cpus;
  return Math.max(1, Math.min(cpus, Math.round(runtime.memoryMb / MB_PER_VCPU)));
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
  return {
    ...(env.AWS_LAMBDA_MAX_CONCURRENCY === undefined
      ? {}
      : {
          maxConcurrency: integer(env, 'AWS_LAMBDA_MAX_CONCURRENCY', 1, 1, Number.MAX_SAFE_INTEGER),
        }),
    ...(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === undefined
      ? {}
      : { memoryMb: integer(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 128, 128, 32_768) }),
  };
}

/**
 * Sets up an execution environment (under LMI: one runtime worker thread) from `env`.
 * Handlers call it at module scope, so it runs once, during init.
 *
 * Each image gets the threads its CPU share pays for (`sharpThreads`): one at one vCPU, where
 * the core's helper thread would only compete with it, and one under LMI, where invocations
 * already fill the environment's vCPUs and every runtime worker would start a helper.
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
  configureSharp({ concurrency: sharpThreads(runtime) });
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
