/**
 * report.json: every raw figure of a run plus the summaries, goals and costs derived from
 * them, under a versioned schema. report.md and report.html are both drawn from this object,
 * so the three never disagree.
 */
import type { Report } from '../local-cloud/report-log';
import { VARIANT_NAMES } from '../local-cloud/variants';
import { MB_PER_VCPU, type VariantName, variantCosts, workload } from './cost-model';
import { type CostReport, costReport } from './cost-report';
import { PUBLISHED_COLD_STARTS } from './published';
import type { ColdBurstResult, PhaseResult, RunInput } from './results';
import { median, type Summary, summarize } from './stats';

/** Bumped on any change a reader of report.json must know about. */
export const SCHEMA_VERSION = 1;
/** Requests a month at which each variant's cost is quoted. */
export const COST_AT_REQUESTS = 1_000_000;

export type GoalStatus = 'PASS' | 'MISS' | 'NOT MEASURED';

export interface Goal {
  readonly goal: string;
  readonly variant: string;
  /** The measured ratio, or null when it could not be measured. */
  readonly ratio: number | null;
  readonly bound: number;
  readonly comparison: '<=' | '>=';
  readonly status: GoalStatus;
  /** The arithmetic, or why it is missing. */
  readonly detail: string;
}

export interface ColdSummary {
  readonly variant: string;
  readonly n: number;
  readonly prepared: { readonly cold: boolean; readonly how: string };
  readonly answered: number;
  readonly coldByHeader: number;
  readonly coldByInitDuration: number;
  /** Cold requests are exactly those with an Init Duration: the counts agree. */
  readonly consistent: boolean;
  readonly latency: Summary;
  readonly coldLatency: Summary;
  readonly warmLatency: Summary;
  readonly initDuration: Summary;
}

export interface PhaseSummary {
  readonly variant: string;
  readonly phase: string;
  readonly kind: PhaseResult['kind'];
  readonly targetRatePerS: number;
  readonly durationS: number;
  readonly sent: number;
  readonly answered: number;
  readonly ok: number;
  readonly throttles: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly throughputPerS: number;
  readonly latency: Summary;
  readonly histogram: PhaseResult['histogram'];
}

export interface ReportFigures {
  readonly variant: string;
  readonly invocations: number;
  readonly initDuration: Summary;
  readonly billedDuration: Summary;
  readonly warmBilledDuration: Summary;
  readonly maxMemoryUsedMb: number;
  readonly memorySizeMb: number;
}

export interface VariantCostSummary {
  readonly variant: string;
  readonly durationMs: number;
  readonly durationFrom: string;
  readonly memoryMb: number;
  readonly coldShare: number;
  readonly initMs: number;
  readonly monthlyUsd: number;
  readonly per1000ImagesUsd: number | null;
  readonly requestsPerMonth: number;
}

export interface LoadtestReport {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly where: RunInput['where'];
  readonly measuredWhere: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly profile: string;
  readonly settings: RunInput['settings'];
  readonly image: RunInput['image'];
  readonly notes: readonly string[];
  readonly cold: readonly ColdSummary[];
  readonly phases: readonly PhaseSummary[];
  readonly saturation: readonly {
    readonly variant: string;
    readonly p99BoundMs: number;
    readonly heldRatePerS: number | null;
    readonly heldThroughputPerS: number | null;
    readonly pastIt: RunInput['saturation'][number]['pastIt'];
    readonly steps: readonly PhaseSummary[];
  }[];
  readonly s3: readonly {
    readonly variant: string;
    readonly images: number;
    readonly done: number;
    readonly allDoneMs: number | null;
    readonly perImage: Summary;
  }[];
  readonly bare: {
    readonly duration: Summary;
    readonly throughputPerS: number;
    readonly processes: number;
  } | null;
  readonly reportLines: readonly ReportFigures[];
  readonly goals: readonly Goal[];
  readonly cost: {
    readonly variants: readonly VariantCostSummary[];
    /** The full model for the first Lambda variant's measured workload: curve and break-even. */
    readonly model: CostReport | null;
    readonly basis: string;
  };
  readonly published: readonly {
    readonly source: string;
    readonly date: string;
    readonly runtime: string;
    readonly packaging: string;
    readonly arch: string;
    readonly memoryMb: number;
    readonly initDuration: Summary;
  }[];
  /** Every sample and REPORT line, for anyone who wants to recompute a figure. */
  readonly raw: RunInput;
}

const isOk = (status: number) => status >= 200 && status < 300;

/**
 * The figures of one cold burst.
 *
 * @example
 * ```ts
 * coldSummary(result).consistent; // true when x-cold-start and Init Duration agree
 * ```
 */
export function coldSummary(r: ColdBurstResult): ColdSummary {
  const cold = r.samples.filter((s) => s.coldHeader === true);
  const inits = r.reports.flatMap((x) =>
    x.initDurationMs === undefined ? [] : [x.initDurationMs],
  );
  return {
    variant: r.variant,
    n: r.n,
    prepared: r.prepared,
    answered: r.samples.length,
    coldByHeader: cold.length,
    coldByInitDuration: inits.length,
    consistent: cold.length === inits.length,
    latency: summarize(r.samples.map((s) => s.latencyMs)),
    coldLatency: summarize(cold.map((s) => s.latencyMs)),
    warmLatency: summarize(r.warmSamples.filter((s) => isOk(s.status)).map((s) => s.latencyMs)),
    initDuration: summarize(inits),
  };
}

/**
 * The figures of one phase: throttles are 429s, errors every other non-2xx answer plus
 * connection errors, throughput the 2xx answers per second of the phase.
 *
 * @example
 * ```ts
 * phaseSummary(phase).throughputPerS;
 * ```
 */
export function phaseSummary(p: PhaseResult): PhaseSummary {
  const ok = p.samples.filter((s) => isOk(s.status)).length;
  const throttles = p.samples.filter((s) => s.status === 429).length;
  const otherErrors = p.samples.length - ok - throttles;
  return {
    variant: p.variant,
    phase: p.phase,
    kind: p.kind,
    targetRatePerS: p.targetRatePerS,
    durationS: p.durationS,
    sent: p.sent,
    answered: p.samples.length,
    ok,
    throttles,
    // autocannon counts timeouts among its errors; both are unanswered requests.
    errors: otherErrors + p.errors,
    timeouts: p.timeouts,
    throughputPerS: p.durationS > 0 ? ok / p.durationS : 0,
    latency: summarize(p.samples.map((s) => s.latencyMs)),
    histogram: p.histogram,
  };
}

function allReports(input: RunInput, variant: string): Report[] {
  return [
    ...input.cold.filter((c) => c.variant === variant).flatMap((c) => c.reports),
    ...input.phases.filter((p) => p.variant === variant).flatMap((p) => p.reports),
    ...input.saturation
      .filter((s) => s.variant === variant)
      .flatMap((s) => s.steps.flatMap((p) => p.reports)),
  ];
}

function reportFigures(input: RunInput, variant: string): ReportFigures | undefined {
  const reports = allReports(input, variant);
  if (reports.length === 0) return undefined;
  const inits = reports.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs]));
  return {
    variant,
    invocations: reports.length,
    initDuration: summarize(inits),
    billedDuration: summarize(reports.map((r) => r.billedDurationMs)),
    warmBilledDuration: summarize(
      reports.filter((r) => r.initDurationMs === undefined).map((r) => r.billedDurationMs),
    ),
    maxMemoryUsedMb: Math.max(...reports.map((r) => r.maxMemoryUsedMb)),
    memorySizeMb: reports[0]?.memorySizeMb ?? 0,
  };
}

function ratioGoal(
  goal: string,
  variant: string,
  ratio: number | null,
  bound: number,
  comparison: Goal['comparison'],
  detail: string,
): Goal {
  const status: GoalStatus =
    ratio === null || !Number.isFinite(ratio)
      ? 'NOT MEASURED'
      : (comparison === '<=' ? ratio <= bound : ratio >= bound)
        ? 'PASS'
        : 'MISS';
  return {
    goal,
    variant,
    ratio: ratio !== null && Number.isFinite(ratio) ? ratio : null,
    bound,
    comparison,
    status,
    detail,
  };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/**
 * The three goals, each computed from this run's figures and printed against its bound.
 *
 * @example
 * ```ts
 * goals(input).map((g) => `${g.goal} ${g.variant}: ${g.status}`);
 * ```
 */
export function goals(input: RunInput, trivial = 'trivial'): Goal[] {
  const out: Goal[] = [];
  const colds = new Map(input.cold.map((c) => [c.variant, coldSummary(c)]));
  const base = colds.get(trivial);
  const basePenalty = base ? base.coldLatency.p50 - base.warmLatency.p50 : Number.NaN;
  const bareMs = input.bare ? median(input.bare.durationsMs) : Number.NaN;
  const variants = [
    ...new Set([
      ...input.cold.map((c) => c.variant),
      ...input.phases.map((p) => p.variant),
      ...input.saturation.map((s) => s.variant),
    ]),
  ].filter((v) => v !== trivial);
  for (const variant of variants) {
    const c = colds.get(variant);
    const penalty = c ? c.coldLatency.p50 - c.warmLatency.p50 : Number.NaN;
    out.push(
      ratioGoal(
        'cold-start penalty vs trivial function',
        variant,
        c && base ? penalty / basePenalty : null,
        2,
        '<=',
        c && base
          ? `(${ms(c.coldLatency.p50)} cold − ${ms(c.warmLatency.p50)} warm) / (${ms(base.coldLatency.p50)} − ${ms(base.warmLatency.p50)}) = ${ms(penalty)} / ${ms(basePenalty)}`
          : 'needs a cold burst of this variant and of the trivial function',
      ),
    );
    const lowest = input.phases
      .filter((p) => p.variant === variant && p.kind === 'steady')
      .sort((a, b) => a.targetRatePerS - b.targetRatePerS)[0];
    const warm =
      c && c.warmLatency.count > 0
        ? { p50: c.warmLatency.p50, from: 'warm requests after the burst' }
        : lowest
          ? {
              p50: summarize(lowest.samples.filter((s) => isOk(s.status)).map((s) => s.latencyMs))
                .p50,
              from: lowest.phase,
            }
          : undefined;
    out.push(
      ratioGoal(
        'warm POST /cartoon p50 vs bare cartoonize',
        variant,
        warm && input.bare ? warm.p50 / bareMs : null,
        1.15,
        '<=',
        warm && input.bare
          ? `${ms(warm.p50)} (${warm.from}) / ${ms(bareMs)} bare median`
          : 'needs warm requests of this variant and the bare cartoonize timing',
      ),
    );
  }
  const fargate = input.saturation.find((s) => s.variant === 'fargate');
  out.push(
    ratioGoal(
      'fargate throughput vs the core with as many processes',
      'fargate',
      fargate?.heldThroughputPerS != null && input.bare
        ? fargate.heldThroughputPerS / (input.bare.throughputPerS * input.bare.processes)
        : null,
      0.8,
      '>=',
      fargate?.heldThroughputPerS != null && input.bare
        ? `${fargate.heldThroughputPerS.toFixed(2)}/s held / (${input.bare.throughputPerS.toFixed(2)}/s × ${input.bare.processes} process)`
        : 'needs a saturation run of fargate (not hosted by the local cloud yet) and the bare timing',
    ),
  );
  return out;
}

/**
 * Each measured cartoon variant priced by the cost model with its own measured duration,
 * memory, cold share and Init Duration, at `COST_AT_REQUESTS` a month.
 *
 * @example
 * ```ts
 * costs(input).variants[0]?.per1000ImagesUsd;
 * ```
 */
export function costs(input: RunInput, trivial = 'trivial'): LoadtestReport['cost'] {
  const variants: VariantCostSummary[] = [];
  let model: CostReport | null = null;
  const measured = [
    ...new Set(input.phases.map((p) => p.variant).concat(input.cold.map((c) => c.variant))),
  ].filter(
    (v): v is VariantName => v !== trivial && (VARIANT_NAMES as readonly string[]).includes(v),
  );
  for (const variant of measured) {
    const figures = reportFigures(input, variant);
    const warm = [
      ...input.cold.filter((c) => c.variant === variant).flatMap((c) => c.warmSamples),
      ...input.phases.filter((p) => p.variant === variant).flatMap((p) => p.samples),
    ].filter((s) => isOk(s.status));
    const useBilled = figures !== undefined && figures.warmBilledDuration.count > 0;
    const durationMs = useBilled
      ? figures.warmBilledDuration.mean
      : summarize(warm.map((s) => s.latencyMs)).mean;
    if (!Number.isFinite(durationMs)) continue;
    const w = workload({
      requestsPerMonth: COST_AT_REQUESTS,
      durationMs,
      memoryMb: figures?.memorySizeMb || MB_PER_VCPU,
      arch: 'arm64',
      payloadKb: input.image.bytes / 1024,
      coldShare: figures ? figures.initDuration.count / figures.invocations : 0,
      initMs: figures && figures.initDuration.count > 0 ? figures.initDuration.p50 : 0,
      measuredWhere: input.where,
    });
    const own = variantCosts(w).find((v) => v.variant === variant);
    if (own === undefined) continue;
    // The full report (curves, break-even) once, for the first Lambda variant's workload.
    if (model === null && variant !== 'fargate') model = costReport(w);
    variants.push({
      variant,
      durationMs,
      durationFrom: useBilled ? 'mean warm Billed Duration (REPORT)' : 'mean warm latency',
      memoryMb: w.memoryMb,
      coldShare: w.coldShare,
      initMs: w.initMs,
      monthlyUsd: own.monthlyUsd,
      per1000ImagesUsd: own.per1000ImagesUsd,
      requestsPerMonth: COST_AT_REQUESTS,
    });
  }
  return {
    variants,
    model,
    basis: `prices of loadtest/prices.ts; durations ${input.where === 'local' ? "measured on this machine's local cloud (local, not Lambda's)" : 'measured on AWS'}; arm64; cold share and Init Duration as measured in this run`,
  };
}

/**
 * The whole report.
 *
 * @example
 * ```ts
 * writeFileSync('report.json', JSON.stringify(buildReport(input), null, 2));
 * ```
 */
export function buildReport(input: RunInput, trivial = 'trivial'): LoadtestReport {
  const variants = [...new Set([...input.cold, ...input.phases].map((x) => x.variant))];
  return {
    schemaVersion: SCHEMA_VERSION,
    where: input.where,
    measuredWhere: input.label,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    profile: input.profile,
    settings: input.settings,
    image: input.image,
    notes: input.notes,
    cold: input.cold.map(coldSummary),
    phases: input.phases.map(phaseSummary),
    saturation: input.saturation.map((s) => ({
      variant: s.variant,
      p99BoundMs: s.p99BoundMs,
      heldRatePerS: s.heldRatePerS,
      heldThroughputPerS: s.heldThroughputPerS,
      pastIt: s.pastIt,
      steps: s.steps.map(phaseSummary),
    })),
    s3: input.s3.map((s) => ({
      variant: s.variant,
      images: s.images,
      done: s.doneMs.filter((d) => d !== null).length,
      allDoneMs: s.allDoneMs,
      perImage: summarize(s.doneMs.flatMap((d) => (d === null ? [] : [d]))),
    })),
    bare: input.bare
      ? {
          duration: summarize(input.bare.durationsMs),
          throughputPerS: input.bare.throughputPerS,
          processes: input.bare.processes,
        }
      : null,
    reportLines: variants.flatMap((v) => reportFigures(input, v) ?? []),
    goals: goals(input, trivial),
    cost: costs(input, trivial),
    published: PUBLISHED_COLD_STARTS.map((p) => ({
      source: p.source,
      date: p.date,
      runtime: p.runtime,
      packaging: p.packaging,
      arch: p.arch,
      memoryMb: p.memoryMb,
      initDuration: summarize(p.initDurationsMs),
    })),
    raw: input,
  };
}
