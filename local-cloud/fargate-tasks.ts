/**
 * fargate's ECS service, locally: tasks are separate processes running the container's own
 * command (the Dockerfile's CMD, `node server.js`) in the staged build context, each on an
 * ephemeral port, registered with the local load balancer. The service keeps the desired count:
 * a task that exits, or that the load balancer finds unhealthy, is stopped and replaced. Stopping
 * a task is ECS's: deregister from the load balancer (draining), SIGTERM, then SIGKILL after the
 * container's stop timeout. Each task's stdout and stderr go to
 * `<logs>/fargate-task-<n>.log`, n counting every task started.
 *
 * A task's CPU is held to its task definition's vCPU where the machine allows it (cpu-limit.ts).
 * Not reproduced: image pull and ENI attachment (a real task takes tens of seconds to start),
 * the task's memory limit, capacity providers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { ContainerImage } from './container-image';
import type { CpuLimits } from './cpu-limit';
import type { LoadBalancer } from './load-balancer';

/** Stops a task whose local cloud is gone (see the file). */
const PARENT_WATCH = path.join(__dirname, 'runtime', 'parent-watch.cjs');

export interface FargateServiceOptions {
  /** The staged build context's image: CMD, ENV and WORKDIR (the context folder itself). */
  readonly image: ContainerImage;
  /** The task definition's variables (and local ones: endpoints, credentials). */
  readonly environment: Readonly<Record<string, string>>;
  readonly desiredCount: number;
  readonly stopTimeoutMs: number;
  readonly loadBalancer: LoadBalancer;
  readonly logsDir: string;
  /** Node binary for a CMD that starts with `node` (the one running the local cloud, Node 24). */
  readonly nodeBinary?: string;
  /** How long a task may take to listen before it counts as failed. */
  readonly startTimeoutMs?: number;
  /** Where to hold each task to `vcpus` (the task definition's CPU); unset runs it unlimited. */
  readonly cpu?: { readonly limits: CpuLimits; readonly vcpus: number };
  readonly log?: (message: string) => void;
}

/** A running task. */
export interface FargateTask {
  readonly id: string;
  readonly number: number;
  readonly pid: number | undefined;
  readonly port: number;
}

interface RunningTask extends FargateTask {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly logFile: WriteStream;
  stopping: boolean;
}

/**
 * Starts the service's tasks and keeps their count.
 *
 * @example
 * ```ts
 * const service = await FargateService.start({ image: readImage('build/containers/fargate-x86_64'),
 *   environment, desiredCount: 2, stopTimeoutMs: 120_000, loadBalancer, logsDir: '.local-cloud/logs' });
 * service.tasks.map((t) => t.port);
 * await service.stop();
 * ```
 */
export class FargateService {
  private readonly running = new Map<string, RunningTask>();
  private started = 0;
  private stopped = false;
  private readonly replacing = new Set<Promise<void>>();

  private constructor(private readonly options: FargateServiceOptions) {
    options.loadBalancer.on('unhealthy', (id) => {
      const task = this.running.get(id);
      if (task === undefined || this.stopped) return;
      options.log?.(`task ${task.number} failed its health checks: replacing it`);
      this.track(this.stopTask(task).then(() => this.replace()));
    });
  }

  static async start(options: FargateServiceOptions): Promise<FargateService> {
    const service = new FargateService(options);
    try {
      await Promise.all(Array.from({ length: options.desiredCount }, () => service.startTask()));
    } catch (err) {
      await service.stop();
      throw err;
    }
    return service;
  }

  /** The tasks running now (not stopping). */
  get tasks(): FargateTask[] {
    return [...this.running.values()]
      .filter((t) => !t.stopping)
      .map(({ id, number, pid, port }) => ({ id, number, pid, port }));
  }

  /** Every task process id, stopping ones included. */
  pids(): number[] {
    return [...this.running.values()].flatMap((t) => (t.pid === undefined ? [] : [t.pid]));
  }

  /** Resolves when the desired count of tasks is running and healthy. */
  async ready(): Promise<void> {
    await Promise.all([...this.replacing]);
    await Promise.all(this.tasks.map((t) => this.options.loadBalancer.whenHealthy(t.id)));
  }

  /** Stops one task as ECS does (drain, SIGTERM, SIGKILL after the stop timeout); no replacement. */
  async stopTask(task: FargateTask): Promise<void> {
    const running = this.running.get(task.id);
    if (running === undefined || running.stopping) return;
    running.stopping = true;
    // Out of rotation first, then the signal: the server finishes what it has in flight.
    const drained = this.options.loadBalancer.deregister(running.id);
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => this.killTask(running), this.options.stopTimeoutMs);
    await running.exited;
    clearTimeout(timer);
    await drained;
  }

  /** Stops every task and starts no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.replacing]);
    await Promise.all([...this.running.values()].map((task) => this.stopTask(task)));
  }

  /**
   * SIGKILLs every task's process group at once and starts no more, for a local cloud that must
   * exit now (a second Ctrl-C). Synchronous.
   */
  kill(): void {
    this.stopped = true;
    for (const task of this.running.values()) this.killTask(task);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => {
      this.options.log?.(`replacing a task failed: ${(err as Error).message}`);
    });
    this.replacing.add(tracked);
    void tracked.finally(() => this.replacing.delete(tracked));
  }

  private async replace(): Promise<void> {
    if (this.stopped || this.tasks.length >= this.options.desiredCount) return;
    await this.startTask();
  }

  private killTask(task: RunningTask): void {
    if (task.child.exitCode !== null || task.child.signalCode !== null) return;
    try {
      // The whole process group: whatever the task started goes with it.
      if (task.pid !== undefined) process.kill(-task.pid, 'SIGKILL');
    } catch {
      task.child.kill('SIGKILL');
    }
  }

  private async startTask(): Promise<void> {
    this.started += 1;
    const number = this.started;
    const id = `task-${number}`;
    const { image } = this.options;
    const [command = 'node', ...args] = image.cmd;
    const logFile = createWriteStream(
      path.join(this.options.logsDir, `fargate-task-${number}.log`),
      {
        flags: 'a',
      },
    );
    const program = command === 'node' ? (this.options.nodeBinary ?? process.execPath) : command;
    const cpu = this.options.cpu;
    const group = cpu?.limits.group(`task-${process.pid}-${number}`, cpu.vcpus);
    const [file, argv] = group?.wrap(program, args) ?? [program, args];
    const child = spawn(file, argv, {
      // The context holds exactly what COPY puts in WORKDIR (/app): run it in place.
      cwd: image.context,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...image.env,
        ...this.options.environment,
        NODE_OPTIONS: [image.env.NODE_OPTIONS, `--require=${PARENT_WATCH}`]
          .filter(Boolean)
          .join(' '),
        // Each task on its own ephemeral port, on loopback only.
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => {
      logFile.end();
      group?.remove();
    });
    let port: number;
    try {
      port = await listeningPort(child, logFile, this.options.startTimeoutMs ?? 30_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    const task: RunningTask = {
      id,
      number,
      pid: child.pid,
      port,
      child,
      exited,
      logFile,
      stopping: false,
    };
    this.running.set(id, task);
    this.options.loadBalancer.register(id, port);
    void exited.then(() => {
      this.running.delete(id);
      if (task.stopping || this.stopped) return;
      // ECS notices the essential container stopped: the target goes, a new task comes.
      this.options.log?.(
        `task ${number} exited (${child.exitCode ?? child.signalCode}): replacing it`,
      );
      void this.options.loadBalancer.deregister(id);
      this.track(this.replace());
    });
  }
}

/** Copies the task's output to its log file and resolves with the port its server announces. */
function listeningPort(
  child: ChildProcess,
  logFile: WriteStream,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let found = false;
    const timer = setTimeout(
      () => reject(new Error(`no task listening in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stderr?.pipe(logFile, { end: false });
    child.stdout?.on('data', (chunk: Buffer) => {
      logFile.write(chunk);
      if (found) return;
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const entry = JSON.parse(line) as { message?: string; port?: number };
          if (entry.message === 'listening' && typeof entry.port === 'number') {
            found = true;
            clearTimeout(timer);
            resolve(entry.port);
            return;
          }
        } catch {
          // A partial line: wait for the rest.
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`the task exited (${code ?? signal}) before listening`));
    });
  });
}
