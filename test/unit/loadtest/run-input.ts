/**
 * A small, fixed run for the report builders' tests: every figure chosen so the expected
 * summaries can be worked out by hand (the arithmetic is in the tests).
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
    image: { name: 'rocket.jpg', bytes: 102_400, width: 320, height: 214, style: 'classic' },
    notes: ['fargate: not run'],
    cold: [
      {
        variant: 'lambda-zip',
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
        n: 2,
        prepared: { cold: true, how: 'reaped' },
        samples: [ok(150, 150, true), ok(250, 250, true)],
        warmSamples: [ok(260, 2, false), ok(270, 4, false)],
        reports: [report('t1', 100, 90), report('t2', 110, 100), report('t3', 2), report('t4', 4)],
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
    bare: { durationsMs: [30, 40, 50], throughputPerS: 25, processes: 1 },
    ...overrides,
  };
}
