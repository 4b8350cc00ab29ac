import { buildReport } from '../../../loadtest/report-json';
import { reportMarkdown } from '../../../loadtest/report-md';
import { runInput } from './run-input';

describe('reportMarkdown', () => {
  const md = reportMarkdown(buildReport(runInput()));

  it('says where every figure was measured', () => {
    expect(md).toContain("Measured on: **this machine's local cloud (x64, Node 24)** (local)");
    expect(md).toContain('## Cold-start burst (local)');
    expect(md).toContain('## Steady phases and ramp (local)');
    expect(md).toContain('durations measured on this machine');
  });

  it('prints each goal with its measured ratio, bound and status', () => {
    // 550 / 148 = 3.716… → 3.72; 50 / 40 = 1.25.
    expect(md).toMatch(
      /\| cold-start penalty vs trivial function \| lambda-zip \| 3\.72 \| <= 2 \| MISS \|/,
    );
    expect(md).toMatch(
      /\| warm POST \/cartoon p50 vs bare cartoonize \| lambda-zip \| 1\.25 \| <= 1\.15 \| MISS \|/,
    );
    expect(md).toMatch(/\| fargate throughput .* \| fargate \| - \| >= 0\.8 \| NOT MEASURED \|/);
  });

  it('has a row per cold burst and per phase with the counts', () => {
    expect(md).toMatch(
      /\| lambda-zip \| 3 \| 3 \| 3 \| 3 \| 600\.0 \| 700\.0 \| 50\.0 \| 450\.0 \| 500\.0 \| reaped \|/,
    );
    expect(md).toMatch(
      /\| lambda-zip \| steady 2\/s \| 2 \| 5 \| 3 \| 1\.50 \| 50\.0 \| 70\.0 \| 70\.0 \| 70\.0 \| 0 \| 1 \| 0 \|/,
    );
  });

  it('lists each burst request with its latency and whether it was cold', () => {
    expect(md).toContain(
      'lambda-zip burst, each request (ms, C = x-cold-start): 500 C, 600 C, 700 C',
    );
    expect(md).toContain('trivial burst, each request (ms, C = x-cold-start): 150 C, 250 C');
  });

  it('shows a dash, not NaN, for what was not measured', () => {
    expect(md).not.toContain('NaN');
  });

  it('cites the published cold start with its date', () => {
    expect(md).toContain('lambda-perf');
    expect(md).toContain('2025-12-21');
  });
});
