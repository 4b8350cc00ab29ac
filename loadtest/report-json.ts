/**
 * report.json: every raw figure of a run plus the summaries, goals and costs derived from
 * them, under a versioned schema. report.md and report.html are both drawn from this object,
 * so the three never disagree.
 */
import type { Report } from '../local-cloud/report-log';
import { VARIANT_NAMES } from '../local-cloud/variants';
import { MB_PER_VCPU, VARIANTS, type VariantName, variantCosts, workload } from './cost-model';
import { type BreakEven, breakEven, type CostReport, costReport } from './cost-report';
import { PUBLISHED_COLD_STARTS } from './published';
import type { ColdBurstResult, PhaseResult, RunInput } from './results';
import { median, type Summary, summarize } from './stats';
import { type Verdict, verdict } from './verdict';

/**
 * Bumped on any change a reader of report.json must know about. 2: single cold starts beside
 * the burst (`cold[].kind`), repeats (`run`), goals as medians over runs (`measured`, `runs`,
 * `min`, `max`, `unit`), the verdict, CPU and machine facts, warm overhead in ms.
 */
export const SCHEMA_VERSION = 2;
/** Requests a month at which each variant's cost is quoted unless the run says otherwise. */
export const COST_AT_REQUESTS = 1_000_000;

export type GoalStatus = 'PASS' | 'MISS' | 'NOT MEASURED';

export interface Goal {
  readonly goal: string;
  readonly variant: string;
  /** The median over the runs of the measured value, or null when no run measured it. */
  readonly measured: number | null;
  /** `x`: a ratio; `ms`: milliseconds. */
  readonly unit: 'x' | 'ms';
  /** Each run's value (`--repeat`), null where that run could not measure it. */
  readonly runs: readonly (number | null)[];
  /** The spread of the runs' values; equal to `measured` with one run. */
  readonly min: number | null;
  readonly max: number | null;
  readonly bound: number;
  readonly comparison: '<=' | '>=';
  /** From the median only, so one noisy run cannot flip it. */
  readonly status: GoalStatus;
  /** The arithmetic of the first run that measured it, or why it is missing. */
  readonly detail: string;
}

export interface ColdSummary {
  readonly variant: string;
  /** `single`: starts one at a time; `burst`: n at once. */
  readonly kind: 'single' | 'burst';
  readonly run: number;
  readonly n: number;
  /** burst: the CPUs the cloud had. */
  readonly cores: number | null;
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
  /** Cold p50 minus warm p50 of the same request; NaN without both. */
  readonly penaltyMs: number;
}

/** A median with its spread. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/**
 * A variant's single cold starts over every run: the cold scenario's headline. Penalty and
 * Init Duration are also given against the trivial function's, measured the same way.
 */
export interface ColdHeadline {
  readonly variant: string;
  readonly starts: number;
  /** Every start was prepared cold (environments reaped or configuration changed). */
  readonly allCold: boolean;
  readonly how: string;
  readonly cold: Spread;
  readonly warm: Spread;
  readonly penaltyMs: number;
  readonly init: Spread;
  readonly penaltyVsTrivial: number | null;
  readonly initVsTrivial: number | null;
}

/** Warm POST /cartoon against bare cartoonize() with the same CPU allowance. */
export interface WarmOverhead {
  readonly variant: string;
  readonly warmP50: number;
  /** Where the warm figure came from. */
  readonly from: string;
  readonly bareP50: number;
  readonly addedMs: number;
  readonly ratio: number;
  /** The base64 + JSON round trips of this request and answer (median, ms): a floor of addedMs for a Lambda variant. */
  readonly payloadCopiesMs: number | null;
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
  /** A Lambda variant: from how many monthly requests Fargate (priced on the same workload) is cheaper. */
  readonly fargateBreakEven: BreakEven | null;
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
  readonly repeat: number;
  readonly requestsPerMonth: number;
  readonly cpu: RunInput['cpu'] | null;
  readonly machine: RunInput['machine'] | null;
  /** The answer first: fastest first request, fastest warm request, cheapest, break-even. */
  readonly verdict: Verdict;
  /** Single cold starts per variant, pooled over runs (the cold headline). */
  readonly coldStarts: readonly ColdHeadline[];
  readonly warmOverhead: readonly WarmOverhead[];
  /** Every cold result (singles and bursts), per run. */
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
    readonly cpu: string;
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
  const coldLatency = summarize(cold.map((s) => s.latencyMs));
  const warmLatency = summarize(
    r.warmSamples.filter((s) => isOk(s.status)).map((s) => s.latencyMs),
  );
  return {
    variant: r.variant,
    kind: r.kind ?? 'burst',
    run: r.run ?? 1,
    n: r.n,
    cores: r.cores ?? null,
    prepared: r.prepared,
    answered: r.samples.length,
    coldByHeader: cold.length,
    coldByInitDuration: inits.length,
    consistent: cold.length === inits.length,
    latency: summarize(r.samples.map((s) => s.latencyMs)),
    coldLatency,
    warmLatency,
    initDuration: summarize(inits),
    penaltyMs: coldLatency.p50 - warmLatency.p50,
  };
}

/**
 * Median, min and max of some values (NaN for none).
 *
 * @example
 * ```ts
 * spread([30, 10, 20]); // { median: 20, min: 10, max: 30, count: 3 }
 * ```
 */
export function spread(values: readonly number[]): Spread {
  const s = summarize(values);
  return { median: s.p50, min: s.min, max: s.max, count: s.count };
}

const singlesOf = (input: RunInput, variant: string) =>
  input.cold.filter((c) => c.variant === variant && c.kind === 'single');

/**
 * The headline of each variant's single cold starts, pooled over every run, with its penalty
 * and Init Duration against the trivial function's.
 *
 * @example
 * ```ts
 * coldHeadlines(input).map((h) => `${h.variant}: ${h.cold.median} ms (${h.cold.min}–${h.cold.max})`);
 * ```
 */
export function coldHeadlines(input: RunInput, trivial = 'trivial'): ColdHeadline[] {
  const variants = [
    ...new Set(input.cold.filter((c) => c.kind === 'single').map((c) => c.variant)),
  ];
  const raw = variants.map((variant) => {
    const results = singlesOf(input, variant);
    // Every first request after the variant was emptied: cold where it could be made cold (a
    // fargate service keeps a task running, so its first request is a warm task's).
    const cold = results.flatMap((r) =>
      r.samples.filter((s) => isOk(s.status)).map((s) => s.latencyMs),
    );
    const warm = results.flatMap((r) =>
      r.warmSamples.filter((s) => isOk(s.status)).map((s) => s.latencyMs),
    );
    const init = results.flatMap((r) =>
      r.reports.flatMap((x) => (x.initDurationMs === undefined ? [] : [x.initDurationMs])),
    );
    const c = spread(cold);
    const w = spread(warm);
    return {
      variant,
      starts: results.reduce((n, r) => n + r.n, 0),
      allCold: results.every((r) => r.prepared.cold),
      how: [...new Set(results.map((r) => r.prepared.how))].join('; '),
      cold: c,
      warm: w,
      penaltyMs: c.median - w.median,
      init: spread(init),
    };
  });
  const base = raw.find((h) => h.variant === trivial);
  const ratio = (a: number, b: number | undefined) =>
    b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null;
  return raw.map((h) => ({
    ...h,
    penaltyVsTrivial: h.variant === trivial ? null : ratio(h.penaltyMs, base?.penaltyMs),
    initVsTrivial: h.variant === trivial ? null : ratio(h.init.median, base?.init.median),
  }));
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

/** One run's value of a goal, with its arithmetic. */
interface Measure {
  readonly goal: string;
  readonly variant: string;
  readonly unit: Goal['unit'];
  readonly bound: number;
  readonly comparison: Goal['comparison'];
  readonly value: number | null;
  readonly detail: string;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** The warm p50 of a variant in one run: after its cold starts, else its lowest steady phase. */
function warmOf(input: RunInput, variant: string): { p50: number; from: string } | undefined {
  const warm = singlesOf(input, variant).flatMap((r) =>
    r.warmSamples.filter((s) => isOk(s.status)).map((s) => s.latencyMs),
  );
  if (warm.length > 0) return { p50: median(warm), from: 'warm requests after each cold start' };
  const lowest = input.phases
    .filter((p) => p.variant === variant && p.kind === 'steady')
    .sort((a, b) => a.targetRatePerS - b.targetRatePerS)[0];
  if (lowest === undefined) return undefined;
  const ok = lowest.samples.filter((s) => isOk(s.status)).map((s) => s.latencyMs);
  return ok.length > 0 ? { p50: median(ok), from: lowest.phase } : undefined;
}

/** The goals' values measured in one run (an input holding one run's results). */
function measures(input: RunInput, trivial: string): Measure[] {
  const out: Measure[] = [];
  const heads = new Map(coldHeadlines(input, trivial).map((h) => [h.variant, h]));
  const base = heads.get(trivial);
  const bare = input.bare;
  const bareMs = bare ? median(bare.durationsMs) : Number.NaN;
  const small = (input.image.kind ?? 'small') === 'small';
  const variants = [
    ...new Set([
      ...input.cold.map((c) => c.variant),
      ...input.phases.map((p) => p.variant),
      ...input.saturation.map((s) => s.variant),
    ]),
  ].filter((v) => v !== trivial);
  for (const variant of variants) {
    const h = heads.get(variant);
    const both = h !== undefined && base !== undefined;
    out.push({
      goal: 'cold-start penalty vs trivial function',
      variant,
      unit: 'x',
      bound: 2,
      comparison: '<=',
      value: both ? h.penaltyVsTrivial : null,
      detail: both
        ? `(${ms(h.cold.median)} cold − ${ms(h.warm.median)} warm) / (${ms(base.cold.median)} − ${ms(base.warm.median)}) = ${ms(h.penaltyMs)} / ${ms(base.penaltyMs)}, medians of ${h.starts} and ${base.starts} single starts`
        : 'needs single cold starts of this variant and of the trivial function',
    });
    out.push({
      goal: 'Init Duration p50 vs trivial function',
      variant,
      unit: 'x',
      bound: 2,
      comparison: '<=',
      value: both ? h.initVsTrivial : null,
      detail:
        both && h.init.count > 0 && base.init.count > 0
          ? `${ms(h.init.median)} / ${ms(base.init.median)} (REPORT Init Duration, single starts)`
          : 'needs REPORT lines with Init Duration from single starts of this variant and the trivial function',
    });
    const warm = warmOf(input, variant);
    out.push({
      goal: 'warm POST /cartoon p50 vs bare cartoonize',
      variant,
      unit: 'x',
      bound: 1.15,
      comparison: '<=',
      value: warm && bare ? finite(warm.p50 / bareMs) : null,
      detail:
        warm && bare
          ? `${ms(warm.p50)} (${warm.from}) / ${ms(bareMs)} bare median`
          : 'needs warm requests of this variant and the bare cartoonize timing',
    });
    // The bound of 5 ms holds at the small image; at the phone photo the overhead is
    // the payload's copies and base64, reported (warmOverhead) rather than judged.
    if (small)
      out.push({
        goal: 'warm POST /cartoon p50 over bare cartoonize (small image)',
        variant,
        unit: 'ms',
        bound: 5,
        comparison: '<=',
        value: warm && bare ? finite(warm.p50 - bareMs) : null,
        detail:
          warm && bare
            ? `${ms(warm.p50)} − ${ms(bareMs)}`
            : 'needs warm requests of this variant and the bare cartoonize timing',
      });
  }
  const fargate = input.saturation.find((s) => s.variant === 'fargate');
  out.push({
    goal: 'fargate throughput vs the core with as many processes',
    variant: 'fargate',
    unit: 'x',
    bound: 0.8,
    comparison: '>=',
    value:
      fargate?.heldThroughputPerS != null && bare
        ? fargate.heldThroughputPerS / (bare.throughputPerS * bare.processes)
        : null,
    detail:
      fargate?.heldThroughputPerS != null && bare
        ? `${fargate.heldThroughputPerS.toFixed(2)}/s held / (${bare.throughputPerS.toFixed(2)}/s × ${bare.processes} process)`
        : 'needs a saturation run of fargate and the bare timing',
  });
  return out;
}

/**
 * The runs in an input (`--repeat`), from 1.
 *
 * @example
 * ```ts
 * runsOf(input); // [1, 2, 3]
 * ```
 */
export function runsOf(input: RunInput): number[] {
  const runs = new Set<number>([1]);
  for (const x of [...input.cold, ...input.phases, ...input.saturation, ...input.s3])
    runs.add(x.run ?? 1);
  for (const b of input.bares ?? []) runs.add(b.run ?? 1);
  return [...runs].sort((a, b) => a - b);
}

/**
 * One run's share of an input: its results and its bare yardstick.
 *
 * @example
 * ```ts
 * goals(runSlice(input, 2)); // the goals as the second run alone measured them
 * ```
 */
export function runSlice(input: RunInput, run: number): RunInput {
  const mine = <T extends { readonly run?: number }>(xs: readonly T[]) =>
    xs.filter((x) => (x.run ?? 1) === run);
  const bare = input.bares
    ? (input.bares.find((b) => (b.run ?? 1) === run) ?? null)
    : run === 1
      ? input.bare
      : null;
  return {
    ...input,
    cold: mine(input.cold),
    phases: mine(input.phases),
    saturation: mine(input.saturation),
    s3: mine(input.s3),
    bare,
    bares: bare ? [bare] : [],
  };
}

/**
 * Every goal, measured in each run and judged on the median of the runs (PASS or MISS from the
 * median only), with the runs' spread.
 *
 * @example
 * ```ts
 * goals(input).map((g) => `${g.goal} ${g.variant}: ${g.measured} (${g.min}–${g.max}) ${g.status}`);
 * ```
 */
export function goals(input: RunInput, trivial = 'trivial'): Goal[] {
  const perRun = runsOf(input).map((run) => measures(runSlice(input, run), trivial));
  const out: Goal[] = [];
  for (const [i, m] of (perRun[0] ?? []).entries()) {
    const same = perRun.map(
      (run) => run.find((x) => x.goal === m.goal && x.variant === m.variant) ?? run[i],
    );
    const runs = same.map((x) => x?.value ?? null);
    const values = runs.filter((v): v is number => v !== null && Number.isFinite(v));
    const s = values.length > 0 ? spread(values) : undefined;
    const measured = s ? s.median : null;
    const status: GoalStatus =
      measured === null
        ? 'NOT MEASURED'
        : (m.comparison === '<=' ? measured <= m.bound : measured >= m.bound)
          ? 'PASS'
          : 'MISS';
    out.push({
      goal: m.goal,
      variant: m.variant,
      measured,
      unit: m.unit,
      runs,
      min: s ? s.min : null,
      max: s ? s.max : null,
      bound: m.bound,
      comparison: m.comparison,
      status,
      detail: same.find((x) => x?.value != null)?.detail ?? m.detail,
    });
  }
  return out;
}

/**
 * Warm POST /cartoon against bare cartoonize() per variant, over every run: milliseconds added
 * and the ratio.
 *
 * @example
 * ```ts
 * warmOverheads(input)[0]?.addedMs; // e.g. 4.2
 * ```
 */
export function warmOverheads(input: RunInput, trivial = 'trivial'): WarmOverhead[] {
  const bares = input.bares ?? (input.bare ? [input.bare] : []);
  const bareP50 = median(bares.flatMap((b) => b.durationsMs));
  if (!Number.isFinite(bareP50)) return [];
  const copies = median(bares.flatMap((b) => b.payloadCopiesMs ?? []));
  const variants = [...new Set([...input.cold, ...input.phases].map((x) => x.variant))].filter(
    (v) => v !== trivial,
  );
  return variants.flatMap((variant) => {
    const warm = warmOf(input, variant);
    if (warm === undefined) return [];
    return [
      {
        variant,
        warmP50: warm.p50,
        from: warm.from,
        bareP50,
        addedMs: warm.p50 - bareP50,
        ratio: warm.p50 / bareP50,
        payloadCopiesMs: Number.isFinite(copies) ? copies : null,
      },
    ];
  });
}

/**
 * The cost model's name for a variant: the local cloud calls Lambda Managed Instances
 * `managed-instances`, the cost model `lambda-managed-instances`.
 *
 * @example
 * ```ts
 * costName('managed-instances'); // 'lambda-managed-instances'
 * ```
 */
export function costName(variant: string): VariantName | undefined {
  const name = variant === 'managed-instances' ? 'lambda-managed-instances' : variant;
  return (VARIANTS as readonly string[]).includes(name) ? (name as VariantName) : undefined;
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
  const requestsPerMonth = input.requestsPerMonth ?? COST_AT_REQUESTS;
  const variants: VariantCostSummary[] = [];
  let model: CostReport | null = null;
  const measured = [
    ...new Set(input.phases.map((p) => p.variant).concat(input.cold.map((c) => c.variant))),
  ].filter((v) => v !== trivial && (VARIANT_NAMES as readonly string[]).includes(v));
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
      requestsPerMonth,
      durationMs,
      memoryMb: figures?.memorySizeMb || MB_PER_VCPU,
      arch: 'arm64',
      payloadKb: input.image.bytes / 1024,
      coldShare: figures ? figures.initDuration.count / figures.invocations : 0,
      initMs: figures && figures.initDuration.count > 0 ? figures.initDuration.p50 : 0,
      measuredWhere: input.where,
    });
    const priced = costName(variant);
    const own = variantCosts(w).find((v) => v.variant === priced);
    if (own === undefined) continue;
    // The full report (curves, break-even) once, for the first Lambda variant's workload.
    if (model === null && (variant === 'lambda-zip' || variant === 'lambda-image'))
      model = costReport(w);
    variants.push({
      variant,
      durationMs,
      durationFrom: useBilled ? 'mean warm Billed Duration (REPORT)' : 'mean warm latency',
      memoryMb: w.memoryMb,
      coldShare: w.coldShare,
      initMs: w.initMs,
      monthlyUsd: own.monthlyUsd,
      per1000ImagesUsd: own.per1000ImagesUsd,
      requestsPerMonth,
      fargateBreakEven:
        variant === 'lambda-zip' || variant === 'lambda-image' ? breakEven(w, variant) : null,
    });
  }
  return {
    variants,
    model,
    basis: `prices of loadtest/prices.ts; durations ${input.where === 'local' ? "measured on this machine's local cloud (local, not Lambda's)" : 'measured on AWS'}; arm64; cold share and Init Duration as measured in this run (whose cold starts were forced, so the share is higher than steady traffic's)`,
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
  const coldStarts = coldHeadlines(input, trivial);
  const warmOverhead = warmOverheads(input, trivial);
  const cost = costs(input, trivial);
  const bares = input.bares ?? (input.bare ? [input.bare] : []);
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
    repeat: input.repeat ?? 1,
    requestsPerMonth: input.requestsPerMonth ?? COST_AT_REQUESTS,
    cpu: input.cpu ?? null,
    machine: input.machine ?? null,
    verdict: verdict({
      where: input.where,
      requestsPerMonth: input.requestsPerMonth ?? COST_AT_REQUESTS,
      image: input.image,
      coldStarts: coldStarts.filter((h) => h.variant !== trivial),
      warm: warmOverhead,
      cost: cost.variants,
    }),
    coldStarts,
    warmOverhead,
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
    bare:
      bares.length > 0
        ? {
            duration: summarize(bares.flatMap((b) => b.durationsMs)),
            throughputPerS: median(bares.map((b) => b.throughputPerS)),
            processes: bares[0]?.processes ?? 1,
            cpu: bares[0]?.cpu ?? 'in the load test process',
          }
        : null,
    reportLines: variants.flatMap((v) => reportFigures(input, v) ?? []),
    goals: goals(input, trivial),
    cost,
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
