import { workload } from '../../../loadtest/cost-model';
import { costReport } from '../../../loadtest/cost-report';
import {
  buildReport,
  COST_AT_REQUESTS,
  coldSummary,
  goals,
  phaseSummary,
  SCHEMA_VERSION,
} from '../../../loadtest/report-json';
import { runInput, STEADY } from './run-input';

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

describe('goals', () => {
  it('computes each ratio from the run and marks it against its bound', () => {
    const [penalty, warm, fargate] = goals(runInput());
    // lambda-zip: 600 cold p50 − 50 warm p50 = 550. trivial: cold [150, 250] has p50 rank
    // ceil(0.5 × 2) = 1 → 150, warm [2, 4] → 2, so 150 − 2 = 148. 550 / 148 = 3.72 > 2.
    expect(penalty?.ratio).toBeCloseTo(550 / 148, 10);
    expect(penalty?.status).toBe('MISS');
    // Warm p50 50 / bare median 40 = 1.25 > 1.15.
    expect(warm?.ratio).toBeCloseTo(1.25, 10);
    expect(warm?.status).toBe('MISS');
    expect(fargate).toMatchObject({ variant: 'fargate', status: 'NOT MEASURED', ratio: null });
  });

  it('passes when the figures are within the bounds', () => {
    const input = runInput({
      bare: { durationsMs: [45, 48, 50], throughputPerS: 20, processes: 1 },
    });
    const warm = goals(input)[1];
    // 50 / 48 = 1.0417 ≤ 1.15.
    expect(warm?.ratio).toBeCloseTo(50 / 48, 10);
    expect(warm?.status).toBe('PASS');
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
    expect(fargate?.ratio).toBeCloseTo(0.72, 10);
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
  });

  it('sums REPORT lines per variant across scenarios', () => {
    const zip = report.reportLines.find((r) => r.variant === 'lambda-zip');
    // 6 from the burst + 3 from the steady phase; warm billed 40, 50, 60, 50, 60, 70 → mean 55.
    expect(zip?.invocations).toBe(9);
    expect(zip?.initDuration.count).toBe(3);
    expect(zip?.warmBilledDuration.mean).toBe(55);
    expect(zip?.maxMemoryUsedMb).toBe(120);
  });

  it('counts S3 results that arrived and leaves all-done empty when one did not', () => {
    expect(report.s3[0]).toMatchObject({ images: 3, done: 2, allDoneMs: null });
    expect(report.s3[0]?.perImage.max).toBe(1200);
  });

  it('prices lambda-zip with its own measured duration, memory, cold share and Init', () => {
    const zip = report.cost.variants.find((v) => v.variant === 'lambda-zip');
    // Cold share 3 inits / 9 invocations; Init p50 450; duration the warm billed mean 55 ms.
    expect(zip).toMatchObject({
      durationMs: 55,
      memoryMb: 1769,
      initMs: 450,
      requestsPerMonth: COST_AT_REQUESTS,
    });
    expect(zip?.coldShare).toBeCloseTo(3 / 9, 10);
    const expected = costReport(
      workload({
        requestsPerMonth: COST_AT_REQUESTS,
        durationMs: 55,
        memoryMb: 1769,
        arch: 'arm64',
        payloadKb: 100,
        coldShare: 3 / 9,
        initMs: 450,
        measuredWhere: 'local',
      }),
    ).variants.find((v) => v.variant === 'lambda-zip');
    expect(zip?.monthlyUsd).toBeCloseTo(expected?.monthlyUsd ?? Number.NaN, 10);
    expect(report.cost.model?.measuredWhere).toBe('local');
    expect(report.cost.model?.curve.length).toBeGreaterThan(10);
  });

  it('summarises the published figure from its own values', () => {
    const p = report.published[0];
    // lambda-perf 2025-12-21, ten values: sorted, the 5th is 136.9 (nearest-rank p50).
    expect(p?.initDuration.count).toBe(10);
    expect(p?.initDuration.p50).toBe(136.9);
  });
});
