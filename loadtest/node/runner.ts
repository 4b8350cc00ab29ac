/**
 * One load-test run: the scenarios in order on every variant of a target, then report.json,
 * report.md and report.html in reports/<timestamp>/. The target (local or AWS) is handed in,
 * so the same run drives both. A scenario that fails on one variant (a stack that answers
 * errors, a query that fails) is noted in the report and the run goes on with the others, so
 * one variant's failure never loses the rest.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Report } from '../../local-cloud/report-log';
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
import type { LogMark, Target } from '../target';
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
  /** `<scenario> <variant>: failed: <why>` for each scenario that failed on a variant. */
  readonly failures: readonly string[];
}

/** A target that can wait until its REPORT lines cover a known number of requests. */
interface CoveringTarget extends Target {
  reportsCovering(variant: string, mark: LogMark, expected: number | undefined): Promise<Report[]>;
}

/**
 * The target as one scenario sees it: `reportsSince` waits for `expected` REPORT lines where
 * the target can (the AWS target); other targets are handed through unchanged.
 *
 * @example
 * ```ts
 * await coldBurst(expectingReports(target, n + warm), variant, workload, { n, warm });
 * ```
 */
export function expectingReports(target: Target, expected: number): Target {
  if (!('reportsCovering' in target)) return target;
  const covering = target as CoveringTarget;
  return {
    where: target.where,
    label: target.label,
    variants: target.variants,
    s3: target.s3,
    makeCold: (variant) => target.makeCold(variant),
    markLogs: (variant) => target.markLogs(variant),
    reportsSince: (variant, mark) => covering.reportsCovering(variant, mark, expected),
    close: () => target.close(),
  };
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
    /** Told of each scenario that failed on a variant (the run goes on with the others). */
    readonly onFailure?: (line: string) => void;
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
  const failures: string[] = [];
  const has = (s: string) => options.scenarios.includes(s as LoadtestOptions['scenarios'][number]);
  const http = target.variants.filter((v) => v.url !== undefined);
  const cold: ColdBurstResult[] = [];
  const phases: PhaseResult[] = [];
  const saturations: SaturationResult[] = [];
  const s3: S3BatchResult[] = [];
  /** One scenario on one variant; a failure is noted and the run goes on with the next. */
  const attempt = async (scenario: string, variant: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      const line = `${scenario} ${variant}: failed: ${err instanceof Error ? err.message : String(err)}`;
      failures.push(line);
      extra.onFailure?.(line);
    }
  };

  // The yardstick first, while nothing else loads the CPU.
  progress.update('bare', 'cartoonize() in process', 0);
  const bare = await bareCartoonize(image.bytes, cartoonOptions, options.bareRuns);

  if (has('cold')) {
    // The burst and the warm requests each leave one REPORT line: a target that can wait for
    // them all (AWS, where Logs Insights lags) is told how many to expect.
    const expecting = expectingReports(target, options.coldN + options.warmN);
    for (const v of http) {
      await attempt('cold', v.name, async () => {
        cold.push(
          await coldBurst(expecting, v, workload, {
            n: options.coldN,
            warm: options.warmN,
            onResponse: (phase, n) => progress.update('cold', `${v.name} ${phase}`, n),
          }),
        );
      });
    }
  }
  if (has('steady')) {
    for (const v of http) {
      await attempt('steady', v.name, async () => {
        phases.push(
          ...(await steady(target, v, workload, {
            rates: options.rates,
            durationS: options.durationS,
            rampSteps: options.rampSteps,
            rampStepS: options.rampStepS,
            onResponse: (phase, n) => progress.update('steady', `${v.name} ${phase}`, n),
          })),
        );
      });
    }
  }
  if (has('saturation')) {
    for (const v of http.filter((x) => !x.trivial)) {
      await attempt('saturation', v.name, async () => {
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
      });
    }
  }
  if (has('s3') && options.s3Images > 0) {
    const runId = timestampDir(startedAt).toLowerCase();
    for (const v of target.variants.filter((x) => x.bucket !== undefined && !x.trivial)) {
      await attempt('s3', v.name, async () => {
        s3.push(
          await s3Batch(target, v, image.bytes, {
            images: options.s3Images,
            timeoutMs: Math.max(30_000, options.s3Images * 5_000),
            runId,
            onProgress: (phase, n) => progress.update('s3', `${v.name} ${phase}`, n),
          }),
        );
      });
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
    // Read now, not at the start: the target notes what it found during the run (REPORT
    // coverage, restores), and the failures belong in the report too.
    notes: [...extra.notes, ...failures],
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
  return { dir, report, markdown, failures };
}
