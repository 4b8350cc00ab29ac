/**
 * The raw figures each scenario hands the report: plain data, no I/O, so the report builders
 * can be tested on fixed inputs.
 */
import type { Report } from '../local-cloud/report-log';

/** One answered request. */
export interface Sample {
  /** When it completed, ms after the load began. */
  readonly endMs: number;
  readonly latencyMs: number;
  readonly status: number;
  /** The `x-cold-start` header: true, false, or undefined when absent. */
  readonly coldHeader?: boolean;
  /** `retry-after` when the answer carried one (503s and 429s). */
  readonly retryAfter?: string;
}

export const SCENARIOS = ['cold', 'steady', 'saturation', 's3'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ColdBurstResult {
  readonly variant: string;
  /** Simultaneous first requests. */
  readonly n: number;
  /** Whether every environment was cold before the burst, and how that was made so. */
  readonly prepared: { readonly cold: boolean; readonly how: string };
  readonly samples: readonly Sample[];
  /** Sequential requests right after the burst: the warm latency of the same request. */
  readonly warmSamples: readonly Sample[];
  /** REPORT lines written during the burst and the warm requests. */
  readonly reports: readonly Report[];
}

export interface PhaseResult {
  readonly variant: string;
  /** `steady 5/s`, `ramp 3/4`, … */
  readonly phase: string;
  readonly kind: 'steady' | 'ramp' | 'saturation';
  readonly targetRatePerS: number;
  readonly durationS: number;
  readonly sent: number;
  readonly timeouts: number;
  readonly errors: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly samples: readonly Sample[];
  /** autocannon's HDR histogram of the 2xx answers. */
  readonly histogram: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  readonly reports: readonly Report[];
}

export interface SaturationResult {
  readonly variant: string;
  readonly p99BoundMs: number;
  /** Highest rate whose step kept p99 under the bound with no errors; null when none did. */
  readonly heldRatePerS: number | null;
  /** The throughput measured at that rate (2xx per second). */
  readonly heldThroughputPerS: number | null;
  /** The first step past it: what the variant answered there. */
  readonly pastIt: {
    readonly ratePerS: number;
    readonly statusCounts: Readonly<Record<string, number>>;
    readonly timeouts: number;
    readonly retryAfter: readonly string[];
    readonly p99: number;
  } | null;
  readonly steps: readonly PhaseResult[];
}

export interface S3BatchResult {
  readonly variant: string;
  readonly images: number;
  /** ms from the first PutObject to each cartoon's first sighting; null when it never came. */
  readonly doneMs: readonly (number | null)[];
  /** ms until every cartoon existed; null when some never did within the timeout. */
  readonly allDoneMs: number | null;
  readonly timeoutMs: number;
  readonly reports: readonly Report[];
}

export interface BareResult {
  /** The bare cartoonize() time of the same image and options, in the load test's own Node. */
  readonly durationsMs: readonly number[];
  /** Images per second one process turns out, sequentially. */
  readonly throughputPerS: number;
  readonly processes: number;
}

export interface RunInput {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly where: 'local' | 'aws';
  readonly label: string;
  readonly profile: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly image: {
    readonly name: string;
    readonly bytes: number;
    readonly width: number;
    readonly height: number;
    readonly style: string;
  };
  readonly notes: readonly string[];
  readonly cold: readonly ColdBurstResult[];
  readonly phases: readonly PhaseResult[];
  readonly saturation: readonly SaturationResult[];
  readonly s3: readonly S3BatchResult[];
  readonly bare: BareResult | null;
}
