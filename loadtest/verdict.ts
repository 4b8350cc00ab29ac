/**
 * The report's first lines: for the workload the run was given (requests a month, image
 * size), which variant answers the first request fastest, which the thousandth, which is
 * cheapest, and from how many requests a month Fargate is cheaper than each Lambda variant.
 * Plain data in, sentences out, so it is tested on fixed figures and drawn by report.md and
 * report.html alike. No I/O.
 */
import type { BreakEven } from './cost-report';

export interface Verdict {
  readonly requestsPerMonth: number;
  /** The request the figures are for, e.g. "phone photo … 3,312,114 bytes, cartoon at 1024 px". */
  readonly workload: string;
  readonly firstRequest: { readonly variant: string; readonly ms: number } | null;
  readonly thousandth: { readonly variant: string; readonly ms: number } | null;
  readonly cheapest: { readonly variant: string; readonly monthlyUsd: number } | null;
  readonly breakEven: readonly { readonly lambda: string; readonly reason: string }[];
  /** The verdict as sentences, in the order above; a missing figure says what it needs. */
  readonly lines: readonly string[];
}

export interface VerdictInput {
  readonly where: 'local' | 'aws';
  readonly requestsPerMonth: number;
  readonly image: {
    readonly name: string;
    readonly bytes: number;
    readonly width: number;
    readonly height: number;
    readonly kind?: string;
  };
  /** Cartoon variants only: median first-request latency of single starts. */
  readonly coldStarts: readonly {
    readonly variant: string;
    readonly starts: number;
    readonly allCold: boolean;
    readonly cold: { readonly median: number; readonly min: number; readonly max: number };
  }[];
  readonly warm: readonly { readonly variant: string; readonly warmP50: number }[];
  readonly cost: readonly {
    readonly variant: string;
    readonly monthlyUsd: number;
    readonly fargateBreakEven: BreakEven | null;
  }[];
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const msText = (v: number) => `${v.toFixed(0)} ms`;

function fastest<T extends { variant: string }>(
  items: readonly T[],
  value: (t: T) => number,
): T | undefined {
  return [...items].filter((t) => Number.isFinite(value(t))).sort((a, b) => value(a) - value(b))[0];
}

/** "lambda-image 520 ms, fargate 61 ms": the others, for comparison. */
function others<T extends { variant: string }>(
  items: readonly T[],
  best: T,
  text: (t: T) => string,
): string {
  const rest = items.filter((t) => t !== best).map(text);
  return rest.length > 0 ? ` (${rest.join(', ')})` : '';
}

/**
 * The verdict for one run's workload.
 *
 * @example
 * ```ts
 * verdict({ where: 'local', requestsPerMonth: 1e6, image, coldStarts, warm, cost }).lines[0];
 * // 'First request (after a quiet spell): lambda-zip answers fastest, 412 ms median of 5 single starts (lambda-image 530 ms)'
 * ```
 */
export function verdict(input: VerdictInput): Verdict {
  const lines: string[] = [];
  const where = input.where === 'local' ? "on this machine's local cloud" : 'on AWS';
  const workload = `${count(input.requestsPerMonth)} requests a month of ${input.image.name}, ${input.image.width}×${input.image.height}, ${count(input.image.bytes)} bytes`;
  lines.push(`For ${workload}, measured ${where}:`);

  const first = fastest(input.coldStarts, (c) => c.cold.median);
  const coldText = (c: VerdictInput['coldStarts'][number]) =>
    `${c.variant} ${msText(c.cold.median)}${c.allCold ? '' : ' from a running task'}`;
  lines.push(
    first
      ? `First request (after a quiet spell): ${first.variant} answers fastest${first.allCold ? '' : ' (a task its service keeps running, not a cold start)'}, ${msText(first.cold.median)} median of ${first.starts} single starts (${msText(first.cold.min)}–${msText(first.cold.max)})${others(input.coldStarts, first, coldText)}.`
      : 'First request: not measured (needs the cold scenario).',
  );

  const warm = fastest(input.warm, (w) => w.warmP50);
  lines.push(
    warm
      ? `Thousandth request (warm): ${warm.variant} answers fastest, ${msText(warm.warmP50)} p50${others(input.warm, warm, (w) => `${w.variant} ${msText(w.warmP50)}`)}.`
      : 'Thousandth request: not measured (needs the cold or steady scenario).',
  );

  const cheapest = fastest(input.cost, (c) => c.monthlyUsd);
  lines.push(
    cheapest
      ? `Cheapest at ${count(input.requestsPerMonth)} requests a month: ${cheapest.variant}, $${cheapest.monthlyUsd.toFixed(2)} a month${others(input.cost, cheapest, (c) => `${c.variant} $${c.monthlyUsd.toFixed(2)}`)}, each priced with its own measured duration.`
      : 'Cheapest: not priced (needs a measured warm duration).',
  );

  const breakEven = input.cost.flatMap((c) =>
    c.fargateBreakEven ? [{ lambda: c.variant, reason: c.fargateBreakEven.reason }] : [],
  );
  for (const b of breakEven) lines.push(`Break-even against ${b.lambda}: ${b.reason}.`);

  return {
    requestsPerMonth: input.requestsPerMonth,
    workload,
    firstRequest: first ? { variant: first.variant, ms: first.cold.median } : null,
    thousandth: warm ? { variant: warm.variant, ms: warm.warmP50 } : null,
    cheapest: cheapest ? { variant: cheapest.variant, monthlyUsd: cheapest.monthlyUsd } : null,
    breakEven,
    lines,
  };
}
