/**
 * What every Lambda function of a variant shares: configuration read once, clients created
 * once per execution environment (they survive warm starts), one logger, one middleware
 * order.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { configureSharp, createLogger } from '@cartoon-compute/core';
import { createS3Client, S3ImageStore } from '@cartoon-compute/core/s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readConfig, type ServiceConfig } from './config';

export interface Environment {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly client: ReturnType<typeof createS3Client>;
  readonly store: S3ImageStore;
}

/**
 * Sets up an execution environment from `env`. Handlers call it at module scope, so it runs
 * once, during the environment's init phase.
 *
 * @example
 * ```ts
 * const { config, store, logger } = environment(process.env);
 * ```
 */
export function environment(env: NodeJS.ProcessEnv): Environment {
  const config = readConfig(env);
  configureSharp();
  const logger = createLogger({ variant: config.variant });
  const client = createS3Client({
    ...(config.region ? { region: config.region } : {}),
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
  });
  return { config, logger, client, store: new S3ImageStore({ client, bucket: config.bucket }) };
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
