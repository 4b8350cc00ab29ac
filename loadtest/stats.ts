/**
 * Percentiles and summaries of latency samples. Nearest-rank percentiles, the definition HDR
 * histograms (autocannon's) and CloudWatch use, so a figure computed here from raw samples and
 * one read from autocannon's histogram mean the same thing.
 */

/** The figures every latency table shows. */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least
 * p% of the samples at or below it. NaN for no samples.
 *
 * @example
 * ```ts
 * percentile([10, 20, 30, 40], 50); // 20 (rank ceil(0.5 × 4) = 2)
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] ?? Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

/**
 * Count, min, mean, p50, p90, p99 and max of some samples (in any order).
 *
 * @example
 * ```ts
 * summarize([3, 1, 2]).p50; // 2
 * ```
 */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? Number.NaN : sorted.reduce((a, b) => a + b, 0) / count;
  return {
    count,
    min: sorted[0] ?? Number.NaN,
    mean,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[count - 1] ?? Number.NaN,
  };
}

/**
 * The median, for the ratios the goals are stated in.
 *
 * @example
 * ```ts
 * median([5, 1, 9]); // 5
 * ```
 */
export function median(values: readonly number[]): number {
  return summarize(values).p50;
}

/** One bucket of a time series: requests completed in [startS, startS + 1). */
export interface SecondBucket {
  readonly second: number;
  readonly requests: number;
  readonly p50: number;
  readonly max: number;
  readonly errors: number;
}

/**
 * Per-second buckets of completed requests, by completion time relative to the phase start,
 * for the latency-over-time charts.
 *
 * @example
 * ```ts
 * perSecond([{ endMs: 100, latencyMs: 5, ok: true }, { endMs: 1500, latencyMs: 7, ok: false }]);
 * // [{ second: 0, requests: 1, p50: 5, max: 5, errors: 0 }, { second: 1, requests: 1, p50: 7, max: 7, errors: 1 }]
 * ```
 */
export function perSecond(
  samples: readonly { readonly endMs: number; readonly latencyMs: number; readonly ok: boolean }[],
): SecondBucket[] {
  const buckets = new Map<number, { latencies: number[]; errors: number }>();
  for (const s of samples) {
    const second = Math.max(0, Math.floor(s.endMs / 1000));
    const bucket = buckets.get(second) ?? { latencies: [], errors: 0 };
    bucket.latencies.push(s.latencyMs);
    if (!s.ok) bucket.errors += 1;
    buckets.set(second, bucket);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, b]) => {
      const summary = summarize(b.latencies);
      return {
        second,
        requests: summary.count,
        p50: summary.p50,
        max: summary.max,
        errors: b.errors,
      };
    });
}

/**
 * Rounds for display and JSON: two decimals, NaN kept as null by JSON itself.
 *
 * @example
 * ```ts
 * round2(1.23456); // 1.23
 * ```
 */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
