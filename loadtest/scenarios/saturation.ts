/**
 * Saturation: rates stepped up geometrically until p99 passes the bound or answers fail; the
 * last good step is the rate the variant holds, the first bad one shows what it answers past
 * it (429 throttles, 503 with Retry-After, timeouts).
 */

import { phaseSummary } from '../report-json';
import type { PhaseResult, SaturationResult } from '../results';
import type { Target, VariantEndpoint } from '../target';
import type { Workload } from './request';
import { runPhase } from './steady';

/**
 * Answers a step must deliver, as a share of its target rate: autocannon sends each second's
 * share at the start of that second and a run ends with some in flight, so a step that keeps
 * up still answers a little under its rate; one that falls behind answers far less (8/s asked,
 * 3/s answered, the rest still queued when the step ended and never counted).
 */
export const KEEP_UP = 0.8;

/**
 * Whether a step held: every answer a 2xx, no timeouts, p99 of all answers under the bound,
 * and answers coming as fast as the rate asked (at least `KEEP_UP` of it).
 *
 * @example
 * ```ts
 * held(phase, 1000); // true when p99 < 1000 ms, nothing failed and the rate was kept up
 * ```
 */
export function held(phase: PhaseResult, p99BoundMs: number): boolean {
  // The report's own figures: a step the report shows as clean is the step that held.
  const s = phaseSummary(phase);
  return (
    s.answered > 0 &&
    s.ok === s.answered &&
    s.timeouts === 0 &&
    s.errors === 0 &&
    s.latency.p99 < p99BoundMs &&
    s.throughputPerS >= KEEP_UP * phase.targetRatePerS
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
    readonly run?: number;
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
      run: options.run ?? 1,
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
      p99: phaseSummary(step).latency.p99,
    };
    break;
  }
  return {
    variant: variant.name,
    run: options.run ?? 1,
    p99BoundMs: options.p99BoundMs,
    heldRatePerS: heldStep?.targetRatePerS ?? null,
    heldThroughputPerS: heldStep ? phaseSummary(heldStep).throughputPerS : null,
    pastIt,
    steps,
  };
}
