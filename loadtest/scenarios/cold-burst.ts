/**
 * Cold-start burst: N simultaneous first requests against a variant whose environments are
 * all cold, then a few sequential ones on the now-warm environments (the same request, so
 * cold minus warm is the cold-start penalty). autocannon expresses the burst directly
 * (`connections: N, amount: N`: each connection sends exactly one request, all at once).
 */
import { runLoad } from '../node/load';
import type { ColdBurstResult } from '../results';
import type { Target, VariantEndpoint } from '../target';
import { requestFor, type Workload } from './request';

export interface ColdBurstOptions {
  readonly n: number;
  readonly warm: number;
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
  const burst = await runLoad({
    ...request,
    connections: options.n,
    amount: options.n,
    onResponse: (count) => options.onResponse?.('burst', count),
  });
  const warm = await runLoad({
    ...request,
    connections: 1,
    amount: options.warm,
    onResponse: (count) => options.onResponse?.('warm', count),
  });
  const reports = await target.reportsSince(variant.name, mark);
  return {
    variant: variant.name,
    n: options.n,
    prepared,
    samples: burst.samples,
    warmSamples: warm.samples,
    reports,
  };
}
