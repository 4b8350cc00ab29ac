/**
 * A TypeScript module run in a Node process of its own, asked for work over IPC: the load
 * generator and the bare cartoonize() yardstick each run in one, so each can be given its own
 * CPUs (taskset) or CPU quota (a cpu-limit group) and none competes inside the load test's
 * own event loop. Structured-clone serialization carries Buffers (the image) both ways.
 * The child runs through tsx's loader with the repository's tsconfig, as every npm script does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '..', '..');

interface Call {
  readonly id: number;
  readonly payload: unknown;
}
type Reply =
  | { readonly id: number; readonly progress: unknown }
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Sends one piece of work; resolves with its result, `onProgress` told of what it reports meanwhile. */
  call<T>(payload: unknown, onProgress?: (progress: unknown) => void): Promise<T>;
  /** Ends the process and waits for it. */
  close(): Promise<void>;
}

/** How the child is started: the command and arguments, possibly wrapped (taskset, a cgroup). */
export type Wrap = (command: string, args: readonly string[]) => [string, string[]];

/**
 * Starts `file` (a module that calls `serveWorker`) in its own Node process.
 *
 * @example
 * ```ts
 * const worker = startWorker(path.join(__dirname, 'load-worker.ts'));
 * const result = await worker.call<LoadResult>(options);
 * await worker.close();
 * ```
 */
export function startWorker(file: string, wrap: Wrap = (c, a) => [c, [...a]]): WorkerProcess {
  const [command, args] = wrap(process.execPath, [
    '--import',
    pathToFileURL(require.resolve('tsx')).href,
    file,
  ]);
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') },
  });
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (p: unknown) => void }
  >();
  let nextId = 1;
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failAll = (why: string) => {
    ended = why;
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  child.once('error', (err) =>
    failAll(`worker ${path.basename(file)} did not start: ${err.message}`),
  );
  child.once('exit', (code, signal) =>
    failAll(`worker ${path.basename(file)} exited (${signal ?? `code ${code}`})`),
  );
  child.on('message', (raw) => {
    const reply = raw as Reply;
    const p = pending.get(reply.id);
    if (p === undefined) return;
    if ('progress' in reply) p.progress?.(reply.progress);
    else if ('result' in reply) {
      pending.delete(reply.id);
      p.resolve(reply.result);
    } else {
      pending.delete(reply.id);
      p.reject(new Error(reply.error));
    }
  });
  return {
    get pid() {
      return child.pid;
    },
    call<T>(payload: unknown, onProgress?: (progress: unknown) => void): Promise<T> {
      if (ended !== undefined) return Promise.reject(new Error(ended));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, {
          resolve: (v) => resolve(v as T),
          reject,
          ...(onProgress ? { progress: onProgress } : {}),
        });
        child.send({ id, payload } satisfies Call);
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.disconnect?.();
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}

/**
 * The child's side: answers each call with `handle`'s result, or its error's message.
 *
 * @example
 * ```ts
 * serveWorker(async (options, progress) => runAutocannon(options as LoadOptions, progress));
 * ```
 */
export function serveWorker(
  handle: (payload: unknown, progress: (p: unknown) => void) => Promise<unknown>,
): void {
  if (process.send === undefined) throw new Error('a worker must be started by startWorker');
  const send = (reply: Reply) => process.send?.(reply);
  process.on('message', (raw) => {
    const { id, payload } = raw as Call;
    handle(payload, (progress) => send({ id, progress })).then(
      (result) => send({ id, result }),
      (err: unknown) => send({ id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent's end of the channel closing is the signal to go.
  process.on('disconnect', () => process.exit(0));
}
