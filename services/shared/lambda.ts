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
import { readConfig, type ServiceConfig } from './config';

export interface Environment {
  readonly config: ServiceConfig;
  readonly logger: Logger;
}

/**
 * Sets up an execution environment from `env`. Handlers call it at module scope, so it runs
 * once, during the environment's init phase.
 *
 * @example
 * ```ts
 * const { config, logger } = environment(process.env);
 * ```
 */
export function environment(env: NodeJS.ProcessEnv): Environment {
  const config = readConfig(env);
  configureSharp();
  return { config, logger: createLogger({ variant: config.variant }) };
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
