/**
 * The one way load is made: autocannon (HDR histograms, fixed arrival rates through
 * `overallRate`, one request per connection for a burst), plus a record of every response's
 * status, latency and `x-cold-start` header, which autocannon's summary does not keep and the
 * cold-start and latency-over-time figures need. No hand-written request loop. It runs in the
 * load generator's own process (load-worker.ts, started by load.ts), not in the load test's.
 */
import type { EventEmitter } from 'node:events';
import type { Sample } from '../results';

export type { Sample };

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonOptions {
  url: string;
  method?: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  connections?: number;
  amount?: number;
  duration?: number;
  overallRate?: number;
  timeout?: number;
  pipelining?: number;
  ignoreCoordinatedOmission?: boolean;
  sampleInt?: number;
  setupClient?: (client: EventEmitter) => void;
}
interface AutocannonHistogram {
  readonly mean: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}
interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly statusCodeStats: Record<string, { count: number }>;
  readonly latency: AutocannonHistogram;
  readonly requests: AutocannonHistogram & { readonly sent: number };
}
interface AutocannonInstance extends EventEmitter {
  stop(): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

// autocannon is CommonJS and ships no type declarations: typed by the interfaces above.
const autocannon: Autocannon = require('autocannon');

/** What to send: plain data, so it crosses to the load generator's process. */
export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  /** Open connections; each carries one request at a time. */
  readonly connections: number;
  /** Stop after this many requests (a burst: `connections: N, amount: N`). */
  readonly amount?: number;
  /** Stop after this many seconds. */
  readonly durationS?: number;
  /** A fixed arrival rate across all connections, requests per second. */
  readonly ratePerS?: number;
  /** Seconds before a request counts as timed out. */
  readonly timeoutS: number;
}

export interface LoadResult {
  readonly samples: readonly Sample[];
  /** Requests autocannon sent. */
  readonly sent: number;
  readonly timeouts: number;
  /** Connection errors and timeouts, as autocannon counts them. */
  readonly errors: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Wall time of the run in seconds. */
  readonly durationS: number;
  /** autocannon's own latency histogram (2xx responses only, ms). */
  readonly histogram: { p50: number; p90: number; p99: number; max: number; mean: number };
}

function headerValue(raw: unknown, name: string): string | undefined {
  // llhttp hands headers over as a flat [name, value, name, value, …] list.
  if (!Array.isArray(raw)) return undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === name) return String(raw[i + 1]);
  }
  return undefined;
}

/**
 * Runs one load with autocannon and keeps every response.
 *
 * @example
 * ```ts
 * // 5 req/s for 10 s over 4 connections
 * const r = await runAutocannon({ url: `${url}/health`, connections: 4, ratePerS: 5, durationS: 10, timeoutS: 30 });
 * r.samples.length; // about 50
 * ```
 */
export function runAutocannon(
  options: LoadOptions,
  onResponse?: (requestsSoFar: number) => void,
): Promise<LoadResult> {
  const samples: Sample[] = [];
  const started = performance.now();
  const lastHeaders = new WeakMap<object, unknown>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        ...(options.body === undefined ? {} : { body: options.body }),
        headers: options.headers ?? {},
        connections: options.connections,
        pipelining: 1,
        timeout: options.timeoutS,
        // autocannon ends a run only on its next sample tick (every 1000 ms by default), so a
        // one-request run took a second: 100 ms ends it promptly. Its per-sample request and
        // throughput histograms are not used here; latencies and our own samples are per answer.
        sampleInt: 100,
        ...(options.amount === undefined ? {} : { amount: options.amount }),
        ...(options.durationS === undefined ? {} : { duration: options.durationS }),
        // With a rate, autocannon 9 corrects for coordinated omission with an expected interval
        // of ceil(1 / rate) = 1 ms, back-filling the histogram with every value from the
        // latency down to 1 ms (a 40 ms answer read as p50 ≈ 20 ms). Record what was measured.
        ...(options.ratePerS === undefined
          ? {}
          : { overallRate: options.ratePerS, ignoreCoordinatedOmission: true }),
        setupClient: (client) => {
          client.on('headers', (parsed: { headers?: unknown }) => {
            lastHeaders.set(client, parsed.headers);
          });
        },
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const statusCounts: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
          statusCounts[code] = count;
        }
        resolve({
          samples,
          sent: result.requests.sent,
          timeouts: result.timeouts,
          errors: result.errors,
          statusCounts,
          durationS: (performance.now() - started) / 1000,
          histogram: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
            mean: result.latency.mean,
          },
        });
      },
    );
    instance.on('response', (client: object, status: number, _bytes: number, latency: number) => {
      // One request at a time per connection, so the last headers are this response's.
      const headers = lastHeaders.get(client);
      const cold = headerValue(headers, 'x-cold-start');
      const retryAfter = headerValue(headers, 'retry-after');
      samples.push({
        endMs: performance.now() - started,
        latencyMs: latency,
        status,
        ...(cold === undefined ? {} : { coldHeader: cold === 'true' }),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
      onResponse?.(samples.length);
    });
  });
}
