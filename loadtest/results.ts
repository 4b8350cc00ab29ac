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

/** Which repetition of a scenario (`--repeat`) a result belongs to, from 1; 1 when absent. */
export interface Repeated {
  readonly run?: number;
}

export interface ColdBurstResult extends Repeated {
  readonly variant: string;
  /**
   * `single`: n environments started one at a time, every environment reaped before each cold
   * request (the headline); `burst`: n first requests at once (a separate, labelled figure).
   * Absent in reports written before single starts existed: a burst.
   */
  readonly kind?: 'single' | 'burst';
  /** Cold requests: starts one at a time, or simultaneous requests of the burst. */
  readonly n: number;
  /** burst: the CPUs the cloud ran on while n environments started together. */
  readonly cores?: number;
  /** Whether every environment was cold before each cold request, and how that was made so. */
  readonly prepared: { readonly cold: boolean; readonly how: string };
  /** The cold requests' answers. */
  readonly samples: readonly Sample[];
  /** Sequential requests right after each cold one: the warm latency of the same request. */
  readonly warmSamples: readonly Sample[];
  /** REPORT lines written during the cold and the warm requests. */
  readonly reports: readonly Report[];
}

export interface PhaseResult extends Repeated {
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

export interface SaturationResult extends Repeated {
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

export interface S3BatchResult extends Repeated {
  readonly variant: string;
  readonly images: number;
  /** ms from the first PutObject to each cartoon's first sighting; null when it never came. */
  readonly doneMs: readonly (number | null)[];
  /** ms until every cartoon existed; null when some never did within the timeout. */
  readonly allDoneMs: number | null;
  readonly timeoutMs: number;
  readonly reports: readonly Report[];
}

export interface BareResult extends Repeated {
  /** The bare cartoonize() time of the same image and options, in a Node process of its own. */
  readonly durationsMs: readonly number[];
  /** Images per second one process turns out, sequentially. */
  readonly throughputPerS: number;
  readonly processes: number;
  /** The CPU it had: the quota of one API environment and the CPUs it ran on, or why not. */
  readonly cpu?: string;
  /** Each time of the request's and answer's base64 + JSON round trip (payload-copies.ts), ms. */
  readonly payloadCopiesMs?: readonly number[];
}

/** How the CPUs were shared during the run: what the report says applied. */
export interface CpuFacts {
  /** The machine's CPUs the load test could use. */
  readonly cpus: number;
  /** How the load generator and the cloud split them (cpu-split.ts). */
  readonly split: string;
  /** The CPUs the cloud ran on: the "C cores" of a burst's label. */
  readonly cloudCpus: number;
  /** The local cloud's per-environment CPU limit: mechanism and note (local-cloud/cpu-limit.ts). */
  readonly environments: { readonly mechanism: string; readonly note: string };
  /** The bare yardstick's CPU allowance. */
  readonly bare: string;
}

/** The machine and its load when the run began and ended. */
export interface MachineFacts {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
}

export interface RunInput {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly where: 'local' | 'aws';
  readonly label: string;
  readonly profile: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** How many times each scenario ran (`--repeat`). */
  readonly repeat?: number;
  /** The monthly requests the verdict and the costs are stated for. */
  readonly requestsPerMonth?: number;
  readonly cpu?: CpuFacts;
  readonly machine?: MachineFacts;
  readonly image: {
    /** `phone` (about 12 MP) or `small`. */
    readonly kind?: string;
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
  /** One bare yardstick per repetition; `bare` is the first. */
  readonly bares?: readonly BareResult[];
}
