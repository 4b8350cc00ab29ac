import { median, percentile, perSecond, round2, summarize } from '../../../loadtest/stats';

describe('percentile (nearest rank)', () => {
  const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  it('takes the value at rank ceil(p/100 × n)', () => {
    // p50: ceil(0.5 × 10) = 5 → 50; p90: ceil(0.9 × 10) = 9 → 90; p99: ceil(9.9) = 10 → 100.
    expect(percentile(ten, 50)).toBe(50);
    expect(percentile(ten, 90)).toBe(90);
    expect(percentile(ten, 99)).toBe(100);
    // p91: ceil(9.1) = 10 → 100.
    expect(percentile(ten, 91)).toBe(100);
  });

  it('gives the smallest value at p0 and NaN for no samples', () => {
    expect(percentile(ten, 0)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts, and gives count, min, mean, percentiles and max', () => {
    // 4 + 1 + 3 + 2 = 10, mean 2.5; p50 rank ceil(2) = 2 → 2; p90 rank ceil(3.6) = 4 → 4.
    expect(summarize([4, 1, 3, 2])).toEqual({
      count: 4,
      min: 1,
      mean: 2.5,
      p50: 2,
      p90: 4,
      p99: 4,
      max: 4,
    });
  });

  it('keeps percentiles ordered on any input', () => {
    const values = Array.from({ length: 101 }, (_, i) => (i * 37) % 101);
    const s = summarize(values);
    expect(s.min).toBeLessThanOrEqual(s.p50);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.p50).toBe(50);
  });

  it('is all NaN but the count for no samples', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.p50).toBeNaN();
    expect(s.mean).toBeNaN();
  });
});

describe('median and round2', () => {
  it('median is p50', () => {
    expect(median([5, 1, 9])).toBe(5);
    expect(median([1, 2, 3, 4])).toBe(2);
  });
  it('round2 keeps two decimals', () => {
    expect(round2(1.23456)).toBe(1.23);
    expect(round2(2.005e3)).toBe(2005);
  });
});

describe('perSecond', () => {
  it('buckets by completion second with p50, max and errors', () => {
    const buckets = perSecond([
      { endMs: 100, latencyMs: 5, ok: true },
      { endMs: 900, latencyMs: 9, ok: false },
      { endMs: 999, latencyMs: 7, ok: true },
      { endMs: 2500, latencyMs: 3, ok: true },
    ]);
    // Second 0 holds 5, 9, 7: sorted 5, 7, 9 → p50 rank 2 → 7.
    expect(buckets).toEqual([
      { second: 0, requests: 3, p50: 7, max: 9, errors: 1 },
      { second: 2, requests: 1, p50: 3, max: 3, errors: 0 },
    ]);
  });
});
