/**
 * One cold start of a function bundle in a fresh Node process, laid out as a Lambda
 * environment lays it out (the handler file in its task root, the layer's node_modules on
 * NODE_PATH), measured as the local cloud measures Init Duration: from the spawn until the
 * handler is loaded. Used by `npm run bench:init` (test/bench/init.bench.ts) and by the init
 * budget test (test/e2e/init-budget.test.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const CHILD = path.join(__dirname, '..', 'bench', 'init-child.cjs');

export interface LoadedFile {
  readonly file: string;
  readonly bytes: number;
}

export interface Invocation {
  readonly ms: number;
  /** CPU time of the process (all threads) during the invocation. */
  readonly cpuMs: number;
  readonly status?: number;
}

export interface ColdStart {
  /** Spawn to handler loaded, from outside: what Init Duration measures. */
  readonly initMs: number;
  /** Node's own start-up, before the first line of the runtime client (from inside). */
  readonly bootMs: number;
  /** When the handler was loaded, from inside (Node's clock starts as the process does). */
  readonly loadedAtMs: number;
  /**
   * CPU time of the process (all threads) until the handler was loaded. On a shared machine
   * it varies far less than the wall clock: other processes delay a start, they do not make
   * it do more work.
   */
  readonly initCpuMs: number;
  /** The files init loaded (the child's require cache), built-in modules aside. */
  readonly initFiles: readonly LoadedFile[];
  /** The public built-in modules (`crypto`, `zlib`, …) loaded by the end of init. */
  readonly initBuiltins: readonly string[];
  /** The first invocation, with the event, in the cold environment. */
  readonly first?: Invocation;
  /** The same event again, warm. */
  readonly warm?: Invocation;
}

export interface ColdStartOptions {
  /** The handler file (`…/index.js`), exporting `handler`. */
  readonly file: string;
  /** A JSON event file to invoke the handler with, twice. */
  readonly eventFile?: string;
  /** The child's whole environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly nodeBinary?: string;
}

/**
 * The variables a Lambda environment of this function would have that matter to init.
 *
 * @example
 * ```ts
 * lambdaLikeEnv({ layerModules: 'build/layer/x64/nodejs/node_modules', taskRoot: 'build/functions/api', functionName: 'api' });
 * ```
 */
export function lambdaLikeEnv(options: {
  readonly layerModules: string;
  readonly taskRoot: string;
  readonly functionName: string;
  readonly extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    NODE_PATH: [options.layerModules, options.taskRoot].join(':'),
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    BUCKET_NAME: 'cartoon-compute-bench',
    VARIANT: 'lambda-zip',
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
    ...options.extra,
  };
}

/**
 * Starts a fresh process, loads the handler, invokes it (when given an event) and reports.
 *
 * @example
 * ```ts
 * const run = await measureColdStart({ file: 'build/functions/api/index.js', env });
 * console.log(run.initMs, run.initFiles.length);
 * ```
 */
export function measureColdStart(options: ColdStartOptions): Promise<ColdStart> {
  const args = [CHILD, options.file, ...(options.eventFile ? [options.eventFile] : [])];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let initMs: number | undefined;
    const child = spawn(options.nodeBinary ?? process.execPath, args, {
      cwd: path.dirname(options.file),
      env: options.env,
      // The function's own output is not measured; fd 3 carries the child's report.
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let report = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const channel = child.stdio[3];
    if (!channel) throw new Error('no report channel');
    channel.on('data', (chunk: Buffer) => {
      initMs ??= performance.now() - started;
      report += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = report.split('\n').find((l) => l.startsWith('{'));
      const parsed = line
        ? (JSON.parse(line) as Omit<ColdStart, 'initMs'> & { error?: string })
        : undefined;
      if (code !== 0 || !parsed || parsed.error || initMs === undefined) {
        reject(
          new Error(
            `cold start of ${options.file} failed (exit ${code}): ${parsed?.error ?? ''}${stderr}`,
          ),
        );
        return;
      }
      resolve({ ...parsed, initMs });
    });
  });
}
