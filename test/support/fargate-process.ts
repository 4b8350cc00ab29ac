/**
 * The fargate task as a child process, started the way its container starts it
 * (`node server.js`, or here the TypeScript entry through tsx), with its structured log lines
 * collected so tests can wait for them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { LocalS3 } from './local-s3';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface FargateProcess {
  readonly child: ChildProcess;
  /** The port from the task's `listening` log line. */
  readonly port: number;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first log line with this message (already written, or to come). */
  logLine(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  /** Kills it if it is still running. */
  kill(): void;
}

/**
 * The environment a fargate task gets in the tests: the local S3/SQS server for both, the
 * task's queue polled every second, an ephemeral port on loopback.
 *
 * @example
 * ```ts
 * await startFargateProcess(tsxCommand(), { ...fargateTestEnv(s3, queues.queueUrl), MAX_IN_FLIGHT: '3' });
 * ```
 */
export function fargateTestEnv(s3: LocalS3, queueUrl: string): Record<string, string> {
  return {
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    SQS_ENDPOINT: s3.endpoint,
    QUEUE_URL: queueUrl,
    QUEUE_WAIT_SECONDS: '1',
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    PORT: '0',
    HOST: '127.0.0.1',
  };
}

/**
 * Starts `command args` with `env` (and PATH) only, and waits for its `listening` line.
 *
 * @example
 * ```ts
 * const task = await startFargateProcess(tsxCommand(), { BUCKET_NAME: 'b', PORT: '0' });
 * ```
 */
export async function startFargateProcess(
  [command, ...args]: readonly string[],
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<FargateProcess> {
  if (command === undefined) throw new Error('no command');
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let newline = stdout.indexOf('\n');
    while (newline !== -1) {
      const line = stdout.slice(0, newline).trim();
      stdout = stdout.slice(newline + 1);
      if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
      newline = stdout.indexOf('\n');
    }
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });

  const logLine = (message: string, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${message}' log line in ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs,
      );
      const check = (): void => {
        const line = logs.find((entry) => entry.message === message);
        if (line) {
          clearTimeout(timer);
          resolve(line);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`exited before '${message}' (${child.exitCode}):\n${stderr}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const listening = await logLine('listening', options.timeoutMs);
    return {
      child,
      port: Number(listening.port),
      logs,
      stderr: () => stderr,
      logLine,
      exited: () => exit,
      kill,
    };
  } catch (err) {
    kill();
    throw err;
  }
}

/** The fargate entry in TypeScript, through tsx, with the repo's path mappings. */
export function tsxCommand(): string[] {
  return [
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    '--tsconfig',
    path.join(REPO_ROOT, 'tsconfig.json'),
    path.join(REPO_ROOT, 'services', 'fargate', 'main.ts'),
  ];
}
