import { buildReport } from '../../../loadtest/report-json';
import { burstLabel, reportMarkdown } from '../../../loadtest/report-md';
import { repeatedInput, runInput } from './run-input';

describe('reportMarkdown', () => {
  const md = reportMarkdown(buildReport(runInput()));

  it('opens with the verdict, before any table', () => {
    const verdict = md.indexOf('## Verdict');
    expect(verdict).toBeGreaterThan(0);
    expect(verdict).toBeLessThan(md.indexOf('|'));
    expect(md).toContain('First request (after a quiet spell): lambda-zip answers fastest, 600 ms');
    expect(md).toContain('Thousandth request (warm): lambda-zip answers fastest, 50 ms p50');
    expect(md).toMatch(/Cheapest at 1,000,000 requests a month: lambda-zip, \$\d+\.\d\d a month/);
    expect(md).toMatch(
      /Break-even against lambda-zip: Fargate is cheaper from [\d,]+ requests a month/,
    );
  });

  it('says where every figure was measured, on what machine, and what applied', () => {
    expect(md).toContain("Measured on: **this machine's local cloud (x64, Node 24)** (local)");
    expect(md).toContain('load average 0.50 0.40 0.30 at the start, 1.50 0.60 0.40 at the end');
    expect(md).toContain(
      '- CPUs: load generator on CPU 1; the load test, its local cloud and bare cartoonize() on CPU 0.',
    );
    expect(md).toContain('- Each environment: CPU limited per process (cgroup-v1).');
    expect(md).toContain('- Bare cartoonize(): own process, 1.00 vCPU');
    expect(md).toContain('## Cold starts, one at a time (local)');
    expect(md).toContain('## Burst of 2 on 1 core (local)');
    expect(md).toContain('## Steady phases and ramp (local)');
    expect(md).toContain('durations measured on this machine');
  });

  it('prints each goal with its median, spread, bound and status', () => {
    // 550 / 148 = 3.716… → 3.72; 50 / 40 = 1.25; 50 − 40 = 10 ms.
    expect(md).toMatch(
      /\| cold-start penalty vs trivial function \| lambda-zip \| 3\.72 \| 3\.72–3\.72 \| <= 2 \| MISS \|/,
    );
    expect(md).toMatch(
      /\| warm POST \/cartoon p50 vs bare cartoonize \| lambda-zip \| 1\.25 \| 1\.25–1\.25 \| <= 1\.15 \| MISS \|/,
    );
    expect(md).toMatch(/\| lambda-zip \| 10\.00 ms \| 10\.00–10\.00 \| <= 5 ms \| MISS \|/);
    expect(md).toMatch(
      /\| fargate throughput .* \| fargate \| - \| - \| >= 0\.8 \| NOT MEASURED \|/,
    );
  });

  it('shows the spread of repeated runs and judges the median', () => {
    const repeated = reportMarkdown(buildReport(repeatedInput([0.5, 0.5, 2])));
    expect(repeated).toContain('## Goals (median of 3 runs, spread min–max)');
    expect(repeated).toMatch(
      /\| cold-start penalty vs trivial function \| lambda-zip \| 1\.86 \| 1\.86–7\.43 \| <= 2 \| PASS \|/,
    );
  });

  it('has a headline row per variant of single starts: median (min–max), penalty and ratios', () => {
    expect(md).toMatch(
      /\| lambda-zip \| 3 \| 600\.0 \(500\.0–700\.0\) \| 50\.0 \(40\.0–60\.0\) \| 550\.0 \| 3\.72× \| 450\.0 \(400\.0–500\.0\) \| 5\.00× \| reaped \|/,
    );
    expect(md).toMatch(
      /\| trivial \| 2 \| 150\.0 \(150\.0–250\.0\) \| 2\.0 \(2\.0–4\.0\) \| 148\.0 \| - \|/,
    );
  });

  it('keeps the burst apart, each request listed', () => {
    expect(md).toMatch(
      /\| lambda-zip \| 1 \| 2 \| 2 \| 2 \| 2 \| 900\.0 \| 950\.0 \| 700\.0 \| 720\.0 \| reaped \|/,
    );
    expect(md).toContain('lambda-zip burst, each request (ms, C = x-cold-start): 900 C, 950 C');
    expect(md).not.toContain('lambda-zip burst, each request (ms, C = x-cold-start): 500');
  });

  it('reports warm overhead over bare cartoonize() in ms and as a ratio', () => {
    expect(md).toMatch(
      /\| lambda-zip \| 50\.0 \| 40\.0 \| 10\.0 \| 1\.25× \| 2\.0 \| warm requests after each cold start \|/,
    );
  });

  it('has a row per phase with the counts', () => {
    expect(md).toMatch(
      /\| lambda-zip \| steady 2\/s \| 2 \| 5 \| 3 \| 1\.50 \| 50\.0 \| 70\.0 \| 70\.0 \| 70\.0 \| 0 \| 1 \| 0 \|/,
    );
  });

  it('shows a dash, not NaN, for what was not measured', () => {
    expect(md).not.toContain('NaN');
  });

  it('cites the published cold start with its date', () => {
    expect(md).toContain('lambda-perf');
    expect(md).toContain('2025-12-21');
  });
});

describe('burstLabel', () => {
  it('says how many started at once on how many cores', () => {
    expect(burstLabel({ n: 2, cores: 1 })).toBe('Burst of 2 on 1 core');
    expect(burstLabel({ n: 4, cores: 2 })).toBe('Burst of 4 on 2 cores');
    expect(burstLabel({ n: 3, cores: null })).toBe('Burst of 3');
  });
});
