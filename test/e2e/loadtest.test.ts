// A smoke load test as `npm run loadtest -- --profile smoke` runs it, smaller still: a local
// cloud started by the test on ephemeral ports with lambda-zip and the trivial baseline, every
// scenario, then the report checked for consistency (counts add up, cold answers are exactly
// those with an Init Duration, single starts one at a time and the burst apart, percentiles
// ordered, a verdict first) and report.html opened in headless Chromium (every chart drawn
// with data, at most six series each, a legend that fits, no page errors). Builds what is
// missing first.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localTarget } from '../../loadtest/node/local-target';
import { type LoadtestOptions, parseOptions } from '../../loadtest/node/options';
import { runLoadtest } from '../../loadtest/node/runner';
import type { LoadtestReport } from '../../loadtest/report-json';
import type { Summary } from '../../loadtest/stats';
import { launchChromium } from '../support/chromium';

const ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATE = path.join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');

function ensureArtifacts(): void {
  const run = (args: string[]) => execFileSync('npm', args, { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(TEMPLATE) || !existsSync(path.join(ROOT, 'build', 'functions', 'api.zip'))) {
    run(['run', 'package']);
  }
  if (!existsSync(path.join(ROOT, 'build', `layer-${process.arch}.zip`))) {
    run(['run', 'build:layer', '--', '--arch', process.arch]);
  }
}

function expectOrdered(s: Summary): void {
  if (s.count === 0) return;
  expect(s.min).toBeLessThanOrEqual(s.p50);
  expect(s.p50).toBeLessThanOrEqual(s.p90);
  expect(s.p90).toBeLessThanOrEqual(s.p99);
  expect(s.p99).toBeLessThanOrEqual(s.max);
}

let dir: string;
let out: string;
let report: LoadtestReport;

beforeAll(async () => {
  ensureArtifacts();
  dir = mkdtempSync(path.join(tmpdir(), 'loadtest-e2e-'));
  const options = parseOptions([
    '--profile',
    'smoke',
    '--variants',
    'lambda-zip',
    '--cold',
    '2',
    '--warm',
    '2',
    '--burst',
    '2',
    '--rates',
    '2',
    '--duration',
    '2',
    '--ramp-steps',
    '1',
    '--ramp-step',
    '1',
    '--saturation-max',
    '4',
    '--saturation-step',
    '2',
    '--s3-images',
    '2',
    '--bare-runs',
    '3',
    '--idle-timeout',
    '1.5',
  ]) as LoadtestOptions;
  const notes: string[] = [];
  const target = await localTarget({
    variants: options.variants,
    stateDir: dir,
    idleTimeoutMs: options.idleTimeoutS * 1000,
    forceStart: true,
    note: (n) => notes.push(n),
  });
  try {
    const run = await runLoadtest(options, target, { notes, outDir: path.join(dir, 'reports') });
    out = run.dir;
    report = run.report;
  } finally {
    await target.close();
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a smoke load test against the local cloud', () => {
  it('writes report.json (versioned), report.md and report.html', () => {
    const json = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as LoadtestReport;
    expect(json.schemaVersion).toBe(2);
    expect(json.where).toBe('local');
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Goals');
    // The verdict opens it, before the goals.
    expect(md.indexOf('## Verdict')).toBeLessThan(md.indexOf('## Goals'));
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  });

  it('ran the cartoon variant and the trivial baseline through the same emulator', () => {
    expect(report.cold.map((c) => `${c.variant} ${c.kind}`)).toEqual([
      'lambda-zip single',
      'trivial single',
      'lambda-zip burst',
      'trivial burst',
    ]);
    expect(report.notes).toContain(
      'started a local cloud for the run (idle timeout 1500 ms), stopped after it',
    );
  });

  it('started each single cold start alone: cold, with one Init Duration each, the warm ones after it warm', () => {
    for (const c of report.cold.filter((x) => x.kind === 'single')) {
      expect(c.prepared.cold).toBe(true);
      expect(c.answered).toBe(2);
      expect(c.coldByHeader).toBe(2);
      expect(c.coldByInitDuration).toBe(2);
      expect(c.consistent).toBe(true);
      const raw = report.raw.cold.find((r) => r.variant === c.variant && r.kind === 'single');
      expect(raw?.warmSamples).toHaveLength(4);
      expect(raw?.warmSamples.every((s) => s.coldHeader === false)).toBe(true);
      expect(raw?.reports).toHaveLength(2 + 4);
    }
    const zip = report.coldStarts.find((h) => h.variant === 'lambda-zip');
    expect(zip?.starts).toBe(2);
    expect(zip?.cold.min).toBeLessThanOrEqual(zip?.cold.median ?? Number.NaN);
    expect(zip?.cold.median).toBeLessThanOrEqual(zip?.cold.max ?? Number.NaN);
    expect(zip?.penaltyVsTrivial).not.toBeNull();
    expect(zip?.initVsTrivial).not.toBeNull();
  });

  it('answered every burst request cold, labelled with the cores it ran on', () => {
    for (const c of report.cold.filter((x) => x.kind === 'burst')) {
      expect(c.prepared.cold).toBe(true);
      expect(c.answered).toBe(2);
      expect(c.coldByHeader).toBe(2);
      expect(c.coldByInitDuration).toBe(2);
      expect(c.cores).toBe(report.cpu?.cloudCpus);
    }
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(
      /## Burst of 2 on \d cores? \(local\)/,
    );
  });

  it('says how the CPUs were split and what limited each environment and the bare yardstick', () => {
    expect(report.cpu?.split).toMatch(/^(load generator on CPU|shared|not split)/);
    expect(report.cpu?.environments.mechanism).toMatch(/^(cgroup-v1|cgroup-v2|none|unknown)$/);
    expect(report.bare?.cpu).toMatch(/^own process, /);
    expect(report.machine?.loadAverageStart).toHaveLength(3);
  });

  it('adds up the counts of every phase', () => {
    const phases = [...report.phases, ...report.saturation.flatMap((s) => s.steps)];
    expect(phases.length).toBeGreaterThan(0);
    for (const p of phases) {
      const raw = [...report.raw.phases, ...report.raw.saturation.flatMap((s) => s.steps)].find(
        (r) => r.variant === p.variant && r.phase === p.phase,
      );
      // errors = non-2xx answers other than 429, plus autocannon's connection errors and timeouts.
      const unanswered = raw?.errors ?? Number.NaN;
      expect(p.ok + p.throttles + (p.errors - unanswered)).toBe(p.answered);
      expect(p.answered).toBeLessThanOrEqual(p.sent);
      expect(p.ok).toBeGreaterThan(0);
      const byStatus = Object.values(raw?.statusCounts ?? {}).reduce((a, b) => a + b, 0);
      expect(byStatus).toBe(p.answered);
    }
  });

  it('keeps every percentile summary ordered', () => {
    // Each kind of summary is present, so the ordering below is checked on real figures.
    expect(report.phases.length).toBeGreaterThan(0);
    expect(report.reportLines.length).toBeGreaterThan(0);
    expect(report.bare?.duration.count).toBeGreaterThan(0);
    for (const c of report.cold)
      [c.latency, c.coldLatency, c.warmLatency, c.initDuration].forEach(expectOrdered);
    for (const p of report.phases) expectOrdered(p.latency);
    for (const r of report.reportLines) [r.initDuration, r.billedDuration].forEach(expectOrdered);
    if (report.bare) expectOrdered(report.bare.duration);
  });

  it('made every cartoon of the S3 batch', () => {
    expect(report.s3).toEqual([
      expect.objectContaining({ variant: 'lambda-zip', images: 2, done: 2 }),
    ]);
    expect(report.s3[0]?.allDoneMs).toBeGreaterThan(0);
  });

  it('prints each goal against its bound, measured where it could be', () => {
    const statuses = new Map(report.goals.map((g) => [`${g.goal}|${g.variant}`, g]));
    const penalty = statuses.get('cold-start penalty vs trivial function|lambda-zip');
    expect(penalty?.measured).not.toBeNull();
    expect(['PASS', 'MISS']).toContain(penalty?.status);
    expect(penalty?.status).toBe((penalty?.measured ?? Number.NaN) <= 2 ? 'PASS' : 'MISS');
    const added = statuses.get(
      'warm POST /cartoon p50 over bare cartoonize (small image)|lambda-zip',
    );
    expect(added?.unit).toBe('ms');
    expect(added?.status).toBe((added?.measured ?? Number.NaN) <= 5 ? 'PASS' : 'MISS');
    expect(report.verdict.firstRequest?.variant).toBe('lambda-zip');
    expect(report.verdict.cheapest?.variant).toBe('lambda-zip');
    expect(
      statuses.get('fargate throughput vs the core with as many processes|fargate')?.status,
    ).toBe('NOT MEASURED');
    expect(report.cost.variants.map((v) => v.variant)).toEqual(['lambda-zip']);
    expect(report.cost.model?.measuredWhere).toBe('local');
  });

  it('draws every chart of report.html with data in headless Chromium, at most six series and a legend that fits, with no page errors', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('request', (req) => requests.push(req.url()));
      // The width the issue found the old legends unreadable at.
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.goto(`file://${path.join(out, 'report.html')}`);
      const charts = await page.evaluate(() => {
        // The page's own globals, typed here because the tests compile without the DOM library.
        interface Canvas {
          readonly width: number;
          readonly height: number;
          getContext(kind: '2d'): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          } | null;
        }
        interface Box {
          readonly left: number;
          readonly top: number;
          readonly width: number;
          readonly height: number;
        }
        const list = (
          globalThis as unknown as {
            __charts: {
              id: string;
              chart: {
                canvas: Canvas;
                width: number;
                height: number;
                data: { datasets: { data: unknown[] }[] };
                legend: {
                  options: { display: boolean; labels: { font: { size: number } } };
                  legendItems: unknown[];
                  legendHitBoxes: Box[];
                  height: number;
                };
              };
            }[];
          }
        ).__charts;
        return list.map(({ id, chart }) => {
          const boxes = chart.legend.legendHitBoxes;
          const ctx = chart.canvas.getContext('2d');
          const { width, height } = chart.canvas;
          const pixels = ctx ? ctx.getImageData(0, 0, width, height).data : new Uint8ClampedArray();
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted += 1;
          return {
            id,
            points: chart.data.datasets.reduce((n, d) => n + d.data.length, 0),
            painted,
            series: chart.data.datasets.length,
            legend: {
              shown: chart.legend.options.display,
              items: chart.legend.legendItems.length,
              fontSize: chart.legend.options.labels.font.size,
              // Every entry inside the canvas, and the legend a small part of the chart.
              inside: boxes.every(
                (b) => b.left >= 0 && b.left + b.width <= chart.width && b.top >= 0,
              ),
              share: chart.legend.height / chart.height,
            },
          };
        });
      });
      expect(charts.map((c) => c.id)).toEqual([
        'latency-lambda-zip',
        'latency-trivial',
        'over-time-lambda-zip',
        'over-time-trivial',
        'init',
        'throughput',
        'cost',
      ]);
      for (const c of charts) {
        expect(c.points).toBeGreaterThan(0);
        expect(c.painted).toBeGreaterThan(1000);
        expect(c.series).toBeLessThanOrEqual(6);
        expect(c.legend.shown).toBe(true);
        expect(c.legend.items).toBe(c.series);
        expect(c.legend.fontSize).toBeGreaterThanOrEqual(12);
        expect(c.legend.inside).toBe(true);
        expect(c.legend.share).toBeLessThan(0.25);
      }
      expect(errors).toEqual([]);
      // The page itself and nothing else: no network request.
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
