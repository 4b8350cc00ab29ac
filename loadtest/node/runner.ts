/**
 * One load-test run: the scenarios in order on every variant of a target, then report.json,
 * report.md and report.html in reports/<timestamp>/. The target (local or AWS) is handed in,
 * so the same run drives both.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Progress } from '../progress';
import { reportHtml } from '../report-html';
import { buildReport, type LoadtestReport } from '../report-json';
import { reportMarkdown } from '../report-md';
import type {
  ColdBurstResult,
  PhaseResult,
  RunInput,
  S3BatchResult,
  SaturationResult,
} from '../results';
import { bareCartoonize } from '../scenarios/bare';
import { coldBurst } from '../scenarios/cold-burst';
import type { Workload } from '../scenarios/request';
import { s3Batch } from '../scenarios/s3-batch';
import { saturation } from '../scenarios/saturation';
import { steady } from '../scenarios/steady';
import type { Target } from '../target';
import type { LoadtestOptions } from './options';

const ROOT = path.resolve(__dirname, '..', '..');
/** chart.js's UMD build, inlined into report.html. */
export const CHART_JS_UMD = path.join(
  path.dirname(require.resolve('chart.js')),
  'chart.umd.min.js',
);
export const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'rocket.jpg');

export interface RunOutput {
  readonly dir: string;
  readonly report: LoadtestReport;
  readonly markdown: string;
}

/**
 * The test photo, resized to the requested longest side (never enlarged), as JPEG.
 *
 * @example
 * ```ts
 * const { bytes, width } = await testImage(320);
 * ```
 */
export async function testImage(
  side: number,
  file = PHOTO,
): Promise<{ bytes: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(readFileSync(file))
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

/** `2026-11-28T21-30-05Z`: sortable and safe as a folder name. */
export function timestampDir(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/**
 * Runs every chosen scenario against the target and writes the reports.
 *
 * @example
 * ```ts
 * const target = await localTarget({ variants: ['lambda-zip'], stateDir: '.local-cloud', idleTimeoutMs: 2000 });
 * const { dir } = await runLoadtest(options, target, { notes: [] });
 * ```
 */
export async function runLoadtest(
  options: LoadtestOptions,
  target: Target,
  extra: {
    readonly notes: readonly string[];
    readonly progress?: Progress;
    readonly outDir?: string;
  },
): Promise<RunOutput> {
  const startedAt = new Date();
  const progress = extra.progress ?? new Progress({ isTTY: false, write: () => true });
  const image = await testImage(options.imageSide);
  const cartoonOptions = { style: options.style, maxSide: String(options.maxSide) };
  const workload: Workload = {
    image: image.bytes,
    contentType: 'image/jpeg',
    query: new URLSearchParams(cartoonOptions).toString(),
    timeoutS: options.timeoutS,
  };
  const notes = [...extra.notes];
  const has = (s: string) => options.scenarios.includes(s as LoadtestOptions['scenarios'][number]);
  const http = target.variants.filter((v) => v.url !== undefined);
  const cold: ColdBurstResult[] = [];
  const phases: PhaseResult[] = [];
  const saturations: SaturationResult[] = [];
  const s3: S3BatchResult[] = [];

  // The yardstick first, while nothing else loads the CPU.
  progress.update('bare', 'cartoonize() in process', 0);
  const bare = await bareCartoonize(image.bytes, cartoonOptions, options.bareRuns);

  if (has('cold')) {
    for (const v of http) {
      cold.push(
        await coldBurst(target, v, workload, {
          n: options.coldN,
          warm: options.warmN,
          onResponse: (phase, n) => progress.update('cold', `${v.name} ${phase}`, n),
        }),
      );
    }
  }
  if (has('steady')) {
    for (const v of http) {
      phases.push(
        ...(await steady(target, v, workload, {
          rates: options.rates,
          durationS: options.durationS,
          rampSteps: options.rampSteps,
          rampStepS: options.rampStepS,
          onResponse: (phase, n) => progress.update('steady', `${v.name} ${phase}`, n),
        })),
      );
    }
  }
  if (has('saturation')) {
    for (const v of http.filter((x) => !x.trivial)) {
      saturations.push(
        await saturation(target, v, workload, {
          startRate: options.saturationStart,
          factor: 2,
          maxRate: options.saturationMax,
          stepS: options.saturationStepS,
          p99BoundMs: options.p99BoundMs,
          onResponse: (phase, n) => progress.update('saturation', `${v.name} ${phase}`, n),
        }),
      );
    }
  }
  if (has('s3') && options.s3Images > 0) {
    const runId = timestampDir(startedAt).toLowerCase();
    for (const v of target.variants.filter((x) => x.bucket !== undefined && !x.trivial)) {
      s3.push(
        await s3Batch(target, v, image.bytes, {
          images: options.s3Images,
          timeoutMs: Math.max(30_000, options.s3Images * 5_000),
          runId,
          onProgress: (phase, n) => progress.update('s3', `${v.name} ${phase}`, n),
        }),
      );
    }
  }
  progress.done();

  const input: RunInput = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    where: target.where,
    label: target.label,
    profile: options.profile,
    settings: { ...options },
    image: {
      name: path.basename(PHOTO),
      bytes: image.bytes.length,
      width: image.width,
      height: image.height,
      style: options.style,
    },
    notes,
    cold,
    phases,
    saturation: saturations,
    s3,
    bare,
  };
  const report = buildReport(input);
  const markdown = reportMarkdown(report);
  const dir = path.resolve(extra.outDir ?? options.out, timestampDir(startedAt));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.md'), markdown);
  writeFileSync(
    path.join(dir, 'report.html'),
    reportHtml(report, markdown, readFileSync(CHART_JS_UMD, 'utf8')),
  );
  return { dir, report, markdown };
}
