/**
 * Steady phases at fixed arrival rates (autocannon's `overallRate`), then a ramp: the rate
 * stepped up phase by phase. Each phase keeps its samples (latency over time), autocannon's
 * histogram, status counts (429 = throttled) and the REPORT lines written meanwhile.
 */
import type { PhaseResult } from '../results';
import type { Target, VariantEndpoint } from '../target';
import { requestFor, type Workload } from './request';

/**
 * Connections for a fixed rate: enough that slow answers do not hold the rate back, bounded so
 * a 2-core machine is not drowned in sockets.
 *
 * @example
 * ```ts
 * connectionsFor(20); // 16
 * ```
 */
export function connectionsFor(ratePerS: number): number {
  return Math.max(1, Math.min(16, Math.ceil(ratePerS)));
}

/**
 * One phase at a fixed rate.
 *
 * @example
 * ```ts
 * const phase = await runPhase(target, variant, workload, { phase: 'steady 5/s', kind: 'steady', ratePerS: 5, durationS: 10 });
 * ```
 */
export async function runPhase(
  target: Target,
  variant: VariantEndpoint,
  workload: Workload,
  p: {
    readonly phase: string;
    readonly kind: PhaseResult['kind'];
    readonly ratePerS: number;
    readonly durationS: number;
    readonly onResponse?: (requests: number) => void;
    /** Which repetition of the scenario (--repeat), from 1. */
    readonly run?: number;
  },
): Promise<PhaseResult> {
  const mark = await target.markLogs(variant.name);
  const result = await workload.generator.run(
    {
      ...requestFor(variant, workload),
      connections: connectionsFor(p.ratePerS),
      ratePerS: p.ratePerS,
      durationS: p.durationS,
    },
    p.onResponse,
  );
  return {
    variant: variant.name,
    run: p.run ?? 1,
    phase: p.phase,
    kind: p.kind,
    targetRatePerS: p.ratePerS,
    durationS: result.durationS,
    sent: result.sent,
    timeouts: result.timeouts,
    errors: result.errors,
    statusCounts: result.statusCounts,
    samples: result.samples,
    histogram: result.histogram,
    reports: await target.reportsSince(variant.name, mark),
  };
}

/**
 * The steady phases, then the ramp from the first rate to the last in `rampSteps` steps.
 *
 * @example
 * ```ts
 * const phases = await steady(target, variant, workload, { rates: [1, 5, 20], durationS: 30, rampSteps: 4, rampStepS: 10 });
 * ```
 */
export async function steady(
  target: Target,
  variant: VariantEndpoint,
  workload: Workload,
  options: {
    readonly rates: readonly number[];
    readonly durationS: number;
    readonly rampSteps: number;
    readonly rampStepS: number;
    readonly onResponse?: (phase: string, requests: number) => void;
    readonly run?: number;
  },
): Promise<PhaseResult[]> {
  const phases: PhaseResult[] = [];
  // A short sequential warm-up, not recorded: the steady phases measure warm environments,
  // the cold burst measures cold ones.
  await workload.generator.run({ ...requestFor(variant, workload), connections: 1, amount: 2 });
  for (const rate of options.rates) {
    const phase = `steady ${rate}/s`;
    phases.push(
      await runPhase(target, variant, workload, {
        phase,
        kind: 'steady',
        ratePerS: rate,
        durationS: options.durationS,
        onResponse: (n) => options.onResponse?.(phase, n),
        run: options.run ?? 1,
      }),
    );
  }
  const from = Math.min(...options.rates);
  const to = Math.max(...options.rates);
  for (let i = 0; i < options.rampSteps; i++) {
    const rate =
      options.rampSteps === 1 ? to : Math.round(from + ((to - from) * i) / (options.rampSteps - 1));
    const phase = `ramp ${i + 1}/${options.rampSteps} (${rate}/s)`;
    phases.push(
      await runPhase(target, variant, workload, {
        phase,
        kind: 'ramp',
        ratePerS: Math.max(1, rate),
        durationS: options.rampStepS,
        onResponse: (n) => options.onResponse?.(phase, n),
        run: options.run ?? 1,
      }),
    );
  }
  return phases;
}
