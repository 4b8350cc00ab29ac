/**
 * report.md: the summary tables of report.json, also printed to the terminal. Every table
 * says where it was measured.
 */
import type { LoadtestReport } from './report-json';
import type { Summary } from './stats';

const f = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const lat = (s: Summary) => [f(s.p50), f(s.p90), f(s.p99), f(s.max)];

/**
 * The burst figure's label: how many environments started at once on how many cores.
 *
 * @example
 * ```ts
 * burstLabel({ n: 2, cores: 1 }); // 'Burst of 2 on 1 core'
 * ```
 */
export function burstLabel(c: { readonly n: number; readonly cores: number | null }): string {
  return `Burst of ${c.n}${c.cores === null ? '' : ` on ${c.cores} core${c.cores === 1 ? '' : 's'}`}`;
}

/**
 * The Markdown summary.
 *
 * @example
 * ```ts
 * console.log(reportMarkdown(buildReport(input)));
 * ```
 */
export function reportMarkdown(r: LoadtestReport): string {
  const out: string[] = [];
  out.push(`# Load test, ${r.startedAt}`);
  out.push('', '## Verdict', '');
  out.push(...r.verdict.lines.map((l, i) => (i === 0 ? l : `- ${l}`)));
  out.push('', '## What was measured, and how', '');
  out.push(
    `- Measured on: **${r.measuredWhere}** (${r.where}). Profile \`${r.profile}\`, each scenario run ${r.repeat} time${r.repeat === 1 ? '' : 's'}. Latencies in ms.`,
    `- Request: POST /cartoon with ${r.image.name}, ${r.image.width}×${r.image.height}, ${r.image.bytes} bytes, style ${r.image.style}${r.settings.maxSide === undefined ? '' : `, maxSide ${String(r.settings.maxSide)}`}.`,
  );
  if (r.machine)
    out.push(
      `- Machine: ${r.machine.cpus} × ${r.machine.cpuModel}; load average ${r.machine.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${r.machine.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    );
  if (r.cpu)
    out.push(
      `- CPUs: ${r.cpu.split}.`,
      `- Each environment: ${r.cpu.environments.note} (${r.cpu.environments.mechanism}).`,
      `- Bare cartoonize(): ${r.cpu.bare}.`,
    );
  if (r.notes.length > 0) out.push(...r.notes.map((n) => `- ${n}`));
  out.push(
    '',
    `## Goals (median of ${r.repeat} run${r.repeat === 1 ? '' : 's'}, spread min–max)`,
    '',
  );
  out.push(
    table(
      ['goal', 'variant', 'measured (median)', 'runs min–max', 'goal', 'status', 'arithmetic'],
      r.goals.map((g) => {
        const unit = g.unit === 'ms' ? ' ms' : '';
        return [
          g.goal,
          g.variant,
          `${f(g.measured, 2)}${g.measured === null ? '' : unit}`,
          g.min === null ? '-' : `${f(g.min, 2)}–${f(g.max, 2)}`,
          `${g.comparison} ${g.bound}${unit}`,
          g.status,
          g.detail,
        ];
      }),
    ),
  );
  if (r.coldStarts.length > 0) {
    out.push('', `## Cold starts, one at a time (${r.where})`, '');
    out.push(
      'Each environment reaped before the next first request, so one starts alone. Median (min–max) over every start; the penalty is first-request minus warm latency of the same request.',
      '',
    );
    const range = (x: { median: number; min: number; max: number }) =>
      `${f(x.median)} (${f(x.min)}–${f(x.max)})`;
    out.push(
      table(
        [
          'variant',
          'starts',
          'first request',
          'warm',
          'penalty',
          'penalty vs trivial',
          'Init Duration',
          'Init vs trivial',
          'how cold',
        ],
        r.coldStarts.map((c) => [
          c.variant,
          c.starts,
          range(c.cold),
          range(c.warm),
          f(c.penaltyMs),
          c.penaltyVsTrivial === null ? '-' : `${f(c.penaltyVsTrivial, 2)}×`,
          range(c.init),
          c.initVsTrivial === null ? '-' : `${f(c.initVsTrivial, 2)}×`,
          c.allCold ? c.how : `not cold: ${c.how}`,
        ]),
      ),
    );
  }
  const bursts = r.cold.filter((c) => c.kind === 'burst');
  if (bursts.length > 0) {
    const labels = [...new Set(bursts.map(burstLabel))];
    out.push('', `## ${labels.join('; ')} (${r.where})`, '');
    out.push(
      'Environments starting together share the cores: this figure measures that contention as well as the platform, and is not the cold-start headline.',
      '',
    );
    out.push(
      table(
        [
          'variant',
          'run',
          'n',
          'answered',
          'cold (x-cold-start)',
          'cold (Init Duration)',
          'cold p50',
          'cold max',
          'Init p50',
          'Init max',
          'how cold',
        ],
        bursts.map((c) => [
          c.variant,
          c.run,
          c.n,
          c.answered,
          c.coldByHeader,
          c.coldByInitDuration,
          f(c.coldLatency.p50),
          f(c.coldLatency.max),
          f(c.initDuration.p50),
          f(c.initDuration.max),
          c.prepared.how,
        ]),
      ),
    );
    for (const c of r.raw.cold.filter((x) => (x.kind ?? 'burst') === 'burst')) {
      // Each request of the burst, in the order answered: latency, and C for a cold answer.
      const each = c.samples.map(
        (s) =>
          `${f(s.latencyMs, 0)}${s.coldHeader ? ' C' : ''}${s.status === 200 ? '' : ` (${s.status})`}`,
      );
      out.push(
        '',
        `${c.variant} burst, each request (ms, C = x-cold-start): ${each.join(', ') || '-'}`,
      );
    }
  }
  if (r.warmOverhead.length > 0) {
    out.push('', `## Warm POST /cartoon over bare cartoonize() (${r.where})`, '');
    out.push(
      table(
        [
          'variant',
          'warm p50',
          'bare p50',
          'added (ms)',
          'ratio',
          'payload base64 + JSON (ms)',
          'warm from',
        ],
        r.warmOverhead.map((w) => [
          w.variant,
          f(w.warmP50),
          f(w.bareP50),
          f(w.addedMs),
          `${f(w.ratio, 2)}×`,
          f(w.payloadCopiesMs),
          w.from,
        ]),
      ),
    );
    out.push(
      '',
      "Payload base64 + JSON: the request's and the answer's round trip through a Lambda event (encode, stringify, parse, decode), timed in the bare process: the least a Lambda variant adds at this image size. Fargate's server reads raw bytes and makes none of these copies.",
    );
  }
  if (r.phases.length > 0) {
    out.push('', `## Steady phases and ramp (${r.where})`, '');
    out.push(
      table(
        [
          'variant',
          'phase',
          'rate/s',
          'sent',
          'ok',
          'throughput/s',
          'p50',
          'p90',
          'p99',
          'max',
          'errors',
          'throttles (429)',
          'timeouts',
        ],
        r.phases.map((p) => [
          p.variant,
          p.phase,
          p.targetRatePerS,
          p.sent,
          p.ok,
          f(p.throughputPerS, 2),
          ...lat(p.latency),
          p.errors,
          p.throttles,
          p.timeouts,
        ]),
      ),
    );
  }
  if (r.saturation.length > 0) {
    out.push('', `## Saturation (${r.where})`, '');
    out.push(
      table(
        [
          'variant',
          'p99 bound',
          'holds (rate/s)',
          'throughput/s',
          'past it',
          'answers past it',
          'Retry-After',
        ],
        r.saturation.map((s) => [
          s.variant,
          s.p99BoundMs,
          s.heldRatePerS ?? 'none',
          f(s.heldThroughputPerS, 2),
          s.pastIt ? `${s.pastIt.ratePerS}/s (p99 ${f(s.pastIt.p99)})` : 'not reached',
          s.pastIt
            ? `${Object.entries(s.pastIt.statusCounts)
                .map(([k, v]) => `${k}×${v}`)
                .join(' ')}${s.pastIt.timeouts ? ` timeouts×${s.pastIt.timeouts}` : ''}`
            : '-',
          s.pastIt?.retryAfter.join(', ') || '-',
        ]),
      ),
    );
  }
  if (r.s3.length > 0) {
    out.push('', `## S3 batch (${r.where})`, '');
    out.push(
      table(
        ['variant', 'images', 'done', 'all done (ms)', 'per image p50', 'max'],
        r.s3.map((s) => [
          s.variant,
          s.images,
          s.done,
          f(s.allDoneMs, 0),
          f(s.perImage.p50, 0),
          f(s.perImage.max, 0),
        ]),
      ),
    );
  }
  if (r.reportLines.length > 0) {
    out.push('', `## REPORT lines (${r.where})`, '');
    out.push(
      table(
        [
          'variant',
          'invocations',
          'Init p50',
          'Init max',
          'billed p50',
          'billed warm mean',
          'max memory MB',
          'memory size MB',
        ],
        r.reportLines.map((x) => [
          x.variant,
          x.invocations,
          f(x.initDuration.p50),
          f(x.initDuration.max),
          f(x.billedDuration.p50, 0),
          f(x.warmBilledDuration.mean, 1),
          x.maxMemoryUsedMb,
          x.memorySizeMb,
        ]),
      ),
    );
  }
  if (r.bare) {
    out.push(
      '',
      `Bare cartoonize() (${r.bare.cpu}): p50 ${f(r.bare.duration.p50)} ms over ${r.bare.duration.count} runs, ${f(r.bare.throughputPerS, 2)} images/s with ${r.bare.processes} process(es).`,
    );
  }
  out.push('', '## Published cold starts of a trivial function (real Lambda)', '');
  out.push(
    table(
      ['source', 'date', 'runtime', 'package', 'arch', 'memory', 'Init p50', 'Init mean', 'n'],
      r.published.map((p) => [
        p.source,
        p.date,
        p.runtime,
        p.packaging,
        p.arch,
        p.memoryMb,
        f(p.initDuration.p50),
        f(p.initDuration.mean),
        p.initDuration.count,
      ]),
    ),
  );
  out.push('', 'No stored figure for nodejs24.x container images was found; none is given.');
  out.push('', `## Cost (${r.cost.basis})`, '');
  out.push(
    table(
      [
        'variant',
        'duration (ms)',
        'from',
        'memory MB',
        'cold share',
        'Init ms',
        `$/month at ${r.cost.variants[0]?.requestsPerMonth.toLocaleString('en-US') ?? '-'}`,
        '$ per 1,000 images',
      ],
      r.cost.variants.map((v) => [
        v.variant,
        f(v.durationMs),
        v.durationFrom,
        v.memoryMb,
        f(v.coldShare, 3),
        f(v.initMs),
        f(v.monthlyUsd, 2),
        f(v.per1000ImagesUsd, 4),
      ]),
    ),
  );
  if (r.cost.model) {
    out.push(
      '',
      "Break-even (monthly requests from which Fargate is cheaper), from the first Lambda variant's measured workload:",
      '',
    );
    for (const b of r.cost.model.breakEven) out.push(`- ${b.scenario}: ${b.breakEven.reason}`);
    for (const v of r.cost.variants)
      if (v.fargateBreakEven)
        out.push(
          `- against ${v.variant}, priced with its own duration: ${v.fargateBreakEven.reason}`,
        );
  }
  return `${out.join('\n')}\n`;
}
