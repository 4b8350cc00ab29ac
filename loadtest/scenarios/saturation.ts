/**
 * Saturation: rates stepped up geometrically until p99 passes the bound or answers fail; the
 * last good step is the rate the variant holds, the first bad one shows what it answers past
 * it (429 throttles, 503 with Retry-After, timeouts).
 */

import type { PhaseResult, SaturationResult } from '../results';
import { percentile } from '../stats';
import type { Target, VariantEndpoint } from '../target';
import type { Workload } from './request';
import { runPhase } from './steady';

/**
 * Whether a step held: every answer a 2xx, no timeouts, p99 of all answers under the bound.
 *
 * @example
 * ```ts
 * held(phase, 1000); // true when p99 < 1000 ms and nothing failed
 * ```
 */
export function held(phase: PhaseResult, p99BoundMs: number): boolean {
  const ok = phase.samples.filter((s) => s.status >= 200 && s.status < 300).length;
  const latencies = phase.samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  return (
    phase.samples.length > 0 &&
    ok === phase.samples.length &&
    phase.timeouts === 0 &&
    phase.errors === 0 &&
    percentile(latencies, 99) < p99BoundMs
  );
}

/**
 * Steps the rate up from `startRate` by `factor` up to `maxRate`.
 *
 * @example
 * ```ts
 * const s = await saturation(target, variant, workload, { startRate: 2, factor: 2, maxRate: 64, stepS: 10, p99BoundMs: 2000 });
 * s.heldRatePerS;
 * ```
 */
export async function saturation(
  target: Target,
  variant: VariantEndpoint,
  workload: Workload,
  options: {
    readonly startRate: number;
    readonly factor: number;
    readonly maxRate: number;
    readonly stepS: number;
    readonly p99BoundMs: number;
    readonly onResponse?: (phase: string, requests: number) => void;
  },
): Promise<SaturationResult> {
  const steps: PhaseResult[] = [];
  let heldStep: PhaseResult | undefined;
  let pastIt: SaturationResult['pastIt'] = null;
  for (
    let rate = options.startRate;
    rate <= options.maxRate;
    rate = Math.ceil(rate * options.factor)
  ) {
    const phase = `saturation ${rate}/s`;
    const step = await runPhase(target, variant, workload, {
      phase,
      kind: 'saturation',
      ratePerS: rate,
      durationS: options.stepS,
      onResponse: (n) => options.onResponse?.(phase, n),
    });
    steps.push(step);
    if (held(step, options.p99BoundMs)) {
      heldStep = step;
      continue;
    }
    pastIt = {
      ratePerS: rate,
      statusCounts: step.statusCounts,
      timeouts: step.timeouts,
      retryAfter: [...new Set(step.samples.flatMap((s) => (s.retryAfter ? [s.retryAfter] : [])))],
      p99: percentile(
        step.samples.map((s) => s.latencyMs).sort((a, b) => a - b),
        99,
      ),
    };
    break;
  }
  const ok = heldStep?.samples.filter((s) => s.status >= 200 && s.status < 300).length ?? 0;
  return {
    variant: variant.name,
    p99BoundMs: options.p99BoundMs,
    heldRatePerS: heldStep?.targetRatePerS ?? null,
    heldThroughputPerS: heldStep ? ok / heldStep.durationS : null,
    pastIt,
    steps,
  };
}
