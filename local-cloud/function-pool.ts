/**
 * The execution environments of one function, scaled as Lambda scales them: an idle (frozen)
 * environment takes the next invocation; when all are busy a new one starts (a cold start), up
 * to the function's concurrency limit, past which the invocation is throttled; idle on-demand
 * environments are reaped after a while; provisioned concurrency keeps initialised
 * environments ready from the start, and replaces them when they die.
 */
import { randomUUID } from 'node:crypto';
import {
  type EnvironmentOptions,
  ExecutionEnvironment,
  type InitializationType,
  type InvokeResult,
} from './environment';

export interface PoolOptions {
  readonly environment: Omit<EnvironmentOptions, 'initializationType' | 'version'>;
  /** Most environments at once: reserved concurrency, else the local account limit. */
  readonly maxConcurrency: number;
  readonly provisionedConcurrency: number;
  /**
   * The published version the provisioned environments run (provisioned concurrency is set on
   * an alias or version, never on $LATEST); on-demand environments run $LATEST.
   */
  readonly provisionedVersion?: string;
  /** How long an on-demand environment stays idle before it is reaped. */
  readonly idleTimeoutMs: number;
}

/** Lambda's answer when a function is at its concurrency limit (HTTP 429 from Invoke). */
export class TooManyRequestsError extends Error {
  override readonly name = 'TooManyRequestsException';
  constructor(functionName: string) {
    super(`Rate Exceeded. (${functionName} is at its concurrency limit)`);
  }
}

/** A runtime that has answered waits this long for its next /next before a new one is made. */
const FINISHING_GRACE_MS = 200;

/**
 * The environments of one function.
 *
 * @example
 * ```ts
 * const pool = new FunctionPool({ environment, maxConcurrency: 10, provisionedConcurrency: 0,
 *   idleTimeoutMs: 60_000 });
 * const result = await pool.invoke(Buffer.from(JSON.stringify(event)));
 * await pool.stop();
 * ```
 */
export class FunctionPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly provisioned = new Set<ExecutionEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  /** Called each time the last environment dies (see whenEmpty). */
  private readonly emptyWaiters = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.provisionedConcurrency; i += 1) this.startProvisioned();
    const every = Math.max(50, Math.min(1000, options.idleTimeoutMs / 4));
    this.reaper = setInterval(() => this.reap(), every);
    this.reaper.unref();
  }

  get name(): string {
    return this.options.environment.functionName;
  }

  /** How many environments exist now (any state but dead). */
  get size(): number {
    return this.environments.size;
  }

  /**
   * Resolves true once no environment is left (all reaped or killed), or false if one is still
   * alive after `timeoutMs`. Provisioned environments are restarted, so a pool with provisioned
   * concurrency only empties when stopped.
   *
   * @example
   * ```ts
   * const cold = await pool.whenEmpty(idleTimeoutMs + 5000); // the next invoke starts cold
   * ```
   */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.environments.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const settle = (empty: boolean) => {
        clearTimeout(timer);
        this.emptyWaiters.delete(onEmpty);
        resolve(empty);
      };
      const onEmpty = () => settle(true);
      const timer = setTimeout(() => settle(false), timeoutMs);
      this.emptyWaiters.add(onEmpty);
    });
  }

  /** Process ids of the live environments. */
  pids(): number[] {
    return [...this.environments].flatMap((env) => (env.pid === undefined ? [] : [env.pid]));
  }

  /** Resolves when every provisioned environment has finished its init. */
  async ready(): Promise<void> {
    await Promise.allSettled([...this.provisioned].map((env) => env.whenReady()));
  }

  /**
   * Invokes the function synchronously.
   *
   * @throws {TooManyRequestsError} when every allowed environment is busy.
   */
  async invoke(payload: Buffer, requestId: string = randomUUID()): Promise<InvokeResult> {
    const env = await this.acquire();
    return env.invoke(payload, requestId);
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    if (this.stopped) throw new Error(`${this.name} is stopped`);
    const idle = this.idle();
    if (idle !== undefined) {
      idle.reserve();
      return idle;
    }
    // One that just answered will be free in a moment: reuse it rather than start a new one.
    const finishing = [...this.environments].filter((env) => env.isFinishing);
    if (finishing.length > 0) {
      const freed = await Promise.race([
        ...finishing.map((env) => new Promise<boolean>((r) => env.once('idle', () => r(true)))),
        new Promise<boolean>((r) => setTimeout(() => r(false), FINISHING_GRACE_MS)),
      ]);
      const now = freed ? this.idle() : undefined;
      if (now !== undefined) {
        now.reserve();
        return now;
      }
    }
    if (this.environments.size >= this.options.maxConcurrency) {
      throw new TooManyRequestsError(this.name);
    }
    const env = this.startEnvironment('on-demand');
    env.reserve();
    return env;
  }

  private idle(): ExecutionEnvironment | undefined {
    // Provisioned first: they are paid for and already warm.
    const all = [...this.environments];
    return (
      all.find((env) => env.isIdle && this.provisioned.has(env)) ?? all.find((env) => env.isIdle)
    );
  }

  private startEnvironment(
    initializationType: InitializationType,
    version?: string,
  ): ExecutionEnvironment {
    const env = ExecutionEnvironment.start({
      ...this.options.environment,
      initializationType,
      ...(version === undefined ? {} : { version }),
    });
    this.environments.add(env);
    env.once('dead', () => {
      this.environments.delete(env);
      if (this.provisioned.delete(env) && !this.stopped) this.startProvisioned();
      if (this.environments.size === 0) for (const waiter of [...this.emptyWaiters]) waiter();
    });
    return env;
  }

  private startProvisioned(): void {
    this.provisioned.add(
      this.startEnvironment('provisioned-concurrency', this.options.provisionedVersion ?? '1'),
    );
  }

  private reap(): void {
    const now = performance.now();
    for (const env of this.environments) {
      if (
        env.isIdle &&
        !this.provisioned.has(env) &&
        now - env.lastUsed > this.options.idleTimeoutMs
      ) {
        env.kill();
      }
    }
  }

  /**
   * Kills every environment (frozen ones too: SIGKILL needs no thaw) and starts no other.
   * Synchronous, for a local cloud that must exit now.
   */
  kill(): ExecutionEnvironment[] {
    this.stopped = true;
    clearInterval(this.reaper);
    const all = [...this.environments];
    for (const env of all) env.kill();
    return all;
  }

  /** Kills every environment and waits until their processes are gone. */
  async stop(): Promise<void> {
    await Promise.all(this.kill().map((env) => env.exited()));
  }
}
