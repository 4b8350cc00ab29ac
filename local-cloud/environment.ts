/**
 * One Lambda execution environment: a separate Node 24 process started from the function's
 * unpacked artifact (task root plus /opt), running the runtime client against its own
 * Runtime API, one invocation at a time. Between invocations it is frozen with SIGSTOP, as
 * Lambda freezes a sandbox, so its timers do not run; SIGCONT thaws it before the next event.
 *
 * It writes Lambda's platform lines (START, END, REPORT with Init Duration on a cold start)
 * around the function's own output. Init Duration is measured as Lambda measures it: from the
 * start of the environment until the runtime first asks for an event. Max Memory Used is the
 * process's peak RSS (VmHWM in /proc/<pid>/status), sampled while it runs and before it is
 * killed, so a crashed or killed environment reports the last peak read rather than nothing.
 * The memory ceiling is enforced twice: V8's heap limit (`--max-old-space-size` at the memory
 * size) and an RSS watch while busy that kills the process past the memory size, as Lambda's
 * cgroup would.
 *
 * The process is started so that the kernel kills it if the local cloud dies without stopping
 * it (parent-death.ts): a frozen environment cannot notice anything by itself.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type CpuGroup, type CpuLimits, lambdaVcpus } from './cpu-limit';
import type { Command } from './parent-death';
import { formatEnd, formatReport, formatStart, type Report } from './report-log';
import { type Delivery, RuntimeApi, type RuntimeOutcome } from './runtime-api';
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

export type InitializationType = 'on-demand' | 'provisioned-concurrency';

export interface EnvironmentOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly handler: string;
  readonly taskRoot: string;
  /** The unpacked layers (Lambda's /opt). */
  readonly optDir: string;
  /** The runtime client script (Lambda's /var/runtime). */
  readonly bootstrap: string;
  readonly region: string;
  readonly initializationType: InitializationType;
  /**
   * The function version this environment runs: `$LATEST`, or the published version an alias
   * with provisioned concurrency points at (Lambda reports it in the variables, the context,
   * the log stream name and the START line).
   */
  readonly version?: string;
  /** The function's own variables (template), already resolved for the local cloud. */
  readonly variables: Readonly<Record<string, string>>;
  /** Receives every line for the function's log (its output and the platform lines). */
  readonly log: (line: string) => void;
  /** Node binary; defaults to the one running the local cloud (Node 24). */
  readonly nodeBinary?: string;
  /** How often the RSS watch samples a busy environment. */
  readonly memoryWatchMs?: number;
  /**
   * Where to limit the environment's CPU to its memory's share, as Lambda does (1,769 MB is one
   * vCPU); unset, or a machine without cgroups, runs it unlimited.
   */
  readonly cpu?: CpuLimits;
}

/** How an invocation ended, as Lambda's Invoke API would report it. */
export interface InvokeResult {
  readonly requestId: string;
  /** The function's response, or Lambda's error document for a function error. */
  readonly payload: Buffer;
  /** Set for a function error, as the X-Amz-Function-Error header would be. */
  readonly functionError?: string;
  readonly errorType?: string;
  readonly report: Report;
}

export interface EnvironmentEvents {
  /** Frozen and waiting for an event. */
  idle: [];
  /** The process is gone; the environment cannot be used again. */
  dead: [];
}

/**
 * The variables Lambda sets in every environment (AWS Lambda developer guide, "Defined
 * runtime environment variables"), with the function's own on top of them.
 *
 * @example
 * ```ts
 * lambdaVariables(options, '127.0.0.1:40123', '2026/11/28/[$LATEST]abc…').AWS_LAMBDA_FUNCTION_NAME;
 * ```
 */
export function lambdaVariables(
  options: EnvironmentOptions,
  runtimeApi: string,
  logStream: string,
): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LD_LIBRARY_PATH: `${options.optDir}/lib`,
    NODE_PATH: [
      `${options.optDir}/nodejs/node24/node_modules`,
      `${options.optDir}/nodejs/node_modules`,
      options.taskRoot,
    ].join(':'),
    LAMBDA_TASK_ROOT: options.taskRoot,
    LAMBDA_RUNTIME_DIR: options.bootstrap.slice(0, options.bootstrap.lastIndexOf('/')),
    _HANDLER: options.handler,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: options.version ?? '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: options.initializationType,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    ...options.variables,
  };
}

type State = 'initializing' | 'idle' | 'busy' | 'finishing' | 'dead';

/**
 * A running environment.
 *
 * @example
 * ```ts
 * const env = ExecutionEnvironment.start(options);
 * const result = await env.invoke(Buffer.from('{}'));
 * console.log(result.report.initDurationMs); // set: this was a cold start
 * ```
 */
export class ExecutionEnvironment extends EventEmitter<EnvironmentEvents> {
  readonly id = randomBytes(16).toString('hex');
  readonly startedAt = performance.now();
  /** When it last finished an invocation (or started), for idle reaping. */
  lastUsed = performance.now();
  private state: State = 'initializing';
  private child: ChildProcess | undefined;
  private api: RuntimeApi | undefined;
  private initDurationMs: number | undefined;
  private invocations = 0;
  private readonly ready: Promise<void>;
  private exitReason: string | undefined;
  /** The cgroup holding the process to its CPU share, when one could be made. */
  private cpuGroup: CpuGroup | undefined;
  /** Last peak RSS read while busy, for a process that is gone when the REPORT is written. */
  private lastPeakMb = 0;

  private constructor(private readonly options: EnvironmentOptions) {
    super();
    this.ready = this.boot();
    // Failures surface through invoke(); a reaped or failed environment needs no handler here.
    this.ready.catch(() => undefined);
  }

  static start(options: EnvironmentOptions): ExecutionEnvironment {
    return new ExecutionEnvironment(options);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isIdle(): boolean {
    return this.state === 'idle';
  }

  get isDead(): boolean {
    return this.state === 'dead';
  }

  /** Answered, but the runtime has not yet asked for the next event. */
  get isFinishing(): boolean {
    return this.state === 'finishing';
  }

  /** Resolves once init is done (the runtime's first `/next`). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Marks the environment taken before an async gap, so the pool does not hand it out twice. */
  reserve(): void {
    if (this.state === 'idle') this.state = 'busy';
  }

  private get version(): string {
    return this.options.version ?? '$LATEST';
  }

  /**
   * The command that starts the runtime: Node with the function's heap limit, wrapped so that it
   * dies with the local cloud. One place, so that other wrappers (a CPU limit) compose here.
   */
  private command(): Command {
    this.cpuGroup = this.options.cpu?.group(`env-${this.id}`, lambdaVcpus(this.options.memoryMb));
    return runtimeCommand(
      this.options.nodeBinary ?? process.execPath,
      [`--max-old-space-size=${this.options.memoryMb}`, this.options.bootstrap],
      this.cpuGroup,
    );
  }

  private async boot(): Promise<void> {
    const api = await RuntimeApi.start();
    this.api = api;
    // Lambda names the stream after the version: 2026/12/08/[$LATEST]… or …/[3]….
    const logStream = logStreamName(this.version, this.id);
    this.child = spawnRuntime(this.command(), {
      cwd: this.options.taskRoot,
      env: lambdaVariables(this.options, api.address, logStream),
      log: this.options.log,
      onExit: (code, signal) => {
        this.exitReason ??= signal ? `signal: ${signalName(signal)}` : `exit status ${code}`;
        this.markDead();
        this.cpuGroup?.remove();
      },
    });
    // Init can crash too: its REPORT then carries the last peak read here.
    const initWatch = setInterval(() => this.samplePeak(), this.options.memoryWatchMs ?? 250);
    initWatch.unref();
    await new Promise<void>((resolve, reject) => {
      const onDead = () => reject(new InitError('Runtime.ExitError', this.exitMessage()));
      this.once('dead', onDead);
      api.once('initError', ({ payload, errorType }) => {
        this.off('dead', onDead);
        this.kill();
        reject(new InitError(errorType, errorMessageOf(payload)));
      });
      api.once('next', () => {
        this.off('dead', onDead);
        this.initDurationMs = performance.now() - this.startedAt;
        this.samplePeak();
        this.freeze();
        this.state = 'idle';
        resolve();
      });
    }).finally(() => clearInterval(initWatch));
  }

  /**
   * Runs one invocation; resolves when the function answered (or failed), before the
   * runtime's next `/next`. The environment emits `idle` when it is ready for another.
   */
  async invoke(payload: Buffer, requestId: string = randomUUID()): Promise<InvokeResult> {
    try {
      await this.ready;
    } catch (err) {
      const { errorType, message } = err as InitError;
      this.options.log(formatStart(requestId, this.version));
      return this.finishFailed(requestId, 0, errorType, message);
    }
    const api = this.api;
    if (api === undefined || this.state === 'dead') throw new Error('environment is dead');
    this.state = 'busy';
    this.invocations += 1;
    const cold = this.invocations === 1 && this.options.initializationType === 'on-demand';
    this.options.log(formatStart(requestId, this.version));
    const started = performance.now();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const delivery: Delivery = {
      requestId,
      payload,
      deadlineMs: Date.now() + timeoutMs,
      functionArn: this.options.functionArn,
      traceId: newTraceId(),
    };
    // A frozen process's /proc is readable: the peak so far, in case this invocation crashes
    // before the first sample while busy.
    this.samplePeak();
    this.thaw();
    api.deliver(delivery);
    const outcome = await this.awaitOutcome(api, timeoutMs);
    const durationMs = performance.now() - started;
    const initDurationMs = cold ? this.initDurationMs : undefined;
    if (outcome.kind === 'timeout' || outcome.kind === 'exit') {
      const seconds = (timeoutMs / 1000).toFixed(2);
      const [errorType, message] =
        outcome.kind === 'timeout'
          ? ['Sandbox.Timedout', `Task timed out after ${seconds} seconds`]
          : [outcome.errorType, `Runtime exited with error: ${this.exitMessage()}`];
      if (outcome.kind === 'timeout') {
        this.options.log(`${new Date().toISOString()} ${requestId} ${message}`);
      } else {
        this.options.log(
          `${new Date().toISOString()} ${requestId} Error: ${message}\n${errorType}`,
        );
      }
      return this.finishFailed(requestId, durationMs, errorType, message, initDurationMs, outcome);
    }
    this.state = 'finishing';
    const report = this.report(requestId, durationMs, initDurationMs);
    // END and REPORT close the invocation when the runtime asks for the next event.
    const close = () => {
      this.options.log(formatEnd(requestId));
      this.options.log(formatReport(report));
      this.lastUsed = performance.now();
      this.freeze();
      this.state = 'idle';
      this.emit('idle');
    };
    if (api.isWaiting) close();
    else api.once('next', close);
    return outcome.kind === 'response'
      ? { requestId, payload: outcome.payload, report }
      : {
          requestId,
          payload: outcome.payload,
          functionError: 'Unhandled',
          errorType: errorTypeOf(outcome.payload, outcome.errorType),
          report,
        };
  }

  private awaitOutcome(
    api: RuntimeApi,
    timeoutMs: number,
  ): Promise<RuntimeOutcome | { kind: 'timeout' } | { kind: 'exit'; errorType: string }> {
    return new Promise((resolve) => {
      let oom = false;
      const timer = setTimeout(() => {
        cleanup();
        this.kill();
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      const watch = setInterval(() => {
        const memory = this.samplePeak();
        if (memory !== undefined && memory.rss > this.options.memoryMb) {
          oom = true;
          this.kill();
        }
      }, this.options.memoryWatchMs ?? 250);
      const onOutcome = (outcome: RuntimeOutcome) => {
        cleanup();
        resolve(outcome);
      };
      const onDead = () => {
        cleanup();
        resolve({ kind: 'exit', errorType: oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError' });
      };
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(watch);
        api.off('outcome', onOutcome);
        this.off('dead', onDead);
      };
      api.once('outcome', onOutcome);
      this.once('dead', onDead);
    });
  }

  private finishFailed(
    requestId: string,
    durationMs: number,
    errorType: string,
    message: string,
    initDurationMs?: number,
    outcome?: { kind: string },
  ): InvokeResult {
    this.kill();
    const status = outcome?.kind === 'timeout' ? 'timeout' : 'error';
    const report: Report = {
      ...this.report(requestId, durationMs, initDurationMs),
      status,
      ...(status === 'error' ? { errorType } : {}),
    };
    this.options.log(formatEnd(requestId));
    this.options.log(formatReport(report));
    const payload = Buffer.from(
      JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${message}` }),
    );
    return { requestId, payload, functionError: 'Unhandled', errorType, report };
  }

  private report(requestId: string, durationMs: number, initDurationMs?: number): Report {
    return {
      requestId,
      durationMs,
      // Lambda bills the INIT phase of on-demand environments too (since August 2025), in 1 ms steps.
      billedDurationMs: Math.ceil(durationMs + (initDurationMs ?? 0)),
      memorySizeMb: this.options.memoryMb,
      maxMemoryUsedMb: Math.round(Math.max(this.lastPeakMb, this.samplePeak()?.peak ?? 0)),
      ...(initDurationMs === undefined ? {} : { initDurationMs }),
    };
  }

  /** Reads the process's memory now and keeps the highest peak seen; undefined once it is gone. */
  private samplePeak(): { peak: number; rss: number } | undefined {
    const memory = readMemoryMb(this.pid);
    if (memory !== undefined) this.lastPeakMb = Math.max(this.lastPeakMb, memory.peak);
    return memory;
  }

  private exitMessage(): string {
    return this.exitReason ?? 'exit status 1';
  }

  private freeze(): void {
    signalGroup(this.child, 'SIGSTOP');
  }

  private thaw(): void {
    signalGroup(this.child, 'SIGCONT');
  }

  /** Kills the whole process group; a frozen process dies of SIGKILL too. Synchronous. */
  kill(): void {
    // The last read of its memory, for the REPORT of an invocation that this kill ends.
    if (this.state !== 'dead') this.samplePeak();
    signalGroup(this.child, 'SIGKILL');
    this.markDead();
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    void this.api?.close();
    this.emit('dead');
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    return exitedProcess(this.child);
  }
}

class InitError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGKILL' ? 'killed' : signal.replace(/^SIG/, '').toLowerCase();
}
