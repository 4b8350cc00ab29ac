/**
 * The platform's log records of a Lambda Managed Instances function, as the local cloud writes
 * them. LMI forces the JSON log format (AWS Lambda developer guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html,
 * read 2026-12), and in JSON format Lambda writes its platform lines as JSON objects
 * `{"time","type","record"}` with the Telemetry API's event types (`platform.start`,
 * `platform.report`, `platform.initReport`;
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html).
 *
 * AWS documents no example of an LMI `platform.report`. The fields here are those of AWS's own
 * LMI emulator (aws/aws-lambda-runtime-interface-emulator,
 * internal/lambda-managed-instances/interop/events_api.go `ReportData`, read 2026-12):
 * `requestId`, `status`, `metrics.durationMs` (three decimals), `errorType` when it failed; no
 * billed duration (LMI charges none), no memory, no init duration (init happens before
 * traffic). A choice, said in the README.
 */

/** What one LMI `platform.report` says. */
export interface LmiReport {
  readonly requestId: string;
  readonly durationMs: number;
  /** `success`, `error` or `timeout`. */
  readonly status: string;
  readonly errorType?: string;
}

function record(type: string, body: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), type, record: body });
}

/**
 * `{"time":…,"type":"platform.start","record":{"requestId":…,"version":…}}`
 *
 * @example
 * ```ts
 * platformStart('8f5…', '$LATEST', 'arn:aws:lambda:…:function:api');
 * ```
 */
export function platformStart(requestId: string, version: string, functionArn: string): string {
  return record('platform.start', { requestId, version, functionArn });
}

/**
 * `{"time":…,"type":"platform.report","record":{"requestId":…,"status":…,"metrics":{"durationMs":…}}}`
 *
 * @example
 * ```ts
 * platformReport({ requestId: 'r1', durationMs: 12.3456, status: 'success' });
 * // …"metrics":{"durationMs":12.346}…
 * ```
 */
export function platformReport(report: LmiReport): string {
  return record('platform.report', {
    requestId: report.requestId,
    status: report.status,
    metrics: { durationMs: Number(report.durationMs.toFixed(3)) },
    ...(report.errorType === undefined ? {} : { errorType: report.errorType }),
  });
}

/**
 * The environment's init, once, before it takes traffic (the Telemetry API's
 * `platform.initReport`, phase `init`).
 *
 * @example
 * ```ts
 * platformInitReport(812.5, 'success');
 * ```
 */
export function platformInitReport(durationMs: number, status: string, errorType?: string): string {
  return record('platform.initReport', {
    initializationType: 'lambda-managed-instances',
    phase: 'init',
    status,
    metrics: { durationMs: Number(durationMs.toFixed(3)) },
    ...(errorType === undefined ? {} : { errorType }),
  });
}

/**
 * Reads one `platform.report` line; undefined for any other line.
 *
 * @example
 * ```ts
 * parseLmiReport(line)?.durationMs;
 * ```
 */
export function parseLmiReport(line: string): LmiReport | undefined {
  if (!line.includes('"platform.report"')) return undefined;
  try {
    const parsed = JSON.parse(line) as {
      type?: unknown;
      record?: {
        requestId?: unknown;
        status?: unknown;
        errorType?: unknown;
        metrics?: { durationMs?: unknown };
      };
    };
    const r = parsed.record;
    if (parsed.type !== 'platform.report' || typeof r?.requestId !== 'string') return undefined;
    const durationMs = Number(r.metrics?.durationMs);
    if (!Number.isFinite(durationMs)) return undefined;
    return {
      requestId: r.requestId,
      durationMs,
      status: String(r.status ?? 'success'),
      ...(typeof r.errorType === 'string' ? { errorType: r.errorType } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Every `platform.report` of a log's text.
 *
 * @example
 * ```ts
 * const reports = parseLmiReports(readFileSync('.local-cloud/logs/cartoon-compute-lmi-api.log', 'utf8'));
 * ```
 */
export function parseLmiReports(text: string): LmiReport[] {
  return text
    .split('\n')
    .map(parseLmiReport)
    .filter((r): r is LmiReport => r !== undefined);
}
