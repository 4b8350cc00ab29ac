import type { PhaseResult } from '../../../loadtest/results';
import { held, KEEP_UP } from '../../../loadtest/scenarios/saturation';

/** A 3 s step at `rate`/s whose `answered` answers all took `latencyMs`. */
function step(rate: number, answered: number, latencyMs: number, status = 200): PhaseResult {
  return {
    variant: 'lambda-zip',
    phase: `saturation ${rate}/s`,
    kind: 'saturation',
    targetRatePerS: rate,
    durationS: 3,
    sent: rate * 3,
    timeouts: 0,
    errors: 0,
    statusCounts: { [String(status)]: answered },
    samples: Array.from({ length: answered }, (_, i) => ({
      endMs: i * 100,
      latencyMs,
      status,
    })),
    histogram: { p50: latencyMs, p90: latencyMs, p99: latencyMs, max: latencyMs, mean: latencyMs },
    reports: [],
  };
}

describe('held', () => {
  it('holds a step that answers its rate cleanly under the bound', () => {
    // 22 of 24 asked in 3 s: 7.3/s, at least 0.8 × 8.
    expect(held(step(8, 22, 300), 2000)).toBe(true);
  });

  it('does not hold a step that fell behind its rate, however clean its answers', () => {
    // 9 answers in 3 s at 8/s asked: 3/s, the rest still queued when the step ended.
    expect(3 < KEEP_UP * 8).toBe(true);
    expect(held(step(8, 9, 500), 2000)).toBe(false);
  });

  it('does not hold a step over the bound or with failed answers', () => {
    expect(held(step(2, 6, 2500), 2000)).toBe(false);
    expect(held(step(2, 6, 100, 503), 2000)).toBe(false);
  });
});
