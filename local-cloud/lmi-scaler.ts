/**
 * When a Lambda Managed Instances function gets another execution environment, or gives one
 * back: LMI "scales asynchronously based on CPU resource utilization of execution environments"
 * and does not scale when invocations arrive (AWS Lambda developer guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html, read
 * 2026-12). Its periods are not documented beyond "traffic more than doubling within 5 minutes
 * may be throttled", so the local time scale is the local cloud's choice, said in the README:
 * by default the CPU of every environment is sampled each second, an environment is added once
 * utilisation has stayed above the target for 3 s (or invocations were throttled for want of a
 * slot, concurrency saturation), and one is removed after 60 s below half the target with no
 * throttle.
 */

/** The local time scale of the scaler. */
export interface ScalerTiming {
  /** How often CPU is sampled, ms (1000). */
  readonly sampleMs: number;
  /** How long utilisation stays above target before an environment is added, ms (3000). */
  readonly scaleUpAfterMs: number;
  /** How long it stays low before one is removed, ms (60 000). */
  readonly scaleDownAfterMs: number;
}

export const LOCAL_SCALER_TIMING: ScalerTiming = {
  sampleMs: 1000,
  scaleUpAfterMs: 3000,
  scaleDownAfterMs: 60_000,
};

/** One sample of a function's environments. */
export interface ScalerSample {
  /** Time of the sample, ms. */
  readonly at: number;
  /** Average CPU utilisation of the ready environments over the last period, 0..1. */
  readonly utilisation: number;
  /** Invocations refused for want of a free slot since the last sample. */
  readonly throttled: number;
}

export type ScalerDecision = 'up' | 'down' | 'hold';

/**
 * Target tracking on CPU utilisation, with throttles counted as saturation.
 *
 * @example
 * ```ts
 * const scaler = new CpuScaler(0.5, LOCAL_SCALER_TIMING);
 * scaler.observe({ at: 0, utilisation: 0.9, throttled: 0 }); // 'hold'
 * scaler.observe({ at: 3000, utilisation: 0.9, throttled: 0 }); // 'up'
 * ```
 */
export class CpuScaler {
  private highSince: number | undefined;
  private lowSince: number | undefined;

  constructor(
    /** Target utilisation, 0..1. */
    private readonly target: number,
    private readonly timing: ScalerTiming,
  ) {}

  observe(sample: ScalerSample): ScalerDecision {
    const high = sample.utilisation > this.target || sample.throttled > 0;
    const low = sample.utilisation < this.target / 2 && sample.throttled === 0;
    if (high) {
      this.lowSince = undefined;
      this.highSince ??= sample.at;
      if (sample.at - this.highSince >= this.timing.scaleUpAfterMs) {
        // The next one needs its own period above target, as the new environment settles in.
        this.highSince = sample.at;
        return 'up';
      }
      return 'hold';
    }
    this.highSince = undefined;
    if (!low) {
      this.lowSince = undefined;
      return 'hold';
    }
    this.lowSince ??= sample.at;
    if (sample.at - this.lowSince >= this.timing.scaleDownAfterMs) {
      this.lowSince = sample.at;
      return 'down';
    }
    return 'hold';
  }
}
