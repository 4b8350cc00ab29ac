import { Logger } from '@aws-lambda-powertools/logger';

/** The deployments of the same core; every log line says which one wrote it. */
export const VARIANTS = [
  'lambda-zip',
  'lambda-image',
  'fargate',
  'managed-instances',
  'local',
] as const;
export type Variant = (typeof VARIANTS)[number];

type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'CRITICAL' | 'TRACE';

export interface LoggerOptions {
  /** Service name in every line; Powertools falls back to POWERTOOLS_SERVICE_NAME. */
  readonly serviceName?: string;
  readonly variant: Variant;
  /** Powertools falls back to POWERTOOLS_LOG_LEVEL, then INFO. */
  readonly logLevel?: LogLevel;
}

/**
 * The one Powertools Logger factory every adapter uses, so that each variant's structured
 * logs have the same keys (`service`, `variant`, and `cold_start` and the request id once a
 * Lambda adapter adds its context).
 *
 * @example
 * ```ts
 * const logger = createLogger({ serviceName: 'cartoon-compute', variant: 'lambda-zip' });
 * logger.info('cartoon done', { style: 'comic', ms: 92 });
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  return new Logger({
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    persistentKeys: { variant: options.variant },
  });
}
