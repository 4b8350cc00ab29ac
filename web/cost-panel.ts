/**
 * The cost panel: the same model as `npm run cost` (loadtest/cost-model.ts, bundled, not
 * copied), redrawn on every input, with the cost curves as a small SVG chart.
 */
import { formatUsd, VARIANTS, type VariantName, workload } from '../loadtest/cost-model';
import { type CostReport, costReport } from '../loadtest/cost-report';

export interface CostInputs {
  readonly requestsPerMonth: number;
  readonly payloadKb: number;
  readonly memoryMb: number;
  readonly durationMs: number;
}

/**
 * The report the panel shows, as `npm run cost -- --requests R --payload-kb P --memory-mb M
 * --duration-ms D --arch arm64` computes it.
 *
 * @example
 * ```ts
 * panelReport({ requestsPerMonth: 1e6, payloadKb: 300, memoryMb: 1769, durationMs: 500 });
 * ```
 */
export function panelReport(inputs: CostInputs): CostReport {
  return costReport(workload({ ...inputs, arch: 'arm64' }));
}

const COLOURS: Readonly<Record<VariantName, string>> = {
  'lambda-zip': '#0b57d0',
  'lambda-image': '#7b2cbf',
  fargate: '#b3261e',
  'lambda-managed-instances': '#146c2e',
};

/**
 * A log-log SVG chart of monthly cost against monthly requests, one line per variant.
 *
 * @example
 * ```ts
 * element.innerHTML = costChartSvg(report);
 * ```
 */
export function costChartSvg(report: CostReport): string {
  const W = 640;
  const H = 300;
  const pad = { l: 64, r: 12, t: 12, b: 40 };
  const xs = report.curve.map((p) => p.requestsPerMonth);
  const ys = report.curve.flatMap((p) => Object.values(p.usd)).filter((v) => v > 0);
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const [y0, y1] = [
    Math.floor(Math.log10(Math.min(...ys))),
    Math.ceil(Math.log10(Math.max(...ys))),
  ];
  const x = (v: number) => pad.l + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - pad.l - pad.r);
  const y = (v: number) =>
    H - pad.b - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b);
  const lines = VARIANTS.map((variant) => {
    const points = report.curve.map(
      (p) => `${x(p.requestsPerMonth).toFixed(1)},${y(p.usd[variant]).toFixed(1)}`,
    );
    return `<polyline fill="none" stroke="${COLOURS[variant]}" stroke-width="2" points="${points.join(' ')}"><title>${variant}</title></polyline>`;
  });
  const grid: string[] = [];
  for (let e = Math.ceil(x0); e <= x1; e++) {
    grid.push(
      `<text x="${x(10 ** e)}" y="${H - pad.b + 16}" text-anchor="middle" font-size="11">1e${e}</text>`,
    );
  }
  for (let e = y0; e <= y1; e++) {
    grid.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`,
      `<text x="${pad.l - 6}" y="${y(10 ** e) + 4}" text-anchor="end" font-size="11">$${(10 ** e).toLocaleString('en-US')}</text>`,
    );
  }
  const legend = VARIANTS.map(
    (v, i) =>
      `<text x="${pad.l + 8 + i * 140}" y="${H - 6}" font-size="12" fill="${COLOURS[v]}">■ ${v}</text>`,
  );
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Monthly cost in US dollars against images a month, log scales"><line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#555"/>${grid.join('')}${lines.join('')}${legend.join('')}</svg>`;
}

/** Table rows: variant, monthly cost and per-1,000-images cost, formatted as the CLI prints them. */
export function costRows(
  report: CostReport,
): { variant: string; monthly: string; per1000: string }[] {
  return report.variants.map((v) => ({
    variant: v.deployed ? v.variant : `${v.variant} (priced, not deployed)`,
    monthly: formatUsd(v.monthlyUsd),
    per1000: v.per1000ImagesUsd === null ? '-' : formatUsd(v.per1000ImagesUsd, 4),
  }));
}
