/**
 * Cold starts one at a time, the cold scenario's headline: before each cold request every
 * environment of the variant is gone (reaped locally, a new configuration on AWS), so exactly
 * one environment starts, alone, as a real first request after a quiet spell would. Each cold
 * request is followed by a few sequential warm ones of the same request on that environment,
 * so cold minus warm is the penalty of that start. Started n times; the report shows the
 * median with min–max.
 */

import type { Report } from '../../local-cloud/report-log';
import type { ColdBurstResult, Sample } from '../results';
import type { Target, VariantEndpoint } from '../target';
import { requestFor, type Workload } from './request';

export interface ColdSingleOptions {
  /** Cold starts, one after the other. */
  readonly starts: number;
  /** Sequential warm requests after each cold one. */
  readonly warm: number;
  readonly run?: number;
  readonly onResponse?: (phase: string, requests: number) => void;
}

/**
 * Starts the variant cold `starts` times, one environment at a time.
 *
 * @example
 * ```ts
 * const r = await coldSingles(target, variant, workload, { starts: 5, warm: 3 });
 * r.samples.length; // 5 cold answers
 * ```
 */
export async function coldSingles(
  target: Target,
  variant: VariantEndpoint,
  workload: Workload,
  options: ColdSingleOptions,
): Promise<ColdBurstResult> {
  const request = requestFor(variant, workload);
  const samples: Sample[] = [];
  const warmSamples: Sample[] = [];
  const reports: Report[] = [];
  const hows = new Set<string>();
  let allCold = true;
  for (let i = 1; i <= options.starts; i++) {
    options.onResponse?.(`${variant.name} making cold (${i}/${options.starts})`, samples.length);
    const prepared = await target.makeCold(variant.name);
    allCold &&= prepared.cold;
    hows.add(prepared.how);
    const mark = await target.markLogs(variant.name);
    const cold = await workload.generator.run({ ...request, connections: 1, amount: 1 });
    samples.push(...cold.samples);
    options.onResponse?.(`${variant.name} single cold starts`, samples.length);
    if (options.warm > 0) {
      const warm = await workload.generator.run({
        ...request,
        connections: 1,
        amount: options.warm,
      });
      warmSamples.push(...warm.samples);
    }
    reports.push(...(await target.reportsSince(variant.name, mark)));
  }
  return {
    variant: variant.name,
    kind: 'single',
    run: options.run ?? 1,
    n: options.starts,
    prepared: { cold: allCold, how: [...hows].join('; ') },
    samples,
    warmSamples,
    reports,
  };
}
