/**
 * Cold-start burst: N simultaneous first requests against a variant whose environments are
 * all cold, then a few sequential ones on the now-warm environments. A separate figure from
 * the single starts (cold-single.ts), labelled "burst of N on C cores": locally N environments
 * starting together share C cores, so the figure measures that contention as much as the
 * platform. autocannon expresses the burst directly (`connections: N, amount: N`: each
 * connection sends exactly one request, all at once).
 */
import type { ColdBurstResult } from '../results';
import type { Target, VariantEndpoint } from '../target';
import { requestFor, type Workload } from './request';

export interface ColdBurstOptions {
  readonly n: number;
  /** Sequential warm requests after the burst (0: none). */
  readonly warm: number;
  /** The CPUs the cloud runs on, for the label. */
  readonly cores?: number;
  readonly run?: number;
  readonly onResponse?: (phase: string, requests: number) => void;
}

/**
 * Runs the burst on one variant.
 *
 * @example
 * ```ts
 * const result = await coldBurst(target, variant, workload, { n: 5, warm: 5 });
 * result.samples.filter((s) => s.coldHeader).length;
 * ```
 */
export async function coldBurst(
  target: Target,
  variant: VariantEndpoint,
  workload: Workload,
  options: ColdBurstOptions,
): Promise<ColdBurstResult> {
  options.onResponse?.('making cold', 0);
  const prepared = await target.makeCold(variant.name);
  const mark = await target.markLogs(variant.name);
  const request = requestFor(variant, workload);
  const burst = await workload.generator.run(
    { ...request, connections: options.n, amount: options.n },
    (count) => options.onResponse?.('burst', count),
  );
  // autocannon reads amount 0 as "no limit": no warm run at all then.
  const warm =
    options.warm > 0
      ? await workload.generator.run(
          { ...request, connections: 1, amount: options.warm },
          (count) => options.onResponse?.('warm', count),
        )
      : { samples: [] };
  const reports = await target.reportsSince(variant.name, mark);
  return {
    variant: variant.name,
    kind: 'burst',
    run: options.run ?? 1,
    n: options.n,
    ...(options.cores === undefined ? {} : { cores: options.cores }),
    prepared,
    samples: burst.samples,
    warmSamples: warm.samples,
    reports,
  };
}
