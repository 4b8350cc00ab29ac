/**
 * The process side of a local execution environment that environment.ts (one invocation at a
 * time) and lmi-environment.ts (Lambda Managed Instances, many at once) share: the runtime's
 * command line (dies with the local cloud, held to its CPU share), its spawn in a process group
 * of its own with its output logged line by line, its log stream and trace ids, signals to the
 * whole group, its memory read from /proc, and the error documents the runtime reports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CpuGroup } from './cpu-limit';
import { type Command, killedWithParent } from './parent-death';

/**
 * The command that starts a runtime: Node with `args`, wrapped so that it dies with the local
 * cloud, then put in `cpuGroup` when there is one.
 *
 * @example
 * ```ts
 * const { command, args } = runtimeCommand(process.execPath, [bootstrap], limits.group('env-1', 1));
 * ```
 */
export function runtimeCommand(
  node: string,
  args: readonly string[],
  cpuGroup: CpuGroup | undefined,
): Command {
  const runtime = killedWithParent({ command: node, args });
  if (cpuGroup === undefined) return runtime;
  const [command, wrapped] = cpuGroup.wrap(runtime.command, runtime.args);
  return { command, args: wrapped };
}

/**
 * Spawns a runtime in its own process group (so a timeout or shutdown kills whatever it started
 * too), sends each line of its stdout and stderr to `log`, and calls `onExit` when it exits.
 *
 * @example
 * ```ts
 * const child = spawnRuntime(command, { cwd, env, log: console.log, onExit: () => markDead() });
 * ```
 */
export function spawnRuntime(
  { command, args }: Command,
  options: {
    readonly cwd: string;
    readonly env: Record<string, string>;
    readonly log: (line: string) => void;
    readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  },
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  pipeLines(child.stdout, options.log);
  pipeLines(child.stderr, options.log);
  child.on('exit', options.onExit);
  return child;
}

/**
 * Sends `signal` to the runtime's whole process group, unless it has already exited.
 *
 * @example
 * ```ts
 * signalGroup(child, 'SIGSTOP'); // freeze between invocations
 * ```
 */
export function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  const pid = child?.pid;
  if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: the exit handler will say so.
  }
}

/**
 * Resolves when the runtime has exited (at once if it has, or never started).
 *
 * @example
 * ```ts
 * signalGroup(child, 'SIGKILL');
 * await exitedProcess(child);
 * ```
 */
export function exitedProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * The log stream Lambda names after the day and the version: 2026/12/08/[$LATEST]<id>.
 *
 * @example
 * ```ts
 * logStreamName('$LATEST', env.id); // '2026/12/08/[$LATEST]4f…'
 * ```
 */
export function logStreamName(version: string, id: string): string {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[${version}]${id}`;
}

/**
 * A fresh X-Ray trace header for an invocation, not sampled.
 *
 * @example
 * ```ts
 * newTraceId(); // 'Root=1-6756…-…;Sampled=0'
 * ```
 */
export function newTraceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`;
}

/**
 * Peak (VmHWM) and current (VmRSS) resident memory in MB from one read of /proc, or
 * undefined once the process is gone.
 *
 * @example
 * ```ts
 * readMemoryMb(child.pid)?.peak; // Max Memory Used
 * ```
 */
export function readMemoryMb(pid: number | undefined): { peak: number; rss: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    const peak = field('VmHWM');
    const rss = field('VmRSS');
    if (peak === undefined || rss === undefined) return undefined;
    // Lambda reports MB of 1,048,576 bytes.
    return { peak: Number(peak) / 1024, rss: Number(rss) / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The errorMessage of a runtime's error document, or its text when it is not one.
 *
 * @example
 * ```ts
 * errorMessageOf(Buffer.from('{"errorMessage":"boom"}')); // 'boom'
 * ```
 */
export function errorMessageOf(payload: Buffer): string {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the text itself is the message
  }
  return payload.toString('utf8');
}

/**
 * The errorType of a runtime's error document, or `fallback`.
 *
 * @example
 * ```ts
 * errorTypeOf(Buffer.from('{"errorType":"TypeError"}'), 'Unhandled'); // 'TypeError'
 * ```
 */
export function errorTypeOf(payload: Buffer, fallback: string): string {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : fallback;
  } catch {
    return fallback;
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, log: (line: string) => void): void {
  if (stream === null) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) log(line);
  });
  stream.on('end', () => {
    if (rest) log(rest);
  });
}
