/**
 * One load-test run: the bare yardstick and the scenarios in order on every variant of a
 * target, all of it `--repeat` times, then report.json, report.md and report.html in
 * reports/<timestamp>/. The load comes from the load generator's own process on the CPUs the
 * split gives it; bare cartoonize() from a process with one API environment's CPU. The target
 * (local or AWS) is handed in, so the same run drives both. A scenario that fails on one variant (a stack that answers
 * errors, a query that fails) is noted in the report and the run goes on with the others, so
 * one variant's failure never loses the rest.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCpuLimits } from '../../local-cloud/cpu-limit';
import type { Report } from '../../local-cloud/report-log';
import { MB_PER_VCPU } from '../cost-model';
import { Progress } from '../progress';
import { reportHtml } from '../report-html';
import { buildReport, type LoadtestReport } from '../report-json';
import { reportMarkdown } from '../report-md';
import type {
  BareResult,
  ColdBurstResult,
  PhaseResult,
  RunInput,
  S3BatchResult,
  SaturationResult,
} from '../results';
import { coldBurst } from '../scenarios/cold-burst';
import { coldSingles } from '../scenarios/cold-single';
import type { Workload } from '../scenarios/request';
import { s3Batch } from '../scenarios/s3-batch';
import { saturation } from '../scenarios/saturation';
import { steady } from '../scenarios/steady';
import type { LogMark, Target } from '../target';
import { bareInOwnProcess } from './bare-process';
import { allowedCpus, type CpuSplit, planCpuSplit } from './cpu-split';
import { startLoadGenerator } from './load';
import type { LoadtestOptions } from './options';
import { testImage } from './test-image';

/** chart.js's UMD build, inlined into report.html. */
export const CHART_JS_UMD = path.join(
  path.dirname(require.resolve('chart.js')),
  'chart.umd.min.js',
);

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
    /** How the CPUs were split (scripts/loadtest.ts pins before the cloud starts); shared when absent. */
    readonly cpuSplit?: CpuSplit;
  },
): Promise<RunOutput> {
  const startedAt = new Date();
  const loadAverageStart = os.loadavg();
  const progress = extra.progress ?? new Progress({ isTTY: false, write: () => true });
  const split = extra.cpuSplit ?? planCpuSplit(allowedCpus() ?? [0], false);
  const image = await testImage(options.image, options.imageSide);
  const cartoonOptions = { style: options.style, maxSide: String(options.maxSide) };
  const generator = startLoadGenerator({ cpus: split.load, pinned: split.pinned });
  const limits = openCpuLimits();
  const apiMemoryMb = target.local?.apiMemoryMb ?? MB_PER_VCPU;
  const workload: Workload = {
    image: image.bytes,
    contentType: 'image/jpeg',
    query: new URLSearchParams(cartoonOptions).toString(),
    timeoutS: options.timeoutS,
    generator,
  };
  // A burst of no more than the machine's CPUs unless asked: more would measure contention.
  const burstN = options.burstN ?? split.cloud.length + (split.pinned ? split.load.length : 0);
  const failures: string[] = [];
  const has = (s: string) => options.scenarios.includes(s as LoadtestOptions['scenarios'][number]);
  const http = target.variants.filter((v) => v.url !== undefined);
  const cold: ColdBurstResult[] = [];
  const phases: PhaseResult[] = [];
  const saturations: SaturationResult[] = [];
  const s3: S3BatchResult[] = [];
  const bares: BareResult[] = [];
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

  try {
    for (let run = 1; run <= options.repeat; run++) {
      const of = options.repeat > 1 ? ` (run ${run}/${options.repeat})` : '';
      // The yardstick first, while nothing else loads the CPU.
      progress.update('bare', `cartoonize() in its own process${of}`, 0);
      await attempt('bare', 'cartoonize()', async () => {
        bares.push(
          await bareInOwnProcess(
            image.bytes,
            cartoonOptions,
            options.bareRuns,
            { limits, memoryMb: apiMemoryMb, cpus: split.cloud },
            run,
          ),
        );
      });
      if (has('cold')) {
        // Each cold start and its warm requests leave one REPORT line each: a target that can
        // wait for them all (AWS, where Logs Insights lags) is told how many to expect.
        const single = expectingReports(target, 1 + options.warmN);
        for (const v of http) {
          await attempt('cold', v.name, async () => {
            cold.push(
              await coldSingles(single, v, workload, {
                starts: options.coldN,
                warm: options.warmN,
                run,
                onResponse: (phase, n) => progress.update('cold', `${phase}${of}`, n),
              }),
            );
          });
        }
        if (burstN > 0) {
          const burst = expectingReports(target, burstN);
          for (const v of http) {
            await attempt('cold burst', v.name, async () => {
              cold.push(
                await coldBurst(burst, v, workload, {
                  n: burstN,
                  warm: 0,
                  cores: split.cloud.length,
                  run,
                  onResponse: (phase, n) =>
                    progress.update('cold', `${v.name} burst of ${burstN}: ${phase}${of}`, n),
                }),
              );
            });
          }
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
                run,
                onResponse: (phase, n) => progress.update('steady', `${v.name} ${phase}${of}`, n),
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
                run,
                onResponse: (phase, n) =>
                  progress.update('saturation', `${v.name} ${phase}${of}`, n),
              }),
            );
          });
        }
      }
      if (has('s3') && options.s3Images > 0) {
        const runId = `${timestampDir(startedAt).toLowerCase()}-r${run}`;
        for (const v of target.variants.filter((x) => x.bucket !== undefined && !x.trivial)) {
          await attempt('s3', v.name, async () => {
            s3.push(
              await s3Batch(target, v, image.bytes, {
                images: options.s3Images,
                timeoutMs: Math.max(30_000, options.s3Images * 5_000),
                runId,
                run,
                onProgress: (phase, n) => progress.update('s3', `${v.name} ${phase}${of}`, n),
              }),
            );
          });
        }
      }
    }
  } finally {
    progress.done();
    await generator.close();
    limits.close();
  }

  const input: RunInput = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    where: target.where,
    label: target.label,
    profile: options.profile,
    settings: { ...options, burstN },
    repeat: options.repeat,
    requestsPerMonth: options.requestsPerMonth,
    cpu: {
      cpus: split.cloud.length + (split.pinned ? split.load.length : 0),
      split: split.note,
      cloudCpus: split.cloud.length,
      environments: target.local?.cpu ?? {
        mechanism: 'aws',
        note: "Lambda's own: CPU in proportion to memory",
      },
      bare: bares[0]?.cpu ?? 'not measured',
    },
    machine: {
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
    },
    image: {
      kind: image.kind,
      name: image.name,
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
    bare: bares[0] ?? null,
    bares,
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
