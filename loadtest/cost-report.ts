/**
 * The cost model's answers over a range of traffic: the cost curve of each variant, where
 * Fargate becomes cheaper than Lambda (the break-even point, and how the architecture and
 * provisioned concurrency move it), and the report the CLI and the web page's cost panel
 * show. Like `cost-model.ts`, no I/O and no `node:` imports: the browser bundles it too.
 */
import {
  formatCount,
  type MeasuredWhere,
  type VariantCost,
  type VariantName,
  variantCosts,
  type Workload,
} from './cost-model';
import { type Arch, PRICES_CHECKED } from './prices';

export interface CurvePoint {
  readonly requestsPerMonth: number;
  readonly usd: Readonly<Record<VariantName, number>>;
}

/**
 * Monthly cost against monthly requests, log-spaced from 10k to 100M (five points a decade),
 * everything else as in `w`.
 *
 * @example
 * ```ts
 * costCurve(w).length; // 21
 * ```
 */
export function costCurve(w: Workload, from = 1e4, to = 1e8, perDecade = 5): CurvePoint[] {
  const steps = Math.round(Math.log10(to / from) * perDecade);
  return Array.from({ length: steps + 1 }, (_, i) => {
    const requestsPerMonth = Math.round(from * 10 ** (i / perDecade));
    return { requestsPerMonth, usd: usdAt(w, requestsPerMonth) };
  });
}

function usdAt(w: Workload, requestsPerMonth: number): Record<VariantName, number> {
  const at = { ...w, requestsPerMonth };
  return Object.fromEntries(variantCosts(at).map((v) => [v.variant, v.monthlyUsd])) as Record<
    VariantName,
    number
  >;
}

export interface BreakEven {
  /** Monthly requests from which Fargate is cheaper than `lambda`; null when there is none in range. */
  readonly requestsPerMonth: number | null;
  /** The two curve points the crossing lies between. */
  readonly between: readonly [number, number] | null;
  readonly lambda: 'lambda-zip' | 'lambda-image';
  readonly reason: string;
}

/**
 * Where Fargate becomes cheaper than Lambda: the first curve interval where Fargate minus Lambda
 * turns from positive to zero or negative, narrowed by bisection.
 *
 * @example
 * ```ts
 * breakEven(w).requestsPerMonth; // e.g. 1,2xx,xxx
 * ```
 */
export function breakEven(
  w: Workload,
  lambda: 'lambda-zip' | 'lambda-image' = 'lambda-zip',
  curve: readonly CurvePoint[] = costCurve(w),
): BreakEven {
  const gap = (requests: number) => {
    const usd = usdAt(w, requests);
    return usd.fargate - usd[lambda];
  };
  const first = curve[0];
  if (!first) return { requestsPerMonth: null, between: null, lambda, reason: 'empty curve' };
  if (first.usd.fargate - first.usd[lambda] <= 0) {
    return {
      requestsPerMonth: null,
      between: null,
      lambda,
      reason: `Fargate is already cheaper at ${formatCount(first.requestsPerMonth)} requests a month`,
    };
  }
  for (let i = 1; i < curve.length; i++) {
    const low = curve[i - 1];
    const high = curve[i];
    if (!low || !high) continue;
    if (high.usd.fargate - high.usd[lambda] > 0) continue;
    let lo = low.requestsPerMonth;
    let hi = high.requestsPerMonth;
    // Down to the request: gap(hi) <= 0 < gap(hi - 1).
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (gap(mid) > 0) lo = mid;
      else hi = mid;
    }
    return {
      requestsPerMonth: hi,
      between: [low.requestsPerMonth, high.requestsPerMonth],
      lambda,
      reason: `Fargate is cheaper from ${formatCount(hi)} requests a month`,
    };
  }
  const last = curve[curve.length - 1];
  return {
    requestsPerMonth: null,
    between: null,
    lambda,
    reason: `${lambda} stays cheaper up to ${formatCount(last?.requestsPerMonth ?? 0)} requests a month`,
  };
}

export interface BreakEvenScenario {
  readonly scenario: string;
  readonly breakEven: BreakEven;
}

/**
 * The break-even point as given, with the other architecture, and with provisioned concurrency
 * switched (2 environments when none is given, none when some are): how each moves the point.
 *
 * @example
 * ```ts
 * breakEvenScenarios(w).map((s) => [s.scenario, s.breakEven.requestsPerMonth]);
 * ```
 */
export function breakEvenScenarios(
  w: Workload,
  curve: readonly CurvePoint[] = costCurve(w),
): BreakEvenScenario[] {
  const otherArch: Arch = w.arch === 'arm64' ? 'x86_64' : 'arm64';
  const provisioned = w.provisioned > 0 ? 0 : 2;
  return [
    { scenario: 'as given', breakEven: breakEven(w, 'lambda-zip', curve) },
    {
      scenario: `${otherArch} (Lambda and Fargate)`,
      breakEven: breakEven({ ...w, arch: otherArch }),
    },
    {
      scenario: `provisioned concurrency ${provisioned}`,
      breakEven: breakEven({ ...w, provisioned }),
    },
  ];
}

export interface CostReport {
  readonly region: string;
  readonly pricesChecked: string;
  readonly measuredWhere: MeasuredWhere;
  readonly workload: Workload;
  readonly variants: readonly VariantCost[];
  readonly curve: readonly CurvePoint[];
  readonly breakEven: readonly BreakEvenScenario[];
}

/**
 * Everything the CLI's `--json` and the cost panel show: each variant's month, the cost curve
 * and the break-even points.
 *
 * @example
 * ```ts
 * const report = costReport(workload({ requestsPerMonth: 1e6, durationMs: 500, memoryMb: 1769, arch: 'arm64', payloadKb: 300 }));
 * report.variants[0]?.per1000ImagesUsd;
 * ```
 */
export function costReport(w: Workload): CostReport {
  const curve = costCurve(w);
  return {
    region: w.region,
    pricesChecked: PRICES_CHECKED,
    measuredWhere: w.measuredWhere,
    workload: w,
    variants: variantCosts(w),
    curve,
    breakEven: breakEvenScenarios(w, curve),
  };
}
