import { workload } from '../../../loadtest/cost-model';
import { costReport } from '../../../loadtest/cost-report';
import {
  buildReport,
  COST_AT_REQUESTS,
  coldHeadlines,
  coldSummary,
  costName,
  goals,
  phaseSummary,
  runSlice,
  runsOf,
  SCHEMA_VERSION,
  warmOverheads,
} from '../../../loadtest/report-json';
import { repeatedInput, runInput, STEADY } from './run-input';

function missing(what: string): never {
  throw new Error(`the fixture has no ${what}`);
}

describe('coldSummary', () => {
  it('counts cold answers by header and by Init Duration, and says whether they agree', () => {
    const input = runInput();
    const c = coldSummary(input.cold[0] ?? missing('burst'));
    expect(c.coldByHeader).toBe(3);
    expect(c.coldByInitDuration).toBe(3);
    expect(c.consistent).toBe(true);
    // Cold latencies 500, 600, 700: p50 rank ceil(1.5) = 2 → 600. Warm 40, 50, 60 → 50.
    expect(c.coldLatency.p50).toBe(600);
    expect(c.warmLatency.p50).toBe(50);
    // Init 400, 450, 500 → p50 450, mean 450.
    expect(c.initDuration).toMatchObject({ count: 3, p50: 450, mean: 450, max: 500 });
    expect(c).toMatchObject({ kind: 'single', run: 1, cores: null, penaltyMs: 550 });
  });

  it('keeps a burst apart, with the cores it ran on', () => {
    const burst = coldSummary(runInput().cold[2] ?? missing('burst'));
    expect(burst).toMatchObject({ kind: 'burst', n: 2, cores: 1 });
  });

  it('flags a burst where the header and the REPORT lines disagree', () => {
    const burst = runInput().cold[0] ?? missing('burst');
    const c = coldSummary({ ...burst, reports: burst.reports.slice(1) });
    expect(c.coldByInitDuration).toBe(2);
    expect(c.consistent).toBe(false);
  });
});

describe('phaseSummary', () => {
  it('splits answers into ok, throttles and errors, and divides ok by the duration', () => {
    const p = phaseSummary(STEADY);
    // 4 answers: 3 × 200, 1 × 429; throughput 3 ok / 2 s = 1.5/s.
    expect(p).toMatchObject({
      answered: 4,
      ok: 3,
      throttles: 1,
      errors: 0,
      timeouts: 0,
      throughputPerS: 1.5,
    });
    expect(p.ok + p.throttles + p.errors).toBe(p.answered);
    // All latencies 5, 50, 60, 70: p50 rank 2 → 50, p99 rank 4 → 70.
    expect(p.latency).toMatchObject({ p50: 50, p99: 70, max: 70 });
  });
});

describe('coldHeadlines', () => {
  it('takes the headline from single starts only, with median and min–max, against the trivial function', () => {
    const [zip, trivial] = coldHeadlines(runInput());
    // The burst (900, 950) is not part of it: singles 500, 600, 700.
    expect(zip?.cold).toEqual({ median: 600, min: 500, max: 700, count: 3 });
    expect(zip?.init).toEqual({ median: 450, min: 400, max: 500, count: 3 });
    expect(trivial?.penaltyMs).toBe(148);
    expect(zip?.penaltyVsTrivial).toBeCloseTo(550 / 148, 10);
    // Init p50 450 / trivial's 90 (of 90, 100).
    expect(zip?.initVsTrivial).toBeCloseTo(5, 10);
    expect(trivial?.penaltyVsTrivial).toBeNull();
  });
});

describe('goals', () => {
  const find = (gs: ReturnType<typeof goals>, goal: string, variant = 'lambda-zip') =>
    gs.find((g) => g.goal === goal && g.variant === variant);

  it('computes each value from the run and marks it against its bound', () => {
    const gs = goals(runInput());
    const penalty = find(gs, 'cold-start penalty vs trivial function');
    // lambda-zip: 600 cold p50 − 50 warm p50 = 550. trivial: cold [150, 250] has p50 rank
    // ceil(0.5 × 2) = 1 → 150, warm [2, 4] → 2, so 150 − 2 = 148. 550 / 148 = 3.72 > 2.
    expect(penalty?.measured).toBeCloseTo(550 / 148, 10);
    expect(penalty?.status).toBe('MISS');
    expect(find(gs, 'Init Duration p50 vs trivial function')).toMatchObject({
      measured: 5,
      status: 'MISS',
    });
    // Warm p50 50 / bare median 40 = 1.25 > 1.15; 50 − 40 = 10 ms > 5 ms at the small image.
    const warm = find(gs, 'warm POST /cartoon p50 vs bare cartoonize');
    expect(warm?.measured).toBeCloseTo(1.25, 10);
    expect(warm?.status).toBe('MISS');
    expect(find(gs, 'warm POST /cartoon p50 over bare cartoonize (small image)')).toMatchObject({
      measured: 10,
      unit: 'ms',
      status: 'MISS',
    });
    expect(
      find(gs, 'fargate throughput vs the core with as many processes', 'fargate'),
    ).toMatchObject({ status: 'NOT MEASURED', measured: null });
  });

  it('states no millisecond bound at the phone photo, whose overhead is reported instead', () => {
    const input = runInput();
    const phone = goals({ ...input, image: { ...input.image, kind: 'phone' } });
    expect(phone.some((g) => g.unit === 'ms')).toBe(false);
    expect(warmOverheads(input)[0]).toMatchObject({
      addedMs: 10,
      ratio: 1.25,
      bareP50: 40,
      payloadCopiesMs: 2,
    });
  });

  it('passes when the figures are within the bounds', () => {
    const input = runInput({
      bare: { durationsMs: [45, 48, 50], throughputPerS: 20, processes: 1 },
    });
    const warm = find(goals(input), 'warm POST /cartoon p50 vs bare cartoonize');
    // 50 / 48 = 1.0417 ≤ 1.15.
    expect(warm?.measured).toBeCloseTo(50 / 48, 10);
    expect(warm?.status).toBe('PASS');
  });

  it('judges repeated runs on the median, so one noisy run cannot flip the status', () => {
    // Penalty ratios per run: 550 × k / 148 for k = 0.5, 0.5, 2 → 1.86, 1.86, 7.43.
    const input = repeatedInput([0.5, 0.5, 2]);
    expect(runsOf(input)).toEqual([1, 2, 3]);
    const penalty = find(goals(input), 'cold-start penalty vs trivial function');
    expect(penalty?.runs.map((r) => r?.toFixed(2))).toEqual(['1.86', '1.86', '7.43']);
    expect(penalty?.measured).toBeCloseTo(275 / 148, 10);
    expect(penalty?.min).toBeCloseTo(275 / 148, 10);
    expect(penalty?.max).toBeCloseTo(1100 / 148, 10);
    expect(penalty?.status).toBe('PASS');
    // The other way round: one lucky run does not pass it.
    const lucky = find(goals(repeatedInput([0.5, 2, 2])), 'cold-start penalty vs trivial function');
    expect(lucky?.status).toBe('MISS');
    expect(lucky?.min).toBeCloseTo(275 / 148, 10);
  });

  it('slices one run with its own bare yardstick', () => {
    const slice = runSlice(repeatedInput([1, 2]), 2);
    expect(slice.cold.every((c) => c.run === 2)).toBe(true);
    expect(slice.bare?.run).toBe(2);
  });

  it('measures fargate against the core with as many processes', () => {
    const input = runInput({
      saturation: [
        {
          variant: 'fargate',
          p99BoundMs: 1000,
          heldRatePerS: 16,
          heldThroughputPerS: 18,
          pastIt: null,
          steps: [],
        },
      ],
    });
    const fargate = goals(input).find((g) => g.goal.startsWith('fargate throughput'));
    // 18/s / (25/s × 1) = 0.72 < 0.8.
    expect(fargate?.measured).toBeCloseTo(0.72, 10);
    expect(fargate?.status).toBe('MISS');
  });
});

describe('buildReport', () => {
  const report = buildReport(runInput());

  it('carries the schema version, where it was measured, and the raw input', () => {
    expect(report.schemaVersion).toBe(SCHEMA_VERSION);
    expect(report.where).toBe('local');
    expect(report.measuredWhere).toContain('local cloud');
    expect(report.raw.cold[0]?.samples).toHaveLength(3);
    expect(report.cpu?.split).toContain('load generator on CPU 1');
    expect(report.machine?.loadAverageStart).toEqual([0.5, 0.4, 0.3]);
  });

  it('opens with a verdict for the workload given', () => {
    expect(report.verdict.requestsPerMonth).toBe(1_000_000);
    expect(report.verdict.firstRequest).toEqual({ variant: 'lambda-zip', ms: 600 });
    expect(report.verdict.thousandth).toEqual({ variant: 'lambda-zip', ms: 50 });
    expect(report.verdict.cheapest?.variant).toBe('lambda-zip');
    expect(report.verdict.breakEven[0]?.lambda).toBe('lambda-zip');
  });

  it('sums REPORT lines per variant across scenarios', () => {
    const zip = report.reportLines.find((r) => r.variant === 'lambda-zip');
    // 6 from the single starts + 2 from the burst + 3 from the steady phase; warm billed 40,
    // 50, 60, 50, 60, 70 → mean 55.
    expect(zip?.invocations).toBe(11);
    expect(zip?.initDuration.count).toBe(5);
    expect(zip?.warmBilledDuration.mean).toBe(55);
    expect(zip?.maxMemoryUsedMb).toBe(120);
  });

  it('counts S3 results that arrived and leaves all-done empty when one did not', () => {
    expect(report.s3[0]).toMatchObject({ images: 3, done: 2, allDoneMs: null });
    expect(report.s3[0]?.perImage.max).toBe(1200);
  });

  it('prices lambda-zip with its own measured duration, memory, cold share and Init', () => {
    const zip = report.cost.variants.find((v) => v.variant === 'lambda-zip');
    // Cold share 5 inits / 11 invocations; Init p50 of 400, 450, 500, 700, 720 → 500; duration
    // the warm billed mean 55 ms.
    expect(zip).toMatchObject({
      durationMs: 55,
      memoryMb: 1769,
      initMs: 500,
      requestsPerMonth: COST_AT_REQUESTS,
    });
    expect(zip?.coldShare).toBeCloseTo(5 / 11, 10);
    const expected = costReport(
      workload({
        requestsPerMonth: COST_AT_REQUESTS,
        durationMs: 55,
        memoryMb: 1769,
        arch: 'arm64',
        payloadKb: 100,
        coldShare: 5 / 11,
        initMs: 500,
        measuredWhere: 'local',
      }),
    ).variants.find((v) => v.variant === 'lambda-zip');
    expect(zip?.monthlyUsd).toBeCloseTo(expected?.monthlyUsd ?? Number.NaN, 10);
    expect(report.cost.model?.measuredWhere).toBe('local');
    expect(report.cost.model?.curve.length).toBeGreaterThan(10);
    expect(zip?.fargateBreakEven?.lambda).toBe('lambda-zip');
  });

  it("prices the local managed-instances variant under the cost model's name", () => {
    expect(costName('managed-instances')).toBe('lambda-managed-instances');
    expect(costName('lambda-zip')).toBe('lambda-zip');
    expect(costName('trivial')).toBeUndefined();
    const lmi = buildReport(
      runInput({ phases: [STEADY, { ...STEADY, variant: 'managed-instances' }] }),
    );
    expect(lmi.cost.variants.map((v) => v.variant)).toEqual(['lambda-zip', 'managed-instances']);
    // The model's curves still come from the first Lambda variant's workload.
    expect(lmi.cost.model?.workload.durationMs).toBe(55);
  });

  it('quotes costs at the monthly requests the run was given', () => {
    const at = buildReport(runInput({ requestsPerMonth: 5_000 }));
    expect(at.cost.variants[0]?.requestsPerMonth).toBe(5_000);
    expect(at.verdict.lines.join(' ')).toContain('5,000 requests a month');
  });

  it('summarises the published figure from its own values', () => {
    const p = report.published[0];
    // lambda-perf 2025-12-21, ten values: sorted, the 5th is 136.9 (nearest-rank p50).
    expect(p?.initDuration.count).toBe(10);
    expect(p?.initDuration.p50).toBe(136.9);
  });
});
