/**
 * One Lambda Managed Instances execution environment: a separate Node 24 process running
 * bootstrap-lmi.cjs (the runtime's worker threads) against its own LMI Runtime API, with many
 * invocations at once, up to its max concurrency. Unlike an on-demand environment
 * (environment.ts) it is never frozen: it runs continuously, timers and all, as LMI's do
 * ("continuously running … without freezing between invocations", AWS Lambda developer guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html,
 * read 2026-12). An invocation that passes its timeout is answered with Lambda's timeout error
 * and its slot freed, but its code is not stopped: "Lambda does not enforce the timeout, your
 * code continues to run" (same page). Its process is held to its vCPUs (cpu-limit.ts) and dies
 * with the local cloud (parent-death.ts).
 *
 * Logs are JSON, as LMI forces the JSON log format: the function's lines come from the runtime,
 * and the platform's records are written here (lmi-log.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { installBootstrap } from './artifacts';
import type { CpuGroup, CpuLimits } from './cpu-limit';
import { type InvokeResult, lambdaVariables } from './environment';
import { platformInitReport, platformReport, platformStart } from './lmi-log';
import { LmiRuntimeApi } from './lmi-runtime-api';
import type { Command } from './parent-death';
import type { Report } from './report-log';
import type { RuntimeOutcome } from './runtime-api';
import {
  errorMessageOf,
  errorTypeOf,
  exitedProcess,
  logStreamName,
  newTraceId,
  readMemoryMb,
  runtimeCommand,
  signalGroup,
  spawnRuntime,
} from './runtime-process';

export interface LmiEnvironmentOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly handler: string;
  readonly taskRoot: string;
  readonly optDir: string;
  /** The LMI runtime client, as installLmiRuntime placed it. */
  readonly bootstrap: string;
  readonly region: string;
  /** The version it runs (LMI runs published versions; `$LATEST` locally unless told). */
  readonly version?: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  readonly vcpus: number;
  /** AWS_LAMBDA_MAX_CONCURRENCY: invocations at once. */
  readonly maxConcurrency: number;
  /** AWS_LAMBDA_NODEJS_WORKER_COUNT: runtime worker threads. */
  readonly workers: number;
  /** Modules the runtime's main thread requires before its workers start (sharp). */
  readonly mainThreadRequire?: readonly string[];
  readonly cpu?: CpuLimits;
  readonly nodeBinary?: string;
}

export interface LmiEnvironmentEvents {
  /** Init is over: every worker asks for events. */
  ready: [];
  /** A slot came free. */
  free: [];
  dead: [];
}

type Waiter = (outcome: RuntimeOutcome | { kind: 'exit' }) => void;

const LMI_BOOTSTRAP = path.join(__dirname, 'runtime', 'bootstrap-lmi.cjs');

/**
 * Puts the LMI runtime client, and the InvokeStore it needs, into a function's runtime folder
 * (Lambda's /var/runtime) as `bootstrap.cjs` and `invoke-store.cjs`; returns the bootstrap.
 *
 * @example
 * ```ts
 * const bootstrap = installLmiRuntime(path.dirname(layout.bootstrap));
 * ```
 */
export function installLmiRuntime(runtimeDir: string): string {
  const bootstrap = installBootstrap(runtimeDir, LMI_BOOTSTRAP);
  copyFileSync(
    require.resolve('@aws/lambda-invoke-store'),
    path.join(runtimeDir, 'invoke-store.cjs'),
  );
  return bootstrap;
}

/**
 * A running LMI environment.
 *
 * @example
 * ```ts
 * const env = LmiEnvironment.start({ ...options, vcpus: 1, maxConcurrency: 8, workers: 1 });
 * await env.whenReady();
 * const results = await Promise.all([env.invoke(a), env.invoke(b)]); // at once, one process
 * ```
 */
export class LmiEnvironment extends EventEmitter<LmiEnvironmentEvents> {
  readonly id = randomBytes(16).toString('hex');
  readonly startedAt = performance.now();
  /** When an invocation last ended, for scaling down. */
  lastBusy = performance.now();
  private child: ChildProcess | undefined;
  private api: LmiRuntimeApi | undefined;
  private cpuGroup: CpuGroup | undefined;
  private readonly ready: Promise<void>;
  private isReadyNow = false;
  private dead = false;
  private running = 0;
  private readonly waiters = new Map<string, Waiter>();
  private exitReason: string | undefined;
  /** Invocations answered as timed out whose code has not answered yet. */
  private overrunning = 0;

  private constructor(private readonly options: LmiEnvironmentOptions) {
    super();
    this.ready = this.boot();
    this.ready.catch(() => undefined);
  }

  static start(options: LmiEnvironmentOptions): LmiEnvironment {
    return new LmiEnvironment(options);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isReady(): boolean {
    return this.isReadyNow && !this.dead;
  }

  get isDead(): boolean {
    return this.dead;
  }

  /** Invocations running now (a timed-out one no longer counts). */
  get inFlight(): number {
    return this.running;
  }

  /** Slots free for another invocation. */
  get freeSlots(): number {
    return this.isReady ? this.options.maxConcurrency - this.running : 0;
  }

  /** Timed-out invocations whose code still runs. */
  get overrun(): number {
    return this.overrunning;
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Takes a slot before an async gap, so a pool does not hand it out twice. */
  reserve(): void {
    if (this.freeSlots <= 0) throw new Error('no free slot');
    this.running += 1;
  }

  private command(): Command {
    const args = [this.options.bootstrap];
    if (this.options.mainThreadRequire?.length) {
      args.push(`--main-thread-require=${this.options.mainThreadRequire.join(',')}`);
    }
    this.cpuGroup = this.options.cpu?.group(`lmi-${this.id}`, this.options.vcpus);
    return runtimeCommand(this.options.nodeBinary ?? process.execPath, args, this.cpuGroup);
  }

  private async boot(): Promise<void> {
    const api = await LmiRuntimeApi.start();
    this.api = api;
    api.on('outcome', (outcome) => {
      const waiter = this.waiters.get(outcome.requestId);
      this.waiters.delete(outcome.requestId);
      waiter?.(outcome);
    });
    const logStream = logStreamName(this.options.version ?? '$LATEST', this.id);
    const variables = lambdaVariables(
      { ...this.options, initializationType: 'on-demand' },
      api.address,
      logStream,
    );
    this.child = spawnRuntime(this.command(), {
      cwd: this.options.taskRoot,
      env: {
        ...variables,
        // The value AWS's LMI emulator sets (aws-lambda-runtime-interface-emulator,
        // internal/lambda-managed-instances; read 2026-12).
        AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances',
        AWS_LAMBDA_MAX_CONCURRENCY: String(this.options.maxConcurrency),
        AWS_LAMBDA_NODEJS_WORKER_COUNT: String(this.options.workers),
        // JSON logs are forced on LMI; Powertools and the runtime read this.
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
      },
      log: this.options.log,
      onExit: (code, signal) => {
        // The raw signal name, unlike environment.ts's Lambda wording: this emulation's own.
        this.exitReason ??= signal ? `signal: ${signal}` : `exit status ${code}`;
        this.markDead();
        this.cpuGroup?.remove();
      },
    });
    await new Promise<void>((resolve, reject) => {
      const onDead = () =>
        reject(new Error(`Runtime.ExitError: Runtime exited with error: ${this.exitReason}`));
      this.once('dead', onDead);
      api.once('initError', ({ payload, errorType }) => {
        this.off('dead', onDead);
        this.options.log(
          platformInitReport(performance.now() - this.startedAt, 'error', errorType),
        );
        this.kill();
        reject(new Error(`${errorType}: ${errorMessageOf(payload)}`));
      });
      const onNext = () => {
        // Ready once every worker has finished init and waits in /next.
        if (api.waitingCount < this.options.workers) return;
        api.off('next', onNext);
        this.off('dead', onDead);
        this.options.log(platformInitReport(performance.now() - this.startedAt, 'success'));
        this.isReadyNow = true;
        this.emit('ready');
        resolve();
      };
      api.on('next', onNext);
    });
  }

  /**
   * Runs one invocation in a slot taken with `reserve()`. Resolves with its answer, or with
   * Lambda's timeout error once it passes its timeout (its code runs on).
   */
  async invoke(payload: Buffer, requestId: string = randomUUID()): Promise<InvokeResult> {
    const api = this.api;
    if (api === undefined || !this.isReady) {
      this.release();
      throw new Error('environment is not ready');
    }
    const version = this.options.version ?? '$LATEST';
    this.options.log(platformStart(requestId, version, this.options.functionArn));
    const started = performance.now();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const outcome = await new Promise<RuntimeOutcome | { kind: 'exit' } | { kind: 'timeout' }>(
      (resolve) => {
        const timer = setTimeout(() => {
          this.waiters.delete(requestId);
          api.abandon(requestId);
          this.overrunning += 1;
          resolve({ kind: 'timeout' });
        }, timeoutMs);
        this.waiters.set(requestId, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        api.deliver({
          requestId,
          payload,
          deadlineMs: Date.now() + timeoutMs,
          functionArn: this.options.functionArn,
          traceId: newTraceId(),
        });
      },
    );
    const durationMs = performance.now() - started;
    this.release();
    if (outcome.kind === 'response') {
      this.options.log(platformReport({ requestId, durationMs, status: 'success' }));
      return { requestId, payload: outcome.payload, report: this.report(requestId, durationMs) };
    }
    const [errorType, message] =
      outcome.kind === 'timeout'
        ? // The message AWS's LMI emulator gives (invoke/utils.go).
          ['Sandbox.Timedout', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`]
        : outcome.kind === 'exit'
          ? ['Runtime.ExitError', `Runtime exited with error: ${this.exitReason ?? 'unknown'}`]
          : [errorTypeOf(outcome.payload, outcome.errorType), undefined];
    this.options.log(
      platformReport({
        requestId,
        durationMs,
        status: outcome.kind === 'timeout' ? 'timeout' : 'error',
        errorType,
      }),
    );
    const body =
      message === undefined && outcome.kind === 'error'
        ? outcome.payload
        : Buffer.from(
            JSON.stringify({
              errorType,
              errorMessage: `RequestId: ${requestId} Error: ${message}`,
            }),
          );
    return {
      requestId,
      payload: body,
      functionError: 'Unhandled',
      errorType,
      report: {
        ...this.report(requestId, durationMs),
        status: outcome.kind === 'timeout' ? 'timeout' : 'error',
        errorType,
      },
    };
  }

  private release(): void {
    this.running = Math.max(0, this.running - 1);
    this.lastBusy = performance.now();
    if (!this.dead) this.emit('free');
  }

  /** LMI charges no duration: billed duration is 0; memory is the process's peak so far. */
  private report(requestId: string, durationMs: number): Report {
    return {
      requestId,
      durationMs,
      billedDurationMs: 0,
      memorySizeMb: this.options.memoryMb,
      maxMemoryUsedMb: Math.round(readMemoryMb(this.pid)?.peak ?? 0),
    };
  }

  /** CPU seconds the process (all its threads) has used so far; undefined once it is gone. */
  cpuSeconds(): number | undefined {
    const pid = this.pid;
    if (pid === undefined || this.dead) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return ticks / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  }

  /** Kills the process group; invocations in flight fail with Runtime.ExitError. */
  kill(): void {
    signalGroup(this.child, 'SIGKILL');
    this.exitReason ??= 'signal: killed';
    this.markDead();
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    for (const waiter of this.waiters.values()) waiter({ kind: 'exit' });
    this.waiters.clear();
    void this.api?.close();
    this.emit('dead');
  }

  exited(): Promise<void> {
    return exitedProcess(this.child);
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, on every architecture Node runs on. */
const CLOCK_TICKS = 100;
