/**
 * report.html: one self-contained page (chart.js's UMD build inlined, the figures inlined as
 * JSON, no network requests) with the run's charts, each captioned with where it was measured.
 * The chart specs are built here, in TypeScript, so they are tested without a browser; the
 * page only hands them to chart.js. No file access here (the caller reads chart.js), so the
 * module stays loadable in a browser like the rest of loadtest/'s top level.
 */
import { cspHash } from '../services/shared/page-policy';
import type { LoadtestReport } from './report-json';
import { burstLabel } from './report-md';
import { perSecond } from './stats';

interface Point {
  readonly x: number;
  readonly y: number;
}
interface Dataset {
  readonly label: string;
  readonly data: readonly (Point | number)[];
  readonly type?: string;
  readonly showLine?: boolean;
  readonly pointRadius?: number;
}
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly type: 'line' | 'bar' | 'scatter';
  readonly labels?: readonly string[];
  readonly datasets: readonly Dataset[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly xType?: 'linear' | 'logarithmic' | 'category';
  readonly yType?: 'linear' | 'logarithmic';
}

/** Latencies as a percentile curve: x the percentile, y the latency. */
function percentileCurve(latencies: readonly number[]): Point[] {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted.map((y, i) => ({
    x: sorted.length === 1 ? 100 : (100 * (i + 1)) / sorted.length,
    y,
  }));
}

/** The most series one chart carries: more and its legend cannot be read. */
export const MAX_SERIES = 6;

/**
 * A chart with more than `MAX_SERIES` series split into several, each titled with its part.
 *
 * @example
 * ```ts
 * capSeries(spec).map((c) => c.id); // ['over-time-lambda-zip', 'over-time-lambda-zip-2']
 * ```
 */
export function capSeries(spec: ChartSpec, max = MAX_SERIES): ChartSpec[] {
  if (spec.datasets.length <= max) return [spec];
  const parts = Math.ceil(spec.datasets.length / max);
  return Array.from({ length: parts }, (_, i) => ({
    ...spec,
    id: i === 0 ? spec.id : `${spec.id}-${i + 1}`,
    title: `${spec.title} (${i + 1}/${parts})`,
    datasets: spec.datasets.slice(i * max, (i + 1) * max),
  }));
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

/**
 * The charts of a report, each with at most `MAX_SERIES` series: latency distributions and
 * latency over time per variant, Init Duration, throughput and cost. A chart with no data is
 * left out rather than drawn empty.
 *
 * @example
 * ```ts
 * chartSpecs(report).map((c) => c.id); // ['latency-lambda-zip', 'latency-trivial', 'over-time-lambda-zip', 'init', 'throughput', 'cost']
 * ```
 */
export function chartSpecs(r: LoadtestReport): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const variants = [...new Set([...r.raw.cold, ...r.raw.phases].map((x) => x.variant))];
  const many = r.repeat > 1;
  const runTag = (run: number | undefined) => (many ? ` run ${run ?? 1}` : '');
  for (const variant of variants) {
    const latency: Dataset[] = [];
    for (const c of r.raw.cold.filter((x) => x.variant === variant)) {
      const burst = (c.kind ?? 'burst') === 'burst';
      latency.push({
        label: burst
          ? `burst of ${c.n}${runTag(c.run)}`
          : `first request (single starts)${runTag(c.run)}`,
        data: percentileCurve(c.samples.map((s) => s.latencyMs)),
        showLine: true,
      });
      if (!burst)
        latency.push({
          label: `warm after each start${runTag(c.run)}`,
          data: percentileCurve(c.warmSamples.map((s) => s.latencyMs)),
          showLine: true,
        });
    }
    for (const p of r.raw.phases.filter((x) => x.variant === variant && x.kind === 'steady')) {
      latency.push({
        label: `${p.phase}${runTag(p.run)}`,
        data: percentileCurve(p.samples.map((s) => s.latencyMs)),
        showLine: true,
      });
    }
    const drawn = latency.filter((d) => d.data.length > 0);
    if (drawn.length > 0)
      charts.push(
        ...capSeries({
          id: `latency-${slug(variant)}`,
          title: `${variant}: latency distribution (cold and warm)`,
          type: 'scatter',
          datasets: drawn,
          xTitle: 'percentile',
          yTitle: 'latency (ms)',
          yType: 'logarithmic',
        }),
      );
  }
  const timed = [...r.raw.phases, ...r.raw.saturation.flatMap((s) => s.steps)];
  for (const variant of [...new Set(timed.map((p) => p.variant))]) {
    const overTime: Dataset[] = timed
      .filter((p) => p.variant === variant)
      .map((p) => ({
        label: `${p.phase}${runTag(p.run)}`,
        data: perSecond(
          p.samples.map((s) => ({ endMs: s.endMs, latencyMs: s.latencyMs, ok: s.status < 400 })),
        ).map((b) => ({ x: b.second, y: b.p50 })),
        showLine: true,
      }))
      .filter((d) => d.data.length > 0);
    if (overTime.length > 0)
      charts.push(
        ...capSeries({
          id: `over-time-${slug(variant)}`,
          title: `${variant}: p50 latency over time, per phase`,
          type: 'scatter',
          datasets: overTime,
          xTitle: 'seconds into the phase',
          yTitle: 'p50 latency (ms)',
        }),
      );
  }
  const withInit = r.coldStarts.filter((c) => c.init.count > 0);
  const burstInit = r.cold.filter((c) => c.kind === 'burst' && c.initDuration.count > 0);
  const labels = [
    ...withInit.map((c) => `${c.variant} single starts (${r.where})`),
    ...burstInit.map(
      (c) => `${c.variant} ${burstLabel(c).toLowerCase()}${runTag(c.run)} (${r.where})`,
    ),
    ...r.published.map((p) => `${p.runtime} ${p.packaging} ${p.arch} (AWS, lambda-perf ${p.date})`),
  ];
  if (labels.length > 0) {
    charts.push({
      id: 'init',
      title: 'Init Duration (REPORT lines)',
      type: 'bar',
      labels,
      datasets: [
        {
          label: 'p50',
          data: [
            ...withInit.map((c) => c.init.median),
            ...burstInit.map((c) => c.initDuration.p50),
            ...r.published.map((p) => p.initDuration.p50),
          ],
        },
        {
          label: 'max',
          data: [
            ...withInit.map((c) => c.init.max),
            ...burstInit.map((c) => c.initDuration.max),
            ...r.published.map((p) => p.initDuration.max),
          ],
        },
      ],
      xTitle: '',
      yTitle: 'ms',
      xType: 'category',
    });
  }
  const phases = [...r.phases, ...r.saturation.flatMap((s) => s.steps)];
  if (phases.length > 0) {
    charts.push({
      id: 'throughput',
      title: 'Throughput per phase (2xx answers per second)',
      type: 'bar',
      labels: phases.map((p) => `${p.variant} ${p.phase}`),
      datasets: [
        { label: 'target rate/s', data: phases.map((p) => p.targetRatePerS) },
        { label: 'throughput/s', data: phases.map((p) => p.throughputPerS) },
      ],
      xTitle: '',
      yTitle: 'requests per second',
      xType: 'category',
    });
  }
  const model = r.cost.model;
  if (model) {
    const names = model.variants.map((v) => v.variant);
    const curves: Dataset[] = names.map((name) => ({
      label: name,
      data: model.curve.map((p) => ({ x: p.requestsPerMonth, y: p.usd[name] })),
      showLine: true,
      pointRadius: 0,
    }));
    const points = model.breakEven.flatMap((b) => {
      const x = b.breakEven.requestsPerMonth;
      if (x === null) return [];
      const near = model.curve.reduce((best, p) =>
        Math.abs(p.requestsPerMonth - x) < Math.abs(best.requestsPerMonth - x) ? p : best,
      );
      return [{ x, y: near.usd.fargate }];
    });
    if (points.length > 0)
      curves.push({
        label: 'break-even (Fargate cheaper from here)',
        data: points,
        showLine: false,
        pointRadius: 6,
      });
    charts.push(
      ...capSeries({
        id: 'cost',
        title: 'Monthly cost vs monthly requests',
        type: 'scatter',
        datasets: curves,
        xTitle: 'requests per month',
        yTitle: 'USD per month',
        xType: 'logarithmic',
        yType: 'logarithmic',
      }),
    );
  }
  return charts;
}

const REPORT_CSS =
  'body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}figure{margin:2em 0}.box{position:relative;height:380px}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
/** JSON inside a script element must not contain `</script>`. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The page, with `chartJs` (the text of chart.js's UMD build) inlined.
 *
 * @example
 * ```ts
 * writeFileSync('report.html', reportHtml(report, reportMarkdown(report), readFileSync(CHART_JS_UMD, 'utf8')));
 * ```
 */
export function reportHtml(r: LoadtestReport, markdown: string, chartJs: string): string {
  const charts = chartSpecs(r);
  const script = chartJs.replace(/<\/script/gi, '<\\/script');
  const where = escapeHtml(r.measuredWhere);
  const figures = charts
    .map(
      (c) =>
        `<figure><figcaption>${escapeHtml(c.title)} — measured on ${where}${c.id === 'cost' ? ` (${escapeHtml(r.cost.basis)})` : ''}</figcaption><div class="box"><canvas id="chart-${c.id}"></canvas></div></figure>`,
    )
    .join('\n');
  const draw = `
const specs = ${inlineJson(charts)};
window.__charts = [];
for (const spec of specs) {
  const scales = {
    x: { type: spec.xType || 'linear', title: { display: !!spec.xTitle, text: spec.xTitle } },
    y: { type: spec.yType || 'linear', title: { display: true, text: spec.yTitle } },
  };
  const chart = new Chart(document.getElementById('chart-' + spec.id), {
    type: spec.type,
    data: { labels: spec.labels, datasets: spec.datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales,
      plugins: { title: { display: true, text: spec.title },
        legend: { display: true, position: 'bottom', labels: { boxWidth: 14, font: { size: 13 } } } } },
  });
  window.__charts.push({ id: spec.id, chart });
}
`;
  // The page runs its two scripts and its style, by hash, and loads nothing.
  const policy = `default-src 'none'; script-src ${cspHash(script)} ${cspHash(draw)}; style-src ${cspHash(REPORT_CSS)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>cartoon-compute load test ${escapeHtml(r.startedAt)}</title>
<style>${REPORT_CSS}</style>
</head><body>
<h1>cartoon-compute load test</h1>
<p>Every figure on this page was measured on <strong>${where}</strong> (${escapeHtml(r.where)}), ${escapeHtml(r.startedAt)}, profile ${escapeHtml(r.profile)}.</p>
<h2>Verdict</h2>
<ul id="verdict">${r.verdict.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>
${figures}
<h2>Summary</h2>
<pre>${escapeHtml(markdown)}</pre>
<script>${script}</script>
<script>${draw}</script>
</body></html>
`;
}
