/**
 * Lambda's platform log lines (START, END, REPORT), written by the local emulator and read
 * back from local log files and from CloudWatch Logs Insights results, so the load tests
 * compare local and AWS figures through one parser.
 *
 * The format is Lambda's text log format for the platform lines (AWS Lambda developer guide,
 * "Using CloudWatch Logs with Lambda", 2026-11): tab-separated fields, durations in ms with two
 * decimals, billed duration and memory as integers, `Init Duration` only on a cold start,
 * `Status: timeout` / `Status: error` when the invocation did not end normally.
 */

/** The figures one REPORT line carries. */
export interface Report {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on the first invocation of an on-demand environment (a cold start). */
  readonly initDurationMs?: number;
  /** `timeout` or `error` when the environment did not finish normally. */
  readonly status?: string;
  readonly errorType?: string;
}

/**
 * `START RequestId: <id> Version: $LATEST`
 *
 * @example
 * ```ts
 * formatStart('8f5…'); // 'START RequestId: 8f5… Version: $LATEST'
 * ```
 */
export function formatStart(requestId: string, version = '$LATEST'): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

/**
 * `END RequestId: <id>`
 *
 * @example
 * ```ts
 * formatEnd('8f5…'); // 'END RequestId: 8f5…'
 * ```
 */
export function formatEnd(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/**
 * A REPORT line exactly as Lambda writes it.
 *
 * @example
 * ```ts
 * formatReport({ requestId: 'r1', durationMs: 12.345, billedDurationMs: 13, memorySizeMb: 1769,
 *   maxMemoryUsedMb: 87, initDurationMs: 234.56 });
 * // 'REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 1769 MB\t…'
 * ```
 */
export function formatReport(report: Report): string {
  const fields = [
    `REPORT RequestId: ${report.requestId}`,
    `Duration: ${report.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.round(report.billedDurationMs)} ms`,
    `Memory Size: ${report.memorySizeMb} MB`,
    `Max Memory Used: ${Math.round(report.maxMemoryUsedMb)} MB`,
  ];
  if (report.initDurationMs !== undefined) {
    fields.push(`Init Duration: ${report.initDurationMs.toFixed(2)} ms`);
  }
  if (report.status !== undefined) fields.push(`Status: ${report.status}`);
  if (report.errorType !== undefined) fields.push(`Error Type: ${report.errorType}`);
  // Lambda ends the REPORT line with a tab before the newline.
  return `${fields.join('\t')}\t`;
}

const REPORT_FIELDS: Record<string, keyof Report> = {
  Duration: 'durationMs',
  'Billed Duration': 'billedDurationMs',
  'Memory Size': 'memorySizeMb',
  'Max Memory Used': 'maxMemoryUsedMb',
  'Init Duration': 'initDurationMs',
  Status: 'status',
  'Error Type': 'errorType',
};

/**
 * Reads one REPORT line (from a local log file or a CloudWatch `@message`); undefined for any
 * other line.
 *
 * @example
 * ```ts
 * parseReportLine('REPORT RequestId: r1\tDuration: 1.00 ms\t…')?.durationMs; // 1
 * ```
 */
export function parseReportLine(line: string): Report | undefined {
  const match = /^REPORT RequestId: (\S+)\s*\t(.*)$/.exec(line.trimEnd());
  if (!match?.[1] || match[2] === undefined) return undefined;
  const report: Record<string, string | number> = { requestId: match[1] };
  for (const field of match[2].split('\t')) {
    const colon = field.indexOf(':');
    if (colon < 0) continue;
    const key = REPORT_FIELDS[field.slice(0, colon).trim()];
    if (key === undefined) continue;
    const value = field.slice(colon + 1).trim();
    report[key] = key === 'status' || key === 'errorType' ? value : Number.parseFloat(value);
  }
  if (typeof report.durationMs !== 'number' || typeof report.memorySizeMb !== 'number') {
    return undefined;
  }
  return report as unknown as Report;
}

/**
 * Every REPORT of a log (a file's text, or the lines of a CloudWatch export).
 *
 * @example
 * ```ts
 * const reports = parseReports(readFileSync('.local-cloud/logs/cartoon-compute-dev-api.log', 'utf8'));
 * ```
 */
export function parseReports(text: string): Report[] {
  return text
    .split('\n')
    .map(parseReportLine)
    .filter((r): r is Report => r !== undefined);
}

/** One row of a Logs Insights result: `[{ field: '@duration', value: '12.3' }, …]`. */
export type InsightsRow = readonly { readonly field: string; readonly value: string }[];

/**
 * Reads a Logs Insights row of a REPORT event (Insights discovers `@requestId`, `@duration`,
 * `@billedDuration`, `@memorySize`, `@maxMemoryUsed` (bytes), `@initDuration` itself, or a
 * bare `@message` holding the line); undefined when the row is not a REPORT.
 *
 * @example
 * ```ts
 * const { results } = await logs.send(new GetQueryResultsCommand({ queryId }));
 * const reports = (results ?? []).map((row) => parseInsightsRow(row as InsightsRow));
 * ```
 */
export function parseInsightsRow(row: InsightsRow): Report | undefined {
  const get = (name: string): string | undefined => row.find((f) => f.field === name)?.value;
  const duration = get('@duration');
  if (duration === undefined) {
    const message = get('@message');
    return message === undefined ? undefined : parseReportLine(message);
  }
  const init = get('@initDuration');
  const bytes = Number(get('@maxMemoryUsed') ?? 0);
  const memorySize = Number(get('@memorySize') ?? 0);
  const status = get('@status');
  return {
    requestId: get('@requestId') ?? '',
    durationMs: Number(duration),
    billedDurationMs: Number(get('@billedDuration') ?? 0),
    // Insights reports memory in bytes (decimal MB: 1769 MB is 1,769,000,000).
    memorySizeMb: Math.round(memorySize / 1_000_000),
    maxMemoryUsedMb: Math.round(bytes / 1_000_000),
    ...(init === undefined || init === '' ? {} : { initDurationMs: Number(init) }),
    ...(status === undefined || status === '' ? {} : { status }),
  };
}
