/**
 * A small, fixed run for the report builders' tests: every figure chosen so the expected
 * summaries can be worked out by hand (the arithmetic is in the tests). Single cold starts of
 * lambda-zip and the trivial function, a burst of lambda-zip, one steady phase, one S3 batch.
 */

import type { Sample } from '../../../loadtest/node/load';
import type { PhaseResult, RunInput } from '../../../loadtest/results';
import type { Report } from '../../../local-cloud/report-log';

const ok = (endMs: number, latencyMs: number, coldHeader?: boolean): Sample => ({
  endMs,
  latencyMs,
  status: 200,
  ...(coldHeader === undefined ? {} : { coldHeader }),
});
const report = (requestId: string, billed: number, init?: number): Report => ({
  requestId,
  durationMs: billed - 0.5,
  billedDurationMs: billed,
  memorySizeMb: 1769,
  maxMemoryUsedMb: 120,
  ...(init === undefined ? {} : { initDurationMs: init }),
});

export const STEADY: PhaseResult = {
  variant: 'lambda-zip',
  phase: 'steady 2/s',
  kind: 'steady',
  targetRatePerS: 2,
  durationS: 2,
  sent: 5,
  timeouts: 0,
  errors: 0,
  statusCounts: { '200': 3, '429': 1 },
  samples: [ok(400, 50), ok(900, 60), { endMs: 1400, latencyMs: 5, status: 429 }, ok(1900, 70)],
  histogram: { p50: 60, p90: 70, p99: 70, max: 70, mean: 60 },
  reports: [report('s1', 50), report('s2', 60), report('s3', 70)],
};

export function runInput(overrides: Partial<RunInput> = {}): RunInput {
  return {
    startedAt: '2026-11-28T20:00:00.000Z',
    finishedAt: '2026-11-28T20:01:00.000Z',
    where: 'local',
    label: "this machine's local cloud (x64, Node 24)",
    profile: 'smoke',
    settings: {},
    image: {
      kind: 'small',
      name: 'rocket.jpg at 320 px',
      bytes: 102_400,
      width: 320,
      height: 214,
      style: 'classic',
    },
    notes: ['fargate: not run'],
    repeat: 1,
    requestsPerMonth: 1_000_000,
    cpu: {
      cpus: 2,
      split:
        'load generator on CPU 1; the load test, its local cloud and bare cartoonize() on CPU 0',
      cloudCpus: 1,
      environments: { mechanism: 'cgroup-v1', note: 'CPU limited per process' },
      bare: 'own process, 1.00 vCPU (cgroup-v1 quota for 1769 MB, as one API environment), CPU 0',
    },
    machine: {
      cpuModel: 'a test CPU',
      cpus: 2,
      loadAverageStart: [0.5, 0.4, 0.3],
      loadAverageEnd: [1.5, 0.6, 0.4],
    },
    cold: [
      {
        variant: 'lambda-zip',
        kind: 'single',
        run: 1,
        n: 3,
        prepared: { cold: true, how: 'reaped' },
        samples: [ok(500, 500, true), ok(600, 600, true), ok(700, 700, true)],
        warmSamples: [ok(750, 40, false), ok(800, 50, false), ok(850, 60, false)],
        reports: [
          report('a', 600, 400),
          report('b', 650, 450),
          report('c', 700, 500),
          report('d', 40),
          report('e', 50),
          report('f', 60),
        ],
      },
      {
        variant: 'trivial',
        kind: 'single',
        run: 1,
        n: 2,
        prepared: { cold: true, how: 'reaped' },
        samples: [ok(150, 150, true), ok(250, 250, true)],
        warmSamples: [ok(260, 2, false), ok(270, 4, false)],
        reports: [report('t1', 100, 90), report('t2', 110, 100), report('t3', 2), report('t4', 4)],
      },
      {
        variant: 'lambda-zip',
        kind: 'burst',
        run: 1,
        n: 2,
        cores: 1,
        prepared: { cold: true, how: 'reaped' },
        samples: [ok(900, 900, true), ok(950, 950, true)],
        warmSamples: [],
        reports: [report('b1', 800, 700), report('b2', 850, 720)],
      },
    ],
    phases: [STEADY],
    saturation: [],
    s3: [
      {
        variant: 'lambda-zip',
        images: 3,
        doneMs: [900, 1200, null],
        allDoneMs: null,
        timeoutMs: 30_000,
        reports: [],
      },
    ],
    bare: {
      run: 1,
      durationsMs: [30, 40, 50],
      throughputPerS: 25,
      processes: 1,
      cpu: 'own process',
      payloadCopiesMs: [1, 2, 3],
    },
    ...overrides,
  };
}

/**
 * The run repeated `scales.length` times: run i copies run 1's cold results with lambda-zip's
 * latencies (cold and warm) scaled by `scales[i]` and the trivial function's as they are, so
 * run i's penalty ratio is 550 × scales[i] / 148.
 */
export function repeatedInput(scales: readonly number[]): RunInput {
  const base = runInput();
  const scaled = (x: Sample, k: number): Sample => ({ ...x, latencyMs: x.latencyMs * k });
  const cold = scales.flatMap((k, i) =>
    base.cold.map((c) => {
      const f = c.variant === 'trivial' ? 1 : k;
      return {
        ...c,
        run: i + 1,
        samples: c.samples.map((x) => scaled(x, f)),
        warmSamples: c.warmSamples.map((x) => scaled(x, f)),
      };
    }),
  );
  const bares = scales.map((_, i) => ({ ...(base.bare ?? missingBare()), run: i + 1 }));
  return {
    ...base,
    repeat: scales.length,
    cold,
    phases: [],
    s3: [],
    bare: bares[0] ?? null,
    bares,
  };
}

function missingBare(): never {
  throw new Error('the fixture has a bare yardstick');
}
