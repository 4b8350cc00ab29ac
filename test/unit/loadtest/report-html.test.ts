import { readFileSync } from 'node:fs';
import { CHART_JS_UMD } from '../../../loadtest/node/runner';
import {
  type ChartSpec,
  capSeries,
  chartSpecs,
  MAX_SERIES,
  reportHtml,
} from '../../../loadtest/report-html';
import { buildReport } from '../../../loadtest/report-json';
import { inlineHashes } from '../../../services/shared/page-policy';
import { runInput } from './run-input';

describe('chartSpecs', () => {
  const report = buildReport(runInput());
  const charts = chartSpecs(report);

  it('draws latency per variant, latency over time, Init Duration, throughput and cost', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'latency-lambda-zip',
      'latency-trivial',
      'over-time-lambda-zip',
      'init',
      'throughput',
      'cost',
    ]);
    for (const chart of charts) {
      expect(chart.datasets.length).toBeGreaterThan(0);
      expect(chart.datasets.length).toBeLessThanOrEqual(MAX_SERIES);
      expect(chart.datasets.some((d) => d.data.length > 0)).toBe(true);
    }
  });

  it('plots single starts and the burst as separate percentile curves', () => {
    const latency = charts.find((c) => c.id === 'latency-lambda-zip');
    const single = latency?.datasets.find((d) => d.label === 'first request (single starts)');
    // 500, 600, 700 at 33.3, 66.7 and 100 percent.
    expect(single?.data).toEqual([
      { x: 100 / 3, y: 500 },
      { x: 200 / 3, y: 600 },
      { x: 100, y: 700 },
    ]);
    expect(latency?.datasets.map((d) => d.label)).toEqual([
      'first request (single starts)',
      'warm after each start',
      'burst of 2',
      'steady 2/s',
    ]);
  });

  it('labels the Init Duration bars with how and where they were measured', () => {
    const init = charts.find((c) => c.id === 'init');
    expect(init?.labels).toEqual([
      'lambda-zip single starts (local)',
      'trivial single starts (local)',
      'lambda-zip burst of 2 on 1 core (local)',
      'nodejs24.x zip arm64 (AWS, lambda-perf 2025-12-21)',
    ]);
    expect(init?.datasets[0]?.data).toEqual([450, 90, 700, 136.9]);
  });

  it('splits a chart of more than six series into parts, none over six', () => {
    const many: ChartSpec = {
      id: 'over-time-x',
      title: 'x',
      type: 'scatter',
      datasets: Array.from({ length: 14 }, (_, i) => ({ label: `phase ${i}`, data: [i] })),
      xTitle: '',
      yTitle: '',
    };
    const parts = capSeries(many);
    expect(parts.map((p) => [p.id, p.title, p.datasets.length])).toEqual([
      ['over-time-x', 'x (1/3)', 6],
      ['over-time-x-2', 'x (2/3)', 6],
      ['over-time-x-3', 'x (3/3)', 2],
    ]);
    expect(parts.flatMap((p) => p.datasets.map((d) => d.label))).toEqual(
      many.datasets.map((d) => d.label),
    );
  });

  it('marks the break-even points on the cost curves', () => {
    const cost = charts.find((c) => c.id === 'cost');
    expect(cost?.datasets.map((d) => d.label)).toContain('break-even (Fargate cheaper from here)');
    expect(cost?.xType).toBe('logarithmic');
  });

  it('leaves out a chart with nothing to draw', () => {
    const bare = buildReport(runInput({ cold: [], phases: [], saturation: [] }));
    expect(chartSpecs(bare).map((c) => c.id)).not.toContain('throughput');
  });
});

describe('reportHtml', () => {
  const report = buildReport(runInput());
  const html = reportHtml(report, '# md </script> & more', readFileSync(CHART_JS_UMD, 'utf8'));

  it('is self-contained: chart.js inlined, no external URL loaded', () => {
    expect(html).toContain('Chart.js');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain("default-src 'none'");
  });

  it('runs only its own two scripts and its style: by hash, never unsafe-inline', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    const { scripts, styles } = inlineHashes(html);

    expect(scripts).toHaveLength(2);
    expect(policy).toBe(
      `default-src 'none'; script-src ${scripts.join(' ')}; style-src ${styles.join(' ')}`,
    );
  });

  it('puts the verdict first, before the charts', () => {
    expect(html.indexOf('id="verdict"')).toBeGreaterThan(0);
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('<figure>'));
    expect(html).toContain('First request (after a quiet spell): lambda-zip answers fastest');
  });

  it('captions every chart with where it was measured', () => {
    const captions = html.match(/<figcaption>[^<]*<\/figcaption>/g) ?? [];
    expect(captions).toHaveLength(6);
    for (const c of captions) expect(c).toContain("this machine's local cloud");
  });

  it('escapes the summary so it cannot end a script or inject markup', () => {
    expect(html).toContain('# md &lt;/script&gt; &amp; more');
  });
});
