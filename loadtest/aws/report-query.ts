/**
 * REPORT lines from CloudWatch Logs Insights, re-queried until they cover the requests sent.
 *
 * Lambda writes a REPORT line after each invocation; CloudWatch Logs ingests it within seconds
 * and Insights indexes it a little later, so one query soon after a burst can miss some. A
 * query is started (StartQuery), polled (GetQueryResults: `Scheduled` and `Running` mean ask
 * again, `Complete` is final, `Failed`, `Cancelled`, `Timeout` and `Unknown` are failures;
 * CloudWatch Logs API reference, GetQueryResults,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html,
 * read 2026-12), and started again until it returns as many REPORT lines as requests were sent,
 * or a deadline passes, which the result says.
 */
import {
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { type InsightsRow, parseInsightsRow, type Report } from '../../local-cloud/report-log';
import { type AwsClients, ServerClock } from './clients';

/**
 * Logs Insights query for REPORT events. Insights discovers these fields in Lambda's REPORT
 * lines; `@status` is there only for an invocation that timed out or failed in the runtime
 * (`timeout`, `error`), which the report flags.
 *
 * @example
 * ```ts
 * REPORT_QUERY; // 'filter @type = "REPORT" | fields @timestamp, @requestId, …, @status | …'
 * ```
 */
export const REPORT_QUERY =
  'filter @type = "REPORT" | fields @timestamp, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration, @status | sort @timestamp asc | limit 10000';

/**
 * StartQuery input for a log group's REPORT lines between two instants of AWS's clock
 * (Insights takes seconds).
 *
 * @example
 * ```ts
 * startQueryInput('/aws/lambda/cartoon-compute-dev-api', 1_764_000_000_000, 1_764_000_060_000);
 * ```
 */
export function startQueryInput(logGroupName: string, fromMs: number, toMs: number) {
  return {
    logGroupName,
    startTime: Math.floor(fromMs / 1000),
    // Insights' end is inclusive to the second; round up so the last REPORT is inside.
    endTime: Math.ceil(toMs / 1000),
    queryString: REPORT_QUERY,
    limit: 10_000,
  };
}

/**
 * The REPORT figures of a finished query.
 *
 * @example
 * ```ts
 * reportsFromQueryResults(await logs.send(new GetQueryResultsCommand({ queryId })));
 * ```
 */
export function reportsFromQueryResults(
  output: Pick<GetQueryResultsCommandOutput, 'results'>,
): Report[] {
  return (output.results ?? []).flatMap((row) => {
    const report = parseInsightsRow(
      row.map((f) => ({ field: f.field ?? '', value: f.value ?? '' })) as InsightsRow,
    );
    return report ? [report] : [];
  });
}

export interface QueryTiming {
  /** Between two GetQueryResults of one query. */
  readonly pollMs: number;
  /** Between two queries while the rows do not cover the requests yet. */
  readonly requeryMs: number;
  /** Give up re-querying after this long; the result says how many were found. */
  readonly deadlineMs: number;
}

/** Ingestion takes seconds, indexing a little more: a few minutes is generous. */
export const QUERY_TIMING: QueryTiming = { pollMs: 1_000, requeryMs: 5_000, deadlineMs: 180_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one query to completion.
 *
 * @example
 * ```ts
 * const reports = await runReportQuery(clients, startQueryInput(group, from, to), QUERY_TIMING);
 * ```
 * @throws when the query fails, is cancelled or times out, naming its id and status.
 */
export async function runReportQuery(
  clients: Pick<AwsClients, 'logs'>,
  input: ReturnType<typeof startQueryInput>,
  timing: QueryTiming,
): Promise<Report[]> {
  const { queryId } = await clients.logs.send(new StartQueryCommand(input));
  if (!queryId) throw new Error(`StartQuery on ${input.logGroupName} returned no query id`);
  const deadline = Date.now() + timing.deadlineMs;
  for (;;) {
    const out = await clients.logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status === 'Complete') return reportsFromQueryResults(out);
    if (out.status !== 'Scheduled' && out.status !== 'Running') {
      throw new Error(
        `Logs Insights query ${queryId} on ${input.logGroupName} ended ${out.status ?? 'without a status'}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Logs Insights query ${queryId} still ${out.status} after ${timing.deadlineMs / 1000} s`,
      );
    }
    await sleep(timing.pollMs);
  }
}

export interface CoveredReports {
  readonly reports: Report[];
  /** How many queries it took. */
  readonly queries: number;
  /** Whether the rows covered the expected count before the deadline. */
  readonly covered: boolean;
}

/**
 * Queries the log group's REPORT lines from `fromMs` to AWS's now, again and again, until at
 * least `expected` are found or the deadline passes. Without an expectation it stops when two
 * queries `requeryMs` apart agree.
 *
 * @example
 * ```ts
 * const { reports, covered } = await reportsCovering(clients, group, mark, 13, QUERY_TIMING);
 * ```
 */
export async function reportsCovering(
  clients: Pick<AwsClients, 'logs' | 'clock'>,
  logGroupName: string,
  fromMs: number,
  expected: number | undefined,
  timing: QueryTiming,
): Promise<CoveredReports> {
  const deadline = Date.now() + timing.deadlineMs;
  let queries = 0;
  let previous = -1;
  for (;;) {
    // Each query ends at AWS's now (plus the clock's margin), so late lines are inside.
    const to = clients.clock.now() + ServerClock.MARGIN_MS;
    const reports = await runReportQuery(
      clients,
      startQueryInput(logGroupName, fromMs, to),
      timing,
    );
    queries++;
    const enough =
      expected === undefined ? reports.length === previous : reports.length >= expected;
    if (enough) return { reports, queries, covered: true };
    if (Date.now() + timing.requeryMs > deadline) return { reports, queries, covered: false };
    previous = reports.length;
    await sleep(timing.requeryMs);
  }
}
