/**
 * The execution environments of one Lambda Managed Instances function, run as LMI runs them:
 * the minimum number started before the function takes traffic and kept (replaced if one dies),
 * each taking many invocations at once up to its max concurrency; an invocation when every slot
 * of every environment is busy is throttled (HTTP 429 through the front door: "If your traffic
 * more than doubles within 5 minutes, you may see throttles", AWS Lambda developer guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html, and 429
 * in …/lambda-managed-instances-troubleshooting.html, read 2026-12), never a cold start; and
 * environments are added and removed in the background from their CPU utilisation
 * (lmi-scaler.ts), up to the function's maximum.
 */
import { randomUUID } from 'node:crypto';
import type { InvokeResult } from './environment';
import { TooManyRequestsError } from './function-pool';
import { LmiEnvironment, type LmiEnvironmentOptions } from './lmi-environment';
import { CpuScaler, LOCAL_SCALER_TIMING, type ScalerTiming } from './lmi-scaler';

export interface LmiPoolOptions {
  readonly environment: LmiEnvironmentOptions;
  readonly minEnvironments: number;
  readonly maxEnvironments: number;
  /** CPU utilisation target, 0..1. */
  readonly cpuTarget: number;
  readonly timing?: ScalerTiming;
  /** Scaling notes (an environment added or removed, and why). */
  readonly note?: (message: string) => void;
}

/**
 * The environments of one LMI function.
 *
 * @example
 * ```ts
 * const pool = new LmiPool({ environment, minEnvironments: 1, maxEnvironments: 4, cpuTarget: 0.5 });
 * await pool.ready();
 * const result = await pool.invoke(Buffer.from(JSON.stringify(event)));
 * await pool.stop();
 * ```
 */
export class LmiPool {
  private readonly environments = new Set<LmiEnvironment>();
  private readonly initial: LmiEnvironment[] = [];
  private readonly scaler: CpuScaler;
  private readonly timer: NodeJS.Timeout;
  private readonly lastCpu = new Map<LmiEnvironment, { at: number; seconds: number }>();
  /** Why the last environment failed its init, while none is ready. */
  private initFailure: string | undefined;
  private throttledSinceSample = 0;
  private throttledTotal = 0;
  private stopped = false;

  constructor(private readonly options: LmiPoolOptions) {
    for (let i = 0; i < options.minEnvironments; i += 1) this.initial.push(this.add());
    const timing = options.timing ?? LOCAL_SCALER_TIMING;
    this.scaler = new CpuScaler(options.cpuTarget, timing);
    this.timer = setInterval(() => this.sample(), timing.sampleMs);
    this.timer.unref();
  }

  get name(): string {
    return this.options.environment.functionName;
  }

  /** Environments alive now (starting or ready). */
  get size(): number {
    return this.environments.size;
  }

  /** Invocations refused for want of a slot, since the start. */
  get throttles(): number {
    return this.throttledTotal;
  }

  /** Process ids of the live environments. */
  pids(): number[] {
    return [...this.environments].flatMap((env) => (env.pid === undefined ? [] : [env.pid]));
  }

  /** The live environments, for tests and the load tests' scale-out report. */
  list(): readonly LmiEnvironment[] {
    return [...this.environments];
  }

  /** Resolves when the minimum environments have finished init (the version is ACTIVE). */
  async ready(): Promise<void> {
    await Promise.allSettled(this.initial.map((env) => env.whenReady()));
  }

  /**
   * Invokes the function synchronously in the environment with the most free slots.
   *
   * @throws {TooManyRequestsError} when every slot of every ready environment is busy.
   */
  async invoke(payload: Buffer, requestId: string = randomUUID()): Promise<InvokeResult> {
    if (this.stopped) throw new Error(`${this.name} is stopped`);
    let best: LmiEnvironment | undefined;
    for (const env of this.environments) {
      if (env.freeSlots > 0 && (best === undefined || env.freeSlots > best.freeSlots)) best = env;
    }
    if (best === undefined && this.initFailure !== undefined && this.environments.size === 0) {
      // As a version that never became ACTIVE: every invocation fails with init's error.
      const [errorType = 'Runtime.Unknown', ...rest] = this.initFailure.split(': ');
      const payload = Buffer.from(JSON.stringify({ errorType, errorMessage: rest.join(': ') }));
      return {
        requestId,
        payload,
        functionError: 'Unhandled',
        errorType,
        report: {
          requestId,
          durationMs: 0,
          billedDurationMs: 0,
          memorySizeMb: this.options.environment.memoryMb,
          maxMemoryUsedMb: 0,
          status: 'error',
          errorType,
        },
      };
    }
    if (best === undefined) {
      this.throttledSinceSample += 1;
      this.throttledTotal += 1;
      throw new TooManyRequestsError(this.name);
    }
    best.reserve();
    return best.invoke(payload, requestId);
  }

  private add(): LmiEnvironment {
    const env = LmiEnvironment.start(this.options.environment);
    this.environments.add(env);
    let wasReady = false;
    env.whenReady().then(
      () => {
        wasReady = true;
        this.initFailure = undefined;
      },
      (err: Error) => {
        this.initFailure = err.message;
        this.options.note?.(`${this.name}: an environment failed its init: ${err.message}`);
      },
    );
    env.once('dead', () => {
      this.environments.delete(env);
      this.lastCpu.delete(env);
      // One that never finished init is not restarted: its code would fail again, over and over.
      if (wasReady && !this.stopped && this.environments.size < this.options.minEnvironments) {
        this.options.note?.(`${this.name}: an environment died; starting its replacement`);
        this.add();
      }
    });
    return env;
  }

  /** One scaler period: CPU of the ready environments, then add or remove one. */
  private sample(): void {
    if (this.stopped) return;
    const now = performance.now();
    const shares: number[] = [];
    for (const env of this.environments) {
      const seconds = env.cpuSeconds();
      if (!env.isReady || seconds === undefined) continue;
      const last = this.lastCpu.get(env);
      this.lastCpu.set(env, { at: now, seconds });
      if (last === undefined || now <= last.at) continue;
      const wallSeconds = (now - last.at) / 1000;
      shares.push((seconds - last.seconds) / (wallSeconds * this.options.environment.vcpus));
    }
    const utilisation = shares.length === 0 ? 0 : shares.reduce((a, b) => a + b, 0) / shares.length;
    const throttled = this.throttledSinceSample;
    this.throttledSinceSample = 0;
    const decision = this.scaler.observe({ at: now, utilisation, throttled });
    const starting = [...this.environments].some((env) => !env.isReady);
    const percent = Math.round(utilisation * 100);
    if (decision === 'up' && !starting && this.environments.size < this.options.maxEnvironments) {
      this.add();
      this.options.note?.(
        `${this.name}: scaling out to ${this.environments.size} environments (CPU ${percent} %, target ${Math.round(this.options.cpuTarget * 100)} %, ${throttled} throttled)`,
      );
    } else if (decision === 'down' && this.environments.size > this.options.minEnvironments) {
      const idle = [...this.environments].find((env) => env.isReady && env.inFlight === 0);
      if (idle !== undefined) {
        idle.kill();
        this.options.note?.(
          `${this.name}: scaling in to ${this.environments.size} environments (CPU ${percent} %)`,
        );
      }
    }
  }

  /** Kills every environment and starts no other. Synchronous. */
  kill(): LmiEnvironment[] {
    this.stopped = true;
    clearInterval(this.timer);
    const all = [...this.environments];
    for (const env of all) env.kill();
    return all;
  }

  /** Kills every environment and waits until their processes are gone. */
  async stop(): Promise<void> {
    await Promise.all(this.kill().map((env) => env.exited()));
  }
}
